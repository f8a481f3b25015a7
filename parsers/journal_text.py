"""journalctl text output: short, short-precise, short-iso(-precise), short-full/with-unit, short-unix.

This is what devstack's job logs are (`screen-n-cpu.txt` is
`journalctl -o short-precise --unit devstack@n-cpu.service`) and what
operators paste.  Each line is `<time> <host> <identifier>[<pid>]: <MESSAGE>`;
the MESSAGE is the devstack-formatted oslo record (no timestamp, no pid) or,
under podman, a full oslo line.  Continuation of a MESSAGE that itself had
newlines is printed indented under it; records journald split per line are
re-joined by `_journal_common.fold_entries`.

Time: `short`/`short-precise` print the local time of the machine that ran
journalctl, without a year.  The year is `ctx.year` (from `--year` or the
file mtime), overridden by a banner with a full date
(`-- Logs begin at Tue 2024-05-14 …`) or by a podman payload's own date; a
month going backwards by half a year or more means the year rolled over.
`short-iso`, `short-full` and `short-unix` carry their own offset or zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone

from migtrace._naming import service_from_logger
from migtrace._timeutil import localize
from migtrace.model import Event
from migtrace.parsers import line_records
from migtrace.parsers._ansi import strip_ansi
from migtrace.parsers._base import Head, InputData, Line, ParseContext, Sample
from migtrace.parsers._header import TIMESTAMP
from migtrace.parsers._journal_common import JournalEntry, fold_entries
from migtrace.parsers._programs import LEVEL_BY_PRIORITY
from migtrace.parsers.oslo import parse_payload
from migtrace.parsers.syslog_record import is_uptime_line

# Pasted logs come indented or with "- " list markers; journalctl itself prints neither.
_LEAD = r"[ \t]*(?:- )?"
_TAIL = (r" (?P<host>\S+) (?P<ident>[^\s\[]+?)(?:\[(?P<pid>\d{1,10})\])?:(?: (?P<msg>.*))?$")

#: variant -> full-line regex; every variant yields ts, host, ident, pid, msg.
patterns: dict[str, re.Pattern[str]] = {
    "short": re.compile(_LEAD + r"(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)" + _TAIL),
    "short-precise": re.compile(_LEAD + r"(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{1,9})" + _TAIL),
    "short-iso": re.compile(
        _LEAD + r"(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[+-]\d\d:?\d\d|Z))" + _TAIL),
    "short-full": re.compile(
        _LEAD + r"(?P<ts>[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})? [A-Za-z][\w+\-/]{0,31})"
        + _TAIL),
    "short-unix": re.compile(_LEAD + r"(?P<ts>\d{9,11}\.\d{1,9})" + _TAIL),
}

#: journalctl's own lines: `-- Logs begin at …`, `-- Journal begins at …`, `-- Boot <id> --`, …
_BANNER = re.compile(r"^[ \t]*(?:- )?-- (?P<text>.*?)(?: --)?\s*$")
_BANNER_DATE = re.compile(r"(?:begin|begins|began) at \w{3},? (?P<y>\d{4})-(?P<m>\d\d)-\d\d")
_BANNER_WORDS = ("Logs begin", "Journal begins", "Boot ", "Reboot", "No entries", "Journal started",
                 "Journal stopped", "Logs end", "Journal ends", "Subject:", "Defined-By:",
                 "Support:", "Documentation:", "cursor:")
#: Any header at all, for the cheap first test and for sniffing.
_ANY = re.compile(_LEAD + r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
                  r"|[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d{9,11}\.\d)")
_PAYLOAD_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d\d)-\d\d[ T]\d\d:")

_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
#: A month this far behind the previous line's month means a new year, not disorder.
_ROLLOVER_MONTHS = 6

_VARIANTS = tuple(patterns.items())
#: a syslog PRI on the wire (RFC 3164/5424 `<facility*8+severity>`): its severity is the entry's priority
_PRI = re.compile(r"<(\d{1,3})>(?=[A-Z0-9])")
#: an oslo header's stamp at the start of a line (`_other_record`)
_OSLO_STAMP = re.compile(r"(" + TIMESTAMP + r")\s")


class _YearTracker:
    """Infer the year of yearless timestamps as the file is read (see module docstring)."""

    __slots__ = ("ctx", "last_month", "warned", "year")

    def __init__(self, ctx: ParseContext) -> None:
        self.year = ctx.year
        self.last_month = 0
        self.ctx = ctx
        self.warned = False

    def anchor(self, year: int, month: int) -> None:
        """Take the year from a full date in the content (banner, payload)."""
        self.year = year
        self.last_month = month

    def year_for(self, month: int) -> int:
        """Return the year of a line in `month`, advancing it across New Year."""
        if self.year is None:
            self.year = datetime.now(UTC).year
            if not self.warned:
                self.warned = True
                self.ctx.warn(f"{self.ctx.path}: journal text has no year; assuming {self.year} "
                              "(use --year)")
        if self.last_month - month >= _ROLLOVER_MONTHS:
            self.year += 1
        self.last_month = month
        return self.year


class _Clock:
    """Turn the printed timestamps into aware UTC, caching the per-second work."""

    __slots__ = ("base", "ctx", "key", "years")

    def __init__(self, ctx: ParseContext, years: _YearTracker) -> None:
        self.ctx = ctx
        self.years = years
        self.key: tuple[int, str] | None = None
        self.base: datetime | None = None

    def yearless(self, ts: str) -> datetime:
        """`May 14 10:02:03[.123456]` in ctx.tz; raises ValueError for impossible dates."""
        month = _MONTHS.get(ts[:3])
        if month is None:
            raise ValueError(f"unknown month {ts[:3]!r}")
        year = self.years.year_for(month)
        key = (year, ts[:15])
        if key != self.key:
            naive = datetime(year, month, int(ts[4:6]), int(ts[7:9]), int(ts[10:12]), int(ts[13:15]))
            self.base = localize(naive, self.ctx.tz)
            self.key = key
        assert self.base is not None
        if len(ts) > 16:
            return self.base + timedelta(microseconds=_micros(ts[16:]))
        return self.base

    def iso(self, ts: str) -> datetime:
        """`2024-05-14T10:02:03[.123456]+0000`: exact."""
        if ts.endswith("Z"):
            ts = ts[:-1] + "+00:00"
        head, offset = ts[:-5], ts[-5:]
        if ":" in offset:  # +hh:mm
            head, offset = ts[:-6], ts[-6:].replace(":", "")
        base, _, frac = head.partition(".")
        naive = datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        when = naive.replace(tzinfo=zone).astimezone(UTC)
        return when + timedelta(microseconds=_micros(frac)) if frac else when

    def full(self, ts: str) -> datetime:
        """`Tue 2024-05-14 10:02:03 UTC`: UTC when it says so, else the zone journalctl ran in."""
        _, date, clock, zone = ts.split(" ", 3)
        base, _, frac = clock.partition(".")
        naive = datetime.strptime(f"{date} {base}", "%Y-%m-%d %H:%M:%S")
        when = naive.replace(tzinfo=UTC) if zone in ("UTC", "GMT") else localize(naive, self.ctx.tz)
        self.years.anchor(naive.year, naive.month)
        return when + timedelta(microseconds=_micros(frac)) if frac else when

    @staticmethod
    def unix(ts: str) -> datetime:
        """`1715680923.123456`: seconds since the epoch, exact."""
        seconds, _, frac = ts.partition(".")
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(seconds),
                                                            microseconds=_micros(frac))


def _micros(frac: str) -> int:
    """Fraction digits (1-9) to microseconds, truncating nanoseconds."""
    return int(frac[:6].ljust(6, "0")) if frac else 0


def _banner(text: str, years: _YearTracker) -> bool:
    """Recognise a journalctl banner line and take the year it names; False if it is none."""
    m = _BANNER.match(text)
    if m is None or not m.group("text").startswith(_BANNER_WORDS):
        return False
    d = _BANNER_DATE.search(m.group("text"))
    if d is not None:
        years.anchor(int(d.group("y")), int(d.group("m")))
    return True


class _Pending:
    """An entry whose indented continuation lines may still follow."""

    __slots__ = ("host", "ident", "lineno", "lines", "nlines", "pid", "priority", "time", "ts")

    def __init__(self, lineno: int, time: datetime, ts: str, host: str, ident: str,
                 pid: int | None, msg: str, priority: int | None = None) -> None:
        self.lineno = lineno
        self.priority = priority
        self.nlines = 1
        self.time = time
        self.ts = ts
        self.host = host
        self.ident = ident
        self.pid = pid
        self.lines = [msg]

    def entry(self) -> JournalEntry:
        """Freeze the entry once no more indented lines can follow."""
        return JournalEntry(
            lineno=self.lineno, line_count=self.nlines, time=self.time, time_text=self.ts,
            message="\n".join(self.lines) if len(self.lines) > 1 else self.lines[0],
            host=self.host, ident=self.ident, pid=self.pid, priority=self.priority,
        )


class JournalTextParser:
    """Parser for journalctl text output in any of its `short*` shapes."""

    name = "journal-text"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        Sample("Jan 25 09:29:50 devstack02 nova-compute[100024]: DEBUG nova.compute.manager "
               "[None req-d24912ca-820d-4f70-8805-1bf7da481eaa None None] CONF.reclaim_instance_interval "
               "<= 0, skipping... {{(pid=100024) _reclaim_queued_deletes "
               "/opt/stack/nova/nova/compute/manager.py:10299}}",
               "short", {"host": "devstack02", "service": "n-cpu", "pid": 100024, "level": "DEBUG",
                         "logger": "nova.compute.manager",
                         "request_id": "req-d24912ca-820d-4f70-8805-1bf7da481eaa",
                         "message": "CONF.reclaim_instance_interval <= 0, skipping...",
                         "time_text": "Jan 25 09:29:50"}),
        Sample("Mar 28 12:20:43.570064 ubuntu-xenial-osic-cloud1-s3500-8127579 devstack@n-api.service[8526]: "
               "INFO nova.api.openstack.requestlog [None req-d8728891-3c5a-4a86-9f33-0b2b4f2d1e11 "
               "service nova] 10.0.0.5 \"POST /compute/v2.1/os-server-external-events\" status: 200 len: 185 "
               "microversion: 2.1 time: 0.028856",
               "short-precise", {"host": "ubuntu-xenial-osic-cloud1-s3500-8127579", "service": "n-api",
                                 "pid": 8526, "level": "INFO", "logger": "nova.api.openstack.requestlog",
                                 "request_id": "req-d8728891-3c5a-4a86-9f33-0b2b4f2d1e11",
                                 "time_text": "Mar 28 12:20:43.570064"}),
        Sample("2024-05-14T10:02:03+0000 cmp1 nova-conductor[2211]: WARNING nova.conductor.tasks.live_migrate "
               "[None req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b admin admin] Live migration pre-check failed",
               "short-iso", {"host": "cmp1", "service": "n-cond", "pid": 2211, "level": "WARNING",
                             "logger": "nova.conductor.tasks.live_migrate",
                             "message": "Live migration pre-check failed",
                             "time_text": "2024-05-14T10:02:03+0000"}),
        Sample("Tue 2024-05-14 10:02:03 UTC cmp2 systemd[1]: Started Devstack devstack@n-cpu.service.",
               "short-full", {"host": "cmp2", "service": "systemd", "pid": 1, "level": None, "logger": None,
                              "message": "Started Devstack devstack@n-cpu.service."}),
        Sample("1715680923.123456 cmp3 nova-scheduler[77]: INFO nova.scheduler.manager [-] "
               "Starting scheduler",
               "short-unix", {"host": "cmp3", "service": "n-sch", "pid": 77, "level": "INFO",
                              "request_id": None, "message": "Starting scheduler"}),
    )

    def sniff(self, head: Head) -> float:
        """Score the share of non-blank head lines that are journalctl text lines or banners."""
        lines = [line for line in head.lines if line.strip()]
        if not lines:
            return 0.0
        hits = 0
        for line in lines:
            banner = _BANNER.match(line) and line.lstrip(" \t-").startswith(_BANNER_WORDS)
            if banner or (_ANY.match(line) and any(p.match(line) for _, p in _VARIANTS)):
                hits += 1
        return hits / len(lines)

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record; banners are meta, unknown lines unparsed."""
        return fold_entries(self._entries(data.lines(), ctx), ctx, self.name)

    def _entries(self, lines: Iterable[Line], ctx: ParseContext) -> Iterator[JournalEntry]:
        stats = ctx.stats
        years = _YearTracker(ctx)
        clock = _Clock(ctx, years)
        pending: _Pending | None = None
        for lineno, raw in lines:
            stats.lines_read += 1
            # journalctl colours messages, not prefixes: match first, strip colours only on a miss
            text = raw
            pri = _PRI.match(text)  # a syslog line as sent on the wire (`<30>Jan 17 …`) pasted among journalctl's
            if pri is not None:
                text = text[pri.end():]
            m = _match(text) if _ANY.match(text) else None
            if m is None:
                text = strip_ansi(raw)
                if text != raw and _ANY.match(text):
                    m = _match(text)
            if m is not None:
                variant, found = m
                try:
                    time = _time_of(variant, found.group("ts"), clock, found.group("msg"), years)
                except (ValueError, OverflowError):
                    if pending is not None:
                        yield pending.entry()
                        pending = None
                    ctx.unparsed(lineno, raw, "impossible timestamp")
                    continue
                if pending is not None:
                    yield pending.entry()
                pid = found.group("pid")
                pending = _Pending(lineno, time, found.group("ts"), found.group("host"),
                                   found.group("ident"), int(pid) if pid else None, found.group("msg") or "",
                                   int(pri.group(1)) & 7 if pri is not None else None)
                continue
            if pending is not None and text[:1] in (" ", "\t") and text.strip():
                # journalctl indents the further lines of a MESSAGE with newlines
                pending.lines.append(text.strip())
                pending.nlines += 1
                continue
            if not text.strip() or _banner(text, years):
                stats.meta_lines += 1
                continue
            other = _other_record(text, lineno, ctx)
            if other is not None:
                if pending is not None:
                    yield pending.entry()
                    pending = None
                yield other
                continue
            if is_uptime_line(text):  # a bare `dmesg` line pasted beside: a kernel record no clock can place
                if pending is not None:
                    yield pending.entry()
                    pending = None
                ctx.timeless(lineno, text)
                continue
            ctx.unparsed(lineno, raw)
        if pending is not None:
            yield pending.entry()


