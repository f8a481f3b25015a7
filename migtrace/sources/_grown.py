"""Read only what was appended to a plain oslo log the index has seen: its last record and what follows.

An active nova log only grows; a repeated query over it should read the new
bytes, not the file again.  The stored result of a whole read (W) gets a
checkpoint: the byte offset B and line number L of the file's last record,
the digest of the bytes from B to the end, and the accounting of reading
those bytes alone (R0).  When the file has the same device, inode and head
and has grown, and the bytes from B to the old end are unchanged, the new
result is W's events before L + a read of [B, new end) with its line numbers
shifted by L - 1, and W's accounting - R0's + the new read's.  The last
record is read again because appended lines may continue it (a traceback)
and because a selective read parses each file's last record even without a
term (it is the host's last sign of life): in the grown file it may no
longer be the last, so its fate is decided again.

A checkpoint is kept only where the split is proven exact when it is made:
the read of [B, end) alone must give exactly W's events from line L on, no
record of W may run across L, and both reads must be plain `oslo` text (no
decorations, envelopes, wrappers, quoted or pasted lines: those formats keep
state across records), read with no warning, no error and no unparsed line
(the per-file warnings summarise the whole file).  The resumed read must
meet the same conditions, else the file is read again in full.  What cannot
be checked without reading it all is the middle of the file (a file
rewritten in place between its first 64 KiB and its last record while only
growing): the same assumption `tail -f` and every log shipper make.

A read with evidence sets (`FileStats.term_hits`) splits its hit lines at L
too.  A set whose line test keeps state (a release clue is passed once per
file, `pipeline._clues`) starts afresh in the resumed read: it may find again
a clue the whole read found before L (one more clue record, noted again);
no other record changes.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.sources._discover import InputFile
from migtrace.sources._open import is_compressed
from migtrace.sources._parallel import PACK_EVENTS, InputResult, _pack, _unpack
from migtrace.sources._reader import FileReader

#: the last record is looked for in this many bytes at the end of the file (a longer one: no checkpoint)
TAIL_WINDOW = 1 << 20
#: the start of an oslo record: its timestamp at the start of a line
_HEADER = re.compile(rb"(?m)^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
#: FileStats fields that add up over parts of a file
_COUNTS = ("lines_read", "records", "record_lines", "continuation_lines", "meta_lines", "unparsed_lines",
           "skipped_lines", "timeless_records")
#: what resumed reads of this process read: bytes from the checkpoints on, and how many (tests look at it)
READ_AGAIN = {"bytes": 0, "resumed": 0}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a stored read of a file can be continued: its last record's offset and line, and what it held."""

    offset: int
    line: int
    size: int
    digest: str
    tail: FileStats


class _Slice(io.RawIOBase):
    """A file seen from `offset` on, as if it started there (the reader seeks to 0 to sniff)."""

    def __init__(self, f: BinaryIO, offset: int) -> None:
        super().__init__()
        self._f = f
        self._offset = offset
        f.seek(offset)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._f.readinto(buffer)  # type: ignore[attr-defined, no-any-return]

    def seek(self, pos: int, whence: int = 0) -> int:
        target = self._offset + pos if whence == io.SEEK_SET else pos
        return self._f.seek(target, io.SEEK_SET if whence == io.SEEK_SET else whence) - self._offset

    def tell(self) -> int:
        return self._f.tell() - self._offset


