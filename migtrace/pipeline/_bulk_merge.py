"""`merge` in batches: each input's records come as arrays of sort keys, merged with one stable sort per round.

`merged_texts` (`_text_merge.py`) merges record by record (`heapq.merge`)
and filters cross-input copies record by record.  Here each input gives
`Batch`es (`sources/_textpath.bulk_batches`: the bulk path's printed
records and the text path's `TextRecord`s, in file order) and a round of
the merge does, with numpy:

- the pending records of every input, concatenated in input order, sorted
  by key with a stable sort: ties go to the earlier input and, inside one
  input, to file order — `heapq.merge`'s order when each input's keys do not
  go down (checked every round; where one does, that round is merged record
  by record exactly as `heapq.merge` would);
- the output of the round is the sorted records up to the last pending
  record of the input that runs out first (what `heapq.merge` gives before
  it needs that input's next record); that input is refilled, the others
  keep the rest.

Memory stays bounded by one or two windows per input.

Cross-input copies (`sources/_stream.drop_copies`'s rule) can only be
between records of the same host.  An input is bulk-printed only when no
other input has its host, so its records never meet a copy and skip the
filter; every other record goes through the same filter as before.  Where
a record read the Event way shows the host of a bulk input (a wrapper line
revealing another host), that bulk input's records that could equal it are
made text records again and go through the filter (and the input is read
the text path from there on).
"""

from __future__ import annotations

import calendar
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline._paths import StrPath, resolve_paths
from migtrace.pipeline._text_merge import BULK_PATH_VARIABLE, TEXT_PATH_VARIABLE, TextStream
from migtrace.sources import FileReader, Warnings, _bulk_kernel, _gather, _open, open_file_budget, open_inputs
from migtrace.sources._bulk import Batch, Int, Literals
from migtrace.sources._discover import input_size
from migtrace.sources._parallel import _context, jobs_of
from migtrace.sources._stream import DUP_WINDOW_S
from migtrace.sources._textpath import (
    NotPlain,
    TextRecord,
    bulk_batches,
    event_record,
    promote,
    takes,
    text_batch,
)

__all__ = ["BULK_PATH_VARIABLE", "BulkBlock", "BulkRun", "BulkStream", "merged_bulk"]

#: with the default `-j` (all cores), inputs smaller than this together are read in this process
POOL_BYTES = 32 << 20
#: bulk runs of an input remembered (entered into the copy filter where the input switches)
LAST_RUNS = 64



@dataclass(slots=True)
class BulkRun:
    """Consecutive bulk records of one window, in print order: their printed bytes (each ends with a newline)."""

    data: bytes
    batch: Batch
    first: int
    stop: int

    @property
    def count(self) -> int:
        """How many records the run holds."""
        return self.stop - self.first

    @property
    def clean(self) -> bool:
        """Its window surely holds no leak prefilter literal (`_bulk.Window.clean`)."""
        return self.batch.win is not None and bool(self.batch.win.clean)

    def batches(self) -> list[Batch]:
        """The batch (window) the run is cut from (as `BulkBlock.batches`)."""
        return [self.batch]

    def views(self) -> list[memoryview]:
        """The run's printed bytes (as `BulkBlock.views`)."""
        return [memoryview(self.data)]

    def runs(self) -> list[BulkRun]:
        """The run itself (as `BulkBlock.runs`)."""
        return [self]

    def records(self, stream: BulkStream) -> list[TextRecord]:
        """The run's records as text records (read again from their lines: redaction needs their Events)."""
        return [stream.promote(self.batch, slot) for slot in range(self.first, self.stop)]


