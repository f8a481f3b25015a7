"""Read OpenSearch/Elasticsearch exports that are documents, not lines: `_search` pages and Discover CSV.

An operator asked for "the logs" often saves what central logging gives:
the body of `POST index/_search?scroll=…` (one JSON document, pretty-printed
over thousands of lines or compact on one, several scroll pages one after
another or one per file), or OpenSearch Dashboards' Discover → Reporting →
CSV (a header row, then one quoted row per hit, newest first).  Neither is
one record per line, so the per-line transport table cannot peel them.

This module turns each into the lines the transport table does read: one
compact JSON hit per `_search` hit (taken by the `opensearch-hit-*` entries
of data/transports.yaml), and one `{"csv": {column: value}}` object per CSV
row (taken by the `dashboards-csv-row` entry).  Each yielded line keeps the
number of the physical line its hit starts on; every other physical line is
accounted for here — a line inside a hit as a continuation, the response
envelope (`took`, `_shards`, `total`…) and the CSV header as meta lines — so
`lines read` stays the file's physical lines (a compact page: one line read
per hit, since several hits share it).  What does not decode (a truncated
page) is passed through as it is, for the parser to count unparsed.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from migtrace.parsers._base import Line, ParseContext

#: where a response's hit list opens (`"hits": {"total": …, "hits": [` — the inner one is an array)
_HITS_ARRAY = re.compile(r'"hits"\s*:\s*\[')
#: a response's head shows some of these envelope keys before its first hit
_ENVELOPE = ('"took"', '"_shards"', '"_scroll_id"', '"timed_out"', '"pit_id"')
#: a hit that has not decoded after this much text is no hit: its lines are passed through
MAX_HIT_CHARS = 4 << 20
_DECODER = json.JSONDecoder()
_SKIP = re.compile(r"[\s,]*")
#: a hit, or the hit list, can only end on a line ending like this
_CLOSERS = ("}", "},", "]", "],", "]}", "]}}")

#: CSV header columns that say a row is a log hit: a message column and a time column
CSV_MESSAGE_COLUMNS = ("Payload", "message", "log", "MESSAGE")
CSV_TIME_COLUMNS = ("@timestamp", "Timestamp", "timestamp")
#: OpenSearch Dashboards' default `dateFormat` (`MMM D, YYYY @ HH:mm:ss.SSS`), and ISO 8601
_DASHBOARDS_TIME = re.compile(r"(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}) "
                              r"@ (?P<clock>\d\d:\d\d:\d\d(?:\.\d+)?)")


def document_kind(head: Sequence[str]) -> str | None:
    """Return "search" for a `_search` response, "csv" for a Discover CSV report, else None."""
    filled = [h for h in head if h.strip()]
    if not filled:
        return None
    first = filled[0].lstrip("\ufeff")
    text = "\n".join(filled[:200])
    if first.lstrip().startswith("{") and _HITS_ARRAY.search(text) and any(k in text for k in _ENVELOPE):
        return "search"
    if "," in first and not first.startswith("{"):
        columns = _fields(first)
        if any(c in columns for c in CSV_MESSAGE_COLUMNS) and any(c in columns for c in CSV_TIME_COLUMNS):
            return "csv"
    return None


def readable_head(head: Sequence[str]) -> tuple[str, ...]:
    """The head's lines as parsers sniff them: a document export's hits as lines, other text as it is."""
    kind = document_kind(head)
    return tuple(t for _, t in documents(enumerate(head, 1), kind)) if kind else tuple(head)


def documents(lines: Iterable[Line], kind: str, ctx: ParseContext | None = None) -> Iterator[Line]:
    """Yield the lines the transport table reads for a document export of `kind` (see module docstring).

    The lines it does not yield are counted in `ctx` (none are counted without one: the head's sniff).
    """
    if kind == "search":
        return _SearchPages(ctx).lines(lines)
    return _csv_rows(lines, ctx)


#: what became of a physical line of a `_search` page
_UNTOUCHED, _HIT_START, _ENVELOPE_LINE, _IN_HIT = 0, 1, 2, 3


class _SearchPages:
    """Stream the hits out of one or more `_search` responses, hit by hit, never the whole page at once."""

    def __init__(self, ctx: ParseContext | None) -> None:
        self.ctx = ctx
        self.buf = ""
        #: [offset in buf, lineno, fate, text] of each physical line still (partly) in buf
        self.held: list[list[Any]] = []
        self.inside = False
        #: text appended since the last decoding attempt, and the length of buf plus it
        self.pending: list[str] = []
        self.length = 0

    def lines(self, lines: Iterable[Line]) -> Iterator[Line]:
        for lineno, text in lines:
            if not self.inside:
                m = _HITS_ARRAY.search(text)
                if m is None:
                    self._count(_ENVELOPE_LINE)
                    continue
                self.inside = True
                self.buf, self.held = text[m.end():], [[0, lineno, _ENVELOPE_LINE, text]]
                self.length = len(self.buf)
            else:
                self.held.append([self.length + 1, lineno, _UNTOUCHED, text])
                self.pending.append("\n" + text)
                self.length += 1 + len(text)
                if not text.rstrip().endswith(_CLOSERS) and self.length <= MAX_HIT_CHARS:
                    continue  # no object or list can end on this line: no decoding attempt (linear time)
                self.buf += "".join(self.pending)
                self.pending = []
            yield from self._hits()
        self.buf += "".join(self.pending)
        yield from self._flush()

    def _hits(self) -> Iterator[Line]:
        while True:
            pos = _SKIP.match(self.buf).end()  # type: ignore[union-attr]
            if pos >= len(self.buf):
                return
            if self.buf[pos] == "]":
                # the hit list ends: the rest of this response (up to the next page's hit list) is envelope
                self._drop(len(self.buf) + 1)
                self.inside = False
                return
            try:
                hit, end = _DECODER.raw_decode(self.buf, pos)
            except (ValueError, RecursionError):
                if len(self.buf) > MAX_HIT_CHARS:
                    yield from self._flush()
                return
            first = self._mark(pos, end)
            self._drop(end)
            yield first, json.dumps(hit, ensure_ascii=False, separators=(",", ":"))

    def _mark(self, pos: int, end: int) -> int:
        """Mark the lines a hit spans; return the number of the line it starts on."""
        first = None
        for entry in reversed(self.held):
            if entry[0] >= end:
                continue
            if entry[0] > pos:
                entry[2] = entry[2] if entry[2] == _HIT_START else _IN_HIT
                continue
            first = entry
            break
        if first is None:
            first = self.held[0]
        # a second hit on one physical line (a compact page) is a line read of its own, like the first
        first[2] = _HIT_START
        return int(first[1])

    def _drop(self, end: int) -> None:
        """Forget the text before `end`; count each physical line that lies wholly before it."""
        keep_from = 0
        for i, entry in enumerate(self.held):
            nxt = self.held[i + 1][0] if i + 1 < len(self.held) else len(self.buf) + 1
            if nxt <= end:
                self._count(entry[2])
                keep_from = i + 1
        self.held = [[max(0, e[0] - end), e[1], e[2], e[3]] for e in self.held[keep_from:]]
        self.buf = self.buf[end:]
        self.length = len(self.buf)

    def _count(self, fate: int) -> None:
        if fate != _HIT_START:  # a hit's first line is the line the parser reads
            _count(self.ctx, meta=fate != _IN_HIT)

    def _flush(self) -> Iterator[Line]:
        """Count what never decoded (a truncated page, a broken hit) unparsed, line by line."""
        for _, lineno, fate, text in self.held:
            if fate in (_HIT_START, _IN_HIT):
                self._count(fate)
            elif self.ctx is not None:
                self.ctx.stats.lines_read += 1
                self.ctx.unparsed(lineno, text, "not a complete search hit")
        self.buf, self.held, self.inside, self.pending, self.length = "", [], False, [], 0
        return iter(())


def _csv_rows(lines: Iterable[Line], ctx: ParseContext | None) -> Iterator[Line]:
    """One `{"csv": {column: value}}` line per row; the header and a quoted field's extra lines are counted here."""
    numbered = iter(lines)
    header: list[str] | None = None
    for lineno, text in numbered:
        if header is None:
            if text.strip():
                header = _fields(text.lstrip("\ufeff"))
            _count(ctx, meta=True)
            continue
        if not text.strip():
            _count(ctx, meta=True)
            continue
        first, row = lineno, text
        while row.count('"') % 2:
            nxt = next(numbered, None)
            if nxt is None:
                break
            row += "\n" + nxt[1]
            _count(ctx, meta=False)
        fields = _fields(row)
        if len(fields) != len(header):
            if ctx is not None:
                ctx.stats.lines_read += 1
                ctx.unparsed(first, row, f"a CSV row of {len(fields)} fields under {len(header)} columns")
            continue
        yield first, json.dumps({"csv": _with_time(dict(zip(header, fields, strict=True)))},
                                ensure_ascii=False, separators=(",", ":"))


def _fields(row: str) -> list[str]:
    """A CSV row's fields; no field at all for what the csv module refuses (NUL, a stray CR)."""
    try:
        return next(csv.reader([row]), [])
    except csv.Error:
        return []


def _with_time(row: dict[str, str]) -> dict[str, str]:
    """Add `_time` (ISO) from the row's time column, whether Dashboards' dateFormat or ISO 8601."""
    for column in CSV_TIME_COLUMNS:
        value = row.get(column)
        if not value:
            continue
        m = _DASHBOARDS_TIME.fullmatch(value.strip())
        if m:
            try:
                day = datetime.strptime(f"{m['mon']} {m['day']} {m['year']}", "%b %d %Y")
            except ValueError:
                continue
            row["_time"] = f"{day:%Y-%m-%d} {m['clock']}"
            return row
        if value[:4].isdigit():
            row["_time"] = value.replace("T", " ")[:23]
            return row
    return row


def _count(ctx: ParseContext | None, *, meta: bool) -> None:
    if ctx is None:
        return
    ctx.stats.lines_read += 1
    if meta:
        ctx.stats.meta_lines += 1
    else:
        ctx.stats.continuation_lines += 1
