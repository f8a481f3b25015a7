"""Clock offsets as intervals bounded from both sides, midpoint only when tight, zones judged per file.

The lines are nova's (2024.1 wording) for one live migration: the API receives the request on the
controller, the conductor asks the destination (compute1) to check itself, the destination asks
the source (compute2), and the conductor binds the ports only once both answered — the request's
birth bounds compute1's offset from above, the conductor's line after the reply from below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from migtrace.correlate.skew import TIGHT_S, estimate_clocks
from migtrace.model import Event, FileStats
from migtrace.pipeline._load import zone_warnings
from tests.conftest import make_event

REQ = "req-c7ae8128-33cf-44f9-9aad-104c21268780"
INST = "83e38ada-e46e-4709-963e-21069a38b373"
T0 = datetime(2024, 5, 14, 8, 12, 5, 200000, tzinfo=UTC)


REQ_COLD = "req-ce32ae36-ef69-4ff1-9747-984516def965"
INST_COLD = "c0e2e739-1b10-487f-88b4-7f05be6f5a96"


def _line(at: float, host: str, service: str, message: str, source: str, logger: str = "nova.compute.manager",
          level: str = "DEBUG", req: str = REQ, inst: str = INST) -> Event:
    t = T0 + timedelta(seconds=at)
    return make_event(time=t, time_text=f"{t:%Y-%m-%d %H:%M:%S.%f}"[:-3], host=host, service=service,
                      message=message, request_id=req, instance=inst, source=source, logger=logger, level=level)


def _cold(dest_ahead: float) -> list[Event]:
    """A cold migration to compute1 an hour later: the conductor casts prep_resize, compute1 stashes the state."""
    return [
        _line(3600.0, "controller", "n-api", f'192.0.2.10 "POST /compute/v2.1/servers/{INST_COLD}/action HTTP/1.1" '
              "status: 202 len: 0 microversion: 2.93 time: 0.356", "controller/nova-api.log",
              "nova.api.openstack.requestlog", "INFO", REQ_COLD, INST_COLD),
        _line(3600.3, "controller", "n-cond", "Calling prep_resize with selected host: compute1; Selected node: "
              "compute1; Alternates: []", "controller/nova-conductor.log", "nova.conductor.tasks.migrate",
              req=REQ_COLD, inst=INST_COLD),
        _line(3600.35 + dest_ahead, "compute1", "n-cpu", f"[instance: {INST_COLD}] Stashing vm_state: active",
              "compute1/nova-compute.log", req=REQ_COLD, inst=INST_COLD),
    ]


def _move(dest_ahead: float, gap_before_reply: float = 0.04, dest_file: str = "compute1/nova-compute.log",
          source_ahead: float = 0.0) -> list[Event]:
    """One live migration's check round trip; compute1's clock `dest_ahead` s ahead of the controller's."""
    d, s = dest_ahead, source_ahead
    return sorted([
        _line(0.0, "controller", "n-api", "Action: 'action', calling method: <bound method "
              "MigrateServerController._migrate_live of <nova.api.openstack.compute.migrate_server."
              "MigrateServerController object at 0x7f0c>>, body: {\"os-migrateLive\": {\"host\": null, "
              "\"block_migration\": \"auto\"}}", "controller/nova-api.log", "nova.api.openstack.wsgi"),
        _line(0.464, "controller", "n-sch", f"[instance: {INST}] Selected host: (compute1, compute1) ram: 15990MB",
              "controller/nova-scheduler.log", "nova.scheduler.manager"),
        _line(0.591 + d, "compute1", "n-cpu", f"[instance: {INST}] Creating tmpfile /var/lib/nova/instances/"
              "tmpq2w3 to notify to other compute nodes that they should mount the same storage.", dest_file,
              "nova.virt.libvirt.driver"),
        _line(0.666 + s, "compute2", "n-cpu", f"[instance: {INST}] Check if temp file /var/lib/nova/instances/"
              "tmpq2w3 exists to indicate shared storage is being used for migration. Exists? True",
              "compute2/nova-compute.log", "nova.virt.libvirt.driver"),
        _line(0.672 + s, "compute2", "n-cpu", "source check data is LibvirtLiveMigrateData(bdms=[],"
              "block_migration=False,is_shared_instance_path=True)", "compute2/nova-compute.log"),
        _line(0.716 + d, "compute1", "n-cpu", "destination check data is LibvirtLiveMigrateData(bdms=[],"
              "block_migration=False,is_shared_instance_path=True)", dest_file),
        _line(0.716 + gap_before_reply, "controller", "n-cond", f"[instance: {INST}] Start binding ports on "
              "destination host: compute1", "controller/nova-conductor.log", "nova.conductor.tasks.live_migrate"),
        _line(0.217, "controller", "n-api", '192.0.2.10 "POST /compute/v2.1/servers/' + INST + '/action '
              'HTTP/1.1" status: 202 len: 0 microversion: 2.93 time: 0.217', "controller/nova-api.log",
              "nova.api.openstack.requestlog", "INFO"),
    ], key=lambda e: e.time)


