"""Records of other programs found among nova's lines: syslog lines of any TAG, kernel lines.

A paste or a collector file mixes nova with whatever else the host logged:
`Mar 4 17:37:19 compute1 NetworkManager[1050]: <info> …`, `kernel: [86474.2] audit: …`,
`systemd[1]: Started Session 42 …`, `dmesg -T` lines.  They are log records
— of their program, not of nova — so they become Events of their own and
never continuation lines of the nova record they fall between:

- service: the program tag (nova's programs get nova's short names,
  `_programs.service_from_identifier`, as in the journal readers);
- host: the syslog HOSTNAME (the caller's context already holds it);
- time: the syslog time (a yearless `Mar  4 17:37:19` takes the year of the
  file's dated records around it, else `--year`/the file's year), `dmesg -T`'s
  own local time;
- level: the wire `<PRI>` when the line kept it, else the level the
  program wrote into its text in a known shape (data: record_levels.yaml),
  else unknown;
- no logger, request or instance: nothing in such a line says which move it
  belongs to; markers and signatures decide that from the text, like for any
  record.

A bare `dmesg` line (`[86474.268050] text`) counts seconds since boot, not a
time of day: it is no Event (it cannot be placed in time) and is counted
unparsed with that reason, never folded into a nova record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace._timeutil import localize
from migtrace.errors import DataError
from migtrace.model import Event
from migtrace.parsers._base import ParseContext
from migtrace.parsers._programs import level_from_priority, service_from_identifier
from migtrace.parsers.transport import wrapper_time

LEVELS_FILE = "record_levels.yaml"
#: oslo's level names, the only values a `levels` map may give
OSLO_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

_SCHEMA: Mapping[str, Key] = {
    "name": Key(required=True),
    "source": Key(required=True),
    "regex": Key(required=True, regex=True),
    "levels": Key(kind=dict, required=True),
    "samples": Key(kind=list, required=True),
}

#: `dmesg -T`: `[Wed Mar 14 06:41:14 2018] text` — the local time of the host, with its year
DMESG_TIME = re.compile(r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})\] "
                        r"(?P<message>.*)$")
#: bare `dmesg`: `[86474.268050] text` — seconds since boot: no time of day
DMESG_UPTIME = re.compile(r"\[ *\d+\.\d{6}\] \S")
#: a yearless syslog month this far before the dated record around it means the next year
_ROLLOVER_MONTHS = 6


@dataclass(frozen=True, slots=True)
class LevelRule:
    """One shape in which programs write their level into their text."""

    name: str
    pattern: re.Pattern[str]
    levels: Mapping[str, str]


@lru_cache(maxsize=1)
def level_rules() -> tuple[LevelRule, ...]:
    """Load and compile record_levels.yaml (once); a level outside oslo's names is a data error."""
    text, where = read_text(LEVELS_FILE)
    rules = []
    for e in entries(load_document(text, where), "levels", _SCHEMA, where):
        levels = {str(k): str(v) for k, v in e["levels"].items()}
        bad = sorted(v for v in levels.values() if v not in OSLO_LEVELS)
        if bad:
            raise DataError(f"{where}: levels ({e['name']}): {bad} are not oslo level names")
        rules.append(LevelRule(e["name"], re.compile(e["regex"]), levels))
    return tuple(rules)


def level_entries() -> tuple[Mapping[str, Any], ...]:
    """The raw entries (for the samples test)."""
    text, where = read_text(LEVELS_FILE)
    return tuple(entries(load_document(text, where), "levels", _SCHEMA, where))


def level_of(message: str, pri: str | None = None) -> str | None:
    """The level of another program's record: its `<PRI>` severity, else what its text says, else None."""
    if pri is not None and pri.isdigit():
        return level_from_priority(int(pri) % 8)
    for rule in level_rules():
        m = rule.pattern.search(message)
        if m is not None:
            found = rule.levels.get(m.group("level"))
            if found is not None:
                return found
    return None


def syslog_time(text: str, ctx: ParseContext, around: datetime | None) -> datetime | None:
    """The UTC time of a syslog header's stamp; None when it cannot be known (no year, impossible date).

    A yearless stamp takes the year of `around` (the dated record it sits
    among), one more when its month is half a year before that record's;
    without one, the context's year (`--year`, the file's).
    """
    year = ctx.year
    if around is not None and text[:1].isalpha():
        year = around.year
        stamp = wrapper_time(text, year)
        if stamp is not None and around.month - stamp.month >= _ROLLOVER_MONTHS:
            year += 1
    stamp = wrapper_time(text, year)
    if stamp is None:
        return None
    try:
        return localize(stamp, ctx.tz)
    except ValueError:
        return None


def record(reveal: Mapping[str, str], message: str, ctx: ParseContext, lineno: int,
           around: datetime | None) -> Event | None:
    """The Event of another program's syslog line (its wrapper revealed program and time); None without a time."""
    ts = reveal.get("time")
    time = syslog_time(ts, ctx, around) if ts else None
    if time is None or ts is None:
        return None
    pid = reveal.get("pid")
    return Event(time=time, time_text=ts, message=message, host=ctx.host,
                 service=service_from_identifier(reveal.get("program")),
                 pid=int(pid) if pid and pid.isdigit() else None, level=level_of(message, reveal.get("pri")),
                 source=ctx.path, lineno=lineno, fmt=FMT)


def kernel_record(text: str, ctx: ParseContext, lineno: int) -> Event | None:
    """The Event of a `dmesg -T` line (kernel, local time with its year); None for any other line."""
    m = DMESG_TIME.match(text)
    if m is None:
        return None
    try:
        time = localize(datetime.strptime(" ".join(m.group("ts").split()), "%b %d %H:%M:%S %Y"), ctx.tz)
    except ValueError:
        return None
    message = m.group("message")
    return Event(time=time, time_text=m.group("ts"), message=message, host=ctx.host, service="kernel",
                 level=level_of(message), source=ctx.path, lineno=lineno, fmt=FMT)


def is_uptime_line(text: str) -> bool:
    """True for a bare `dmesg` line (seconds since boot): a kernel record no clock can place."""
    return text[:1] == "[" and DMESG_UPTIME.match(text) is not None


#: the `fmt` of these Events (what `merge` shows as their format)
FMT = "syslog"
