"""Open HTML reports in real headless Chromium: no console errors, charts drawn, hostile text inert.

Chromium runs with the network off (offline emulation, a dead proxy and
resolver) and every request the page makes is recorded, so "works offline"
and "loads nothing external" are observed, not assumed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from _report_cdp import Browser, chromium_path
from _report_factory import HOSTILE_SCRIPT, make_analysis
from _report_png import region_stats

from migtrace.reports import write_report
from tests.conftest import SAMPLE_LOGS, cached_load

pytestmark = pytest.mark.slow

if chromium_path() is None:
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("chromium is required in CI (Debian package `chromium`)")
    pytest.skip("chromium is not installed", allow_module_level=True)

#: Resolves once every chart is drawn or has given up, whichever comes first.
WAIT_CHARTS = """
new Promise(function (resolve) {
  window.migtraceDrawAll();
  var started = Date.now();
  (function check() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("div.chart[data-fig]"));
    var done = charts.filter(function (c) { return c.dataset.rendered || c.classList.contains("no-chart"); });
    if (done.length === charts.length || Date.now() - started > 30000) {
      resolve({charts: charts.length,
               rendered: charts.filter(function (c) { return c.dataset.rendered; }).length,
               svgs: document.querySelectorAll(".main-svg").length});
    } else { setTimeout(check, 50); }
  })();
})
"""

CHART_BOX = """
(function () {
  var div = document.querySelector("div.chart[data-fig$='-timeline-data']");
  div.scrollIntoView();
  var r = div.getBoundingClientRect();
  return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height,
          plot: div.querySelectorAll(".bars .point, .scatterlayer .point").length};
})()
"""


def _load(browser: Browser, path: Path) -> dict[str, int]:
    browser.events.clear()
    browser.open(path)
    result: dict[str, int] = browser.evaluate(WAIT_CHARTS)
    return result


@pytest.mark.parametrize("variant", ["plain", "hostile", "redacted"])
def test_chromium_report_renders_without_console_errors(browser: Browser, tmp_path: Path, variant: str) -> None:
    analysis = make_analysis(hostile=variant == "hostile", secrets=variant == "redacted")
    out = tmp_path / "report.html"
    write_report(analysis, out, redact="hosts,ips,users" if variant == "redacted" else None)
    charts = _load(browser, out)
    assert browser.console_errors() == []
    assert charts["charts"] == 4  # 3 timelines + the progress chart of the completed live migration
    assert charts["rendered"] == charts["charts"]
    assert charts["svgs"] >= charts["charts"]
    external = [u for u in browser.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert external == []


def test_chromium_timeline_is_painted(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(make_analysis(), out)
    _load(browser, out)
    box = browser.evaluate(CHART_BOX)
    assert box["plot"] > 0  # plotly drew bars and markers into the SVG
    png = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                       clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"], "scale": 0.5})
    colours, variance = region_stats(base64.b64decode(png["data"]), 0, 0, int(box["width"] / 2), int(box["height"] / 2))
    assert colours > 10  # bars in several phase colours, markers, axis text
    assert variance > 50.0  # a blank white box has variance 0


def test_chromium_hostile_log_text_is_inert(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(make_analysis(hostile=True), out, title=f"title {HOSTILE_SCRIPT}")
    _load(browser, out)
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    body = browser.evaluate("document.body.innerText")
    assert HOSTILE_SCRIPT in body
    assert 'onerror="window.__pwned = 2">' in body
    assert browser.evaluate("document.title") == f"title {HOSTILE_SCRIPT}"
    # hover over a chart point and open every traceback: still nothing runs
    browser.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; }); true")
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.console_errors() == []


def test_chromium_index_sorts_and_filters(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(make_analysis(), out)
    _load(browser, out)
    first_col = "Array.prototype.map.call(document.querySelectorAll('#index-table tbody tr'), function (r) { return r.cells[0].textContent.trim(); })"
    browser.evaluate("document.querySelectorAll('#index-table th')[5].click(); true")  # duration ascending
    assert browser.evaluate(first_col) == ["2", "1", "3"]
    browser.evaluate("document.querySelectorAll('#index-table th')[5].click(); true")  # descending
    assert browser.evaluate(first_col) == ["3", "1", "2"]
    browser.evaluate("var s = document.getElementById('status-filter'); s.value = 'failed';"
                     "s.dispatchEvent(new Event('change')); true")
    visible = "Array.prototype.filter.call(document.querySelectorAll('#index-table tbody tr'), function (r) { return !r.hidden; }).length"
    assert browser.evaluate(visible) == 1
    browser.evaluate("var f = document.querySelector('.event-filter[data-table=\"m-2-events\"]');"
                     "f.value = 'aborted'; f.dispatchEvent(new Event('input')); true")
    shown = browser.evaluate("Array.prototype.filter.call(document.querySelectorAll('#m-2-events tbody tr'), function (r) { return !r.hidden; }).length")
    assert shown == 1


def test_chromium_report_of_all_sample_logs(browser: Browser, tmp_path: Path) -> None:

    out = tmp_path / "sample.html"
    write_report(cached_load(SAMPLE_LOGS), out, redact="hosts,ips,users")
    charts = _load(browser, out)
    assert browser.console_errors() == []
    assert charts["charts"] >= 4 and charts["rendered"] == charts["charts"]
    external = [u for u in browser.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert external == []


def test_chromium_harness_sees_errors_and_network_attempts(browser: Browser, tmp_path: Path) -> None:
    """Prove the checks above can fail: a page with an error and an external script is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script src="https://cdn.example.invalid/x.js"></script>'
                    '<script>console.error("boom"); undefinedFunction();</script></body></html>')
    browser.events.clear()
    browser.open(page)
    errors = browser.console_errors()
    assert any("boom" in e for e in errors) and any("undefinedFunction" in e for e in errors)
    assert "https://cdn.example.invalid/x.js" in browser.requested_urls()
