"""JSON report: the versioned envelope, the full model, and a golden file."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from _report_factory import REQ_OK, make_analysis

from migtrace import __version__
from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, format_for_path, get_renderer, render_report, renderers
from migtrace.reports.json_report import SCHEMA_VERSION, render
from migtrace.serialize import migration_detail

GOLDEN = Path(__file__).parent / "golden" / "report.json"
FIXED = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def test_json_envelope_and_version() -> None:
    doc = json.loads(render_report(make_analysis(), "json", generated=FIXED))
    assert doc["schema"] == "migtrace-report" and doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["migtrace_version"] == __version__
    assert doc["generated"] == "2024-03-06T12:00:00.000+00:00"
    assert list(doc) == ["schema", "schema_version", "migtrace_version", "generated", "title", "redacted",
                                "inputs", "paths", "skew", "warnings", "migrations", "orphan_findings", "stats"]
    assert doc["redacted"] == ["secrets"]
    assert doc["inputs"][0]["unparsed_lines"] == 5 and doc["inputs"][0]["balanced"] is True
    assert doc["skew"] == {"mode": "auto", "offsets_s": {"compute1": 0.0, "compute2": 0.8}}
    assert doc["orphan_findings"][0]["signature_id"] == "rbd-eperm"


def test_json_migrations_are_the_serialize_model() -> None:
    a = make_analysis()
    doc = json.loads(render(a, RenderOptions(generated=FIXED)))
    assert doc["migrations"] == [json.loads(json.dumps(migration_detail(m))) for m in a.migrations]
    assert doc["migrations"][0]["id"] == REQ_OK
    assert len(doc["migrations"][0]["progress"]) == 4


def test_json_golden() -> None:
    text = render_report(make_analysis(hostile=True), "json", generated=FIXED)
    if os.environ.get("MIGTRACE_REGEN_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_json_empty_analysis() -> None:
    doc = json.loads(render(Analysis(), RenderOptions(generated=FIXED)))
    assert doc["migrations"] == [] and doc["inputs"] == []


def test_registry_lists_builtins_and_guesses_format_from_suffix() -> None:
    assert {"html", "markdown", "json"} <= {r.name for r in renderers()}
    assert get_renderer("json").suffix == ".json"
    assert format_for_path("x/report.md") == "markdown"
    assert format_for_path("r.JSON") == "json"
    assert format_for_path("r.htm") == "html"
    assert format_for_path("r.txt") == "text"  # was html: -o x.txt wrote HTML (issue 14)
    assert format_for_path("r.log") == "html"
    assert format_for_path(None, default="markdown") == "markdown"


def test_json_schema_doc_lists_every_key() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "json-schema.md").read_text(encoding="utf-8")
    assert f"schema version {SCHEMA_VERSION}" in doc
    report = json.loads(render_report(make_analysis(), "json", generated=FIXED))
    keys = set(report)
    keys |= set(report["inputs"][0]) | set(report["migrations"][0])
    for m in report["migrations"]:
        for part in ("phases", "progress", "findings", "events", "attempts"):
            for item in m[part]:
                keys |= set(item)
    stats = report["stats"]
    keys |= set(stats) | set(stats["total"]) | {k for p in stats["physics"] for k in p}
    keys |= {k for p in stats["physics"] for mark in p["marks"] for k in mark}
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert missing == []
