"""A targeted read's query-independent part, kept in the index apart: a warm `timeline` searches its ids alone.

`timeline ID` reads each input with the id's texts AND with evidence sets
that are the same for every id: the release clues' covers (`pipeline._clues`)
and the clock bounds' causal-pair texts (`skew.evidence_texts`), ~40 texts
against the id's two.  Searching them is most of a cold read's CPU; their
records (per file, a few hundred) do not depend on the id.  The pipeline
marks those sets *standing* (`mark`); for such terms T the on-disk index
(`_index.read_indexed`) keeps, besides the read of T, the read of each
standing set alone (A_k: `Layout.standing`, no main text), derived from T's
result (`split`): one part per set, so the part of the clock texts serves
the one read of a compute (clock texts + clues) and a related pass (clock
texts) alike.  A later query of another id over the unchanged file reads
it with the query's texts alone (B: `Layout.query`: the main texts, the
other evidence sets) and merges B with the stored parts (`merge`).

Why the merge is T's read.  The scan's hit lines of a set do not depend on
the other texts searched (a set's line test, the clues' "first shown in
this file", sees the lines holding that set's texts, in file order, in
every read), so T's hit lines per set are A's and B's.  The records yielded
are the records holding a hit line, the banners and the file's last record
(`tail`): each a whole record (a header and its continuation lines up to
the next header), so the records of T are the union of the parts' and B's,
each once.  The merge checks what it relies on and gives up (None: the input is
read with T, as without the index) otherwise:

- both reads clean: plain records only (no unparsed, timeless or meta line,
  no error, warning or full read), every record an Event, the accounting
  balanced, every set searched (`term_hits` has each key);
- the records of two reads either the same record (same first line: equal
  Events) or apart (no partial overlap);
- the file's last record: T parses it (`tail_line`) only when no text of
  any read holds it: the reads' tails agree, or each read that does not
  name it holds it by its own texts.

`split` (A_k from T's result) keeps the records set k holds and the tail;
when T held the file's last record by another text, A_k alone parses it as
its tail (kept when it is one line, else no split).  It gives up when a
record is held by no set (a banner's neighbour) or when the main texts
include the hostless self-naming texts (an input whose host is not known:
their hit lines are not told apart).

Tests (tests/pipeline/test_timeline_warm.py) compare merge(split(T), B)
and merge(A_k…, B) with T on the sample sets, and timelines warm and cold.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from migtrace.model import Event, FileStats
from migtrace.sources._parallel import PACK_EVENTS, InputResult, _pack, _unpack
from migtrace.sources._window import WindowedTerms, _holds

#: the attribute naming a WindowedTerms' standing evidence sets (numbered from 1, as in `term_hits`)
_ATTR = "standing_sets"


def mark(terms: WindowedTerms, sets: Iterable[int]) -> WindowedTerms:
    """These terms with evidence sets `sets` (numbered from 1) marked standing: the same for every query."""
    out = copy.copy(terms)
    setattr(out, _ATTR, frozenset(sets))
    return out


def standing(terms: frozenset[str]) -> frozenset[int]:
    """The standing evidence sets of `terms` (none unless marked)."""
    found: object = getattr(terms, _ATTR, None)
    return found if isinstance(found, frozenset) else frozenset()


@dataclass(frozen=True, slots=True)
class Layout:
    """How a read of T splits into one standing read per standing set (A_k) and the query read (B)."""

    #: per standing set of T, in T's order: the read of that set alone (no main text)
    standing: tuple[WindowedTerms, ...]
    query: WindowedTerms
    #: for each of T's evidence sets (1..n): (the standing read's index, 1) or (-1, its number in B)
    sets: tuple[tuple[int, int], ...]
    #: B searches T's main texts once more as its only evidence set (T had no other): only so are its hits numbered
    query_main_set: bool


def layout(terms: frozenset[str]) -> Layout | None:
    """The standing and query reads of `terms`, or None when they have no standing set (or windows, line tests).

    Each standing set is a read of its own, so a stored part serves every read
    searching that set with the same flags (`timeline`'s one read of a compute
    searches the clock texts and the clues, its related pass the clock texts).
    """
    marked = standing(terms)
    if not marked or not isinstance(terms, WindowedTerms) or terms.windowed or terms.ranges or terms.stamps:
        return None
    count = len(terms.evidence)
    if not marked <= frozenset(range(1, count + 1)) or (len(marked) == count and not terms.main):
        return None
    rest = [terms.evidence[k - 1] for k in range(1, count + 1) if k not in marked]
    parts: list[WindowedTerms] = []
    sets: list[tuple[int, int]] = []
    b = 0
    for k in range(1, count + 1):
        if k in marked:
            sets.append((len(parts), 1))
            parts.append(WindowedTerms(frozenset(), tail=terms.tail, plain_only=terms.plain_only,
                                       hostless=terms.hostless, evidence=[terms.evidence[k - 1]]))
        else:
            b += 1
            sets.append((-1, b))
    query = WindowedTerms(terms.main, terms.caseless, tail=terms.tail, plain_only=terms.plain_only,
                          hostless=terms.hostless, evidence=rest or [terms.main])
    return Layout(tuple(parts), query, tuple(sets), not rest)


def _packed(events: Sequence[Event]) -> list[bytes]:
    return [_pack(list(events[i:i + PACK_EVENTS])) for i in range(0, len(events), PACK_EVENTS)]


def _span(e: Event) -> tuple[int, int]:
    return e.lineno, e.lineno + max(e.line_count, 1)


def _with(st: FileStats, events: Sequence[Event], term_hits: dict[int, list[int]], tail_line: int) -> FileStats:
    lines = sum(max(e.line_count, 1) for e in events)
    return replace(st, records=len(events), record_lines=len(events), continuation_lines=lines - len(events),
                   skipped_lines=st.lines_read - lines, term_hits=term_hits, tail_line=tail_line,
                   errors=[], unparsed_examples=[], timeless_examples=[])


def split(result: InputResult, lay: Layout) -> list[InputResult] | None:
    """Each standing read's result (A_k) taken from a read of T (`result`); None when not told exactly.

    T's events are streamed pack by pack: only the standing sets' records (a
    few hundred per file) are held.
    """
    st = result.stats
    count = len(lay.sets)
    if not _checked(result, count) or (st.host is None and lay.query.hostless):
        return None
    hits = st.term_hits
    own = [(k, part) for k, (part, _) in enumerate(lay.sets, 1) if part >= 0]
    kept: list[list[Event]] = [[] for _ in own]
    tally = _Tally(result, -1)
    last: Event | None = None
    for e in tally:
        lo, hi = _span(e)
        held = False
        for (k, _), got in zip(own, kept, strict=True):
            if lo == st.tail_line or _holds(hits[k], lo, hi):
                got.append(e)
                held = True
        if not held and lo != st.tail_line and not any(_holds(hits[k], lo, hi) for k in range(count + 1)):
            return None  # a record no set holds (a banner's neighbour)
        last = e
    if not tally.clean():
        return None
    if last is not None and _span(last)[1] - 1 != st.lines_read:
        last = None  # not the file's last record
    out = []
    for (k, _), got in zip(own, kept, strict=True):
        tail_line = st.tail_line
        if lay.query.tail and not tail_line and last is not None and not _holds(hits[k], *_span(last)):
            # T held the file's last record by another text: this set's read alone parses it as its tail
            # (when its header is within the scan's look-back: it is, for a record of one line)
            if last.line_count > 1:
                return None
            got.append(last)
            tail_line = last.lineno
        out.append(InputResult(_packed(got), _with(st, got, {0: [], 1: list(hits[k])}, tail_line), [], None))
    return out


def _checked(result: InputResult, sets: int) -> bool:
    """The checks of `_clean` that need no event: a clean read, every set searched, balanced."""
    st = result.stats
    return (result.error is None and not result.warnings and not st.errors and not st.unparsed_lines
            and not st.timeless_records and not st.meta_lines and not st.full_read and st.balanced
            and st.records == st.record_lines and all(k in st.term_hits for k in range(sets + 1)))


class _Tally:
    """One read's events streamed pack by pack (never all held), checked as they pass (`_clean`'s event checks)."""

    def __init__(self, result: InputResult, tail: int) -> None:
        self.result = result
        self.count = 0
        self.continued = 0
        self.ordered = True
        #: the read's event starting at `tail` (another read's tail record), if it has one
        self.tail_event: Event | None = None
        self._tail = tail

    def __iter__(self) -> Iterator[Event]:
        end = 0
        for pack in self.result.packs:
            for e in _unpack(pack):
                lo, hi = _span(e)
                self.ordered = self.ordered and lo >= end
                end = hi
                self.count += 1
                self.continued += hi - lo - 1
                if lo == self._tail:
                    self.tail_event = e
                yield e

    def clean(self) -> bool:
        st = self.result.stats
        return self.ordered and self.count == st.records and self.continued == st.continuation_lines


def merge(parts: Sequence[InputResult], query: InputResult, lay: Layout) -> InputResult | None:
    """T's result from the standing reads' (A_k) and the query read's (B); None when not provably T's.

    The reads are merged by line number pack by pack (a query tied to an
    instance may hold ~10^6 records: never all unpacked at once).
    """
    reads = [*parts, query]
    b_sets = sum(1 for part, _ in lay.sets if part < 0) + (1 if lay.query_main_set else 0)
    if len(parts) != len(lay.standing) or not all(
            _checked(r, n) for r, n in zip(reads, [1] * len(parts) + [b_sets], strict=True)):
        return None
    sb = query.stats
    if any((r.stats.path, r.stats.fmt, r.stats.host, r.stats.service, r.stats.lines_read)
           != (sb.path, sb.fmt, sb.host, sb.service, sb.lines_read) for r in parts):
        return None
    tails = {r.stats.tail_line for r in reads} - {0}
    if len(tails) > 1:
        return None
    tallies = [_Tally(r, next(iter(tails), -1)) for r in reads]
    packs: list[bytes] = []
    run: list[Event] = []
    records = lines = 0
    last: Event | None = None
    for e in heapq.merge(*tallies, key=lambda e: e.lineno):
        if last is not None and e.lineno == last.lineno:
            if e != last:
                return None
            continue  # the same record, found by two reads
        if last is not None and _span(last)[1] > e.lineno:
            return None  # records of two reads overlap without being the same record
        last = e
        records += 1
        lines += _span(e)[1] - e.lineno
        run.append(e)
        if len(run) == PACK_EVENTS:
            packs.append(_pack(run))
            run = []
    if run:
        packs.append(_pack(run))
    if not all(t.clean() for t in tallies):
        return None
    tail_line = _tail(tallies)
    if tail_line is None:
        return None
    hits: dict[int, list[int]] = {0: sorted(set().union(*(r.stats.term_hits[0] for r in reads)))}
    for k, (part, n) in enumerate(lay.sets, 1):
        hits[k] = list((parts[part] if part >= 0 else query).stats.term_hits[n])
    stats = replace(sb, records=records, record_lines=records, continuation_lines=lines - records,
                    skipped_lines=sb.lines_read - lines, term_hits=hits, tail_line=tail_line,
                    errors=[], unparsed_examples=[], timeless_examples=[])
    return InputResult(packs, stats, [], None)


def _tail(tallies: Sequence[_Tally]) -> int | None:
    """T's `tail_line`: the last record when no read's texts hold it; None when the reads do not agree."""
    lines = {t.result.stats.tail_line for t in tallies} - {0}
    if not lines:
        return 0
    (line,) = lines
    if all(t.result.stats.tail_line == line for t in tallies):
        return line
    # a read without it must hold that record by its own texts: then no tail in T
    for t in tallies:
        st = t.result.stats
        if st.tail_line != line and (t.tail_event is None or not any(
                _holds(h, *_span(t.tail_event)) for h in st.term_hits.values())):
            return None
    return 0