@dataclass(slots=True)
class _Gathered:
    """A round's bulk runs (`sources/_gather.spans`): each run's window (an index into `batches`), records,
    where its bytes begin in that window's blob and where it begins in the round's output (`at`, one more
    entry: the round's length).  Written as the windows' own bytes (`views`); copied into one buffer only
    where something reads the round's bytes as one (`buffer`: the leak check of a block holding a literal,
    redaction, a stdout that is not UTF-8)."""

    batches: list[Batch]
    window: list[int]
    first: Int
    last: Int
    begins: Int
    at: list[int]
    _buffer: npt.NDArray[np.uint8] | None = None
    #: each window's blob as a memoryview, each run's begin and end there (made on the first `views`)
    _spans: tuple[list[memoryview], list[int], list[int]] | None = None

    @property
    def blobs(self) -> list[bytes]:
        """Each window's printed records (`Window.blob`)."""
        return [b.win.blob for b in self.batches if b.win is not None]

    @property
    def buffer(self) -> npt.NDArray[np.uint8]:
        """The round's runs one after the other (`sources/_gather.copy`), copied on the first call."""
        if self._buffer is None:
            self._buffer = _gather.copy(self.blobs, np.array(self.window, np.int64), self.begins,
                                        np.array(self.at, np.int64))
        return self._buffer

    def views(self, start: int, stop: int) -> list[memoryview]:
        """Runs `start..stop - 1`: each run's bytes in its window's blob (no copy)."""
        if self._spans is None:
            begins = self.begins
            self._spans = ([memoryview(b) for b in self.blobs], begins.tolist(),
                           (begins + np.diff(np.array(self.at, np.int64))).tolist())
        blobs, begin, end = self._spans
        return [blobs[w][b:e] for w, b, e in zip(self.window[start:stop], begin[start:stop], end[start:stop],
                                                 strict=True)]

    def run(self, n: int) -> tuple[Batch, int, int]:
        """Run n: its batch, first slot and stop."""
        return self.batches[self.window[n]], int(self.first[n]), int(self.last[n]) + 1


@dataclass(slots=True)
class _Runs:
    """Bulk runs of one input printed in one gathered round (the last `LAST_RUNS` of them at most): the
    round's batches, and per run its batch there, first slot and stop."""

    batches: list[Batch]
    window: list[int]
    first: list[int]
    stop: list[int]

    def runs(self) -> list[tuple[Batch, int, int]]:
        """Each run: its batch, first slot and stop."""
        return [(self.batches[w], f, s) for w, f, s in zip(self.window, self.first, self.stop, strict=True)]


@dataclass(slots=True)
class BulkBlock:
    """Consecutive bulk runs of a round (no text record between them), in print order, as one span of the
    round's gathered buffer: what their `BulkRun`s would print one after the other."""

    gathered: _Gathered
    #: runs `start..stop - 1` of the round
    start: int
    stop: int
    #: how many records the runs hold
    count: int

    @property
    def data(self) -> memoryview:
        """The runs' printed bytes (each record ends with a newline), in one buffer (the round's, copied on
        the first call)."""
        g = self.gathered
        return g.buffer.data[g.at[self.start]:g.at[self.stop]]

    def views(self) -> list[memoryview]:
        """The runs' printed bytes as they lie in their windows (what `data` copies), in print order."""
        return self.gathered.views(self.start, self.stop)

    def batches(self) -> list[Batch]:
        """The batches (windows) the runs are cut from."""
        g = self.gathered
        return [g.batches[w] for w in dict.fromkeys(g.window[self.start:self.stop])]

    @property
    def clean(self) -> bool:
        """Every window of the block surely holds no leak prefilter literal (`_bulk.Window.clean`)."""
        return all(b.win is not None and bool(b.win.clean) for b in self.batches())

    def runs(self) -> list[BulkRun]:
        """The block as the `BulkRun`s it gathers (redaction looks at runs)."""
        g = self.gathered
        return [BulkRun(bytes(view), *g.run(n)) for n, view in zip(range(self.start, self.stop), self.views(),
                                                                     strict=True)]


Piece = BulkRun | BulkBlock | TextRecord


class BulkStream(TextStream):
    """The records of a `merge` in print order as rounds of pieces (bulk runs and text records)."""

    def __init__(self, rounds: Iterator[list[Piece]], readers: dict[str, FileReader], full: bool,
                 origin_of: dict[int, str]) -> None:
        super().__init__(iter(()), readers)
        self.rounds = rounds
        self._full = full
        self._origin_of = origin_of

    def promote(self, batch: Batch, slot: int) -> TextRecord:
        """The text record of a bulk record (its line read by the text path)."""
        lineno, raw = batch.raw_line(slot)
        reader = self._readers[self._origin_of[id(batch)]]
        return promote(reader, self._full, lineno, raw)


