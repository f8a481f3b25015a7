"""`journalctl -o export`: the journal's own serialisation (devstack jobs ship it as devstack.journal.gz).

An entry is a run of `KEY=value` lines ended by a blank line.  A value that
is binary or has newlines is written as `KEY\\n`, a 64-bit little-endian
length, the raw bytes and `\\n` — so this format is read from bytes
whenever the raw bytes are an export stream; a pasted (decorated) export is
read from its peeled text lines, without binary fields.

Accounting: a "line" here is one field (text or binary) or one blank
separator.  Field lines of an entry are its record (or continuation) lines,
separators are meta lines.  `__REALTIME_TIMESTAMP` is exact UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from migtrace.model import Event
from migtrace.parsers._base import Head, InputData, Line, ParseContext, Sample
from migtrace.parsers._journal_common import JournalEntry, entry_from_fields, fold_entries

#: variant -> one field line.
patterns: dict[str, re.Pattern[str]] = {
    "field": re.compile(r"^(?P<key>[A-Za-z0-9_]{1,64})=(?P<value>.*)$"),
}

_KEY = re.compile(rb"^[A-Za-z0-9_]{1,64}$")
#: Longest physical line read at once; longer ones are read (and accounted) in pieces.
_MAX_LINE = 64 * 1024 * 1024
#: A binary field longer than this is corruption, not data (journald's own cap is 768 MiB).
_MAX_FIELD = 256 * 1024 * 1024
#: Fields whose presence in the first lines marks an export stream.
_MARKERS = ("__CURSOR=", "__REALTIME_TIMESTAMP=", "__MONOTONIC_TIMESTAMP=", "_BOOT_ID=")

# item kinds yielded by the readers below
_FIELD, _SEP, _BAD = 0, 1, 2
_Item = tuple[int, int, str, bytes | str]


def _stream_items(stream: BinaryIO) -> Iterator[_Item]:
    """Yield (kind, lineno, key-or-reason, value) for each field/separator of a byte stream."""
    lineno = 0
    while True:
        line = stream.readline(_MAX_LINE)
        if not line:
            return
        lineno += 1
        body = line[:-1] if line.endswith(b"\n") else line
        if not body:
            yield _SEP, lineno, "", b""
            continue
        eq = body.find(b"=")
        if eq > 0 and _KEY.match(body[:eq]):
            yield _FIELD, lineno, body[:eq].decode("ascii"), body[eq + 1:]
            continue
        if eq >= 0 or not _KEY.match(body):
            yield _BAD, lineno, "not a journal export field", body
            continue
        size_raw = stream.read(8)
        if len(size_raw) < 8:
            yield _BAD, lineno, "binary field truncated before its length", body
            return
        size = int.from_bytes(size_raw, "little")
        if size > _MAX_FIELD:
            yield _BAD, lineno, "binary field length is implausible", body
            continue
        data = stream.read(size)
        if len(data) < size:
            yield _BAD, lineno, "binary field truncated", body
            return
        if stream.read(1) not in (b"\n", b""):
            yield _BAD, lineno, "binary field not followed by a newline", body
            continue
        yield _FIELD, lineno, body.decode("ascii"), data


def _line_items(lines: Iterable[Line]) -> Iterator[_Item]:
    """Yield the same items from text lines; binary fields cannot be read from text."""
    match = patterns["field"].match
    for lineno, text in lines:
        if not text.strip("\r"):
            yield _SEP, lineno, "", ""
            continue
        m = match(text)
        if m is None:
            yield _BAD, lineno, "not a journal export text field (binary fields need the raw bytes)", text
            continue
        yield _FIELD, lineno, m.group("key"), m.group("value")


def _entries(items: Iterable[_Item], ctx: ParseContext) -> Iterator[JournalEntry]:
    """Group field items into entries at blank separators, accounting every item."""
    stats = ctx.stats
    fields: dict[str, bytes | str] = {}
    first = 0
    count = 0
    for kind, lineno, key, value in items:
        stats.lines_read += 1
        if kind == _FIELD:
            if not fields:
                first = lineno
            fields.setdefault(key, value)  # repeated fields: the first value speaks
            count += 1
            continue
        if kind == _SEP:
            stats.meta_lines += 1
            if count:
                entry = _finish(fields, first, count, ctx)
                if entry is not None:
                    yield entry
                fields, count = {}, 0
            continue
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        ctx.unparsed(lineno, text, key)
    if count:
        entry = _finish(fields, first, count, ctx)
        if entry is not None:
            yield entry


def _finish(fields: dict[str, bytes | str], first: int, count: int, ctx: ParseContext) -> JournalEntry | None:
    """Turn one entry's fields into a JournalEntry, or account its lines as unparsed."""
    try:
        entry = entry_from_fields(fields, first, count)
    except (OverflowError, ValueError):
        entry = None
    if entry is None:
        shown = ", ".join(sorted(fields))[:200]
        ctx.unparsed(first, shown, "journal entry without a usable __REALTIME_TIMESTAMP")
        ctx.stats.unparsed_lines += count - 1
    return entry


class JournalExportParser:
    """Parser for `journalctl -o export` streams (raw bytes preferred, text tolerated)."""

    name = "journal-export"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        # one field line is the smallest export entry: its time and nothing else
        Sample("__REALTIME_TIMESTAMP=1715680923123456", "field",
               {"time_text": "1715680923123456", "message": "", "line_count": 1}),
    )

    def sniff(self, head: Head) -> float:
        """Recognise an export stream in the raw bytes, else score the peeled head lines."""
        if _is_export_stream(head.data):
            return 1.0
        lines = [line for line in head.lines if line.strip()]
        if not lines or not any(line.startswith(_MARKERS) for line in lines):
            return 0.0
        hits = sum(1 for line in lines if patterns["field"].match(line))
        return hits / len(lines)

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Read the raw bytes (binary fields included); a pasted export from its text lines."""
        if _is_export_stream(data.head.data):
            items = _stream_items(data.stream())
        else:
            items = _line_items(data.lines())
        return fold_entries(_entries(items, ctx), ctx, self.name)


def _is_export_stream(head: bytes) -> bool:
    """Tell an export stream from raw bytes: field lines, with a journal marker among them."""
    first = head.split(b"\n", 1)[0]
    eq = first.find(b"=")
    if eq <= 0 or not _KEY.match(first[:eq]):
        return False
    return any(head.startswith(m.encode()) or b"\n" + m.encode() in head for m in _MARKERS)


PARSER = JournalExportParser()

__all__ = ["PARSER", "JournalExportParser", "patterns"]
