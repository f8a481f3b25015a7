"""Pass 2's join and Unmoved's drop run on the workers (`pipeline/_drop.py`), and every output stays the same.

The records of instances that never moved are left out where pass 2 reads
them: fewer records reach the main process (the Keeper sees fewer), and the
outputs are byte-identical to the join and drop in the main process
(`MIGTRACE_PASS2_DROP_IN_WORKERS=0`).  Each fallback is triggered and gives
the same output: a copy of a record in two inputs (the merge's count),
an input whose read warned, the on-disk index, `-j 1`, kept unmoved records,
the user's own signatures, and the read again after a move on a dropped id.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.pipeline import _drop, _keep, _load
from migtrace.pipeline._drop import Dropped, DroppingJoin, JoinDrop
from migtrace.pipeline._keep import BY_RECORD, STARTS, Unmoved, keep_notes
from migtrace.pipeline._reuse import Pass1Store
from migtrace.sources._open import MAX_LINE_BYTES
from migtrace.sources._parallel import InputResult, pack_events, unpack_noted
from tests.conftest import cluster_script_output, json_outputs

ROOT = Path(__file__).resolve().parents[2]
DROPPING_SETS = ("kilo-files", "zed-mixed")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
MOVED = "11111111-2222-4333-8444-555555555555"
STILL = "99999999-8888-4777-8666-555555555555"


#: the sample files are small: send them to the workers all the same
pytestmark = pytest.mark.usefixtures("every_file_pooled")


class _Spy:
    """Counts the Keeper's calls in this process and notes each `DroppingJoin` a load made."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.joins: list[DroppingJoin] = []
        self.apart: list[bool] = []
        keeper_call = _keep.Keeper.__call__
        spy = self

        def counted(keeper: _keep.Keeper, e: Event) -> bool:
            spy.calls += 1
            return keeper_call(keeper, e)

        class Noted(DroppingJoin):
            def __init__(self, store: Pass1Store, unmoved: Unmoved) -> None:
                super().__init__(store, unmoved)
                spy.joins.append(self)

            def copies_apart(self) -> bool:
                spy.apart.append(super().copies_apart())
                return spy.apart[-1]

        monkeypatch.setattr(_keep.Keeper, "__call__", counted)
        monkeypatch.setattr(_load, "DroppingJoin", Noted)

    def left_out(self) -> int:
        return sum(j.left_out() for j in self.joins)


def _in_main(monkeypatch: pytest.MonkeyPatch, paths: list[str], *flags: str) -> list[str]:
    """The outputs with the join and the drop in the main process (the read before)."""
    with monkeypatch.context() as m:
        m.setenv(_drop.WORKERS_VARIABLE, "0")
        return json_outputs(paths, *flags)


@pytest.mark.parametrize("name", DROPPING_SETS)
def test_the_workers_drop_and_the_outputs_are_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [str(ROOT / "sample_logs" / name)]
    before = _in_main(monkeypatch, paths, "--no-cache", "-j", "2")
    spy = _Spy(monkeypatch)
    with monkeypatch.context() as m:
        m.setenv(_drop.WORKERS_VARIABLE, "0")
        _load.load(paths, LoadOptions(jobs=2))
    in_main = spy.calls
    spy.calls = 0
    assert json_outputs(paths, "--no-cache", "-j", "2") == before
    spy.calls, spy.joins = 0, []
    _load.load(paths, LoadOptions(jobs=2))
    assert spy.left_out() > 0  # records left out on the workers ...
    assert spy.calls == in_main - spy.left_out()  # ... never reached the main process's Keeper
    assert spy.apart and all(spy.apart)


