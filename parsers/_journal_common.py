"""What every journald reader shares: unit → service names, PRIORITY → level, record folding.

journald stores one *entry* per line a service wrote to stdout, so devstack's
multi-line records (tracebacks, remote tracebacks, CPU-compare messages)
arrive as a run of entries from the same process, the first with an oslo
header and the rest with none (docs/nova-migration-logs.md §1.3/§1.4).  All four
journal formats (text, json, export, binary) turn their input into
`JournalEntry` objects and let `fold_entries` decide which entries start a
record and which continue one, so the rule lives in one place:

    an entry whose payload is not an oslo header, and that follows within
    1 s an oslo record of the same identifier+pid, is a continuation;
    anything else is a record of its own (level from PRIORITY, or from its
    text when a journalctl text line lost the PRIORITY: `syslog_record.level_of`;
    no logger).

Records are yielded in the order their first entry was read, whatever the
interleaving of processes; at most a 1 s window of open records is held.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from migtrace.model import Event
from migtrace.parsers._ansi import strip_ansi
from migtrace.parsers._base import ParseContext
from migtrace.parsers._programs import known_service, level_from_priority, service_from_identifier
from migtrace.parsers.oslo import Payload, parse_payload
from migtrace.parsers.syslog_record import level_of

#: A continuation entry must follow its record's last entry within this window.
CONTINUATION_WINDOW = timedelta(seconds=1)
#: Open records held for ordering before the oldest is forced out.
_MAX_OPEN = 512


def decode_value(value: object) -> str | None:
    """Turn a journal field value (str, bytes, byte array, int, list of values) into text.

    `journalctl -o json` prints non-UTF-8 or binary values as arrays of byte
    values and repeated fields as arrays of values; systemd-python hands out
    bytes when decoding failed.  The first value of a repeated field wins.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        if not value:
            return ""
        if all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 256 for v in value):
            return bytes(value).decode("utf-8", "replace")
        return decode_value(value[0])
    return str(value)


def to_int(value: object) -> int | None:
    """Read an integer field (PRIORITY, _PID); None when absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = decode_value(value)
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > 20 or not (text.isdigit() or (text[0] == "-" and text[1:].isdigit())):
        return None
    return int(text)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal entry as any of the journal formats delivers it, before folding.

    `lineno`/`line_count` are in the unit the format accounts in (text lines,
    json lines, export field lines, binary entries).
    """

    lineno: int
    line_count: int
    time: datetime
    time_text: str
    message: str
    host: str | None = None
    ident: str | None = None
    unit: str | None = None
    pid: int | None = None
    priority: int | None = None
    request_id: str | None = None
    user: str | None = None
    project: str | None = None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Fields that name the writer of an entry, in the order they are trusted.
_IDENT_FIELDS = ("SYSLOG_IDENTIFIER", "_COMM")
_PID_FIELDS = ("_PID", "SYSLOG_PID")
_TIME_FIELDS = ("__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP")


