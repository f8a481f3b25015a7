"""Read the inputs on several cores, or on a Dask cluster, with results identical to one core.

The unit of work is one input: its events, its `FileStats`, its warnings
(each with how many events the input had given before it) and the error that
stopped it (`--strict`).  Workers only read; the main process replays each
input's result as a stream that raises its warnings (and its error) at the
same points as the serial read, and merges the streams exactly as the serial
read does.  So the merge order (same-time records keep input order), the
duplicate count, the warning order and what a stateful keep predicate sees
are the same as with `-j 1`.

What runs where: regular files (and fsspec URLs) at least `MIN_WORKER_BYTES`
big go to the workers; stdin, the local journal, tarball members and tiny
files are read in the main process while the workers run.  On a local pool,
a read that would send fewer than two inputs or under `MIN_POOL_BYTES` to
workers is not worth starting the pool for and stays serial and streaming
(`read_all`); a Dask cluster already runs, so it gets whatever it can read.
A local path sent to a cluster is opened by the worker as given: it must be
readable there at that path (a shared filesystem, a LocalCluster); an input
a worker cannot open is a warning naming it, as it would be here.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import os
import pickle
import stat
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from migtrace._rare_gc import rare_collections
from migtrace._sealed import call_sealed, call_sealed_aside, seal
from migtrace._version import __version__
from migtrace.errors import SourceError
from migtrace.model import Event, FileStats, new_event
from migtrace.options import LoadOptions, ProgressHook
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._code import package_files
from migtrace.sources._cost import costs, learn
from migtrace.sources._discover import InputFile
from migtrace.sources._held import Held, Splits, fetching, finish_of
from migtrace.sources._reader import FileReader
from migtrace.sources._scan import prepare_counting
from migtrace.sources._url import is_url, url_size
from migtrace.sources._window import WindowedTerms

if TYPE_CHECKING:  # multiprocessing and the pool are imported where workers start: a read from the index needs none
    from concurrent.futures import Future as ConcurrentFuture
    from concurrent.futures import ProcessPoolExecutor

#: an input smaller than this is read in the main process (shipping it costs more than reading it)
MIN_WORKER_BYTES = 256 << 10
#: a read sending less than this to workers in total stays serial: a pool would not pay for itself
MIN_POOL_BYTES = 8 << 20

#: how long to try reaching a --scheduler before giving up
_CONNECT_TIMEOUT_S = 30
#: how long a worker may take to take a direct connection from this client (`_reach`) before the results of the
#: load's reads are fetched through the scheduler instead (a client outside the cluster's network)
REACH_TIMEOUT_S = 3.0

#: at most this many fetches of results per read on a cluster (`_as_completed`): each is a round trip or two
FETCHES = 16

#: events per packed run (see InputResult): big enough to compress well, small enough to unpack lazily
PACK_EVENTS = 2048

#: the LoadOptions fields that only the main process uses (callbacks, the cluster itself)
_MAIN_ONLY = ("warn", "progress", "client")

#: what a worker notes of a run of events it read, beside them (`taking_notes`): {index in the run: note}, only
#: for the records it has something to say about.  A picklable module-level function (workers import it).
Annotate = Callable[[list[Event]], dict[int, Any]]

_log = logging.getLogger(__name__)


class Summarizer(Protocol):
    """What a worker sums up of one input while reading it (`summing_up`): each run, then the whole."""

    def feed(self, run: list[Event], stats: FileStats) -> None:
        """One run of the input's records (in file order), with the accounting so far."""

    def result(self, stats: FileStats) -> Any:
        """The input's summary once read (its final accounting), or None when it cannot say."""


#: a picklable module-level factory of an input's `Summarizer`, given the read's terms (workers import it)
Summarize = Callable[[frozenset[str]], Summarizer]

#: what a worker does to one input's result before it travels back (`finishing`): a picklable callable the
#: main process made for that input (pipeline/_drop.py: pass 2's join with pass 1's records, and the drop)
Finish = Callable[["InputResult"], "InputResult"]


@dataclass(slots=True)
class InputResult:
    """What reading one input gave: events, accounting, warnings at their positions, the stopping error.

    The events travel and wait for the merge packed (`_pack`: pickled and lightly compressed, in
    runs of `PACK_EVENTS`): the main process holds a few bytes per record until the merge
    unpacks them run by run, instead of every record of every input as objects at once.
    """

    packs: list[bytes]
    stats: FileStats
    #: (number of events given before the warning, the warning)
    warnings: list[tuple[int, str]]
    error: BaseException | None = None
    #: the worker's `Summarizer.result` of the input (`summing_up`), or None: none asked, or it could not say
    summary: Any = None
    #: the CPU seconds the worker's thread spent reading (and finishing) the input, or None: not measured
    #: (a result the index stored, a part rebuilt here); a later read's tasks are ordered by it (`learning_costs`)
    seconds: float | None = None


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def jobs_of(options: LoadOptions) -> int:
    """How many local worker processes a read may use (`jobs` None: all cores)."""
    return default_jobs() if options.jobs is None else max(1, options.jobs)


