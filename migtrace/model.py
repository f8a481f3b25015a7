"""The data model: one `Event` per log record, one `Migration` per move operation.

Everything here is a frozen, slotted dataclass and does no I/O: millions of
events may be alive at once, and every later stage (correlate, diagnose,
reports) must be able to share them without copying or fear of mutation.
Times are always timezone-aware UTC; the text the log really printed is kept
beside them so a user can check what migtrace did with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

#: Nova's own words for the kinds of move (``migrations.migration_type``).
MigrationKind = Literal["live-migration", "migration", "resize", "evacuation"]

#: Final (or current) state of a move as migtrace reports it.
#: `stalled`: the move's last step is a command or call that never returned while its host kept
#: logging (migtrace/data/stalls.yaml says which steps; diagnose decides).
MigrationStatus = Literal[
    "completed", "failed", "cancelled", "in-progress", "confirmed", "reverted", "unknown", "stalled"
]

#: The same words as tuples, for choices and validation.
KINDS: tuple[str, ...] = get_args(MigrationKind)
STATUSES: tuple[str, ...] = get_args(MigrationStatus)

#: Log levels ordered by severity; AUDIT sits between INFO and WARNING as in
#: the oslo-incubator logger, TRACE is the pre-Liberty name for traceback lines.
LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL")
LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVELS)}
#: Spellings of levels that are not in LEVELS but appear in the wild (Python's and oslo's aliases).
LEVEL_ALIASES: dict[str, str] = {"WARN": "WARNING", "EXCEPTION": "ERROR", "FATAL": "CRITICAL"}


def level_rank(level: str | None) -> int:
    """Rank a level name so that `level>=ERROR` comparisons work; unknown ranks as INFO."""
    if level is None:
        return LEVEL_RANK["INFO"]
    return LEVEL_RANK.get(level.upper(), LEVEL_RANK["INFO"])


@dataclass(frozen=True, slots=True)
class Event:
    """One log record, whatever format it came from.

    `extra` holds the lines that belong to the record but were written on
    lines of their own (tracebacks, remote tracebacks, multi-line messages),
    already stripped of any repeated header.  `line_count` is how many
    physical input lines the record consumed, so accounting can be checked.
    """

    time: datetime
    time_text: str
    message: str
    host: str | None = None
    service: str | None = None
    pid: int | None = None
    level: str | None = None
    logger: str | None = None
    request_id: str | None = None
    global_request_id: str | None = None
    user: str | None = None
    project: str | None = None
    instance: str | None = None
    extra: tuple[str, ...] = ()
    source: str = "-"
    lineno: int = 0
    line_count: int = 1
    fmt: str = ""

    @property
    def text(self) -> str:
        """Return the message with its extra lines, as one block of text."""
        if not self.extra:
            return self.message
        return "\n".join((self.message, *self.extra))

    @property
    def origin(self) -> str:
        """Return ``path:line`` for error messages and reports."""
        return f"{self.source}:{self.lineno}"

    def replace(self, **changes: object) -> Event:
        """Return a copy with some fields changed (e.g. host from a later hint)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _unfrozen_twin() -> type:
    """A plain slotted class with Event's slots in Event's order: it fills them without `object.__setattr__`."""
    names = tuple(f.name for f in dataclasses.fields(Event))
    twin = dataclasses.make_dataclass("_EventSlots", names, slots=True, eq=False, repr=False, match_args=False)
    if twin.__slots__ != Event.__slots__:  # type: ignore[attr-defined]
        raise TypeError("Event's slots changed: _unfrozen_twin no longer matches it")
    return twin


_EventSlots = _unfrozen_twin()


