"""`timeline`'s two passes over one read of the big inputs: learn the related ids first, then search them with the id.

A targeted read (`_load._targeted`) reads every input twice: pass 1 for
the id (and the release clues), then the related pass for every id pass 1
tied to it (the instance, the other requests of the move), which it can
only know once pass 1 found them.  Most of the bytes are the computes'
logs, and the ids are usually all learned from the control plane's: the
API takes the request and names the instance, the conductor and the
scheduler act on it before any compute does (`FIRST_SERVICES`).

So the inputs whose name gives such a service are read first, with pass
1's terms only; the ids they tie to the id are learned from them; every
other input is then read ONCE with the related pass's terms, pass 1's id
and clue sets riding along as evidence sets (`_scan._Groups`: one search
of each window).  Each such input's records are then split into what
pass 1 and what the related pass would have read of it (by the lines each
set's texts hold, `FileStats.term_hits`), and both passes go on as before
with those inputs given (`_read(given=…)`).  The control plane's inputs
are read in that same read too (its workers read them beside the later
inputs, not after them), split alike, and their related records stand in
for the related pass's read of them (`Learned.early`): a timeline reads
every input once after the control plane's first read.  Where one of them
cannot be split, or ids are learned late (below), the related pass reads
it again as before.

Ids that pass 1 ties to the id only in a later input (an instance's
compute records name other requests) were not searched there: the later
inputs are read again for those ids alone and their records added to each
input's (`_add_late`), the fixpoint of the two passes without a full
related pass.

What cannot be told apart falls back to the two full passes, so the
result never depends on this: an input the scan did not cut by every set
(not plain oslo text: `WindowedTerms.uncut`, or read whole), a record no
set holds (a banner's neighbour), lines read but not parsed into an
Event (unparsed, timeless: their accounting could not be split), or a
warning while reading.
"""

from __future__ import annotations

import heapq
import logging
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import pairwise
from typing import Protocol

from migtrace._naming import service_from_name
from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.pipeline._keep import Prefilter, later_into
from migtrace.sources import Warnings
from migtrace.sources._standing import mark as mark_standing
from migtrace.sources._standing import standing
from migtrace.sources._window import WindowedTerms, _holds, evidence_split

_log = logging.getLogger(__name__)

#: the services whose logs hold a move's first records (API, conductor, scheduler): read first, to learn the ids
FIRST_SERVICES = frozenset({"n-api", "n-cond", "n-sch"})
#: `MIGTRACE_ONE_READ=0`: read every input in both passes (tests compare the two)
ONE_READ_VARIABLE = "MIGTRACE_ONE_READ"

#: an input's records and accounting, handed to a read in place of reading it (`_load._read(given=…)`)
Given = tuple[Iterator[Event], FileStats]
#: the evidence sets the later inputs' read adds after the related pass's own, numbered in `term_hits`
_CLUE, _IDENT = 0, 1


def learns_first(display: str) -> bool:
    """True for an input whose name gives a service that logs a move before the computes (`FIRST_SERVICES`)."""
    return service_from_name(display) in FIRST_SERVICES


class ReadResult(Protocol):
    """What a read gave (`_load._Read`): the kept events, in time order, and each input's accounting."""

    @property
    def events(self) -> list[Event]: ...

    @property
    def stats(self) -> tuple[FileStats, ...]: ...


#: `_load._read`
Read = Callable[..., ReadResult]


#: per later input: the related pass's records and accounting
_Later = dict[str, tuple[list[Event], FileStats]]


@dataclass
class Learned:
    """Pass 1 as a read of every input gives it, and the related pass's records of the inputs already read."""

    first: ReadResult
    #: the related pass's terms the later inputs were read with (None: they were not: read them again)
    ids: frozenset[str] | None = None
    later: _Later = field(default_factory=dict)
    #: reads the later inputs for ids learned from them and adds their records (`_add_late`); None: not
    more: Callable[[frozenset[str], _Later], Stand | None] | None = None
    #: the inputs read first (the control plane) whose related records are in `later` too: they stand in for
    #: the related pass over `ids` alone (ids learned late: the related pass reads them again)
    early: frozenset[str] = frozenset()

    def given(self, ids: set[str]) -> Stand | None:
        """The stand-in for the related pass over `ids`: the later inputs' records, or None when not valid.

        Ids learned from the later inputs themselves (not in `self.ids`) are
        searched in them alone, and their records added (the fixpoint of the
        two passes: the later inputs are read again for the new ids only).
        """
        if self.ids is None or not self.later or not self.ids <= frozenset(ids):
            return None
        new = frozenset(ids) - self.ids
        if not new:
            return Stand(self.later)
        later = {path: got for path, got in self.later.items() if path not in self.early}
        added = self.more(new, later) if self.more is not None else None
        if added is None:
            _log.debug("one read: the ids learned from the later inputs (%s) not told apart: read again",
                       ", ".join(sorted(new)))
        return added


