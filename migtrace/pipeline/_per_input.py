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
beside them, with what the main process's split (`_fold`) takes of them:
the records held for the evidence read, the lines pass 1 leaves out.  The
main process then does not unpack the input's records in pass 1 at all: the
store keeps their packs as they travelled (pass 2 joins them), and the
summaries are folded in (`Summed`).  Which records the finder sees is decided on the worker as
`_fold.Fold.split` decides in the main process (a vocabulary hit, or no
searched text), from the same hit lines; a decision taken while the scan
went on is checked again with the input's final hit lines, and an input
whose decisions changed sends no summary (its records go through the
finder here, as before).

The one coupling between inputs is the merge's copy rule (a record equal in
time, host, pid and text to one another input gave within 2 s is seen once,
from the first input: `sources._stream.drop_copies`).  Each worker sends a
hash of every passed-on record's (time, host, pid, text) (`copy_key`);
when two inputs share one (a devstack screen log beside its journal export;
or a hash collision), or pass 1's merge of the other inputs dropped a copy,
or a summary names a file another input's records also came from, the
summaries are not used: the finder goes over pass 1's records again, merged
in time from the store (`_reuse.Pass1Store`), exactly as the read gave them.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from migtrace.correlate.markers import Match, load_markers
from migtrace.model import Event, FileStats
from migtrace.pipeline._fold import Fold, _Cursor, _holds, sides
from migtrace.pipeline._keep import ContextFinder, share_matches
from migtrace.pipeline._reuse import _MERGE_WARNING, Pass1Store
from migtrace.pipeline._window import absorb_evidence
from migtrace.sources import Warnings, merge_in_time
from migtrace.sources._parallel import PACK_EVENTS, pack_events, unpack_events


@dataclass(frozen=True, slots=True)
class FinderSummary:
    """A `ContextFinder`'s state after one input's pass-1 records (what `Summed` folds in), and its split."""

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
    #: every record the input gave (what `Pass1Store.count` counts)
    records: int
    #: the lines of the records pass 1 leaves out (an evidence set's alone: `Pass1Store.drop`)
    dropped: array[int]
    #: the records held for the evidence read (`Fold.held`), packed
    held: list[bytes]
    #: `copy_key` of each record pass 1 passes on
    keys: array[int]
    #: the input was read in full (`FileStats.full_read`): every record is pass 1's, none held
    full_read: bool


def copy_key(e: Event) -> int:
    """A hash of what the merge's copy rule compares (time, host, pid, text): equal records give equal keys.

    The same in every process (a worker's, the main one's): the hash of numbers only (the time, the pid,
    a CRC of the host, the text's length); Python's hash of a text changes per process.  Unequal records
    may share a key: it only sends pass 1 the serial way.
    """
    host = e.host
    return hash((e.time.timestamp(), -1 if e.pid is None else e.pid,
                 -1 if host is None else _host_crc(host), len(e.message)))


@lru_cache(maxsize=4096)
def _host_crc(host: str) -> int:
    return zlib.crc32(host.encode("utf-8", "surrogatepass"))


class InputFinder:
    """On a worker: pass 1's finder over one input's records that `Fold.split` passes on (a `Summarizer`)."""

    def __init__(self, terms: frozenset[str]) -> None:
        self.sets = len(getattr(terms, "evidence", ()))
        markers = load_markers()
        self.finder = ContextFinder(markers)
        self.match_each = markers.match_each
        self.finder.match = self._made  # the worker's own match (no notes here), made in `feed`
        self._found: list[Match] = []
        #: (first line, line after, decision) of each record split while the scan went on
        self.check = array("q")
        #: the input's `full_read` when its first run came (None: no run yet)
        self.full: str | None = None
        self.cursors: list[_Cursor] = []
        self.records = 0
        self.dropped = array("q")
        self.held: list[bytes] = []
        self.run: list[Event] = []
        self.keys = array("q")
        #: a record of another file than the input's (the store keeps records by file): no summary
        self.foreign = False

    def _made(self, _e: Event) -> list[Match]:
        return self._found

    def feed(self, run: list[Event], stats: FileStats) -> None:
        """Split one run as `Fold.split` does and note the records pass 1 passes on.

        The marker matches made here are handed to this run's `keep_notes` (`share_matches`): made once.
        """
        finder, keys, match_each = self.finder, self.keys, self.match_each
        known: dict[int, list[Match]] = {}
        share_matches(run, known)
        self.records += len(run)
        path = stats.path
        if self.full is None:
            self.full = stats.full_read
            self.cursors = [_Cursor(stats.term_hits, k) for k in range(self.sets + 1)]
        if any(e.source != path for e in run):
            self.foreign = True
        if self.full:  # every record: pass 1's own
            for i, (e, found) in enumerate(zip(run, match_each(run), strict=True)):
                self._found = known[i] = found
                finder(e)
                keys.append(copy_key(e))
            return
        main_hits, sets = self.cursors[0], self.cursors[1:]
        check, held, dropped = self.check, self.run, self.dropped
        passed: list[int] = []  # the records pass 1 passes on, by index in the run
        for i, e in enumerate(run):
            lo, hi, main, evidence = sides(main_hits, sets, e)
            check.extend((lo, hi, main * 2 + evidence))
            if evidence or not main:
                held.append(e)
            if main or not evidence:
                passed.append(i)
            else:
                dropped.append(lo)
        # their marker texts searched in one go (`MarkerSet.match_each`), then the finder over them in order
        for i, found in zip(passed, match_each([run[i] for i in passed]), strict=True):
            e = run[i]
            self._found = known[i] = found
            finder(e)
            keys.append(copy_key(e))
        if len(held) >= PACK_EVENTS:
            self.held.append(pack_events(held))
            self.run = []

    def result(self, stats: FileStats) -> FinderSummary | None:
        """The finder's state, or None when a decision taken during the scan differs with the final hit lines."""
        if self.foreign or (self.full is not None and bool(self.full) != bool(stats.full_read)):
            return None
        if not decisions_hold(self.check, stats.term_hits, self.sets):
            return None
        if self.run:
            self.held.append(pack_events(self.run))
            self.run = []
        f, ev = self.finder, self.finder.evidence
        return FinderSummary(frozenset(f.requests), frozenset(f.instances), dict(f.named_by()),
                             frozenset(f.contexts), ev.spans, ev.requests, ev.samples, frozenset(ev.unordered),
                             ev.offsets, ev.last_times(), self.records, self.dropped, self.held, self.keys,
                             bool(stats.full_read))


