"""A move ends at its last own step (issue 10 item 6): lines about its instance that say nothing of it never
make it longer.

Once a move is over, nova's periodic tasks keep logging about the instance under their own long-lived
request id: `_heal_instance_info_cache` (every 60 s, one instance at a time), `_sync_power_states`.  Joined
to the move by instance and time (within GRACE), they made a 41 s live migration 130 s long, a cold
migration that failed after 1 s 55 s long and an evacuation that took 6 s 13 minutes long (the m100
benchmark set).  They stay on the move's timeline, but its end (and duration) is its last own step: a
line of its own requests or one with a marker only moves write.  The lines are as nova (Queens, the
benchmark set's release) writes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace import load
from migtrace.model import Migration
from tests.correlate.test_correlate import ID, R1, U, api, cpu, live_migration, write_set

#: the periodic task loop's context: it keeps the first admin context's id for hours (nova_logs §2)
PERIODIC = "req-ab5aad51-0ef7-45a7-85fb-88cbf518f66c"
R_EVAC = "req-2190861c-4557-45f2-9ce2-198a1cf931e1"
R_CLEANUP = "req-56049982-ad18-4185-9aae-49dd6734b38c"
NET = ('[{"profile": {}, "ovs_interfaceid": "eee4af25-b9a7-4b1c-8e77-2b4f0e0c9a31", "preserve_on_delete": false, '
       '"network": {"id": "1b6f0d0c-3c7e-4d39-9f39-3a4a1c0f7e11", "label": "private"}, "devname": "tapeee4af25-b9", '
       '"active": true, "address": "fa:16:3e:1c:2a:3b", "type": "ovs", "id": "eee4af25-b9a7-4b1c-8e77-2b4f0e0c9a31"}]')


def heal(t: str) -> list[str]:
    """`_heal_instance_info_cache` and `_sync_power_states` lines about the instance (periodic tasks, DEBUG)."""
    ctx = f"[{PERIODIC} - - - - -]"
    return [
        f"2018-03-01 {t}.222 3001 DEBUG oslo_concurrency.lockutils {ctx} Acquired semaphore \"refresh_cache-{U}\" "
        "lock /usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:212",
        f"2018-03-01 {t}.223 3001 DEBUG nova.network.neutronv2.api {ctx} [instance: {U}] Updating "
        f"instance_info_cache with network_info: {NET} update_instance_cache_with_nw_info "
        "/usr/lib/python3/dist-packages/nova/network/neutronv2/api.py:1432",
        f"2018-03-01 {t}.254 3001 DEBUG nova.compute.manager {ctx} [instance: {U}] Updated the network info_cache "
        "for instance _heal_instance_info_cache /usr/lib/python3/dist-packages/nova/compute/manager.py:7141",
        f"2018-03-01 {t}.254 3001 DEBUG oslo_concurrency.lockutils {ctx} Releasing semaphore \"refresh_cache-{U}\" "
        "lock /usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:228",
        f"2018-03-01 {t}.301 3001 DEBUG nova.compute.manager {ctx} Triggering sync for uuid {U} _sync_power_states "
        "/usr/lib/python3/dist-packages/nova/compute/manager.py:7551",
    ]


def only(root: Path) -> Migration:
    moves = load(str(root), tz="UTC").migrations
    assert len(moves) == 1, [(m.kind, m.started) for m in moves]
    return moves[0]


@pytest.fixture(scope="module")
def live_and_heal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Migration, Migration]:
    """The same live migration without and with an info-cache heal on the destination 60 s after it."""
    clean = only(write_set(tmp_path_factory.mktemp("clean"), live_migration(R1, 0)))
    healed = only(write_set(tmp_path_factory.mktemp("healed"), live_migration(R1, 0),
                            {"compute2/var/log/nova/nova-compute.log": heal("10:01:15")}))
    return clean, healed


def test_an_info_cache_heal_after_a_live_migration_is_shown_but_does_not_end_it(
        live_and_heal: tuple[Migration, Migration]) -> None:
    clean, healed = live_and_heal
    assert any("Updated the network info_cache" in e.message for e in healed.events)  # still on its timeline
    assert (healed.ended, healed.duration_s, healed.status) == (clean.ended, clean.duration_s, clean.status)
    assert healed.ended.strftime("%H:%M:%S.%f") == "10:00:15.500000"  # `Migrating instance to … finished successfully.`


def _cold_ssh_failure() -> dict[str, list[str]]:
    """A cold migration whose `ssh … mkdir` to the destination fails at once (m100's cold-ssh template)."""
    return {
        "controller/var/log/nova/nova-api.log": [
            api("06:25:23.124", R1, f"[instance: {U}] flavor_id is None. Assuming migration.", "DEBUG", "nova.compute.api"),
            api("06:25:23.519", R1, f"198.51.100.10 \"POST /v2.1/servers/{U}/action HTTP/1.1\" status: 202 len: 0 "
                                    "time: 0.4150000", logger="nova.osapi_compute.wsgi.server"),
        ],
        "controller/var/log/nova/nova-conductor.log": [
            f"2018-03-01 06:25:23.489 2101 DEBUG nova.conductor.tasks.migrate [{R1} {ID}] [instance: {U}] Calling "
            "prep_resize with selected host: compute2; Selected node: compute2; Alternates: []",
        ],
        "compute2/var/log/nova/nova-compute.log": [
            cpu("06:25:23.553", R1, "Stashing vm_state: active", "DEBUG"),
            cpu("06:25:23.613", R1, "Claim successful on node compute2", logger="nova.compute.claims"),
            cpu("06:25:23.894", R1, "Migrating"),
        ],
        "compute1/var/log/nova/nova-compute.log": [
            cpu("06:25:23.997", R1, "Starting migrate_disk_and_power_off", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("06:25:24.122", R1, "Setting instance back to active after: Instance rollback performed due to: "
                                    "Migration pre-check error: Migration pre-check error: Resize error: not able to "
                                    "execute ssh command: Unexpected error while running command."),
            *heal("06:26:18"),
        ],
    }


def test_a_heal_within_grace_of_a_failed_cold_migration_does_not_lengthen_it(tmp_path: Path) -> None:
    m = only(write_set(tmp_path, _cold_ssh_failure()))
    assert m.status == "failed"
    assert any("Updated the network info_cache" in e.message for e in m.events)
    assert m.ended.strftime("%H:%M:%S.%f") == "06:25:24.122000"
    assert m.duration_s == pytest.approx(24.122 - 23.104, abs=0.002)  # began `time:` before the access line


def _evacuation() -> dict[str, list[str]]:
    """An evacuation to compute2 (Queens wording), a heal there 13 min later, the source's clean-up after."""
    return {
        "controller/var/log/nova/nova-api.log": [
            api("04:51:45.443", R_EVAC, f"[instance: {U}] vm evacuation scheduled", "DEBUG", "nova.compute.api"),
            api("04:51:45.680", R_EVAC, f"198.51.100.10 \"POST /v2.1/servers/{U}/action HTTP/1.1\" status: 200 "
                                        "len: 36 time: 0.2870000", logger="nova.osapi_compute.wsgi.server"),
        ],
        "compute2/var/log/nova/nova-compute.log": [
            cpu("04:51:46.029", R_EVAC, "Rebuilding instance"),
            cpu("04:51:46.129", R_EVAC, "Claim successful on node compute2", logger="nova.compute.claims"),
            cpu("04:51:46.339", R_EVAC, "disk on shared storage, evacuating using existing disk"),
            cpu("04:51:49.276", "req-b9d179e0-6c0f-44f5-b813-0c4237730edf", "VM Started (Lifecycle Event)"),
            cpu("04:51:51.079", "req-b9d179e0-6c0f-44f5-b813-0c4237730edf", "VM Resumed (Lifecycle Event)"),
            cpu("04:51:51.199", R_EVAC, "Instance spawned successfully.", logger="nova.virt.libvirt.driver"),
            *heal("05:04:28"),
        ],
        "compute1/var/log/nova/nova-compute.log": [
            cpu("05:06:40.393", R_CLEANUP, "Destroying instance as it has been evacuated from this host but still "
                                           "exists in the hypervisor"),
            cpu("05:06:41.593", R_CLEANUP, "Instance destroyed successfully.", logger="nova.virt.libvirt.driver"),
            cpu("05:06:42.393", R_CLEANUP, "Cleaning up allocations of the instance as it has been evacuated from "
                                           "this host"),
        ],
    }


def test_an_evacuation_ends_when_the_guest_runs_on_the_new_host(tmp_path: Path) -> None:
    m = only(write_set(tmp_path, _evacuation()))
    assert (m.kind, m.status, m.source_host, m.dest_host) == ("evacuation", "completed", "compute1", "compute2")
    assert m.ended.strftime("%H:%M:%S.%f") == "04:51:51.199000"
    assert m.duration_s == pytest.approx(51.199 - 45.393, abs=0.002)
    # the returning source's clean-up is a follow-up with its own time, on the move's timeline
    cleanup = [p for p in m.phases if p.name == "source_cleanup"]
    assert cleanup and cleanup[0].started.strftime("%H:%M:%S") == "05:06:40"


R_REVERT = "req-cc2f4c4c-1fb4-4dd5-ab84-db2497c26152"


def _reverted_migration() -> dict[str, list[str]]:
    """A cold migration compute1 → compute2, a heal during the VERIFY_RESIZE wait, the user's revert 2 min later."""
    return {
        "controller/var/log/nova/nova-api.log": [
            api("11:00:00.000", R1, f"[instance: {U}] flavor_id is None. Assuming migration.", "DEBUG", "nova.compute.api"),
            api("11:00:00.400", R1, f"198.51.100.10 \"POST /v2.1/servers/{U}/action HTTP/1.1\" status: 202 len: 0 "
                                    "time: 0.4100000", logger="nova.osapi_compute.wsgi.server"),
            api("11:02:05.249", R_REVERT, "Action: 'action', calling method: <bound method "
                                          "ServersController._action_revert_resize>, body: {\"revertResize\": null}",
                "DEBUG"),
            api("11:02:05.436", R_REVERT, f"198.51.100.10 \"POST /v2.1/servers/{U}/action HTTP/1.1\" status: 202 "
                                          "len: 0 time: 0.1900000", logger="nova.osapi_compute.wsgi.server"),
        ],
        "controller/var/log/nova/nova-conductor.log": [
            f"2018-03-01 11:00:00.300 2101 DEBUG nova.conductor.tasks.migrate [{R1} {ID}] [instance: {U}] Calling "
            "prep_resize with selected host: compute2; Selected node: compute2; Alternates: []",
        ],
        "compute2/var/log/nova/nova-compute.log": [
            cpu("11:00:00.500", R1, "Claim successful on node compute2", logger="nova.compute.claims"),
            cpu("11:00:00.700", R1, "Migrating"),
            cpu("11:00:20.000", R1, "Starting finish_migration", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("11:00:23.000", "req-dc83e3b9-0b1f-4d2c-9a0e-7c3f1b2a4d5e", "VM Started (Lifecycle Event)"),
            cpu("11:00:24.000", R1, "Instance running successfully.", logger="nova.virt.libvirt.driver"),
            *heal("11:01:10"),
            cpu("11:02:05.649", R_REVERT, "Instance destroyed successfully.", logger="nova.virt.libvirt.driver"),
        ],
        "compute1/var/log/nova/nova-compute.log": [
            cpu("11:00:01.000", R1, "Starting migrate_disk_and_power_off", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("11:00:09.000", R1, "Instance shutdown successfully after 7 seconds.", logger="nova.virt.libvirt.driver"),
            cpu("11:02:06.896", R_REVERT, "Updating instance to original state: 'active'"),
            cpu("11:02:08.977", "req-0702acff-5c1e-4b7a-8e2d-1f3a5b7c9d0e", "VM Started (Lifecycle Event)"),
            cpu("11:02:09.776", R_REVERT, "Instance running successfully.", logger="nova.virt.libvirt.driver"),
        ],
    }


def test_the_verify_resize_wait_is_no_phase_and_the_revert_keeps_its_own_lines(tmp_path: Path) -> None:
    m = only(write_set(tmp_path, _reverted_migration()))
    assert (m.status, m.ended.strftime("%H:%M:%S")) == ("reverted", "11:00:24")
    phases = {p.name: p for p in m.phases}
    # finish ends at the guest running on the destination, not at the heal nor at the revert's lines
    assert phases["finish"].ended.strftime("%H:%M:%S") == "11:00:24"
    assert phases["finish"].duration_s == pytest.approx(4.0)
    assert phases["api"].ended.strftime("%H:%M:%S") == "11:00:00"  # the revert's access line is the revert's
    revert = phases["revert"]
    assert "Instance running successfully." in [e.message for e in revert.events if e.host == "compute1"]
    assert revert.started.strftime("%H:%M:%S") == "11:02:05" and revert.ended.strftime("%H:%M:%S") == "11:02:09"


def test_the_verify_resize_wait_is_said_on_the_revert(tmp_path: Path) -> None:
    m = only(write_set(tmp_path, _reverted_migration()))
    revert = {p.name: p for p in m.phases}["revert"]
    assert revert.detail.startswith("after 101.249 s idle in VERIFY_RESIZE"), revert.detail