class Stand:
    """The later inputs' related records, standing in for the related pass's read of them (`_load._read(given=…)`).

    `let_go`: each host's latest time of the records let go while read
    (`_LetGo`), which the related pass's `Prefilter` would have noted.
    """

    def __init__(self, found: _Later, let_go: dict[str, datetime] | None = None) -> None:
        self.found = found
        self.let_go: dict[str, datetime] = let_go or {}

    def __call__(self, path: str) -> Given | None:
        got = self.found.get(path)
        return None if got is None else (iter(got[0]), got[1])


class _Kept:
    """Each input's own records as a read streams them, before the merge (`_load._read(tap=…)`)."""

    def __init__(self) -> None:
        self.own: dict[str, list[Event]] = {}

    def tap(self, path: str, stream: Iterator[Event]) -> Iterator[Event]:
        got = self.own.setdefault(path, [])
        for e in stream:
            got.append(e)
            yield e


def learn(paths: Sequence[str], options: LoadOptions, read: Read, first_terms: WindowedTerms,
          related_of: Callable[[list[Event]], set[str]], related_terms: Callable[[set[str]], WindowedTerms],
          lean: Callable[[], Prefilter] | None = None) -> Learned:
    """Pass 1 of a targeted read, the later inputs read once for both passes when the ids are learned in time.

    `read` is `_load._read`; `first_terms` pass 1's terms (the id, one
    evidence set: the clues); `related_of(main)` the ids pass 1's main
    records tie to the id; `related_terms(ids)` the related pass's terms;
    `lean()` a fresh related pass's `Prefilter` (the late ids' read lets go
    what it would: `_LetGo`; None: keep every record).
    """
    def whole() -> Learned:
        return Learned(read(paths, options, Warnings(), None, first_terms))

    if os.environ.get(ONE_READ_VARIABLE) == "0":
        return whole()
    later: list[str] = []

    def hold_later(path: str) -> Given | None:
        if learns_first(path):
            return None
        later.append(path)
        return iter(()), FileStats(path=path)

    kept = _Kept()
    quiet = Warnings()
    early = read(paths, options, quiet, None, first_terms, tap=kept.tap, given=hold_later)
    if not later:  # every input read: this was pass 1
        return Learned(early)
    if len(later) == len(early.stats):  # nothing to learn from first: pass 1 as it always was
        _log.debug("one read: no input of %s to learn from first", ", ".join(sorted(FIRST_SERVICES)))
        return whole()
    ids = related_of(evidence_split(early.events, early.stats, 1)[0])
    # the control plane again with the later inputs (in parallel), for its related records: only when its
    # first read gave no warning (a warning in this read makes every input read in two passes)
    first_read = set() if quiet.lines else {st.path for st in early.stats if st.path not in later}
    split = _read_later(paths, options, read, early.stats, set(later), first_terms, related_terms(ids), first_read)
    if split is None:
        return whole()
    related = {path: (rel, st) for path, (_, _, rel, st) in split.items()}
    split = {path: got for path, got in split.items() if path not in first_read}
    first_given: dict[str, Given] = {st.path: (iter(kept.own.get(st.path, [])), st)
                                     for st in early.stats if st.path not in split}
    for path, (first_events, first_stats, _, _) in split.items():
        first_given[path] = iter(first_events), first_stats
    first = read(paths, options, Warnings(), None, first_terms, given=first_given.get)

    def more(new: frozenset[str], later: _Later) -> Stand | None:
        return _add_late(paths, options, read, new, later, lean() if lean is not None else None)
    return Learned(first, frozenset(ids), related, more, frozenset(related) & first_read)


#: per later input: pass 1's records and stats, the related pass's records and stats
_Split = dict[str, tuple[list[Event], FileStats, list[Event], FileStats]]


