"""`migtrace list` output: one row per migration, in every tabular format.

The rows are the `list -f json` objects DESIGN.md fixes
(`serialize.migration_summary`) plus `route`; `-f json|yaml|csv|value` print
them whole.  The table is for reading and pasting: it fits `--max-width` (100
columns when not on a terminal) with short request ids that stay unique — the
shortest prefix `timeline` resolves to this move alone — human durations, the
kind as the word operators use (live, cold, resize, evacuate), the start as
month-day hour:minute, and the long-text columns cut with an ellipsis.  The
instance and the downtime are one `-c` away (`-c id -c instance -c
downtime ...`); every format accepts a table header as a column name.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from migtrace.model import Migration
from migtrace.reports._format import duration_short
from migtrace.reports._listing import TABLE_MISSING, Column, Row, TableSpec, cell, register_table, render_rows
from migtrace.reports._registry import RenderOptions
from migtrace.serialize import migration_summary

#: Shortest request-id prefix shown (without `req-`): what `timeline` accepts as a shortened id.
MIN_SHORT = 8
#: The table's name for each kind: the word of the command that starts it (`openstack server …`).
SHORT_KIND = {"live-migration": "live", "migration": "cold", "resize": "resize", "evacuation": "evacuate",
              "migration-or-resize": "cold/resize"}
#: The table's columns when no -c is given.
TABLE_COLUMNS = ("id", "kind", "source_host", "dest_host", "started", "duration_s", "status", "findings")


@dataclass(frozen=True, slots=True)
class Listed:
    """Migrations to list, and the set their short ids must stay unique in (all the logs' moves)."""

    migrations: Sequence[Migration]
    among: Sequence[Migration] = ()


def _prefixable(m: Migration) -> list[str]:
    """Return the strings a shortened id may be a prefix of, as `timeline` matches them."""
    found = [r.lower().removeprefix("req-") for r in m.request_ids]
    return found + [x.lower() for x in (m.instance, m.migration_uuid) if x]


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def short_ids(migrations: Sequence[Migration], among: Sequence[Migration] = ()) -> dict[str, str]:
    """Map each migration id to the shortest prefix that names it alone among `among` (default: themselves).

    A request id `req-5f2a0c1e-…` becomes `req-5f2a0c1e` (8 hex digits, more
    when another request id, instance or migration uuid shares them); a move
    known by its migration uuid gets a uuid prefix; any other id stays whole.
    """
    universe = list(among) or list(migrations)
    keys = sorted((s, i) for i, m in enumerate(universe) for s in _prefixable(m))
    owner_of = {id(m): i for i, m in enumerate(universe)}
    strings = [s for s, _ in keys]
    out: dict[str, str] = {}
    for m in migrations:
        bare = m.id.lower().removeprefix("req-")
        if "@" in m.id and not m.id.lower().startswith("req-"):
            out[m.id] = _short_instance_id(m.id, universe)
            continue
        if not (m.id.lower().startswith("req-") or bare == (m.migration_uuid or "").lower()):
            out[m.id] = m.id
            continue
        me = owner_of.get(id(m), -1)
        pos = bisect.bisect_left(strings, bare)
        shared = 0
        for step in (-1, 1):  # nearest strings of other moves on each side of this id in sorted order
            j = pos if step == 1 else pos - 1
            while 0 <= j < len(keys) and keys[j][1] == me:
                j += step
            if 0 <= j < len(keys):
                shared = max(shared, _common(bare, strings[j]))
        length = max(MIN_SHORT, shared + 1)
        out[m.id] = m.id if length >= len(bare) else m.id[: len(m.id) - len(bare) + length]
    return out


def _short_instance_id(ident: str, universe: Sequence[Migration]) -> str:
    """Shorten `<instance uuid>@<stamp>` to `<uuid prefix>@<stamp>`, unique among the other moves' ids."""
    head, _, stamp = ident.partition("@")
    others = [m.id.lower() for m in universe if m.id != ident and m.id.lower().endswith("@" + stamp.lower())]
    for length in range(MIN_SHORT, len(head)):
        if not any(o.startswith(head[:length].lower()) for o in others):
            return f"{head[:length]}@{stamp}"
    return ident


def _started(row: Row) -> str:
    value = row.get("started")
    return datetime.fromisoformat(value).strftime("%m-%d %H:%M") if value else TABLE_MISSING


def _findings(row: Row) -> str:
    ids = row.get("findings") or []
    return TABLE_MISSING if not ids else ids[0] + (f" +{len(ids) - 1}" if len(ids) > 1 else "")


def _plus_minus(row: Row, name: str) -> str:
    """Return a duration with its ± when the clocks or the timestamps' resolution leave one."""
    below = row.get(f"_{name}_below_s")
    if row[f"{name}_s"] is None and below:  # within one timestamp step: a bound, never 0
        return f"<{duration_short(below)}"
    text = duration_short(row[f"{name}_s"])
    u = row.get(f"{name}_uncertainty_s")
    if not u or row[f"{name}_s"] is None:
        return text
    return f"{text}±{u:.1f}s" if 0.05 <= u < 10 else f"{text}±{duration_short(u)}"  # ±0.6s: narrow and exact enough


SPEC = TableSpec(
    view="list",
    columns=(
        Column("id", display=lambda r: str(r.get("_short_id") or r["id"])),
        Column("kind", display=lambda r: SHORT_KIND.get(r["kind"], str(r["kind"]))),
        Column("instance", display=lambda r: cell(r["instance"][:8] if r["instance"] else None)),
        Column("request_ids"),
        Column("source_host", header="source", shrink=True, min_width=6),
        Column("dest_host", header="dest", shrink=True, min_width=6),
        Column("route", shrink=True, min_width=12),
        Column("started", display=_started),
        Column("ended"),
        Column("duration_s", header="duration", display=lambda r: _plus_minus(r, "duration"), right=True),
        Column("duration_uncertainty_s"),
        Column("status"),
        Column("block_migration"),
        Column("volume_backed"),
        Column("post_copy"),
        Column("downtime_s", header="downtime", display=lambda r: _plus_minus(r, "downtime"), right=True),
        Column("downtime_uncertainty_s"),
        Column("phases"),
        Column("findings", display=_findings, shrink=True, min_width=8),
        Column("missing_sides", shrink=True),
    ),
    table=TABLE_COLUMNS,
    # the other formats print the `list -f json` object, whatever keys serialize gives it
    full=tuple(migration_summary(Migration(id="", kind="migration", instance=None, status="unknown",
                                           started=datetime(2000, 1, 1, tzinfo=UTC),
                                           ended=datetime(2000, 1, 1, tzinfo=UTC)))),
)


def migration_row(m: Migration, short: str | None = None) -> dict[str, Any]:
    """Return the row of one migration: its `list -f json` object plus `route` (and the table's short id)."""
    row = migration_summary(m)
    row["route"] = f"{m.source_host or '?'} → {m.dest_host or '?'}"
    row["_short_id"] = short
    row["_downtime_below_s"] = m.downtime_below_s
    return row


def rows(data: Listed | Sequence[Migration], options: RenderOptions | None = None) -> list[dict[str, Any]]:
    """Return the rows of `list` (migrations, or `Listed` to keep short ids unique among all moves)."""
    listed = data if isinstance(data, Listed) else Listed(tuple(data))
    shorts = short_ids(listed.migrations, listed.among)
    return [migration_row(m, shorts.get(m.id)) for m in listed.migrations]


def render_list(migrations: Listed | Sequence[Migration], fmt: str = "table", columns: Sequence[str] = ()) -> str:
    """Render the migrations in one of the tabular formats; `columns` limits them."""
    return render_rows(SPEC, rows(migrations), fmt, RenderOptions(columns=tuple(columns)))


register_table(SPEC, rows, "one row per migration")
