"""Text and Markdown reports say what a phase's span does not show: the idle VERIFY_RESIZE wait.

The confirm/revert phase of a resize starts when the user answers, not when the move
ended; the wait in between is its own idle segment (issue 10 item 6).  Every output
that prints phases must say how long it was, as the terminal timeline and JSON do.
"""

from __future__ import annotations

from migtrace.reports import render_report
from tests.conftest import SAMPLE_LOGS, cached_load


def _detailed() -> list[tuple[str, str]]:
    analysis = cached_load(SAMPLE_LOGS)
    return [(p.name, p.detail) for m in analysis.migrations for p in m.phases if p.detail]


def test_the_sample_sets_have_verify_resize_waits() -> None:
    names = {name for name, _ in _detailed()}
    assert names >= {"confirm", "revert"}


def test_text_report_prints_every_phase_detail() -> None:
    text = " ".join(render_report(cached_load(SAMPLE_LOGS), "text").split())
    for name, detail in _detailed():
        assert f"phase note: {name}: {' '.join(detail.split())}" in text


def test_markdown_report_prints_every_phase_detail() -> None:
    md = render_report(cached_load(SAMPLE_LOGS), "markdown")
    for name, detail in _detailed():
        assert f"  - `{name}`: {detail.replace('_', chr(92) + '_')}" in md
