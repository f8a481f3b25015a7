"""Correlation reads back the marker matches the workers made of each kept record (`Keeper.noted`).

The whole-set read's workers match every record they send with the shipped markers (`keep_notes`);
the Keeper remembers, for each record it keeps, that note under the record's input, line and message
object, and `correlate` reads it back instead of matching the record again.  A record without a note,
a note of another record at that line (another message object) and markers other than the shipped
ones are matched as before; the moves are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from migtrace.correlate import _group
from migtrace.correlate._group import correlate
from migtrace.correlate.markers import MarkerSet, Match, load_markers
from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._keep import Keeper, keep_notes
from migtrace.sources._parallel import taking_notes
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2]


#: the sample files are small: send them to the workers all the same
pytestmark = pytest.mark.usefixtures("every_file_pooled")


class _Seen:
    """What each `correlate` call was given and how many records `match_each` matched in it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.noted: list[dict[tuple[str, int], tuple[str, object]]] = []
        self.events: list[Sequence[Event]] = []
        self.matched = 0
        real, each = _load.correlate, MarkerSet.match_each
        seen = self

        def spy(events: Sequence[Event], *args: object, **kwargs: object) -> object:
            seen.events.append(list(events))
            seen.noted.append(dict(kwargs.get("noted") or {}))  # type: ignore[call-overload]
            return real(events, *args, **kwargs)  # type: ignore[arg-type]

        def counted(markers: MarkerSet, events: Sequence[Event]) -> list[list[Match]]:
            seen.matched += len(events)
            return each(markers, events)

        monkeypatch.setattr(_load, "correlate", spy)
        monkeypatch.setattr(MarkerSet, "match_each", counted)


@pytest.mark.parametrize("name", ["zed-mixed", "kilo-files", "devstack-2024.1"])
def test_the_workers_matches_are_read_back_and_the_moves_are_the_same(name: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _Seen(monkeypatch)
    analysis = _load.load([str(ROOT / "sample_logs" / name)], LoadOptions(jobs=2, diagnose=False))
    (events,), (noted,) = seen.events, seen.noted
    assert noted  # the pool's workers noted the kept records
    matched_here = seen.matched
    assert matched_here < len(events)  # those noted were not matched again
    seen.matched = 0
    markers = load_markers()
    again = correlate(events, markers, None, last_seen=analysis.migrations[-1].ended if analysis.migrations else None)
    assert seen.matched >= len(events)  # without notes: every record matched here
    assert [m.id for m in again] == [m.id for m in analysis.migrations]
    by_hand = {id(e): markers.match(e) for e in events}
    from_notes = _group._matched(events, markers, noted)
    assert from_notes == [by_hand[id(e)] for e in events]


def test_a_note_of_another_record_or_other_markers_are_not_used() -> None:
    markers = load_markers()
    live = next(e for e in cached_load(ROOT / "sample_logs" / "zed-mixed").events if markers.match(e))
    found, key = markers.match(live), (live.source, live.lineno)
    # a note saying "no match" for this line but made of another message object: matched here
    other = "".join(list(live.message))
    assert other is not live.message
    assert _group._matched([live], markers, {key: (other, None)}) == [found]
    # this very record's note is read back (a note of "no match" is believed)
    assert _group._matched([live], markers, {key: (live.message, None)}) == [[]]
    assert _group._matched([live], markers, {key: (live.message, markers.note(found))}) == [found]
    assert _group._matched([live], markers, {}) == [found]
    # markers other than the shipped ones: the notes (the shipped markers') are not used
    mine = MarkerSet(list(markers.markers), {k: list(v) for k, v in markers.phase_order.items()},
                     markers.followup_phases)
    assert _group._matched([live], mine, {key: (live.message, None)}) == [mine.match(live)] != [[]]


def test_the_keeper_notes_what_it_keeps_with_a_note() -> None:
    """Each record kept with a worker's note is noted (its message object and marker note); no other."""
    events = list(cached_load(ROOT / "sample_logs" / "zed-mixed").events)
    keeper = Keeper(load_markers())
    with taking_notes(keep_notes) as notes:
        notes.add(events[::2], keep_notes(events[::2]))  # the other half: read here, without a note
        kept = [e for e in events if keeper(e)]
    kept_ids = {id(e) for e in kept}
    with_note = {(e.source, e.lineno): e.message for e in events[::2] if id(e) in kept_ids}
    assert with_note and set(keeper.noted) == set(with_note)
    assert all(keeper.noted[key][0] is message for key, message in with_note.items())
    markers = load_markers()
    assert _group._matched(kept, markers, keeper.noted) == [markers.match(e) for e in kept]
