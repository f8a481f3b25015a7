"""A targeted read's query-independent part, kept in the index apart: a warm `timeline` searches its ids alone.

`timeline ID` reads each input with the id's texts AND with evidence sets
that are the same for every id: the release clues' covers (`pipeline._clues`)
and the clock bounds' causal-pair texts (`skew.evidence_texts`), ~40 texts
against the id's two.  Searching them is most of a cold read's CPU; their
records (per file, a few hundred) do not depend on the id.  The pipeline
marks those sets *standing* (`mark`); for such terms T the on-disk index
(`_index.read_indexed`) keeps, besides the read of T, the read of the
standing sets alone (A: `Layout.standing`, no main text), derived from T's
result (`split`).  A later query of another id over the unchanged file
reads it with the query's texts alone (B: `Layout.query`: the main texts,
the other evidence sets) and merges B with the stored A (`merge`).

Why the merge is T's read.  The scan's hit lines of a set do not depend on
the other texts searched (a set's line test, the clues' "first shown in
this file", sees the lines holding that set's texts, in file order, in
every read), so T's hit lines per set are A's and B's.  The records yielded
are the records holding a hit line, the banners and the file's last record
(`tail`): each a whole record (a header and its continuation lines up to
the next header), so the records of T are the union of A's and B's, each
once.  The merge checks what it relies on and gives up (None: the input is
read with T, as without the index) otherwise:

- both reads clean: plain records only (no unparsed, timeless or meta line,
  no error, warning or full read), every record an Event, the accounting
  balanced, every set searched (`term_hits` has each key);
- the records of A and B either the same record (same first line: equal
  Events) or apart (no partial overlap);
- the file's last record: T parses it (`tail_line`) only when no text of
  either read holds it: A's and B's tails agree, or the one that names it
  has it held by the other's texts.

`split` (A from T's result) keeps the records a standing set holds and the
tail; it gives up when a record is held by no set (a banner's neighbour),
when the main texts include the hostless self-naming texts (an input whose
host is not known: their hit lines are not told apart), or when T held the
file's last record by a main text only (A alone would have parsed it as its
tail).  Tests (tests/pipeline/test_timeline_warm.py) compare merge(split(T),
B) and merge(A, B) with T on the sample sets, and timelines warm and cold.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

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
    """How a read of T splits into the standing read A and the query read B, set by set."""

    standing: WindowedTerms
    query: WindowedTerms
    #: for each of T's evidence sets (1..n): (True, its number in A) or (False, its number in B)
    sets: tuple[tuple[bool, int], ...]
    #: B searches T's main texts once more as its only evidence set (T had no other): only so are its hits numbered
    query_main_set: bool


def layout(terms: frozenset[str]) -> Layout | None:
    """The standing and query reads of `terms`, or None when they have no standing set (or windows, line tests)."""
    marked = standing(terms)
    if not marked or not isinstance(terms, WindowedTerms) or terms.windowed or terms.ranges or terms.stamps:
        return None
    count = len(terms.evidence)
    if not marked <= frozenset(range(1, count + 1)) or (len(marked) == count and not terms.main):
        return None
    kept = [terms.evidence[k - 1] for k in range(1, count + 1) if k in marked]
    rest = [terms.evidence[k - 1] for k in range(1, count + 1) if k not in marked]
    sets: list[tuple[bool, int]] = []
    a = b = 0
    for k in range(1, count + 1):
        if k in marked:
            a += 1
            sets.append((True, a))
        else:
            b += 1
            sets.append((False, b))
    query_main = not rest
    a_terms = WindowedTerms(frozenset(), tail=terms.tail, plain_only=terms.plain_only, hostless=terms.hostless,
                            evidence=kept)
    b_terms = WindowedTerms(terms.main, terms.caseless, tail=terms.tail, plain_only=terms.plain_only,
                            hostless=terms.hostless, evidence=rest or [terms.main])
    return Layout(a_terms, b_terms, tuple(sets), query_main)


def _events(result: InputResult) -> list[Event]:
    return [e for pack in result.packs for e in _unpack(pack)]


def _packed(events: Sequence[Event]) -> list[bytes]:
    return [_pack(list(events[i:i + PACK_EVENTS])) for i in range(0, len(events), PACK_EVENTS)]


def _clean(result: InputResult, events: Sequence[Event], sets: int) -> bool:
    """A read whose records are exactly its Events, every set searched, its accounting balanced."""
    st = result.stats
    return (result.error is None and not result.warnings and not st.errors and not st.unparsed_lines
            and not st.timeless_records and not st.meta_lines and not st.full_read and st.balanced
            and st.records == len(events) == st.record_lines
            and st.continuation_lines == sum(max(e.line_count, 1) - 1 for e in events)
            and all(k in st.term_hits for k in range(sets + 1))
            and all(a.lineno + max(a.line_count, 1) <= b.lineno for a, b in pairwise(events)))


def _last_record_held(events: Sequence[Event], st: FileStats, hits: Iterable[list[int]]) -> bool | None:
    """Whether the file's last record is among `events` held by a text of `hits` (None: it is not among them)."""
    if not events:
        return None
    last = events[-1]
    if last.lineno + max(last.line_count, 1) - 1 != st.lines_read:
        return None
    lo, hi = last.lineno, last.lineno + max(last.line_count, 1)
    return any(_holds(h, lo, hi) for h in hits)


