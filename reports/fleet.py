"""`migtrace stats` output: the fleet figures (migtrace.diagnose.fleet) in every tabular format.

Without `--group-by`, the human formats (table, markdown) print an overview
— moves by kind and status, durations and downtimes per kind, host pairs,
hosts, top failures — and json/yaml print the whole `stats` document (the
same object the JSON report carries under `stats`, docs/json-schema.md);
csv and value, which hold one table, print the rows by kind.  With
`--group-by`, every format prints that grouping's rows and `-c` /
`--sort-column` pick and order its columns, as for `list`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Final

import yaml

from migtrace.diagnose import fleet as fleet_module
from migtrace.diagnose import physics as physics_module
from migtrace.diagnose.fleet import (
    GROUPINGS,
    ROW_KEYS,
    STATUS_COLUMNS,
    PhysicsOf,
    fleet_rows,
    fleet_stats,
    physics_cache,
)
from migtrace.diagnose.physics import Physics
from migtrace.model import Migration
from migtrace.reports._format import duration_short
from migtrace.reports._listing import (
    TABLE_MISSING,
    Column,
    Row,
    TableSpec,
    cell,
    listing,
    register_table,
    render_rows,
)
from migtrace.reports._registry import Renderer, RenderOptions, register
from migtrace.serialize import iso

#: the `stats` document's schema name and version (docs/json-schema.md, "stats")
SCHEMA: Final = "migtrace-stats"
SCHEMA_VERSION: Final = 1
#: the grouping csv and value print when none is asked for (they hold one table)
DEFAULT_GROUPING: Final = "kind"
#: the table's columns for each grouping when no -c is given
TABLE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "kind": ("group", "moves", "failed", "failure_rate", "duration_p50_s", "duration_p95_s", "duration_max_s",
             "duration_unknown", "downtime_p50_s", "downtime_max_s", "not_converging"),
    "pair": ("group", "moves", "failed", "failure_rate", "duration_p50_s", "downtime_max_s", "bandwidth_p50_mib_s",
             "not_converging", "signatures"),
    "host": ("group", "as_source", "as_dest", "failed", "failure_rate", "duration_p50_s", "downtime_max_s",
             "signatures"),
    "signature": ("group", "moves", "failed", "stalled", "hosts", "unknown_hosts"),
    "day": ("group", "moves", "failed", "failure_rate", "duration_p50_s", "duration_max_s", "downtime_max_s"),
}
#: the overview's sections: title, grouping, columns (statuses: only those that occurred)
SECTIONS: Final = (
    ("Moves by kind and status", "kind", ("group", "moves", *STATUS_COLUMNS, "failure_rate")),
    ("Duration and downtime by kind", "kind", TABLE_COLUMNS["kind"][:1] + TABLE_COLUMNS["kind"][4:]),
    ("Host pairs (source → destination)", "pair", TABLE_COLUMNS["pair"]),
    ("Hosts", "host", TABLE_COLUMNS["host"]),
    ("Top failures", "signature", TABLE_COLUMNS["signature"]),
)
#: the files whose words the stats document may hold besides the logs' (redaction's vocabulary)
SOURCES: Final = (__file__, fleet_module.__file__, physics_module.__file__,
                  str(resources.files("migtrace").joinpath("data/physics.yaml")))
#: rows the overview's failure section shows at most
TOP_FAILURES: Final = 10


@dataclass(frozen=True, slots=True)
class FleetView:
    """What `stats` renders: the moves, and the grouping asked for (None: the overview)."""

    migrations: Sequence[Migration]
    group_by: str | None = None


def _group(row: Row) -> str:
    return "(unknown)" if row.get("group") is None else str(row["group"])


def _rate(row: Row) -> str:
    rate = row.get("failure_rate")
    return TABLE_MISSING if rate is None else f"{rate * 100:.0f}%"


def _seconds(name: str) -> Callable[[Row], str]:
    return lambda row: duration_short(row.get(name))


def _list(name: str) -> Callable[[Row], str]:
    return lambda row: cell(row.get(name))


_HEADERS: Final = {
    "duration_p50_s": "p50", "duration_p95_s": "p95", "duration_max_s": "max", "duration_unknown": "no dur",
    "downtime_p50_s": "down p50", "downtime_max_s": "down max", "downtime_known": "downs",
    "failure_rate": "fail%", "as_source": "as src", "as_dest": "as dest", "in_progress": "running",
    "unknown_hosts": "?hosts", "slowest_id": "slowest", "worst_downtime_id": "worst down",
    "bandwidth_p50_mib_s": "MiB/s", "not_converging": "no conv",
}


def _column(name: str) -> Column:
    header = _HEADERS.get(name, "")
    if name == "group":
        return Column(name, display=_group, shrink=True, min_width=12)
    if name == "failure_rate":
        return Column(name, header=header, display=_rate, right=True)
    if name.endswith("_mib_s"):
        return Column(name, header=header, display=lambda r: cell(None if r.get(name) is None else f"{r[name]:.0f}"),
                      right=True)
    if name.endswith("_s"):
        return Column(name, header=header, display=_seconds(name), right=True)
    if name in ("hosts", "signatures"):
        return Column(name, header=header, display=_list(name), shrink=True, min_width=10)
    if name in ("source_host", "dest_host", "slowest_id", "worst_downtime_id"):
        return Column(name, header=header, shrink=True)
    return Column(name, header=header, right=True)


SPEC = TableSpec(view="stats", columns=tuple(_column(n) for n in ROW_KEYS), table=TABLE_COLUMNS["kind"])


def physics_dict(p: Physics) -> dict[str, Any]:
    """Return one move's physics as JSON-ready data (docs/json-schema.md, `stats.physics`)."""
    return {
        "migration_id": p.migration_id, "verdict": p.verdict, "evidence": p.evidence, "samples": len(p.samples),
        "span_s": _round(p.span_s), "transferred_bytes": p.transferred_bytes, "memory_bytes": p.memory_bytes,
        "bandwidth_mib_s": _round(p.bandwidth_mib_s), "dirty_rate_mib_s": _round(p.dirty_rate_mib_s),
        "idle_s": _round(p.idle_s),
        "marks": [{"id": k.id, "label": k.label, "admin": k.admin, "time": iso(k.event.time), "host": k.event.host,
                   "event": k.event.origin} for k in p.marks],
        "downtime_s": _round(p.downtime_s), "downtime_source": p.downtime_source or None,
        "downtime_resolution_s": p.downtime_resolution_s, "auto_converge": p.auto_converge,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def physics_rows(migrations: Sequence[Migration], of: PhysicsOf | None = None) -> list[dict[str, Any]]:
    """Return the physics of every live migration and of every move with a marked event, in start order."""
    of = of or physics_cache()
    found = (of(m) for m in migrations)
    return [physics_dict(p) for p in found if p.samples or p.marks]


def stats_document(migrations: Sequence[Migration]) -> dict[str, Any]:
    """Return the `stats` document: schema, version, every grouping's rows, each move's physics."""
    of = physics_cache()
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **fleet_stats(migrations, of),
            "physics": physics_rows(migrations, of)}


