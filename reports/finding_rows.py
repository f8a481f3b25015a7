"""`diagnose -f value|csv|yaml`: one row per finding, with the migration it belongs to.

The diagnosis table, JSON document and Markdown (`diagnosis.py`) group the
findings per migration and explain each signature once; scripts want flat
rows instead.  The columns are also the ones `-c` / `--sort-column` pick for
the finding tables of `diagnose -f table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migtrace.model import Finding, Migration
from migtrace.pipeline import Analysis
from migtrace.reports._listing import Column, TableSpec, register_table, sort_rows
from migtrace.reports._registry import RenderOptions
from migtrace.serialize import iso

#: the columns of a finding row, in order
FINDING_COLUMNS = ("migration", "kind", "instance", "status", "source_host", "dest_host", "severity", "finding",
                   "recognised", "count", "phase", "first_seen", "last_seen", "title")


def finding_row(f: Finding, m: Migration | None) -> dict[str, Any]:
    """Return one finding with the migration it was found in (None: outside any migration)."""
    return {
        "migration": m.id if m else None, "kind": m.kind if m else None, "instance": m.instance if m else None,
        "status": m.status if m else None, "source_host": m.source_host if m else None,
        "dest_host": m.dest_host if m else None, "severity": f.severity, "finding": f.signature_id,
        "recognised": f.recognised, "count": f.count, "phase": f.phase, "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen), "title": f.title,
    }


def finding_rows(analysis: Analysis, options: RenderOptions | None = None) -> list[dict[str, Any]]:
    """Return every finding of the analysis as a row, migrations first, then those outside any."""
    rows = [finding_row(f, m) for m in analysis.migrations for f in m.findings]
    return rows + [finding_row(f, None) for f in analysis.orphan_findings]


def finding_order(findings: Sequence[Finding], options: RenderOptions) -> list[int]:
    """Return the positions of `findings` in --sort-column order (for diagnose's own finding tables)."""
    rows = [{**finding_row(f, None), "_at": i} for i, f in enumerate(findings)]
    return [int(r["_at"]) for r in sort_rows(SPEC, rows, options)]


SPEC = TableSpec(
    view="diagnose",
    columns=tuple(Column(c, shrink=c in ("title", "migration", "instance")) for c in FINDING_COLUMNS),
    formats=("value", "yaml", "csv"),
    documents=("json", "markdown"),
    fit=False,
)

register_table(SPEC, finding_rows, "one row per finding")