def _with(st: FileStats, events: Sequence[Event], term_hits: dict[int, list[int]], tail_line: int) -> FileStats:
    lines = sum(max(e.line_count, 1) for e in events)
    return replace(st, records=len(events), record_lines=len(events), continuation_lines=lines - len(events),
                   skipped_lines=st.lines_read - lines, term_hits=term_hits, tail_line=tail_line,
                   errors=[], unparsed_examples=[], timeless_examples=[])


def split(result: InputResult, terms: frozenset[str], lay: Layout) -> InputResult | None:
    """The standing read's result (A) taken from a read of T (`result`); None when it cannot be told exactly."""
    st = result.stats
    events = _events(result)
    count = len(lay.sets)
    if not _clean(result, events, count) or (st.host is None and lay.standing.hostless):
        return None
    hits = st.term_hits
    own = [k for k, (is_a, _) in enumerate(lay.sets, 1) if is_a]
    kept: list[Event] = []
    for e in events:
        lo, hi = e.lineno, e.lineno + max(e.line_count, 1)
        if any(_holds(hits[k], lo, hi) for k in own) or e.lineno == st.tail_line:
            kept.append(e)
        elif not any(_holds(hits[k], lo, hi) for k in range(count + 1)):
            return None  # a record no set holds (a banner's neighbour)
    tail_line = st.tail_line
    if lay.standing.tail and not tail_line and _last_record_held(events, st, [hits[k] for k in own]) is False:
        return None  # the last record was T's by a main text only: A alone would have parsed it as its tail
    term_hits = {0: [], **{a: list(hits[k]) for k, (is_a, a) in enumerate(lay.sets, 1) if is_a}}
    return InputResult(_packed(kept), _with(st, kept, term_hits, tail_line), [], None)


def merge(a: InputResult, b: InputResult, lay: Layout) -> InputResult | None:
    """T's result from the standing read's (A) and the query read's (B); None when not provably T's."""
    sa, sb = a.stats, b.stats
    ea, eb = _events(a), _events(b)
    a_sets = sum(1 for is_a, _ in lay.sets if is_a)
    b_sets = len(lay.sets) - a_sets + (1 if lay.query_main_set else 0)
    if not (_clean(a, ea, a_sets) and _clean(b, eb, b_sets)):
        return None
    if (sa.path, sa.fmt, sa.host, sa.service, sa.lines_read) != (sb.path, sb.fmt, sb.host, sb.service, sb.lines_read):
        return None
    out: list[Event] = []
    i = j = 0
    while i < len(ea) or j < len(eb):
        x = ea[i] if i < len(ea) else None
        y = eb[j] if j < len(eb) else None
        if x is not None and y is not None and x.lineno == y.lineno:
            if x != y:
                return None
            out.append(x)
            i, j = i + 1, j + 1
            continue
        pick = x if y is None or (x is not None and x.lineno < y.lineno) else y
        assert pick is not None
        if out and out[-1].lineno + max(out[-1].line_count, 1) > pick.lineno:
            return None  # records of A and B overlap without being the same record
        out.append(pick)
        if pick is x:
            i += 1
        else:
            j += 1
    if out and any(p.lineno + max(p.line_count, 1) > q.lineno for p, q in pairwise(out)):
        return None
    tail_line = _tail(ea, sa, eb, sb)
    if tail_line is None:
        return None
    hits: dict[int, list[int]] = {0: sorted(set(sa.term_hits[0]) | set(sb.term_hits[0]))}
    for k, (is_a, n) in enumerate(lay.sets, 1):
        hits[k] = list(sa.term_hits[n] if is_a else sb.term_hits[n])
    return InputResult(_packed(out), _with(sb, out, hits, tail_line), [], None)


def _tail(ea: Sequence[Event], sa: FileStats, eb: Sequence[Event], sb: FileStats) -> int | None:
    """T's `tail_line`: the last record when neither read's texts hold it; None when the two do not agree."""
    if sa.tail_line == sb.tail_line:
        return sa.tail_line
    if sa.tail_line and not sb.tail_line and _held_by(sa.tail_line, eb, sb):
        return 0
    if sb.tail_line and not sa.tail_line and _held_by(sb.tail_line, ea, sa):
        return 0
    return None


def _held_by(line: int, events: Sequence[Event], st: FileStats) -> bool:
    """True when the record starting at `line` is among `events` and one of the read's own texts holds it."""
    for e in reversed(events):
        if e.lineno == line:
            lo, hi = e.lineno, e.lineno + max(e.line_count, 1)
            return any(_holds(h, lo, hi) for h in st.term_hits.values())
        if e.lineno < line:
            return False
    return False

