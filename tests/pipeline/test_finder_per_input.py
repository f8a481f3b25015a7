"""Pass 1's finder per input on the workers (`pipeline/_per_input.py`) gives what the serial finder gives.

The finder's state is order-free: per-input summaries folded in any order give
the same move requests, instances, contexts and pass-2 windows as one finder
over the records merged in time (hypothesis over input orders and run splits
of the real sample sets).  A record at a window's edge (two inputs naming an
instance just over two margins apart) gives the serial windows.  The one
coupling, the merge's copy rule, falls back to going over pass 1's records
again: a load with the same record in two inputs equals the serial finder's.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.correlate.markers import load_markers
from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.pipeline import _per_input
from migtrace.pipeline._keep import ContextFinder
from migtrace.pipeline._load import PER_INPUT_VARIABLE, load, read_events
from migtrace.pipeline._per_input import FinderSummary, InputFinder
from migtrace.pipeline._window import MARGIN_S, absorb_evidence
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool

SETS = ("devstack-2024.1", "kilo-files", "queens-files", "train-single-host", "yoga-info", "zed-mixed")


@pytest.fixture(scope="module")
def records() -> dict[str, list[Event]]:
    """Set -> every record of the sample set, merged in time (one read each for the module)."""
    return {name: read_events([SAMPLE_LOGS / name], LoadOptions(tz="UTC")) for name in SETS}


def _serial(events: Sequence[Event]) -> ContextFinder:
    finder = ContextFinder(load_markers())
    for e in events:
        finder(e)
    return finder


def _state(finder: ContextFinder) -> tuple[Any, ...]:
    """What pass 2 and `Unmoved` read of a finder."""
    named = {req: frozenset(insts) for req, insts in finder.named_by().items() if insts}
    return (frozenset(finder.requests), frozenset(finder.instances), named, frozenset(finder.contexts),
            frozenset(finder.ids()), finder.windows())


def _summary(source: str, events: Sequence[Event], cuts: Sequence[int]) -> FinderSummary:
    """A worker's summary of one input read in full, its records fed in runs cut at `cuts`."""
    stats = FileStats(path=source, full_read="read in full")
    summer = InputFinder(frozenset())
    bounds = [0, *sorted({c % (len(events) + 1) for c in cuts}), len(events)]
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            summer.feed(list(events[lo:hi]), stats)
    summary = summer.result(stats)
    assert summary is not None
    return summary


def _folded(by_input: dict[str, list[Event]], order: Sequence[str], cuts: Sequence[int]) -> ContextFinder:
    finder = ContextFinder(load_markers())
    for source in order:
        s = _summary(source, by_input[source], cuts)
        finder.absorb(s.requests, s.instances, s.named, s.contexts)
        absorb_evidence(finder.evidence, s.spans, s.request_spans, s.samples, s.unordered, s.offsets,
                        s.last)
    return finder


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SETS), seed=st.randoms(use_true_random=False),
       cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=4))
def test_summaries_in_any_order_give_the_serial_finder(records: dict[str, list[Event]], name: str, seed: Any,
                                                       cuts: list[int]) -> None:
    merged = records[name]
    by_input: dict[str, list[Event]] = defaultdict(list)
    for e in merged:
        by_input[e.source].append(e)
    order = list(by_input)
    seed.shuffle(order)
    assert _state(_folded(by_input, order, cuts)) == _state(_serial(merged))


def _event(src: str, lineno: int, t: datetime, message: str, instance: str | None = None) -> Event:
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:23], message=message, source=src,
                 lineno=lineno, instance=instance, request_id="req-11111111-2222-3333-4444-555555555555",
                 user="u1")


VM = "11111111-2222-3333-4444-555555555555"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("gap", [2 * MARGIN_S - 0.5, 2 * MARGIN_S, 2 * MARGIN_S + 0.5, 2 * MARGIN_S + 1,
                                 2 * MARGIN_S + 1.5])
def test_a_record_at_a_window_edge(gap: float) -> None:
    """Two inputs name the instance `gap` apart, around the widening's and the merge's bounds."""
    opening = ("Action: 'action', calling method: <bound method MigrateServerController._migrate of "
               "<nova.api.openstack.compute.migrate_server.MigrateServerController object>>, body: {\"migrate\": null}")
    a = [_event("a.log", 1, T0, opening, VM), _event("a.log", 5, T0 + timedelta(seconds=3 * gap), "x", VM)]
    b = [_event("b.log", 1, T0 + timedelta(seconds=gap), "y", VM),
         _event("b.log", 9, T0 + timedelta(seconds=4 * gap + 0.25), "z", VM)]
    merged = list(heapq.merge(a, b, key=lambda e: e.time))
    serial = _serial(merged)
    assert VM in serial.ids()
    for order in (["a.log", "b.log"], ["b.log", "a.log"]):
        assert _state(_folded({"a.log": a, "b.log": b}, order, [1])) == _state(serial)


