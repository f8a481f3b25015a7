"""Reports: every output of migtrace, each format a registered `Renderer` (`migtrace.reports`).

Views and their formats: `report` (html, markdown, json, text), the tabular
views `list`, `diagnose`, `signatures`, `merge-stats`, `stats` (table, value, json,
yaml, csv, markdown through `_listing`), `timeline` (text), `signature`,
`fired`, `merge`.  Durations, times and escaping
come from `_format`, tables from `_listing`, redaction from `redact`.
"""

from __future__ import annotations

import importlib
from typing import Any

from migtrace.reports._listing import Column, TableSpec, UnknownColumnError, register_table, table_spec
from migtrace.reports._registry import (
    Renderer,
    RenderOptions,
    format_for_path,
    formats,
    get_renderer,
    register,
    register_builtins,
    render,
    renderers,
)

# the built-in renderers register themselves exactly as a plugin would, when their view is first used
# (`merge` and `timeline` start without jinja2, plotly or the signature grammar of the other views)
register_builtins({
    **dict.fromkeys(("diagnose", "signatures", "signature", "fired"), ("diagnosis", "finding_rows")),
    "stats": ("fleet",),
    "report": ("html_report", "json_report", "markdown_report", "text_report"),
    "list": ("listing",),
    **dict.fromkeys(("merge", "merge-stats"), ("merge",)),
    "timeline": ("terminal",),
})
_SUBMODULES = frozenset({"diagnosis", "finding_rows", "fleet", "html_report", "json_report", "listing",
                         "markdown_report", "merge", "terminal", "text_report"})


def __getattr__(name: str) -> Any:
    """The renderer modules and `render_report`/`write_report`, imported when first asked for."""
    if name in _SUBMODULES:
        return importlib.import_module(f"migtrace.reports.{name}")
    if name in ("render_report", "write_report"):
        return getattr(importlib.import_module("migtrace.reports._write"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Column",
    "RenderOptions",
    "Renderer",
    "TableSpec",
    "UnknownColumnError",
    "diagnosis",
    "finding_rows",
    "fleet",
    "format_for_path",
    "formats",
    "get_renderer",
    "html_report",
    "json_report",
    "listing",
    "markdown_report",
    "merge",
    "register",
    "register_table",
    "render",
    "render_report",
    "renderers",
    "table_spec",
    "terminal",
    "text_report",
    "write_report",
]
