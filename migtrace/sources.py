"""Find the inputs, open them, and hand each to the parser its content calls for.

Sources decide everything a record cannot say about itself: which file it
came from, the host and service that file belongs to, the time zone its
naive timestamps are in, and the year a journalctl line leaves out.  Every
problem with one input becomes one warning naming the file; the other inputs
are still read.  Inputs are opened read-only and never modified.
"""

from __future__ import annotations

import bz2
import fnmatch
import glob
import gzip
import io
import lzma
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import BinaryIO

from migtrace._scan import targeted_raw_lines
from migtrace._naming import host_from_path, service_from_name
from migtrace._timeutil import UTC, zone_named
from migtrace.model import Event, FileStats
from migtrace.parsers import registry
from migtrace.parsers._base import Line, ParseContext
from migtrace.parsers.wrappers import detect, has_markdown_escapes, peel

#: directories searched when no path is given (DESIGN.md)
DEFAULT_LOCATIONS: tuple[str, ...] = ("/opt/stack/logs", "/var/log/nova", "/var/log/kolla/nova")

#: inside a directory only files named like nova / devstack / journal logs are read
_LOG_NAME = re.compile(
    r"^(?:screen-)?(?:nova[-_]|n-|devstack|.*journal|syslog|messages)"
    r"|\.(?:log|txt|export|json)(?:[.-]\d+)*(?:\.gz|\.bz2|\.xz)?$|\.log[.-]\d+.*$|[.-]\d{8}(?:\.gz|\.bz2|\.xz)?$"
)
#: inside a sosreport only these subtrees hold logs worth reading
_SOSREPORT_LOG_DIRS = ("var/log/nova", "var/log/kolla/nova", "var/log/containers/nova", "var/log/journal",
                       "sos_commands/logs")
_NOT_LOGS = re.compile(r"\.(?:md|ya?ml|toml|py|html|png|conf|ini|pid|lock|sh)$|^(?:expected|truth)\.json$", re.I)
_ROTATION = re.compile(r"^(?P<base>.+?)(?:\.(?P<num>\d+)|-(?P<date>\d{8}))?(?P<comp>\.gz|\.bz2|\.xz)?$")

#: pseudo path for the local journal's devstack@n-* and nova-* units (read with systemd-python)
LOCAL_JOURNAL = "journal:local"

HEAD_BYTES = 64 * 1024
HEAD_LINES = 200
MAX_LINE_CHARS = 1 << 20  # a longer line is cut for parsing; it still counts as one line

#: what a decompressing reader raises on truncated or corrupt data
_READ_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error, lzma.LZMAError)

MAGIC_GZIP = b"\x1f\x8b"
MAGIC_BZ2 = b"BZh"
MAGIC_XZ = b"\xfd7zXZ\x00"
MAGIC_JOURNAL = b"LPKSHHRH"


@dataclass(slots=True)
class ReadOptions:
    """What the user told us about the inputs (CLI flags or `load()` keywords)."""

    tz: str | None = None
    tz_by_path: dict[str, str] = field(default_factory=dict)
    year: int | None = None
    host_aliases: dict[str, str] = field(default_factory=dict)
    strict: bool = False
    #: targeted query: only records whose raw text contains one of these are parsed
    terms: frozenset[str] = frozenset()


@dataclass(slots=True)
class InputFile:
    """One input: a path on disk, or `-` for stdin."""

    path: str
    display: str
    rotation_rank: tuple[str, int] = ("", 0)


class Warnings:
    """Collects one-line warnings; each distinct text is kept once."""

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self._sink = sink

    def __call__(self, message: str) -> None:
        if message in self._seen:
            return
        self._seen.add(message)
        self.lines.append(message)
        if self._sink is not None:
            self._sink(message)


def _rotation_key(path: str) -> tuple[str, int]:
    """Order a rotated set oldest first: x.log.2.gz, x.log.1, x.log; dated members by date."""
    name = os.path.basename(path)
    m = _ROTATION.match(name)
    if not m:
        return (path, 0)
    base = os.path.join(os.path.dirname(path), m.group("base"))
    if m.group("num"):
        return (base, -int(m.group("num")))
    if m.group("date"):
        return (base, -10**9 + int(m.group("date")) - 10**8)
    return (base, 0)