def _read_later(paths: Sequence[str], options: LoadOptions, read: Read, early: Sequence[FileStats], late: set[str],
                first_terms: WindowedTerms, base: WindowedTerms,
                again: AbstractSet[str] = frozenset()) -> _Split | None:
    """Read the later inputs once with the related pass's terms `base` and pass 1's sets; split each (None: not).

    `again`: inputs read first, read here too for their related records (in the result when they split;
    an input of them that does not is left out, and the related pass reads it).
    """
    sets = len(base.evidence)
    both = WindowedTerms(base.main, base.caseless, tail=base.tail, plain_only=base.plain_only,
                         hostless=base.hostless, evidence=[*base.evidence, *first_terms.evidence,
                                                           frozenset(first_terms.main)])
    # the related pass's and pass 1's standing sets (the clock texts, the clues) stay so (`sources._standing`)
    both = mark_standing(both, [*standing(base), *(sets + k for k in standing(first_terms))])
    held = Warnings()
    kept = _Kept()
    done = {st.path: st for st in early if st.path not in late and st.path not in again}
    one = read(paths, options, held, None, both, tap=kept.tap,
               given=lambda path: (iter(()), done[path]) if path in done else None)
    split = None if held.lines else _split_all(one.stats, late, kept.own, sets, again)
    if split is None:
        _log.debug("one read: the later inputs cannot be told apart (%s): two passes",
                   "a warning" if held.lines else "not cut by every set, or lines outside records")
    return split


def _split_all(stats: Sequence[FileStats], late: set[str], own: dict[str, list[Event]], sets: int,
               again: AbstractSet[str] = frozenset()) -> _Split | None:
    """Per later input: (pass 1's records, its stats, the related pass's records, its stats); None: not split.

    The inputs of `again` (read first) are in it when they split, left out when not.
    """
    out = {}
    for st in stats:
        if st.path not in late and st.path not in again:
            continue
        one = _split(st, own.get(st.path, []), sets)
        if one is None:
            if st.path in late:
                return None
            continue
        out[st.path] = one
    return out


def _split(st: FileStats, events: list[Event],
           sets: int) -> tuple[list[Event], FileStats, list[Event], FileStats] | None:
    """One input read with both passes' terms, told apart (see the module docstring); None: it cannot be."""
    clue, ident = sets + 1 + _CLUE, sets + 1 + _IDENT
    hits = st.term_hits
    if (any(k not in hits for k in range(ident + 1)) or st.unparsed_lines or st.timeless_records or st.errors
            or st.full_read or st.meta_lines):
        return None
    first: list[Event] = []
    related: list[Event] = []
    dropped: list[Event] = []
    for e in events:
        lo, hi = e.lineno, e.lineno + max(e.line_count, 1)
        held = [_holds(hits[k], lo, hi) for k in range(ident + 1)]
        if not any(held) and e.lineno != st.tail_line:
            return None  # a record no set holds (a banner's neighbour): each pass would have read it
        if held[clue] or held[ident]:
            first.append(e)
        if any(held[:sets + 1]) or e.lineno == st.tail_line:
            related.append(e)
        else:
            dropped.append(e)
    first_stats = replace(st, term_hits={0: list(hits[ident]), 1: list(hits[clue])}, tail_line=0,
                          errors=[], unparsed_examples=[], timeless_examples=[])
    lines = sum(max(e.line_count, 1) for e in dropped)
    related_stats = replace(st, term_hits={k: list(hits[k]) for k in range(sets + 1)},
                            records=st.records - len(dropped), record_lines=st.record_lines - len(dropped),
                            continuation_lines=st.continuation_lines - (lines - len(dropped)),
                            skipped_lines=st.skipped_lines + lines,
                            errors=[], unparsed_examples=[], timeless_examples=[])
    return first, first_stats, related, related_stats



