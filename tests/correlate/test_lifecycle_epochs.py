"""`Emitting event <LifecycleEvent: <epoch>, …>` gives whole-second logs a sub-second downtime (issue 10 item 6).

With whole-second stamps (journalctl's default `short` output) a live migration's pause and resume fall
in the same second: the downtime is only `< 1 s`.  nova's DEBUG `Emitting event` line, written as the
lifecycle event is dispatched, carries the epoch libvirt reported it at (µs); migtrace uses it when it
is certain — same host, instance and event, and the epoch in the very second the line is stamped with
(so no clock correction or time zone is lost).  Otherwise the bound stays.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from migtrace import load
from migtrace.model import Migration
from tests.correlate.test_correlate import R1, U, live_migration, write_set

_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{3}", re.M)
#: the lifecycle thread's context (a long-lived id, as nova logs it)
LIFE = "[req-b9d179e0-6c0f-44f5-b813-0c4237730edf - - - - -]"
PAUSE_AT = datetime(2018, 3, 1, 10, 0, 14, 100, tzinfo=UTC).timestamp()  # the helper's pause: 10:00:14.000
RESUME_AT = datetime(2018, 3, 1, 10, 0, 14, 299_800, tzinfo=UTC).timestamp()  # its resume: 10:00:14.300


def _emitting(t: str, epoch: float, state: str) -> str:
    return (f"2018-03-01 {t} 3001 DEBUG nova.virt.driver {LIFE} Emitting event <LifecycleEvent: {epoch:.6f}, {U} "
            f"=> {state}> emit_event /usr/lib/python3/dist-packages/nova/virt/driver.py:1550")


def _whole_second_move(root: Path, shift_s: float = 0.0) -> Migration:
    parts = live_migration(R1, 0)
    parts["compute1/var/log/nova/nova-compute.log"].append(_emitting("10:00:14.000", PAUSE_AT + shift_s, "Paused"))
    parts["compute2/var/log/nova/nova-compute.log"].append(_emitting("10:00:14.300", RESUME_AT + shift_s, "Resumed"))
    whole = {name: [_FRACTION.sub(r"\1", line) for line in lines] for name, lines in parts.items()}
    (m,) = load(str(write_set(root, whole)), tz="UTC").migrations
    return m


def test_epochs_give_the_sub_second_downtime_of_a_whole_second_log(tmp_path: Path) -> None:
    m = _whole_second_move(tmp_path)
    assert m.downtime_s == pytest.approx(0.2997, abs=1e-6)
    assert m.downtime_resolution_s == pytest.approx(1e-06) and m.downtime_below_s is None
    assert "lifecycle event epochs" in m.downtime_basis
    assert any(e.message.startswith("Emitting event") for e in m.events)  # on the move's timeline (DEBUG)
    assert m.ended.strftime("%H:%M:%S") == "10:00:15"  # the epoch lines are no steps of the move


def test_an_epoch_outside_the_stamped_second_is_not_used(tmp_path: Path) -> None:
    # the host logs local time an hour off (or its clock was corrected): the epoch cannot be placed
    m = _whole_second_move(tmp_path, shift_s=3600.0)
    assert m.downtime_s is None and m.downtime_below_s is not None
    assert "log timestamps" in m.downtime_basis