def merged_bulk(paths: Iterable[StrPath], options: LoadOptions, render: Callable[[Event], str],
                keywords: tuple[str, ...], *, full: bool = True) -> BulkStream | None:
    """Every record of every input in time order, in rounds; None where only `merged_events` applies.

    `keywords`: the secret keywords (a line holding one is read the text
    path, so that redaction sees it as a record).
    """
    if options.strict or os.environ.get(TEXT_PATH_VARIABLE) == "0" or os.environ.get(BULK_PATH_VARIABLE) == "0":
        return None
    warnings = Warnings(options.warn)
    readers = open_inputs(resolve_paths(paths), options, warnings)
    if len(readers) > open_file_budget():
        return None
    literals = Literals(keywords)
    jobs = jobs_of(options)
    size = sum(input_size(r.item.path) or 0 for r in readers)
    pool: Executor | None = None
    if jobs > 1 and (options.jobs is not None or size >= POOL_BYTES):
        # the compiled kernel runs without the GIL: threads share the windows and the results (no pickling
        # of 2 MiB a window each way, no second numba import); the numpy way needs processes
        pool = ThreadPoolExecutor(jobs - 1) if _bulk_kernel.available() else \
            ProcessPoolExecutor(jobs, mp_context=_context())
    merge = _Merge(readers, render, full, literals, warnings, pool)
    stream = BulkStream(merge.rounds(), {r.item.display: r for r in readers}, full, merge.origin_of)
    merge.stream = stream
    return stream


@dataclass
class _Input:
    """One input's pending records: keys, and where each record is (batch, slot)."""

    index: int
    reader: FileReader
    batches: Iterator[Batch]
    host: str | None
    bulk: bool
    keys: Int = field(default_factory=lambda: np.zeros(0, np.int64))
    batch_of: list[Batch] = field(default_factory=list)
    which: Int = field(default_factory=lambda: np.zeros(0, np.int64))
    slots: Int = field(default_factory=lambda: np.zeros(0, np.int64))
    #: True: the pending keys never go down (False: not known, `_ordered` looks again)
    ordered: bool = True
    done: bool = False
    #: made text records again from here on (a record of another input showed this input's host)
    switched: bool = False
    started: bool = False
    ahead: Batch | None = None
    #: records given by the input's reading so far, and its warnings waiting to be said: (records before, text)
    produced: int = 0
    notes: deque[tuple[int, str]] = field(default_factory=deque)
    say: Callable[[str], None] = print
    #: records of the input printed so far
    emitted: int = 0
    #: the last bulk runs printed of this input: looked at when it switches (`_last_runs`); each entry (its
    #: number of runs, a run (batch, first slot, stop) or the runs of a gathered round (`_Runs`))
    last: deque[tuple[int, tuple[Batch, int, int] | _Runs]] = field(default_factory=deque)
    #: the runs the entries of `last` hold
    remembered: int = 0

    def refill(self) -> None:
        """Append the next batch; `done` once no batch follows it (the reading is then over: its last
        warnings are said when its last record is printed)."""
        if not self.started:
            self.started = True
            self.ahead = self._pull()
        batch = self.ahead
        if batch is None:
            self.done = True
            return
        self.ahead = self._pull()
        self.done = self.ahead is None
        self.batch_of.append(batch)
        # pending keys stay in order where the batch's do and it starts at or after the last pending one
        self.ordered = self.ordered and bool(np.all(batch.keys[1:] >= batch.keys[:-1])) and (
            not len(self.keys) or not len(batch.keys) or int(batch.keys[0]) >= int(self.keys[-1]))
        self.keys = np.concatenate((self.keys, batch.keys))
        self.which = np.concatenate((self.which, np.full(len(batch.keys), len(self.batch_of) - 1)))
        self.slots = np.concatenate((self.slots, batch.slots))

    def _pull(self) -> Batch | None:
        for batch in self.batches:
            if len(batch.keys):
                return batch
        return None

    def remember(self, runs: int, entry: tuple[Batch, int, int] | _Runs) -> None:
        """Note printed runs; only the entries holding the last `LAST_RUNS` runs are kept (and their batches)."""
        self.last.append((runs, entry))
        self.remembered += runs
        while self.remembered - self.last[0][0] >= LAST_RUNS:
            self.remembered -= self.last.popleft()[0]

    def drop(self, count: int) -> None:
        """Keep only the pending records after the first `count` (those were printed)."""
        self.keys, self.which, self.slots = self.keys[count:], self.which[count:], self.slots[count:]
        self._unrefer()

    def take(self, mask: npt.NDArray[np.bool_]) -> None:
        """Keep only the pending records not in `mask` (those were printed)."""
        keep = ~mask
        self.keys, self.which, self.slots = self.keys[keep], self.which[keep], self.slots[keep]
        self._unrefer()

    def _unrefer(self) -> None:
        if len(self.which) and self.which[0] > 0:  # drop batches no pending record refers to
            shift = int(self.which[0])
            self.batch_of = self.batch_of[shift:]
            self.which = self.which - shift
        elif not len(self.which):
            self.batch_of = []