def _read_range(path: str, start: int, end: int) -> bytes | None:
    """The bytes [start, end) of a file, or None when it cannot be read (the caller then reads in full)."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(end - start)
    except OSError:
        return None


def _digest(path: str, start: int, end: int) -> str | None:
    data = _read_range(path, start, end)
    return hashlib.sha256(data).hexdigest() if data is not None and len(data) == end - start else None


def _last_record_start(path: str, size: int) -> int | None:
    """The offset of the last line that starts an oslo record (within TAIL_WINDOW of the end), or None."""
    begin = max(0, size - TAIL_WINDOW - 1)
    data = _read_range(path, begin, size)
    if data is None:
        return None
    starts = [m.start() for m in _HEADER.finditer(data) if m.start() > 0 or begin == 0]
    if not starts or begin + starts[-1] == 0:
        return None  # one record only, or too long a last record: nothing to gain
    return begin + starts[-1]


def _read_from(item: InputFile, spec: dict[str, Any], terms: frozenset[str], offset: int,
               shift: int) -> tuple[list[Event], FileStats] | None:
    """Read the file from `offset` on, line numbers shifted by `shift`; None unless it is plain oslo, clean."""
    said: list[str] = []
    reader = FileReader(item, LoadOptions(**spec), said.append, terms)
    try:
        with open(item.path, "rb") as f, io.BufferedReader(_Slice(f, offset)) as view:
            events = list(reader.events_of(view))
    except Exception:  # any trouble: the caller reads the whole file instead
        return None
    stats = reader.stats
    if said or not _clean(stats):
        return None
    if shift:
        events = [e.replace(lineno=e.lineno + shift) for e in events]
        if stats.tail_line:
            stats.tail_line += shift
        stats.term_hits = {k: [n + shift for n in hits] for k, hits in stats.term_hits.items()}
    return events, stats


def _clean(stats: FileStats) -> bool:
    return (stats.fmt == "oslo" and not stats.full_read and not stats.unparsed_lines and not stats.errors
            and not stats.timeless_records)  # (their examples' line numbers are not shifted)


def _hits_from(hits: dict[int, list[int]], line: int, before: bool = False) -> dict[int, list[int]]:
    """The hit lines of each term set (`FileStats.term_hits`) from `line` on (or before it)."""
    return {k: [n for n in found if (n < line) == before] for k, found in hits.items()}


def _events(result: InputResult) -> list[Event]:
    return [e for pack in result.packs for e in _unpack(pack)]


def _last_events(result: InputResult, line: int) -> list[Event]:
    """The read's events from its last pack back to one that starts before `line` (file order: the
    events from `line` on, and the one before them, without unpacking the whole read)."""
    events: list[Event] = []
    for pack in reversed(result.packs):
        events[:0] = _unpack(pack)
        if events[0].lineno < line:
            break
    return events


def _packed(events: list[Event]) -> list[bytes]:
    return [_pack(events[i:i + PACK_EVENTS]) for i in range(0, len(events), PACK_EVENTS)]


def checkpoint(item: InputFile, spec: dict[str, Any], terms: frozenset[str], result: InputResult,
               size: int) -> Checkpoint | None:
    """A proven place to continue this whole read of the file from, or None (see the module docstring)."""
    if (item.member is not None or result.error is not None or result.warnings or not _clean(result.stats)
            or _compressed(item.path)):
        return None
    offset = _last_record_start(item.path, size)
    if offset is None:
        return None
    digest = _digest(item.path, offset, size)
    alone = _read_from(item, spec, terms, offset, 0)
    if digest is None or alone is None:
        return None
    tail_events, tail = alone
    line = result.stats.lines_read - tail.lines_read + 1
    if line < 2:
        return None
    events = _last_events(result, line)
    before = [e for e in events if e.lineno < line]
    if any(e.lineno + e.line_count > line for e in before):
        return None  # a record of the whole read runs across the split
    shifted = [e.replace(lineno=e.lineno + line - 1) for e in tail_events]
    hits = {k: [n + line - 1 for n in found] for k, found in tail.term_hits.items()}
    if events[len(before):] != shifted or _hits_from(result.stats.term_hits, line) != hits:
        return None  # (the hit lines of a read with evidence sets must split there too)
    rest = _minus(result.stats, tail)
    if rest is None or (tail.tail_line and result.stats.tail_line != tail.tail_line + line - 1):
        return None
    return Checkpoint(offset, line, size, digest, tail)


def _compressed(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return is_compressed(f.read(8))
    except OSError:
        return True


def _minus(whole: FileStats, part: FileStats) -> FileStats | None:
    """The accounting of the lines before the part (None when it would not balance)."""
    out = replace(whole, errors=list(whole.errors), unparsed_examples=list(whole.unparsed_examples))
    for name in _COUNTS:
        value = getattr(whole, name) - getattr(part, name)
        if value < 0:
            return None
        setattr(out, name, value)
    out.tail_line = 0
    return out if out.balanced else None


def resume(item: InputFile, spec: dict[str, Any], terms: frozenset[str], stored: InputResult, mark: Checkpoint,
           size: int) -> InputResult | None:
    """The result of reading the grown file: the stored part before the checkpoint + a read from it; or None."""
    if size <= mark.size or _digest(item.path, mark.offset, mark.size) != mark.digest:
        return None
    again = _read_from(item, spec, terms, mark.offset, mark.line - 1)
    if again is None:
        return None
    new_events, new_stats = again
    rest = _minus(stored.stats, mark.tail)
    if rest is None:
        return None
    stats = replace(rest)
    for name in _COUNTS:
        setattr(stats, name, getattr(rest, name) + getattr(new_stats, name))
    stats.tail_line = new_stats.tail_line
    stats.host, stats.service = new_stats.host, new_stats.service
    if stats.term_hits.keys() != new_stats.term_hits.keys():
        return None  # the appended bytes were searched for other term sets (an input now read otherwise)
    old_hits = _hits_from(stats.term_hits, mark.line, before=True)
    stats.term_hits = {k: old_hits[k] + new_stats.term_hits[k] for k in old_hits}
    if not stats.balanced:
        return None
    events = [e for e in _events(stored) if e.lineno < mark.line] + new_events
    READ_AGAIN["bytes"] += size - mark.offset
    READ_AGAIN["resumed"] += 1
    return InputResult(_packed(events), stats, [], None)

