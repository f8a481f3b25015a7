"""Sources: find the inputs, open them, and hand each to the parser its content calls for.

Sources decide everything a record cannot say about itself: which file it
came from, the host and service that file belongs to, the time zone its
naive timestamps are in, and the year a journalctl line leaves out.
"""

from __future__ import annotations

import heapq
import resource
from collections.abc import Callable, Iterator, Sequence

from migtrace.model import Event
from migtrace.options import LoadOptions, ProgressHook
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._around import read_lines_around
from migtrace.sources._discover import (
    InputFile,
    default_paths,
    expand_paths,
    input_size,
    rotation_key,
    skipped_by_name,
)
from migtrace.sources._index import open_index, read_indexed
from migtrace.sources._open import decode_line
from migtrace.sources._parallel import (
    InputResult,
    default_jobs,
    not_finishing,
    read_parallel,
    read_results,
    read_serially,
    streams_of,
)
from migtrace.sources._reader import FileReader
from migtrace.sources._stream import merge_in_time
from migtrace.sources._url import is_url, local_path
from migtrace.sources._warnings import Warnings

#: descriptors kept free for everything else (stdio, temp copies, decompressors, the output)
_RESERVED_FDS = 32
#: at most this many inputs open at once even when the limit is high
_DEFAULT_BUDGET = 512

__all__ = [
    "LOCAL_JOURNAL",
    "FileReader",
    "InputFile",
    "Warnings",
    "decode_line",
    "default_jobs",
    "default_paths",
    "expand_paths",
    "input_streams",
    "is_url",
    "merge_in_time",
    "open_file_budget",
    "open_inputs",
    "read_all",
    "read_lines_around",
    "skipped_by_name",
]


def open_inputs(paths: Sequence[str], options: LoadOptions, warn: Callable[[str], None],
                terms: frozenset[str] = frozenset()) -> list[FileReader]:
    """Expand the paths and return one reader per input (nothing is read yet).

    fsspec URLs (`file://`, `s3://`…) are taken as they are, one input each,
    ordered among the files by the path they name (rotated sets oldest first).
    """
    urls = [p for p in paths if is_url(p)]
    items = expand_paths([p for p in paths if not is_url(p)], warn, follow_symlinks=options.follow_symlinks)
    if urls:
        items += [InputFile(path=u, display=u, rotation_rank=rotation_key(local_path(u) or u)) for u in urls]
        items.sort(key=lambda f: f.rotation_rank if f.path != "-" else ("", 0))
    sizes = [input_size(item.path) for item in items]
    hooks = _ByteProgress(options.progress, sizes)
    return [FileReader(item, options, warn, terms, hooks.for_input(i)) for i, item in enumerate(items)]


def read_all(readers: Sequence[FileReader], warn: Callable[[str], None],
             budget: int | None = None, *, parallel: bool = False) -> Iterator[Event]:
    """Return every reader's events merged in time order, each record once.

    `parallel`: read the inputs on worker processes (the readers' `jobs`) or
    on their Dask cluster (`client`/`scheduler`), each input whole, and merge
    their results here in the same order with the same warnings: the events
    are the same as the serial read's (sources/_parallel.py).  The read stays
    serial when there is too little to share out.

    Merging in time keeps every input open at once.  Past `budget` inputs
    (from RLIMIT_NOFILE, see `open_file_budget`) they are read in batches of
    `budget` instead: each batch is merged and held in memory, its files
    closed, before the next batch is opened; the batches are then merged.
    Every file is read either way; only the memory differs.
    """
    partial = any(r.terms for r in readers)  # a term-filtered read sees only some records
    if parallel:
        streams = input_streams(readers, warn)
        if streams is not None:
            return merge_in_time(streams, warn, partial)
    budget = open_file_budget() if budget is None else max(1, budget)
    if len(readers) <= budget:
        return merge_in_time((r.events() for r in readers), warn, partial)
    return merge_in_time((iter(_read_batch(readers[i:i + budget])) for i in range(0, len(readers), budget)), warn,
                         partial)


def input_streams(readers: Sequence[FileReader], warn: Callable[[str], None]) -> list[Iterator[Event]] | None:
    """Each reader's own event stream (in input order) as `read_all(parallel=True)` reads it, before the merge.

    From the on-disk index (`LoadOptions.cache`), the workers, or None when
    the read stays serial (then `reader.events()` are the streams).  A
    selective read joins each input's stream with what its first pass
    parsed before merging (pipeline/_reuse.py).
    """
    index = open_index(readers[0].options) if readers else None
    if index is not None:  # the on-disk index (LoadOptions.cache): unchanged inputs are not read again
        try:  # what the index stores is an input's read alone: nothing a load's workers finish (`finishing`)
            with not_finishing():
                return streams_of(readers, read_indexed(readers, index, _read_results), warn)
        finally:
            index.close()
    return read_parallel(readers, warn, readers[0].options.progress if readers else None)


def _read_results(readers: Sequence[FileReader]) -> list[InputResult]:
    """The inputs' results, on workers when worth it (as `read_all(parallel=True)`), else in this process."""
    progress = readers[0].options.progress if readers else None
    results = read_results(readers, progress)
    return results if results is not None else read_serially(readers)


def _read_batch(readers: Sequence[FileReader]) -> list[Event]:
    """Read a batch of inputs to the end (each file closed when its events end), merged in time."""
    return list(heapq.merge(*(r.events() for r in readers), key=lambda e: e.time))


def open_file_budget() -> int:
    """How many inputs may be open at once: half the soft RLIMIT_NOFILE left after a reserve, 8 at least."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return _DEFAULT_BUDGET
    if soft == resource.RLIM_INFINITY:
        return _DEFAULT_BUDGET
    return max(8, min(_DEFAULT_BUDGET, (soft - _RESERVED_FDS) // 2))


class _ByteProgress:
    """Sum the read positions of every input into one done/total pair for the progress hook."""

    def __init__(self, hook: ProgressHook | None, sizes: Sequence[int]) -> None:
        self._hook = hook
        self._done = [0] * len(sizes)
        self._total = sum(sizes)

    def for_input(self, index: int) -> Callable[[int], None] | None:
        if self._hook is None:
            return None

        def update(position: int) -> None:
            self._done[index] = position
            assert self._hook is not None
            self._hook(sum(self._done), self._total)
        return update