def expand_paths(paths: Sequence[str], warn: Callable[[str], None]) -> list[InputFile]:
    """Turn files, directories (recursive), globs and `-` into an ordered list of inputs."""
    found: list[InputFile] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        found.append(InputFile(path=path, display=path, rotation_rank=_rotation_key(path)))

    for raw in paths:
        if raw == "-":
            found.append(InputFile(path="-", display="<stdin>"))
            continue
        if raw == LOCAL_JOURNAL:
            found.append(InputFile(path=LOCAL_JOURNAL, display="<local journal>"))
            continue
        matches = sorted(glob.glob(raw)) if glob.has_magic(raw) else [raw]
        if not matches:
            warn(f"{raw}: no such file or directory")
            continue
        for path in matches:
            if os.path.isdir(path):
                for file_path in _walk(path, warn):
                    add(file_path)
            elif os.path.exists(path):
                add(path)
            else:
                warn(f"{path}: no such file or directory")
    found.sort(key=lambda f: f.rotation_rank if f.path != "-" else ("", 0))
    return found


def _walk(top: str, warn: Callable[[str], None]) -> Iterator[str]:
    """Walk a directory tree following links, without looping, yielding log-like files."""
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            st = os.stat(current)
        except OSError as exc:
            warn(f"{current}: {exc.strerror or exc}")
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            warn(f"{current}: directory loop, skipped")
            continue
        visited.add(key)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            warn(f"{current}: {exc.strerror or exc}")
            continue
        subdirs: list[str] = []
        names = {e.name for e in entries}
        if "sos_commands" in names and "hostname" in names:
            # a sosreport root: only its log trees, not the thousands of command outputs
            stack.extend(p for p in (os.path.join(current, d) for d in reversed(_SOSREPORT_LOG_DIRS))
                         if os.path.isdir(p))
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if entry.name.startswith(".") or entry.name == "__pycache__":
                    continue
                subdirs.append(entry.path)
            elif _LOG_NAME.search(entry.name) and not _NOT_LOGS.search(entry.name):
                yield entry.path
        stack.extend(reversed(subdirs))


def default_paths() -> list[str]:
    """Return `$MIGTRACE_LOGS` or the standard log locations that exist here."""
    env = os.environ.get("MIGTRACE_LOGS")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [p for p in DEFAULT_LOCATIONS if os.path.isdir(p)] + [LOCAL_JOURNAL]


def _open_raw(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")  # read-only, never written


def _peek_magic(raw: BinaryIO) -> bytes:
    """Return a stream's first bytes (format magic) without consuming them."""
    if raw.seekable():
        magic = raw.read(8)
        raw.seek(0)
        return magic
    peek = getattr(raw, "peek", None)  # a pipe cannot seek, but its buffer can peek
    return peek(8)[:8] if peek is not None else b""


def _decompressing(raw: BinaryIO, magic: bytes) -> BinaryIO:
    if magic.startswith(MAGIC_GZIP):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if magic.startswith(MAGIC_BZ2):
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if magic.startswith(MAGIC_XZ):
        return lzma.LZMAFile(raw, mode="rb")  # type: ignore[return-value]
    return raw


class _Peekable:
    """A binary stream whose first bytes were already read for sniffing.

    A read error (truncated or corrupt compressed data) never loses what was
    read before it: the head keeps the readable part, and the line iterator
    ends cleanly at the error, which is kept in `error` for the caller to report.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.error: BaseException | None = None
        chunks: list[bytes] = []
        size = 0
        while size < HEAD_BYTES:
            try:
                # read1 hands out what was decompressed before a cut instead of dropping it with the error
                reader = getattr(stream, "read1", stream.read)
                chunk = reader(min(16384, HEAD_BYTES - size))
            except _READ_ERRORS as exc:
                self.error = exc
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        self.head = b"".join(chunks)

    def lines(self) -> Iterator[bytes]:
        """Yield the raw lines, head first; stop quietly at a read error (kept in `error`)."""
        source: BinaryIO = _EmptyStream() if self.error is not None else self.stream  # type: ignore[assignment]
        rest = io.BufferedReader(_Chain(self.head, source), buffer_size=1 << 20)  # type: ignore[arg-type]
        try:
            yield from rest
        except _READ_ERRORS as exc:
            self.error = exc

    def raw(self) -> BinaryIO:
        return io.BufferedReader(_Chain(self.head, self.stream), buffer_size=1 << 20)  # type: ignore[arg-type,return-value]


class _EmptyStream:
    """Stands in for a stream that already failed: reads as end of file."""

    def read(self, size: int = -1) -> bytes:
        return b""


class _Chain(io.RawIOBase):
    """A raw stream that first returns `head` then the rest of `stream`."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = getattr(self._stream, "read1", self._stream.read)(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def decode_line(raw: bytes) -> str:
    """Decode one line: UTF-8 (invalid bytes replaced), no line end, no NULs, bounded length."""
    text = raw.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if "\x00" in text:
        text = text.replace("\x00", "")
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS]
    return text


