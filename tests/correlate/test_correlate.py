"""Correlation: request ids, instance + window joins, follow-ups, hosts, status, phases, downtime, skew."""

from __future__ import annotations

from pathlib import Path

import pytest

import migtrace
from migtrace import LoadOptions, load

U = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
R1 = "req-11111111-1111-4111-8111-111111111111"
R2 = "req-22222222-2222-4222-8222-222222222222"
P = "req-99999999-9999-4999-8999-999999999999"  # periodic / lifecycle context
MIG = "5b8e8d2c-7d2f-4f6e-9d57-0b3c8f1e2a44"
ID = "4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e 9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default"


def api(t: str, req: str, msg: str, level: str = "INFO", logger: str = "nova.api.openstack.wsgi") -> str:
    return f"2018-03-01 {t} 2001 {level} {logger} [{req} {ID}] {msg}"


def cpu(t: str, req: str | None, msg: str, level: str = "INFO", logger: str = "nova.compute.manager") -> str:
    ctx = f"{req} {ID}" if req else "-"
    return f"2018-03-01 {t} 3001 {level} {logger} [{ctx}] [instance: {U}] {msg}"


def live_migration(req: str, start_minute: int, dest: str = "compute2") -> dict[str, list[str]]:
    m = f"10:{start_minute:02d}"
    return {
        "controller/var/log/nova/nova-api.log": [
            api(f"{m}:00.100", req, "Action: 'action', calling method: <bound method MigrateServerController._migrate_live>, body: {\"os-migrateLive\": {\"block_migration\": false, \"host\": null}}", "DEBUG"),
            api(f"{m}:00.150", req, f"[instance: {U}] Going to try to live migrate instance to another host", "DEBUG", "nova.compute.api"),
            api(f"{m}:00.200", req, f"192.0.2.10 \"POST /v2.1/servers/{U}/action HTTP/1.1\" status: 202 len: 0 time: 0.1", logger="nova.osapi_compute.wsgi.server"),
        ],
        "controller/var/log/nova/nova-conductor.log": [
            f"2018-03-01 {m}:00.300 2101 DEBUG nova.conductor.tasks.migrate [{req} {ID}] Created allocations for migration {MIG} on 7b0b3e38-4ce2-4c3c-b3ba-1f8c2b68b9a4",
            f"2018-03-01 {m}:00.400 2101 DEBUG nova.scheduler.utils [{req} {ID}] Attempting to claim resources in the placement API for instance {U}",
        ],
        "controller/var/log/nova/nova-scheduler.log": [
            f"2018-03-01 {m}:00.350 2201 DEBUG nova.scheduler.manager [{req} {ID}] Starting to schedule for instances: ['{U}']",
            f"2018-03-01 {m}:00.360 2201 DEBUG nova.scheduler.filter_scheduler [{req} {ID}] Selected host: WeighedHost [host: ({dest}, {dest}) ram: 15000 disk: 4000 io_ops: 0 instances: 1]",
        ],
        f"{dest}/var/log/nova/nova-compute.log": [
            cpu(f"{m}:01.000", req, "pre_live_migration data is LibvirtLiveMigrateData(...)", "DEBUG"),
            cpu(f"{m}:02.500", None, "VM Started (Lifecycle Event)"),
            cpu(f"{m}:14.300", None, "VM Resumed (Lifecycle Event)"),
            cpu(f"{m}:15.000", req, "Post operation of migration started"),
        ],
        "compute1/var/log/nova/nova-compute.log": [
            cpu(f"{m}:01.900", req, f"Took 0.90 seconds for pre_live_migration on destination host {dest}."),
            cpu(f"{m}:02.000", req, f"live_migration data is LibvirtLiveMigrateData(block_migration=False,migration=Migration({MIG}),is_shared_instance_path=True)", "DEBUG"),
            cpu(f"{m}:02.100", None, "Starting monitoring of live migration", "DEBUG", "nova.virt.libvirt.driver"),
            cpu(f"{m}:07.100", None, "Migration running for 5 secs, memory 62% remaining; (bytes processed=1, remaining=2, total=3)", "DEBUG", "nova.virt.libvirt.driver"),
            cpu(f"{m}:12.100", None, "Migration running for 10 secs, memory 8% remaining; (bytes processed=1, remaining=2, total=3)", "DEBUG", "nova.virt.libvirt.driver"),
            cpu(f"{m}:14.000", None, "VM Paused (Lifecycle Event)"),
            cpu(f"{m}:14.600", None, "Migration operation has completed", logger="nova.virt.libvirt.driver"),
            cpu(f"{m}:14.700", None, "_post_live_migration() is started.."),
            cpu(f"{m}:15.500", None, f"Migrating instance to {dest} finished successfully."),
            cpu(f"{m}:30.500", P, "VM Stopped (Lifecycle Event)"),
        ],
    }


