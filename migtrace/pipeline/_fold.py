"""A selective read's release clues and clock lines searched in pass 1 itself: one raw read of the set fewer.

`list` notes the release clues of every record (`_clues`) and collects every
request's clock lines (`skew.evidence_texts`); it did so in a raw pass of its
own after pass 1 (`_load._note_clues`), a third read of every byte.  Here
both are evidence sets of pass 1's search (`WindowedTerms.evidence`: one
hyperscan search per window finds the vocabulary and the sets), and each
input's stream is split *before* the inputs are merged in time:

* a record holding a vocabulary text (or no searched text at all: what
  pass 1 alone would also give) goes on to the merge, `MoveFinder` and
  `Pass1Store`, exactly the records pass 1 alone read;
* a record holding a clue's or a clock text (or none) is held for the
  evidence read (`evidence`): the held records of each input are merged in
  time on their own, as the separate pass read them, noted in `ClueHits`,
  and the clock lines are taken from them (`evidence_split`).

So the merge of pass 1, its duplicate rule and the keeper see the records
they saw before, and the evidence read sees the records of the separate
pass.  The split reads each record's lines in the scan's hit lines per set
(`FileStats.term_hits`): complete once an input's result came from a worker
or the index; a stream read here gets them as the scan goes, so each
decision is checked again once the input ended.  Where the split cannot be
proved the records pass 1 alone gives (a cut input with lines outside
records: a hit whose header lies beyond the scan's lookback, which another
set's record may take in; an input without hit lines; a decision that
changed once the hits were complete), the fold is not used (`usable`) and
the pipeline reads pass 1 and the clue pass apart.  Banner lines (`-- `,
`==> `) pass the scan in every search and, as meta lines, close no record:
the same premise `_reuse`'s join rests on.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence

from migtrace.diagnose import ClueHits
from migtrace.model import Event, FileStats
from migtrace.pipeline._reuse import Pass1Store
from migtrace.sources._parallel import current_notes
from migtrace.sources._window import WindowedTerms

#: an input's records and accounting given instead of reading it (`_load._read(given=…)`), or None: read it
Given = Callable[[str], "tuple[Iterator[Event], FileStats] | None"]


class _Cursor:
    """One set's hit lines of an input, asked in line order (records come in file order): no search."""

    __slots__ = ("hits", "i", "key", "lines", "lo")

    def __init__(self, hits: dict[int, list[int]], key: int) -> None:
        self.hits, self.key, self.i, self.lo = hits, key, 0, 0
        self.lines = hits.get(key, [])

    def holds(self, lo: int, hi: int) -> bool:
        """True when a hit line lies in [lo, hi); lines below lo are passed (searched again if lo goes back)."""
        lines = self.lines
        if not lines:  # the scan may make the list after the first record of a stream read here
            lines = self.lines = self.hits.get(self.key, lines)
        if lo < self.lo:
            self.i = bisect_left(lines, lo)
        self.lo = lo
        i, n = self.i, len(lines)
        while i < n and lines[i] < lo:
            i += 1
        self.i = i
        return i < n and lines[i] < hi


def sides(main_hits: _Cursor, sets: Sequence[_Cursor], e: Event) -> tuple[int, int, bool, bool]:
    """A record's lines [lo, hi) and where pass 1's split sends it: `main` (a hit of pass 1's own terms lies
    in them) and `evidence` (a hit of a clue or clock set does).

    The fold and the workers' summaries (`_per_input`) must split alike, record for record: one rule.
    Every set's cursor is asked (no short cut), so each advances with the records as before.
    """
    lo = e.lineno
    hi = lo + max(e.line_count, 1)
    main = main_hits.holds(lo, hi)
    evidence = False
    for one in sets:
        if one.holds(lo, hi):
            evidence = True
    return lo, hi, main, evidence


