"""Pass 1 of a selective read: from the vocabulary's records, which requests and instances moved.

A record is *evidence of a move* when a phase marker it matches opens a
move, acts on a finished one (follow-up) or implies a kind of move (the
same markers `Keeper` and `correlate` start a story from).  Evidence under
a user's request makes that request a move request: all its records are
read in pass 2, and every instance its vocabulary records name moved.
Evidence under a service-internal context (`[req-… - - - - -]` of a
periodic task or the lifecycle thread, or `[-]`) gives only its instance:
pulling such a request would pull the whole service's housekeeping.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from migtrace.correlate.markers import MarkerSet, Match
from migtrace.model import Event
from migtrace.pipeline._window import Evidence
from migtrace.sources._parallel import current_notes

#: the instance an API record names in its URL (`POST /v2.1/servers/<uuid>/action`)
_SERVERS_UUID = re.compile(r"/servers/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def _instance(e: Event) -> str | None:
    if e.instance:
        return e.instance
    m = _SERVERS_UUID.search(e.message)
    return m.group(1) if m else None


def _internal(e: Event) -> bool:
    """A record logged outside any user's request (no request id, or one without a user)."""
    return e.request_id is None or e.user is None


def noted_match(markers: MarkerSet) -> Callable[[Event], list[Match]]:
    """`markers.match`, answered from the note a worker sent with the record when there is one.

    Inside a `taking_notes(match_notes)` block the worker ran `markers.match` itself
    (`correlate.markers.match_notes`): one rule set, one function, run where the record was
    read; a record without a note (read here, or outside such a block) is matched here.
    """
    from_note, match = markers.from_note, markers.match

    def noted(e: Event) -> list[Match]:
        notes = current_notes()
        note = None if notes is None else notes.take(e)
        if note is None:
            return match(e)
        if type(note) is int:  # a `_keep.KeepNote`'s bits alone: nothing matched
            return []
        if note and type(note[0]) is str:  # a `_keep.KeepNote`: its match, None when nothing matched
            return [] if note[1] is None else from_note(note[1])
        return from_note(note)
    return noted


class MoveFinder:
    """A predicate over pass 1's events that keeps nothing and remembers the moves' ids."""

    def __init__(self, markers: MarkerSet) -> None:
        self.markers = markers
        #: `markers.match`, or the workers' notes of it inside a `taking_notes` block (`noted_match`)
        self.match = noted_match(markers)
        self.requests: set[str] = set()
        self.instances: set[str] = set()
        #: user request -> the instances its vocabulary records name
        self._named: dict[str, set[str]] = defaultdict(set)
        #: when instances were named and requests ran: the windows of pass 2 (`_window`)
        self.evidence = Evidence()
        #: the last record's matches (`ContextFinder` reads them instead of matching the record again)
        self.found: list[Match] = []

    def __call__(self, e: Event) -> bool:
        inst = _instance(e)
        internal = _internal(e)
        if inst and not internal:
            self._named[e.request_id].add(inst)  # type: ignore[index]
        found = self.found = self.match(e)
        named = [m.groups["instance"] for m in found if m.groups.get("instance")]
        self.evidence.note(e, [inst, *named] if inst else named, None if internal else e.request_id)
        evidence = [m for m in found if m.marker.opens or m.marker.followup or m.marker.implies]
        if not evidence:
            return False
        if not internal:
            self.requests.add(e.request_id)  # type: ignore[arg-type]
        if inst:
            self.instances.add(inst)
        self.instances.update(m.groups["instance"] for m in evidence if m.groups.get("instance"))
        return False

    def named_by(self) -> dict[str, set[str]]:
        """User request -> the instances its vocabulary records name."""
        return self._named

    def absorb(self, requests: Iterable[str], instances: Iterable[str], named: dict[str, set[str]]) -> None:
        """Add the ids another finder found over other inputs' records (`_per_input`): set unions."""
        self.requests.update(requests)
        self.instances.update(instances)
        for req, insts in named.items():
            self._named[req] |= insts

    def ids(self) -> set[str]:
        """The move requests and every instance that moved."""
        out = set(self.requests) | self.instances
        for req in self.requests:
            out |= self._named.get(req, set())
        return out

    def windows(self) -> tuple[frozenset[str], dict[str, dict[str, list[tuple[int, int]]]],
                               dict[str, dict[str, list[tuple[str, str]]]]]:
        """The moved instances read in windows only, per file their line ranges and stamp windows."""
        moved = set(self.instances)
        for req in self.requests:
            moved |= self._named.get(req, set())
        return self.evidence.windows(moved, {req: self._named.get(req, set()) for req in self.requests})

    def missed(self, events: Iterable[Event], ids: set[str]) -> set[str]:
        """Instances pass 2 found under a move request that were not searched for."""
        return {inst for e in events if e.request_id in self.requests
                and (inst := _instance(e)) is not None and inst not in ids}