def write_set(root: Path, *parts: dict[str, list[str]]) -> Path:
    files: dict[str, list[str]] = {}
    for part in parts:
        for name, lines in part.items():
            files.setdefault(name, []).extend(lines)
    for name, lines in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(sorted(lines)) + "\n")
    return root


def test_correlate_live_migration_across_five_logs(tmp_path: Path) -> None:
    a = load(str(write_set(tmp_path, live_migration(R1, 0))))
    assert len(a.migrations) == 1
    m = a.migrations[0]
    assert (m.kind, m.status, m.source_host, m.dest_host) == ("live-migration", "completed", "compute1", "compute2")
    assert m.request_ids == (R1,) and m.instance == U and m.block_migration is False
    assert m.migration_uuid == MIG
    # source-side [-] lines (monitor, lifecycle, post) joined by instance inside the window
    messages = [e.message for e in m.events]
    assert "Migration operation has completed" in messages and "VM Stopped (Lifecycle Event)" in messages
    assert [p.name for p in m.phases][:3] == ["api", "scheduling", "pre_live_migration"]
    assert "memory_copy" in [p.name for p in m.phases] and "post_migration" in [p.name for p in m.phases]
    assert m.downtime_s == pytest.approx(0.3, abs=0.001)
    assert [s.memory_remaining_pct for s in m.progress] == [62, 8]
    assert {e.service for e in m.events} == {"n-api", "n-cond", "n-sch", "n-cpu"}


def test_correlate_two_migrations_of_one_instance_minutes_apart_stay_two(tmp_path: Path) -> None:
    a = load(str(write_set(tmp_path, live_migration(R1, 0, "compute2"), live_migration(R2, 5, "compute3"))))
    assert [m.request_ids for m in a.migrations] == [(R1,), (R2,)]
    first, second = a.migrations
    assert first.dest_host == "compute2" and second.dest_host == "compute3"
    assert all(e.time.minute < 5 for e in first.events)
    assert all(e.time.minute >= 5 for e in second.events)


def test_correlate_missing_destination_logs_named(tmp_path: Path) -> None:
    parts = live_migration(R1, 0)
    del parts["compute2/var/log/nova/nova-compute.log"]
    m = load(str(write_set(tmp_path, parts))).migrations[0]
    assert m.dest_host == "compute2" and m.missing_sides == ("destination",)


def test_correlate_clock_skew_estimated_and_raw_time_kept(tmp_path: Path) -> None:
    parts = live_migration(R1, 0)
    # compute2's clock runs 3 s behind: its pre_live_migration line appears before the API call
    parts["compute2/var/log/nova/nova-compute.log"] = [
        line.replace("10:00:01.000", "09:59:58.000") .replace("10:00:02.500", "09:59:59.500")
            .replace("10:00:14.300", "10:00:11.300").replace("10:00:15.000", "10:00:12.000")
        for line in parts["compute2/var/log/nova/nova-compute.log"]
    ]
    root = write_set(tmp_path, parts)
    auto = load(str(root))
    # the smallest shift that puts compute2's first line of the request after the API's (a lower bound)
    assert auto.skew["compute2"] == pytest.approx(2.1, abs=0.01)
    pre = next(e for e in auto.migrations[0].events if e.message.startswith("pre_live_migration data"))
    assert pre.time > auto.migrations[0].started
    assert pre.time_text == "2018-03-01 09:59:58.000"  # the raw text stays visible
    assert load(str(root), options=LoadOptions(skew="none")).skew == {}