def new_event(time: datetime, time_text: str, message: str, host: str | None, service: str | None,
              pid: int | None, level: str | None, logger: str | None, request_id: str | None,
              global_request_id: str | None, user: str | None, project: str | None, instance: str | None,
              extra: tuple[str, ...], source: str, lineno: int, line_count: int, fmt: str) -> Event:
    """Build an Event from all its fields in order, several times faster than `Event(...)`.

    A frozen dataclass fills each of its 18 slots through
    `object.__setattr__`, which costs more than parsing the line.  Parsers
    build millions of them: the fields go into a plain twin with the same
    slot layout, which then becomes an Event (`__class__` assignment, allowed
    between identical layouts).  The result is an ordinary Event, frozen,
    equal and hashed like one built by its constructor.
    """
    event = _EventSlots(time, time_text, message, host, service, pid, level, logger, request_id,
                        global_request_id, user, project, instance, extra, source, lineno, line_count, fmt)
    event.__class__ = Event
    return event  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ProgressSample:
    """One `Migration running for N secs, memory X% remaining` monitor line."""

    time: datetime
    elapsed_s: float
    memory_remaining_pct: int
    memory_remaining_bytes: int | None = None
    memory_total_bytes: int | None = None
    disk_remaining_pct: int | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    """A named stretch of a migration, from its first to its last marker event.

    `hosts` lists where the phase's events were logged; `outcome` is "ok",
    "failed" or "" when the markers say nothing about success.
    """

    name: str
    started: datetime
    ended: datetime
    hosts: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    outcome: str = ""
    detail: str = ""

    @property
    def duration_s(self) -> float:
        """Seconds between the phase's first and last event."""
        return (self.ended - self.started).total_seconds()

    def __repr__(self) -> str:
        """One line: name, duration, hosts, outcome, number of events."""
        return (f"<Phase {self.name} {self.duration_s:.3f}s on {','.join(self.hosts) or '?'}"
                f"{' ' + self.outcome if self.outcome else ''}, {len(self.events)} events>")


@dataclass(frozen=True, slots=True)
class Finding:
    """A known failure (signature match) or an unrecognised error attached to a migration.

    One root cause logged many times is one finding with `count` and the
    first/last time it was seen.
    """

    signature_id: str
    title: str
    severity: str
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    phase: str | None = None
    migration_id: str | None = None
    explanation: str = ""
    remedy: str = ""
    references: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    recognised: bool = True

    def __repr__(self) -> str:
        """One line: signature, severity, count, phase (the evidence stays in `.events`)."""
        kind = self.signature_id if self.recognised else f"unrecognised {self.title[:60]!r}"
        return f"<Finding {kind} {self.severity} x{self.count}{' in ' + self.phase if self.phase else ''}>"