def _last_runs(inp: _Input) -> list[tuple[Batch, int, int]]:
    """The last `LAST_RUNS` bulk runs printed of an input (batch, first slot, stop), in print order."""
    runs: list[tuple[Batch, int, int]] = []
    for _, entry in inp.last:
        if isinstance(entry, _Runs):
            runs.extend(entry.runs())
        else:
            runs.append(entry)
    return runs[-LAST_RUNS:]


def _ordered(inp: _Input) -> bool:
    """Whether an input's pending keys never go down (known true where its batches were checked so)."""
    if inp.ordered:
        return True
    inp.ordered = not len(inp.keys) or bool(np.all(inp.keys[1:] >= inp.keys[:-1]))
    return inp.ordered


class _Merge:
    """The rounds of the merge, the copy filter of the records that need it."""

    def __init__(self, readers: list[FileReader], render: Callable[[Event], str], full: bool, literals: Literals,
                 warnings: Warnings, pool: Executor | None = None) -> None:
        self.render = render
        self.pool = pool
        self.full = full
        self.warn = warnings
        self.origin_of: dict[int, str] = {}
        self.stream: BulkStream | None = None
        #: bulk runs are gathered by the compiled copy (`sources/_gather`), else cut one by one
        self.gather = _gather.available()
        #: the bytes of each input's windows (bigger where few inputs are merged: fewer windows and rounds)
        self.window = _open.merge_window_bytes(len(readers))
        self.inputs = []
        for i, r in enumerate(readers):
            host = r._context().host
            bulk = True
            inp = _Input(i, r, iter(()), host, bulk)
            inp.batches = self._batches(inp, literals if bulk else None)
            self.inputs.append(inp)
        self.bulk_hosts = {inp.host for inp in self.inputs if inp.bulk}
        #: (host, pid) of every record read so far -> the input that gave it first
        self.seen: dict[tuple[str | None, int | None], _Input] = {}
        # `drop_copies`' state
        self.recent: dict[tuple[object, ...], str] = {}
        self.order: deque[tuple[float, tuple[object, ...]]] = deque()
        self.dropped = 0
        self.example = ""
        self._seconds: dict[int, int] = {}

    def _batches(self, inp: _Input, literals: Literals | None) -> Iterator[Batch]:
        """One input's batches: bulk/text path while it reads exactly, then the Event way (`_input_records`).

        Its reader's warnings wait in `inp.notes`, each with the number of
        records the input had given before it, and are said when the merge
        prints that record (`_say`): where `heapq.merge` over record
        generators would have let the input's generator run on.
        """
        reader = inp.reader
        say = reader.warn
        inp.say = say
        reader.warn = lambda text: inp.notes.append((inp.produced, text))
        given = 0
        if takes(reader):
            try:
                for batch in bulk_batches(reader, self.full, literals, self.pool, self.window):
                    self.origin_of[id(batch)] = reader.item.display
                    given += len(batch.keys)
                    inp.produced = given
                    yield batch
                return
            except NotPlain:
                pass
        if given:
            reader = FileReader(reader.item, reader.options, reader.warn, reader.terms, reader.progress)
        texts: list[TextRecord] = []
        for n, e in enumerate(reader.events()):
            if n >= given:
                texts.append(event_record(e, self.render))
                inp.produced = n + 1
                if len(texts) >= 1024:
                    yield text_batch(texts)
                    texts = []
        if texts:
            yield text_batch(texts)

    def rounds(self) -> Iterator[list[Piece]]:
        """Each round's pieces in print order; warns about copies at the end, as `drop_copies` does."""
        try:
            yield from self._rounds()
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    def _rounds(self) -> Iterator[list[Piece]]:
        live = self.inputs
        for inp in live:
            self._refill(inp)
        for inp in live:
            self._say(inp, 0)
        while True:
            live = [inp for inp in live if len(inp.keys) or not inp.done]
            for inp in live:
                if not len(inp.keys):
                    self._refill(inp)
            for inp in self.inputs:
                if inp.done and not len(inp.keys):
                    self._say(inp, inp.emitted)
            live = [inp for inp in live if len(inp.keys)]
            if not live:
                break
            yield self._round(live)
        if self.dropped:
            self.warn(f"{self.dropped} records appear in two inputs ({self.example}); each is counted once")

    def _round(self, live: list[_Input]) -> list[Piece]:
        keys, owner, position, chosen, counts = self._order(live)
        pieces = self._pieces(live, keys[chosen], owner[chosen], position[chosen])
        for k, inp in enumerate(live):
            if counts is not None:  # the round printed each input's first `counts[k]` pending records
                inp.drop(counts[k])
                continue
            mask = np.zeros(len(inp.keys), bool)
            mask[position[chosen][owner[chosen] == k]] = True
            inp.take(mask)
        return pieces

    def _order(self, live: list[_Input]) -> tuple[Int, Int, Int, Int, list[int] | None]:
        """The round's records: pending keys, their input and position there, the print order, and how many
        of each input's first pending records it prints where that is all it prints (None: others)."""
        if all(_ordered(inp) for inp in live):
            # the stable order of all pending records up to the last record of the open input whose last
            # record comes first: (key, input) below that record's; only that prefix of each input is sorted
            open_ends = [(int(inp.keys[-1]), k) for k, inp in enumerate(live) if not inp.done]
            if open_ends:
                limit, limiter = min(open_ends)
                counts = [int(np.searchsorted(inp.keys, limit, side="right" if k <= limiter else "left"))
                          for k, inp in enumerate(live)]
            else:
                counts = [len(inp.keys) for inp in live]
            keys = np.concatenate([inp.keys[:c] for inp, c in zip(live, counts, strict=True)])
            owner = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
            position = np.concatenate([np.arange(c) for c in counts])
            chosen = np.argsort(keys, kind="stable")
            return keys, owner, position, chosen, counts
        keys = np.concatenate([inp.keys for inp in live])
        owner = np.concatenate([np.full(len(inp.keys), k) for k, inp in enumerate(live)])
        position = np.concatenate([np.arange(len(inp.keys)) for inp in live])
        return keys, owner, position, self._heap_order(live), None

    def _pieces(self, live: list[_Input], keys: Int, who: Int, at: Int) -> list[Piece]:
        """The round's records (in print order: their keys, inputs, positions) as pieces: bulk runs and text
        records, the copy filter applied."""
        pieces: list[Piece] = []
        # runs: consecutive records of one input's one batch, bulk slots following each other
        # (input << 32 | its batch) and slot of each record: the inputs' pending arrays laid end to end
        offsets = np.cumsum([0, *(len(inp.which) for inp in live[:-1])])
        at = offsets[who] + at
        batch_ids = np.concatenate([inp.which + (k << 32) for k, inp in enumerate(live)])[at]
        slots = np.concatenate([inp.slots for inp in live])[at]
        new = np.ones(len(who), bool)
        new[1:] = (batch_ids[1:] != batch_ids[:-1]) | (slots[1:] != slots[:-1] + 1) | (slots[:-1] < 0)
        new |= slots < 0
        if self.gather and not any(inp.switched or inp.notes for inp in live):
            return self._gathered(live, keys, who, batch_ids, slots, new)
        first = np.flatnonzero(new)
        # per run, as Python ints (one conversion per round, not per run): input, batch, first and last slot,
        # latest key
        run_who = who[first]
        run_batch = (batch_ids[first] - (run_who << 32)).tolist()
        run_first = slots[first].tolist()
        run_last = slots[np.append(first[1:], len(who)) - 1].tolist()
        run_latest = np.maximum.reduceat(keys, first).tolist() if len(first) else []
        starts = first.tolist()
        stops = [*starts[1:], len(who)]
        for n, k in enumerate(run_who.tolist()):
            a, b = starts[n], stops[n]
            inp = live[k]
            batch = inp.batch_of[run_batch[n]]
            slot = run_first[n]
            inp.emitted += b - a
            if inp.notes:
                self._say(inp, inp.emitted)
            if slot < 0:
                record = batch.texts[-slot - 1]
                if self._keep(record, inp):
                    pieces.append(record)
                continue
            last = run_last[n]
            if inp.switched:
                for s in range(slot, last + 1):
                    record = self._promote(batch, s)
                    if self._keep(record, inp):
                        pieces.append(record)
                continue
            win = batch.win
            assert win is not None
            begin = int(win.record_ends[slot - 1]) + 1 if slot else 0
            if self.order:
                self._evict(run_latest[n])
            pieces.append(BulkRun(win.blob[begin:int(win.record_ends[last]) + 1], batch, slot, last + 1))
            inp.remember(1, (batch, slot, last + 1))
        return pieces

    def _gathered(self, live: list[_Input], keys: Int, who: Int, batch_ids: Int, slots: Int,
                  new: npt.NDArray[np.bool_]) -> list[Piece]:
        """`_pieces` with the bulk runs gathered (`sources/_gather`): one `BulkBlock` for the runs between two
        text records, no Python turn per run.  Where no input is switched and none has warnings to say: the
        runs then need only the copy filter's eviction, which for consecutive runs is the eviction by their
        latest record (an eviction by an earlier time removes nothing more), and each input's last runs."""
        bulk = slots >= 0
        ends = np.ones(len(who), bool)
        ends[:-1] = new[1:]
        first = np.flatnonzero(new & bulk)  # where each run of bulk records starts in the round, and ends
        last = np.flatnonzero(ends & bulk)
        run_ids = batch_ids[first]
        ids, window = np.unique(run_ids, return_inverse=True)
        batches = [live[i >> 32].batch_of[i & 0xFFFFFFFF] for i in ids.tolist()]
        wins = [b.win for b in batches if b.win is not None]
        assert len(wins) == len(batches)
        run_first, run_last = slots[first], slots[last]
        begins, at = _gather.spans([w.record_ends for w in wins], window, run_first, run_last)
        gathered = _Gathered(batches, window.tolist(), run_first, run_last, begins, at.tolist())
        for k, n in enumerate(np.bincount(who, minlength=len(live)).tolist()):
            live[k].emitted += n
        # each input's runs in print order, the inputs one after the other (one stable sort, not a test per input)
        run_who = run_ids >> 32
        by_input = np.argsort(run_who, kind="stable")
        stops = np.cumsum(np.bincount(run_who, minlength=len(live))).tolist()
        for k in dict.fromkeys((ids >> 32).tolist()):  # the inputs with runs: their last runs (for `_switch`)
            mine = by_input[max(stops[k] - LAST_RUNS, stops[k - 1] if k else 0):stops[k]]
            # only the input's own batches of those runs: an input printing a run a round would otherwise keep
            # every window of its last `LAST_RUNS` rounds alive
            # (an input's runs go through its batches in file order: those between its first and last one)
            lo, hi = int(window[mine[0]]), int(window[mine[-1]]) + 1
            live[k].remember(len(mine), _Runs(batches[lo:hi], (window[mine] - lo).tolist(),
                                              run_first[mine].tolist(), (run_last[mine] + 1).tolist()))
        pieces: list[Piece] = []
        texts = np.flatnonzero(~bulk).tolist()
        done = 0
        for t, r in zip([*texts, len(who)], [*np.searchsorted(first, texts).tolist(), len(first)], strict=True):
            if r > done:  # the runs before text record t
                if self.order:
                    self._evict(int(keys[first[done]:last[r - 1] + 1].max()))
                pieces.append(BulkBlock(gathered, done, r, int(last[r - 1] - first[done]) + 1))
                done = r
            if t < len(who):
                inp = live[int(who[t])]
                record = inp.batch_of[int(batch_ids[t]) & 0xFFFFFFFF].texts[-int(slots[t]) - 1]
                if self._keep(record, inp):
                    pieces.append(record)
        return pieces

    def _heap_order(self, live: list[_Input]) -> Int:
        """`heapq.merge`'s order of the pending records, up to the first input that runs out (keys that go down)."""
        heads = [0] * len(live)
        offsets = np.cumsum([0, *(len(inp.keys) for inp in live)])
        out: list[int] = []
        while True:
            best = -1
            for k, inp in enumerate(live):
                if heads[k] < len(inp.keys) and (best < 0 or inp.keys[heads[k]] < live[best].keys[heads[best]]):
                    best = k
            if best < 0:
                break
            out.append(int(offsets[best]) + heads[best])
            heads[best] += 1
            if heads[best] == len(live[best].keys) and not live[best].done:
                break
        return np.array(out, np.int64)

    def _say(self, inp: _Input, printed: int) -> None:
        """Say the input's warnings given before its record number `printed` + 1 was read."""
        notes = inp.notes
        while notes and notes[0][0] <= printed:
            inp.say(notes.popleft()[1])

    def _refill(self, inp: _Input) -> None:
        """Read an input's next batch; where its records share a host and a pid with another input's, the
        bulk inputs among the two are switched (their records may be copies of each other)."""
        before = len(inp.batch_of)
        inp.refill()
        if len(inp.batch_of) == before:
            return
        batch = inp.batch_of[-1]
        pairs: set[tuple[str | None, int | None]] = {(t.host, t.pid) for t in batch.texts}
        if batch.win is not None:
            pairs.update((inp.host, None if p < 0 else p) for p in np.unique(batch.win.pids).tolist())
        for pair in pairs:
            if pair[0] not in self.bulk_hosts:
                continue
            first = self.seen.setdefault(pair, inp)
            if first is not inp:
                for other in (inp, first):
                    if other.bulk and other.host == pair[0] and not other.switched:
                        self._switch(other)

    def _promote(self, batch: Batch, slot: int) -> TextRecord:
        assert self.stream is not None
        return self.stream.promote(batch, slot)

    def _keep(self, record: TextRecord, inp: _Input) -> bool:
        """`drop_copies` for one record."""
        now, key, origin = record.stamp, (record.key, record.host, record.pid, record.message), record.origin
        self._evict_to(now)
        first = self.recent.get(key)
        if first is not None and first != origin:
            self.dropped += 1
            self.example = self.example or f"{first} and {origin}"
            return False
        if first is None:
            self.recent[key] = origin
            self.order.append((now, key))
        return True

    def _switch(self, owner: _Input) -> None:
        """Another input's record shares `owner`'s host and a pid: `owner`'s records printed lately enter the
        copy filter, and its records are text records from now on (each goes through the filter)."""
        owner.switched = True
        for batch, first, stop in _last_runs(owner):
            for slot in range(first, stop):
                old = self._promote(batch, slot)
                ident = (old.key, old.host, old.pid, old.message)
                if ident not in self.recent:
                    self.recent[ident] = old.origin
                    self.order.append((old.stamp, ident))

    def _evict(self, key: int) -> None:
        """`drop_copies`' eviction for a bulk run, by its last (latest) record's time."""
        self._evict_to(self._stamp(key))

    def _evict_to(self, now: float) -> None:
        order, recent = self.order, self.recent
        while order and now - order[0][0] > DUP_WINDOW_S:
            recent.pop(order.popleft()[1], None)

    def _stamp(self, key: int) -> float:
        """`Event.time.timestamp()` of a key (`key_number`)."""
        second, micro = divmod(key, 1_000_000)
        epoch = self._seconds.get(second)
        if epoch is None:
            rest, s = divmod(second, 60)
            rest, mi = divmod(rest, 60)
            rest, h = divmod(rest, 24)
            rest, d = divmod(rest, 32)
            y, mo = divmod(rest, 13)
            epoch = self._seconds[second] = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
        return (epoch * 1_000_000 + micro) / 1_000_000
