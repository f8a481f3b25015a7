"""Open an input read-only, see through its compression, and read it as lines without loss.

Compression is recognised by magic bytes, never by name.  A read error
(truncated or corrupt compressed data) never loses what was read before it:
the head keeps the readable part, the line iterator ends cleanly at the
error, and the error is kept for the caller to report with the line count.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import select
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from migtrace.parsers._base import Line

HEAD_BYTES = 64 * 1024
HEAD_LINES = 200
MAX_LINE_CHARS = 1 << 20  # a longer line is cut for parsing; it still counts as one line
#: a raw line is cut here while reading: the rest up to its newline is skipped, never held
MAX_LINE_BYTES = 1 << 20
#: bytes read at once by the windowed term scan (`Peekable.windows`): every input being read holds one
#: such buffer (a serial read merges all inputs at once), as the line reader held its 1 MiB buffer
WINDOW_BYTES = 1 << 20
#: bytes of a window of `merge`'s bulk path (`_textpath.read_bulk`) at most: its costs per window and per round
#: of the merge are mostly fixed calls (numpy, the fold's loop), so bigger windows cost less per byte
MERGE_WINDOW_BYTES = 2 << 20
#: …while the inputs being merged hold about this many bytes of windows together (each holds ≈ 2 windows and
#: their printed records, and has one more read ahead): many inputs get smaller windows, down to WINDOW_BYTES
MERGE_HELD_BYTES = 16 << 20
#: room beyond the head in a windowed read's first buffer
_SLACK = 64 << 10
#: a character device named on purpose (`/dev/zero`) is read this far at most
DEVICE_MAX_BYTES = 16 << 20
#: a FIFO named on purpose must get a writer within this many seconds…
FIFO_WAIT_S = 5.0
#: …and once data came, may pause this long before reading gives up on it
FIFO_IDLE_S = 60.0

#: what a decompressing reader raises on truncated or corrupt data
READ_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error, lzma.LZMAError)

MAGIC_GZIP = b"\x1f\x8b"
MAGIC_BZ2 = b"BZh"
MAGIC_XZ = b"\xfd7zXZ\x00"


def merge_window_bytes(inputs: int) -> int:
    """The window size of a merge of this many inputs (`MERGE_WINDOW_BYTES`, less where many share
    `MERGE_HELD_BYTES`; never below `WINDOW_BYTES` unless `MERGE_WINDOW_BYTES` is)."""
    return min(MERGE_WINDOW_BYTES, max(WINDOW_BYTES, MERGE_HELD_BYTES // max(1, inputs)))


def open_raw(path: str) -> BinaryIO:
    """Open a path (or `-`, stdin) for reading bytes; never for writing.

    A regular file is returned as is.  Anything else named on purpose is read
    with bounds (`SpecialInput`): a FIFO must get a writer within
    `FIFO_WAIT_S` and may then pause `FIFO_IDLE_S` at most; a character
    device (`/dev/zero`, `/dev/urandom`: no end) gives `DEVICE_MAX_BYTES` at
    most.  The open itself never blocks (a FIFO with no writer would).
    """
    if path == "-":
        try:
            mode = os.fstat(sys.stdin.fileno()).st_mode
        except (OSError, ValueError):
            return sys.stdin.buffer
        if stat.S_ISCHR(mode) and not sys.stdin.isatty():  # `< /dev/zero`: a device on stdin
            return io.BufferedReader(SpecialInput(os.dup(sys.stdin.fileno()), "<stdin>", fifo=False))
        return sys.stdin.buffer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)  # read-only, never written
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if stat.S_ISREG(mode):
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(SpecialInput(fd, path, fifo=stat.S_ISFIFO(mode)))


class SpecialInputBound(OSError):
    """A FIFO or device reached its time or size bound: what was read before it is kept."""


class SpecialInput(io.RawIOBase):
    """A FIFO or device read with a time bound (and, for a device, a size bound) instead of forever."""

    def __init__(self, fd: int, name: str, *, fifo: bool) -> None:
        self._fd = fd
        self._name = name
        self._fifo = fifo
        self._total = 0
        self._started = False
        os.set_blocking(fd, False)

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._fifo and self._total >= DEVICE_MAX_BYTES:
            raise SpecialInputBound(f"a device has no end: stopped after {DEVICE_MAX_BYTES >> 20} MiB")
        wait = FIFO_IDLE_S if self._started else FIFO_WAIT_S
        while True:
            ready, _, _ = select.select([self._fd], [], [], wait)
            if not ready:
                if self._started:
                    raise SpecialInputBound(f"no data for {wait:.0f} s, stopped waiting")
                raise SpecialInputBound(f"no writer within {wait:.0f} s" if self._fifo
                                        else f"no data within {wait:.0f} s")
            try:
                data = os.read(self._fd, len(buffer))
            except BlockingIOError:
                continue  # woken without data (another reader took it): wait again
            break
        self._started = True
        n = len(data)
        buffer[:n] = data
        self._total += n
        return n

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def peek_magic(raw: BinaryIO) -> bytes:
    """Return a stream's first bytes (format magic) without consuming them."""
    if raw.seekable():
        magic = raw.read(8)
        raw.seek(0)
        return magic
    peek = getattr(raw, "peek", None)  # a pipe cannot seek, but its buffer can peek
    return peek(8)[:8] if peek is not None else b""