@rare_collections()  # wherever it runs: a Dask worker or a fork server's child starts with CPython's default
def read_input(item: InputFile, options: dict[str, Any], terms: frozenset[str],
               progress: Callable[[int], None] | None = None, annotate: Annotate | None = None,
               summarize: Summarize | None = None, finish: Finish | Held | None = None,
               windows: bytes | None = None, code: str | None = None) -> InputResult:
    """Read one input to the end (in a worker or in the main process); never raises for bad data.

    `options` is `portable(LoadOptions)`: plain data a worker process can unpickle.
    `annotate`: each packed run travels with its notes (`taking_notes`), computed here, on the worker.
    `summarize`: the input's summary travels beside its records (`summing_up`), computed here too.
    `finish`: the result as it travels back is `finish(result)` (`finishing`), made here too; on a
    cluster, where the client left it (`_held.Held`): fetched while the input is read.
    `windows`: this input's windows, packed apart from `terms` (the read's shared part: `_terms_sent`).
    `code`: the client's `code_key()`: a worker running other code reads nothing (the client's check of
    the workers runs beside a load's first tasks: `_Cluster.settled`).
    """
    if code is not None and code != code_key():
        raise SourceError(f"worker {os.getpid()}", f"runs migtrace {code_key()}, the client {code}: not read")
    started = time.thread_time()
    fetched = fetching(finish) if isinstance(finish, Held) else None
    if windows is not None:
        terms = cast(WindowedTerms, terms).with_windows(item.display, windows)
    packs: list[bytes] = []
    run: list[Event] = []
    marks: list[tuple[int, str]] = []

    def warn(message: str) -> None:
        marks.append((len(packs) * PACK_EVENTS + len(run), message))

    reader = FileReader(item, LoadOptions(**options), warn, terms, progress)
    summer = None if summarize is None else summarize(terms)
    error: BaseException | None = None
    try:
        for e in reader.events():
            run.append(e)
            if len(run) == PACK_EVENTS:
                if summer is not None:
                    summer.feed(run, reader.stats)
                packs.append(_pack(run, None if annotate is None else annotate(run)))
                run = []
    except Exception as exc:  # --strict's ParseError (or a bug): raised again where the serial read raises it
        error = exc
    if run:
        if summer is not None:
            summer.feed(run, reader.stats)
        packs.append(_pack(run, None if annotate is None else annotate(run)))
    summary = None if summer is None or error is not None else summer.result(reader.stats)
    result = InputResult(packs, reader.stats, marks, error, summary)
    if isinstance(finish, Held):
        finish = cast(Finish, finish_of(finish, cast("ConcurrentFuture[Any]", fetched)))
    if finish is not None:
        result = finish(result)
    result.seconds = time.thread_time() - started
    return result


def _read_sent(item: InputFile, options: dict[str, Any], annotate: Annotate | None, summarize: Summarize | None,
               terms: frozenset[str], finish: Finish | Held | None, windows: bytes | None, code: str) -> InputResult:
    """`read_input` as a cluster's task calls it (`call_sealed`): the sealed arguments first, then those the
    scheduler sees (the shared terms and the finish, futures it must know the task depends on)."""
    return read_input(item, options, terms, None, annotate, summarize, finish, windows, code)


#: an Event's fields as one tuple (C-level): events travel as tuples, rebuilt by `new_event` (half the
#: unpickling time of frozen dataclasses, whose state is set field by field; the on-disk index stores them so too)
_FIELDS = operator.attrgetter(*(f.name for f in fields(Event)))


