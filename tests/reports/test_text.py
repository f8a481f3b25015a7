"""The plain-text report for Launchpad, Markdown code spans and folding, one-move reports' inputs."""

from __future__ import annotations

import json
import re

from _report_factory import HOSTILE_SCRIPT, INST_FAIL, REQ_FAIL, SECRETS, make_analysis

from migtrace.reports import format_for_path, render_report
from migtrace.reports.markdown_report import MAX_OPEN_KEY_LINES
from tests.conftest import SAMPLE_LOGS, cached_load


def test_text_report_is_plain_and_within_80_columns() -> None:
    text = render_report(cached_load(SAMPLE_LOGS), "text", title="Bug 2001234")
    assert text.startswith("Bug 2001234\n===========\n")
    long = [line for line in text.splitlines() if len(line) > 80]
    assert all(re.fullmatch(r"\s*(see: )?\S+", line) for line in long), long  # only unbreakable tokens (URLs)
    for markup in ("**Hosts:**", "*Remedy:*", "\\_", "```", "<details>", "&lt;", "|---|"):
        assert markup not in text
    assert "live_migration_permit_post_copy" in text  # option names as written, no escapes


def test_text_report_remedy_is_whole_and_log_lines_are_folded_not_cut() -> None:
    a = make_analysis()
    text = render_report(a, "text")
    failed = a.migrations[1]
    finding = next(f for f in failed.findings if f.recognised)
    flat = " ".join(text.split())
    assert " ".join(finding.remedy.split()) in flat
    for e in failed.events:
        if e.level == "ERROR":
            assert " ".join(e.message.split()) in flat


def test_text_report_redacts_like_every_format() -> None:
    text = render_report(make_analysis(secrets=True), "text")
    for secret in SECRETS.values():
        assert secret not in text


def test_text_report_hostile_text_stays_text() -> None:
    text = render_report(make_analysis(hostile=True), "text")
    assert HOSTILE_SCRIPT in " ".join(text.split()).replace(" ", "") or "<script>" in text


def test_text_report_is_chosen_by_the_txt_suffix() -> None:
    assert format_for_path("bug.txt") == "text" and format_for_path("x.md") == "markdown"


def test_markdown_keeps_code_spans_of_remedies_as_code() -> None:
    md = render_report(cached_load(SAMPLE_LOGS / "kilo-files"), "markdown")
    assert "`iscsiadm -m session`" in md and "\\`iscsiadm" not in md
    assert "`pre_live_migration`" in md  # phases are code, not pre\\_live\\_migration


def test_markdown_folds_long_key_lines_in_details() -> None:
    md = render_report(cached_load(SAMPLE_LOGS / "queens-files"), "markdown")
    blocks = re.findall(r"### Key lines\n\n(.*?)\n(?:## |\Z)", md, re.DOTALL)
    assert blocks and any(b.startswith("<details><summary>") and b.rstrip().endswith("</details>") for b in blocks)
    for b in blocks:
        if not b.startswith("<details>"):
            assert b.count("\n") <= MAX_OPEN_KEY_LINES + 2


def test_single_migration_report_lists_only_its_own_inputs() -> None:
    a = make_analysis()
    whole = render_report(a, "json")
    one = render_report(a, "json", migration=REQ_FAIL)
    inputs_all = {i["path"] for i in json.loads(whole)["inputs"]}
    inputs_one = {i["path"] for i in json.loads(one)["inputs"]}
    [m] = [m for m in a.migrations if m.instance == INST_FAIL]
    own = {e.source for e in m.events} | {e.source for f in m.findings for e in f.events}
    assert inputs_one == own & inputs_all and inputs_one < inputs_all
