"""Lifecycle epochs on a host whose clock was shifted by a fraction of a second (issue 10 leftovers).

`Emitting event <LifecycleEvent: <epoch>, …>` is written by the host with its own clock: the epoch
and the line's stamp were read on the same clock, so a skew shift of that host (`--skew auto`,
`ClockEstimate.offsets`) applies to the epoch exactly as to the stamp.  Before, a fractional shift
made the aligned stamp fractional and the epoch was dropped (the downtime stayed `< 1 s`).  The
events are aligned here as `pipeline._load._aligned` aligns them, then correlated as `load` does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from migtrace.correlate import correlate
from migtrace.correlate.markers import load_markers
from migtrace.correlate.skew import HostClocks
from migtrace.model import Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import read_events
from tests.correlate.test_correlate import R1, U, live_migration, write_set
from tests.correlate.test_lifecycle_epochs import _FRACTION, LIFE

#: compute1's clock runs this much behind the controller's: the estimate adds it to compute1's times
SHIFT_S = 0.4375


def _emitting(stamp: str, epoch: datetime, state: str) -> str:
    return (f"2018-03-01 {stamp} 3001 DEBUG nova.virt.driver {LIFE} Emitting event <LifecycleEvent: "
            f"{epoch.timestamp():.6f}, {U} => {state}> emit_event "
            "/usr/lib/python3/dist-packages/nova/virt/driver.py:1550")


def _at(seconds: float) -> datetime:
    return datetime(2018, 3, 1, 10, 0, tzinfo=UTC) + timedelta(seconds=seconds)


def _move(root: Path, pause_epoch: datetime, shift: float = SHIFT_S) -> Migration:
    """The helper's live migration in whole seconds; compute1's Paused epoch as given (compute1's clock)."""
    parts = live_migration(R1, 0)
    parts["compute1/var/log/nova/nova-compute.log"].append(_emitting("10:00:14.000", pause_epoch, "Paused"))
    parts["compute2/var/log/nova/nova-compute.log"].append(_emitting("10:00:14.300", _at(14.8125), "Resumed"))
    whole = {name: [_FRACTION.sub(r"\1", line) for line in lines] for name, lines in parts.items()}
    events = read_events([str(write_set(root, whole))], LoadOptions(tz="UTC"))
    aligned = sorted((e.replace(time=e.time + timedelta(seconds=shift)) if e.host == "compute1" else e
                      for e in events), key=lambda e: e.time)
    clocks = HostClocks({"compute1": 0.05}, shifts={"compute1": shift} if shift else {})
    (m,) = [x for x in correlate(aligned, load_markers(), clocks) if x.kind == "live-migration"]
    return m


def _hosts_of(root: Path) -> set[str | None]:
    return {e.host for e in read_events([str(root)], LoadOptions(tz="UTC"))}


def test_a_fractional_shift_applies_to_the_epoch_as_to_the_stamp(tmp_path: Path) -> None:
    m = _move(tmp_path, _at(14.1001))
    assert "compute1" in _hosts_of(tmp_path)
    # compute1's pause on the controller's clock: 14.1001 + 0.4375 = 14.5376; compute2's resume 14.8125
    assert m.downtime_s == pytest.approx(14.8125 - 14.5376, abs=2e-6)
    assert "lifecycle event epochs" in m.downtime_basis and m.downtime_below_s is None
    assert m.downtime_resolution_s == pytest.approx(1e-06)


def test_without_the_shift_the_same_lines_measure_on_the_raw_clock(tmp_path: Path) -> None:
    m = _move(tmp_path, _at(14.1001), shift=0.0)
    assert m.downtime_s == pytest.approx(14.8125 - 14.1001, abs=2e-6)


def test_an_epoch_outside_the_host_s_own_stamped_second_is_still_not_used(tmp_path: Path) -> None:
    # the epoch is in the second before the stamp on compute1's own clock: not certain, the bound stays
    m = _move(tmp_path, _at(13.9))
    assert m.downtime_s is None and m.downtime_below_s is not None
    assert "log timestamps" in m.downtime_basis
