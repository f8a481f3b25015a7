"""Load the phase markers (migtrace/data/phases.yaml) and match them against events.

Markers are data, reviewed like code: which nova line opens a move, which
phase a line belongs to, which host side logged it, which status it implies.
Matching is a single combined regex over the marker texts (one C-level scan
per event), then the few candidate markers are checked in full.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from migtrace._datafile import Key, Schema, entries, load_document, read_text
from migtrace.correlate._traceback import traceback_hits
from migtrace.errors import DataError
from migtrace.model import KINDS, LEVELS, Event, level_rank
from migtrace.sources._literals import LiteralSet


@dataclass(frozen=True, slots=True)
class Marker:
    """One line nova writes at a known point of a move."""

    id: str
    text: str
    regex: re.Pattern[str] | None = None
    logger: str | None = None
    level: str | None = None
    opens: str | None = None
    followup: str | None = None
    phase: str | None = None
    side: str | None = None
    outcome: str | None = None
    flag: str | None = None
    downtime: str | None = None
    attempt: str | None = None
    progress: bool = False
    kinds: frozenset[str] = frozenset()
    late: bool = False
    #: nova logs the line long after what it reports (the 15 s-delayed STOPPED event): never an own step
    delayed: bool = False
    #: the dst host that logged it was only a candidate checked by the conductor (see `_derive._hosts`)
    candidate: bool = False
    #: named group with the seconds the request had been running when the line was logged (access line)
    began_lead: str | None = None
    #: the text alone is not enough: the regex must match as well (else the regex only captures)
    require_regex: bool = False
    #: the kind of move this line can only come from, when no request opened one
    implies: str | None = None
    #: the API's record of the request (asked-for destination; its opens/followup wins)
    api: bool = False
    #: the move is of this kind, whatever opened it
    kind: str | None = None
    #: resize or migration, decided by the captured `old` and `new` flavors
    flavor_change: bool = False
    #: named group with the seconds the guest was already stopping before this line
    downtime_lead: str | None = None
    #: `text` (and `regex`) are searched in the record's continuation lines (its traceback), not its
    #: first line: the function a traceback passes through names the operation (`_traceback`)
    traceback: bool = False
    #: the regex's `instance` group names the record's instance when it has no `[instance: …]`
    #: prefix (Grizzly/Havana `Lifecycle event N on VM <uuid>`; `_hints`)
    names_instance: bool = False
    #: nova logs the line outside moves too (`implies: none` in phases.yaml: lifecycle events, claims,
    #: boots): joined by instance and time only, it never moves a move's end (`_derive.end_step`)
    anywhere: bool = False
    #: logged under another thread's request id (the lifecycle dispatcher's): that id is not the move's
    foreign_context: bool = False

    def applies_to(self, kind: str) -> bool:
        """True when the marker means something for a move of this kind."""
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True, slots=True)
class Match:
    """A marker that matched an event, with the values its regex captured."""

    marker: Marker
    groups: Mapping[str, str]


#: a `match` result as it travels from a worker (`MarkerSet.note`)
MatchNote = tuple[int | tuple[int, dict[str, str]], ...]

_FIELDS = set(Marker.__dataclass_fields__)
#: the groups of a match that captured nothing (shared, never changed: `Match.groups` is read-only)
_NO_GROUPS: Mapping[str, str] = {}


class MarkerSet:
    """All markers plus the per-kind phase order."""

    def __init__(self, markers: Sequence[Marker], phase_order: Mapping[str, Sequence[str]],
                 followup_phases: Sequence[str] = ()) -> None:
        self.markers = tuple(markers)
        self.phase_order = {k: tuple(v) for k, v in phase_order.items()}
        #: phases that act on a finished move (confirm, revert, clean-up): not its own steps
        self.followup_phases = frozenset(followup_phases)
        texts = sorted({m.text for m in self.markers if m.text and not m.traceback}, key=len, reverse=True)
        self._texts = LiteralSet(texts)
        self._by_text: dict[str, list[Marker]] = {}
        for m in self.markers:
            if not m.traceback:
                self._by_text.setdefault(m.text, []).append(m)
        self._in_traceback = tuple(m for m in self.markers if m.traceback)
        #: some marker names a record's instance in its text (see `_hints`)
        self.names_instance = any(m.names_instance for m in self.markers)
        self._logger_only = [m for m in self.markers if not m.text]
        #: the markers naming a record's instance, in file order (`named_instance`)
        self._naming = tuple(m for m in self.markers if m.names_instance)
        self._naming_by_text = all(m.text and not m.traceback for m in self._naming)
        self._rank = {m.id: i for i, m in enumerate(self.markers)}
        self._bare = {id(m): Match(m, _NO_GROUPS) for m in self.markers}
        self._position = {id(m): i for i, m in enumerate(self.markers)}
        self._notes: dict[MatchNote, MatchNote] = {}
        #: the note of a lone match that captured nothing, per marker (most matched records: one bare match)
        self._lone: dict[int, MatchNote] = {id(m): self._notes.setdefault((i,), (i,))
                                            for i, m in enumerate(self.markers)}
        opening = [m for m in self.markers if m.opens or m.followup]
        self._opening_texts = LiteralSet(m.text for m in opening if m.text)
        self._opening_by_logger = [m for m in opening if not m.text and m.logger]

    def match(self, event: Event) -> list[Match]:
        """Return every marker this event matches (usually none or one)."""
        return self._matched(event, self.texts_in(event.message))

    def match_each(self, events: Sequence[Event]) -> list[list[Match]]:
        """`match` of each event, the marker texts of all their messages found in one search (`occurring_each`)."""
        matched = self._matched
        return [matched(e, seen) for e, seen in zip(events, self._texts.occurring_each([e.message for e in events]),
                                                      strict=True)]

    def _matched(self, event: Event, seen: set[str]) -> list[Match]:
        """`match`, given the marker texts the event's message holds."""
        found: list[Match] = []
        for text in seen:
            for marker in self._by_text.get(text, ()):
                m = self._check(marker, event)
                if m is not None:
                    found.append(m)
        for marker in self._logger_only:
            m = self._check(marker, event)
            if m is not None:
                found.append(m)
        if event.extra and self._in_traceback:
            found += [Match(self._in_traceback[i], groups) for i, groups in traceback_hits(self._in_traceback, event)]
        if len(found) > 1:
            # file order decides which marker's phase wins, whatever the set iteration order was
            return sorted(found, key=lambda m: self._rank[m.marker.id])
        return found[:]  # no spare slots: correlation keeps the list of every matched record

    def note(self, found: Sequence[Match]) -> MatchNote:
        """A `match` result in a compact picklable form (a worker's, `match_notes`), `from_note` reads it back.

        One item per match, in order: the marker's position in the set, or (position, groups)
        when the match captured something (its own groups, even empty ones of a traceback hit).
        """
        if len(found) == 1 and found[0].groups is _NO_GROUPS:
            return self._lone[id(found[0].marker)]  # the note made below, without the generator
        position = self._position
        note = tuple(position[id(m.marker)] if m.groups is _NO_GROUPS else (position[id(m.marker)], dict(m.groups))
                     for m in found)
        if all(type(item) is int for item in note):  # one object per distinct note: pickled once per run, shared
            return self._notes.setdefault(note, note)
        return note

    def from_note(self, note: MatchNote) -> list[Match]:
        """The `match` result a `note` was made of: the same matches, in the same order."""
        markers, bare = self.markers, self._bare
        return [bare[id(markers[item])] if type(item) is int else Match(markers[item[0]], item[1])  # type: ignore[index]
                for item in note]

    def texts_in(self, message: str) -> set[str]:
        """Every (non-traceback) marker text that occurs in the message, overlapping and nested ones too."""
        return self._texts.occurring(message)

    def named_instance(self, event: Event) -> str | None:
        """The instance (lower-cased) captured by the first matching marker with `names_instance`, if any.

        The same answer as looking through `match(event)` in file order, without
        checking the markers that cannot name an instance.
        """
        if not self._naming_by_text:
            return next((m.groups["instance"].lower() for m in self.match(event)
                         if m.marker.names_instance and m.groups.get("instance")), None)
        message = event.message
        for marker in self._naming:
            if marker.text in message:
                found = self._check(marker, event)
                if found is not None and found.groups.get("instance"):
                    return found.groups["instance"].lower()
        return None

    def starts_request(self, event: Event, found: Sequence[Match] | None = None) -> bool:
        """True when the event opens a move or acts on one (its request id then matters).

        `found`: `match(event)` when the caller has it already (it is not matched again, and a record
        none of whose matches opens or follows up a move is answered without the text search).
        """
        if found is not None and not any(m.marker.opens or m.marker.followup for m in found):
            return False  # the answer below is this test AND the search's: False whatever the search says
        if not self._opening_texts.any_in(event.message) and not any(
                (event.logger or "").startswith(m.logger or "") for m in self._opening_by_logger):
            return False
        return any(m.marker.opens or m.marker.followup for m in (self.match(event) if found is None else found))

    def could_match(self, message: str, found: Sequence[Match] = ()) -> bool:
        """Cheap test used while streaming: does any marker text occur?

        `found`: the record's `match` when the caller has it: a marker matched by its text (not a
        traceback marker's, searched elsewhere) is a text of the set in `message`, so no search is made.
        """
        for m in found:
            if m.marker.text and not m.marker.traceback:
                return True
        return self._texts.any_in(message)

    def _check(self, marker: Marker, event: Event) -> Match | None:
        if marker.logger and not (event.logger or "").startswith(marker.logger):
            return None
        if marker.level and level_rank(event.level) < level_rank(marker.level):
            return None
        if marker.regex is not None:
            rm = marker.regex.search(event.message)
            if rm is None:
                if marker.require_regex:
                    return None
            else:
                groups = {k: v for k, v in rm.groupdict().items() if v is not None}
                if groups:
                    return Match(marker, groups)
        # one shared Match per marker when nothing was captured: correlation keeps the matches of
        # every kept record (50 k on a 1 GiB set), and a fresh object and dict each cost ~10 MiB there
        return self._bare[id(marker)]

    def phases_for(self, kind: str) -> tuple[str, ...]:
        """Return the display order of phases for a kind of move."""
        return self.phase_order.get(kind, ())


