"""Rewrite the times a host wrote, in every format the sample sets use.

A host whose clock is off writes every time it produces off by the same
amount: oslo.log headers and traceback prefixes, journalctl text stamps,
``__REALTIME_TIMESTAMP`` and the cursor's ``t=`` field of a journal export,
the epoch inside ``Emitting event <LifecycleEvent: <epoch>, …>`` and the
UTC stamp QEMU puts in its own error text.  A host in the wrong time zone
only changes the *naive* local times (oslo.log, journalctl text); epochs and
QEMU's ``Z`` stamps stay UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tools.variants.records import JOURNAL_LINE, OSLO_PREFIX, UTC, Rec, parse_journal_time

EPOCH = re.compile(r"(<LifecycleEvent: )(\d+\.\d+)(, )")
QEMU_Z = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z")
BANNER_TIME = re.compile(r"[A-Z][a-z]{2} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (UTC|[A-Z]{2,5})")
CURSOR_T = re.compile(rb";t=([0-9a-f]+);")


@dataclass(frozen=True, slots=True)
class Clock:
    """How one host writes time: `skew` (its clock is off) and `local` (its zone offset, written naive)."""

    skew: timedelta = timedelta(0)
    local: timedelta = timedelta(0)
    zone_abbrev: str = "UTC"

    @property
    def identity(self) -> bool:
        """True when the host writes true UTC."""
        return not self.skew and not self.local


def _naive(t: datetime, clock: Clock) -> datetime:
    return t + clock.skew + clock.local


def shift_text(text: str, clock: Clock) -> str:
    """Shift the absolute times embedded in a message (epochs, QEMU stamps): skew only."""
    if not clock.skew:
        return text
    secs = Decimal(int(clock.skew.total_seconds() * 1_000_000)) / Decimal(1_000_000)

    def epoch(m: re.Match[str]) -> str:
        return f"{m.group(1)}{Decimal(m.group(2)) + secs}{m.group(3)}"

    def qemu(m: re.Match[str]) -> str:
        t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f") + clock.skew
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"

    return QEMU_Z.sub(qemu, EPOCH.sub(epoch, text))


def oslo_line(line: str, clock: Clock) -> str:
    """Rewrite one oslo.log line (header or traceback prefix; plain continuation lines keep their text)."""
    if clock.identity:
        return line
    m = OSLO_PREFIX.match(line)
    if m:
        t = datetime.strptime(m.group("ts"), "%Y-%m-%d %H:%M:%S.%f")
        stamp = _naive(t, clock).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        line = stamp + line[len(m.group("ts")):]
    return shift_text(line, clock)


def journal_line(line: str, clock: Clock, year: int) -> str:
    """Rewrite one journalctl short-precise line or banner."""
    if clock.identity:
        return line
    m = JOURNAL_LINE.match(line)
    if m:
        t = parse_journal_time(m.group("ts"), year).replace(tzinfo=None)
        stamp = _naive(t, clock).strftime("%b %d %H:%M:%S.%f")
        return stamp + shift_text(line[len(m.group("ts")):], clock)
    if line.startswith("-- Journal begins at"):
        def banner(bm: re.Match[str]) -> str:
            t = _naive(datetime.strptime(bm.group(1), "%Y-%m-%d %H:%M:%S"), clock)
            return t.strftime("%a %Y-%m-%d %H:%M:%S ") + clock.zone_abbrev
        return BANNER_TIME.sub(banner, line)
    return line


def export_entry(entry: list[tuple[str, bytes]], clock: Clock) -> list[tuple[str, bytes]]:
    """Shift a journal export entry's realtime stamps (skew only: they are UTC epochs)."""
    if not clock.skew:
        return entry
    us = int(clock.skew.total_seconds() * 1_000_000)
    out: list[tuple[str, bytes]] = []
    for name, value in entry:
        if name == "__REALTIME_TIMESTAMP":
            value = str(int(value) + us).encode()
        elif name == "__CURSOR":
            value = CURSOR_T.sub(lambda m: b";t=%x;" % (int(m.group(1), 16) + us), value)
        elif name == "MESSAGE":
            value = shift_text(value.decode("utf-8"), clock).encode("utf-8")
        out.append((name, value))
    return out


def written_time(rec: Rec, clock: Clock) -> datetime:
    """Return the (UTC-read) time a record's header shows after the rewrite."""
    assert rec.time is not None
    if rec.file.fmt == "journal-export":
        return rec.time + clock.skew
    return (rec.time.replace(tzinfo=None) + clock.skew + clock.local).replace(tzinfo=UTC)
