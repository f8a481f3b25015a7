"""The phase markers a record matches travel back from the worker that read it (`taking_notes`, `match_notes`).

The main process then reads each record's matches from the note (`MarkerSet.from_note`) instead of
matching it again (pass 1's `MoveFinder`); a record without a note is matched there by the same
`MarkerSet.match`.  What is checked: a note gives back exactly the `match` result (every record
of every sample set: bare, captured and traceback matches); a note is given only for the very
record it was taken of; packs with and without notes unpack alike; and a load on a forced local
pool gives the `-j 1` analysis while pass 1 matched here only the records without a note.
"""

from __future__ import annotations

import pickle
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from migtrace import load, read_events
from migtrace.correlate import markers as markers_module
from migtrace.correlate.markers import MarkerSet, load_markers, match_notes
from migtrace.model import Event
from migtrace.pipeline import Analysis
from migtrace.pipeline._moves import noted_match
from migtrace.sources import _parallel
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, make_event

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def records() -> list[Event]:
    """Every record of every sample set (a few thousand), parsed in this process."""
    return [e for name in SETS for e in read_events(SAMPLE_LOGS / name, jobs=1)]


def test_a_note_gives_back_the_match(records: list[Event]) -> None:
    markers = load_markers()
    notes = match_notes(records)
    assert len(notes) > 100  # the sample sets are full of marker lines
    kinds: Counter[str] = Counter()
    for i, e in enumerate(records):
        found = markers.match(e)
        assert (i in notes) == bool(found)
        if found:
            back = markers.from_note(pickle.loads(pickle.dumps(notes[i])))  # as it travels
            assert back == found
            assert [type(m.groups) for m in back] == [type(m.groups) for m in found]
            kinds.update("traceback" if m.marker.traceback else "captured" if m.groups else "bare" for m in found)
    assert min(kinds["traceback"], kinds["captured"], kinds["bare"]) > 0  # every form of a note is covered


def test_traceback_and_captured_matches_survive_the_note() -> None:
    markers = load_markers()
    traced = [m for m in markers.markers if m.traceback]
    assert traced, "phases.yaml has traceback markers"
    e = make_event(message="Error", level="ERROR", logger=traced[0].logger or "nova.compute.manager",
                   extra=("Traceback (most recent call last):", f'  File "x.py", line 1, in {traced[0].text}',
                          "Exception: boom"))
    found = markers.match(e)
    if found:  # the traceback marker's own rules may ask more of the record: then nothing to compare
        assert markers.from_note(markers.note(found)) == found
    captured = next(m for m in markers.markers if m.regex is not None and m.regex.groupindex and m.text
                    and not m.traceback and not m.logger and not m.level)
    # a message the marker's text occurs in; its regex may or may not capture: either way the note is exact
    e2 = make_event(message=f"{captured.text} 3a1b2c3d-0000-4000-8000-000000000001")
    found2 = markers.match(e2)
    assert found2
    assert markers.from_note(markers.note(found2)) == found2


def test_a_note_is_given_only_for_the_record_it_was_taken_of(records: list[Event]) -> None:
    notes = _parallel.Notes(match_notes)
    marker_lines = [e for e in records if load_markers().match(e)][:50]
    rows = [_parallel._FIELDS(e) for e in marker_lines]
    unpacked = [_parallel.new_event(*row) for row in rows]
    notes.add(unpacked, match_notes(unpacked))
    again = [_parallel.new_event(*r[:2], (r[2] + "x")[:-1], *r[3:]) for r in rows]  # equal, parsed anew
    for e, first in zip(again, unpacked, strict=True):
        assert e == first and e.message is not first.message
        assert notes.take(e) is None  # equal text, another object: not this note's record
    moved = unpacked[0].replace(host="elsewhere", instance="3a1b2c3d-0000-4000-8000-000000000001")
    assert notes.take(moved) is not None  # the same record after `replace`: its message object travels
    assert notes.take(moved) is None  # taken once


def test_packs_with_and_without_notes_unpack_alike(records: list[Event]) -> None:
    run = records[:300]
    plain, noted = _parallel._pack(run), _parallel._pack(run, match_notes(run))
    assert _parallel._unpack(plain) == run == _parallel._unpack(noted)  # outside `noting`: no notes kept
    assert _parallel.current_notes() is None
    with _parallel.taking_notes(match_notes) as notes:
        with _parallel.taking_notes(match_notes) as inner:
            assert inner is notes  # nested: the outer block's
        events = _parallel._unpack(noted)
        match = noted_match(load_markers())
        assert [match(e) for e in events] == [load_markers().match(e) for e in run]
        _parallel._unpack(plain)  # a pack without notes adds none
    assert _parallel.current_notes() is None


@pytest.fixture(scope="module")
def counted() -> Iterator[Counter[str]]:
    """`MarkerSet.match` calls made in this process for pass 1's `MoveFinder` (`noted_match`; forked workers
    count in their own copy)."""
    calls: Counter[str] = Counter()
    real = MarkerSet.match

    def match(self: MarkerSet, event: Event) -> Any:
        if sys._getframe(1).f_code is noted_code:
            calls["match"] += 1
        return real(self, event)
    noted_code = noted_match(load_markers()).__code__
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(markers_module.MarkerSet, "match", match)
        yield calls


@pytest.fixture(scope="module")
def loads(counted: Counter[str]) -> dict[str, tuple[Analysis, int]]:
    out = {}
    with every_file_to_the_pool():
        for mode, jobs in (("one", 1), ("pool", 2)):
            before = counted["match"]
            out[mode] = (load(SAMPLE_LOGS / "queens-files", jobs=jobs), counted["match"] - before)
    return out


def test_a_pool_load_uses_the_workers_matches_and_gives_the_same_analysis(
        loads: dict[str, tuple[Analysis, int]]) -> None:
    (one, here), (pool, there) = loads["one"], loads["pool"]
    assert one.migrations and pool == one
    assert here > 0, (here, there)
    assert there < here / 3  # the records the workers matched are not matched again here (most match)
