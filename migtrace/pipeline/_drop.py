"""Pass 2's join and the drop of unmoved instances' records, done per input on the worker that read it.

A selective read's pass 2 used to ship every record it read to the main
process, which joined it with pass 1's records of the input (`_reuse.Join`),
merged the inputs in time and ran the Keeper with `Unmoved` over all of
them: on the 1 GiB set 56 k records went through it and 46.5 k of instances
that never moved were dropped, serial work of the main process (the Dask
client).  Now each pass-2 task takes its input's pass-1 records (`JoinDrop`,
their packs as the store holds them), joins there and leaves out what the
main process's Keeper would surely drop, so only the rest travels back,
with what the main process needs of the rest (`Dropped`).

What the worker may leave out, and why it is the Keeper's own decision
(`_keep.Keeper.__call__`: `_kept`, then `Unmoved.needed`), made from one
input alone:

* `Unmoved.needed` is a function of the record, its worker note and the
  ids known after pass 1: the same on the worker.  Its side effects are
  tallies merged by max, sum and union (`Unmoved.absorb`).
* `_kept` reads the requests started before the record, in time order over
  every input: the one thing a worker cannot know.  So the worker leaves
  out only records whose `_kept` does not depend on it: a record with no
  request id and no per-record rule (`BY_RECORD`): never kept, nothing
  tallied; and a record kept by a per-record rule that `Unmoved` does not
  need: dropped and tallied.  A record that starts a request (`STARTS`:
  later records of that request depend on it), one without a host (the
  Keeper counts the hosts it names) and one whose fate hangs on a request
  started elsewhere travel back, and the main Keeper decides them as before.
* Every record left out still tells its host's latest time (the Keeper's
  `last_seen`, a max): sent as such.
* The merge drops a record another input gave too (`drop_copies`) and says
  how many: with records left out, that count could change.  Each input
  sends the `copy_key` of every record of its join; when two inputs share a
  key (a copy, or a hash collision), the main process reads pass 2 again
  the old way (`copies_apart`).

An input whose pass-2 read gave a warning or an error is not joined here
(the warnings' places in the stream would move), nor are inputs read in the
main process or found in the on-disk index: those are joined in the main
process as before (`_reuse.Join.joined`), and the whole stays exact.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from migtrace.model import Event
from migtrace.pipeline._keep import (
    BY_RECORD,
    STARTS,
    KeepNote,
    Unmoved,
    _shipped_orphan_test,
    keep_note,
    keep_notes,
    later_into,
)
from migtrace.pipeline._per_input import copy_key
from migtrace.pipeline._reuse import Join, Pass1Store, _Exact, _Tally, join_records
from migtrace.sources._parallel import PACK_EVENTS, InputResult, pack_events, unpack_events, unpack_noted

#: `MIGTRACE_PASS2_DROP_IN_WORKERS=0` joins and drops in the main process, as before (tests compare)
WORKERS_VARIABLE = "MIGTRACE_PASS2_DROP_IN_WORKERS"


@dataclass(slots=True)
class Dropped:
    """What a worker's join and drop of one input left out, for the main process to fold in (`DroppingJoin`)."""

    #: what the join added to pass 2's accounting (`_reuse.Join.stats`), and whether it was exact
    tally: _Tally
    usable: bool
    #: host -> the latest time of the records left out (the Keeper's `last_seen`)
    last_seen: dict[str, datetime] = field(default_factory=dict)
    #: the tallies of `Unmoved` of the records it dropped (`Unmoved.absorb`)
    latest: dict[str, datetime] = field(default_factory=dict)
    reference_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    instances: set[str] = field(default_factory=set)
    requests: set[str] = field(default_factory=set)
    dropped: int = 0
    #: records left out (dropped by `Unmoved` or never kept)
    left_out: int = 0
    #: `copy_key` of every record of the join (those that travel and those left out)
    keys: array[int] = field(default_factory=lambda: array("q"))