@dataclass(frozen=True, slots=True)
class HostAttempt:
    """One host the scheduler/conductor tried for a move, and what became of it."""

    host: str
    outcome: str  # "selected", "skipped", "failed", "rescheduled"
    reason: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Migration:
    """One move operation, correlated across the API, conductor, scheduler and computes.

    `id` is the API request id when it is known (that is what users paste),
    else the migration uuid or integer id, else a synthetic id.
    """

    id: str
    kind: MigrationKind
    instance: str | None
    status: MigrationStatus
    started: datetime
    ended: datetime
    source_host: str | None = None
    dest_host: str | None = None
    request_ids: tuple[str, ...] = ()
    global_request_ids: tuple[str, ...] = ()
    migration_uuid: str | None = None
    migration_number: int | None = None
    block_migration: bool | None = None
    volume_backed: bool | None = None
    post_copy: bool = False
    phases: tuple[Phase, ...] = ()
    downtime_s: float | None = None
    downtime_basis: str = ""
    progress: tuple[ProgressSample, ...] = ()
    attempts: tuple[HostAttempt, ...] = ()
    retries: int = 0
    findings: tuple[Finding, ...] = ()
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = ()
    missing_sides: tuple[str, ...] = ()
    user: str | None = None
    project: str | None = None
    #: ± seconds on `duration_s` / `downtime_s`: the clock offset between the hosts of their two ends
    #: that the logs cannot pin down, plus the timestamps' resolution (docs/derivation.md)
    duration_uncertainty_s: float = 0.0
    downtime_uncertainty_s: float = 0.0
    #: the coarsest timestamp step of the two lines `downtime_s` is measured between (1.0: whole seconds)
    downtime_resolution_s: float | None = None
    #: the downtime is shorter than this when its two ends fall within one step (`downtime_s` is then None)
    downtime_below_s: float | None = None
    #: (field, why) for the fields the logs cannot tell: such a field is printed as unknown, never guessed
    unknown: tuple[tuple[str, str], ...] = ()

    @property
    def duration_s(self) -> float:
        """Seconds from the move's start to its last own step (`ended`; follow-ups are not counted)."""
        return (self.ended - self.started).total_seconds()

    def why_unknown(self, name: str) -> str | None:
        """Return why the logs cannot tell this field (`kind`, `duration_s`, …), or None when they can."""
        return next((why for f, why in self.unknown if f == name), None)

    def __repr__(self) -> str:
        """One line, not every event: what a notebook shows when a Migration is typed."""
        findings = f", findings={list(self.finding_ids)}" if self.finding_ids else ""
        return (f"<Migration {self.id} {self.kind} {self.source_host or '?'}->{self.dest_host or '?'} "
                f"{self.status} {self.duration_s:.3f}s, {len(self.phases)} phases, {len(self.events)} events"
                f"{findings}>")

    @property
    def finding_ids(self) -> tuple[str, ...]:
        """Signature ids of the recognised findings, sorted, without duplicates."""
        return tuple(sorted({f.signature_id for f in self.findings if f.recognised}))

    def replace(self, **changes: object) -> Migration:
        """Return a copy with some fields changed (diagnose adds findings this way)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(slots=True)
class FileStats:
    """Line accounting for one input: every line read is in a record, meta, or unparsed.

    `meta_lines` are lines that carry no record but are understood
    (journalctl `-- Boot …` banners, `==> file <==` headers, blank separators
    of `-o export`).  Invariant: lines_read == record_lines + continuation_lines
    + meta_lines + unparsed_lines.
    """

    path: str
    fmt: str = "unknown"
    host: str | None = None
    service: str | None = None
    lines_read: int = 0
    records: int = 0
    record_lines: int = 0
    continuation_lines: int = 0
    meta_lines: int = 0
    unparsed_lines: int = 0
    skipped_lines: int = 0
    errors: list[str] = field(default_factory=list)
    unparsed_examples: list[tuple[int, str]] = field(default_factory=list)
    #: records that name no wall-clock time (a bare `dmesg` line's seconds since boot, an oslo header whose
    #: stamp a paste cut): their lines are in `record_lines`/`continuation_lines`, but they give no Event
    #: (not in `records`): no time can be put on them without guessing
    timeless_records: int = 0
    timeless_examples: list[tuple[int, str]] = field(default_factory=list)
    #: a selective read parsed the file's last record only to learn when its host last logged (it holds
    #: no term): its first line number, 0 when not (the pipeline drops its event after noting the time)
    tail_line: int = 0
    #: why a selective read fell back to reading every record of this input ('' when it did not)
    full_read: str = ""
    #: terms with evidence sets (`sources._window.WindowedTerms.evidence`): the numbers of the lines that hold
    #: a main text (key 0) and a text of evidence set k (key k), so records found only as evidence can be told
    #: apart after the read; empty otherwise
    term_hits: dict[int, list[int]] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """True when the accounting invariant holds."""
        return self.lines_read == (
            self.record_lines + self.continuation_lines + self.meta_lines
            + self.unparsed_lines + self.skipped_lines
        )


class Terms(frozenset[str]):
    """Raw-text search terms of a selective or targeted read (a frozenset of case-sensitive texts).

    `caseless` are texts found in any letter case (signature phrases);
    `tail` asks for each file's last record even without a term (its time
    is the host's last sign of life); `plain_only` reads formats the term
    filter cannot cut safely (anything but plain oslo text) in full instead.
    """

    caseless: frozenset[str]
    tail: bool
    plain_only: bool

    def __new__(cls, texts: frozenset[str] | set[str] = frozenset(), caseless: frozenset[str] = frozenset(),
                *, tail: bool = False, plain_only: bool = False) -> Terms:
        self = super().__new__(cls, texts)
        self.caseless = frozenset(caseless)
        self.tail = tail
        self.plain_only = plain_only
        return self

    def __bool__(self) -> bool:
        return bool(len(self) or self.caseless)
