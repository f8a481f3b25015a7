"""Migration physics: bandwidth, dirty rate and verdicts against the generator's own numbers; marks; rules as data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from migtrace import load
from migtrace.diagnose.physics import load_rules, physics, transferred
from migtrace.errors import DataError
from migtrace.model import Event, Migration
from tests.conftest import SAMPLE_LOGS
from tests.diagnose._fleet_set import MOVES, fleet

#: the generator's numbers are exact; the logs round times to milliseconds and bytes to integers
RELATIVE = 1e-3
T0 = datetime(2018, 3, 5, 10, 0, 0, tzinfo=UTC)


def test_physics_fleet_set_has_200_planned_moves_of_every_verdict() -> None:
    analysis, truth = fleet()
    planned = [t for t in truth if t["template"] != "evacuate-refused"]
    assert len(planned) == MOVES and len(analysis.migrations) == len(truth)
    verdicts = {t["physics"]["verdict"] for t in truth if t["physics"]}
    assert verdicts == {"converging", "stalled", "diverging"}


def test_physics_fleet_bandwidth_dirty_rate_and_verdict_match_the_generator() -> None:
    analysis, truth = fleet()
    by_request = {r: m for m in analysis.migrations for r in m.request_ids}
    checked = 0
    for t in truth:
        if not t["physics"]:
            continue
        p, want = physics(by_request[t["request_id"]]), t["physics"]
        assert p.verdict == want["verdict"], (t["template"], p.evidence)
        assert p.bandwidth_mib_s == pytest.approx(want["bandwidth_mib_s"], rel=RELATIVE)
        assert p.dirty_rate_mib_s == pytest.approx(want["dirty_rate_mib_s"], abs=RELATIVE * want["bandwidth_mib_s"])
        assert p.transferred_bytes is not None and p.transferred_bytes > 0
        assert p.evidence.startswith("memory left")
        checked += 1
    assert checked >= 70


def test_physics_fleet_moves_without_progress_lines_are_unknown_with_a_reason() -> None:
    analysis, truth = fleet()
    by_request = {r: m for m in analysis.migrations for r in m.request_ids}
    for t in truth:
        if t["physics"] is None:
            p = physics(by_request[t["request_id"]])
            assert p.verdict == "unknown" and p.evidence and p.bandwidth_mib_s is None and p.dirty_rate_mib_s is None


# --------------------------------------------------------------------------- the sample sets


def _move(name: str, prefix: str) -> Migration:
    return next(m for m in load(str(SAMPLE_LOGS / name)).migrations if m.id.startswith(prefix))


def test_physics_force_complete_cuts_the_verdict_at_the_switch() -> None:
    # the generator's guest dirties memory as fast as it is sent until the admin forces completion;
    # after the post-copy switch the byte counter starts again
    p = physics(_move("devstack-2024.1", "req-1f03e3ba"))
    assert p.verdict == "stalled" and "force-complete requested" in p.evidence
    assert [m.id for m in p.marks] == ["force-complete", "post-copy", "post-copy-started"]
    assert p.marks[0].admin and not p.marks[1].admin
    assert p.bandwidth_mib_s == pytest.approx(p.dirty_rate_mib_s, rel=0.05)
    # two counter runs, added: 58 982 617 755 before the switch, 4 635 336 823 after
    assert p.transferred_bytes == 58_982_617_755 + 4_635_336_823


def test_physics_timed_out_move_never_converged() -> None:
    p = physics(_move("queens-files", "req-405a7cf1"))
    assert p.verdict == "stalled" and [m.id for m in p.marks] == ["completion-timeout"]


def test_physics_converging_move_and_its_downtime_source() -> None:
    p = physics(_move("zed-mixed", "req-5b7769c9"))
    assert p.verdict == "converging" and p.dirty_rate_mib_s is not None
    assert p.bandwidth_mib_s is not None and p.dirty_rate_mib_s < p.bandwidth_mib_s
    assert p.downtime_s == pytest.approx(0.174, abs=0.0015)
    assert "log timestamps" in p.downtime_source and p.downtime_resolution_s == 0.001


def test_physics_idle_stretch_is_named() -> None:
    p = physics(_move("devstack-2024.1", "req-5e615bd9"))
    assert p.verdict == "converging" and "no byte sent for 40 s" in p.evidence


@pytest.mark.parametrize(("name", "prefix", "mark"), [
    ("devstack-2024.1", "req-ce32ae36", "confirm"), ("devstack-2024.1", "req-0441b83d", "revert"),
    ("queens-files", "req-0680ad12", "confirm"),
])
def test_physics_admin_actions_of_cold_moves_are_marked(name: str, prefix: str, mark: str) -> None:
    p = physics(_move(name, prefix))
    assert [m.id for m in p.marks] == [mark] and p.marks[0].admin
    assert p.verdict == "unknown" and "not a live migration" in p.evidence


# --------------------------------------------------------------------------- edges, synthetic


def _progress(secs: int, processed: int, remaining: int, total: int = 4 << 30) -> Event:
    text = (f"Migration running for {secs} secs, memory {remaining * 100 // total}% remaining; "
            f"(bytes processed={processed}, remaining={remaining}, total={total})")
    t = T0 + timedelta(seconds=secs)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=text, host="c1",
                 logger="nova.virt.libvirt.driver", level="DEBUG")


def _live(*events: Event) -> Migration:
    return Migration(id="req-x", kind="live-migration", instance=None, status="completed", started=T0,
                     ended=T0 + timedelta(seconds=60), events=events, source_host="c1", dest_host="c2")


def test_physics_one_sample_is_unknown_and_says_why() -> None:
    p = physics(_live(_progress(5, 100, 1000)))
    assert p.verdict == "unknown" and "1 progress line" in p.evidence and p.transferred_bytes == 100


def test_physics_no_sample_no_figures() -> None:
    p = physics(_live())
    assert (p.verdict, p.transferred_bytes, p.bandwidth_mib_s, p.span_s) == ("unknown", None, None, None)


def test_physics_diverging_and_rates_from_two_samples() -> None:
    mib = 1 << 20
    p = physics(_live(_progress(5, 50 * mib, 400 * mib), _progress(15, 550 * mib, 600 * mib)))
    assert p.verdict == "diverging"
    assert p.bandwidth_mib_s == pytest.approx(50.0) and p.dirty_rate_mib_s == pytest.approx(70.0)


def test_physics_counter_restart_adds_runs() -> None:
    p = physics(_live(_progress(5, 900, 10), _progress(10, 1000, 5), _progress(15, 40, 2)))
    assert transferred(p.samples) == 1040


def test_physics_rules_are_data(tmp_path: Path) -> None:
    rules = load_rules()
    assert 0 < rules.band < 1 and any(m.admin for m in rules.marks)
    bad = tmp_path / "physics.yaml"
    bad.write_text("convergence: {min_samples: 2, min_span_s: 4, band: -1, idle_min_s: 10}\nmarks: []\n")
    with pytest.raises(DataError, match="band"):
        load_rules(str(bad))
    bad.write_text("convergence: {min_samples: 2, min_span_s: 4, band: 0.1, idle_min_s: 10}\n"
                   "marks: [{id: x, label: y, text: z, kinds: [teleport]}]\n")
    with pytest.raises(DataError, match="kinds"):
        load_rules(str(bad))


def test_physics_a_wider_band_turns_a_slow_drift_stalled() -> None:
    mib = 1 << 20
    move = _live(_progress(5, 0, 1000 * mib), _progress(30, 2500 * mib, 850 * mib))
    assert physics(move).verdict == "converging"
    assert physics(move, replace(load_rules(), band=0.2)).verdict == "stalled"