def test_a_record_in_two_inputs_joins_in_the_main_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of an input beside it: the merge counts the copies of every record, so pass 2 is joined here."""
    root = tmp_path / "kilo-files"
    shutil.copytree(ROOT / "sample_logs" / "kilo-files", root)
    log = root / "compute1" / "var" / "log" / "nova"
    shutil.copy(log / "nova-compute.log", log / "nova-compute-copy.log")
    paths = [str(root)]
    before = _in_main(monkeypatch, paths, "--no-cache", "-j", "2")
    assert "appear in two inputs" in before[0]
    spy = _Spy(monkeypatch)
    assert json_outputs(paths, "--no-cache", "-j", "2") == before
    assert False in spy.apart  # the workers' joins shared a key: read again, joined here


def test_an_input_that_warns_is_joined_here_the_others_on_workers(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler's log has a line over the reader's limit, so every read of it warns: it alone is joined here.

    A real bad line, not a patched reader: the pool's workers start from a fork server when a thread runs in
    this process (an earlier test's cluster may leave one), and a patch made here never reaches them.
    """
    root = tmp_path / "kilo-files"
    shutil.copytree(ROOT / "sample_logs" / "kilo-files", root)
    (scheduler,) = root.rglob("nova-scheduler.log")
    with scheduler.open("ab") as fh:
        fh.write(b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    paths = [str(root)]
    before = _in_main(monkeypatch, paths, "--no-cache", "-j", "2")
    assert f"line(s) longer than {MAX_LINE_BYTES >> 20} MiB" in before[0]
    spy = _Spy(monkeypatch)
    assert json_outputs(paths, "--no-cache", "-j", "2") == before
    spy.joins = []
    _load.load(paths, LoadOptions(jobs=2))
    (join,) = spy.joins
    assert join.left_out() > 0 and join.done
    assert not any(p.endswith("nova-scheduler.log") for p in join.done)


def test_an_input_whose_read_warned_is_joined_in_the_main_process() -> None:
    """The warnings' places in the stream would move with a join: the worker sends the result as read."""
    e = _event("VM Paused (Lifecycle Event)", instance=STILL)
    result = InputResult([pack_events([e])], FileStats(path="nova-compute.log"), [(0, "a warning")])
    finish = JoinDrop((), frozenset(), frozenset({MOVED}))
    assert finish(result) is result
    assert finish(InputResult([pack_events([e])], FileStats(path="nova-compute.log"), [])).summary is not None


def test_the_index_stores_and_gives_the_inputs_unfinished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [str(ROOT / "sample_logs" / "zed-mixed")]
    before = _in_main(monkeypatch, paths, "--no-cache", "-j", "2")
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(tmp_path / "cache"))
    spy = _Spy(monkeypatch)
    cold = json_outputs(paths, "-j", "2")
    warm = json_outputs(paths, "-j", "2")
    assert cold == warm == before
    assert spy.joins and spy.left_out() == 0  # the index's reads are joined here, never finished on a worker
    monkeypatch.setenv(_drop.WORKERS_VARIABLE, "0")
    assert json_outputs(paths, "-j", "2") == before  # and what the index stored is the input's read alone


@pytest.mark.parametrize("flags", [("-j", "1"), ("--signatures", "SIGS")])
def test_reads_that_drop_nothing_on_workers(flags: tuple[str, ...], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`-j 1` reads in this process; the user's own signatures are an orphan test the workers do not hold."""
    if "SIGS" in flags:
        sigs = tmp_path / "sigs.yaml"
        sigs.write_text("id: my-own\ntitle: my own\nseverity: warning\nmatch: 'message:\"Lifecycle Event\"'\n"
                        "explanation: e\nremedy: r\n")
        flags = ("-j", "2", "--signatures", str(sigs))
    paths = [str(ROOT / "sample_logs" / "zed-mixed")]
    before = _in_main(monkeypatch, paths, "--no-cache", *flags)
    spy = _Spy(monkeypatch)
    assert json_outputs(paths, "--no-cache", *flags) == before
    assert spy.left_out() == 0


def test_unmoved_records_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [str(ROOT / "sample_logs" / "kilo-files")]
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1")
    before = _in_main(monkeypatch, paths, "--no-cache", "-j", "2")
    spy = _Spy(monkeypatch)
    assert json_outputs(paths, "--no-cache", "-j", "2") == before
    assert not spy.joins  # no Unmoved: pass 2 joins in the main process, as before


def test_the_read_again_after_a_move_on_a_dropped_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' tallies name the dropped ids (`_unmoved_safe`); judged unsafe, the read again keeps all."""
    paths = [str(ROOT / "sample_logs" / "zed-mixed")]
    seen: list[tuple[int, int]] = []
    real = _load._unmoved_safe

    def unsafe(unmoved: Unmoved, migrations: Any, events: Any) -> bool:
        seen.append((unmoved.dropped, len(unmoved.instances)))
        real(unmoved, migrations, events)
        return False
    monkeypatch.setattr(_load, "_unmoved_safe", unsafe)
    in_workers = _load.load(paths, LoadOptions(jobs=2))
    with monkeypatch.context() as m:
        m.setenv(_drop.WORKERS_VARIABLE, "0")
        in_main = _load.load(paths, LoadOptions(jobs=2))
    assert seen[0] == seen[1] and seen[0][0] > 0  # the same tallies, from the workers or from here
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1")
    full = _load.load(paths, LoadOptions(jobs=2))
    assert in_workers.migrations == in_main.migrations == full.migrations
    assert len(in_workers.events) == len(full.events)


#: run in a process of its own (`cluster_script_output`)
_CLUSTER_SCRIPT = """
joins = []
class Noted(_drop.DroppingJoin):
    def __init__(self, *args):
        super().__init__(*args)
        joins.append(self)
_load.DroppingJoin = Noted

def check():
    assert sum(j.left_out() for j in joins) > 0, "nothing left out on the workers"
"""


def test_a_local_cluster_drops_on_its_workers(tmp_path: Path) -> None:
    out = cluster_script_output(tmp_path, _CLUSTER_SCRIPT, ROOT / "sample_logs" / "kilo-files")
    assert out.strip().endswith("same")


def _event(message: str, *, level: str = "INFO", instance: str | None = None, request_id: str | None = None,
           host: str | None = "compute-1", service: str = "n-cpu", seconds: float = 0, lineno: int = 1) -> Event:
    t = T0 + timedelta(seconds=seconds)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=message, host=host,
                 service=service, level=level, logger="nova.compute.manager", instance=instance,
                 request_id=request_id, source="nova-compute.log", lineno=lineno)


