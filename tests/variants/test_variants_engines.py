"""The matrix read by every engine: `-j 2`, the index cold then warm and a LocalCluster print what `-j 1` prints.

Issue 13's promise: results identical whichever engine reads.  The sample sets' own tests compare the
engines on each set as collected (tests/pipeline/test_parallel.py, tests/sources/test_index.py,
tests/pipeline/test_dask.py); this runs `list -f json` and `diagnose -f json` on every variant of
every set (`tools.variants.engines`), where the reshaped inputs (relative paths, stdin beside files,
tarred sosreports, a zone per file, INFO-only, a host missing) take paths of their own, and compares
the exit code, stdout and stderr of each engine with the serial read's.  Every regular file goes to
the workers, however small.  The cluster is real: two single-threaded worker processes on loopback,
started in another directory than the variants', as a deployed cluster's workers are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import local_cluster_client, require_dask
from tests.variants.conftest import all_variants, variant_doc
from tools.variants.check import inprocess_runner
from tools.variants.engines import differences, engines, printed_by_engine

require_dask()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a real 2-worker LocalCluster's scheduler."""
    with local_cluster_client() as client:
        yield client.scheduler.address


@pytest.mark.parametrize(("set_name", "variant"), [(s, v.name) for s, v in all_variants()],
                         ids=[f"{s}/{v.name}" for s, v in all_variants()])
def test_every_engine_prints_what_the_serial_read_prints(variants_root: Path, scheduler: str, set_name: str,
                                                         variant: str) -> None:
    variant_dir = variants_root / set_name / variant
    printed = printed_by_engine(variant_dir, variant_doc(variants_root, set_name, variant), inprocess_runner(),
                                engines(scheduler))
    assert set(printed) == {"serial", "pool", "index-cold", "index-warm", "cluster"}
    assert differences(printed) == []
    assert printed["serial"][0].exit_code == 0, printed["serial"][0].stderr
