"""Match the signature catalog over correlated events and attach findings.

Runs after correlation: every event that belongs to a migration is tested
against the signatures that apply to that migration's kind, and matches are
grouped into one `Finding` per (signature, migration) with a count and the
first/last time, so one root cause logged fifty times is one line.  Generic
symptom signatures (`fallback: true`) speak only when nothing specific of at
least their severity matched the migration.  Failure records (ERROR/CRITICAL,
and the WARNINGs nova uses for failures, `_failures`) that no signature
explains become "unrecognised" findings, grouped by a masked template, so a
new failure is visible the first day it happens — inside a move or outside
every move (orphan findings, next to the signature matches found there).

Besides the signatures, a move is checked for a step that never returned
(`_stall`: status `stalled`), for failures it recovered from by a reschedule
(`_attempts`: information) and for a long downtime (`_downtime`).  Remedies
are composed for the release the logs come from (`_release`, `_remedy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace._naming import SERVICE_NAMES
from migtrace.diagnose._attempts import recovered
from migtrace.diagnose._candidates import Candidates
from migtrace.diagnose._downtime import downtime_findings
from migtrace.diagnose._failures import failure_severity
from migtrace.diagnose._release import LogsRelease, logs_release
from migtrace.diagnose._remedy import ReleaseRange, compose
from migtrace.diagnose._stall import find_stall
from migtrace.diagnose.catalog import SEVERITY_RANK, Catalog, Signature
from migtrace.model import Event, Finding, Migration

#: Evidence events kept per finding (the count says how many there were).
MAX_EVIDENCE = 5
#: Longest template kept for an unrecognised error's title.
MAX_TEMPLATE = 160
UNRECOGNISED_ID = "unrecognised"

_MASK_SCHEMA = {"pattern": Key(required=True, regex=True), "ignore_case": Key(bool),
                "replacement": Key(required=True), "why": Key(required=True)}


@cache
def masks() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return the (pattern, replacement) masks of migtrace/data/error_masks.yaml, in order."""
    text, where = read_text("error_masks.yaml")
    found = entries(load_document(text, where), "masks", _MASK_SCHEMA, where)
    return tuple((re.compile(m["pattern"], re.I if m.get("ignore_case") else 0), m["replacement"]) for m in found)


@dataclass(slots=True)
class _Group:
    """Matches of one signature (or one unrecognised template) on one migration.

    Only the first events are kept as evidence, so the time span is tracked
    separately from them.
    """

    events: list[Event] = field(default_factory=list)
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    #: the worst failure severity of the records (unrecognised groups)
    severity: str = "warning"

    def add(self, event: Event, severity: str | None = None) -> None:
        if severity is not None and SEVERITY_RANK[severity] > SEVERITY_RANK[self.severity]:
            self.severity = severity
        self.count += 1
        if len(self.events) < MAX_EVIDENCE:
            self.events.append(event)
        if self.first is None or event.time < self.first:
            self.first = event.time
        if self.last is None or event.time > self.last:
            self.last = event.time


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The migrations with their findings, the findings outside every migration, and the logs' release."""

    migrations: tuple[Migration, ...]
    orphan_findings: tuple[Finding, ...]
    release: LogsRelease = field(default_factory=lambda: LogsRelease(ReleaseRange()))


def diagnose(migrations: Sequence[Migration], events: Iterable[Event], catalog: Catalog, *,
             release: str | None = None, last_seen: Mapping[str, datetime] | None = None,
             orphans: bool = True, clues: Mapping[str, Iterable[str]] | None = None) -> Diagnosis:
    """Return the migrations with findings attached, and the orphan findings of the other events.

    `events` is every event read; those that belong to no migration are the
    ones searched for orphan findings.  `release` names the OpenStack release
    of the logs (inferred from their wording when None).  `last_seen` maps each
    host (or source path) to the time of the last record read from it, kept or
    not; without it the events given stand for what the hosts logged.
    `orphans=False` skips the search outside the moves (a timeline shows
    the moves alone): each move's findings are the same either way.
    `clues`: the release clue ids the read saw per host on records it did
    not keep (`Analysis.release_clues`), so the range does not depend on
    which records a path kept.
    """
    events = list(events)
    logs = logs_release(events, release, clues)
    activity = last_seen if last_seen is not None else _last_seen(events)
    owned: set[int] = set()
    origins: set[tuple[str, int, str]] = set()
    for migration in migrations:
        for event in migration.events:
            owned.add(id(event))
            origins.add((event.source, event.lineno, event.message))
    diagnosed = tuple(_diagnosed(m, catalog.signatures, logs.range, activity) for m in migrations)
    if not orphans:
        return Diagnosis(diagnosed, (), logs)
    # Identity first (events are shared objects); the origin catches an event a
    # later stage copied with `Event.replace` after correlation.
    loose = [e for e in events if id(e) not in owned and (e.source, e.lineno, e.message) not in origins]
    return Diagnosis(diagnosed, tuple(_orphan_findings(loose, catalog.signatures, logs.range)), logs)


