"""The fleet charts' static copies: server-drawn SVG with the stats' own numbers, on paper and without JavaScript.

plotly draws the fleet charts once the page has unpacked it, which a
printout, a PDF, a screenshot taken at load and a browser with JavaScript off
never wait for.  Each fleet chart therefore carries the same chart as inline
SVG (reports._charts); these tests check its numbers against the `stats`
document, its escaping, and — in real headless Chromium — that the print
stylesheet and a script-less page show it (and the PDF check fails without it).
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from _report_cdp import Browser, has_colour, pdf_fill_colours
from _report_factory import HOSTILE_SCRIPT, make_analysis

from migtrace import load
from migtrace.diagnose.fleet import FINAL
from migtrace.diagnose.physics import marks_of
from migtrace.pipeline import Analysis
from migtrace.reports import _charts, render_report, write_report
from migtrace.reports.fleet import stats_document

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_logs"
SVG = "{http://www.w3.org/2000/svg}"
_STATIC = re.compile(r'<div class="chart fleet-chart" id="(fleet-[a-z]+)"[^>]*><figure class="chart-static">(.*?)'
                     r"</figure></div>", re.DOTALL)


@cache
def _queens() -> tuple[Analysis, str]:
    analysis = load(str(SAMPLES / "queens-files"))
    return analysis, render_report(analysis, "html")


def _svgs(page: str) -> dict[str, ET.Element]:
    """Parse every fleet chart's static copy: it must be well-formed XML (what a browser needs inline)."""
    return {name: ET.fromstring(body) for name, body in _STATIC.findall(page)}


def _titles(svg: ET.Element, cls: str) -> list[str]:
    return [el.findtext(f"{SVG}title") or "" for el in svg.iter() if el.get("class") == cls]


def test_fleet_static_every_chart_has_its_svg_copy() -> None:
    _, page = _queens()
    svgs = _svgs(page)
    assert sorted(svgs) == ["fleet-downtimes", "fleet-durations", "fleet-hosts", "fleet-pairs"]
    assert all(s.tag == f"{SVG}svg" and s.get("role") == "img" for s in svgs.values())
    assert "drawn by the browser" not in page  # the placeholder note is gone


def test_fleet_static_numbers_are_the_stats() -> None:
    analysis, page = _queens()
    svgs, doc = _svgs(page), stats_document(analysis.migrations)
    cells = svgs["fleet-pairs"]
    fills = [el.get("fill") for el in cells.iter() if el.get("class") == "pair"]
    assert fills == [_charts.fail_colour(r["failure_rate"]) for r in doc["by_pair"]]
    assert _titles(cells, "pair") == [
        f"{r['source_host'] or '?'} → {r['dest_host'] or '?'}: {r['moves']} ({r['failed'] + r['stalled']} failed)"
        + ("" if r["failure_rate"] is None else f", {r['failure_rate'] * 100:.0f}% failed") for r in doc["by_pair"]]
    per_host: dict[str, int] = {}
    for title in _titles(svgs["fleet-hosts"], "bar"):
        host, count = re.fullmatch(r"(.*): (\d+) (?:ok|failed|no outcome)", title).groups()  # type: ignore[union-attr]
        per_host[host] = per_host.get(host, 0) + int(count)
    assert per_host == {r["group"] or "(unknown)": r["moves"] for r in doc["by_host"]}
    dots = [el for el in svgs["fleet-durations"].iter() if el.get("class") == "point"]
    assert len(dots) == sum(1 for m in analysis.migrations if m.status in FINAL)
    dots = [el for el in svgs["fleet-downtimes"].iter() if el.get("class") == "point"]
    assert len(dots) == sum(1 for m in analysis.migrations if m.downtime_s is not None)


def test_fleet_static_colour_scale_is_plotlys() -> None:
    assert [_charts.fail_colour(stop) for stop, _ in _charts.FAIL_SCALE] == [c for _, c in _charts.FAIL_SCALE]
    assert _charts.fail_colour(0.25) == "#f4d69b"  # halfway between #e8f5e9 and #ffb74d
    assert _charts.fail_colour(None) == "#ffffff"


def test_fleet_static_distribution_log_axis_and_empty() -> None:
    svg = ET.fromstring(_charts.distribution_svg({"live-migration": [(0.05, "a"), (30.0, "b"), (900.0, "c")]},
                                                 "Duration", "s"))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "100ms" in texts and "10.0s" in texts and any("log scale" in (t or "") for t in texts)
    empty = ET.fromstring(_charts.distribution_svg({}, "Measured downtime", "s"))
    assert "no move has one" in [t.text for t in empty.iter(f"{SVG}text")]


def test_fleet_static_hostile_host_names_stay_text() -> None:
    base = make_analysis(hostile=True)
    moves = [replace(m, id=f"{m.id}-{i}", dest_host=HOSTILE_SCRIPT if i == 0 else m.dest_host)
             for i in range(2) for m in base.migrations]
    page = render_report(replace(base, migrations=tuple(moves)), "html")
    svgs = _svgs(page)  # still well-formed: the name cannot open an element
    assert len(svgs) == 4
    section = page[page.index('id="fleet"'):page.index('id="m-1"')]
    assert HOSTILE_SCRIPT not in section
    names = [t.text or "" for s in svgs.values() for el in s.iter() for t in [el] if t.tag == f"{SVG}title"]
    assert HOSTILE_SCRIPT in names  # the whole name, as text, in the tooltip