def test_correlate_resize_confirm_joins_followup_request(tmp_path: Path) -> None:
    lines = {
        "controller/var/log/nova/nova-api.log": [
            api("11:00:00.000", R1, "Action: 'action', calling method: <bound method ServersController._action_resize>, body: {\"resize\": {\"flavorRef\": \"2\"}}", "DEBUG"),
            api("11:00:00.010", R1, f"[instance: {U}] Old instance type m1.small, new instance type m1.medium", "DEBUG", "nova.compute.api"),
            api("11:02:00.000", R2, "Action: 'action', calling method: <bound method ServersController._action_confirm_resize>, body: {\"confirmResize\": null}", "DEBUG"),
        ],
        "controller/var/log/nova/nova-conductor.log": [
            f"2018-03-01 11:00:00.500 2101 DEBUG nova.conductor.tasks.migrate [{R1} {ID}] [instance: {U}] Calling prep_resize with selected host: compute2; Selected node: compute2; Alternates: []",
        ],
        "compute2/var/log/nova/nova-compute.log": [
            cpu("11:00:01.000", R1, "Claim successful on node compute2", logger="nova.compute.claims"),
            cpu("11:00:01.100", R1, "Migrating"),
            cpu("11:00:20.000", R1, "Starting finish_migration", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("11:00:25.000", R1, "Instance running successfully.", logger="nova.virt.libvirt.driver"),
        ],
        "compute1/var/log/nova/nova-compute.log": [
            cpu("11:00:02.000", R1, "Starting migrate_disk_and_power_off", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("11:00:03.000", R1, "Shutting down instance from state 1", "DEBUG", "nova.virt.libvirt.driver"),
            cpu("11:00:10.000", R1, "Instance shutdown successfully after 7 seconds.", logger="nova.virt.libvirt.driver"),
            cpu("11:02:01.000", R2, "Going to confirm migration 42", "DEBUG"),
        ],
    }
    m = load(str(write_set(tmp_path, lines))).migrations
    assert len(m) == 1
    mig = m[0]
    assert (mig.kind, mig.status, mig.source_host, mig.dest_host) == ("resize", "confirmed", "compute1", "compute2")
    assert mig.request_ids == (R1, R2) and mig.migration_number == 42
    assert mig.downtime_s == pytest.approx(22.0, abs=0.001)
    assert [p.name for p in mig.phases] == ["api", "scheduling", "prep_resize", "disk_copy_power_off", "finish", "confirm"]


def test_correlate_real_excerpts_give_their_migrations(real_logs: Path) -> None:
    a = migtrace.load(str(real_logs))
    by_instance = {m.instance: m for m in a.migrations}
    # Queens post-copy success on the source (pastebin cY82PP34)
    postcopy = by_instance["ab6079d6-ad22-4000-bea8-4f04ab959f9c"]
    assert (postcopy.kind, postcopy.status, postcopy.post_copy) == ("live-migration", "completed", True)
    # Liberty pre_live_migration failure, terminal-wrapped (pastebin Ly9kT60T)
    pre = by_instance["2ae2fc70-eb23-45f0-8fcb-d65bdc7139e5"]
    assert (pre.kind, pre.status, pre.dest_host) == ("live-migration", "failed", "nova1")
    assert pre.missing_sides == ("destination",)
    # Icehouse conductor NoValidHost for a resize/cold migration, hard-wrapped context
    nvh = by_instance["2a877215-9a8c-47b5-8cae-9962c897990b"]
    assert nvh.kind in ("migration", "resize") and nvh.status == "failed"
    assert nvh.request_ids == ("req-6ccd63e7-58f1-47dc-9c45-623c095faa49",)
    assert nvh.user == "cc73301018d44104a0a76c4a94512565"
    # libvirt failures on the source
    for uuid in ("223cfd1d-b3b4-4eaa-8b44-a85d97893d90", "88084fdd-51dc-4967-8493-c1169e4533ec",
                 "b54f2810-fd42-44ae-89d6-343a7030e2f3"):
        assert (by_instance[uuid].kind, by_instance[uuid].status) == ("live-migration", "failed")


def test_match_migrations_accepts_request_id_without_prefix(tmp_path: Path) -> None:
    a = load(str(write_set(tmp_path, live_migration(R1, 0))))
    assert a.find(R1.removeprefix("req-")) == a.find(R1) == a.find(U) == a.find(MIG) == list(a.migrations)
    assert a.find("req-00000000-0000-4000-8000-000000000000") == []
