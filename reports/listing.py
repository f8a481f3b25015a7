"""`migtrace list` output: one row per migration as table, JSON, CSV, Markdown or YAML.

JSON and YAML are the `list -f json` objects DESIGN.md fixes
(`serialize.migration_summary`); the text formats show `columns` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from migtrace.model import Migration
from migtrace.reports._listing import FORMATS, listing
from migtrace.reports._registry import Renderer, RenderOptions, register
from migtrace.serialize import migration_summary

TABLE_COLUMNS = ("id", "kind", "instance", "source_host", "dest_host", "started", "duration_s",
                 "downtime_s", "status", "findings")


def migration_summary_keys() -> list[str]:
    """Return the keys of a `list -f json` object, in order (CSV and Markdown columns)."""
    now = datetime.now(UTC)
    probe = Migration(id="", kind="migration", instance=None, status="unknown", started=now, ended=now)
    return list(migration_summary(probe))


def render_list(migrations: Sequence[Migration], fmt: str = "table", columns: Sequence[str] = ()) -> str:
    """Render the migrations in one of FORMATS; `columns` limits table/csv/markdown columns."""
    cols = tuple(columns) or (TABLE_COLUMNS if fmt == "table" else tuple(migration_summary_keys()))
    return listing([migration_summary(m) for m in migrations], cols, fmt)


def _renderer(fmt: str) -> Callable[[Sequence[Migration], RenderOptions], str]:
    def render(migrations: Sequence[Migration], options: RenderOptions) -> str:
        return render_list(migrations, fmt, options.columns)
    return render


for _fmt in FORMATS:
    register(Renderer(view="list", name=_fmt, suffix=f".{_fmt}", render=_renderer(_fmt),
                      description=f"one row per migration ({_fmt})"))
