"""The text timeline marks the events physics.yaml marks — the same ones the HTML charts show — and pastes.

Admin actions (force-complete, abort, confirm, revert) lead their line with a
star, copy events (post-copy switch, downtime steps, timeouts) with a
triangle, DEBUG or not; the card lists them with the copy's physics and what
the logs say about auto-converge.  Checked on the sample sets (nova's own
wording) and on a synthetic move, in 100 columns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from migtrace import load
from migtrace.diagnose.physics import load_rules, marks_of
from migtrace.model import Event, Migration
from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, _charts, render
from migtrace.reports.terminal import MARK_GLYPHS, TimelineView, mark_lines
from tests.conftest import SAMPLE_LOGS

T0 = datetime(2019, 6, 3, 12, 0, 0, tzinfo=UTC)
STAR, TRIANGLE = MARK_GLYPHS[True], MARK_GLYPHS[False]


@cache
def _analysis(name: str) -> Analysis:
    return load(str(SAMPLE_LOGS / name))


def _move(name: str, prefix: str) -> Migration:
    return next(m for m in _analysis(name).migrations if m.id.startswith(prefix))


def _timeline(m: Migration, width: int = 100, full: bool = False) -> list[str]:
    options = RenderOptions(max_width=width, full=full, debug=full)
    return render("timeline", "text", TimelineView(migration=m), options).splitlines()


def _card(lines: list[str]) -> list[str]:
    return lines[:lines.index("")]


def test_timeline_marks_force_complete_and_post_copy_in_card_and_lines() -> None:
    m = _move("devstack-2024.1", "req-1f03e3ba")
    lines = _timeline(m)
    card = _card(lines)
    marks = [x for x in card if x.lstrip().startswith(("marks", STAR, TRIANGLE))]
    assert marks == [
        "  marks      ★ +01:37.528 force-complete requested — controller/n-api",
        "             ▲ +01:40.900 switched to post-copy — compute2/n-cpu",
        "             ▲ +01:40.986 post-copy started (guest runs on the destination) — compute2/n-cpu",
    ]
    body = lines[len(card):]
    # the force-complete request is a DEBUG line of nova-api: shown, marked, though DEBUG is hidden
    [forced] = [x for x in body if "Going to try to force live migration to complete" in x]
    assert forced.startswith("★ +01:37.528 controller/n-api") and " DEBUG " in forced
    assert [x[:12] for x in body if x.startswith(TRIANGLE)] == ["▲ +01:40.900", "▲ +01:40.986"]
    # every other event line keeps its two-space lead
    assert all(x.startswith(("  ", "▸", STAR, TRIANGLE)) for x in body if x)


def test_timeline_card_gives_the_physics_verdict_once() -> None:
    card = "\n".join(_card(_timeline(_move("devstack-2024.1", "req-1f03e3ba"))))
    # the progress row counts the samples; the verdict is physics' (pre-copy samples only), not a second one
    assert "memory copy: 23 samples, 0–39% remaining, over 110.0 s" in card
    assert "  copy       stalled: memory left 1.44 GiB → 1.33 GiB" in card
    assert "then force-complete requested" in card and " converging" not in card


@pytest.mark.parametrize(("name", "prefix", "glyph", "label"), [
    ("devstack-2024.1", "req-0441b83d", STAR, "resize/migration reverted"),
    ("devstack-2024.1", "req-ce32ae36", STAR, "resize/migration confirmed"),
    ("queens-files", "req-0680ad12", STAR, "resize/migration confirmed"),
    ("queens-files", "req-405a7cf1", TRIANGLE, "completion timeout reached"),
])
def test_timeline_admin_actions_and_copy_events_of_the_samples(name: str, prefix: str, glyph: str, label: str) -> None:
    m = _move(name, prefix)
    lines = _timeline(m)
    assert any(x.startswith("  marks      " + glyph) and label in x for x in _card(lines))
    marked = [x for x in lines[len(_card(lines)):] if x.startswith(glyph)]
    assert len(marked) == len(marks_of(m))


def test_timeline_marks_are_the_charts_marks() -> None:
    """The card lists exactly what the HTML timeline draws as stars and triangles, in the same order."""
    for name in ("devstack-2024.1", "queens-files", "zed-mixed"):
        for m in _analysis(name).migrations:
            traces = {t["name"]: t["text"] for t in _charts.marks_traces(m)}
            charted = sorted(traces.get("admin actions", []) + traces.get("copy events", []))
            card = [x for x in _card(_timeline(m, width=0)) if x.lstrip().startswith(("marks", STAR, TRIANGLE))]
            after_glyph = [x.split(STAR if STAR in x else TRIANGLE, 1)[1] for x in card]
            listed = sorted(x.split(" ", 2)[2].rsplit(" — ", 1)[0] for x in after_glyph)
            assert listed == charted, m.id


def test_timeline_auto_converge_is_unknown_with_the_reason() -> None:
    rules = load_rules()
    card = _card(_timeline(_move("queens-files", "req-405a7cf1")))
    assert "  auto-conv. unknown (nova does not log throttling at this level)" in card
    assert rules.auto_converge.unknown == "unknown (nova does not log throttling at this level)"
    # post-copy rules it out: nova sets the post-copy flag or the auto-converge flag, never both
    card = _card(_timeline(_move("devstack-2024.1", "req-1f03e3ba")))
    assert f"  auto-conv. {rules.auto_converge.excluded}" in card
    # cold moves copy no memory while the guest runs: no copy rows at all
    card = _card(_timeline(_move("devstack-2024.1", "req-0441b83d")))
    assert not any(x.startswith(("  copy", "  auto-conv.")) for x in card)


@pytest.mark.parametrize("name", ["devstack-2024.1", "queens-files", "zed-mixed", "kilo-files"])
def test_timeline_with_marks_pastes_in_100_columns(name: str) -> None:
    for m in _analysis(name).migrations:
        assert max(len(x) for x in _timeline(m)) <= 100, m.id
        # the rows and lines this adds fit a narrower width too
        lines = _timeline(m, width=72)
        card = _card(lines)
        ours = [x for x in card if x.startswith(("  marks", "  copy", "  auto-conv.", " " * 13 + STAR,
                                                  " " * 13 + TRIANGLE))]
        ours += [x for x in lines[len(card):] if x.startswith((STAR, TRIANGLE))]
        assert all(len(x) <= 72 for x in ours), m.id


# --------------------------------------------------------------------------- synthetic


def _event(seconds: float, message: str, level: str = "INFO", host: str = "c1", service: str = "n-cpu") -> Event:
    t = T0 + timedelta(seconds=seconds)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=message, host=host,
                 service=service, level=level, logger="nova.virt.libvirt.migration")


def test_timeline_repeated_marks_are_one_card_line_each_still_marked() -> None:
    steps = [_event(10 + 30 * i, f"Increasing downtime to {50 * (i + 1)} ms after {30 * i} sec elapsed time")
             for i in range(10)]
    abort = _event(400, "Going to cancel live migration", "DEBUG", host="ctl", service="n-api")
    m = Migration(id="req-x", kind="live-migration", instance=None, status="cancelled", started=T0,
                  ended=T0 + timedelta(seconds=420), events=(*steps, abort), source_host="c1", dest_host="c2")
    assert mark_lines(marks_of(m), m.started) == [
        "▲ +00:10.000 max downtime raised (×10, the last at +04:40.000) — c1/n-cpu",
        "★ +06:40.000 abort requested — ctl/n-api",
    ]
    lines = _timeline(m)
    assert "  auto-conv. unknown (nova does not log throttling at this level)" in lines
    assert "  copy       unknown: 0 progress lines (at least 2 needed)" in lines