def template(event: Event, hosts: Iterable[str | None] = ()) -> str:
    """Mask the variable parts of an event's first message line (ids, hosts, numbers, paths)."""
    text = event.message.split("\n", 1)[0].strip()
    for host in sorted({h for h in hosts if h}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", "<host>", text)
    for pattern, replacement in masks():
        text = pattern.sub(replacement, text)
    if len(text) > MAX_TEMPLATE:
        text = text[:MAX_TEMPLATE - 1] + "…"
    return text


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """Return the highest severity among findings, or None when there are none."""
    worst: str | None = None
    for finding in findings:
        if worst is None or SEVERITY_RANK.get(finding.severity, 0) > SEVERITY_RANK[worst]:
            worst = finding.severity if finding.severity in SEVERITY_RANK else "error"
    return worst


def all_findings(migrations: Iterable[Migration], orphans: Iterable[Finding]) -> list[Finding]:
    """Return every finding: those on migrations, then the orphans."""
    found = [f for m in migrations for f in m.findings]
    return found + list(orphans)


# --------------------------------------------------------------------------- internals


def _candidates(signatures: tuple[Signature, ...]) -> Candidates:
    """The catalog's signatures sorted by level once per signature list (one list per kind of move)."""
    try:
        return _sorted_once(signatures)
    except TypeError:  # a signature with an unhashable field (none shipped): sort it for this call only
        return Candidates(signatures)


@lru_cache(maxsize=64)
def _sorted_once(signatures: tuple[Signature, ...]) -> Candidates:
    return Candidates(signatures)


def _last_seen(events: Iterable[Event]) -> dict[str, datetime]:
    last: dict[str, datetime] = {}
    for e in events:
        key = e.host or e.source
        if key not in last or e.time > last[key]:
            last[key] = e.time
    return last


def _diagnosed(migration: Migration, catalog: Sequence[Signature], logs: ReleaseRange,
               activity: Mapping[str, datetime]) -> Migration:
    """Return the move with its findings, and its status and notes when it is stalled."""
    phase_of: dict[int, str] = {}
    for phase in migration.phases:
        for event in phase.events:
            phase_of.setdefault(id(event), phase.name)
    known, unknown = _migration_findings(migration, catalog, logs, phase_of)
    stall = find_stall(migration, activity)
    if stall is not None:
        known.append(stall.finding(migration.id, phase_of.get(id(stall.event))))
    known += downtime_findings(migration)
    known.sort(key=lambda f: (f.first_seen, f.signature_id))
    findings = recovered(migration, [*known, *unknown])
    if stall is None:
        return migration.replace(findings=tuple(findings))
    return migration.replace(findings=tuple(findings), status="stalled", notes=(*migration.notes, stall.note()))


def _migration_findings(migration: Migration, catalog: Sequence[Signature], logs: ReleaseRange,
                        phase_of: dict[int, str]) -> tuple[list[Finding], list[Finding]]:
    """Return (signature findings, unrecognised failures) of one move."""
    signatures = [s for s in catalog if s.applies_to(migration.kind)]
    candidates = _candidates(tuple(signatures))
    groups: dict[str, _Group] = {}
    unrecognised: dict[str, _Group] = {}
    hosts = (migration.source_host, migration.dest_host, *(e.host for e in migration.events))
    host_set = {h for h in hosts if h}
    for event, matched in zip(migration.events, candidates.matching_each(migration.events), strict=True):
        for sig in matched:
            groups.setdefault(sig.id, _Group()).add(event)
        severity = None if matched else failure_severity(event)
        if severity is not None:
            unrecognised.setdefault(template(event, host_set), _Group()).add(event, severity)
    by_id = {s.id: s for s in signatures}
    findings = [_finding(by_id[sid], group, migration.id, phase_of, logs)
                for sid, group in groups.items() if not _silenced(by_id[sid], groups, by_id)]
    extra = [_unrecognised(title, group, migration.id, phase_of) for title, group in unrecognised.items()]
    extra.sort(key=lambda f: (f.first_seen, f.title))
    return findings, extra


def _silenced(sig: Signature, groups: Mapping[str, _Group], by_id: Mapping[str, Signature]) -> bool:
    """A fallback is silent when a specific signature at least as severe matched the same move.

    A specific warning (a clean-up that failed) must not hide the fallback that
    names the real failure (`Migration operation has aborted`).
    """
    if not sig.fallback:
        return False
    rank = SEVERITY_RANK[sig.severity]
    return any(not by_id[other].fallback and SEVERITY_RANK[by_id[other].severity] >= rank for other in groups)


#: nova's own services: a record of any other program outside a move speaks only through a signature
_NOVA_SERVICES = frozenset(SERVICE_NAMES.values())


def _other_program(event: Event) -> bool:
    """True for another program's record (sshd, NetworkManager, ceph …): no logger, a service not nova's.

    nova's records name their logger, libvirt's and QEMU's too; a record of
    another program read among nova's lines (syslog, journal, ceph) names
    only its program.
    """
    return event.logger is None and event.service is not None and event.service not in _NOVA_SERVICES


def _orphan_findings(events: Sequence[Event], catalog: Sequence[Signature], logs: ReleaseRange) -> list[Finding]:
    """Findings outside every move: signature matches, then unrecognised failures.

    Fallbacks (generic echoes of a failure) never speak outside a move: with
    nothing to tie them to a cause, such a record is listed as unrecognised.
    Other programs' errors outside every move (sshd's `error:`, NetworkManager's
    `<error>`, a ceph daemon's `-1`) are a host's everyday noise for a
    migration tool: they are listed only when a signature names them, never
    as unrecognised failures (inside a move they are, like any record).
    """
    signatures = [s for s in catalog if not s.fallback]
    candidates = _candidates(tuple(signatures))
    groups: dict[tuple[str, str | None], _Group] = {}
    unrecognised: dict[str, _Group] = {}
    for event, matched in zip(events, candidates.matching_each(events), strict=True):
        for sig in matched:
            groups.setdefault((sig.id, event.instance), _Group()).add(event)
        severity = None if matched or _other_program(event) else failure_severity(event)
        if severity is not None:
            unrecognised.setdefault(template(event, (event.host,)), _Group()).add(event, severity)
    by_id = {s.id: s for s in signatures}
    findings = [_finding(by_id[sid], group, None, {}, logs) for (sid, _), group in groups.items()]
    findings.sort(key=lambda f: (f.first_seen, f.signature_id))
    extra = [_unrecognised(title, group, None, {}) for title, group in unrecognised.items()]
    extra.sort(key=lambda f: (f.first_seen, f.title))
    return findings + extra


def _finding(sig: Signature, group: _Group, migration_id: str | None,
             phase_of: dict[int, str], logs: ReleaseRange) -> Finding:
    first_seen, last_seen = _span(group)
    return Finding(
        signature_id=sig.id,
        title=sig.title,
        severity=sig.severity,
        first_seen=first_seen,
        last_seen=last_seen,
        count=group.count,
        phase=_phase(group, phase_of),
        migration_id=migration_id,
        explanation=sig.explanation,
        remedy=compose(sig.remedy, sig.remedies, logs),
        references=sig.references,
        events=tuple(group.events),
        recognised=True,
    )


def _phase(group: _Group, phase_of: dict[int, str]) -> str | None:
    """The phase of the group's first record that is in one (a joined libvirtd/QEMU record is in none)."""
    return next((phase_of[id(e)] for e in group.events if id(e) in phase_of), None)


def _unrecognised(title: str, group: _Group, migration_id: str | None,
                  phase_of: dict[int, str]) -> Finding:
    first_seen, last_seen = _span(group)
    return Finding(
        signature_id=UNRECOGNISED_ID,
        title=title,
        severity=group.severity,
        first_seen=first_seen,
        last_seen=last_seen,
        count=group.count,
        phase=_phase(group, phase_of),
        migration_id=migration_id,
        explanation=("A failure record (ERROR/CRITICAL, or a WARNING nova writes when something failed) "
                     + ("in this migration" if migration_id else "outside every migration")
                     + " that no signature recognises."),
        remedy="Read the evidence; if it recurs, describe it in a signature file "
               "(migtrace signatures show <id> for examples) and pass it with --signatures.",
        events=tuple(group.events),
        recognised=False,
    )


def _span(group: _Group) -> tuple[datetime, datetime]:
    assert group.first is not None and group.last is not None  # a group has >= 1 event
    return group.first, group.last
