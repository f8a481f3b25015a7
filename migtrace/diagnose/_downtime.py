"""Warn about a move whose guest was down for longer than its kind normally costs.

Correlation measures a move's downtime from the log timestamps; whether that
is too long is a judgement kept in data (migtrace/data/downtime_rules.yaml:
kinds, threshold, severity, wording), so that a site can read it and it can
be reviewed.  One finding per move at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.diagnose.catalog import SEVERITIES
from migtrace.model import KINDS, Finding, Migration

_SCHEMA = {"id": Key(required=True), "kinds": Key(list, required=True, choices=KINDS),
           "min_downtime_s": Key((int, float), required=True),
           "severity": Key(required=True, choices=SEVERITIES), "title": Key(required=True),
           "evidence": Key(list, required=True), "explanation": Key(required=True), "remedy": Key(required=True)}


@dataclass(frozen=True, slots=True)
class DowntimeRule:
    """A downtime threshold for some kinds of move."""

    id: str
    kinds: frozenset[str]
    min_downtime_s: float
    severity: str
    title: str
    evidence: tuple[re.Pattern[str], ...]
    explanation: str
    remedy: str


@cache
def downtime_rules(path: str | None = None) -> tuple[DowntimeRule, ...]:
    """Return the rules of migtrace/data/downtime_rules.yaml (or of another file, for tests)."""
    text, where = read_text("downtime_rules.yaml", path)
    found = entries(load_document(text, where), "rules", _SCHEMA, where)
    return tuple(DowntimeRule(
        e["id"], frozenset(e["kinds"]), float(e["min_downtime_s"]), e["severity"], e["title"],
        tuple(re.compile(p) for p in e["evidence"]), " ".join(e["explanation"].split()),
        " ".join(e["remedy"].split())) for e in found)


def downtime_findings(migration: Migration) -> list[Finding]:
    """Return the finding of the first rule the move's downtime reaches (none when unknown)."""
    downtime = migration.downtime_s
    if downtime is None:
        return []
    for rule in downtime_rules():
        if migration.kind in rule.kinds and downtime >= rule.min_downtime_s:
            evidence = tuple(e for e in migration.events if any(p.search(e.message) for p in rule.evidence))
            first = evidence[0].time if evidence else migration.started
            last = evidence[-1].time if evidence else migration.ended
            return [Finding(
                signature_id=rule.id, severity=rule.severity, first_seen=first, last_seen=last,
                migration_id=migration.id, count=1,
                title=f"{rule.title}: {downtime:.1f} s (warning from {rule.min_downtime_s:g} s)",
                explanation=f"{rule.explanation} Measured: {migration.downtime_basis or 'from the log timestamps'}.",
                remedy=rule.remedy, events=evidence[:5])]
    return []
