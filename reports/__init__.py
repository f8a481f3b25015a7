"""Reports: every output of migtrace, each format a registered `Renderer` (`migtrace.reports`).

Views and their formats: `report` (html, markdown, json), `list` (table,
json, csv, markdown, yaml), `timeline` (text), `diagnose`, `signatures`,
`signature`, `fired`, `merge`, `merge-stats`.  Durations, times and escaping
come from `_format`, tables from `_listing`, redaction from `redact`.
"""

from __future__ import annotations

# the built-in renderers register themselves on import, exactly as a plugin would
from migtrace.reports import (
    diagnosis,
    finding_rows,
    html_report,
    json_report,
    listing,
    markdown_report,
    merge,
    terminal,
)
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
    "RenderOptions",
    "Renderer",
    "diagnosis",
    "finding_rows",
    "format_for_path",
    "formats",
    "get_renderer",
    "html_report",
    "json_report",
    "listing",
    "markdown_report",
    "merge",
    "register",
    "render",
    "render_report",
    "renderers",
    "terminal",
    "write_report",
]