def decompressing(raw: BinaryIO, magic: bytes) -> BinaryIO:
    """Wrap a raw stream in the decompressor its magic calls for (or return it as is)."""
    if magic.startswith(MAGIC_GZIP):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if magic.startswith(MAGIC_BZ2):
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if magic.startswith(MAGIC_XZ):
        return lzma.LZMAFile(raw, mode="rb")  # type: ignore[return-value]
    return raw


def is_compressed(magic: bytes) -> bool:
    """True when the magic names one of the compressions `decompressing` undoes."""
    return magic.startswith((MAGIC_GZIP, MAGIC_BZ2, MAGIC_XZ))


class _WindowReader:
    """One windowed read (`Peekable.windows`): the reused buffer, how much of it is filled, how the read ended."""

    def __init__(self, peek: Peekable, size: int) -> None:
        source: Any = _EmptyStream() if peek.error is not None else peek.stream
        # one read at most per call (`readinto1`): a decompressor's error then loses no data read before it
        self._readinto = getattr(source, "readinto1", None)
        self._read = getattr(source, "read1", None) or source.read
        self._peek, self._size = peek, size
        self._limit = size + MAX_LINE_BYTES + 1  # a window and an unfinished line up to the cut
        # the buffer grows (doubling) only while an input fills it: a small input never holds a big one
        self.buf = bytearray(min(self._limit, len(peek.head) + _SLACK))
        self.view = memoryview(self.buf)
        self.fill = len(peek.head)
        self.buf[:self.fill] = peek.head
        self.eof = self.failed = self.skipping = False

    def next_window(self) -> int:
        """Read on; return where the next window's whole lines end in the buffer (0: none yet, at the end)."""
        want = self._size
        while True:  # read at least `size` bytes, and on until a newline or the cut length
            self._fill(want)
            if self.skipping:  # the rest of a line cut at MAX_LINE_BYTES: read past it, never held
                nl = self.buf.find(b"\n", 0, self.fill)
                if nl < 0:
                    self.fill = 0
                    if self.eof:
                        return 0
                    continue
                self.fill -= nl + 1
                self.buf[:self.fill] = self.buf[nl + 1:nl + 1 + self.fill]
                self.skipping = False
                continue
            end = self.fill if self.eof and not self.failed else self.buf.rfind(b"\n", 0, self.fill) + 1
            if end or self.eof or self.fill > MAX_LINE_BYTES or want >= self._limit:
                return end
            want = min(self._limit, self.fill + self._size)

    def _fill(self, want: int) -> None:
        """Read until `want` bytes are held or the input ends (a read error ends it: kept in the Peekable)."""
        while self.fill < want and not self.eof:
            if self.fill == len(self.buf):
                self.view.release()
                self.buf.extend(bytes(min(self._limit, 2 * len(self.buf)) - len(self.buf)))
                self.view = memoryview(self.buf)
            stop = min(want, len(self.buf))
            try:
                if self._readinto is not None:
                    got = self._readinto(self.view[self.fill:stop])
                else:
                    data = self._read(stop - self.fill)
                    got = len(data)
                    self.buf[self.fill:self.fill + got] = data
            except READ_ERRORS as exc:
                self._peek.error, self.eof, self.failed = exc, True, True
                return
            if not got:
                self.eof = True
            self.fill += got or 0


