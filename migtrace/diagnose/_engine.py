"""Match the signature catalog over correlated events and attach findings.

Runs after correlation: every event that belongs to a migration is tested
against the signatures that apply to that migration's kind, and matches are
grouped into one `Finding` per (signature, migration) with a count and the
first/last time, so one root cause logged fifty times is one line.  Generic
symptom signatures (`fallback: true`) speak only when nothing specific
matched the migration.  ERROR/CRITICAL records of a migration that no
signature explains become "unrecognised" findings, grouped by a masked
template, so a new failure is visible the first day it happens.  Matches on
events outside every migration are kept as orphan findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.diagnose.catalog import SEVERITY_RANK, Catalog, Signature
from migtrace.model import Event, Finding, Migration, level_rank

#: Evidence events kept per finding (the count says how many there were).
MAX_EVIDENCE = 5
#: Longest template kept for an unrecognised error's title.
MAX_TEMPLATE = 160
UNRECOGNISED_ID = "unrecognised"

_ERROR_RANK = level_rank("ERROR")

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

    def add(self, event: Event) -> None:
        self.count += 1
        if len(self.events) < MAX_EVIDENCE:
            self.events.append(event)
        if self.first is None or event.time < self.first:
            self.first = event.time
        if self.last is None or event.time > self.last:
            self.last = event.time


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The migrations with their findings, and the findings outside every migration."""

    migrations: tuple[Migration, ...]
    orphan_findings: tuple[Finding, ...]


def diagnose(migrations: Sequence[Migration], events: Iterable[Event], catalog: Catalog) -> Diagnosis:
    """Return the migrations with findings attached, and the orphan findings of the other events.

    `events` is every event read; those that belong to no migration are the
    ones searched for orphan findings.
    """
    owned: set[int] = set()
    origins: set[tuple[str, int, str]] = set()
    for migration in migrations:
        for event in migration.events:
            owned.add(id(event))
            origins.add((event.source, event.lineno, event.message))
    signatures = catalog.signatures
    diagnosed = tuple(migration.replace(findings=tuple(_diagnose_migration(migration, signatures)))
                      for migration in migrations)
    # Identity first (events are shared objects); the origin catches an event a
    # later stage copied with `Event.replace` after correlation.
    loose = (e for e in events
             if id(e) not in owned and (e.source, e.lineno, e.message) not in origins)
    return Diagnosis(diagnosed, tuple(_orphan_findings(loose, signatures)))


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


def _could_match(sig: Signature, lowered: str) -> bool:
    """Cheap prefilter: the signature's hint, else one of its query's alternative needles."""
    if sig.hint is not None:
        return sig.hint in lowered
    needles = sig.match.any_of
    return needles is None or any(n in lowered for n in needles)


def _matching(event: Event, lowered: str, signatures: Sequence[Signature]) -> list[Signature]:
    return [s for s in signatures if _could_match(s, lowered) and s.match.matches(event)]


def _diagnose_migration(migration: Migration, catalog: Sequence[Signature]) -> list[Finding]:
    signatures = [s for s in catalog if s.applies_to(migration.kind)]
    phase_of: dict[int, str] = {}
    for phase in migration.phases:
        for event in phase.events:
            phase_of.setdefault(id(event), phase.name)
    groups: dict[str, _Group] = {}
    unrecognised: dict[str, _Group] = {}
    hosts = (migration.source_host, migration.dest_host,
             *(e.host for e in migration.events))
    host_set = {h for h in hosts if h}
    for event in migration.events:
        matched = _matching(event, event.text.lower(), signatures)
        for sig in matched:
            groups.setdefault(sig.id, _Group()).add(event)
        if not matched and level_rank(event.level) >= _ERROR_RANK:
            unrecognised.setdefault(template(event, host_set), _Group()).add(event)
    by_id = {s.id: s for s in signatures}
    specific = any(not by_id[sid].fallback for sid in groups)
    findings = [
        _finding(by_id[sid], group, migration.id, phase_of)
        for sid, group in groups.items()
        if not (specific and by_id[sid].fallback)
    ]
    findings.sort(key=lambda f: (f.first_seen, f.signature_id))
    extra = [_unrecognised(title, group, migration.id, phase_of)
             for title, group in unrecognised.items()]
    extra.sort(key=lambda f: (f.first_seen, f.title))
    return findings + extra


def _orphan_findings(events: Iterable[Event], catalog: Sequence[Signature]) -> list[Finding]:
    signatures = [s for s in catalog if not s.fallback]
    groups: dict[tuple[str, str | None], _Group] = {}
    for event in events:
        for sig in _matching(event, event.text.lower(), signatures):
            groups.setdefault((sig.id, event.instance), _Group()).add(event)
    by_id = {s.id: s for s in signatures}
    findings = [_finding(by_id[sid], group, None, {}) for (sid, _), group in groups.items()]
    findings.sort(key=lambda f: (f.first_seen, f.signature_id))
    return findings


def _finding(sig: Signature, group: _Group, migration_id: str | None,
             phase_of: dict[int, str]) -> Finding:
    first = group.events[0]
    first_seen, last_seen = _span(group)
    return Finding(
        signature_id=sig.id,
        title=sig.title,
        severity=sig.severity,
        first_seen=first_seen,
        last_seen=last_seen,
        count=group.count,
        phase=phase_of.get(id(first)),
        migration_id=migration_id,
        explanation=sig.explanation,
        remedy=sig.remedy,
        references=sig.references,
        events=tuple(group.events),
        recognised=True,
    )


def _unrecognised(title: str, group: _Group, migration_id: str,
                  phase_of: dict[int, str]) -> Finding:
    first = group.events[0]
    first_seen, last_seen = _span(group)
    return Finding(
        signature_id=UNRECOGNISED_ID,
        title=title,
        severity="error",
        first_seen=first_seen,
        last_seen=last_seen,
        count=group.count,
        phase=phase_of.get(id(first)),
        migration_id=migration_id,
        explanation="An ERROR/CRITICAL record in this migration that no signature recognises.",
        remedy="Read the evidence; if it recurs, describe it in a signature file "
               "(migtrace signatures show <id> for examples) and pass it with --signatures.",
        events=tuple(group.events),
        recognised=False,
    )


def _span(group: _Group) -> tuple[datetime, datetime]:
    assert group.first is not None and group.last is not None  # a group has >= 1 event
    return group.first, group.last
