"""Turn model objects into plain JSON-ready dicts (the format of record).

`migration_summary` is the `migtrace list -f json` row whose keys DESIGN.md
fixes; `migration_detail` and `event_dict` are the full model used by the
JSON report.  Times are ISO 8601 with an explicit offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migtrace.model import Event, Finding, HostAttempt, Migration, Phase, ProgressSample


def iso(t: datetime | None) -> str | None:
    """Format a time as ISO 8601 with offset and millisecond precision."""
    if t is None:
        return None
    return t.isoformat(timespec="milliseconds")


#: the kind printed for a cold move whose logs do not tell a migration from a resize
UNKNOWN_COLD_KIND = "migration-or-resize"


def shown_kind(m: Migration) -> str:
    """Return the kind every output prints: nova's word, or `migration-or-resize` when the logs cannot tell."""
    return UNKNOWN_COLD_KIND if m.why_unknown("kind") else m.kind


def _round(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def migration_summary(m: Migration) -> dict[str, Any]:
    """Return the `list -f json` object for one migration."""
    return {
        "id": m.id,
        "kind": shown_kind(m),
        "instance": m.instance,
        "request_ids": list(m.request_ids),
        "source_host": m.source_host,
        "dest_host": m.dest_host,
        "started": iso(m.started),
        "ended": iso(m.ended),
        "duration_s": None if m.why_unknown("duration_s") else _round(m.duration_s),
        "duration_uncertainty_s": _round(m.duration_uncertainty_s) or None,
        "status": m.status,
        "block_migration": m.block_migration,
        "volume_backed": m.volume_backed,
        "post_copy": m.post_copy if m.kind == "live-migration" and not m.why_unknown("post_copy") else None,
        "downtime_s": None if m.why_unknown("downtime_s") else _round(m.downtime_s),
        "downtime_uncertainty_s": _round(m.downtime_uncertainty_s) or None,
        "phases": [p.name for p in m.phases],
        "findings": list(m.finding_ids),
        "missing_sides": list(m.missing_sides),
    }


def event_dict(e: Event) -> dict[str, Any]:
    """Return every field of an event."""
    return {
        "time": iso(e.time), "time_text": e.time_text, "host": e.host, "service": e.service,
        "pid": e.pid, "level": e.level, "logger": e.logger, "request_id": e.request_id,
        "global_request_id": e.global_request_id, "user": e.user, "project": e.project,
        "instance": e.instance, "message": e.message, "extra": list(e.extra),
        "source": e.source, "lineno": e.lineno, "format": e.fmt,
    }


def phase_dict(p: Phase) -> dict[str, Any]:
    """Return a phase with the origins (not copies) of its events."""
    return {
        "name": p.name, "started": iso(p.started), "ended": iso(p.ended),
        "duration_s": _round(p.duration_s), "hosts": list(p.hosts), "outcome": p.outcome,
        "detail": p.detail, "events": [e.origin for e in p.events],
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    """Return a finding with its evidence as event origins."""
    return {
        "signature_id": f.signature_id, "title": f.title, "severity": f.severity,
        "recognised": f.recognised, "count": f.count, "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen), "phase": f.phase, "migration_id": f.migration_id,
        "explanation": f.explanation, "remedy": f.remedy, "references": list(f.references),
        "events": [e.origin for e in f.events],
    }


def progress_dict(p: ProgressSample) -> dict[str, Any]:
    """Return one memory-progress sample."""
    return {
        "time": iso(p.time), "elapsed_s": p.elapsed_s,
        "memory_remaining_pct": p.memory_remaining_pct,
        "memory_remaining_bytes": p.memory_remaining_bytes,
        "memory_total_bytes": p.memory_total_bytes, "disk_remaining_pct": p.disk_remaining_pct,
    }


def attempt_dict(a: HostAttempt) -> dict[str, Any]:
    """Return one scheduling attempt."""
    return {"host": a.host, "outcome": a.outcome, "reason": a.reason, "time": iso(a.time)}


def migration_detail(m: Migration) -> dict[str, Any]:
    """Return the full model of one migration (summary plus phases, findings, events)."""
    out = migration_summary(m)
    out.update({
        "migration_uuid": m.migration_uuid,
        "migration_number": m.migration_number,
        "global_request_ids": list(m.global_request_ids),
        "downtime_basis": m.downtime_basis,
        "downtime_resolution_s": m.downtime_resolution_s,
        "downtime_below_s": m.downtime_below_s,
        "retries": m.retries,
        "user": m.user,
        "project": m.project,
        "notes": list(m.notes),
        "unknown": dict(m.unknown),
        "phases": [phase_dict(p) for p in m.phases],
        "progress": [progress_dict(p) for p in m.progress],
        "attempts": [attempt_dict(a) for a in m.attempts],
        "findings": [finding_dict(f) for f in m.findings],
        "events": [event_dict(e) for e in m.events],
    })
    return out