_OUTCOMES = ("success", "failure", "cancelled", "confirmed", "reverted", "finished", "confirm_failed")

#: The schema of one marker entry in phases.yaml (the file's header says what each key means).
MARKER_SCHEMA: Schema = {
    "id": Key(required=True),
    "text": Key(required=True),
    "regex": Key(regex=True),
    "require_regex": Key(bool),
    "logger": Key(),
    "level": Key(choices=LEVELS),
    "opens": Key(choices=KINDS),
    "followup": Key(choices=("confirm", "revert", "force-complete", "abort", "cleanup")),
    "kind": Key(choices=KINDS),
    "flavor_change": Key(bool),
    "api": Key(bool),
    "phase": Key(),
    "side": Key(choices=("src", "dst")),
    "outcome": Key(choices=_OUTCOMES),
    "flag": Key(choices=("block_migration", "post_copy", "volume_backed", "not_volume_backed", "shared_storage")),
    "downtime": Key(choices=("start", "end", "revert_start")),
    "downtime_lead": Key(),
    "attempt": Key(choices=("selected", "skipped", "rescheduled")),
    "progress": Key(bool),
    "kinds": Key(list, choices=KINDS),
    "late": Key(bool),
    "delayed": Key(bool),
    "began_lead": Key(),
    "candidate": Key(bool),
    "implies": Key(choices=(*KINDS, "none")),
    "releases": Key(),
    "traceback": Key(bool),
    "names_instance": Key(bool),
    "foreign_context": Key(bool),
}


