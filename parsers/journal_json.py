"""`journalctl -o json` (and `-o json-seq`): one JSON object per line, one journal entry each.

Field values are strings, except that journalctl prints a value that is not
valid UTF-8 (or contains control bytes) as an array of byte values, a
repeated field as an array of values, and a value above `--data-threshold`
as null.  `__REALTIME_TIMESTAMP` (µs since the epoch, UTC) is exact, so no
time zone or year guessing happens here.  `-o json-pretty` spreads objects
over many lines and is not read (its lines are reported unparsed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from migtrace.model import Event
from migtrace.parsers._base import Head, InputData, Line, ParseContext, Sample
from migtrace.parsers._journal_common import JournalEntry, entry_from_fields, fold_entries

#: variant -> regex a line must match before it is handed to json.loads.
patterns: dict[str, re.Pattern[str]] = {
    "json": re.compile(r'^\x1e?\s*\{.*"__REALTIME_TIMESTAMP"\s*:\s*"?(?P<realtime>\d+)"?.*\}\s*$'),
}


class JournalJsonParser:
    """Parser for `journalctl -o json` / `-o json-seq` output."""

    name = "journal-json"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        Sample('{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1715680923123456","_HOSTNAME":"cmp1",'
               '"_SYSTEMD_UNIT":"devstack@n-cpu.service","SYSLOG_IDENTIFIER":"nova-compute","_PID":"4242",'
               '"PRIORITY":"6","REQUEST_ID":"req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b",'
               '"MESSAGE":"INFO nova.compute.manager [None req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b admin admin] '
               '[instance: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d] _post_live_migration() is started.."}',
               "json", {"host": "cmp1", "service": "n-cpu", "pid": 4242, "level": "INFO",
                        "logger": "nova.compute.manager",
                        "request_id": "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b",
                        "instance": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                        "message": "_post_live_migration() is started..",
                        "time_text": "1715680923123456"}),
    )

    def sniff(self, head: Head) -> float:
        """Score the share of non-blank head lines that are journal JSON objects."""
        lines = [line for line in head.lines if line.strip()]
        if not lines:
            return 0.0
        hits = sum(1 for line in lines
                   if line.lstrip("\x1e \t").startswith("{")
                   and ('"__REALTIME_TIMESTAMP"' in line or '"__CURSOR"' in line))
        return hits / len(lines)

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record; every line is read, folded, meta (blank) or unparsed."""
        return fold_entries(_entries(data.lines(), ctx), ctx, self.name)


def _entries(lines: Iterable[Line], ctx: ParseContext) -> Iterator[JournalEntry]:
    stats = ctx.stats
    for lineno, raw in lines:
        stats.lines_read += 1
        text = raw.strip().lstrip("\x1e")  # json-seq puts RS before each object
        if not text:
            stats.meta_lines += 1
            continue
        if text[0] != "{":
            ctx.unparsed(lineno, raw, "not a JSON object")
            continue
        try:
            fields = json.loads(text)
        except (ValueError, RecursionError):
            ctx.unparsed(lineno, raw, "invalid JSON")
            continue
        if not isinstance(fields, dict):
            ctx.unparsed(lineno, raw, "not a JSON object")
            continue
        if "\\ud" in text or "\\uD" in text:  # a lone surrogate escape: no UTF-8 writer takes it
            fields = _scrub(fields)
        try:
            entry = entry_from_fields(fields, lineno, 1)
        except (OverflowError, ValueError):
            entry = None
        if entry is None:
            ctx.unparsed(lineno, raw, "journal entry without a usable __REALTIME_TIMESTAMP")
            continue
        yield entry


PARSER = JournalJsonParser()

__all__ = ["PARSER", "JournalJsonParser", "patterns"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    """Replace lone surrogates (`"\\ud800"` is valid JSON, not valid text) with U+FFFD, keys included."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