@dataclass(frozen=True, slots=True)
class JoinDrop:
    """On a worker: join one input's pass-2 result with its pass-1 records and leave out what the Keeper drops.

    A `sources._parallel.Finish`: picklable, made in the main process per input (`DroppingJoin.finish_of`).
    """

    #: pass 1's records of the input, packed (`Pass1Store.packed`), and the lines of those it leaves out
    packs: tuple[bytes, ...]
    left_out: frozenset[int]
    #: `Unmoved.ids`: the moved requests and instances and the contexts of moves
    ids: frozenset[str]

    def split_shared(self) -> tuple[OwnRecords, frozenset[str]]:
        """This input's part apart from the ids every input's `JoinDrop` shares (a cluster gets those once:
        `sources._held.Splits`; ~20 kB pickled, they were in each of 102 finishes on a 100-host set)."""
        return OwnRecords(self.packs, self.left_out), self.ids

    def __call__(self, result: InputResult) -> InputResult:
        if result.error is not None or result.warnings or result.summary is not None:
            return result  # joined in the main process, as before
        tally, exact = _Tally(), _Exact()
        notes: dict[int, Any] = {}
        held: list[Event] = []  # every record unpacked, held to the end: `notes` is keyed by the records' ids
        first = self._first(notes, held)
        second = _noted(result.packs, notes, held)
        unmoved = Unmoved(self.ids, (), _shipped_orphan_test(), shipped=True)
        done = Dropped(tally, True)
        kept: list[Event] = []
        kept_notes: dict[int, Any] = {}
        packs: list[bytes] = []
        keys, last_seen = done.keys, done.last_seen
        bare: list[Event] = []  # records without a worker's note: noted below, by the same function
        joined = list(join_records(first, second, tally, exact))
        for e in joined:
            if id(e) not in notes:
                bare.append(e)
        if bare:
            for e, n in zip(bare, keep_notes(bare, find=True).values(), strict=True):
                notes[id(e)] = n
        for e in joined:
            raw = notes[id(e)]
            keys.append(copy_key(e))
            if _leaves(e, keep_note(raw), unmoved):
                later_into(last_seen, e.host or e.source, e.time)
                done.left_out += 1
                continue
            kept_notes[len(kept)] = raw
            kept.append(e)
            if len(kept) == PACK_EVENTS:
                packs.append(pack_events(kept, kept_notes))
                kept, kept_notes = [], {}
        if kept:
            packs.append(pack_events(kept, kept_notes))
        done.usable = exact.usable
        done.latest, done.reference_counts = unmoved.latest, unmoved.reference_counts
        done.instances, done.requests, done.dropped = unmoved.instances, unmoved.requests, unmoved.dropped
        return InputResult(packs, result.stats, [], None, done)

    def _first(self, notes: dict[int, Any], held: list[Event]) -> Iterator[Event]:
        left_out = self.left_out
        for e in _noted(self.packs, notes, held):
            if e.lineno not in left_out:
                yield e


@dataclass(frozen=True, slots=True)
class OwnRecords:
    """A `JoinDrop` without its ids (`JoinDrop.split_shared`): what a cluster's worker is sent per input."""

    packs: tuple[bytes, ...]
    left_out: frozenset[int]

    def whole(self, ids: frozenset[str]) -> JoinDrop:
        """The `JoinDrop` this was split from, given its ids."""
        return JoinDrop(self.packs, self.left_out, ids)


def _noted(packs: Iterable[bytes], notes: dict[int, Any], held: list[Event]) -> Iterator[Event]:
    """The packs' events, each one's worker note kept in `notes` by the event's id (`held` keeps the event alive)."""
    for pack in packs:
        events, got = unpack_noted(pack)
        held += events
        if got:
            for i, n in got.items():
                notes[id(events[i])] = n
        yield from events


def _leaves(e: Event, note: KeepNote | None, unmoved: Unmoved) -> bool:
    """True when the Keeper surely keeps the record out whatever the other inputs hold (tallied then, as it would).

    See the module doc: no request started elsewhere can change the outcome.
    """
    if note is None or e.host is None:
        return False
    bits = note[2]
    if bits & STARTS:
        return False
    if not bits & BY_RECORD:
        return not e.request_id  # never kept (`_kept` is False); with a request id, a request started elsewhere may
    return not unmoved.needed(e, note)