def test_what_a_worker_leaves_out() -> None:
    """Only records whose fate no request started in another input can change; the tallies travel."""
    req = "req-77777777-1111-4222-8333-444444444444"
    records = [
        _event("VM Paused (Lifecycle Event)", instance=STILL, lineno=1, seconds=1),  # kept by rule, not needed
        _event("periodic task ran", level="DEBUG", lineno=2, seconds=2),  # no rule, no request: never kept
        _event("Doing nothing in particular", level="DEBUG", request_id=req, lineno=3, seconds=3),  # a request's: travels
        _event("VM Resumed (Lifecycle Event)", instance=MOVED, lineno=4, seconds=4),  # a move's: travels
        _event("no host here", level="DEBUG", host=None, lineno=5, seconds=5),  # hostless: travels
    ]
    notes = keep_notes(records, find=True)
    assert not any(int(n if isinstance(n, int) else n[2]) & STARTS for n in notes.values())
    assert not (int(notes[2] if isinstance(notes[2], int) else notes[2][2]) & BY_RECORD)
    pass1 = pack_events(records[:2], {0: notes[0], 1: notes[1]})  # two records pass 1 parsed, noted
    pass2 = pack_events(records[2:], None)  # the rest as pass 2 read them, without notes
    finish = JoinDrop((pass1,), frozenset(), frozenset({MOVED}))
    out = finish(InputResult([pass2], FileStats(path="nova-compute.log"), []))
    done = out.summary
    assert isinstance(done, Dropped) and done.usable
    travelled = [e for pack in out.packs for e in unpack_noted(pack)[0]]
    assert [e.lineno for e in travelled] == [3, 4, 5]
    assert done.left_out == 2 and done.dropped == 1  # the lifecycle record dropped by Unmoved, tallied
    assert done.instances == {STILL} and done.latest == {"compute-1": T0 + timedelta(seconds=1)}
    assert done.last_seen == {"compute-1": T0 + timedelta(seconds=2)}  # every record left out: its host's time
    assert len(done.keys) == 5 and done.tally.records == 2


def test_a_starting_record_travels() -> None:
    """A record that starts a request makes that request's later records kept, in any input: never left out."""
    start = _event("Going to try to live migrate instance to compute-2", level="DEBUG", instance=STILL,
                   request_id="req-1", lineno=1)
    notes = keep_notes([start], find=True)
    note = notes[0]
    assert (note if isinstance(note, int) else note[2]) & STARTS
    out = JoinDrop((), frozenset(), frozenset())(InputResult([pack_events([start], notes)], FileStats(path="x"), []))
    assert [e.lineno for pack in out.packs for e in unpack_noted(pack)[0]] == [1]
    assert isinstance(out.summary, Dropped) and out.summary.left_out == 0


def test_unmoved_absorbs_a_workers_tallies() -> None:
    here = Unmoved({MOVED}, set(), None)
    here.latest = {"a": T0}
    here.reference_counts.update({("n-api", "a"): 1})
    here.absorb({"a": T0 + timedelta(seconds=1), "b": T0}, _keep.Counter({("n-api", "a"): 2}), {STILL}, {"r"}, 3)
    assert here.latest == {"a": T0 + timedelta(seconds=1), "b": T0}
    assert here.reference_counts == {("n-api", "a"): 3}
    assert here.instances == {STILL} and here.requests == {"r"} and here.dropped == 3
