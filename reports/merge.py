"""`migtrace merge` output: one record per line block, and the per-file line accounting (`--stats`).

The accounting is a tabular view like `list`: every format of the listing
formatter, a TOTAL row closing the human formats (table, markdown).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migtrace.model import Event, FileStats
from migtrace.reports._listing import Column, Row, TableSpec, register_table, render_rows
from migtrace.reports._registry import Renderer, RenderOptions, register

_COUNTS = ("lines", "records", "cont", "meta", "unparsed", "skipped", "timeless")


def format_event(e: Event, options: RenderOptions | None = None) -> str:
    """Render one record as `time [host/service] LEVEL logger [req] [instance] message` (+ its extra lines)."""
    req = f" [{e.request_id}]" if e.request_id else " [-]"
    inst = f" [instance: {e.instance}]" if e.instance else ""
    head = (f"{e.time.isoformat(timespec='microseconds')} [{e.host or '?'}/{e.service or '?'}] "
            f"{e.level or '-'} {e.logger or '-'}{req}{inst} {e.message}")
    if (options is not None and not options.full) or not e.extra:
        return head
    return "\n".join([head, *(f"    {x}" for x in e.extra)])


def _row(s: FileStats) -> dict[str, Any]:
    return {"file": s.path, "format": s.fmt, "host": s.host, "service": s.service, "lines": s.lines_read,
            "records": s.records, "cont": s.continuation_lines, "meta": s.meta_lines,
            "unparsed": s.unparsed_lines, "skipped": s.skipped_lines, "timeless": s.timeless_records,
            "ok": s.balanced}


def _total(rows: Sequence[Row]) -> Row:
    """The closing row: every count summed, ok only when every file balances."""
    return {"file": "TOTAL", "format": "", "host": "", "service": "",
            **{c: sum(int(r[c]) for r in rows) for c in _COUNTS}, "ok": all(r["ok"] for r in rows)}


def _ok(row: Row) -> str:
    return "yes" if row["ok"] else "NO"


STATS_SPEC = TableSpec(
    view="merge-stats",
    columns=(
        Column("file", shrink=True, min_width=16, cut_left=True),
        Column("format"),
        Column("host", display=lambda r: str(r["host"] if r["host"] is not None else "-"), shrink=True),
        Column("service", display=lambda r: str(r["service"] if r["service"] is not None else "-")),
        *(Column(c, right=True) for c in _COUNTS),
        Column("ok", display=_ok),
    ),
    footer=_total,
    # the paths are what this table is about: whole by default, cut only to an explicit --max-width
    fit=False,
)


def stats_rows(stats: Sequence[FileStats], options: RenderOptions | None = None) -> list[dict[str, Any]]:
    """Return one accounting row per input: format, records, continuation/meta/unparsed lines, balance.

    `timeless` counts records without a wall-clock time (bare `dmesg`, a header whose stamp was cut):
    their lines are in `records`' lines, not unparsed, but they give no record in the timeline.
    """
    return [_row(s) for s in stats]


def stats_table(stats: Sequence[FileStats], options: RenderOptions | None = None) -> str:
    """Per-file accounting as a table with a TOTAL row."""
    return render_rows(STATS_SPEC, stats_rows(stats), "table", options or RenderOptions())


register(Renderer(view="merge", name="text", suffix=".log", render=format_event,
                  description="one record, tagged [host/service]"))
register_table(STATS_SPEC, stats_rows, "per-file line accounting")