def rows(data: FleetView | Sequence[Migration], options: RenderOptions | None = None) -> list[dict[str, Any]]:
    """Return the rows of the grouping asked for (by kind when none)."""
    view = data if isinstance(data, FleetView) else FleetView(tuple(data))
    return fleet_rows(view.migrations, view.group_by or DEFAULT_GROUPING)


def _overview(view: FleetView, fmt: str, options: RenderOptions) -> str:
    """Render every section, each a small table under its title."""
    parts = []
    for title, grouping, columns in SECTIONS:
        found = fleet_rows(view.migrations, grouping)
        if grouping == "signature":
            found = found[:TOP_FAILURES]
        if grouping == "kind" and columns[2] in STATUS_COLUMNS:  # only the statuses that occurred
            columns = tuple(c for c in columns if c not in STATUS_COLUMNS or any(r[c] for r in found))
        shown = replace(options, columns=columns, sort_columns=())
        body = render_rows(SPEC, found, fmt, shown) if found else "(none)\n"
        parts.append(f"### {title}\n\n{body}" if fmt == "markdown" else f"{title}\n{body}")
    stuck = [p for p in physics_rows(view.migrations) if p["verdict"] in ("stalled", "diverging")]
    if stuck:
        body = listing(stuck, ("migration_id", "verdict", "evidence"), fmt, ("move", "copy", "evidence"),
                       max_width=options.max_width, shrink=("evidence",))
        title = "Live migrations that did not converge"
        parts.append(f"### {title}\n\n{body}{_auto_converge_note(stuck, fmt)}" if fmt == "markdown"
                     else f"{title}\n{body}{_auto_converge_note(stuck, fmt)}")
    return "\n".join(parts)


def _auto_converge_note(stuck: Sequence[dict[str, Any]], fmt: str) -> str:
    """Say what the logs tell of auto-converge for the moves that did not converge: one line per answer,
    naming the moves when they differ (nova logs no throttling, so mostly: unknown, and why)."""
    said: dict[str, list[str]] = {}
    for p in stuck:
        said.setdefault(p["auto_converge"], []).append(p["migration_id"])
    lines = [f"auto-converge: {text}" + (f" — {', '.join(ids)}" if len(said) > 1 else "")
             for text, ids in said.items()]
    return "".join(f"\n{line}\n" if fmt == "markdown" else f"{line}\n" for line in lines)


def _render(fmt: str) -> Callable[[Any, RenderOptions], str]:
    def render(data: Any, options: RenderOptions) -> str:
        view = data if isinstance(data, FleetView) else FleetView(tuple(data))
        if view.group_by is None and fmt in ("json", "yaml"):
            document = stats_document(view.migrations)
            if fmt == "yaml":
                return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            return json.dumps(document, indent=None if options.noindent else 2, ensure_ascii=False) + "\n"
        if view.group_by is None and fmt in ("table", "markdown"):
            return _overview(view, fmt, options)
        group = view.group_by or DEFAULT_GROUPING
        if fmt in ("table", "markdown") and not options.columns:
            options = replace(options, columns=TABLE_COLUMNS[group])
        return render_rows(SPEC, rows(view), fmt, options)
    return render


register_table(SPEC, rows, "fleet figures by kind, pair, host, signature or day")
for _fmt in SPEC.formats:
    register(Renderer(view="stats", name=_fmt, suffix=f".{'md' if _fmt == 'markdown' else _fmt}",
                      render=_render(_fmt), description=f"fleet figures ({_fmt})"))

__all__ = ["GROUPINGS", "SCHEMA", "SCHEMA_VERSION", "SPEC", "FleetView", "rows", "stats_document"]