def test_a_decision_the_final_hits_change_sends_no_summary() -> None:
    """A record split while the scan had not yet noted its hit line: the worker cannot say (None)."""
    stats = FileStats(path="a.log")
    summer = InputFinder(frozenset())
    summer.feed([_event("a.log", 3, T0, "x", VM)], stats)  # no hit line yet: passed on as 'no searched text'
    stats.term_hits = {0: [], 1: []}
    assert summer.result(stats) is not None
    stats.term_hits = {0: [], 1: [3]}  # an evidence set's hit after all: pass 1 would not have seen it
    summer.sets = 1
    assert summer.result(stats) is None


LINE = ("2024-05-02 10:00:{s:02d}.000 11 INFO nova.compute.manager [req-aaaaaaaa-1111-2222-3333-444444444444 u p - - -]"
        " [instance: 11111111-2222-3333-4444-555555555555] Migrating instance to dest-1 finished successfully.\n")
OTHER = "2024-05-02 10:0{m}:{s:02d}.000 11 DEBUG oslo_service.periodic_task [-] Running periodic task Foo\n"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each selective load's pass 1 folded the workers' summaries in (True) or went over its records."""
    folded: list[bool] = []
    ended = _per_input.Summed.ended

    def spying(self: _per_input.Summed, paths: Sequence[str], warnings: Sequence[str]) -> ContextFinder:
        out = ended(self, paths, warnings)
        folded.append(bool(self.got) and out is self.finder)
        return out
    monkeypatch.setattr(_per_input.Summed, "ended", spying)
    return folded


def test_the_same_record_in_two_inputs_goes_over_pass1_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy (a journal export beside its text log): the merge drops it; the finder equals the serial one."""
    for name, other in (("a", 0), ("b", 3)):
        (tmp_path / name).mkdir()
        text = LINE.format(s=0) + "".join(OTHER.format(m=other + k // 60, s=k % 60) for k in range(0, 120, 7))
        (tmp_path / name / "nova-compute.log").write_text(text + LINE.format(s=59))
    folded = _spy(monkeypatch)
    options = LoadOptions(tz="UTC", jobs=2, diagnose=False)
    with every_file_to_the_pool():
        got = load([str(tmp_path)], options)
    assert folded == [False]
    monkeypatch.setenv(PER_INPUT_VARIABLE, "0")
    with every_file_to_the_pool():
        serial = load([str(tmp_path)], options)
    assert got == serial


#: whether a pool load of the set folds the workers' summaries in: devstack's screen logs beside their journal export
#: share records (the copy fallback, on real data); train-single-host is one input (read here, no pool)
FOLDS = {"devstack-2024.1": False, "train-single-host": False}


@pytest.mark.parametrize("name", SETS)
def test_a_pool_load_equals_the_serial_finder(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folded = _spy(monkeypatch)
    options = LoadOptions(jobs=2)
    with every_file_to_the_pool():
        got = load([SAMPLE_LOGS / name], options)
    assert folded and all(f == FOLDS.get(name, True) for f in folded)
    monkeypatch.setenv(PER_INPUT_VARIABLE, "0")
    with every_file_to_the_pool():
        serial = load([SAMPLE_LOGS / name], options)
    assert got == serial


def test_copy_keys_are_the_same_in_every_process(records: dict[str, list[Event]]) -> None:
    """A Dask worker hashes texts with another seed: the copy keys must not depend on it."""
    events = records["zed-mixed"][:200]
    code = ("import sys; from migtrace.options import LoadOptions; from migtrace.pipeline._load import read_events; "
            "from migtrace.pipeline._per_input import copy_key; "
            "print([copy_key(e) for e in read_events([sys.argv[1]], LoadOptions(tz='UTC'))[:200]])")
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLE_LOGS / "zed-mixed")], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert out.stdout.strip() == str([_per_input.copy_key(e) for e in events])
    same = dataclasses.replace(events[0], source="elsewhere.log", lineno=99)  # a copy in another input
    assert _per_input.copy_key(same) == _per_input.copy_key(events[0])
