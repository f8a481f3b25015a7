"""Tell which OpenStack release wrote a set of logs, from their wording (or from `--release`).

Remedies name options that exist only from some release on; to suggest only
what the user's nova has, diagnose needs the logs' release.  Nova's wording
changed over the years (the lifecycle line, the migrate_data repr, the
monitor's progress line, TRACE vs ERROR tracebacks…); the clues in
migtrace/data/releases.yaml map such wordings to release ranges.  Each host's
range is the intersection of its clues and the logs' range the intersection
of the hosts'; only when they disagree (an upgrade half done) is the range
their span, so that a remedy is dropped only when no host could use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace._release import Release, release_named
from migtrace.diagnose._remedy import ReleaseRange
from migtrace.errors import DataError
from migtrace.model import LEVELS, Event

_SCHEMA = {"id": Key(required=True), "message": Key(regex=True), "logger": Key(), "level": Key(choices=LEVELS),
           "field": Key(choices=("global_request_id", "request_id", "user", "project", "instance")),
           "from": Key(), "to": Key(), "why": Key(required=True), "sample": Key()}


@dataclass(frozen=True, slots=True)
class Clue:
    """A wording only some releases write."""

    id: str
    low: Release | None
    high: Release | None
    message: re.Pattern[str] | None = None
    logger: str | None = None
    level: str | None = None
    field: str | None = None

    def matches(self, event: Event) -> bool:
        """True when the event has every trait the clue names."""
        if self.level is not None and event.level != self.level:
            return False
        if self.logger is not None and not (event.logger or "").startswith(self.logger):
            return False
        if self.field is not None and not getattr(event, self.field):
            return False
        return self.message is None or self.message.search(event.message) is not None


@dataclass(frozen=True, slots=True)
class LogsRelease:
    """The releases the logs may come from, and why migtrace thinks so."""

    range: ReleaseRange
    #: the clue ids seen (or `--release` when the user said it)
    basis: tuple[str, ...] = ()
    given: bool = False

    def describe(self) -> str:
        """One line for reports: `Pike–Stein (from: progress-memory-only, …)` or `unknown`."""
        if not self.range.bounded:
            return "unknown (no release-specific wording seen; give --release NAME)"
        if self.given:
            return f"{self.range.label()} (--release)"
        return f"{self.range.label()} (from the wording: {', '.join(self.basis)})"


@cache
def clues(path: str | None = None) -> tuple[Clue, ...]:
    """Return the clues of migtrace/data/releases.yaml (or of another file, for tests)."""
    text, where = read_text("releases.yaml", path)
    found = entries(load_document(text, where), "clues", _SCHEMA, where)
    return tuple(Clue(e["id"], _named(e.get("from"), f"{where}: clues[{i}] ({e['id']})"),
                      _named(e.get("to"), f"{where}: clues[{i}] ({e['id']})"),
                      re.compile(e["message"]) if e.get("message") else None,
                      e.get("logger"), e.get("level"), e.get("field")) for i, e in enumerate(found))


def _named(name: object, where: str) -> Release | None:
    if name is None:
        return None
    try:
        return release_named(str(name))
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from None


def logs_release(events: Iterable[Event], given: str | None = None,
                 seen: Mapping[str, Iterable[str]] | None = None) -> LogsRelease:
    """Return the release range of the logs: `given` (a `--release` name) or inferred from the events.

    `seen` adds the clue ids a read found per host (or source) on records it did not keep
    (`ClueHits.seen`): the pipeline notes the clue records of every input, whichever path read
    them, so every path infers the same range.
    """
    if given:
        release = release_named(given)
        return LogsRelease(ReleaseRange(release, release), ("--release",), given=True)
    hits = ClueHits()
    for event in events:
        hits.note(event)
    return release_of(_union(hits.seen, seen or {}))


def release_of(seen: Mapping[str, Iterable[str]]) -> LogsRelease:
    """The release range of these clue ids per host: each host's intersection, then the hosts'."""
    by_id = {c.id: c for c in clues()}
    found = {key: [by_id[i] for i in sorted(ids) if i in by_id] for key, ids in seen.items()}
    ranges = [_intersection(f) for f in found.values() if f]
    basis = tuple(sorted({c.id for f in found.values() for c in f}))
    return LogsRelease(_overall(ranges), basis)


def _union(*parts: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        for key, ids in part.items():
            out.setdefault(key, set()).update(ids)
    return out


class ClueHits:
    """The clues seen so far, per host (or source path when the record has no host).

    Fed one event at a time (a predicate over a read's stream: it keeps
    nothing); a host's clues already seen are not looked for again, and the
    clues still pending are tried through one combined regex, so a record
    without a clue costs one search.
    """

    def __init__(self) -> None:
        self._start = _Pending.of(clues())
        self._pending: dict[str, _Pending] = {}
        #: host or source -> ids of the clues seen there
        self.seen: dict[str, set[str]] = {}

    def note(self, event: Event) -> None:
        """Note the clues this record shows."""
        key = event.host or event.source
        left = self._pending.get(key, self._start)
        if not left.clues:
            return
        hit = [c for c in left.candidates(event) if c.matches(event)]
        if hit:
            self.seen.setdefault(key, set()).update(c.id for c in hit)
            left = _Pending.of(tuple(c for c in left.clues if c not in hit))
        self._pending[key] = left

    def by_host(self, hosts: Mapping[str, str]) -> dict[str, frozenset[str]]:
        """The clue ids per host, once the inputs without a host got one (`hosts`: source path -> host)."""
        out: dict[str, set[str]] = {}
        for key, ids in self.seen.items():
            out.setdefault(hosts.get(key, key), set()).update(ids)
        return {key: frozenset(ids) for key, ids in sorted(out.items())}


@dataclass(frozen=True, slots=True)
class _Pending:
    """The clues a host has not shown yet, with the regexes that find any of them in one pass."""

    clues: tuple[Clue, ...]
    plain: tuple[Clue, ...]
    at_start: re.Pattern[str]
    anywhere: re.Pattern[str]
    #: one trait each plain clue requires (its level, else its logger prefix, else its field): a record
    #: with none of them cannot match a plain clue (a full read tests every record: this is its fast path)
    levels: frozenset[str] = frozenset()
    loggers: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    #: a plain clue requires none of those traits: every record is tried
    always: bool = False

    @staticmethod
    def of(left: tuple[Clue, ...]) -> _Pending:
        """Patterns anchored at the start are tried there only; the others are searched."""
        patterns = [c.message.pattern for c in left if c.message is not None]
        at_start = "|".join(f"(?:{p[1:]})" for p in patterns if p.startswith("^")) or "(?!)"
        anywhere = "|".join(f"(?:{p})" for p in patterns if not p.startswith("^")) or "(?!)"
        plain = tuple(c for c in left if c.message is None)
        return _Pending(left, plain, re.compile(at_start), re.compile(anywhere),
                        frozenset(c.level for c in plain if c.level),
                        tuple(c.logger for c in plain if not c.level and c.logger),
                        tuple(c.field for c in plain if not c.level and not c.logger and c.field),
                        any(not (c.level or c.logger or c.field) for c in plain))

    def candidates(self, event: Event) -> tuple[Clue, ...]:
        """The clues this record may match: all when a pending wording is in it, else the plain ones it may."""
        message = event.message
        if self.at_start.match(message) or self.anywhere.search(message):
            return self.clues
        if (self.always or event.level in self.levels or (event.logger or "").startswith(self.loggers)
                or any(getattr(event, f) for f in self.fields)):
            return self.plain
        return ()


def _intersection(found: list[Clue]) -> ReleaseRange:
    """The releases every clue of one host allows (their span when they disagree)."""
    return _overall([ReleaseRange(c.low, c.high) for c in found])


def _overall(ranges: list[ReleaseRange]) -> ReleaseRange:
    """The releases every range allows; when they disagree (an upgrade in the middle), their span."""
    lows = [r.low for r in ranges if r.low is not None]
    highs = [r.high for r in ranges if r.high is not None]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if low is not None and high is not None and high < low:
        return _span(ranges)
    return ReleaseRange(low, high)


def _span(ranges: list[ReleaseRange]) -> ReleaseRange:
    """The smallest range holding every range (an open end anywhere stays open)."""
    if not ranges:
        return ReleaseRange()
    lows = [r.low for r in ranges]
    highs = [r.high for r in ranges]
    low = None if any(x is None for x in lows) else min(x for x in lows if x is not None)
    high = None if any(x is None for x in highs) else max(x for x in highs if x is not None)
    return ReleaseRange(low, high)
