"""A load collects cyclic garbage rarely (`_rare_gc.rare_collections`), and gives back the collector as it found it.

The load itself, its pool's workers (forked inside it), each read wherever it
runs (a Dask worker starts with CPython's default) and nothing after it run
with the raised young-generation threshold; an error, a nested load, a
concurrent one and a collector switched off by the caller are each left as
they were; and the analysis is the same as with CPython's default threshold.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from migtrace import _rare_gc
from migtrace._rare_gc import YOUNG_COLLECTION, rare_collections
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._load import load
from migtrace.sources import _parallel
from migtrace.sources._discover import InputFile
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, pool_script_output, require_dask

SET = SAMPLE_LOGS / "queens-files"


@pytest.fixture
def default_threshold() -> Iterator[tuple[int, int, int]]:
    """CPython's default thresholds for the test (restored after, whatever it did)."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield gc.get_threshold()
    finally:
        gc.set_threshold(*before)


def _spy(monkeypatch: pytest.MonkeyPatch, seen: list[tuple[int, int, int]],
         then: Callable[[], None] | None = None) -> None:
    """Note the thresholds when the load assembles the moves (`_built`), then run `then` (may raise)."""
    orig = _load._built

    def built(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        if then is not None:
            then()
        return orig(*args, **kwargs)
    monkeypatch.setattr(_load, "_built", built)


def test_raised_during_the_load_and_restored_after(monkeypatch: pytest.MonkeyPatch,
                                                   default_threshold: tuple[int, int, int]) -> None:
    seen: list[tuple[int, int, int]] = []
    _spy(monkeypatch, seen)
    assert load([SET], LoadOptions(tz="UTC")).migrations
    assert seen and all(t == (YOUNG_COLLECTION, 10, 10) for t in seen)
    assert gc.get_threshold() == default_threshold


def test_restored_after_an_error(monkeypatch: pytest.MonkeyPatch, default_threshold: tuple[int, int, int]) -> None:
    def fail() -> None:
        raise RuntimeError("boom")
    _spy(monkeypatch, [], fail)
    with pytest.raises(RuntimeError, match="boom"):
        load([SET], LoadOptions(tz="UTC"))
    assert gc.get_threshold() == default_threshold


def test_a_collector_switched_off_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        seen: list[tuple[int, int, int]] = []
        _spy(monkeypatch, seen)
        load([SET], LoadOptions(tz="UTC", diagnose=False))
        assert seen and all(t[0] == 0 for t in seen)
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_a_higher_threshold_is_kept(default_threshold: tuple[int, int, int]) -> None:
    gc.set_threshold(YOUNG_COLLECTION * 2, 5, 7)
    with rare_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION * 2, 5, 7)
    assert gc.get_threshold() == (YOUNG_COLLECTION * 2, 5, 7)


def test_nested_and_concurrent_loads_restore_once(default_threshold: tuple[int, int, int]) -> None:
    inner_in, outer_may_end = threading.Event(), threading.Event()
    during: list[tuple[int, int, int]] = []

    def other() -> None:  # a load in another thread that outlives the first one's end
        with rare_collections():
            inner_in.set()
            outer_may_end.wait(10)
            during.append(gc.get_threshold())

    with rare_collections():
        with rare_collections():
            assert gc.get_threshold()[0] == YOUNG_COLLECTION
        assert gc.get_threshold()[0] == YOUNG_COLLECTION  # the nested one ended: still raised
        thread = threading.Thread(target=other)
        thread.start()
        assert inner_in.wait(10)
    assert gc.get_threshold()[0] == YOUNG_COLLECTION  # the other thread's load still runs
    outer_may_end.set()
    thread.join(10)
    assert during == [(YOUNG_COLLECTION, 10, 10)]
    assert gc.get_threshold() == default_threshold


#: a load with every file sent to a 2-worker pool, each worker noting its thresholds as it starts a read
#: (in a process of its own: `pool_script_output`)
_POOL_LOAD = """
import gc, os, sys
from pathlib import Path
from migtrace.options import LoadOptions
from migtrace.pipeline._load import load
from migtrace.sources import _parallel

out, real = Path(sys.argv[1]), _parallel.read_input


def noting(*args, **kwargs):
    (out / f"{os.getpid()}-{id(args[0])}").write_text(repr(gc.get_threshold()), encoding="utf-8")
    return real(*args, **kwargs)


if __name__ == "__main__":
    gc.set_threshold(700, 10, 10)
    _parallel.read_input = noting
    _parallel.MIN_WORKER_BYTES = _parallel.MIN_POOL_BYTES = 0
    load([sys.argv[2]], LoadOptions(tz="UTC", jobs=2))
    print(os.getpid(), gc.get_threshold())
"""


def test_the_pool_workers_inherit_it(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    pid, after = pool_script_output(_POOL_LOAD, str(notes), str(SET)).split(" ", 1)
    noted = {p.read_text(encoding="utf-8") for p in notes.iterdir()}
    pids = {p.name.split("-")[0] for p in notes.iterdir()}
    assert pids and pid not in pids  # read by the workers
    assert noted == {repr((YOUNG_COLLECTION, 10, 10))}
    assert after.strip() == repr((700, 10, 10))  # given back after the load


@pytest.mark.parametrize("name", ["queens-files", "zed-mixed", "train-single-host"])
def test_the_analysis_is_the_one_of_the_default_threshold(monkeypatch: pytest.MonkeyPatch, name: str,
                                                          default_threshold: tuple[int, int, int]) -> None:
    rare = load([SAMPLE_LOGS / name], LoadOptions(tz="UTC"))
    monkeypatch.setattr(_rare_gc, "YOUNG_COLLECTION", default_threshold[0])
    usual = load([SAMPLE_LOGS / name], LoadOptions(tz="UTC"))
    assert rare == usual


def test_a_read_raises_it_wherever_it_runs(default_threshold: tuple[int, int, int]) -> None:
    """`read_input` on its own (as a fork server's child or a Dask worker runs it, outside any load)."""
    seen: list[tuple[int, int, int]] = []
    log = next((SET).rglob("nova-compute*.log"))
    result = _parallel.read_input(InputFile(str(log), str(log)), _parallel.portable(LoadOptions(tz="UTC")),
                                  frozenset(), progress=lambda _position: seen.append(gc.get_threshold()))
    assert result.stats.lines_read > 0
    assert seen and set(seen) == {(YOUNG_COLLECTION, 10, 10)}
    assert gc.get_threshold() == default_threshold


_WORKER_SEEN: list[tuple[int, int, int]] = []


def _note_worker_thresholds() -> tuple[int, int, int]:
    """On a worker: CPython's default thresholds, and each input's read noting the thresholds it runs with."""
    from migtrace.sources._reader import FileReader

    events = FileReader.events

    def noting(self: FileReader) -> Any:
        _WORKER_SEEN.append(gc.get_threshold())
        return events(self)

    FileReader.events = noting  # type: ignore[method-assign]
    gc.set_threshold(700, 10, 10)
    return gc.get_threshold()


def _worker_thresholds() -> tuple[set[tuple[int, int, int]], tuple[int, int, int]]:
    return set(_WORKER_SEEN), gc.get_threshold()


def test_a_dask_worker_reads_with_it_and_is_given_back_its_own() -> None:
    require_dask()
    with every_file_to_the_pool(), local_cluster_client(workers=1) as client:
        client.run(_note_worker_thresholds)
        assert load([SET], LoadOptions(tz="UTC", client=client)).migrations
        (seen, after), = client.run(_worker_thresholds).values()
    assert seen == {(YOUNG_COLLECTION, 10, 10)}
    assert after == (700, 10, 10)