def test_timeline_static_copy_marks_admin_actions_and_copy_events() -> None:
    forced = next(m for m in load(str(SAMPLES / "devstack-2024.1")).migrations if m.id.startswith("req-1f03e3ba"))
    svg = ET.fromstring(_charts.timeline_svg(forced))
    marks = [(el.get("class"), el.findtext(f"{SVG}title")) for el in svg.iter(f"{SVG}polygon")]
    assert marks == [("mark admin" if k.admin else "mark copy", k.label) for k in marks_of(forced)]
    assert marks[0] == ("mark admin", "force-complete requested")


def test_fleet_static_print_stylesheet_no_longer_hides_the_fleet_charts() -> None:
    _, page = _queens()
    css = page[page.index("@media print"):]
    css = css[:css.index("</style>")]
    assert ".fleet-grid { display: none; }" not in css and ".chart > :not(.chart-static) { display: none; }" in css


# --------------------------------------------------------------------------- real headless Chromium

#: the queens-files pairs fail at 50 % and 100 %: the 50 % cell's colour (#ffb74d) is drawn nowhere else
HALF = (0xFF, 0xB7, 0x4D)
VISIBLE = """
(function () {
  return Array.prototype.map.call(document.querySelectorAll("#fleet div.fleet-chart"), function (div) {
    var svg = div.querySelector("figure.chart-static svg"), plot = div.querySelector(".plot-container");
    var box = svg ? svg.getBoundingClientRect() : {height: 0, width: 0};
    return {id: div.id, svg: svg ? box.height * box.width : 0,
            figure: svg ? getComputedStyle(svg.parentNode).display : "missing",
            plotly: plot ? getComputedStyle(plot).display : "none-drawn"};
  });
})()
"""
DRAW = """
new Promise(function (resolve) {
  window.migtraceDrawAll();
  var started = Date.now();
  (function check() {
    var charts = document.querySelectorAll("#fleet div.fleet-chart");
    var done = Array.prototype.every.call(charts, function (c) { return c.dataset.rendered; });
    if (done || Date.now() - started > 30000) { resolve(done); } else { setTimeout(check, 50); }
  })();
})
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet") / "report.html"
    write_report(_queens()[0], out)
    return out


@pytest.mark.slow
def test_fleet_static_chromium_print_shows_the_svg_before_and_after_plotly(browser: Browser, report: Path) -> None:
    browser.events.clear()
    browser.open(report)
    try:
        browser.send("Emulation.setEmulatedMedia", media="print")
        at_load = browser.evaluate(VISIBLE)
        assert len(at_load) == 4 and all(c["svg"] > 10_000 and c["figure"] == "block" for c in at_load), at_load
        browser.send("Emulation.setEmulatedMedia", media="")
        assert browser.evaluate(DRAW) is True
        on_screen = browser.evaluate(VISIBLE)  # plotly drew: the copy steps aside on screen
        assert all(c["figure"] == "none" and c["plotly"] != "none" for c in on_screen), on_screen
        browser.send("Emulation.setEmulatedMedia", media="print")
        printed = browser.evaluate(VISIBLE)  # on paper the copy is back and plotly's chart is not
        assert all(c["svg"] > 10_000 and c["figure"] == "block" and c["plotly"] == "none" for c in printed), printed
    finally:
        browser.send("Emulation.setEmulatedMedia", media="")
    assert browser.console_errors() == []


@pytest.mark.slow
def test_fleet_static_chromium_pdf_holds_the_matrix_and_fails_without_it(browser: Browser, report: Path) -> None:
    def pdf_of(page: Path) -> bytes:
        browser.events.clear()
        browser.open(page)
        return base64.b64decode(browser.send("Page.printToPDF", printBackground=True)["data"])

    assert has_colour(pdf_fill_colours(pdf_of(report)), HALF), "the pair matrix's 50 % cell is not in the PDF"
    bare = report.with_name("bare.html")
    bare.write_text(_STATIC.sub("", report.read_text(encoding="utf-8")), encoding="utf-8")
    assert not has_colour(pdf_fill_colours(pdf_of(bare)), HALF)


@pytest.mark.slow
def test_fleet_static_chromium_without_javascript(browser: Browser, report: Path) -> None:
    browser.send("Emulation.setScriptExecutionDisabled", value=True)
    try:
        browser.events.clear()
        browser.open(report)
        shown = browser.evaluate(VISIBLE)  # DevTools still evaluates; the page's own scripts did not run
        assert browser.evaluate("document.body.dataset.chartsPending === undefined") is True
    finally:
        browser.send("Emulation.setScriptExecutionDisabled", value=False)
    assert len(shown) == 4 and all(c["svg"] > 10_000 and c["figure"] == "block" for c in shown), shown
    assert all(c["plotly"] == "none-drawn" for c in shown)
