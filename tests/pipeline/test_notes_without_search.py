"""A worker's `keep_notes` answers `starts_request` and `by_record` from the record's marker matches.

`keep_notes` has each record's `MarkerSet.match` already (pass 1's finder made it):
`starts_request(e, found)` is False without the opening-text search when none of the
matches opens or follows up a move, and `by_record(e, found)` / `could_match(message,
found)` are True without the marker-text search when a marker matched by its text (the
text is in the message).  Checked: on every record of every sample set, and on records
built to take each branch (a traceback marker's match, a logger-only marker's, a marker
text whose marker did not match), the answers equal the searches' alone.
"""

from __future__ import annotations

import pytest

from migtrace import read_events
from migtrace.correlate.markers import _NO_GROUPS, load_markers
from migtrace.model import Event
from migtrace.pipeline._keep import Keeper
from tests.conftest import SAMPLE_LOGS, make_event

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def records() -> list[Event]:
    """Every record of every sample set, parsed in this process."""
    return [e for name in SETS for e in read_events(SAMPLE_LOGS / name, jobs=1)]


def _same_answers(e: Event) -> None:
    markers = load_markers()
    found = markers.match(e)
    keeper = Keeper(markers)
    assert markers.could_match(e.message, found) == markers.could_match(e.message)
    assert keeper.by_record(e, found) == keeper.by_record(e)
    assert markers.starts_request(e, found) == markers.starts_request(e)


def test_notes_without_search_answer_as_the_search_on_sample_records(records: list[Event]) -> None:
    assert len(records) > 1000
    for e in records:
        _same_answers(e)
    markers = load_markers()
    # both short cuts are taken on these records, and the searches still run for the rest
    found = [markers.match(e) for e in records]
    assert sum(1 for f in found if f and any(m.marker.text and not m.marker.traceback for m in f)) > 100
    assert sum(1 for e, f in zip(records, found, strict=True)
               if e.request_id and not any(m.marker.opens or m.marker.followup for m in f)) > 100


def test_notes_without_search_traceback_marker_does_not_answer_for_the_message() -> None:
    markers = load_markers()
    e = make_event(level="ERROR", message="Unexpected error while migrating", request_id="req-1",
                   extra=("Traceback (most recent call last):",
                          '  File "/usr/lib/python3/nova/compute/manager.py", line 6140, in pre_live_migration',
                          "libvirt.libvirtError: boom"))
    found = markers.match(e)
    assert found and all(m.marker.traceback for m in found)
    assert not markers.could_match(e.message)  # a short cut taking traceback matches would say True here
    _same_answers(e)


def test_notes_without_search_logger_only_marker() -> None:
    markers = load_markers()
    e = make_event(logger="nova.conductor.tasks.live_migrate", service="n-cond", request_id="req-2",
                   user="u", project="p", message="Some line of the task")
    found = markers.match(e)
    assert found and all(not m.marker.text for m in found)
    assert markers.starts_request(e, found)
    _same_answers(e)


def test_notes_without_search_text_whose_marker_did_not_match() -> None:
    markers = load_markers()
    # a marker text at a level below its marker's: no match, and the text search still says it occurs
    texts = [m for m in markers.markers if m.level and m.text and not m.traceback and not m.logger]
    assert texts
    m = texts[0]
    e = make_event(level="DEBUG", message=f"x {m.text} y", request_id="req-3")
    assert m not in [f.marker for f in markers.match(e)]
    assert markers.could_match(e.message)
    _same_answers(e)


def test_notes_without_search_lone_match_note_is_the_general_one(records: list[Event]) -> None:
    markers = load_markers()
    lone = 0
    for e in records:
        found = markers.match(e)
        if not found:
            continue
        position = {id(m): i for i, m in enumerate(markers.markers)}
        general = tuple(position[id(m.marker)] if m.groups is _NO_GROUPS else (position[id(m.marker)], dict(m.groups))
                        for m in found)
        note = markers.note(found)
        assert note == general
        assert markers.from_note(note) == found
        lone += len(found) == 1 and found[0].groups is _NO_GROUPS
    assert lone > 100
