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
with those inputs given (`_read(given=…)`): the control plane's inputs are
read again by the related pass (they are small), nothing else is.

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

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Protocol

from migtrace._naming import service_from_name
from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
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
    more: Callable[[frozenset[str], _Later], _Later | None] | None = None

    def given(self, ids: set[str]) -> Callable[[str], Given | None] | None:
        """The stand-in for the related pass over `ids`: the later inputs' records, or None when not valid.

        Ids learned from the later inputs themselves (not in `self.ids`) are
        searched in them alone, and their records added (the fixpoint of the
        two passes: the later inputs are read again for the new ids only).
        """
        if self.ids is None or not self.later or not self.ids <= frozenset(ids):
            return None
        new = frozenset(ids) - self.ids
        found = self.later
        if new:
            added = self.more(new, self.later) if self.more is not None else None
            if added is None:
                _log.debug("one read: the ids learned from the later inputs (%s) not told apart: read again",
                           ", ".join(sorted(new)))
                return None
            found = added
        return lambda path: (iter(found[path][0]), found[path][1]) if path in found else None


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
          related_of: Callable[[list[Event]], set[str]], related_terms: Callable[[set[str]], WindowedTerms]) -> Learned:
    """Pass 1 of a targeted read, the later inputs read once for both passes when the ids are learned in time.

    `read` is `_load._read`; `first_terms` pass 1's terms (the id, one
    evidence set: the clues); `related_of(main)` the ids pass 1's main
    records tie to the id; `related_terms(ids)` the related pass's terms.
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
    early = read(paths, options, Warnings(), None, first_terms, tap=kept.tap, given=hold_later)
    if not later:  # every input read: this was pass 1
        return Learned(early)
    if len(later) == len(early.stats):  # nothing to learn from first: pass 1 as it always was
        _log.debug("one read: no input of %s to learn from first", ", ".join(sorted(FIRST_SERVICES)))
        return whole()
    ids = related_of(evidence_split(early.events, early.stats, 1)[0])
    split = _read_later(paths, options, read, early.stats, set(later), first_terms, related_terms(ids))
    if split is None:
        return whole()
    first_given: dict[str, Given] = {st.path: (iter(kept.own.get(st.path, [])), st)
                                     for st in early.stats if st.path not in split}
    for path, (first_events, first_stats, _, _) in split.items():
        first_given[path] = iter(first_events), first_stats
    first = read(paths, options, Warnings(), None, first_terms, given=first_given.get)

    def more(new: frozenset[str], later: _Later) -> _Later | None:
        return _add_late(paths, options, read, new, later)
    return Learned(first, frozenset(ids), {path: (rel, st) for path, (_, _, rel, st) in split.items()}, more)


#: per later input: pass 1's records and stats, the related pass's records and stats
_Split = dict[str, tuple[list[Event], FileStats, list[Event], FileStats]]


def _read_later(paths: Sequence[str], options: LoadOptions, read: Read, early: Sequence[FileStats], late: set[str],
                first_terms: WindowedTerms, base: WindowedTerms) -> _Split | None:
    """Read the later inputs once with the related pass's terms `base` and pass 1's sets; split each (None: not)."""
    sets = len(base.evidence)
    both = WindowedTerms(base.main, base.caseless, tail=base.tail, plain_only=base.plain_only,
                         hostless=base.hostless, evidence=[*base.evidence, *first_terms.evidence,
                                                           frozenset(first_terms.main)])
    # the related pass's and pass 1's standing sets (the clock texts, the clues) stay so (`sources._standing`)
    both = mark_standing(both, [*standing(base), *(sets + k for k in standing(first_terms))])
    held = Warnings()
    kept = _Kept()
    done = {st.path: st for st in early if st.path not in late}
    one = read(paths, options, held, None, both, tap=kept.tap,
               given=lambda path: (iter(()), done[path]) if path in done else None)
    split = None if held.lines else _split_all(one.stats, late, kept.own, sets)
    if split is None:
        _log.debug("one read: the later inputs cannot be told apart (%s): two passes",
                   "a warning" if held.lines else "not cut by every set, or lines outside records")
    return split


def _split_all(stats: Sequence[FileStats], late: set[str], own: dict[str, list[Event]], sets: int) -> _Split | None:
    """Per later input: (pass 1's records, its stats, the related pass's records, its stats); None: not split."""
    out = {}
    for st in stats:
        if st.path not in late:
            continue
        one = _split(st, own.get(st.path, []), sets)
        if one is None:
            return None
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



def _add_late(paths: Sequence[str], options: LoadOptions, read: Read, new: frozenset[str],
              later: _Later) -> _Later | None:
    """The later inputs' related records with those of `new` ids added (read for them alone); None: not told apart.

    The related pass over a file keeps the records holding any of its ids:
    those holding the ids read before, plus those holding a new one, each
    record once (by its first line), in line order.  The new ids are also
    an evidence set of their read, so their hit lines join `term_hits[0]`.
    """
    held = Warnings()
    kept = _Kept()
    terms = WindowedTerms(new, evidence=[new])
    got = read(paths, options, held, None, terms, tap=kept.tap,
               given=lambda path: None if path in later else (iter(()), FileStats(path=path)))
    if held.lines:
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
        added = []
        for e in kept.own.get(st.path, []):
            if not _holds(hits, e.lineno, e.lineno + max(e.line_count, 1)):
                return None  # a record no new id holds (a banner's neighbour)
            if e.lineno not in have:
                added.append(e)
        lines = sum(max(e.line_count, 1) for e in added)
        term_hits = dict(rel.term_hits)
        term_hits[0] = sorted(set(term_hits.get(0, [])) | set(hits))
        out[st.path] = (sorted([*events, *added], key=lambda e: e.lineno),
                        replace(rel, term_hits=term_hits, records=rel.records + len(added),
                                record_lines=rel.record_lines + len(added),
                                continuation_lines=rel.continuation_lines + lines - len(added),
                                skipped_lines=rel.skipped_lines - lines))
    return out
