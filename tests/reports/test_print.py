"""The HTML report's charts on paper: printed to PDF over CDP, and in a plain `chromium --screenshot`.

The interactive charts are drawn by plotly once the page has unpacked it,
which a printout, a PDF and a headless screenshot taken at load never wait
for.  The report therefore carries the same charts as server-drawn SVG; these
tests look for the phase bars' colour in the PDF's drawing operators and in
the screenshot's pixels, and check the same checks fail on a report without
the SVG.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest
from _report_cdp import FLAGS, Browser, chromium_path, has_colour, pdf_fill_colours
from _report_factory import make_analysis
from _report_png import decode

from migtrace.reports import write_report
from migtrace.reports._charts import PHASE_COLOURS

pytestmark = pytest.mark.slow

if chromium_path() is None:
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("chromium is required in CI (Debian package `chromium`)")
    pytest.skip("chromium is not installed", allow_module_level=True)

#: the first phase's bar colour (#0072B2), as PDF fill components and as screen pixels on white: the
#: static SVG draws it at 0.8 opacity, plotly at 0.75
BAR = tuple(int(PHASE_COLOURS[0][i:i + 2], 16) for i in (1, 3, 5))
BAR_ON_WHITE = tuple(round(0.8 * c + 0.2 * 255) for c in BAR)
PLOTLY_BAR_ON_WHITE = tuple(round(0.75 * c + 0.25 * 255) for c in BAR)
_STATIC = re.compile(r'<figure class="chart-static">.*?</figure>', re.DOTALL)
_PLOTLY = re.compile(r'(<script type="text/plain" id="plotly-js-gz">).*?(</script>)', re.DOTALL)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    write_report(make_analysis(), out)
    return out


def _without_static_charts(report: Path) -> Path:
    """The same report as it was before the static charts: what printed blank."""
    bare = report.with_name("bare.html")
    bare.write_text(_STATIC.sub("", report.read_text(encoding="utf-8")), encoding="utf-8")
    return bare


def _without_plotly(report: Path, static: bool = True) -> Path:
    """The report as a screenshot taken before plotly has drawn sees it (plotly's payload emptied)."""
    page = report.with_name(f"no-plotly-{'static' if static else 'bare'}.html")
    text = _PLOTLY.sub(r"\1\2", report.read_text(encoding="utf-8"))
    page.write_text(text if static else _STATIC.sub("", text), encoding="utf-8")
    return page


def _print(browser: Browser, page: Path, draw_first: bool) -> bytes:
    browser.events.clear()
    browser.open(page)
    if draw_first:  # what a reader who scrolled through the page and then printed gets
        browser.evaluate("window.migtraceDrawAll(); new Promise(function (r) { setTimeout(r, 3000); })")
    return base64.b64decode(browser.send("Page.printToPDF", printBackground=True)["data"])


@pytest.mark.parametrize("draw_first", [False, True], ids=["printed-at-load", "printed-after-drawing"])
def test_print_pdf_holds_the_charts(browser: Browser, report: Path, draw_first: bool) -> None:
    pdf = _print(browser, report, draw_first)
    assert pdf.startswith(b"%PDF")
    assert has_colour(pdf_fill_colours(pdf), BAR), "no phase bar drawn in the PDF"
    assert browser.console_errors() == []


def test_print_pdf_check_fails_without_the_static_charts(browser: Browser, report: Path) -> None:
    pdf = _print(browser, _without_static_charts(report), draw_first=False)
    assert not has_colour(pdf_fill_colours(pdf), BAR)


def _screenshot(page: Path, tmp_path: Path) -> bytes:
    """Take `chromium --headless --screenshot` of the page: load, shoot, no waiting for scripts."""
    binary = chromium_path()
    assert binary is not None
    shot = tmp_path / f"{page.stem}.png"
    flags = [f for f in FLAGS if not f.startswith("--window-size")]
    subprocess.run([binary, *flags, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1600",
                    f"--screenshot={shot}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return shot.read_bytes()


def _pixels_like(png: bytes, colour: tuple[int, ...], tolerance: int = 6) -> int:
    width, height, channels, px = decode(png)
    count = 0
    for i in range(0, width * height * channels, channels * 3):  # every third pixel is plenty
        if all(abs(px[i + k] - colour[k]) <= tolerance for k in range(3)):
            count += 1
    return count


def test_print_plain_headless_screenshot_shows_the_charts(report: Path, tmp_path: Path) -> None:
    # whether plotly has drawn by the time of the shot or not, bars are on the screen
    shot = _screenshot(report, tmp_path)
    assert _pixels_like(shot, BAR_ON_WHITE) + _pixels_like(shot, PLOTLY_BAR_ON_WHITE) > 20
    # before plotly has drawn, the static SVG is what shows; without it the chart boxes were blank
    assert _pixels_like(_screenshot(_without_plotly(report), tmp_path), BAR_ON_WHITE) > 50
    assert _pixels_like(_screenshot(_without_plotly(report, static=False), tmp_path), BAR_ON_WHITE) == 0
