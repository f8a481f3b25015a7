"""One opened input as parsers see it (`parsers._base.InputData`): head, lines, stream, file.

The sources layer does everything that depends on how the bytes arrived —
decompression, paste decorations, the raw-text prefilter of targeted
queries, progress — so that every parser reads the same kind of object
whatever its format needs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from migtrace.model import FileStats
from migtrace.parsers._base import Head, Line, LineBlock, ParseContext
from migtrace.parsers._header import RECORD_START
from migtrace.parsers.opensearch import document_kind, documents
from migtrace.parsers.wrappers import (
    Decoration,
    detect,
    has_markdown_escapes,
    is_quoted_printable,
    peel,
    unquote_printable,
    unwrap,
    wrap_width,
)
from migtrace.sources._open import MAX_LINE_CHARS, WINDOW_BYTES, Peekable, cr_only, head_lines, numbered, split_cr
from migtrace.sources._scan import engine_name, matcher_for, targeted_raw_lines, targeted_windows, windows_enabled

#: How many lines pass between two progress reports.
PROGRESS_EVERY = 4096

#: what `strip_ansi` may remove (the oslo parser's per-line test of a plain header, as bytes): a block whose
#: window holds none of them (nor a `==> file <==` line, nor a NUL) is `clean` (`parsers._base.LineBlock`)
_ESCAPE_TEXTS = frozenset({"\x1b", "#033", "^[", ";3", "[0"})
#: bytes per block of `FileInput.blocks` (about: a block is whole lines; tests make it small to cross block ends)
BLOCK_BYTES = WINDOW_BYTES


class FileInput:
    """An input opened for parsing; built by the reader, consumed once by one parser."""

    def __init__(self, path: str, peek: Peekable, ctx: ParseContext, *, plain_file: bool,
                 position: Callable[[], int] | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self._path = path
        self._peek = peek
        self._ctx = ctx
        self._plain_file = plain_file
        self._position = position
        self._progress = progress
        text = head_lines(peek.head)
        # an export that is a document, not lines (a `_search` page, a Discover CSV): its hits become lines
        self._document = document_kind(text)
        if self._document is not None:
            text = [t for _, t in documents(enumerate(text, 1), self._document)]
        self._quoted = is_quoted_printable(text)
        if self._quoted:
            text = [t for _, t in unquote_printable(enumerate(text, 1))]
        self._width = wrap_width(text)
        if self._width is not None:
            text = [t for _, t in unwrap(enumerate(text, 1), self._width)]
        self._decorations: tuple[Decoration, ...] = detect(text)
        self._markdown = has_markdown_escapes(text)
        scratch = ParseContext(path="<head>", stats=FileStats(path="<head>"), tz=ctx.tz)
        peeled = tuple(h for _, h in peel(enumerate(text, 1), scratch, self._decorations, self._markdown))
        self._head = Head(path=path, data=peek.head, lines=peeled)

    @property
    def head(self) -> Head:
        """The first bytes and (peeled) lines of the input."""
        return self._head

    @property
    def decorations(self) -> tuple[Decoration, ...]:
        """The paste decorations found in the head (peeled from every line)."""
        return self._decorations

    @property
    def plain_lines(self) -> bool:
        """True when every raw line is a log line as written (no paste decorations, wrapping or quoting)."""
        if (self._quoted or self._width is not None or self._decorations or self._markdown
                or self._document is not None or cr_only(self._peek.head)):
            return False
        # raw terms are searched in the bytes as written: a line inside an envelope that escapes its
        # text (container JSON, CSV, CRI prefixes) may spell a term differently, so most head lines
        # must start a record as themselves (oslo, or oslo behind a syslog prefix)
        lines = [raw for raw in self._peek.head.splitlines() if raw.strip()]
        return sum(1 for raw in lines if RECORD_START.match(raw)) * 2 >= len(lines) > 0

    def lines(self) -> Iterator[Line]:
        """Yield every decoded line, decorations peeled, prefiltered when the context has terms."""
        crs = cr_only(self._peek.head)
        if self._ctx.terms and not crs and windows_enabled():
            # the bytes are searched window by window; only the lines around hits are split out
            lines: Iterator[Line] = targeted_windows(self._peek.windows(), self._ctx.terms, self._ctx.stats)
        else:
            raw = split_cr(self._peek.raw()) if crs else self._peek.lines()
            lines = targeted_raw_lines(raw, self._ctx.terms, self._ctx.stats) if self._ctx.terms else numbered(raw)
        if self._document is not None:
            lines = documents(lines, self._document, self._ctx)
        if self._quoted:
            lines = unquote_printable(lines, self._ctx.stats)
        if self._width is not None:
            lines = unwrap(lines, self._width, self._ctx.stats)
        # always peeled: `tail -f` section headers may appear anywhere, not only in the head
        yield from self._reporting(peel(lines, self._ctx, self._decorations, self._markdown))

    def blocks(self) -> Iterator[LineBlock] | None:
        """The lines of a plain input a window at a time (`InputData.blocks`), or None when `lines()` must be used.

        Each 1 MiB window of whole lines is decoded in one call and split in C:
        the same lines as `decode_line` gives one by one (a newline byte is
        never inside a UTF-8 sequence; the CR before it, NULs and the length
        are handled as there).  With the hyperscan engine, one scan per window
        tells whether any line holds a terminal-escape remnant or is a tail
        header; without it every block is not clean (the parser tests each line).
        """
        if (self._ctx.terms or cr_only(self._peek.head) or self._document is not None or self._quoted
                or self._width is not None or self._decorations or self._markdown):
            return None
        return self._blocks()

    def _blocks(self) -> Iterator[LineBlock]:
        escapes = matcher_for(_ESCAPE_TEXTS) if engine_name() == "hyperscan" else None
        report = self._progress if self._position is not None else None
        first = 1
        for window, size in self._peek.windows(BLOCK_BYTES):
            with memoryview(window) as view:
                text = str(view[:size], "utf-8", "replace")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            if "\r" in text:
                lines = [x[:-1] if x.endswith("\r") else x for x in lines]
            clean = escapes is not None
            if "\x00" in text:
                lines = [x.replace("\x00", "") if "\x00" in x else x for x in lines]
                clean = False
            if len(text) > MAX_LINE_CHARS and max(map(len, lines)) > MAX_LINE_CHARS:
                lines = [x[:MAX_LINE_CHARS] for x in lines]
                clean = False
            if clean and escapes is not None:
                found, banners = escapes.split_starts(window, size)
                clean = not found and not banners and not window.startswith(b"==> ")
            if report is not None and self._position is not None:
                report(self._position())
            yield first, lines, clean
            first += len(lines)

    def stream(self) -> BinaryIO:
        """Return the decompressed bytes from the start."""
        return self._peek.raw()

    @contextmanager
    def local_file(self) -> Iterator[str | None]:
        """Yield the input's own path when it is a plain file, else a temporary decompressed copy."""
        if self._plain_file:
            yield self._path
            return
        with tempfile.TemporaryDirectory(prefix="migtrace-") as tmp:
            copy = os.path.join(tmp, "input")
            with open(copy, "wb") as out:
                shutil.copyfileobj(self._peek.raw(), out)
            yield copy

    def _reporting(self, lines: Iterator[Line]) -> Iterator[Line]:
        """Pass lines through, telling the progress hook how far into the file reading is."""
        if self._progress is None or self._position is None:
            yield from lines
            return
        for count, line in enumerate(lines, 1):
            if count % PROGRESS_EVERY == 0:
                self._progress(self._position())
            yield line
