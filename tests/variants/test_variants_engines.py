"""The matrix read by every engine: `-j 2`, the index cold then warm and a LocalCluster print what `-j 1` prints.

Issue 13's promise: results identical whichever engine reads.  The sample sets' own tests compare the
engines on each set as collected (tests/pipeline/test_parallel.py, tests/sources/test_index.py,
tests/pipeline/test_dask.py); this runs `list -f json` and `diagnose -f json` on every variant of
every set (`python -m tools.variants.engines`), where the reshaped inputs (relative paths, stdin beside
files, tarred sosreports, a zone per file, INFO-only, a host missing) take paths of their own, and
compares the exit code, stdout and stderr of each engine with the serial read's.  Every regular file
goes to the workers, however small.  The cluster is real: two single-threaded worker processes on
loopback, started in another directory than the variants', as a deployed cluster's workers are.

One process per set: a LocalCluster leaves distributed's offload thread behind, and a later local pool
in the test process would start its workers from a fork server, where other tests' patches never reach
(`tests.conftest.cluster_script_output`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, require_dask
from tests.variants.conftest import all_variants

require_dask()

pytestmark = pytest.mark.slow  # about 2.5 min over the 128 variants

SETS = sorted({set_name for set_name, _ in all_variants()})


@pytest.mark.parametrize("set_name", SETS)
def test_every_engine_prints_what_the_serial_read_prints(variants_root: Path, set_name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "tools.variants.engines", str(variants_root / set_name)],
                          capture_output=True, text=True, timeout=900, cwd=REPO, check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    count = sum(1 for s, _ in all_variants() if s == set_name)
    assert done.stdout.splitlines()[-1] == (f"{count} variants, 5 engines (serial, pool, index-cold, index-warm, "
                                           f"cluster), 2 commands each: 0 with a difference")
