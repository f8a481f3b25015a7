"""Decide while streaming which events an analysis keeps.

Only the events a migration story can use are kept (markers, instance-tagged
lines, warnings and errors, lines of requests that opened a move), so memory
grows with what is kept, not with the size of the logs.  What is dropped
still says one thing diagnosis needs: that a host was alive and logging
(`last_seen`, the time of each host's last record), which tells a move stuck
on a command from logs that simply end.

A selective read knows after its first pass which instances moved: `Unmoved`
then drops, of what the rules keep, the records of the others that no move,
clock or finding needs (docs/architecture.md).  A targeted read's related
pass lets go while streaming the records whose fate is already known
(`Prefilter`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from migtrace._naming import host_named_by_line
from migtrace.correlate._domains import HYPERVISOR_SERVICES
from migtrace.correlate.markers import MarkerSet, Match, MatchNote, load_markers
from migtrace.correlate.skew import evidence_texts
from migtrace.diagnose.catalog import load_catalog
from migtrace.diagnose.orphans import orphan_test
from migtrace.model import Event, level_rank
from migtrace.pipeline._moves import MoveFinder
from migtrace.sources._parallel import current_notes

_WARNING = level_rank("WARNING")
_INFO = level_rank("INFO")
#: texts whose lines are kept whatever else they say (the vocabulary of a selective read includes them)
MIGRATION_WORD = "igration"
ACTION_PATH = "/action"
KEEP_TEXTS = (MIGRATION_WORD, ACTION_PATH)


class Keeper:
    """A predicate over the event stream that remembers the requests that opened a move."""

    def __init__(self, markers: MarkerSet, unmoved: Unmoved | None = None) -> None:
        self.markers = markers
        #: drops, of what the rules below keep, the records of instances that never moved (None: keeps them)
        self.unmoved = unmoved
        self.requests: set[str] = set()
        #: host (or source path, for records without a host) -> time of its latest record
        self.last_seen: dict[str, datetime] = {}
        #: input without a host -> the hosts its own lines name (pipeline/_hosts.py)
        self.named: dict[str, Counter[str]] = defaultdict(Counter)
        #: (input, line) -> (message, marker note) of each kept record a worker noted: the shipped markers'
        #: matches made where it was read, which correlation then need not make again (`correlate`'s `noted`)
        self.noted: dict[tuple[str, int], tuple[str, MatchNote | None]] = {}

    def __call__(self, e: Event) -> bool:
        notes = current_notes()
        note = None if notes is None else keep_note(notes.take(e))
        if not self._kept(e, note):
            return False
        if self.unmoved is not None and not self.unmoved.needed(e, note):
            return False
        if note is not None:
            self.noted[e.source, e.lineno] = (e.message, note[1])
        return True

    def _kept(self, e: Event, note: KeepNote | None = None) -> bool:
        key = e.host or e.source
        if e.host is None and e.service in (None, "n-cpu"):
            named = host_named_by_line(e.message)
            if named:
                self.named[e.source][named] += 1
        later_into(self.last_seen, key, e.time)
        if e.request_id and e.request_id in self.requests:
            return True
        if e.request_id and (self.markers.starts_request(e) if note is None else note[2] & STARTS):
            self.requests.add(e.request_id)
            return True
        return self.by_record(e) if note is None else bool(note[2] & BY_RECORD)

    def by_record(self, e: Event, found: Sequence[Match] = ()) -> bool:
        """The rules that look at the record alone (not at the requests seen before it).

        `found`: the record's marker matches when the caller made them (`keep_notes`): the text test
        below then needs no search when one matched by its text.
        """
        # a cheap text test only: correlate matches the kept events in full, once
        if self.markers.could_match(e.message, found):
            return True
        if e.instance or level_rank(e.level) >= _WARNING:
            return True
        if e.request_id and ACTION_PATH in e.message and '" status: ' in e.message:
            return True  # the API's access line of a server action: when the move began (`began_lead`)
        if e.service in HYPERVISOR_SERVICES and level_rank(e.level) >= _INFO:
            return True  # libvirt/QEMU lines (not libvirtd's debug flood): correlate joins them by domain
        return MIGRATION_WORD in e.message


#: an instance or migration uuid in a record's text
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
#: a uuid from its first dash on: `re` finds a pattern that starts with a literal by skipping to that character,
#: where `_UUID` (a class first) is tried at every position of the text
_UUID_TAIL = re.compile(r"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_UUID_HEAD = re.compile(r"[0-9a-f]{8}", re.I)
#: what the markers capture as a migration's uuid (`(?P<uuid>[0-9a-f-]{36})`, phases.yaml)
_MIGRATION_ID = re.compile(r"[0-9a-f-]{36}")
#: the services whose records `Unmoved.tally` counts: what `skew` picks the reference clock from
REFERENCE_SERVICES = frozenset({"n-api", "n-cond", "n-sch"})


class Unmoved:
    """Of the records the Keeper keeps, drop those of instances that never moved and no finding needs.

    A selective read knows after pass 1 which requests and instances moved
    (`MoveFinder`, plus `contexts`: every request id a move's evidence marker
    was logged under, a service's own context too).  A record the Keeper keeps
    is still needed when (docs/architecture.md, "What a whole-set read keeps"):

    * its request is one of those, or its instance (the field, or any uuid of
      its text: the ids correlate reads from text) moved: correlation joins it;
    * its text holds a migration uuid next to ``igration`` (joined by that uuid);
    * it holds a clock text (`skew.evidence_texts`): the clock bounds use it;
    * its text holds ``uuid`` (a libvirt domain/uuid pair: correlate learns
      domain names from it);
    * an orphan finding could count it (`diagnose.orphans.orphan_test`: a
      signature's match or a failure record; without a catalog, WARNING and up).

    Everything else a dropped record could still say is tallied: its host's
    latest time (`latest`: a move still running is judged against the logs'
    last record), its count per (service, host) for the reference clock
    (`reference_counts`), and its instance and request ids (`instances`,
    `requests`): `load` checks that no move it found is about them, else it
    reads again keeping everything (a move that pass 1 could not see).
    """

    def __init__(self, ids: Iterable[str], contexts: Iterable[str],
                 could_find: Callable[[Event], bool] | None, *, shipped: bool = False) -> None:
        self.ids = frozenset(ids) | frozenset(contexts)
        self.could_find = could_find
        #: `could_find` is the shipped catalog's `orphan_test`: a worker's note of it (`FOUND`) holds here
        self.shipped = shipped
        self.clock = clock_pattern()
        self.latest: dict[str, datetime] = {}
        self.reference_counts: Counter[tuple[str, str]] = Counter()
        self.instances: set[str] = set()
        self.requests: set[str] = set()
        self.dropped = 0

    def needed(self, e: Event, note: KeepNote | None = None) -> bool:
        """True when the record must be kept; else it is tallied (class docstring) and False.

        `note`: a worker's `keep_notes` of the record: the tests of its text alone read from it.
        """
        ids = self.ids
        if e.host is None or (e.request_id is not None and e.request_id in ids) or e.instance in ids:
            return True
        # the text tests: a worker's note of them, or made here by the same function
        bits, uuids = (note[2], note[3]) if note is not None else text_tests(e, self.clock)
        if uuids and (bits & UUID_WORD or any(u in ids or u.lower() in ids for u in uuids)):
            return True
        if bits & BY_TEXT:
            return True
        if self.shipped and bits & FIND_NOTED:  # the worker ran this very orphan test
            if bits & FOUND:
                return True
        elif self.could_find is None:
            if level_rank(e.level) >= _WARNING:
                return True
        elif self.could_find(e):
            return True
        self._tally(e, uuids)
        return False

    def absorb(self, latest: dict[str, datetime], reference_counts: Counter[tuple[str, str]],
               instances: Iterable[str], requests: Iterable[str], dropped: int) -> None:
        """Add another `Unmoved`'s tallies (a worker's, of the records it dropped: pipeline/_drop.py).

        Each tally merges alike in any order (latest: max; counts: sum; ids: union), so an input's
        drops tallied apart add up to what this one would have tallied of them.
        """
        for host, t in latest.items():
            later_into(self.latest, host, t)
        self.reference_counts.update(reference_counts)
        self.instances.update(instances)
        self.requests.update(requests)
        self.dropped += dropped

    def _tally(self, e: Event, uuids: Iterable[str]) -> None:
        host = e.host
        assert host is not None  # records without a host are kept
        seen = self.latest.get(host)
        if seen is None or e.time > seen:
            self.latest[host] = e.time
        if e.service in REFERENCE_SERVICES:
            self.reference_counts[(e.service, host)] += 1
        if e.instance:
            self.instances.add(e.instance)
        self.instances.update(u.lower() for u in uuids)
        if e.request_id:
            self.requests.add(e.request_id)
        self.dropped += 1


class ContextFinder(MoveFinder):
    """Pass 1's `MoveFinder`, also noting the service contexts that logged a move's evidence (`contexts`).

    `MoveFinder` pulls no service-internal request (`[req-… - - - - -]`): it
    would pull the service's housekeeping.  `correlate` still groups such a
    context's records by its id, and a marker that opens, follows up or
    implies a move there (as correlate counts them per request: not a
    `foreign_context` one) makes every record of it part of that move's
    story: `Unmoved` keeps them all.
    """

    def __init__(self, markers: MarkerSet) -> None:
        super().__init__(markers)
        self.contexts: set[str] = set()

    def __call__(self, e: Event) -> bool:
        super().__call__(e)
        req = e.request_id
        if req is not None and e.user is None and req not in self.contexts and any(
                m.marker.opens or m.marker.followup or (m.marker.implies and not m.marker.foreign_context)
                for m in self.found):  # the record's matches, as `MoveFinder` just took them
            self.contexts.add(req)
        return False

    def absorb(self, requests: Iterable[str], instances: Iterable[str], named: dict[str, set[str]],
               contexts: Iterable[str] = ()) -> None:
        """`MoveFinder.absorb`, and the service contexts another finder found."""
        super().absorb(requests, instances, named)
        self.contexts.update(contexts)


class Prefilter:
    """A targeted read's test while it streams: may the record still matter once the read is split?

    The related pass of `timeline` reads every record of its ids, and an id
    may be a service's context (a periodic task's `[req-… - - - - -]` logs
    every minute on every compute: 0.5 M records on a 1 GiB set).  The read
    is split into the main texts' records and the evidence sets' only after
    it ended (`evidence_split`), then the Keeper decides; held whole, those
    records were most of the memory.  A record is let go while streaming
    only when the outcome is already known:

    * it is certainly a main record: plain oslo text (its parsed text is its
      lines' text) holding no evidence text (no evidence set's hit can lie in
      its lines), with a host (the Keeper counts the self-naming lines of
      records without one);
    * the Keeper would not keep it: none of its per-record rules holds, its
      request opened no move so far (`started` holds every request a record
      opening or following up a move was seen under, main or not: a superset
      of the Keeper's `requests` at that point of the time order), nor does it.

    What the Keeper would still have done with it, note its host's time
    (`last_seen`), is done here; `merge_into` hands those times over.
    """

    def __init__(self, keeper: Keeper, evidence: Iterable[frozenset[str]]) -> None:
        self.keeper = keeper
        sets = list(evidence)
        exact = sorted({t for texts in sets for t in texts}, key=len, reverse=True)
        caseless = sorted({t for texts in sets for t in getattr(texts, "caseless", ())}, key=len, reverse=True)
        self.evidence = re.compile("|".join([*(re.escape(t) for t in exact),
                                             *(f"(?i:{re.escape(t)})" for t in caseless)]) or "(?!)")
        self.started: set[str] = set()
        self.last_seen: dict[str, datetime] = {}

    def __call__(self, e: Event) -> bool:
        if self.lets_go(e):
            self.note(e)
            return False
        return True

    def lets_go(self, e: Event) -> bool:
        """The test alone: True when the record can go (its time not noted: `note`); notes the requests it starts."""
        if e.host is None or e.fmt != "oslo" or self.evidence.search(e.text) is not None:
            return False
        req = e.request_id
        if req is not None and (req in self.started or self.keeper.markers.starts_request(e)):
            self.started.add(req)
            return False
        return not self.keeper.by_record(e)

    def note(self, e: Event) -> None:
        """Note a let-go record's time as the Keeper would have (its host's latest)."""
        if e.host is not None:
            later_into(self.last_seen, e.host, e.time)

    def merge_into(self, last_seen: dict[str, datetime]) -> None:
        """Add the let-go records' times to the Keeper's (each host's latest record)."""
        for key, t in self.last_seen.items():
            later_into(last_seen, key, t)


def later_into(last_seen: dict[str, datetime], key: str, t: datetime) -> None:
    """Keep in `last_seen[key]` the later of its time and `t`."""
    seen = last_seen.get(key)
    if seen is None or t > seen:
        last_seen[key] = t


#: a worker's note of one record for pass 2's Keeper (`keep_notes`): (KEEP_TAG, its `MarkerSet.note` or None when
#: no marker matches, the bits of the tests of the record alone, the uuids of its text)
KeepNote = tuple[str, Any, int, tuple[str, ...]]
#: the first item of a `KeepNote` (a `MarkerSet.note` never starts with a text: the two are told apart)
KEEP_TAG = "keep"
#: `MarkerSet.starts_request` (with a request id)
STARTS = 1
#: `Keeper.by_record`
BY_RECORD = 2
#: the text holds "uuid" (`Unmoved.needed`'s domain/uuid pair test)
UUID_WORD = 4
#: a migration uuid next to "igration", or a clock text (`Unmoved.needed`)
BY_TEXT = 8
#: the shipped catalog's `orphan_test` holds (noted only with `keep_notes(find=True)`)
FOUND = 16
#: `keep_notes(find=True)` computed `FOUND` (set or not)
FIND_NOTED = 32


def keep_note(note: Any) -> KeepNote | None:
    """The note as a `KeepNote`, or None when it is another kind (a bare `MarkerSet.note`) or none.

    A record no marker matches and whose text holds no uuid (most) travels as its bits alone (an int).
    """
    if type(note) is int:
        return _BARE[note]
    if type(note) is tuple and note and note[0] == KEEP_TAG:
        return note
    return None


#: the `KeepNote` of each bits-only note
_BARE: tuple[KeepNote, ...] = tuple((KEEP_TAG, None, bits, ()) for bits in range(2 * FIND_NOTED))


@lru_cache(maxsize=1)
def clock_pattern() -> re.Pattern[str]:
    """Any clock text (`skew.evidence_texts`): the records the clock bounds use."""
    return re.compile("|".join(re.escape(t) for t in sorted(evidence_texts(), key=len, reverse=True)))


@lru_cache(maxsize=1)
def _shipped_orphan_test() -> Callable[[Event], bool]:
    return orphan_test(load_catalog(()))


def text_tests(e: Event, clock: re.Pattern[str]) -> tuple[int, tuple[str, ...]]:
    """`Unmoved.needed`'s tests of a record's text alone: their bits (`UUID_WORD`, `BY_TEXT`) and its uuids.

    A uuid next to "uuid" (a libvirt domain/uuid pair: correlate learns domain
    names from it); a migration uuid next to "igration" (correlate joins it by
    a move's migration uuid, the markers' `uuid` group); a clock text.
    """
    message = e.message
    text = message if not e.extra else "\n".join((message, *e.extra))
    uuids = uuids_in(text)
    bits = UUID_WORD if uuids and "uuid" in text else 0
    if (MIGRATION_WORD in message and _MIGRATION_ID.search(message) is not None) or clock.search(message):
        bits |= BY_TEXT
    return bits, uuids


def uuids_in(text: str) -> tuple[str, ...]:
    """`tuple(_UUID.findall(text))`, ~3x faster (the text tests of every pass-1 record, issue 13 P2).

    Each place the part after a uuid's first 8 digits matches (`_UUID_TAIL`, leftmost first) is
    checked for the 8 digits before it, starting no earlier than the end of the last uuid taken:
    findall's leftmost, non-overlapping matches, as a uuid's start and its first dash are 8 apart.
    """
    if "-" not in text:
        return ()
    found: list[str] = []
    search, head = _UUID_TAIL.search, _UUID_HEAD.match
    pos = taken = 0  # where the next dash may be; where the last uuid taken ends
    while (m := search(text, pos)) is not None:
        dash = m.start()
        if dash - 8 < taken or head(text, dash - 8, dash) is None:
            pos = dash + 1
            continue
        found.append(text[dash - 8:m.end()])
        taken = m.end()
        pos = taken + 8
    return tuple(found)


#: the matches a worker's pass-1 finder just made of the run it read (`share_matches`): (the run, index -> matches)
_SHARED: list[tuple[Sequence[Event], dict[int, list[Match]]] | None] = [None]


def share_matches(run: Sequence[Event], found: dict[int, list[Match]]) -> None:
    """Let the `keep_notes` of this very run (next, in this worker) reuse the marker matches just made of it."""
    _SHARED[0] = (run, found)


def keep_notes(events: Sequence[Event], find: bool = False) -> dict[int, KeepNote | int]:
    """Each record's `KeepNote` (or its bits alone, `keep_note`), by index in the run: what a worker sends
    beside a selective read's records.

    Every test the Keeper and `Unmoved` make of a record alone (its marker matches for
    `MoveFinder`, `starts_request`, `by_record`, the text tests of `Unmoved.needed`, and with
    `find` the shipped catalog's orphan test) runs here, where the record was read, by the same
    functions the main process runs on a record without a note; the main process then only
    looks its ids up in what it learned (the requests that opened a move, the moved ids).
    """
    markers = load_markers()
    keeper = Keeper(markers)
    clock = clock_pattern()
    could_find = _shipped_orphan_test() if find else None
    out: dict[int, KeepNote | int] = {}
    # one object per distinct uuid tuple and note in the run: pickled once, one object where it is unpacked
    # (a run's records name the same instances again and again; a merge holds a run of every input at once)
    shared: dict[Any, Any] = {}
    made, _SHARED[0] = _SHARED[0], None
    known = made[1] if made is not None and made[0] is events else {}  # `markers.match`'s, of these very records
    if len(known) < len(events):  # the others' marker texts searched in one go (`MarkerSet.match_each`)
        unknown = [i for i in range(len(events)) if i not in known]
        known = {**known, **dict(zip(unknown, markers.match_each([events[i] for i in unknown]), strict=True))}
    for i, e in enumerate(events):
        found = known[i]
        bits = FIND_NOTED if find else 0
        if e.request_id and markers.starts_request(e, found):
            bits |= STARTS
        if keeper.by_record(e, found):
            bits |= BY_RECORD
        text_bits, uuids = text_tests(e, clock)
        bits |= text_bits
        if could_find is not None and could_find(e):
            bits |= FOUND
        if not found and not uuids:
            out[i] = bits
            continue
        note = (KEEP_TAG, markers.note(found) if found else None, bits, shared.setdefault(uuids, uuids))
        try:
            out[i] = shared.setdefault(note, note)
        except TypeError:  # a match that captured groups (a dict): its own note
            out[i] = note
    return out