def _pack(events: list[Event], notes: dict[int, Any] | None = None) -> bytes:
    """The run's rows (a list), or with the notes a worker took of them (a tuple: rows, notes)."""
    rows = _shared(events)
    return zlib.compress(pickle.dumps((rows, notes) if notes else rows, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _shared(events: list[Event]) -> list[tuple[Any, ...]]:
    """The events' rows, each repeated text of a run one object (pickle then writes it once, as a reference).

    A parser makes a new string per record for its level, logger, request, user, project and
    instance: unpickled as they were, 56 k kept records held ~8 objects each, a third of the
    peak RSS of `list` on 1 GiB.  Shared per run, they travel, unpickle and stay once per run.
    """
    texts: dict[Any, Any] = {}
    one = texts.setdefault
    rows = []
    for e in events:
        r = _FIELDS(e)
        rows.append((r[0], r[1], r[2], r[3], r[4], r[5], one(r[6], r[6]), one(r[7], r[7]), one(r[8], r[8]),
                     one(r[9], r[9]), one(r[10], r[10]), one(r[11], r[11]), one(r[12], r[12]), r[13], r[14],
                     r[15], r[16], r[17]))
    return rows


def unpack_noted(pack: bytes) -> tuple[list[Event], dict[int, Any] | None]:
    """A packed run's events and the notes a worker took of them (None: none), handed to no `taking_notes` block."""
    data = pickle.loads(zlib.decompress(pack))  # our own workers' output (or the user's own index), never logs
    if type(data) is list:
        return [new_event(*row) for row in data], None
    rows, notes = data
    return [new_event(*row) for row in rows], notes


def _unpack(pack: bytes) -> list[Event]:
    """A packed run's events (our own workers' output, or the user's own index); their notes go to the
    `taking_notes` block unpacking them, if any."""
    events, notes = unpack_noted(pack)
    active = _NOTES.current
    if notes is not None and active is not None:
        active.add(events, notes)
    return events


class Notes:
    """What the workers noted of the records they read (`Annotate`), found again by record in this process.

    A note is kept under the record's input and line with the record's message
    object: `take` gives it only for that very record as it was unpacked (the
    message travels unchanged through `Event.replace`), so a record parsed
    again elsewhere, or another record at that line, never gets another's
    note; those (and records no note was taken of) return None, and the caller
    works the answer out itself, with the same function the worker ran.
    """

    def __init__(self, annotate: Annotate) -> None:
        self.annotate = annotate
        self._by_input: dict[str, dict[int, tuple[str, Any]]] = {}

    def add(self, events: Sequence[Event], notes: dict[int, Any]) -> None:
        """Keep the notes of a run of unpacked events (by index in the run)."""
        by_input = self._by_input
        source: str | None = None
        lines: dict[int, tuple[str, Any]] = {}
        for i, note in notes.items():
            e = events[i]
            if e.source is not source:  # a run is one input's: looked up once
                source = e.source
                lines = by_input.setdefault(source, {})
            lines[e.lineno] = (e.message, note)

    def take(self, event: Event) -> Any | None:
        """The note of this record (and forget it), or None: none was taken, or of another record there."""
        lines = self._by_input.get(event.source)
        if lines is None:
            return None
        entry = lines.get(event.lineno)
        if entry is None or entry[0] is not event.message:
            return None
        del lines[event.lineno]
        return entry[1]


_T = TypeVar("_T")


class _PerThread(threading.local, Generic[_T]):
    """A value one block sets for the reads inside it, per thread (`holding`); None outside any block.

    Per thread: two loads in two threads (a notebook's, a server's) each read with their own.
    """

    def __init__(self) -> None:
        self.current: _T | None = None

    @contextmanager
    def holding(self, value: _T | None) -> Iterator[None]:
        """`value` for the block, the outer block's back after it (also on an error)."""
        outer, self.current = self.current, value
        try:
            yield
        finally:
            self.current = outer


#: the `Notes` the reads of one `taking_notes()` block fill
_NOTES: _PerThread[Notes] = _PerThread()


@contextmanager
def taking_notes(annotate: Annotate) -> Iterator[Notes]:
    """Let the worker reads inside send each run of records with `annotate`'s notes of it (kept in the `Notes`).

    The main process then looks a record's note up instead of working it out
    again (pipeline: pass 1's phase-marker matches, `MarkerSet.match`): work
    that was serial runs on the workers.  Reads in this process (`-j 1`,
    stdin, the journal, small files) take no notes: their records are worked
    out where used, by the same function.  The notes live for the block only
    (one read): kept longer, for records used later, they would hold memory
    that grows with the records read.  Nested: the outer block's notes.
    """
    if _NOTES.current is not None:
        yield _NOTES.current
        return
    _NOTES.current = Notes(annotate)
    try:
        yield _NOTES.current
    finally:
        _NOTES.current = None


def current_notes() -> Notes | None:
    """The notes of the enclosing `taking_notes()` block, if any."""
    return _NOTES.current


#: the `Summarize` the worker reads of one `summing_up()` block run
_SUMMING: _PerThread[Summarize] = _PerThread()


def summing_up(summarize: Summarize) -> AbstractContextManager[None]:
    """Let the worker reads inside send each input's summary (`Summarizer`) beside its records.

    The replayed stream carries it (`Replay.summary`): the main process folds
    per-input summaries together instead of going over every record (pipeline:
    pass 1's `MoveFinder`).  Reads in this process, and results the index had
    stored without one, carry None: their records are gone over as before.
    """
    return _SUMMING.holding(summarize)


#: the per-input `Finish` maker the worker reads of one `finishing()` block use
_FINISHING: _PerThread[Callable[[str], Finish | None]] = _PerThread()


def finishing(finish_of: Callable[[str], Finish | None] | None) -> AbstractContextManager[None]:
    """Let the worker reads inside finish each input's result there (`read_input(finish=…)`) before it travels.

    `finish_of(path)` (called here, in the main process, once per input sent to a worker, with the
    input's `FileStats.path`) gives that input's picklable `Finish`, or None.  Inputs read in this
    process and results from the on-disk index are never finished (`not_finishing`): the index
    stores what an input's read gave, whatever the load around it.  None: no finishing inside.
    """
    return _FINISHING.holding(finish_of)


#: what the main process does with each input's result as it arrives (`arriving`)
_ARRIVING: _PerThread[Callable[[str, InputResult], None]] = _PerThread()


def arriving(take: Callable[[str, InputResult], None] | None) -> AbstractContextManager[None]:
    """Give each worker result of the reads inside to `take(path, result)` in this process as soon as it arrives.

    The reads hand their results back when the last one is in; per-input work of the caller's
    (pipeline/_drop.py: unpacking pass 2's records) then runs while the other inputs are still
    read instead of after the last.  `take` runs in the thread that reads, inside its
    `taking_notes` block, in the order the inputs end (never the input order): it must not depend
    on it, and must not change the result (the on-disk index may store it).  Inputs read in this
    process and the index's own results are not given.  None: nothing taken inside.
    """
    return _ARRIVING.holding(take)


def not_finishing() -> AbstractContextManager[None]:
    """A block whose reads finish nothing (the on-disk index's: its entries must not depend on the load)."""
    return finishing(None)


#: the packed form of a run of events, for the pipeline's own holding (a selective read's pass-1 records)
pack_events = _pack
unpack_events = _unpack


class Replay(Iterator[Event]):
    """An input's replayed stream (`replay`); `packs` are its events as they travelled, packed in file order.

    A selective read keeps pass 1's records for pass 2 (pipeline/_reuse.py): it keeps these packs
    as they are instead of packing every record again.
    """

    def __init__(self, result: InputResult, warn: Callable[[str], None]) -> None:
        self.packs = tuple(result.packs)
        #: the worker's summary of the input (`summing_up`), or None
        self.summary = getattr(result, "summary", None)  # an entry an older index stored has no such slot
        #: the error that stopped the input (raised at the stream's end), or None
        self.error = result.error
        self._marks = result.warnings
        self._warn = warn
        self._events = _replay(result, warn)

    def __next__(self) -> Event:
        return next(self._events)

    def unread(self) -> Iterator[Event]:
        """The stream without its records: its warnings given now, none of its packs unpacked.

        For a caller that has what it needs of the records another way (their `packs`, the
        `summary`) and raises no error (`error` is None: an error is raised where the records end).
        """
        for _, message in self._marks:
            self._warn(message)
        return iter(())


def replay(result: InputResult, warn: Callable[[str], None]) -> Replay:
    """Yield an input's events, passing on each warning (and raising the error) where the serial read did."""
    return Replay(result, warn)


def _replay(result: InputResult, warn: Callable[[str], None]) -> Iterator[Event]:
    marks = result.warnings
    k = 0
    i = 0
    packs = result.packs
    while packs:
        for e in _unpack(packs.pop(0)):  # each run freed once unpacked
            while k < len(marks) and marks[k][0] <= i:
                warn(marks[k][1])
                k += 1
            i += 1
            yield e
    for _, message in marks[k:]:
        warn(message)
    if result.error is not None:
        raise result.error


def portable(options: LoadOptions) -> dict[str, Any]:
    """Return the options as plain picklable keywords, without the main process's callbacks and client."""
    out: dict[str, Any] = {}
    for f in fields(LoadOptions):
        if f.name in _MAIN_ONLY:
            continue
        value = getattr(options, f.name)
        out[f.name] = dict(value) if f.name in ("tz_by_path", "host_aliases") else value
    return out


def worker_size(item: InputFile) -> int | None:
    """The size of an input a worker can read on its own (a regular file or a URL), else None."""
    if item.skip is not None or item.member is not None or item.path in ("-", LOCAL_JOURNAL):
        return None
    if is_url(item.path):
        return url_size(item.path)
    try:
        st = os.stat(item.path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def plan(readers: Sequence[FileReader], local_jobs: int, remote: bool) -> list[bool] | None:
    """Return which readers go to workers, or None when the read should stay serial."""
    if not readers or (not remote and local_jobs < 2):
        return None
    sizes = [worker_size(r.item) for r in readers]
    urls = [is_url(r.item.path) for r in readers]
    chosen = [u or (s is not None and s >= MIN_WORKER_BYTES) for s, u in zip(sizes, urls, strict=True)]
    if remote:  # a running cluster costs nothing to start: everything it can read goes there
        return chosen if any(chosen) else None
    total = sum(s or 0 for s, c in zip(sizes, chosen, strict=True) if c)
    if sum(chosen) < 2 or total < MIN_POOL_BYTES:
        return None
    return chosen


def read_parallel(readers: Sequence[FileReader], warn: Callable[[str], None],
                  progress: ProgressHook | None = None) -> list[Iterator[Event]] | None:
    """Read the readers' inputs on workers; return each one's replayed stream, in input order.

    Each reader's `stats` is replaced by the worker's.  Returns None (nothing
    read) when the read is better done serially (see `plan`).
    """
    results = read_results(readers, progress)
    return None if results is None else streams_of(readers, results, warn)


def streams_of(readers: Sequence[FileReader], results: Sequence[InputResult],
               warn: Callable[[str], None]) -> list[Iterator[Event]]:
    """Each input's result replayed as its stream (the reader's `stats` become the result's)."""
    streams: list[Iterator[Event]] = []
    for reader, result in zip(readers, results, strict=True):
        reader.stats = result.stats
        streams.append(replay(result, warn))
    return streams


def read_serially(readers: Sequence[FileReader]) -> list[InputResult]:
    """Each input's result, read one after the other in this process (each reporting its own progress)."""
    spec = portable(readers[0].options) if readers else {}
    return [read_input(r.item, spec, r.terms, r.progress) for r in readers]


def read_results(readers: Sequence[FileReader], progress: ProgressHook | None = None) -> list[InputResult] | None:
    """Read the readers' inputs on workers; return each one's result, in input order (None: see `plan`)."""
    options = readers[0].options if readers else LoadOptions()
    cluster = _cluster(options)
    try:
        chosen = plan(readers, jobs_of(options), cluster is not None)
        if chosen is None:
            if cluster is not None:
                cluster.settled()  # a cluster on other code is refused even when this read does not use it
            return None
        return _read_chosen(readers, chosen, options, cluster, progress)
    except BaseException:
        if cluster is not None:
            cluster.settled()  # a worker on other code: the check's error, not what sending it data did
        raise
    finally:
        _done_with(cluster)


def _read_chosen(readers: Sequence[FileReader], chosen: Sequence[bool], options: LoadOptions,
                 cluster: _Cluster | None, progress: ProgressHook | None) -> list[InputResult]:
    """Read the chosen inputs on the cluster (or the local pool) and the others here; each result in input order."""
    spec = portable(options)
    sizes = [worker_size(r.item) or 0 for r in readers]
    done = [0] * len(readers)
    total = sum(sizes)

    def report(index: int) -> None:
        done[index] = sizes[index]
        if progress is not None:
            progress(sum(done), total)

    # the costliest inputs first: the last input a worker starts is a cheap one, so the workers finish
    # together instead of one reading a costly input alone at the end (longest-first scheduling; `_cost`)
    sent = [(i, r) for i, r in enumerate(readers) if chosen[i]]
    cost = costs([r.item for _, r in sent], [sizes[i] for i, _ in sent], [r.terms for _, r in sent])
    order = sorted(range(len(sent)), key=lambda k: -cost[k])
    remote = [sent[k] for k in order]
    results: list[InputResult | None] = [None] * len(readers)
    annotate = None if _NOTES.current is None else _NOTES.current.annotate
    finish_of = _FINISHING.current
    take = _ARRIVING.current
    # each input with its own terms (a targeted read searches self-naming lines only where needed); a
    # cluster's tasks have theirs replaced below, sent in two parts (`_terms_sent`): no file's cut made here
    # a worker opens each input by an absolute path: its working directory is not this process's
    calls = [(r.item.sent_elsewhere(), spec, r.terms if cluster is not None else _own_terms(r), None, annotate,
              _SUMMING.current,
              None if finish_of is None else finish_of(r.stats.path)) for _, r in remote]
    def taken(index: int, result: InputResult) -> None:
        """One input's result in: kept in input order, its cost learnt for a later read, reported, handed on."""
        results[index] = result
        learn(readers[index].item.display, result.seconds)
        report(index)
        if take is not None:
            take(result.stats.path, result)

    if cluster is not None:
        futures, finishes = _submitted(cluster, remote, calls, [cost[k] for k in order])
        _read_here(readers, chosen, spec, results, report)
        for i, result in _as_completed(cluster, futures, [i for i, _ in remote]):
            finishes.pop(i, None)  # its task is done: the worker holding its finish may free it
            taken(i, result)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed  # noqa: PLC0415 - see TYPE_CHECKING

        shared = _SESSION.pool(jobs_of(options), sum(sizes))
        if shared is None:
            prepare_counting(sum(sizes))  # the workers fork with numpy imported once, not each on its own
        with (nullcontext(shared) if shared is not None
              else ProcessPoolExecutor(min(jobs_of(options), len(remote)), mp_context=_context())) as pool:
            pending = {pool.submit(read_input, *call): i for (i, _), call in zip(remote, calls, strict=True)}
            _read_here(readers, chosen, spec, results, report)
            for future in as_completed(pending):  # each result taken (and reported) when it is done
                taken(pending[future], future.result())
    return [r for r in results if r is not None]


def _submitted(cluster: _Cluster, remote: Sequence[tuple[int, FileReader]], calls: list[tuple[Any, ...]],
               weights: Sequence[float]) -> tuple[list[Any], dict[int, Any]]:
    """The calls submitted to the cluster as sealed tasks; and each input's finish future by input index,
    for the caller to hold until that input's result is taken (its task names it only: `_held`)."""
    # the part the inputs' terms share sent once to each worker, each task's own windows packed beside it
    shares = _terms_sent(cluster, [r for _, r in remote])
    key = code_key()
    named, held = _scattered(cluster, calls, weights)
    # each task sealed (`_sealed`): the scheduler imports none of migtrace to take the graph
    tasks = [(seal(_read_sent, call[0], call[1], call[4], call[5]), terms, call[6], windows, key)
             for call, (terms, windows) in zip(named, shares, strict=True)]
    finishes = {i: future for (i, _), future in zip(remote, held, strict=True) if future is not None}
    return cluster.client.map(call_sealed, *zip(*tasks, strict=True), pure=False), finishes


def _scattered(cluster: _Cluster, calls: list[tuple[Any, ...]],
               weights: Sequence[float]) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """The calls with their `Finish`es sent to the workers ahead (`client.scatter`), each task naming its own
    (`_held.Held`); and each call's finish future (None: it has none), for the caller to hold until its task ends.

    A finish carries its input's records of an earlier pass (pipeline/_drop.py): megabytes over a big set,
    which in the graph would be copied through the scheduler and make distributed warn of a large graph.
    Given to its task as a future, it tied the task to the worker holding it (distributed never queues such a
    task): the tasks were split between the workers before any ran, and the worker whose share was
    overestimated idled at the end.  Named by key, it leaves the task free to run on whichever worker frees up
    first, which fetches the finish while it reads (`_held.fetching`).  Each finish still goes where its task
    will most likely run: the workers of a longest-first plan of the calls' costs (`weights`, `_planned`),
    which is how the scheduler hands out the queued tasks, costliest first, when the costs are right.  A
    worker the plan names that cannot take its share (it paused or left since): that share goes anywhere.
    The part all finishes share (`_held.Splits`) goes once to each worker, a dependency of every task.
    """
    finishes = [(k, call[6]) for k, call in enumerate(calls) if call[6] is not None]
    held: list[Any] = [None] * len(calls)
    if not finishes:
        return calls, held
    out = list(calls)
    client = cluster.client
    parts: list[tuple[Any, Any]] = []  # (what is scattered per input, the shared part or None)
    shared: dict[int, Any] = {}  # id of a shared part -> the part, sent once to each worker
    for _, finish in finishes:
        split = getattr(finish, "split_shared", None)
        own, common = cast(Splits, finish).split_shared() if split is not None else (finish, None)
        if common is not None:
            shared.setdefault(id(common), common)
        parts.append((own, common))
    sent_shared = dict(zip(shared, client.scatter(list(shared.values()), broadcast=True, hash=False,
                                                   direct=cluster.route), strict=True)) if shared else {}
    for worker, group in _planned(cluster, [weights[k] for k, _ in finishes]).items():
        data = [parts[j][0] for j in group]
        holder = worker
        try:
            sent = client.scatter(data, hash=False, direct=cluster.route,
                                  **({} if worker is None else {"workers": [worker], "timeout": REACH_TIMEOUT_S}))
        except (TimeoutError, ValueError, KeyError, OSError) as exc:  # not there now: anywhere
            _log.debug("pass 2's finishes for %s sent anywhere: %s", worker, exc)
            sent, holder = client.scatter(data, hash=False, direct=cluster.route), None
        for j, future in zip(group, sent, strict=True):
            k, common = finishes[j][0], parts[j][1]
            held[k] = future
            out[k] = (*calls[k][:6], Held(future.key, holder, calls[k][0].display,
                                          None if common is None else sent_shared[id(common)]))
    return out, held


def _planned(cluster: _Cluster, weights: Sequence[float]) -> dict[str | None, list[int]]:
    """The tasks (by position, costliest first) each running worker should hold: each to the least loaded
    per thread (longest-first).  One round trip to the scheduler for the running workers' threads (as a
    scatter asks); None (anywhere: distributed's round robin) when fewer than two run.
    """
    running = cluster.client.sync(cluster.client.scheduler.ncores_running)
    threads = {w: n for w, n in sorted(running.items()) if n > 0}
    if len(threads) < 2:
        return {None: list(range(len(weights)))}
    load = dict.fromkeys(threads, 0.0)
    plan: dict[str | None, list[int]] = {w: [] for w in threads}
    for j in sorted(range(len(weights)), key=lambda j: -weights[j]):
        worker = min(load, key=lambda w: (load[w] / threads[w], w))
        load[worker] += weights[j]
        plan[worker].append(j)
    return {w: group for w, group in plan.items() if group}


def _terms_sent(cluster: _Cluster, readers: Sequence[FileReader]) -> list[tuple[Any, bytes | None]]:
    """Each reader's terms as its task takes them: (the shared part, its own file's windows packed, or None).

    The part a read's inputs share (`WindowedTerms.shared`: the ids, the vocabulary) goes once to
    each worker (`client.scatter(broadcast=True)`; a task names it by its future) instead of inside
    every task: the scheduler unpickled ~60 KB of set and window objects a task on 100 hosts, pickled
    them again for the worker, and the worker unpickled them, all while the workers read.  What
    differs per input, its own windows (`WindowedTerms.windows_of`), travels as bytes.  Empty terms
    (a full read) travel as they are.
    """
    shared: dict[int, Any] = {}
    for r in readers:
        if (r.terms or isinstance(r.terms, WindowedTerms)) and id(r.terms) not in shared:
            shared[id(r.terms)] = r.terms.shared() if isinstance(r.terms, WindowedTerms) else r.terms
    futures = dict(zip(shared, cluster.client.scatter(list(shared.values()), broadcast=True, hash=False,
                                                       direct=cluster.route), strict=True)) if shared else {}
    return [(futures.get(id(r.terms), r.terms),
             r.terms.windows_of(r.item.display) if isinstance(r.terms, WindowedTerms) else None) for r in readers]


def _own_terms(reader: FileReader) -> frozenset[str]:
    """The reader's terms as its worker needs them: a windowed read's windows of its own file alone (`for_file`)."""
    for_file = getattr(reader.terms, "for_file", None)
    return reader.terms if for_file is None else for_file(reader.item.display)


class _Session(threading.local):
    """The local pool the reads of one `shared_pool()` block share, per thread (outside one: a pool per read)."""

    def __init__(self) -> None:
        self.active = False
        self.shared: ProcessPoolExecutor | None = None

    def pool(self, jobs: int, total: int) -> ProcessPoolExecutor | None:
        """The block's pool, started by its first read (its workers count newlines with numpy: imported there)."""
        if not self.active:
            return None
        if self.shared is None:
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - see TYPE_CHECKING

            self.shared = ProcessPoolExecutor(jobs, mp_context=_context(),
                                              initializer=prepare_counting, initargs=(total,))
        return self.shared


_SESSION = _Session()


@contextmanager
def shared_pool() -> Iterator[None]:
    """Let the local reads inside share one worker pool (a selective read's passes), shut down at the end.

    The workers fork once for every pass and import numpy themselves (`prepare_counting` as their
    initializer): the main process, which never counts newlines, does not hold it (11 MiB of its
    peak RSS), and the workers import it once per read of the set, not once per pass.
    """
    if _SESSION.active:  # nested: the outer block's pool
        yield
        return
    _SESSION.active = True
    try:
        yield
    finally:
        pool, _SESSION.shared, _SESSION.active = _SESSION.shared, None, False
        if pool is not None:
            pool.shutdown()


def _as_completed(cluster: _Cluster, futures: list[Any], indexes: Sequence[int]) -> Iterator[tuple[int, InputResult]]:
    """Each input's result from the cluster soon after its task ends (index, result), in the order they end.

    Fetched a few at a time while the other workers still read (`client.gather` of the whole list would
    wait for the last task before fetching any), from the workers themselves where this client reaches
    them (`_Cluster.direct`), else through the scheduler; an input's failure raises, as the gather does.
    A fetch is a round trip or two (who holds the results, then the data): up to `FETCHES` of them per
    read, not one per input.  Each future is let go once fetched: its worker frees the result.
    """
    from distributed import as_completed as finished  # noqa: PLC0415 - the dask extra: a client exists

    try:
        cluster.settled()  # no result is taken before every worker is known to run this code
    except BaseException:
        cluster.client.cancel(futures)
        raise
    index_of = {future.key: i for future, i in zip(futures, indexes, strict=True)}
    least = max(1, len(futures) // FETCHES)
    ending = finished(futures)  # type: ignore[no-untyped-call]
    futures.clear()  # `ending` holds each future until it is done; this list would hold it to the read's end
    done: list[Any] = []
    for batch in ending.batches():  # type: ignore[no-untyped-call]
        done += batch
        del batch
        if len(done) < least and ending.count():  # type: ignore[no-untyped-call]
            continue  # more to come: fetched with the next ones
        results = cluster.client.gather(done, direct=cluster.direct)
        keys = [future.key for future in done]
        done = []
        for key, result in zip(keys, results, strict=True):
            yield index_of[key], result


def _read_here(readers: Sequence[FileReader], chosen: Sequence[bool], spec: dict[str, Any],
               results: list[InputResult | None], report: Callable[[int], None]) -> None:
    """Read the inputs that stay in the main process (stdin, tar members, small files)."""
    for i, r in enumerate(readers):
        if not chosen[i]:
            results[i] = read_input(r.item, spec, r.terms)
            report(i)


def _context() -> Any:
    """Fork on Linux (workers start with everything imported) unless threads run here (a Dask client, a
    notebook's): forking them is unsafe, so the workers then start from a fork server."""
    if sys.platform.startswith("linux"):
        import multiprocessing  # noqa: PLC0415 - see TYPE_CHECKING

        return multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
    return None


@dataclass(slots=True)
class _Cluster:
    """A Dask client as the reads of a load use it: its workers checked, and how their results travel.

    Worked out once per client (`_cluster`): a load's reads (a selective read's passes, the
    evidence read) then pay no connection, no round trip to every worker and no teardown each.
    """

    client: Any
    #: connected here (`--scheduler`), closed when its reads end; a client the caller gave is never closed
    owned: bool
    #: fetch results from the workers themselves (`_reach`: each took a connection), else through the scheduler
    direct: bool
    #: the workers whose migtrace was checked (`check_workers`)
    checked: set[str]
    #: the address it was connected to (`--scheduler`), None when given
    scheduler: str | None = None
    #: the first check of its workers and of the way results travel, while the first read's tasks start
    #: (`_checking`); None once `settled`
    checking: ConcurrentFuture[None] | None = None

    def settled(self) -> _Cluster:
        """This cluster once its workers are checked (raise the check's SourceError): before any result is taken."""
        checking, self.checking = self.checking, None
        if checking is not None:
            checking.result()
        return self

    @property
    def route(self) -> bool:
        """Send data to the workers themselves: once decided (`_decide_direct`), else through the scheduler."""
        return self.direct and self.checking is None


class _Clients(threading.local):
    """The cluster the reads of one `one_client()` block share, per thread (outside one: a client per read)."""

    def __init__(self) -> None:
        self.active = False
        self.cluster: _Cluster | None = None


_CLIENTS = _Clients()


@contextmanager
def one_client() -> Iterator[None]:
    """Let the Dask reads inside (a load's passes) share one client, closed at the end if migtrace made it.

    Its first read connects (`--scheduler`), checks every worker's migtrace and tries a direct
    connection to each; the later reads check only workers that joined since.  Nested: the outer
    block's client.  No effect on local reads (`shared_pool()` is theirs).
    """
    if _CLIENTS.active:
        yield
        return
    _CLIENTS.active = True
    try:
        yield
    finally:
        cluster, _CLIENTS.cluster, _CLIENTS.active = _CLIENTS.cluster, None, False
        if cluster is not None and cluster.owned:
            cluster.client.close()


def _cluster(options: LoadOptions) -> _Cluster | None:
    """The cluster to read on: the `one_client()` block's when it is this read's, else one made now.

    The one given (`options.client`) or one connected to `options.scheduler`; its workers checked to run
    this migtrace (`check_workers`: on a block's later reads, only the workers that joined since).
    """
    if options.client is None and not options.scheduler:
        return None
    kept = _CLIENTS.cluster
    if kept is not None and (kept.client is options.client if options.client is not None
                             else kept.owned and kept.scheduler == options.scheduler):
        _check_joined(kept)
        return kept
    cluster = _made(options)
    if _CLIENTS.active and kept is None:
        _CLIENTS.cluster = cluster
    return cluster


def _made(options: LoadOptions) -> _Cluster:
    """A new `_Cluster`: connected (unless given); every worker's check and the way results travel under way
    (`_checking`), settled before its first result is taken."""
    if options.client is not None:
        client = options.client
    else:
        try:
            from distributed import Client  # noqa: PLC0415 - an optional extra, needed only with a cluster
        except ImportError as exc:
            raise SourceError(f"scheduler {options.scheduler}", "needs the dask extra: pip install 'migtrace[dask]'") \
                from exc
        try:
            client = Client(options.scheduler, timeout=_CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise SourceError(f"scheduler {options.scheduler}", f"cannot connect: {exc}") from exc
    owned = options.client is None
    cluster = _Cluster(client, owned, True, set(), options.scheduler if owned else None)
    cluster.checking = _checking(cluster)
    return cluster


def _checking(cluster: _Cluster) -> ConcurrentFuture[None]:
    """Check every worker (`check_workers`) and decide how results travel (`_decide_direct`), in a thread.

    Two round trips to every worker (the first works its code key out) that no longer hold up a
    load's first tasks: they are sent meanwhile, each carrying this client's code key, which a
    worker on other code refuses to read with (`read_input`); no result is taken before the
    check has answered (`_Cluster.settled`), whose error names the worker.  The client is closed
    where it would be anyway: at the end of its read or of its `one_client()` block.
    """
    from concurrent.futures import Future as ConcurrentFuture  # noqa: PLC0415 - see TYPE_CHECKING

    checking: ConcurrentFuture[None] = ConcurrentFuture()

    def check() -> None:
        try:
            cluster.checked |= check_workers(cluster.client)
            _decide_direct(cluster, sorted(cluster.checked))
        except BaseException as exc:  # handed to the reader, who raises it (`settled`)
            checking.set_exception(exc)
        else:
            checking.set_result(None)

    threading.Thread(target=check, name="migtrace-check-workers", daemon=True).start()
    return checking


def _done_with(cluster: _Cluster | None) -> None:
    """After a read: close a client migtrace made, unless a `one_client()` block keeps it for its next reads."""
    if cluster is not None and cluster.owned and cluster is not _CLIENTS.cluster:
        cluster.client.close()


def _check_joined(cluster: _Cluster) -> None:
    """Check the workers that joined the cluster since its last check, and whether this client reaches them."""
    cluster.settled()
    joined = sorted(set(cluster.client.nthreads()) - cluster.checked)  # one round trip to the scheduler
    if joined:
        cluster.checked |= check_workers(cluster.client, joined)
        _decide_direct(cluster, joined)


def _decide_direct(cluster: _Cluster, workers: list[str]) -> None:
    """Fetch results from the workers themselves only if this client reaches each of them (say which, at debug).

    Through the scheduler every result is copied twice (worker, scheduler, client) and the
    scheduler's CPU competes with the workers'; a client outside the cluster's network, though,
    reaches only the scheduler.  Decided on evidence: a connection to each worker, taken within
    `REACH_TIMEOUT_S` (kept for the first fetch).  A client given with `direct_to_workers` set is
    taken at its word.
    """
    where = f"scheduler {getattr(cluster.client.scheduler, 'address', '?')}"
    said = None if cluster.owned else getattr(cluster.client, "direct_to_workers", None)
    if said is not None:
        cluster.direct = bool(said)
        _log.debug("%s: results fetched %s (the client's direct_to_workers)", where,
                   "from the workers directly" if cluster.direct else "through the scheduler")
        return
    if not cluster.direct or not workers:
        return
    missed = _reach(cluster.client, workers)
    if missed:
        cluster.direct = False
        worker, why = next(iter(sorted(missed.items())))
        _log.debug("%s: results fetched through the scheduler: %d of %d workers not reached from here "
                   "(%s: %s)", where, len(missed), len(workers), worker, why)
    else:
        _log.debug("%s: results fetched from the workers directly (%d reached)", where, len(workers))


def _reach(client: Any, workers: list[str]) -> dict[str, str]:
    """The workers this client could not open a connection to within `REACH_TIMEOUT_S`, each with the reason."""
    import asyncio  # noqa: PLC0415 - a cluster's client only: a local or indexed read starts without it

    async def one(worker: str) -> str | None:
        try:
            comm = await asyncio.wait_for(client.rpc.connect(worker), REACH_TIMEOUT_S)
        except Exception as exc:  # refused, timed out, a handshake that failed: not reached, whatever the cause
            return " ".join(f"{type(exc).__name__}: {exc}".split())
        client.rpc.reuse(worker, comm)  # the pool's connection: the first fetch from that worker takes it
        return None

    async def every() -> list[str | None]:
        return list(await asyncio.gather(*(one(w) for w in workers)))

    found: list[str | None] = client.sync(every)
    return {w: why for w, why in zip(workers, found, strict=True) if why is not None}


#: this process's `code_key()`, worked out once
_CODE_KEY: str | None = None


def code_key() -> str:
    """migtrace's version and a digest of its files' bytes (`_code.package_files`), as this process has them.

    Workers that run other code than the client's cannot be trusted to give the
    same records (the packs' layout, the notes, the rules differ); a rolling
    upgrade that left a worker behind was seen to hang a load without a word.
    Bytes, not times (the index's `code_digest`): the workers may be other machines.
    """
    global _CODE_KEY  # noqa: PLW0603 - one value per process, worked out on first use
    if _CODE_KEY is None:
        digest = hashlib.sha256()
        for name, path in package_files():
            data = path.read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        _CODE_KEY = f"{__version__} ({digest.hexdigest()[:12]})"
    return _CODE_KEY


def check_workers(client: Any, workers: Sequence[str] | None = None) -> set[str]:
    """Raise a SourceError naming the scheduler when a worker runs another migtrace than this client's.

    One round trip to each worker (`workers`: those only), whose key is worked out once per worker
    process; returns the workers checked.  A load checks every worker on its first read and, on its
    later reads, the workers that joined the cluster since (`_check_joined`).
    """
    where = f"scheduler {getattr(client.scheduler, 'address', '?')}"
    ours = code_key()
    try:
        # worked out in a thread of each worker (`call_sealed_aside`): its event loop takes the load's first scatter
        # and tasks meanwhile, instead of waiting for the worker to import migtrace for the check
        theirs: dict[str, str] = client.run(call_sealed_aside, seal(code_key),
                                            workers=None if workers is None else list(workers))
    except Exception as exc:  # a worker without this function (an older migtrace), or one that cannot run it
        said = " ".join(str(exc).split())  # one line, whatever the worker's error says
        raise SourceError(where, f"cannot ask the workers which migtrace they run ({type(exc).__name__}: {said}); "
                                 f"this client runs migtrace {ours}: start the workers with the same migtrace") \
            from exc
    for worker, key in sorted(theirs.items()):
        if key != ours:
            raise SourceError(where, f"worker {worker} runs migtrace {key}, this client {ours}: "
                                     "start the workers with the same migtrace")
    return set(theirs)