def test_no_skew_gives_an_interval_around_zero_and_no_shift() -> None:
    est = estimate_clocks(_move(0.0))
    lo, hi = est.intervals["compute1"]
    assert lo is not None and hi is not None and lo <= 0.0 <= hi
    assert lo == pytest.approx(-0.04) and hi == pytest.approx(0.591)  # conductor 40 ms after; first line 591 ms after
    assert "compute1" not in est.offsets
    assert est.uncertainty["compute1"] == pytest.approx(0.591)  # the farther end


@pytest.mark.parametrize("ahead", [5.0, -5.0, 45.0, -45.0])
def test_a_tight_interval_away_from_zero_is_corrected_by_its_midpoint(ahead: float) -> None:
    # from below: the conductor binds the ports after compute1's check data (40 ms later);
    # from above: compute1 stashes the vm_state 50 ms after the conductor's prep_resize cast
    est = estimate_clocks(sorted(_move(ahead) + _cold(ahead), key=lambda e: e.time))
    lo, hi = est.intervals["compute1"]
    assert lo == pytest.approx(ahead - 0.04) and hi == pytest.approx(ahead + 0.05)
    assert hi - lo <= TIGHT_S
    assert est.offsets["compute1"] == pytest.approx(-(lo + hi) / 2)
    assert est.uncertainty["compute1"] == pytest.approx((hi - lo) / 2, abs=1e-3)
    # what is left after the shift is within the ± it reports
    assert abs(ahead + est.offsets["compute1"]) <= est.uncertainty["compute1"] + 1e-3


@pytest.mark.parametrize("gap", [3.0, 0.04])
def test_a_wide_interval_is_shifted_to_its_nearest_edge_and_keeps_its_whole_width(gap: float) -> None:
    # 3 s: the conductor logged its line long after the reply, the lower bound is loose; 0.04 s: tight,
    # but its upper end comes from the request's birth only, which a targeted read may not see whole
    est = estimate_clocks(_move(20.0, gap_before_reply=gap))
    lo, hi = est.intervals["compute1"]
    assert lo is not None and hi is not None and lo <= 20.0 <= hi
    assert est.offsets["compute1"] == pytest.approx(-lo)
    assert est.uncertainty["compute1"] == pytest.approx(hi - lo, abs=1e-3)
    assert abs(20.0 + est.offsets["compute1"]) <= est.uncertainty["compute1"] + 1e-3


def test_skew_none_shifts_nothing_and_reports_the_offset_as_uncertainty() -> None:
    est = estimate_clocks(_move(5.0), correct=False)
    assert est.offsets == {}
    assert est.uncertainty["compute1"] == pytest.approx(5.591)  # the interval's farther end


def test_compute_to_compute_pairs_bound_the_source_through_the_destination() -> None:
    # compute2 only bounded from above by the request's birth; the tmpfile handshake and the
    # conductor's binding after compute2's own check data bound it from below
    est = estimate_clocks(_move(0.0, source_ahead=5.0))
    lo, hi = est.intervals["compute2"]
    assert lo is not None and hi is not None and lo <= 5.0 <= hi


def test_a_file_in_local_time_is_a_zone_error_named_with_its_path_even_beside_a_utc_copy() -> None:
    # compute1's text file is in +05:30 read as UTC; its journal export (UTC epochs) holds the same lines
    utc = _move(0.0, dest_file="devstack.journal.export")
    local = [e.replace(time=e.time + timedelta(hours=5, minutes=30), source="compute1/screen-n-cpu.txt")
             for e in utc if e.host == "compute1"]
    est = estimate_clocks(sorted(utc + local, key=lambda e: e.time))
    assert est.zone_errors == {"compute1": pytest.approx(19800.591)}
    assert est.zone_files == {"compute1/screen-n-cpu.txt": pytest.approx(19800.591)}
    assert "compute1" not in est.offsets  # never "corrected"
    stats = [FileStats("compute1/screen-n-cpu.txt", host="compute1"), FileStats("devstack.journal.export")]
    (warning,) = zone_warnings(est, stats)
    assert "+05:30" in warning and "--tz compute1/screen-n-cpu.txt=ZONE" in warning


def test_a_whole_host_in_local_time_is_a_zone_error() -> None:
    est = estimate_clocks(_move(-3600.0 * 3))
    assert est.zone_errors == {"compute1": pytest.approx(-10799.409)}
    assert "compute1" not in est.intervals and "compute1" not in est.offsets


_SCRIPT = """
import random, sys
from tests.correlate.test_skew_interval import _cold, _move
from migtrace.correlate.skew import estimate_clocks
events = _move(7.5, source_ahead=-2.0) + _cold(7.5) + _move(0.3)
random.Random(4).shuffle(events)
events.sort(key=lambda e: e.time)
est = estimate_clocks(events)
print(est.reference, sorted(est.intervals.items()), sorted(est.offsets.items()), sorted(est.uncertainty.items()))
"""


def test_the_estimate_is_the_same_under_several_hash_seeds() -> None:
    outs = {subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, check=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "4242")}
    assert len(outs) == 1 and "compute1" in next(iter(outs))