class _LetGo:
    """The late ids' read, merged in time: let go the records the related pass's `Prefilter` would let go.

    A timeline's related pass lets go, while it streams, the records whose
    fate is known (`Prefilter`); the late ids' read held them all until
    then (a compute's periodic-task context: 0.5 M records on a 1 GiB
    set).  That read now goes through the same test, in the same time
    order: every input is read for the new ids (the control plane too, so
    each new request's records are all in the stream), the merge is the
    related pass's order on them (a stable merge by time and input; an
    input whose times go back is checked: `unordered`), and a record is let
    go only when the test says so and its request is one of the new ids (or
    none): then the requests it could follow were all seen before it, as the
    related pass sees them.  Each let-go record leaves its input's list at
    once (it is the last taken: the merge yields a record before reading
    its input on), its first line and line count stay (`gone`: the
    accounting and the checks of `_add_late`), its time goes to `let_go`.
    """

    def __init__(self, late: set[str], new: frozenset[str], lean: Prefilter | None) -> None:
        self.late, self.new, self.lean = late, new, lean
        self.own: dict[str, list[Event]] = {}
        self.gone: dict[str, array[int]] = {}
        self.stray: set[tuple[str, int]] = set()  # let go but not its input's last (not expected)
        self.let_go: dict[str, datetime] = {}
        self.unordered = False
        self._from: dict[int, str] = {}

    def tap(self, path: str, stream: Iterator[Event]) -> Iterator[Event]:
        got = self.own.setdefault(path, []) if path in self.late else None
        last: datetime | None = None
        for e in stream:
            if last is not None and e.time < last:
                self.unordered = True
            last = e.time
            if got is not None:
                got.append(e)
                self._from[id(e)] = path
            yield e

    def keep(self, e: Event) -> bool:
        """The merged stream's test: always False (nothing is taken from the merge; `own` holds each input's)."""
        path = self._from.pop(id(e), None)
        if self.lean is None or path is None or (e.request_id is not None and e.request_id not in self.new):
            if self.lean is not None:
                self.lean.lets_go(e)  # the requests it starts, as the related pass notes them
            return False
        if not self.lean.lets_go(e):
            return False
        if e.host is not None:  # always (`lets_go` keeps the host-less)
            later_into(self.let_go, e.host, e.time)
        self.gone.setdefault(path, array("q")).extend((e.lineno, e.line_count))
        own = self.own[path]
        if own and own[-1] is e:
            own.pop()
        else:
            self.stray.add((path, e.lineno))
        return False

    def found(self, path: str) -> Iterator[tuple[int, int, Event | None]]:
        """An input's records the late read found: first line, line count, and the Event when kept (None: let go)."""
        for e in self.own.get(path, []):
            if (path, e.lineno) not in self.stray:
                yield e.lineno, e.line_count, e
        gone = self.gone.get(path, array("q"))
        for k in range(0, len(gone), 2):
            yield gone[k], gone[k + 1], None


def _union(a: list[int], b: list[int]) -> list[int]:
    """The sorted line numbers of two lists, each once (merged when both are sorted: no set of every hit)."""
    if any(x > y for x, y in pairwise(a)) or any(x > y for x, y in pairwise(b)):
        return sorted(set(a) | set(b))
    out: list[int] = []
    for x in heapq.merge(a, b):
        if not out or out[-1] != x:
            out.append(x)
    return out


def _add_late(paths: Sequence[str], options: LoadOptions, read: Read, new: frozenset[str],
              later: _Later, lean: Prefilter | None = None) -> Stand | None:
    """The later inputs' related records with those of `new` ids added (read for them alone); None: not told apart.

    The related pass over a file keeps the records holding any of its ids:
    those holding the ids read before, plus those holding a new one, each
    record once (by its first line), in line order.  The new ids are also
    an evidence set of their read, so their hit lines join `term_hits[0]`.
    With `lean`, the records it would let go are let go while read (`_LetGo`).
    """
    held = Warnings()
    kept = _LetGo(set(later), new, lean)
    terms = WindowedTerms(new, evidence=[new])
    got = read(paths, options, held, kept.keep, terms, tap=kept.tap,
               given=lambda path: None if path in later or lean is not None else (iter(()), FileStats(path=path)))
    if held.lines or (kept.unordered and kept.gone):
        return None
    out: _Later = {}
    for st in got.stats:
        if st.path not in later:
            continue
        events, rel = later[st.path]
        hits = st.term_hits.get(1)
        if (hits is None or st.unparsed_lines or st.timeless_records or st.errors or st.full_read or st.meta_lines
                or any(a.lineno >= b.lineno for a, b in pairwise(events))):
            return None
        have = {e.lineno for e in events}
        records = []
        added = lines = 0
        for lineno, count, e in kept.found(st.path):
            if not _holds(hits, lineno, lineno + max(count, 1)):
                return None  # a record no new id holds (a banner's neighbour)
            if lineno not in have:
                added += 1
                lines += max(count, 1)
                if e is not None:
                    records.append(e)
        term_hits = dict(rel.term_hits)
        term_hits[0] = _union(term_hits.get(0, []), hits)
        out[st.path] = (sorted([*events, *records], key=lambda e: e.lineno),
                        replace(rel, term_hits=term_hits, records=rel.records + added,
                                record_lines=rel.record_lines + added,
                                continuation_lines=rel.continuation_lines + lines - added,
                                skipped_lines=rel.skipped_lines - lines))
    return Stand(out, kept.let_go)
