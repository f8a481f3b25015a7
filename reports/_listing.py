"""One formatter for every tabular output (list, diagnose, signatures, merge --stats).

Rows are plain mappings with JSON-ready values; the same rows become an
aligned table (tabulate), JSON, CSV, Markdown or YAML, so every tabular
command speaks the same formats the same way.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from tabulate import tabulate

from migtrace.reports._format import md_escape

FORMATS: tuple[str, ...] = ("table", "json", "csv", "markdown", "yaml")


def cell(value: Any) -> str:
    """Render one value for a text table: `-` for missing, lists comma-joined, floats to ms."""
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _markdown_cell(value: Any) -> str:
    return md_escape(cell(value))


def listing(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str = "table",
            headers: Sequence[str] | None = None, indent: str = "") -> str:
    """Render rows in one of FORMATS; JSON/YAML keep every key of the rows, text formats `columns`."""
    if fmt == "json":
        return json.dumps([dict(r) for r in rows], indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump([dict(r) for r in rows], sort_keys=False)
    names = list(headers or columns)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(names)
        writer.writerows([cell(r.get(c)) for c in columns] for r in rows)
        return buf.getvalue()
    if fmt == "markdown":
        out = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        out += ["| " + " | ".join(_markdown_cell(r.get(c)) for c in columns) + " |" for r in rows]
        return "\n".join(out) + "\n"
    table = tabulate([[cell(r.get(c)) for c in columns] for r in rows], headers=names, tablefmt="simple",
                     disable_numparse=True)
    return "\n".join((indent + line).rstrip() for line in table.splitlines()) + "\n"
