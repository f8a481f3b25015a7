"""The terminal timeline prints a phase's detail (the VERIFY_RESIZE wait) and fits every line to the width.

Every sample set's moves are rendered at 60, 72 and 100 columns: the card (title, status line,
rows), the phase heads, the details and the events must all fit (issue 10 leftovers).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from migtrace.model import Event, Migration, Phase
from migtrace.reports import RenderOptions, render
from migtrace.reports.terminal import TimelineView
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
SETS = sorted(p.name for p in ROOT.iterdir() if (p / "truth.json").is_file())
T0 = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)


def _text(m: Migration, width: int, skew: dict[str, float] | None = None) -> str:
    view = TimelineView(migration=m, skew=skew or {})
    return render("timeline", "text", view, RenderOptions(color=False, full=False, debug=False, max_width=width))


@pytest.mark.parametrize("name", SETS)
def test_every_line_of_every_move_fits_the_width(name: str) -> None:
    analysis = cached_load(str(ROOT / name))
    assert analysis.migrations
    for m in analysis.migrations:
        for width in (60, 72, 100):
            # a skew row too, as a shifted host prints it
            for line in _text(m, width, {"compute1": -1.25}).splitlines():
                assert len(line) <= width, (m.id, width, line)


def _event(t: float, host: str, message: str, request: str = "req-5e6f7a8b-0000-4000-8000-000000000001") -> Event:
    return Event(time=T0 + timedelta(seconds=t), host=host, service="nova-compute", level="INFO",
                 message=message, request_id=request, source=f"{host}/nova-compute.log", lineno=int(t * 10) + 1,
                 time_text=(T0 + timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])


def _cold_move(detail: str) -> Migration:
    finish = (_event(0.0, "compute-a", "Migrating"), _event(20.0, "compute-b", "Instance running successfully."))
    confirm = (_event(123.0, "compute-a", "Deleting instance files", "req-0e1f2a3b-0000-4000-8000-000000000002"),)
    return Migration(id="req-5e6f7a8b-0000-4000-8000-000000000001", kind="migration",
                     instance="7f0c4a52-96c4-4a63-8f3d-4a7d6e2b1c10", status="confirmed",
                     started=T0, ended=T0 + timedelta(seconds=20), source_host="compute-a", dest_host="compute-b",
                     phases=(Phase(name="finish", started=finish[0].time, ended=finish[1].time,
                                   hosts=("compute-a", "compute-b"), events=finish),
                             Phase(name="confirm", started=confirm[0].time, ended=confirm[0].time,
                                   hosts=("compute-a",), events=confirm, detail=detail)),
                     events=(*finish, *confirm))


def test_the_confirm_phase_says_how_long_the_move_waited() -> None:
    detail = "after 103 s idle in VERIFY_RESIZE (the move ended 2024-05-14T10:00:20.000+00:00)"
    text = _text(_cold_move(detail), 72)
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("▸ confirm"))
    shown = " ".join(line.strip() for line in lines[head + 1:head + 3])
    assert shown.startswith(detail[:40]) and "VERIFY_RESIZE" in shown and "10:00:20.000" in shown
    assert all(len(line) <= 72 for line in lines)
    assert "idle" not in _text(_cold_move(""), 72)


def test_a_sample_set_revert_prints_its_wait() -> None:
    """devstack's reverted resize waited in VERIFY_RESIZE: the terminal says so, as the JSON's phases[].detail."""
    analysis = cached_load(str(ROOT / "devstack-2024.1"))
    waited = [(m, p) for m in analysis.migrations for p in m.phases if p.detail]
    assert waited
    for m, p in waited:
        text = " ".join(_text(m, 100).split())
        assert " ".join(p.detail.split()) in text