def _marker_from(entry: Mapping[str, Any]) -> Marker:
    data = {k: v for k, v in entry.items() if k in _FIELDS}
    if data.get("regex") is not None:
        data["regex"] = re.compile(data["regex"])
    data["kinds"] = frozenset(data.get("kinds") or ())
    data["text"] = str(data.get("text") or "")
    return Marker(**data)


@lru_cache(maxsize=4)
def load_markers(path: str | None = None) -> MarkerSet:
    """Load the shipped marker file (or another one, for tests)."""
    text, where = read_text("phases.yaml", path)
    document = load_document(text, where)
    phases = document.get("phases")
    if not isinstance(phases, dict) or not all(isinstance(v, list) for v in phases.values()):
        raise DataError(f"{where}: 'phases' must map each kind to its list of phases")
    followups = document.get("followup_phases") or []
    known = {name for names in phases.values() for name in names}
    if not isinstance(followups, list) or not set(followups) <= known:
        raise DataError(f"{where}: 'followup_phases' must list phases named under 'phases'")
    markers = [_with_implied_kind(_marker_from(e), phases) for e in entries(document, "markers", MARKER_SCHEMA, where)]
    return MarkerSet(markers, phases, followups)


def match_notes(events: Sequence[Event]) -> dict[int, MatchNote]:
    """The shipped markers' `match` of each record that matches one, by index (what a worker sends beside them).

    Run where the records are read (sources/_parallel.noting): the main process
    then reads each record's matches back (`MarkerSet.from_note`) instead of
    matching it again; a record without a note is matched there, by `match` too.
    """
    markers = load_markers()
    out: dict[int, MatchNote] = {}
    for i, e in enumerate(events):
        found = markers.match(e)
        if found:
            out[i] = markers.note(found)
    return out


def _with_implied_kind(marker: Marker, phases: Mapping[str, Sequence[str]]) -> Marker:
    """Derive `implies` from a marker's kinds or from a phase only one kind has."""
    if marker.implies == "none":
        return replace(marker, implies=None, anywhere=True)
    if marker.implies or marker.followup or marker.opens:
        return marker
    kind: str | None = None
    if len(marker.kinds) == 1:
        kind = next(iter(marker.kinds))
    elif marker.phase:
        owners = {k for k, names in phases.items() if marker.phase in names}
        if len(owners) == 1:
            kind = owners.pop()
        elif owners == {"migration", "resize"}:
            kind = "migration"
    if kind is None:
        return marker
    return replace(marker, implies=kind)