def _numbered(raw_lines: Iterable[bytes]) -> Iterator[Line]:
    for number, raw in enumerate(raw_lines, 1):
        yield number, decode_line(raw)


def _looks_binary(head: bytes) -> bool:
    """Tell binary data from a log that merely holds some NULs (crash residue) or bad bytes."""
    if not head:
        return False
    sample = head[:8192]
    text = sample.replace(b"\x00", b"")
    if len(text) < 16:
        return b"\x00" in sample
    printable = sum(1 for b in text if 32 <= b < 127 or b in (9, 10, 13) or b >= 0x80)
    if printable < len(text) * 0.85:
        return True
    try:
        text.decode("utf-8")
        return False
    except UnicodeDecodeError:
        # mostly bytes >= 0x80 that are not UTF-8 is not text either
        ascii_share = sum(1 for b in text if b < 0x80) / len(text)
        return ascii_share < 0.7


class FileReader:
    """Read one input into Events, filling its FileStats; never raises for bad data."""

    def __init__(self, item: InputFile, options: ReadOptions, warn: Callable[[str], None]) -> None:
        self.item = item
        self.options = options
        self.warn = warn
        self.stats = FileStats(path=item.display)

    def _context(self) -> ParseContext:
        path = self.item.path
        host = None
        for prefix, alias in self.options.host_aliases.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or fnmatch.fnmatch(path, prefix):
                host = alias
        if host is None and path != "-":
            host = host_from_path(path)
        service = service_from_name(path) if path != "-" else None
        zone_name = self.options.tz
        for prefix, zone in self.options.tz_by_path.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or fnmatch.fnmatch(path, prefix):
                zone_name = zone
        tz: tzinfo = zone_named(zone_name) if zone_name else UTC
        year = self.options.year
        if year is None and path != "-":
            try:
                year = datetime.fromtimestamp(os.stat(path).st_mtime, UTC).year
            except OSError:
                year = None
        self.stats.host, self.stats.service = host, service
        return ParseContext(path=self.item.display, stats=self.stats, tz=tz, host=host,
                            service=service, year=year, strict=self.options.strict,
                            terms=self.options.terms, warn=self.warn)

    def events(self) -> Iterator[Event]:
        """Yield the file's events; problems become one warning line each."""
        name = self.item.display
        if self.item.path == LOCAL_JOURNAL:
            yield from self._local_journal()
            return
        try:
            raw = _open_raw(self.item.path)
        except IsADirectoryError:
            self.warn(f"{name}: is a directory")
            return
        except PermissionError:
            self.warn(f"{name}: permission denied")
            self.stats.errors.append("permission denied")
            return
        except OSError as exc:
            self.warn(f"{name}: cannot open: {exc.strerror or exc}")
            self.stats.errors.append(str(exc))
            return
        try:
            yield from self._read(raw)
        except (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError) as exc:
            reason = "truncated or corrupt compressed data" if isinstance(
                exc, (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)) else f"read error: {exc}"
            where = f"{name}:{self.stats.lines_read + 1}" if self.stats.lines_read else name
            self.warn(f"{where}: {reason}; {self.stats.lines_read} lines read before it")
            self.stats.errors.append(reason)
        finally:
            if raw is not sys.stdin.buffer:
                raw.close()

    def _local_journal(self) -> Iterator[Event]:
        """Read this machine's journal (devstack@n-*, nova-* units), when systemd-python is there."""
        self.stats.fmt = "journal-local"
        try:
            from migtrace.parsers.journal_binary import read_local_journal
        except ImportError:
            return
        ctx = ParseContext(path=self.item.display, stats=self.stats, tz=UTC, strict=self.options.strict,
                           warn=self.warn)
        yield from read_local_journal(ctx)

    def _read(self, raw: BinaryIO) -> Iterator[Event]:
        name = self.item.display
        magic = _peek_magic(raw)
        if magic.startswith(MAGIC_JOURNAL):
            ctx = self._context()
            self.stats.fmt = "journal-binary"
            reader = registry.binary_journal_reader()
            if reader is None:
                self.warn(f"{name}: binary journal, but systemd-python is not available")
                return
            raw.close()
            yield from reader(self.item.path, ctx)
            return
        stream = _decompressing(raw, magic)
        peek = _Peekable(stream)
        head_bytes = peek.head
        if not head_bytes and peek.error is not None:
            raise peek.error
        if not head_bytes:
            self.stats.fmt = "empty"
            self.warn(f"{name}: empty file")
            return
        ctx = self._context()
        if _looks_binary(head_bytes) and not registry.binary_sniff(head_bytes):
            self.stats.fmt = "binary"
            count = sum(1 for _ in peek.lines())
            self.stats.lines_read = self.stats.unparsed_lines = count
            self.warn(f"{name}: binary data, not a log ({count} lines counted as unparsed)")
            return
        binary_parser = registry.binary_sniff(head_bytes)
        if binary_parser is not None:
            self.stats.fmt = binary_parser.name
            yield from binary_parser.parse_binary(peek.raw(), ctx)  # type: ignore[attr-defined]
            return
        head_lines = [decode_line(b) for b in head_bytes.split(b"\n")[:HEAD_LINES]]
        if len(head_bytes) == HEAD_BYTES and len(head_lines) > 1:
            head_lines.pop()  # the last one may be cut (unless it is all there is: a huge first line)
        decorations = detect(head_lines)
        markdown = has_markdown_escapes(head_lines)
        unwrapped_head = [h for _, h in peel(enumerate(head_lines, 1), _scratch_context(), decorations, markdown)]
        parser = registry.sniff_text(unwrapped_head)
        if parser is None:
            self.stats.fmt = "unrecognised"
            count = 0
            for lineno, text in _numbered(peek.lines()):
                count += 1
                self.stats.lines_read += 1
                if ctx.strict:
                    ctx.unparsed(lineno, text, "format not recognised")  # raises ParseError
            self.stats.unparsed_lines = count
            self.warn(f"{name}: format not recognised; {count} lines counted as unparsed")
            return
        self.stats.fmt = parser.name + ("+" + "+".join(d.name for d in decorations) if decorations else "")
        lines: Iterable[Line]
        if self.options.terms and getattr(parser, "targetable", False):
            lines = targeted_raw_lines(peek.lines(), self.options.terms, ctx.stats)
        else:
            lines = _numbered(peek.lines())
        # always peeled: `tail -f` section headers may appear anywhere, not only in the head
        lines = peel(lines, ctx, decorations, markdown)
        yield from parser.parse(lines, ctx)
        if peek.error is not None:
            raise peek.error
        if self.stats.unparsed_lines and not ctx.strict:
            first = self.stats.unparsed_examples[0] if self.stats.unparsed_examples else (0, "")
            self.warn(f"{name}:{first[0]}: {self.stats.unparsed_lines} unparsed line(s), first: {first[1][:80]!r}")


def read_lines_around(path: str, centres: Sequence[int], radius: int) -> dict[int, str]:
    """Return the raw lines within `radius` of each centre line of a file (for `timeline --context`).

    Reads the file again (decompressing as needed) and keeps only the wanted
    lines; an input that cannot be re-read (stdin, a journal) gives nothing.
    """
    wanted = {n for c in centres for n in range(max(1, c - radius), c + radius + 1)}
    if not wanted or path in ("-", "<stdin>", LOCAL_JOURNAL) or not os.path.isfile(path):
        return {}
    last = max(wanted)
    out: dict[int, str] = {}
    try:
        with open(path, "rb") as raw:
            magic = _peek_magic(raw)
            if magic.startswith(MAGIC_JOURNAL):
                return {}
            for number, line in enumerate(_decompressing(raw, magic), 1):
                if number in wanted:
                    out[number] = decode_line(line)
                if number >= last:
                    break
    except _READ_ERRORS:
        return out
    return out


def _scratch_context() -> ParseContext:
    return ParseContext(path="<head>", stats=FileStats(path="<head>"), tz=UTC)