class Peekable:
    """A binary stream whose first bytes were already read for sniffing."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.error: BaseException | None = None
        #: lines longer than MAX_LINE_BYTES, cut while reading
        self.cut_lines = 0
        chunks: list[bytes] = []
        size = 0
        # read1 hands out what was decompressed before a cut instead of dropping it with the error
        reader = getattr(stream, "read1", stream.read)
        while size < HEAD_BYTES:
            try:
                chunk = reader(min(16384, HEAD_BYTES - size))
            except READ_ERRORS as exc:
                self.error = exc
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        self.head = b"".join(chunks)

    def lines(self) -> Iterator[bytes]:
        """Yield the raw lines, head first, each cut at MAX_LINE_BYTES (counted in `cut_lines`);
        stop quietly at a read error (kept in `error`)."""
        source: BinaryIO = _EmptyStream() if self.error is not None else self.stream  # type: ignore[assignment]
        rest = io.BufferedReader(_Chain(self.head, source), buffer_size=1 << 20)
        try:
            for line in bounded_lines(rest):
                yield line
                if len(line) >= MAX_LINE_BYTES and not line.endswith(b"\n"):
                    self.cut_lines += 1
        except READ_ERRORS as exc:
            self.error = exc

    def windows(self, size: int = WINDOW_BYTES) -> Iterator[tuple[bytearray | bytes, int]]:
        """Yield the stream as windows of whole lines: (buffer, n), the window being `buffer[:n]`.

        The buffer is read into and reused (valid until the next window is
        asked for: no page of it is allocated twice); a window holds about
        `size` bytes, the last line may lack its newline.  Each line is cut
        as `lines()` cuts it (counted in `cut_lines`, a newline after the cut
        so the window stays whole lines); a read error stops quietly (kept
        in `error`) and loses the unfinished line, as `lines()` does.  The
        windowed term scan (`_scan.targeted_windows`) searches each window
        at once, so a line is split out only around a hit.
        """
        reader = _WindowReader(self, size)
        try:
            while True:
                end = reader.next_window()
                if reader.fill - end > MAX_LINE_BYTES and not reader.failed:  # an unfinished line past the limit
                    reader.buf[end + MAX_LINE_BYTES] = 10  # cut it there (`_bounded` counts it cut)
                    end += MAX_LINE_BYTES + 1
                    reader.fill, reader.skipping = end, True
                if end:
                    window: bytearray | bytes = reader.buf
                    if self._too_long(window, end):
                        window = self._bounded(bytes(window[:end]))
                    yield window, len(window) if window is not reader.buf else end
                if reader.eof:
                    return
                reader.fill -= end
                reader.buf[:reader.fill] = reader.buf[end:end + reader.fill]
        finally:
            reader.view.release()

    @staticmethod
    def _too_long(window: bytearray | bytes, size: int) -> bool:
        """True when `window[:size]` may hold a line of MAX_LINE_BYTES or more (it then holds a whole aligned
        half-limit stretch without a newline)."""
        half = MAX_LINE_BYTES // 2
        return not all(window.find(b"\n", k, k + half) >= 0 for k in range(0, size - half + 1, half))

    def _bounded(self, window: bytes) -> bytes:
        """The window with each line of MAX_LINE_BYTES or more cut there (counted), as `bounded_lines` cuts it."""
        pieces = window.split(b"\n")
        last = pieces.pop()
        out = []
        for piece in pieces:
            if len(piece) >= MAX_LINE_BYTES:
                piece = piece[:MAX_LINE_BYTES]
                self.cut_lines += 1
            out.append(piece)
        if len(last) >= MAX_LINE_BYTES:
            out.append(last[:MAX_LINE_BYTES])
            self.cut_lines += 1
            last = b""
        out.append(last)
        return b"\n".join(out)

    def raw(self) -> BinaryIO:
        """Return the whole stream, head first."""
        return io.BufferedReader(_Chain(self.head, self.stream), buffer_size=1 << 20)


def bounded_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """Yield a stream's lines (newline kept); a longer line is yielded cut at `limit` bytes, without its
    newline, and the rest of it is read past in `limit`-sized pieces, so no line is ever held whole."""
    readline = stream.readline
    while True:
        line = readline(limit)
        if not line:
            return
        yield line
        if len(line) >= limit and not line.endswith(b"\n"):
            while True:  # skip to the end of the cut line
                more = readline(limit)
                if not more or more.endswith(b"\n"):
                    break


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


def decode_line(raw: bytes | bytearray) -> str:
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


def numbered(raw_lines: Iterable[bytes]) -> Iterator[Line]:
    """Number and decode raw lines from 1."""
    for number, raw in enumerate(raw_lines, 1):
        yield number, decode_line(raw)


def cr_only(head: bytes) -> bool:
    """True when lines end in a lone CR (classic Mac, some serial consoles and mail gateways)."""
    return b"\r" in head and b"\n" not in head


def split_cr(stream: BinaryIO, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Yield the CR-terminated lines of a stream (each with its CR), in bounded memory."""
    rest = b""
    while True:
        data = stream.read(chunk)
        if not data:
            break
        pieces = (rest + data).split(b"\r")
        rest = pieces.pop()
        for piece in pieces:
            yield piece + b"\r"
    if rest:
        yield rest


def head_lines(head: bytes) -> list[str]:
    """Decode the head's lines for sniffing; the last one may be cut, unless it is all there is."""
    lines = [decode_line(b) for b in head.split(b"\r" if cr_only(head) else b"\n")[:HEAD_LINES]]
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines.pop()
    return lines


def looks_binary(head: bytes) -> bool:
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
