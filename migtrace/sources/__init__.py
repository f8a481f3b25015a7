"""Sources: find the inputs, open them, and hand each to the parser its content calls for.

Sources decide everything a record cannot say about itself: which file it
came from, the host and service that file belongs to, the time zone its
naive timestamps are in, and the year a journalctl line leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from migtrace.model import Event
from migtrace.options import LoadOptions, ProgressHook
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._around import read_lines_around
from migtrace.sources._discover import InputFile, default_paths, expand_paths, input_size
from migtrace.sources._open import decode_line
from migtrace.sources._reader import FileReader
from migtrace.sources._stream import merge_in_time
from migtrace.sources._warnings import Warnings

__all__ = [
    "LOCAL_JOURNAL",
    "FileReader",
    "InputFile",
    "Warnings",
    "decode_line",
    "default_paths",
    "expand_paths",
    "merge_in_time",
    "open_inputs",
    "read_all",
    "read_lines_around",
]


def open_inputs(paths: Sequence[str], options: LoadOptions, warn: Callable[[str], None],
                terms: frozenset[str] = frozenset()) -> list[FileReader]:
    """Expand the paths and return one reader per input (nothing is read yet)."""
    items = expand_paths(list(paths), warn)
    sizes = [input_size(item.path) for item in items]
    hooks = _ByteProgress(options.progress, sizes)
    return [FileReader(item, options, warn, terms, hooks.for_input(i)) for i, item in enumerate(items)]


def read_all(readers: Sequence[FileReader], warn: Callable[[str], None]) -> Iterator[Event]:
    """Return every reader's events merged in time order, each record once."""
    return merge_in_time((r.events() for r in readers), warn)


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