class DroppingJoin(Join):
    """`_reuse.Join` whose inputs a worker may have joined (and dropped from) already (`JoinDrop`)."""

    def __init__(self, store: Pass1Store, unmoved: Unmoved) -> None:
        super().__init__(store)
        self.unmoved = unmoved
        #: input -> what its worker left out
        self.done: dict[str, Dropped] = {}
        #: input -> `copy_key` of each record of the inputs joined here
        self._keys: dict[str, array[int]] = {}
        #: input -> its worker's joined records, unpacked as the result arrived (`arrived`), until the merge takes them
        self._early: dict[str, list[list[Event]]] = {}
        #: the `copy_key`s of the workers' joins that arrived, the inputs they came from, and whether two shared one
        self._seen: set[int] = set()
        self._counted: set[str] = set()
        self._shared = False

    def finish_of(self, path: str) -> JoinDrop | None:
        """The worker's `Finish` of one input (`sources._parallel.finishing`): its pass-1 records go with it."""
        packed = self.store.packed(path)
        return None if packed is None else JoinDrop(packed[0], packed[1], self.unmoved.ids)

    def arrived(self, source: str, result: InputResult) -> None:
        """Unpack a worker's joined result as it arrives (`sources._parallel.arriving`), while others are read.

        The merge after pass 2 would unpack every input's first run before giving its first record: serial
        work after the last task.  Only a result `JoinDrop` finished: no warnings, no error, so its stream
        is its runs' records in order and nothing else (`joined`); their notes go to the read's `Notes`
        now, as the replay would have added them.  The result itself is left as it is.
        """
        done = result.summary
        if type(done) is Dropped and result.error is None and not result.warnings:
            self._early[source] = [unpack_events(pack) for pack in result.packs]
            own = set(done.keys)  # `copies_apart`'s sets, made now too: a set union is order-free
            self._shared = self._shared or not self._seen.isdisjoint(own)
            self._seen |= own
            self._counted.add(source)

    def joined(self, source: str, stream: Iterator[Event]) -> Iterator[Event]:
        """A worker's joined stream as it is (its tallies noted), else the join here (each record's key noted)."""
        done = getattr(stream, "summary", None)
        if type(done) is Dropped:
            self.done[source] = done
            self.tallied(source, done.tally, done.usable)
            runs = self._early.pop(source, None)
            return stream if runs is None else chain.from_iterable(runs)
        return self._keyed(source, super().joined(source, stream))

    def _keyed(self, source: str, stream: Iterator[Event]) -> Iterator[Event]:
        keys = self._keys.setdefault(source, array("q"))
        for e in stream:
            keys.append(copy_key(e))
            yield e

    def copies_apart(self) -> bool:
        """True when no two inputs' joins share a `copy_key` (the merge then dropped no copy, today's read neither)."""
        if not any(d.left_out for d in self.done.values()):
            return True
        if self._shared:
            return False
        seen = set(self._seen)  # the keys of the joins unpacked on arrival (`arrived`); the others' added below
        for keys in [*(d.keys for path, d in self.done.items() if path not in self._counted), *self._keys.values()]:
            own = set(keys)
            if not seen.isdisjoint(own):
                return False
            seen |= own
        return True

    def absorb_into(self, last_seen: dict[str, datetime]) -> None:
        """Fold what the workers left out into the Keeper's `last_seen` and its `Unmoved`'s tallies."""
        for d in self.done.values():
            for key, t in d.last_seen.items():
                later_into(last_seen, key, t)
            self.unmoved.absorb(d.latest, d.reference_counts, d.instances, d.requests, d.dropped)

    def left_out(self) -> int:
        """How many records the workers left out (tests: they did not reach this process)."""
        return sum(d.left_out for d in self.done.values())

