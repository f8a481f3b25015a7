"""`migtrace list` output: one row per migration as table, JSON, CSV, Markdown or YAML."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import yaml

from migtrace.model import Migration
from migtrace.serialize import migration_summary

FORMATS = ("table", "json", "csv", "markdown", "yaml")
TABLE_COLUMNS = ("id", "kind", "instance", "source_host", "dest_host", "started", "duration_s",
                 "downtime_s", "status", "findings")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _rows(migrations: Sequence[Migration], columns: Sequence[str]) -> list[list[str]]:
    rows = []
    for m in migrations:
        summary = migration_summary(m)
        rows.append([_cell(summary.get(c)) for c in columns])
    return rows


def render_list(migrations: Sequence[Migration], fmt: str = "table", columns: Sequence[str] = ()) -> str:
    """Render the migrations in one of FORMATS; `columns` limits table/csv/markdown columns."""
    if fmt == "json":
        return json.dumps([migration_summary(m) for m in migrations], indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump([migration_summary(m) for m in migrations], sort_keys=False)
    cols = tuple(columns) or (TABLE_COLUMNS if fmt == "table" else tuple(migration_summary_keys()))
    rows = _rows(migrations, cols)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(cols)
        writer.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":
        out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(out) + "\n"
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def migration_summary_keys() -> list[str]:
    """Return the keys of a `list -f json` object, in order (CSV and Markdown columns)."""
    from datetime import datetime, timezone

    probe = Migration(id="", kind="migration", instance=None, status="unknown",
                      started=datetime.now(timezone.utc), ended=datetime.now(timezone.utc))
    return list(migration_summary(probe))
