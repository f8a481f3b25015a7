"""`migtrace merge` output: one record per line block, and the per-file line accounting table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migtrace.model import Event, FileStats
from migtrace.reports._listing import listing
from migtrace.reports._registry import Renderer, RenderOptions, register

STATS_COLUMNS = ("file", "format", "host", "service", "lines", "records", "cont", "meta", "unparsed", "skipped",
                 "ok")
_COUNTS = ("lines", "records", "cont", "meta", "unparsed", "skipped")


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
            "unparsed": s.unparsed_lines, "skipped": s.skipped_lines, "ok": "yes" if s.balanced else "NO"}


def stats_table(stats: Sequence[FileStats], options: RenderOptions | None = None) -> str:
    """Per-file accounting: format, records, continuation/meta/unparsed lines, and the balance check."""
    rows = [_row(s) for s in stats]
    total: dict[str, Any] = {"file": "TOTAL", "format": "", "host": "", "service": "",
                             **{c: sum(int(r[c]) for r in rows) for c in _COUNTS},
                             "ok": "yes" if all(s.balanced for s in stats) else "NO"}
    return listing([*rows, total], STATS_COLUMNS)


register(Renderer(view="merge", name="text", suffix=".log", render=format_event,
                  description="one record, tagged [host/service]"))
register(Renderer(view="merge-stats", name="table", suffix=".txt", render=stats_table,
                  description="per-file line accounting"))
