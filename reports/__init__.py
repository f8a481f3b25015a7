"""Reports: every output of migtrace, each format a registered `Renderer` (`migtrace.reports`).

Views and their formats: `report` (html, markdown, json, text), the tabular
views `list`, `diagnose`, `signatures`, `merge-stats`, `stats` (table, value, json,
yaml, csv, markdown through `_listing`), `timeline` (text), `signature`,
`fired`, `merge`.  Durations, times and escaping
come from `_format`, tables from `_listing`, redaction from `redact`.
"""

from __future__ import annotations

# the built-in renderers register themselves on import, exactly as a plugin would
from migtrace.reports import (
    diagnosis,
    finding_rows,
    fleet,
    html_report,
    json_report,
    listing,
    markdown_report,
    merge,
    terminal,
    text_report,
)
from migtrace.reports._listing import Column, TableSpec, UnknownColumnError, register_table, table_spec
from migtrace.reports._registry import (
    Renderer,
    RenderOptions,
    format_for_path,
    formats,
    get_renderer,
    register,
    render,
    renderers,
)
from migtrace.reports._write import render_report, write_report

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
