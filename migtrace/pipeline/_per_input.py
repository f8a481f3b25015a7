"""Pass 1's move finder run per input on the workers: the main process folds the inputs' summaries.

Pass 1 of a selective read feeds every vocabulary record, merged in time,
to `ContextFinder` (`_moves.MoveFinder`): serial work in the main process
(the Dask client), ~7 µs a record.  Its state does not depend on the order
the records come in, only on which records come:

* the move requests, moved instances, request → named instances and the
  service contexts are set unions;
* an instance's spans (`_window.Evidence`) feed only `windows`, which merges
  their widened intervals: spans noted per input stand side by side
  (`absorb_evidence`); a request's span is its first and last time;
* the time samples, offsets and order of a file are its own records' in
  file order, which the merge in time keeps.

So each worker runs a finder over its input's pass-1 records (`InputFinder`,
a `sources._parallel.Summarizer`) and sends its state (`FinderSummary`)
beside them; the main process skips those records and folds the summaries
in (`Summed`).  Which records the finder sees is decided on the worker as
`_fold.Fold.split` decides in the main process (a vocabulary hit, or no
searched text), from the same hit lines; a decision taken while the scan
went on is checked again with the input's final hit lines, and an input
whose decisions changed sends no summary (its records go through the
finder here, as before).

The one coupling between inputs is the merge's copy rule (a record equal in
time, host, pid and text to one another input gave within 2 s is seen once,
from the first input: `sources._stream.drop_copies`).  When pass 1's merge
dropped a copy (it warns: a devstack screen log beside its journal export),
or a summary names a file another input's records also came from, the
summaries are not used: the finder goes over pass 1's records again, merged
in time from the store (`_reuse.Pass1Store`), exactly as the read gave them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from migtrace.correlate.markers import load_markers
from migtrace.model import Event, FileStats
from migtrace.pipeline._fold import _Cursor, _holds
from migtrace.pipeline._keep import ContextFinder
from migtrace.pipeline._reuse import _MERGE_WARNING, Pass1Store
from migtrace.pipeline._window import absorb_evidence
from migtrace.sources import Warnings, merge_in_time
from migtrace.sources._parallel import current_notes


@dataclass(frozen=True, slots=True)
class FinderSummary:
    """A `ContextFinder`'s state after one input's pass-1 records (what `Summed` folds in)."""

    requests: frozenset[str]
    instances: frozenset[str]
    named: dict[str, set[str]]
    contexts: frozenset[str]
    spans: dict[str, list[list[float]]]
    request_spans: dict[str, list[float]]
    samples: dict[str, tuple[array[float], array[int]]]
    unordered: frozenset[str]
    offsets: dict[str, float | None]
    last: dict[str, float]


class InputFinder:
    """On a worker: pass 1's finder over one input's records that `Fold.split` passes on (a `Summarizer`)."""

    def __init__(self, terms: frozenset[str]) -> None:
        self.sets = len(getattr(terms, "evidence", ()))
        markers = load_markers()
        self.finder = ContextFinder(markers)
        self.finder.match = markers.match  # the worker's own match (no notes here)
        #: (first line, line after, decision) of each record split while the scan went on
        self.check = array("q")
        #: the input's `full_read` when its first run came (None: no run yet)
        self.full: str | None = None
        self.cursors: list[_Cursor] = []

    def feed(self, run: list[Event], stats: FileStats) -> None:
        """Split one run as `Fold.split` does and note the records pass 1 passes on."""
        finder = self.finder
        if self.full is None:
            self.full = stats.full_read
            self.cursors = [_Cursor(stats.term_hits, k) for k in range(self.sets + 1)]
        if self.full:  # every record: pass 1's own
            for e in run:
                finder(e)
            return
        main_hits, sets = self.cursors[0], self.cursors[1:]
        check = self.check
        for e in run:
            lo = e.lineno
            hi = lo + max(e.line_count, 1)
            main = main_hits.holds(lo, hi)
            evidence = False
            for one in sets:
                if one.holds(lo, hi):
                    evidence = True
            check.extend((lo, hi, main * 2 + evidence))
            if main or not evidence:
                finder(e)

    def result(self, stats: FileStats) -> FinderSummary | None:
        """The finder's state, or None when a decision taken during the scan differs with the final hit lines."""
        if self.full is not None and bool(self.full) != bool(stats.full_read):
            return None
        hits, check = stats.term_hits, self.check
        for i in range(0, len(check), 3):
            lo, hi = check[i], check[i + 1]
            main = _holds(hits.get(0, []), lo, hi)
            evidence = any(_holds(hits.get(k, []), lo, hi) for k in range(1, self.sets + 1))
            if main * 2 + evidence != check[i + 2]:
                return None
        f, ev = self.finder, self.finder.evidence
        return FinderSummary(frozenset(f.requests), frozenset(f.instances), dict(f.named_by()),
                             frozenset(f.contexts), ev.spans, ev.requests, ev.samples, frozenset(ev.unordered),
                             ev.offsets, ev.last_times())


def summarize(terms: frozenset[str]) -> InputFinder:
    """The `Summarize` of pass 1 (`sources._parallel.summing_up`): a finder per input."""
    return InputFinder(terms)


class Summed:
    """In the main process: pass 1's finder over the records of inputs without a summary, then the summaries."""

    def __init__(self, finder: ContextFinder, store: Pass1Store) -> None:
        self.finder = finder
        self.store = store
        #: input -> its worker's summary
        self.got: dict[str, FinderSummary] = {}

    def tap(self, path: str, stream: Iterator[Event]) -> Iterator[Event]:
        """Note the input's summary if its stream carries one; the store keeps its records (`Pass1Store.tap`)."""
        summary = getattr(stream, "summary", None)
        if type(summary) is FinderSummary:
            self.got[path] = summary
        return self.store.tap(stream)

    def __call__(self, e: Event) -> bool:
        """Pass 1's keep predicate: a summed-up input's record only lets its worker's note go."""
        if e.source in self.got:
            notes = current_notes()
            if notes is not None:
                notes.take(e)
            return False
        return self.finder(e)

    def ended(self, paths: Sequence[str], warnings: Sequence[str]) -> ContextFinder:
        """The finder of the whole pass: the summaries folded in, or (see the module doc) pass 1 gone over again."""
        finder = self.finder
        if not self.got:
            return finder
        seen = set(finder.evidence.last_times())
        exact = not any(_MERGE_WARNING.match(line) for line in warnings)
        for path, summary in self.got.items():
            files = set(summary.last)
            if not files <= {path} or files & seen:
                exact = False
            seen |= files
        if not exact:
            again = ContextFinder(finder.markers)
            again.match = finder.markers.match
            for e in merge_in_time([self.store.events(p) for p in paths], Warnings(), True):
                again(e)
            return again
        for summary in self.got.values():
            finder.absorb(summary.requests, summary.instances, summary.named, summary.contexts)
            absorb_evidence(finder.evidence, summary.spans, summary.request_spans, summary.samples,
                            summary.unordered, summary.offsets, summary.last)
        return finder
