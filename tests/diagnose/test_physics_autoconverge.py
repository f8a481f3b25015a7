"""Auto-converge in the physics: nova never logs throttling, so it is unknown and says why — never omitted.

nova's monitor line (`Migration running for … memory … remaining (bytes …)`)
carries no throttle figure, and the only auto-converge line nova writes is an
INFO at driver start-up; the one thing the logs do settle is that a move
which switched to post-copy ran without auto-converge (nova sets one flag or
the other).  The wording is data (physics.yaml `auto_converge`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from migtrace import load
from migtrace.diagnose.physics import auto_converge, load_rules, marks_of, physics
from migtrace.errors import DataError
from migtrace.model import Event, Migration
from migtrace.pipeline import Analysis
from migtrace.reports.fleet import stats_document
from tests.conftest import SAMPLE_LOGS

UNKNOWN = "unknown (nova does not log throttling at this level)"
T0 = datetime(2021, 4, 1, 8, 0, 0, tzinfo=UTC)
_CONVERGENCE = "convergence: {min_samples: 2, min_span_s: 4, band: 0.1, idle_min_s: 10}\n"
_MARKS = "marks: [{id: post-copy, label: p, text: Switching to post-copy, kinds: [live-migration]}]\n"


@cache
def _analysis(name: str) -> Analysis:
    return load(str(SAMPLE_LOGS / name))


def _move(name: str, prefix: str) -> Migration:
    return next(m for m in _analysis(name).migrations if m.id.startswith(prefix))


def test_auto_converge_unknown_with_the_reason_on_a_move_that_never_converged() -> None:
    # the completion timeout: the case where an operator most wants to know whether throttling ran
    p = physics(_move("queens-files", "req-405a7cf1"))
    assert p.verdict == "stalled" and p.auto_converge == UNKNOWN


def test_auto_converge_ruled_out_by_the_post_copy_switch() -> None:
    p = physics(_move("devstack-2024.1", "req-1f03e3ba"))
    assert {"post-copy", "post-copy-started"} <= {k.id for k in p.marks}
    assert p.auto_converge == load_rules().auto_converge.excluded and p.auto_converge.startswith("not in use")


def test_auto_converge_not_applicable_to_cold_moves() -> None:
    p = physics(_move("devstack-2024.1", "req-0441b83d"))
    assert p.auto_converge.startswith("not applicable")


@pytest.mark.parametrize("name", ["queens-files", "devstack-2024.1"])
def test_auto_converge_said_for_every_live_move_in_the_stats_document(name: str) -> None:
    migrations = _analysis(name).migrations
    doc = stats_document(migrations)
    assert doc["physics"] and all(r["auto_converge"] for r in doc["physics"])
    live = [m for m in migrations if m.kind == "live-migration" and (physics(m).samples or marks_of(m))]
    said = {r["migration_id"]: r["auto_converge"] for r in doc["physics"]}
    assert set(said) >= {m.id for m in live}
    for m in live:  # unknown unless the move switched to post-copy; never left out
        switched = any(k.id in load_rules().auto_converge.excluded_by for k in marks_of(m))
        assert said[m.id] == (load_rules().auto_converge.excluded if switched else UNKNOWN), m.id


def test_auto_converge_in_the_stats_overview_next_to_the_moves_that_did_not_converge(cli) -> None:
    out = cli("stats", str(SAMPLE_LOGS / "queens-files")).stdout
    section = out[out.index("Live migrations that did not converge"):]
    assert f"auto-converge: {UNKNOWN}" in section


def test_auto_converge_synthetic_live_move_without_progress() -> None:
    t = T0 + timedelta(seconds=3)
    switch = Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                   message="Switching to post-copy migration mode", host="c1", level="INFO")
    m = Migration(id="req-y", kind="live-migration", instance=None, status="completed", started=T0,
                  ended=T0 + timedelta(seconds=9), events=(), source_host="c1", dest_host="c2")
    assert auto_converge(m, marks_of(m)) == UNKNOWN
    switched = Migration(**{**{f: getattr(m, f) for f in ("id", "kind", "instance", "status", "started", "ended",
                                                          "source_host", "dest_host")}, "events": (switch,)})
    assert auto_converge(switched, marks_of(switched)).startswith("not in use")


def test_auto_converge_wording_is_checked_data(tmp_path: Path) -> None:
    bad = tmp_path / "physics.yaml"
    bad.write_text(_CONVERGENCE + _MARKS)
    with pytest.raises(DataError, match="auto_converge"):
        load_rules(str(bad))
    bad.write_text(_CONVERGENCE + _MARKS + "auto_converge: {unknown: u, excluded: e, not_live: n, "
                   "excluded_by: [teleport]}\n")
    with pytest.raises(DataError, match="excluded_by names no mark: teleport"):
        load_rules(str(bad))
    bad.write_text(_CONVERGENCE + _MARKS + "auto_converge: {unknown: u, excluded: e, not_live: n, "
                   "excluded_by: [post-copy]}\n")
    assert load_rules(str(bad)).auto_converge.unknown == "u"