def _holds(lines: list[int], lo: int, hi: int) -> bool:
    """True when a sorted list of line numbers has one in [lo, hi)."""
    i = bisect_left(lines, lo)
    return i < len(lines) and lines[i] < hi


class Fold:
    """Pass 1's per-input split (`split`) into the vocabulary's records and the evidence sets' records."""

    def __init__(self, terms: WindowedTerms, store: Pass1Store | None) -> None:
        #: pass 1's terms: the vocabulary as main texts, the clue set and the clock texts as evidence sets
        self.terms = terms
        self.sets = len(terms.evidence)
        self.store = store
        self.usable = True
        #: input -> the records of its evidence sets (and records holding no searched text), in file order
        self.held: dict[str, list[Event]] = {}
        #: input read as a stream here: (line, line count, decision) of each record, checked when it ended
        self._checks: dict[str, tuple[FileStats, array[int]]] = {}
        self._stats: dict[str, FileStats] = {}

    def split(self, stats: FileStats, stream: Iterator[Event], whole: bool) -> Iterator[Event]:
        """One input's stream: pass on the vocabulary's records, hold the evidence sets' ones.

        `whole`: the stream is a worker's (or the index's) result, its hit lines complete; else they
        grow as the scan goes and each decision is checked again when the input ended (`ended`).
        """
        if stats.full_read:  # every record: pass 1's own; the evidence read takes them again (`given`)
            yield from stream
            return
        held = self.held.setdefault(stats.path, [])
        check: array[int] | None = None
        if not whole:
            check = array("q")
            self._checks[stats.path] = (stats, check)
        store = self.store
        notes = current_notes()
        hits = stats.term_hits
        cursors = [_Cursor(hits, k) for k in range(self.sets + 1)]
        main_hits, sets = cursors[0], cursors[1:]
        for e in stream:
            lo, hi, main, evidence = sides(main_hits, sets, e)
            if check is not None:
                check.extend((lo, hi, main * 2 + evidence))
            if evidence or not main:
                held.append(e)
            if main or not evidence:
                yield e
            else:
                if store is not None:
                    store.drop(e.source, lo)
                if notes is not None:
                    notes.take(e)  # a worker's note of a record pass 1 does not see: not held to the end of the read

    def ended(self, stats: Sequence[FileStats]) -> bool:
        """After pass 1: is the split exactly pass 1 alone plus the separate evidence read? (sets `usable`)."""
        for st in stats:
            if st.full_read or not (st.term_hits or st.lines_read):  # read in full, or nothing read (empty, unreadable)
                continue
            if (not st.term_hits or any(k not in st.term_hits for k in range(self.sets + 1))
                    or st.unparsed_lines):
                self.usable = False
        for st, check in self._checks.values():  # decisions taken while the scan went on, with its final hits
            hits = st.term_hits
            for i in range(0, len(check), 3):
                lo, hi = check[i], check[i + 1]
                main = _holds(hits.get(0, []), lo, hi)
                evidence = any(_holds(hits.get(k, []), lo, hi) for k in range(1, self.sets + 1))
                if main * 2 + evidence != check[i + 2]:
                    self.usable = False
        self._checks.clear()
        return self.usable

    def given(self, whole: Given) -> Given:
        """The evidence read's stand-ins: a cut input's held records; an input read in full, `whole(path)`."""
        def stand_in(path: str) -> tuple[Iterator[Event], FileStats] | None:
            if path in self.held:
                return iter(self.held.pop(path)), self._stats[path]
            return whole(path) if path in self._stats else None
        return stand_in

    def note_stats(self, stats: Sequence[FileStats]) -> None:
        """Pass 1's accounting per input (the evidence read gives the cut inputs' term_hits from it)."""
        self._stats = {st.path: st for st in stats}


def merge_hits(into: ClueHits, noted: ClueHits) -> None:
    """Add the clue ids a private `ClueHits` saw (the fold notes apart until it is known usable)."""
    for key, ids in noted.seen.items():
        into.seen.setdefault(key, set()).update(ids)