#: fewer records than this are checked one by one (`decisions_hold`)
_VECTOR_CHECK = 256


def decisions_hold(check: array[int], hits: dict[int, list[int]], sets: int) -> bool:
    """Whether each record's split decision, taken while the scan went on, stands with the input's final hit lines.

    `check` holds (first line, line after, main * 2 + evidence) per record, `hits` the hit lines (sorted) of the
    main texts (key 0) and of each evidence set (1..sets).  Where numpy is loaded already (a big read's newline
    counts load it), the 50 k records of a pass 1 are checked in a few array operations instead of a bisect
    per record and set (~0.1 CPU s on 1 GiB); the same test (`_holds`: a hit line in [lo, hi)) either way.
    """
    np = sys.modules.get("numpy")
    if np is None or len(check) < 3 * _VECTOR_CHECK:
        for i in range(0, len(check), 3):
            lo, hi = check[i], check[i + 1]
            main = _holds(hits.get(0, []), lo, hi)
            evidence = any(_holds(hits.get(k, []), lo, hi) for k in range(1, sets + 1))
            if main * 2 + evidence != check[i + 2]:
                return False
        return True
    rows = np.frombuffer(check, dtype=np.int64).reshape(-1, 3)
    lo, hi = rows[:, 0], rows[:, 1]

    def holds(lines: list[int]) -> Any:
        out = np.zeros(len(rows), dtype=np.int64)
        if lines:
            at = np.asarray(lines, dtype=np.int64)
            i = np.searchsorted(at, lo, side="left")
            inside = i < len(at)
            out[inside] = at[i[inside]] < hi[inside]
        return out

    evidence = np.zeros(len(rows), dtype=np.int64)
    for k in range(1, sets + 1):
        evidence |= holds(hits.get(k, []))
    return bool(np.array_equal(holds(hits.get(0, [])) * 2 + evidence, rows[:, 2]))


def summarize(terms: frozenset[str]) -> InputFinder:
    """The `Summarize` of pass 1 (`sources._parallel.summing_up`): a finder per input."""
    return InputFinder(terms)


class Summed:
    """In the main process: pass 1's finder over the records of inputs without a summary, then the summaries."""

    def __init__(self, finder: ContextFinder, store: Pass1Store, fold: Fold) -> None:
        self.finder = finder
        self.store = store
        self.fold = fold
        #: input -> its worker's summary
        self.got: dict[str, FinderSummary] = {}

    def tap(self, path: str, stream: Iterator[Event]) -> Iterator[Event]:
        """An input with a summary: its packs kept, its held records given to the fold, its records not unpacked.

        Any other input's stream goes on to the store (`Pass1Store.tap`) and the finder (`__call__`).
        """
        summary = getattr(stream, "summary", None)
        unread = getattr(stream, "unread", None)
        if type(summary) is not FinderSummary or unread is None or getattr(stream, "error", None) is not None:
            return self.store.tap(stream)
        self.got[path] = summary
        self.store.keep(path, getattr(stream, "packs", ()), summary.records, summary.dropped)
        if not summary.full_read:  # an input read in full: the evidence read takes it from the store (`Fold.given`)
            self.fold.held[path] = [e for pack in summary.held for e in unpack_events(pack)]
        return unread()  # type: ignore[no-any-return]

    def __call__(self, e: Event) -> bool:
        """Pass 1's keep predicate over the records of the inputs without a summary."""
        return self.finder(e)

    def ended(self, paths: Sequence[str], warnings: Sequence[str]) -> ContextFinder:
        """The finder of the whole pass: the summaries folded in, or (see the module doc) pass 1 gone over again."""
        finder = self.finder
        if not self.got:
            return finder
        here = set(finder.evidence.last_times())  # the files whose records went through the finder here
        if self._exact(paths, here, warnings):
            for summary in self.got.values():
                finder.absorb(summary.requests, summary.instances, summary.named, summary.contexts)
                absorb_evidence(finder.evidence, summary.spans, summary.request_spans, summary.samples,
                                summary.unordered, summary.offsets, summary.last)
            return finder
        again = ContextFinder(finder.markers)
        again.match = finder.markers.match
        for e in merge_in_time([self.store.events(p) for p in paths], Warnings(), True):
            again(e)
        return again

    def _exact(self, paths: Sequence[str], here: set[str], warnings: Sequence[str]) -> bool:
        """No copy between inputs (the merge's copy rule would have dropped it), no file in two summaries."""
        if any(_MERGE_WARNING.match(line) for line in warnings):
            return False
        seen = set(here)
        for path, summary in self.got.items():
            files = set(summary.last)
            if not files <= {path} or files & seen:
                return False
            seen |= files
        keys: set[int] = set()
        for path in paths:
            its = self.got.get(path)
            mine: Iterable[int] = (its.keys if its is not None else
                                   (copy_key(e) for e in self.store.events(path)) if path in here else ())
            own = set(mine)
            if not keys.isdisjoint(own):
                return False
            keys |= own
        return True
