"""Markdown report: compact ticket body, escaped prose, unbreakable code blocks."""

from __future__ import annotations

from _report_factory import HOSTILE_SCRIPT, INST_FAIL, make_analysis, make_event

from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, render_report
from migtrace.reports.markdown_report import code_block, code_span, key_events, md_escape, render


def test_markdown_has_summary_findings_and_key_lines() -> None:
    md = render_report(make_analysis(), "markdown", title="Incident 42")
    assert md.startswith("# Incident 42\n")
    assert "| # | Kind | Instance | Source → Dest |" in md
    assert f"| 2 | live-migration | `{INST_FAIL}` | compute1 → compute3 |" in md
    assert "### Findings" in md and "**Cannot reach the destination libvirtd**" in md
    assert "*Remedy:* Check that libvirtd" in md
    assert "<https://bugs.launchpad.net/nova/+bug/1234567>" in md
    assert "### Unrecognised errors" in md
    assert "```text\n" in md and "Migration operation has aborted" in md
    assert "    Traceback (most recent call last):" in md


def test_markdown_escapes_hostile_prose_but_quotes_code_verbatim() -> None:
    md = render_report(make_analysis(hostile=True), "markdown", title=f"x {HOSTILE_SCRIPT}")
    first = md.splitlines()[0]
    assert "<script>" not in first and "&lt;script&gt;" in first
    # inside the fenced block the hostile line is kept as it was logged
    assert f"Weird device name {HOSTILE_SCRIPT}" in md


def test_markdown_key_events_are_phase_starts_warnings_and_evidence() -> None:
    failed = make_analysis().migrations[1]
    keys = key_events(failed)
    assert [e.lineno for e in keys] == [100, 7, 200, 201, 202]


def test_markdown_code_fences_outlast_backticks_in_logs() -> None:
    block = code_block(["a ```` b"])
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    assert code_span("x ` y") == "``x ` y``"
    assert md_escape("a|b_c <i>") == "a\\|b\\_c &lt;i&gt;"


def test_markdown_empty_analysis() -> None:
    md = render(Analysis(), RenderOptions())
    assert "No migration was found" in md


def test_markdown_long_traceback_is_trimmed_to_its_tail() -> None:
    a = make_analysis()
    ev = make_event(level="ERROR", extra=tuple(f"line {i}" for i in range(50)))
    m = a.migrations[0].replace(events=(ev,), phases=(), findings=())
    md = render(Analysis(migrations=[m]), RenderOptions())
    assert "… 42 more lines …" in md and "line 49" in md and "line 3\n" not in md
