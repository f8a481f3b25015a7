"""One-line records of other programs with a dated header of their own (ceph …), from data.

A ceph client line quoted in an ansible failure (`stderr: 2016-09-02
15:46:53.204370 7f3d887c6700  0 librados: … authentication error`), an OSD's
heartbeat error pasted under nova's `rbd` traceback: records of another
program, with their own time, that no syslog wrapper names.  Their shapes are
data (data/record_formats.yaml, each entry with sample lines checked by
tests), not code paths: this module only applies the table.

Such a line is an Event of its program: service from the wrapper's program
tag when one named it, else the entry's; host from the context (a wrapper's
host is already there); time from the record's stamp (a stamp without offset
is the host's local time, --tz); level from the entry's `levels`, else the
shape of the message (record_levels.yaml), else unknown.  No logger, request
or instance: markers and signatures decide from the text, like for any record.
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
from migtrace.parsers._programs import service_from_identifier
from migtrace.parsers.syslog_record import OSLO_LEVELS, level_of

FORMATS_FILE = "record_formats.yaml"

_SCHEMA: Mapping[str, Key] = {
    "name": Key(required=True),
    "service": Key(required=True),
    "source": Key(required=True),
    "regex": Key(required=True, regex=True),
    "levels": Key(kind=dict, required=True),
    "samples": Key(kind=list, required=True),
}

#: the groups every entry's regex must have
_GROUPS = ("time", "message")


@dataclass(frozen=True, slots=True)
class RecordFormat:
    """One program's one-line record format."""

    name: str
    service: str
    pattern: re.Pattern[str]
    levels: Mapping[str, str]


def format_entries() -> tuple[Mapping[str, Any], ...]:
    """The raw entries (for the samples test and the docs)."""
    text, where = read_text(FORMATS_FILE)
    return tuple(entries(load_document(text, where), "formats", _SCHEMA, where))


@lru_cache(maxsize=1)
def formats() -> tuple[RecordFormat, ...]:
    """Load and compile record_formats.yaml (once); a bad level name or a missing group is a data error."""
    where = f"migtrace/data/{FORMATS_FILE}"
    out = []
    for e in format_entries():
        pattern = re.compile(e["regex"])
        missing = [g for g in _GROUPS if g not in pattern.groupindex]
        if missing:
            raise DataError(f"{where}: formats ({e['name']}): regex lacks group(s) {missing}")
        levels = {str(k): str(v) for k, v in e["levels"].items()}
        bad = sorted(v for v in levels.values() if v not in OSLO_LEVELS)
        if bad:
            raise DataError(f"{where}: formats ({e['name']}): levels {bad} are not oslo level names")
        out.append(RecordFormat(e["name"], e["service"], pattern, levels))
    return tuple(out)


def read_fields(text: str) -> tuple[RecordFormat, re.Match[str]] | None:
    """The first format whose regex matches the whole line, with its match; None when none does."""
    if not text[:1].isalnum():
        return None  # every format starts with its stamp (or a word prefix): not a traceback line
    for fmt in formats():
        m = fmt.pattern.fullmatch(text)
        if m is not None:
            return fmt, m
    return None


def stamp(text: str) -> datetime:
    """Read a record stamp (`2016-09-02 15:46:53.204370`, `2020-05-04T10:21:33.123+0000`); ValueError if impossible."""
    return datetime.fromisoformat(text)


def level(fmt: RecordFormat, m: re.Match[str]) -> str | None:
    """The record's level: the format's own word or number, else the message's shape, else None."""
    word = m.group("level") if "level" in fmt.pattern.groupindex else None
    found = fmt.levels.get(word) if word is not None else None
    return found if found is not None else level_of(m.group("message"))


def record(text: str, ctx: ParseContext, lineno: int, program: str | None = None) -> Event | None:
    """The Event of a line in one of the table's formats; None for any other line or an impossible stamp."""
    got = read_fields(text)
    if got is None:
        return None
    fmt, m = got
    try:
        time = localize(stamp(m.group("time")), ctx.tz)
    except ValueError:
        return None
    service = service_from_identifier(program) if program else fmt.service
    return Event(time=time, time_text=m.group("time"), message=m.group("message"), host=ctx.host,
                 service=service, level=level(fmt, m), source=ctx.path, lineno=lineno, fmt=fmt.name)
