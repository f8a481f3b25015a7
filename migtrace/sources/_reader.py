"""Read one input into Events: open it, sniff its format, hand it to that parser, account for it.

Every problem with one input becomes one warning naming the file (and the
line reading stopped at); the other inputs are still read.  Inputs are opened
read-only and never modified.
"""

from __future__ import annotations

import gzip
import logging
import lzma
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from migtrace._naming import service_from_name
from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._context import parse_context
from migtrace.sources._discover import InputFile, input_size
from migtrace.sources._input import FileInput
from migtrace.sources._open import (
    MAX_LINE_BYTES,
    READ_ERRORS,
    Peekable,
    decompressing,
    is_compressed,
    looks_binary,
    numbered,
    open_raw,
    peek_magic,
)
from migtrace.sources._tar import open_member
from migtrace.sources._url import is_url, local_path, open_url

_log = logging.getLogger(__name__)
#: formats whose raw lines a selective read may cut by terms (a record starts with an oslo header line)
SELECTABLE = frozenset({"oslo", "journal-text"})

#: what ends the reading of one input early (it is reported, the other inputs go on)
_STOPPED_BY: tuple[type[BaseException], ...] = (*READ_ERRORS, ValueError)


class FileReader:
    """Read one input into Events, filling its FileStats; never raises for bad data."""

    def __init__(self, item: InputFile, options: LoadOptions, warn: Callable[[str], None],
                 terms: frozenset[str] = frozenset(),
                 progress: Callable[[int], None] | None = None) -> None:
        self.item = item
        self.options = options
        self.warn = warn
        self.terms = terms
        self.progress = progress
        self.stats = FileStats(path=item.display)

    def events(self) -> Iterator[Event]:
        """Yield the input's events; problems become one warning line each."""
        name = self.item.display
        if self.item.path == LOCAL_JOURNAL:
            yield from self._parse_pseudo()
            return
        if self.item.skip is not None:
            self.stats.fmt = f"skipped: {self.item.skip}"
            return
        try:
            raw = open_member(self.item.path, self.item.offset, self.item.size) if self.item.member else \
                open_url(self.item.path) if is_url(self.item.path) else open_raw(self.item.path)
        except IsADirectoryError:
            self.warn(f"{name}: is a directory")
            return
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else f"cannot open: {exc.strerror or exc}"
            self.warn(f"{name}: {reason}")
            self.stats.errors.append(reason if isinstance(exc, PermissionError) else str(exc))
            return
        try:
            yield from self._read(raw)
        except _STOPPED_BY as exc:
            self._stopped(exc)
        finally:
            if raw is not sys.stdin.buffer:
                raw.close()

    def events_of(self, raw: BinaryIO) -> Iterator[Event]:
        """Yield the events of an open stream standing for this input (the index re-reads a grown file's
        tail through it); unlike `events`, a read error is raised, not reported."""
        yield from self._read(raw)

    def _stopped(self, exc: BaseException) -> None:
        """Report where and why reading stopped, with what was read before it."""
        damaged = isinstance(exc, (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile))
        reason = "truncated or corrupt compressed data" if damaged else f"read error: {exc}"
        lines = self.stats.lines_read
        where = f"{self.item.display}:{lines + 1}" if lines else self.item.display
        self.warn(f"{where}: {reason}; {lines} lines read before it")
        self.stats.errors.append(reason)

    def _context(self) -> ParseContext:
        # a file:// URL names a local path: host, service and year come from it as from the path
        where = (local_path(self.item.path) or self.item.path) if is_url(self.item.path) else self.item.path
        ctx = parse_context(where, self.item.display, self.stats, self.options, self.terms, self.warn,
                            named=self.item.named)
        member = self.item.member
        if member is not None:
            # a tarball member: its own name and host, not the archive's
            if self.item.host and ctx.host_from != "user":
                ctx.host = self.stats.host = self.item.host
                ctx.host_from = "path"
            ctx.service = self.stats.service = service_from_name(member)
        return ctx

    def _parse_pseudo(self) -> Iterator[Event]:
        """Read an input that is no file (the local journal) through the parser that claims its name."""
        peek = Peekable(_NoBytes())  # type: ignore[arg-type]
        ctx = self._context()
        data = FileInput(self.item.path, peek, ctx, plain_file=False)
        from migtrace.parsers import registry  # noqa: PLC0415 - see `_read`

        parser = registry.sniff(data.head)
        if parser is not None:
            self.stats.fmt = parser.name
            yield from parser.parse(data, ctx)

    def _read(self, raw: BinaryIO) -> Iterator[Event]:
        magic = peek_magic(raw)
        peek = Peekable(decompressing(raw, magic))
        if not peek.head and peek.error is not None:
            raise peek.error
        if not peek.head:
            self.stats.fmt = "empty"
            self.warn(f"{self.item.display}: empty file")
            return
        ctx = self._context()
        url = is_url(self.item.path)
        size = 0 if self.item.member or url else input_size(self.item.path)
        plain = self.item.path != "-" and not is_compressed(magic) and self.item.member is None and not url
        data = FileInput(self.item.path, peek, ctx, plain_file=plain,
                         position=_position(raw), progress=self._progress_hook(size))
        # every parser, imported by the first input read: a query answered from the index reads none
        from migtrace.parsers import registry  # noqa: PLC0415 - the parsers are imported by the first read

        parser = registry.sniff(data.head)
        if parser is None:
            if looks_binary(peek.head):
                self._unrecognised(peek, ctx)
            else:
                yield from self._per_line(data, peek, ctx)
            return
        self.stats.fmt = parser.name + "".join("+" + d.name for d in data.decorations)
        if getattr(ctx.terms, "plain_only", False):
            self._select_or_not(parser.name, data, ctx)
        elif getattr(ctx.terms, "plain_sets", None) and _whole_reason(parser.name, data):
            ctx.terms = ctx.terms.uncut()  # type: ignore[attr-defined]  # its plain-only evidence sets: read apart
        yield from parser.parse(data, ctx)
        if peek.cut_lines:
            self.warn(f"{self.item.display}: {peek.cut_lines} line(s) longer than {MAX_LINE_BYTES >> 20} MiB "
                      "cut there while reading (the rest of each skipped)")
        if peek.error is not None:
            raise peek.error
        if self.progress is not None and size:
            self.progress(size)
        self._note_unparsed(ctx)

    def _select_or_not(self, fmt: str, data: FileInput, ctx: ParseContext) -> None:
        """A selective read cuts only plain oslo text by terms; any other input is read in full."""
        why = _whole_reason(fmt, data)
        if why:
            ctx.terms = frozenset()
            self.stats.full_read = why
            _log.debug("%s: read in full (%s)", self.item.display, why)

    def _progress_hook(self, size: int) -> Callable[[int], None] | None:
        return self.progress if size else None

    def _per_line(self, data: FileInput, peek: Peekable, ctx: ParseContext) -> Iterator[Event]:
        """Read a text input of no recognised format line by line: a record of any known shape is kept
        wherever it is (a ceph line in an ansible failure, a nova line in prose); every other line is
        counted unparsed.  With no record at all the input is "unrecognised", as before."""
        if ctx.terms:
            ctx.terms = frozenset()
            self.stats.full_read = "format not recognised: read line by line"
        ctx.per_line = True
        from migtrace.parsers import registry  # noqa: PLC0415 - see `_read`

        self.stats.fmt = registry.PER_LINE_FMT + "".join("+" + d.name for d in data.decorations)
        yield from registry.PER_LINE.parse(data, ctx)
        if peek.error is not None:
            raise peek.error
        if self.stats.records or self.stats.timeless_records:
            self._note_unparsed(ctx)
            return
        self.stats.fmt = "unrecognised"
        self.warn(f"{self.item.display}: format not recognised; {self.stats.unparsed_lines} lines counted as unparsed")

    def _unrecognised(self, peek: Peekable, ctx: ParseContext) -> None:
        """Count every line of an input no parser recognises (binary data or an unknown format)."""
        binary = looks_binary(peek.head)
        self.stats.fmt = "binary" if binary else "unrecognised"
        reason = "binary data, not a log" if binary else "format not recognised"
        count = 0
        for lineno, text in numbered(peek.lines()):
            count += 1
            self.stats.lines_read += 1
            if ctx.strict:
                ctx.unparsed(lineno, text, reason)  # raises ParseError
        self.stats.unparsed_lines = count
        self.warn(f"{self.item.display}: {reason}; {count} lines counted as unparsed")

    def _note_unparsed(self, ctx: ParseContext) -> None:
        if self.stats.timeless_records:
            first = self.stats.timeless_examples[0]
            self.warn(f"{self.item.display}:{first[0]}: {self.stats.timeless_records} record(s) without a wall-clock "
                      f"time, counted but not placed in time, first: {first[1][:80]!r}")
        if self.stats.unparsed_lines and not ctx.strict:
            first = self.stats.unparsed_examples[0] if self.stats.unparsed_examples else (0, "")
            self.warn(f"{self.item.display}:{first[0]}: {self.stats.unparsed_lines} unparsed line(s), "
                      f"first: {first[1][:80]!r}")


def _whole_reason(fmt: str, data: FileInput) -> str:
    """Why a selective read reads this input in full ('' when raw terms cut it safely: plain oslo text)."""
    return (f"{fmt} records are not cut by raw terms" if fmt not in SELECTABLE else
            "" if data.plain_lines else "lines not as written: pasted, wrapped, quoted, exported or in an envelope")


class _NoBytes:
    """The content of an input that is not a file: nothing."""

    def read(self, size: int = -1) -> bytes:
        return b""


def _position(raw: BinaryIO) -> Callable[[], int] | None:
    """Return how to ask a raw file how far it has been read (compressed bytes for .gz)."""
    if not raw.seekable():
        return None
    return raw.tell