#: oslo level name -> the syslog PRIORITY that gives it back (`level_from_priority`)
_PRIORITY = {level: LEVEL_BY_PRIORITY.index(level) for level in set(LEVEL_BY_PRIORITY)}


def _other_record(text: str, lineno: int, ctx: ParseContext) -> JournalEntry | None:
    """A dated record of another shape among journalctl lines (a paste mixing both), as a one-line entry.

    A ceph line (data/record_formats.yaml) keeps its program, stamp and level;
    an oslo line as nova writes it to its file (`2017-03-04 17:03:52.842 171181
    ERROR nova…`) keeps its stamp, and folding reads its header like a journal
    message's.  Anything else: None (counted unparsed by the caller).
    """
    if not (text[:1].isdigit() or text.startswith("debug ")):
        return None
    got = line_records.read_fields(text)
    try:
        if got is not None:
            fmt, m = got
            level = line_records.level(fmt, m)
            return JournalEntry(lineno, 1, localize(line_records.stamp(m.group("time")), ctx.tz), m.group("time"),
                                m.group("message"), ident=fmt.service,
                                priority=_PRIORITY.get(level) if level is not None else None)
        found = _OSLO_STAMP.match(text)
        payload = parse_payload(text) if found is not None else None
        if found is None or payload is None:
            return None
        # its service as the oslo reader gives it: the file's, else its logger's (also the fold key of its traceback)
        return JournalEntry(lineno, 1, localize(datetime.fromisoformat(found.group(1).replace(",", ".")), ctx.tz),
                            found.group(1), text, ident=ctx.service or service_from_logger(payload.logger))
    except ValueError:
        return None


def _match(text: str) -> tuple[str, re.Match[str]] | None:
    """Return the variant whose regex matches the whole line."""
    for variant, pattern in _VARIANTS:
        found = pattern.match(text)
        if found is not None:
            return variant, found
    return None


def _time_of(variant: str, ts: str, clock: _Clock, msg: str | None, years: _YearTracker) -> datetime:
    """Convert a header's timestamp, letting a podman payload's full date anchor the year first."""
    if variant in ("short", "short-precise"):
        if msg and msg[:1].isdigit():
            d = _PAYLOAD_DATE.match(msg)
            if d is not None and int(d.group("m")) == _MONTHS.get(ts[:3]):
                years.anchor(int(d.group("y")), int(d.group("m")))
        return clock.yearless(ts)
    if variant == "short-iso":
        return clock.iso(ts)
    if variant == "short-full":
        return clock.full(ts)
    return clock.unix(ts)


PARSER = JournalTextParser()

__all__ = ["PARSER", "JournalTextParser", "patterns"]
