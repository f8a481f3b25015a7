"""HTML report: self-contained, escaped, every section present, figures valid plotly."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import ClassVar

import jinja2
import plotly.graph_objects as go
import pytest
from _report_factory import HOSTILE_IMG, HOSTILE_SCRIPT, REQ_FAIL, make_analysis

from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, _charts, render_report
from migtrace.reports.html_report import environment, render


class _Scan(HTMLParser):
    """Collect tags, the URLs that would load code/styles/media, and script bodies."""

    LOADING: ClassVar[set[tuple[str, str]]] = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("embed", "src"),
               ("object", "data"), ("source", "src"), ("video", "src"), ("audio", "src"), ("frame", "src")}

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.anchors: list[str] = []
        self.tags: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if (tag, name) in self.LOADING and value is not None:
                self.loads.append(value)
            if tag == "a" and name == "href" and value:
                self.anchors.append(value)
            if name.startswith("on"):
                raise AssertionError(f"event handler attribute {name} on <{tag}>")
        if tag == "script":
            self._in_script = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))
            self._in_script = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def _scan(html: str) -> _Scan:
    s = _Scan()
    s.feed(html)
    return s


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render_report(make_analysis(hostile=True), "html", title=f"T {HOSTILE_SCRIPT}")


def test_html_loads_nothing_external(hostile_html: str) -> None:
    scan = _scan(hostile_html)
    assert scan.loads == []  # no src/href that loads code, styles or media, local or remote
    assert "<style>" in hostile_html
    assert all(a.startswith(("#", "https://bugs.launchpad.net/")) for a in scan.anchors)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", hostile_html.replace(
        'href="https://bugs.launchpad.net/nova/+bug/1234567"', ""))
    assert "@import" not in hostile_html and "url(http" not in hostile_html


def test_html_hostile_text_is_escaped(hostile_html: str) -> None:
    scan = _scan(hostile_html)
    assert "img" not in scan.tags
    assert HOSTILE_SCRIPT not in hostile_html and HOSTILE_IMG not in hostile_html
    assert "&lt;script&gt;window.__pwned = 1;&lt;/script&gt;" in hostile_html
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt;" in hostile_html
    # the title is escaped too, in <title> and <h1>
    assert "<title>T &lt;script&gt;" in hostile_html
    # only our own scripts: the app, plotly (packed) and JSON figure data
    kinds = sorted({a.get("type") or "js" for a, _ in scan.scripts})
    assert kinds == ["application/json", "js", "text/plain"]


def test_html_figure_json_cannot_close_its_script(hostile_html: str) -> None:
    scan = _scan(hostile_html)
    figures = [json.loads(body) for attrs, body in scan.scripts if attrs.get("type") == "application/json"]
    assert len(figures) == 4
    for _, body in scan.scripts:
        assert "</script" not in body.lower() and "<!--" not in body
    hovers = json.dumps(figures)
    assert "window.__pwned" in hovers  # the hostile text is there, as data
    assert "<script>" not in hovers  # and also escaped for plotly's HTML-ish hover labels


def test_html_figures_are_valid_plotly() -> None:
    a = make_analysis()
    for m in a.migrations:
        go.Figure(_charts.timeline_figure(m))  # raises on any invalid property
    fig = _charts.progress_figure(a.migrations[0])
    assert fig is not None
    go.Figure(fig)
    assert _charts.progress_figure(a.migrations[1]) is None


def test_html_timeline_has_phases_on_host_rows() -> None:
    m = make_analysis().migrations[0]
    fig = _charts.timeline_figure(m)
    bars = {t["name"]: t for t in fig["data"] if t["type"] == "bar"}
    assert list(bars) == [p.name for p in m.phases]
    assert bars["pre_live_migration"]["y"] == ["compute1 · n-cpu", "compute2 · n-cpu"]
    assert bars["migration job"]["x"] == [22000.0]
    assert bars["migration job"]["base"] == ["2024-03-05 10:00:05.000000"]
    assert fig["layout"]["yaxis"]["categoryarray"][0].startswith("controller")


def test_html_contains_every_section() -> None:
    html = render_report(make_analysis(), "html")
    for needle in (
        'id="index-table"', 'id="m-1"', 'id="m-2"', 'id="m-3"', 'id="m-1-timeline"', 'id="m-1-progress"',
        "Cannot reach the destination libvirtd", "Remedy:", "Unrecognised errors",
        "Clock skew: compute2 was offset by +0.800 s", "Findings outside any migration",
        '<details class="tb"><summary>traceback (4 lines)', "nova-compute.log", "journal-short",
        "Generated by migtrace 0.1.0", 'class="lvl-error"', REQ_FAIL,
    ):
        assert needle in html, needle
    assert 'id="m-2-progress"' not in html  # no progress lines, no chart


def test_html_environment_is_strict_and_autoescaping() -> None:
    env = environment()
    assert env.autoescape is True
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nope }}").render()


def test_html_empty_analysis_renders() -> None:
    html = render(Analysis(), RenderOptions())
    assert "No migration was found" in html


def test_html_script_json_escapes_breakers() -> None:
    out = _charts.script_json({"m": "</script><!-- & \u2028"})
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == {"m": "</script><!-- & \u2028"}
