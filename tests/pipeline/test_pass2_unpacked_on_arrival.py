"""Pass 2's results are unpacked as they arrive (`DroppingJoin.arrived`), not after the last one: same outputs.

The reads hand each worker result to `sources._parallel.arriving`'s callback as
it comes in; pass 2's join unpacks the records a worker joined and dropped from
then, while the other inputs are still read, and the merge takes those runs
instead of unpacking each input's first run after the last task.  The outputs
are byte-identical to the join in the main process
(`MIGTRACE_PASS2_DROP_IN_WORKERS=0`) on the local pool and on a LocalCluster;
results a worker did not finish (a warning, the on-disk index) are replayed as
before, and the result itself is never changed (the index may store it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.pipeline import _drop, _load
from migtrace.pipeline._drop import Dropped, DroppingJoin
from migtrace.pipeline._keep import Unmoved
from migtrace.pipeline._reuse import Pass1Store, _Tally
from migtrace.sources._parallel import InputResult, arriving, pack_events, replay, taking_notes
from tests.conftest import cluster_script_output, json_outputs

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)

#: the sample files are small: send them to the workers all the same
pytestmark = pytest.mark.usefixtures("every_file_pooled")


class _Order:
    """Each `DroppingJoin`'s arrivals and joins, in the order they happened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.steps: list[tuple[str, str, bool]] = []
        self.joins: list[DroppingJoin] = []
        order = self

        class Noted(DroppingJoin):
            def __init__(self, store: Pass1Store, unmoved: Unmoved) -> None:
                super().__init__(store, unmoved)
                order.joins.append(self)

            def arrived(self, source: str, result: InputResult) -> None:
                super().arrived(source, result)
                order.steps.append(("arrived", source, source in self._early))

            def joined(self, source: str, stream: object) -> object:  # type: ignore[override]
                early = source in self._early
                out = super().joined(source, stream)  # type: ignore[arg-type]
                order.steps.append(("joined", source, early))
                return out

        monkeypatch.setattr(_load, "DroppingJoin", Noted)


@pytest.mark.parametrize("name", ["kilo-files", "zed-mixed"])
def test_each_result_is_unpacked_as_it_arrives_and_the_outputs_are_the_same(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [str(ROOT / "sample_logs" / name)]
    with monkeypatch.context() as m:
        m.setenv(_drop.WORKERS_VARIABLE, "0")
        before = json_outputs(paths, "--no-cache", "-j", "2")
    order = _Order(monkeypatch)
    assert json_outputs(paths, "--no-cache", "-j", "2") == before
    order.steps, order.joins = [], []
    _load.load(paths, LoadOptions(jobs=2))
    arrived = [source for step, source, early in order.steps if step == "arrived" and early]
    joined = [(source, early) for step, source, early in order.steps if step == "joined"]
    (join,) = order.joins
    assert arrived and sorted(arrived) == sorted(join.done)  # every input a worker joined, unpacked on arrival
    first_join = next(i for i, (step, *_) in enumerate(order.steps) if step == "joined")
    assert all(step == "arrived" for step, *_ in order.steps[:first_join])  # all before the merge starts
    assert all(early for source, early in joined if source in join.done)  # the merge took those runs
    assert not join._early  # and none is held after it


def test_the_index_reads_are_replayed_and_stay_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's reads are not finished on workers: nothing to unpack early, and what it stores is unchanged."""
    paths = [str(ROOT / "sample_logs" / "zed-mixed")]
    with monkeypatch.context() as m:
        m.setenv(_drop.WORKERS_VARIABLE, "0")
        before = json_outputs(paths, "--no-cache", "-j", "2")
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(tmp_path / "cache"))
    order = _Order(monkeypatch)
    assert json_outputs(paths, "-j", "2") == json_outputs(paths, "-j", "2") == before
    assert order.joins and not any(got for step, _, got in order.steps if step == "arrived")


def test_arrived_leaves_the_result_as_it_is_and_gives_its_notes() -> None:
    e = Event(time=T0, time_text="2024-03-01 10:00:00.000", message="VM Paused (Lifecycle Event)", host="compute-1",
              service="n-cpu", level="INFO", logger="nova.compute.manager", source="nova-compute.log", lineno=3)
    pack = pack_events([e], {0: "a note"})
    done = Dropped(_Tally(), True)
    result = InputResult([pack], FileStats(path="nova-compute.log"), [], None, done)
    join = DroppingJoin(Pass1Store(), Unmoved(frozenset(), (), None))
    with taking_notes(lambda run: {}) as notes:
        join.arrived("nova-compute.log", result)
        assert result.packs == [pack] and result.summary is done  # unchanged: the index may store it
        stream = replay(result, lambda _line: None)  # the stream `_read` hands the join
        (got,) = list(join.joined("nova-compute.log", stream))
        assert got == e and notes.take(got) == "a note"  # the note of the very record the arrival unpacked
    warned = InputResult([pack], FileStats(path="other.log"), [(0, "a warning")], None, done)
    join.arrived("other.log", warned)  # a read that warned is replayed where its warning falls (the workers
    assert not join._early  # send it unfinished: tests/pipeline/test_reuse_unmoved_workers.py runs one through)


def test_arriving_gives_each_pooled_result_once(tmp_path: Path) -> None:
    from migtrace.sources import open_inputs
    from migtrace.sources._parallel import read_results
    from migtrace.sources._warnings import Warnings

    paths = [str(p) for p in sorted((ROOT / "sample_logs" / "kilo-files").rglob("*.log"))]
    readers = open_inputs(paths, LoadOptions(jobs=2), Warnings(None))
    got: list[str] = []
    with arriving(lambda path, result: got.append(path)):
        results = read_results(readers)
    assert results is not None
    assert sorted(got) == sorted(r.stats.path for r in results)
    got.clear()
    assert read_results(open_inputs(paths, LoadOptions(jobs=2), Warnings(None))) is not None
    assert not got  # outside the block: nothing given


#: run in a process of its own (`cluster_script_output`)
_CLUSTER_SCRIPT = """
early = []
class Noted(_drop.DroppingJoin):
    def arrived(self, source, result):
        super().arrived(source, result)
        if source in self._early:
            early.append(source)
_load.DroppingJoin = Noted

def check():
    assert early, "no result unpacked on arrival"
"""


def test_a_local_cluster_unpacks_pass_2_on_arrival(tmp_path: Path) -> None:
    out = cluster_script_output(tmp_path, _CLUSTER_SCRIPT, ROOT / "sample_logs" / "zed-mixed")
    assert out.strip().endswith("same")


def test_two_arrivals_sharing_a_copy_key_are_not_apart() -> None:
    """`copies_apart` from the key sets made on arrival: a key in two inputs' joins sends pass 2 to the main process."""
    def result(path: str, keys: list[int]) -> InputResult:
        done = Dropped(_Tally(), True, left_out=1)
        done.keys.extend(keys)
        return InputResult([], FileStats(path=path), [], None, done)

    for second, apart in (([3, 4], True), ([2, 5], False)):
        join = DroppingJoin(Pass1Store(), Unmoved(frozenset(), (), None))
        for path, keys in (("a.log", [1, 2]), ("b.log", second)):
            got = result(path, keys)
            join.arrived(path, got)
            list(join.joined(path, replay(got, lambda _line: None)))
        assert join.copies_apart() is apart
        assert join.copies_apart() is apart  # asked again: the same answer
