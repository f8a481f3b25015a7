"""Views made for pasting: `timeline` and `list` fit the width, summarise, and never cut the remedy."""

from __future__ import annotations

import re
from functools import cache

import pytest

from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, render
from migtrace.reports.listing import short_ids
from migtrace.reports.terminal import TimelineView, progress_summary
from tests.conftest import SAMPLE_LOGS, cached_load

SETS = ("kilo-files", "queens-files", "zed-mixed", "devstack-2024.1")
TIMEOUT = "req-405a7cf1"  # queens-files: the live migration that hit live_migration_completion_timeout



@pytest.fixture(autouse=True)
def _not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widths here are the pipe's (100 columns) whatever $COLUMNS the test runner has."""
    monkeypatch.delenv("COLUMNS", raising=False)

@cache
def analysis(name: str) -> Analysis:
    return cached_load(SAMPLE_LOGS / name)  # shared with the other tests of this worker


def _timeline(a: Analysis, ident: str, **options: object) -> str:
    [m] = a.find(ident)
    return render("timeline", "text", TimelineView(migration=m, skew=a.skew), RenderOptions(**options))


@pytest.mark.parametrize("name", SETS)
def test_paste_every_sample_timeline_fits_100_columns(name: str) -> None:
    a = analysis(name)
    for m in a.migrations:
        lines = _timeline(a, m.id, max_width=100, debug=False).splitlines()
        assert max(len(line) for line in lines) <= 100, m.id
        assert len(lines) <= 45, m.id


def test_paste_completion_timeout_timeline_is_one_page(cli) -> None:
    out = cli("timeline", TIMEOUT, str(SAMPLE_LOGS / "queens-files")).stdout
    lines = out.splitlines()
    assert len(lines) <= 40 and max(map(len, lines)) <= 100  # was 423 lines, up to 598 columns
    assert not re.search(r" DEBUG +req-", out) and "DEBUG lines: --full" in out
    assert "progress: 53 samples, 30–39% remaining, not converging" in out
    assert "more like this" in out and "…" in out


def test_paste_full_shows_everything(cli) -> None:
    full = cli("timeline", TIMEOUT, str(SAMPLE_LOGS / "queens-files"), "--full").stdout
    assert re.search(r" DEBUG +req-", full) and "more like this" not in full and "more lines (--full)" not in full
    assert full.count("Migration running for") >= 300 and len(full.splitlines()) > 400


def test_paste_remedy_is_whole_and_wrapped() -> None:
    a = analysis("queens-files")
    [m] = a.find(TIMEOUT)
    [finding] = [f for f in m.findings if f.recognised]
    lines = _timeline(a, TIMEOUT, max_width=72, debug=False).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("fix: "))
    block = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 18):
            break
        block.append(line)
    assert " ".join(" ".join(block).split()) == "fix: " + " ".join(finding.remedy.split())
    assert all(len(line) <= 72 for line in block)


def test_paste_max_width_is_respected(cli) -> None:
    out = cli("timeline", TIMEOUT, str(SAMPLE_LOGS / "queens-files"), "--max-width", "70").stdout
    assert max(len(line) for line in out.splitlines() if "fix:" not in line) <= 70


def test_paste_progress_summary_verdicts(event_factory) -> None:
    from datetime import UTC, datetime, timedelta

    from migtrace.model import ProgressSample

    t0 = datetime(2024, 1, 1, tzinfo=UTC)

    def samples(*pcts: int) -> list[ProgressSample]:
        return [ProgressSample(time=t0 + timedelta(seconds=5 * i), elapsed_s=5.0 * i, memory_remaining_pct=p)
                for i, p in enumerate(pcts)]

    assert progress_summary(samples(90, 60, 30, 10, 2, 0)).startswith("6 samples, 0–90% remaining, converging")
    assert "not converging" in progress_summary(samples(35, 31, 36, 32, 37, 33))
    assert progress_summary(samples(40, 38)) == "2 samples, 38–40% remaining, over 5.0 s"


@pytest.mark.parametrize("name", SETS)
def test_paste_list_short_ids_are_unique_and_resolve_to_their_move(name: str) -> None:
    everything = analysis(name).migrations
    shorts = short_ids(everything)
    assert len(set(shorts.values())) == len(everything)
    for m in everything:
        assert analysis(name).find(shorts[m.id]) == [m]
        assert len(shorts[m.id]) <= len("req-") + 8 or shorts[m.id] == m.id


def test_paste_short_ids_grow_when_a_prefix_is_shared() -> None:
    from dataclasses import replace

    base = analysis("kilo-files").migrations[0]
    twin = replace(base, id="req-a2ca325d-ffff-4cff-9ba8-99fe5d473351",
                   request_ids=("req-a2ca325d-ffff-4cff-9ba8-99fe5d473351",), instance=None, migration_uuid=None)
    shorts = short_ids([base, twin])
    assert shorts[base.id] == "req-a2ca325d-4" and shorts[twin.id] == "req-a2ca325d-f"
