"""The JSON report: the full model in a documented, versioned envelope (docs/json-schema.md).

JSON is the format of record: other tools and golden tests read it, so keys
only change with `SCHEMA_VERSION`.  The per-migration objects come from
`migtrace.serialize`, the same functions `list -f json` uses, so the two can
never disagree.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from migtrace.model import FileStats
from migtrace.pipeline import Analysis
from migtrace.reports import fleet
from migtrace.reports._format import json_string
from migtrace.reports._registry import Renderer, RenderOptions, register, source_words
from migtrace.serialize import finding_dict, iso, migration_detail

SCHEMA = "migtrace-report"
#: Bump on any incompatible change to the envelope or the objects in it.
SCHEMA_VERSION = 1


def stats_dict(s: FileStats) -> dict[str, Any]:
    """Return the line accounting of one input."""
    return {
        "path": s.path, "format": s.fmt, "host": s.host, "service": s.service,
        "lines_read": s.lines_read, "records": s.records, "record_lines": s.record_lines,
        "continuation_lines": s.continuation_lines, "meta_lines": s.meta_lines,
        "unparsed_lines": s.unparsed_lines, "skipped_lines": s.skipped_lines,
        "balanced": s.balanced, "errors": list(s.errors),
        "unparsed_examples": [{"line": n, "text": t} for n, t in s.unparsed_examples],
        "timeless_records": s.timeless_records,
        "timeless_examples": [{"line": n, "text": t} for n, t in s.timeless_examples],
    }


def report_dict(analysis: Analysis, options: RenderOptions) -> dict[str, Any]:
    """Return the whole report as plain JSON-ready data."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "migtrace_version": options.version,
        "generated": iso(options.generated),
        "title": options.title,
        "redacted": list(options.redacted),
        "inputs": [stats_dict(s) for s in analysis.stats],
        "paths": list(analysis.inputs),
        "skew": {"mode": analysis.skew_mode, "offsets_s": dict(sorted(analysis.skew.items()))},
        "warnings": list(analysis.warnings),
        "migrations": [migration_detail(m) for m in analysis.migrations],
        "orphan_findings": [finding_dict(f) for f in analysis.orphan_findings],
        # the fleet figures and each move's physics, versioned on their own (`stats -f json` prints the same)
        "stats": fleet.stats_document(analysis.migrations),
    }


def render(analysis: Analysis, options: RenderOptions) -> str:
    """Render the report as pretty-printed JSON ending with a newline."""
    return json.dumps(report_dict(analysis, options), indent=2, ensure_ascii=False) + "\n"


RENDERER = register(Renderer(view="report", name="json", suffix=".json", render=render, escapes=(json_string,),
                             description="full model, versioned schema (docs/json-schema.md)",
                             vocabulary=lambda: source_words(__file__, inspect.getfile(migration_detail),
                                                             *fleet.SOURCES)))
