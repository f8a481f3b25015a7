"""Stalls: a move stuck on a command or call that never returned while its host kept logging.

Such a move has no failure to match: its story just stops after `Running cmd
(subprocess): ssh …` and, without this module, reads as "unknown, 1.5 s".
The rules (migtrace/data/stalls.yaml) say which steps to watch, which lines
prove a step returned, and how long the host must have gone on logging
before the step counts as stuck rather than slow.  Only moves that reached no
outcome are examined; the verdict is the status `stalled` and a finding that
names the command, the host and how long it was seen not to return.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.diagnose.catalog import SEVERITIES
from migtrace.model import Event, Finding, Migration

#: statuses a move can have when nova never logged how it ended
OPEN_STATUSES = frozenset({"unknown", "in-progress"})

_SCHEMA = {
    "id": Key(required=True), "title": Key(required=True), "severity": Key(required=True, choices=SEVERITIES),
    "logger": Key(list, required=True), "start": Key(required=True, regex=True),
    "command": Key(required=True, regex=True), "ends": Key(list, required=True), "thread": Key(bool),
    "idle_s": Key(int, required=True), "explanation": Key(required=True), "remedy": Key(required=True),
    "why": Key(required=True),
}


@dataclass(frozen=True, slots=True)
class StallRule:
    """One kind of step that can hang, and the lines that prove it returned."""

    id: str
    title: str
    severity: str
    loggers: tuple[str, ...]
    start: re.Pattern[str]
    command: re.Pattern[str]
    ends: tuple[re.Pattern[str], ...]
    thread: bool
    idle_s: int
    explanation: str
    remedy: str

    def started(self, event: Event) -> str | None:
        """Return the command this record starts, if it starts one this rule watches."""
        if not (event.logger or "").startswith(self.loggers):
            return None
        m = self.start.search(event.message)
        if m is None or not self.command.search(m.group("command")):
            return None
        return m.group("command")

    def ended(self, start: Event, command: str, later: Event) -> bool:
        """True when `later` proves the step begun by `start` returned."""
        if later.host != start.host:
            return False
        if self.thread and later.request_id is not None and later.request_id == start.request_id:
            return True
        for pattern in self.ends:
            m = pattern.search(later.message)
            if m is not None and m.groupdict().get("command", command) == command:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Stall:
    """A step that never returned: the rule, its start record, the command and the silence after it."""

    rule: StallRule
    event: Event
    command: str
    seconds: float

    def note(self) -> str:
        """One line for the move's notes."""
        return (f"stalled: `{self.command}` started at {self.event.time_text or self.event.time} on "
                f"{self.event.host or self.event.source} never returned; the host kept logging for "
                f"{duration(self.seconds)} after it")

    def finding(self, migration_id: str, phase: str | None) -> Finding:
        """The finding that says so."""
        where = self.event.host or self.event.source
        return Finding(
            signature_id=self.rule.id, severity=self.rule.severity, first_seen=self.event.time,
            last_seen=self.event.time, phase=phase, migration_id=migration_id,
            title=f"{self.rule.title}: `{_short(self.command)}` on {where}, no return for "
                  f"{duration(self.seconds)} while the host kept logging",
            explanation=self.rule.explanation, remedy=self.rule.remedy, events=(self.event,))


@cache
def stall_rules(path: str | None = None) -> tuple[StallRule, ...]:
    """Return the rules of migtrace/data/stalls.yaml (or of another file, for tests)."""
    text, where = read_text("stalls.yaml", path)
    found = entries(load_document(text, where), "stalls", _SCHEMA, where)
    return tuple(StallRule(
        id=e["id"], title=e["title"], severity=e["severity"], loggers=tuple(e["logger"]),
        start=re.compile(e["start"]), command=re.compile(e["command"]),
        ends=tuple(re.compile(p) for p in e["ends"]), thread=bool(e.get("thread")), idle_s=e["idle_s"],
        explanation=" ".join(e["explanation"].split()), remedy=" ".join(e["remedy"].split()),
    ) for e in found)


def find_stall(migration: Migration, last_seen: Mapping[str, datetime]) -> Stall | None:
    """Return the step the move is stuck on, or None.

    `last_seen` maps a host (or, for records without one, a source path) to the
    time of the last record read from it, whatever the record was.
    """
    if migration.status not in OPEN_STATUSES:
        return None
    found: list[Stall] = []
    for rule in stall_rules():
        stall = _last_open_step(rule, migration.events, last_seen)
        if stall is not None:
            found.append(stall)
    return max(found, key=lambda s: s.event.time) if found else None


def _last_open_step(rule: StallRule, events: Sequence[Event], last_seen: Mapping[str, datetime]) -> Stall | None:
    for i in range(len(events) - 1, -1, -1):
        command = rule.started(events[i])
        if command is None:
            continue
        start = events[i]
        if any(rule.ended(start, command, later) for later in events[i + 1:]):
            return None  # the latest step of this kind returned: earlier ones did too
        seen = last_seen.get(start.host or start.source)
        if seen is None:
            return None
        silence = (seen - start.time).total_seconds()
        return Stall(rule, start, command, silence) if silence >= rule.idle_s else None
    return None


def duration(seconds: float) -> str:
    """Say a duration the way an operator reads it: `45 s`, `9 min 57 s`, `2 h 5 min`."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _short(command: str, limit: int = 120) -> str:
    return command if len(command) <= limit else command[:limit - 1] + "…"
