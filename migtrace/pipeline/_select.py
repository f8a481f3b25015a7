"""Narrow a set of migrations the way `list` filters and `report --migration` select."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from migtrace.errors import NotFoundError
from migtrace.model import Migration
from migtrace.pipeline.analysis import Analysis


def filter_migrations(migrations: Sequence[Migration], *, since: datetime | None = None,
                      until: datetime | None = None, instance: str | None = None, host: str | None = None,
                      status: Sequence[str] = (), kind: Sequence[str] = ()) -> list[Migration]:
    """Keep the moves running in [since, until], of this instance, touching this host, of these statuses/kinds."""
    out = []
    for m in migrations:
        if (since and m.ended < since) or (until and m.started > until):
            continue
        if instance and m.instance != instance.lower():
            continue
        if host and host not in (m.source_host, m.dest_host):
            continue
        if (status and m.status not in status) or (kind and m.kind not in kind):
            continue
        out.append(m)
    return out


def select_migrations(analysis: Analysis, ident: str | None) -> Analysis:
    """Return the analysis narrowed to the migrations `ident` names (all when None)."""
    if not ident:
        return analysis
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(f"no migration matches {ident!r}")
    keep = {id(e) for m in found for e in m.events}
    return replace(analysis, events=tuple(e for e in analysis.events if id(e) in keep),
                   migrations=tuple(found), orphan_findings=())