def realtime(usec: int) -> datetime:
    """Turn a journald µs-since-epoch value into an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=usec)


def entry_from_fields(fields: Mapping[str, object], lineno: int, line_count: int) -> JournalEntry | None:
    """Build a JournalEntry from a journal field mapping (json, export, binary); None without a time."""
    usec = None
    for name in _TIME_FIELDS:
        usec = to_int(fields.get(name))
        if usec is not None:
            break
    if usec is None:
        return None
    time = realtime(usec)  # OverflowError for absurd values: callers treat as unparsed
    ident = None
    for name in _IDENT_FIELDS:
        ident = decode_value(fields.get(name))
        if ident:
            break
    pid = None
    for name in _PID_FIELDS:
        pid = to_int(fields.get(name))
        if pid is not None:
            break
    return JournalEntry(
        lineno=lineno, line_count=line_count, time=time, time_text=str(usec),
        message=decode_value(fields.get("MESSAGE")) or "",
        host=decode_value(fields.get("_HOSTNAME")) or None,
        ident=ident or None,
        unit=decode_value(fields.get("_SYSTEMD_UNIT")) or None,
        pid=pid,
        priority=to_int(fields.get("PRIORITY")),
        request_id=decode_value(fields.get("REQUEST_ID")) or None,
        user=decode_value(fields.get("USER_ID")) or decode_value(fields.get("USER_NAME")) or None,
        project=decode_value(fields.get("PROJECT_ID")) or decode_value(fields.get("PROJECT_NAME")) or None,
    )


class _Open:
    """A record being built: its first entry, parsed payload and continuation lines."""

    __slots__ = ("done", "entry", "extra", "key", "last_time", "message", "nlines", "payload")

    def __init__(self, entry: JournalEntry, payload: Payload | None, message: str,
                 extra: list[str], key: tuple[str | None, int | None]) -> None:
        self.entry = entry
        self.payload = payload
        self.message = message
        self.extra = extra
        self.nlines = entry.line_count
        self.last_time = entry.time
        self.key = key
        self.done = payload is None


def _split(text: str) -> tuple[str, list[str]]:
    """Split a MESSAGE into its first line and the rest (use_journal=True keeps newlines)."""
    if "\n" not in text:
        return text.rstrip("\r"), []
    lines = [line.rstrip("\r") for line in text.split("\n")]
    return lines[0], lines[1:]


def _payload_of(first: str) -> Payload | None:
    """Parse an oslo header or exception-prefix line; cheap exit for other text."""
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return None
    return parse_payload(first)


def _continuation_text(first: str, payload: Payload | None) -> str:
    """Return a continuation line without its exception prefix, keeping the traceback's indent.

    `parse_payload` gives the text after the prefix with leading blanks
    stripped; traceback frames need them (`  File …` vs `    code`).
    """
    if payload is None:
        return first
    at = first.find(payload.logger)
    if at < 0:
        return payload.message
    rest = first[at + len(payload.logger) + 1:]
    if payload.instance and rest.startswith("[instance: "):
        rest = rest[rest.find("]") + 2:]
    return rest


def service_of(entry: JournalEntry, ctx: ParseContext) -> str | None:
    """Pick the service: a nova unit, then a nova identifier, then whatever names the entry."""
    return (known_service(entry.unit) or known_service(entry.ident)
            or service_from_identifier(entry.ident) or service_from_identifier(entry.unit)
            or ctx.service)


def _emit(rec: _Open, ctx: ParseContext, fmt: str) -> Event:
    entry, payload = rec.entry, rec.payload
    extra = rec.extra
    # oslo ends every traceback with a prefix-only line: it carries nothing
    while extra and not extra[-1].strip():
        extra.pop()
    ctx.stats.records += 1
    if payload is None:
        return Event(
            time=entry.time, time_text=entry.time_text, message=rec.message,
            host=ctx.record_host(entry.host), service=service_of(entry, ctx), pid=entry.pid,
            # no PRIORITY (journalctl text): the level the program wrote in its text, else unknown
            level=level_from_priority(entry.priority) if entry.priority is not None else level_of(rec.message),
            request_id=entry.request_id,
            user=entry.user, project=entry.project, extra=tuple(extra), source=ctx.path,
            lineno=entry.lineno, line_count=rec.nlines, fmt=fmt,
        )
    return Event(
        time=entry.time, time_text=entry.time_text, message=rec.message,
        host=ctx.record_host(entry.host), service=service_of(entry, ctx),
        pid=entry.pid if entry.pid is not None else payload.pid,
        level=payload.level, logger=payload.logger,
        request_id=payload.request_id or entry.request_id,
        global_request_id=payload.global_request_id,
        user=payload.user or entry.user, project=payload.project or entry.project,
        instance=payload.instance, extra=tuple(extra), source=ctx.path,
        lineno=entry.lineno, line_count=rec.nlines, fmt=fmt,
    )


def fold_entries(entries: Iterable[JournalEntry], ctx: ParseContext, fmt: str) -> Iterator[Event]:
    """Fold journal entries into records and yield one Event per record, in input order.

    Accounts `records`, `record_lines` and `continuation_lines` in ctx.stats;
    the caller accounts `lines_read`, meta and unparsed lines.
    """
    stats = ctx.stats
    queue: deque[_Open] = deque()
    open_by_key: dict[tuple[str | None, int | None], _Open] = {}
    for entry in entries:
        text = strip_ansi(entry.message)
        first, rest = _split(text)
        payload = _payload_of(first)
        key = (entry.ident, entry.pid)
        rec = open_by_key.get(key)
        if (rec is not None and not rec.done
                and (payload is None or not payload.is_header)
                and abs(entry.time - rec.last_time) <= CONTINUATION_WINDOW):
            rec.extra.append(_continuation_text(first, payload))
            rec.extra.extend(rest)
            if payload is not None and payload.instance and rec.payload is not None \
                    and rec.payload.instance is None:
                rec.payload.instance = payload.instance
            rec.nlines += entry.line_count
            rec.last_time = entry.time
            stats.continuation_lines += entry.line_count
            continue
        if rec is not None:
            rec.done = True
        message = payload.message if payload is not None else first
        rec = _Open(entry, payload, message, rest, key)
        stats.record_lines += entry.line_count
        queue.append(rec)
        if payload is not None:
            open_by_key[key] = rec
        # emit from the head whatever can no longer take continuations
        while queue:
            head = queue[0]
            if not (head.done or entry.time - head.last_time > CONTINUATION_WINDOW
                    or len(queue) > _MAX_OPEN):
                break
            queue.popleft()
            if open_by_key.get(head.key) is head:
                del open_by_key[head.key]
            yield _emit(head, ctx, fmt)
    while queue:
        yield _emit(queue.popleft(), ctx, fmt)
