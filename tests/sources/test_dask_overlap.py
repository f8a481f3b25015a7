"""Worker results are taken as each input's task ends, biggest inputs first, and still land in input order.

On a real dask.distributed LocalCluster (two worker processes on loopback) and on the local
pool: `read_results` gives every input's result at its own place, equal to a read in this
process, whatever order the tasks end in; progress reaches the total once per input; the
inputs are handed out biggest first (a big file started last would leave one worker reading
alone at the end).  Skipped, saying why, without the `dask` extra; never skipped in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migtrace._sealed import unseal
from migtrace.options import LoadOptions
from migtrace.sources import _parallel, open_inputs
from migtrace.sources._parallel import InputResult, read_results, read_serially
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()

SET = SAMPLE_LOGS / "queens-files"


@pytest.fixture(scope="module")
def small_files_to_workers() -> Iterator[None]:
    with every_file_to_the_pool():
        yield


@pytest.fixture(scope="module")
def client(small_files_to_workers: None) -> Iterator[Any]:
    with local_cluster_client() as c:
        yield c


def _events(result: InputResult) -> list[Any]:
    return [e for pack in result.packs for e in _parallel._unpack(pack)]


def _same_as_here(options: LoadOptions) -> None:
    readers = open_inputs([str(SET)], options, print)
    assert len(readers) > 2
    seen: list[tuple[int, int]] = []
    got = read_results(readers, lambda done, total: seen.append((done, total)))
    here = read_serially(open_inputs([str(SET)], LoadOptions(), print))
    assert got is not None and len(got) == len(here)
    for a, b in zip(got, here, strict=True):
        assert _events(a) == _events(b)
        assert a.stats == b.stats and a.warnings == b.warnings
    assert len(seen) == len(readers)  # one report per input, as each is done
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == seen[-1][1] > 0


def test_a_cluster_gives_each_result_at_its_place(client: Any) -> None:
    _same_as_here(LoadOptions(client=client))


def test_the_local_pool_gives_each_result_at_its_place(small_files_to_workers: None) -> None:
    _same_as_here(LoadOptions(jobs=2))


def test_the_biggest_inputs_are_handed_out_first(client: Any, tmp_path: Path) -> None:
    line = "2024-05-14 08:03:12.712 1234 INFO nova.compute.manager [-] a line\n"
    for name, count in (("a-small.log", 1), ("b-big.log", 300), ("c-mid.log", 30)):
        (tmp_path / name).write_text(line * count)
    readers = open_inputs([str(tmp_path)], LoadOptions(client=client), print)
    submitted: list[str] = []
    real_map = client.map

    def map_(func: Any, *args: Any, **kwargs: Any) -> Any:
        submitted.extend(Path(unseal(sealed)[1][0].path).name for sealed in args[0])  # (`_read_sent`, (item, …))
        return real_map(func, *args, **kwargs)
    client.map = map_
    try:
        got = read_results(readers)
    finally:
        del client.map
    assert submitted == ["b-big.log", "c-mid.log", "a-small.log"]
    assert got is not None and [r.stats.path for r in got] == [r.stats.path for r in readers]  # input order
