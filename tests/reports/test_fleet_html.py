"""The HTML report's fleet section and the marked events: figures, escaping, and real headless Chromium."""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go
import pytest
from _report_cdp import Browser
from _report_factory import HOSTILE_SCRIPT, make_analysis

from migtrace.pipeline import Analysis
from migtrace.reports import _charts, render_report, write_report
from migtrace.reports.fleet import stats_document
from migtrace.reports.fleet_html import MIN_MOVES, fleet_view
from tests.conftest import cached_load

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_logs"
_SCRIPTS = re.compile(r'<script type="application/json" id="(fleet-[a-z]+)-data">(.*?)</script>', re.DOTALL)


def _fleet_figures(page: str) -> dict[str, dict]:
    return {name: json.loads(body) for name, body in _SCRIPTS.findall(page)}


def _hostile_fleet() -> Analysis:
    """The hostile analysis with its moves repeated (new ids) and a host named with markup."""
    base = make_analysis(hostile=True)
    moves = [replace(m, id=f"{m.id}-{i}", dest_host=HOSTILE_SCRIPT if i == 0 else m.dest_host)
             for i in range(2) for m in base.migrations]
    return replace(base, migrations=tuple(moves))


def test_fleet_section_only_from_min_moves() -> None:
    assert fleet_view(make_analysis().migrations) is None  # 3 moves: the index is the overview
    assert 'id="fleet"' not in render_report(make_analysis(), "html")
    assert len(_hostile_fleet().migrations) >= MIN_MOVES
    assert 'id="fleet"' in render_report(_hostile_fleet(), "html")


def test_fleet_figures_are_valid_plotly_and_match_the_stats() -> None:
    analysis = cached_load(SAMPLES / "queens-files")
    page = render_report(analysis, "html")
    figures = _fleet_figures(page)
    assert sorted(figures) == ["fleet-downtimes", "fleet-durations", "fleet-hosts", "fleet-pairs"]
    for fig in figures.values():
        go.Figure(fig)  # raises on any invalid property
    doc = stats_document(analysis.migrations)
    heat = figures["fleet-pairs"]["data"][0]
    cells = {(y, x): t for y, row in zip(heat["y"], heat["text"], strict=True) for x, t in zip(heat["x"], row, strict=True)}
    for r in doc["by_pair"]:
        assert cells[(r["source_host"] or "?", r["dest_host"] or "?")].startswith(f"{r['moves']} (")
    bars = {t["name"]: t["y"] for t in figures["fleet-hosts"]["data"]}
    assert [a + b + c for a, b, c in zip(bars["ok"], bars["failed"], bars["no outcome"], strict=True)] == \
        [r["moves"] for r in doc["by_host"]]
    assert sum(bars["failed"]) == sum(r["failed"] + r["stalled"] for r in doc["by_host"])
    boxes = {t["name"]: t["x"] for t in figures["fleet-durations"]["data"]}
    assert sum(len(v) for v in boxes.values()) == doc["total"]["moves"] - doc["total"]["duration_unknown"]
    # the same figures in the tables (what paper shows), with unknown hosts as such
    assert "? → compute3" in page and "(unknown)" in page and 'id="fleet-hosts-table"' in page


def test_fleet_hostile_host_names_stay_text() -> None:
    page = render_report(_hostile_fleet(), "html")
    section = page[page.index('id="fleet"'):page.index('id="m-1"')]
    assert HOSTILE_SCRIPT not in section and html_lib.escape(HOSTILE_SCRIPT) in section
    for _, body in _SCRIPTS.findall(page):
        assert "</script" not in body.lower() and "<!--" not in body
    assert "window.__pwned" in json.dumps(_fleet_figures(page))  # there, as escaped data


def test_fleet_admin_actions_and_copy_events_are_marked_on_the_charts() -> None:
    analysis = cached_load(SAMPLES / "devstack-2024.1")
    forced = next(m for m in analysis.migrations if m.id.startswith("req-1f03e3ba"))
    traces = {t["name"]: t for t in _charts.timeline_figure(forced)["data"]}
    assert traces["admin actions"]["text"] == ["force-complete requested"]
    assert traces["admin actions"]["y"] == ["controller · n-api"]
    assert traces["copy events"]["text"] == ["switched to post-copy", "post-copy started (guest runs on the destination)"]
    progress = _charts.progress_figure(forced)
    assert progress is not None
    assert [a["text"] for a in progress["layout"]["annotations"]] == ["force-complete requested", "switched to post-copy", "post-copy started (guest runs on the destination)"]
    go.Figure(progress)
    reverted = next(m for m in analysis.migrations if m.status == "reverted")
    admin = [t for t in _charts.timeline_figure(reverted)["data"] if t["name"] == "admin actions"]
    assert admin[0]["text"] == ["resize/migration reverted"]


# --------------------------------------------------------------------------- real headless Chromium

WAIT_CHARTS = """
new Promise(function (resolve) {
  window.migtraceDrawAll();
  var started = Date.now();
  (function check() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("#fleet div.chart[data-fig]"));
    var done = charts.filter(function (c) { return c.dataset.rendered || c.classList.contains("no-chart"); });
    if (done.length === charts.length || Date.now() - started > 30000) {
      resolve({charts: charts.length,
               rendered: charts.filter(function (c) { return c.dataset.rendered; }).length,
               heat: document.querySelectorAll("#fleet-pairs .heatmaplayer image, #fleet-pairs .hm").length,
               boxes: document.querySelectorAll("#fleet-durations .boxlayer .trace").length,
               bars: document.querySelectorAll("#fleet-hosts .bars .point").length,
               stars: document.querySelectorAll(".scatterlayer .point").length});
    } else { setTimeout(check, 50); }
  })();
})
"""


@pytest.mark.slow
def test_fleet_chromium_draws_every_fleet_chart_offline(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "fleet.html"
    write_report(cached_load(SAMPLES), out, redact="hosts,ips,users")
    browser.events.clear()
    browser.open(out)
    drawn = browser.evaluate(WAIT_CHARTS)
    assert browser.console_errors() == []
    assert drawn["charts"] == 4 and drawn["rendered"] == 4
    assert drawn["heat"] > 0 and drawn["boxes"] >= 3 and drawn["bars"] > 0
    external = [u for u in browser.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert external == []
