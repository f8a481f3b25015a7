"""Factories for report tests: hand-built analyses that look like real nova migrations.

`make_analysis()` returns three migrations (a completed live migration with
progress samples and phases on two hosts, a failed live migration with a
finding and a traceback, a confirmed cold migration) plus line accounting,
clock skew and an orphan finding.  `hostile=True` plants HTML/JS in log
text; `secrets=True` plants the secrets the redaction tests hunt for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from migtrace.model import Event, FileStats, Finding, HostAttempt, Migration, Phase, ProgressSample
from migtrace.pipeline import Analysis

T0 = datetime(2024, 3, 5, 10, 0, 0, tzinfo=UTC)

REQ_OK = "req-6f0c6d2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
REQ_FAIL = "req-7a1b2c3d-4e5f-4a6b-9c7d-1e2f3a4b5c6d"
REQ_COLD = "req-8b2c3d4e-5f6a-4b7c-8d9e-2f3a4b5c6d7e"
INST_OK = "0a1b2c3d-1111-4222-8333-444455556666"
INST_FAIL = "9f8e7d6c-5555-4666-8777-888899990000"
INST_COLD = "1c2d3e4f-aaaa-4bbb-8ccc-ddddeeeeffff"
USER = "4b2e6a0c9d8f4e3a8b7c6d5e4f3a2b1c"
PROJECT = "9a8f7e6d5c4b4a398877665544332211"

HOSTILE_SCRIPT = "<script>window.__pwned = 1;</script>"
HOSTILE_IMG = '"><img src=x onerror="window.__pwned = 2">'

#: Secrets planted in logs by `secrets=True`; none may reach any report.
SECRETS = {
    "cephx": "AQBzQ2hjAAAAABAAq1pXg0jYTiSg8mEdN5rJ4Q==",
    "rabbit": "R4bbitPassw0rd",
    "db": "DbS3cretPass",
    "token": "gAAAAABl1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTUVWXyz0123456789abcdefGHIJ",
    "x_auth": "0123456789abcdef0123456789abcdef",
    "subject": "SubjectT0kenValue",
    "password": "hunter2hunter2",
}
HOSTS = ("compute1", "compute2", "compute3", "controller")
IPS = ("192.168.24.11", "192.168.24.12")


def at(seconds: float) -> datetime:
    """Return T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def make_event(**overrides: object) -> Event:
    """Build an event with realistic defaults; any field can be overridden."""
    t = overrides.pop("t", 0.0)
    assert isinstance(t, (int, float))
    when = at(t)
    fields: dict[str, object] = {
        "time": when,
        "time_text": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "message": "Migration running",
        "host": "compute1",
        "service": "n-cpu",
        "pid": 12345,
        "level": "INFO",
        "logger": "nova.compute.manager",
        "request_id": REQ_OK,
        "user": USER,
        "project": PROJECT,
        "instance": INST_OK,
        "source": "/logs/compute1/nova-compute.log",
        "lineno": 1,
        "fmt": "oslo",
    }
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


def _live_ok(hostile: bool, secrets: bool) -> Migration:
    ev = [
        make_event(t=0, host="controller", service="n-api", logger="nova.api.openstack.wsgi",
                   message="Action: 'action', calling method: live_migrate, body: {\"os-migrateLive\": {\"host\": null}}",
                   source="/logs/controller/nova-api.log", lineno=10, level="DEBUG"),
        make_event(t=1, host="controller", service="n-cond", logger="nova.conductor.tasks.live_migrate",
                   message="Selected host compute2 for live migration",
                   source="/logs/controller/nova-conductor.log", lineno=20),
        make_event(t=3, host="compute2", message="pre_live_migration data is LibvirtLiveMigrateData",
                   source="/logs/compute2/nova-compute.log", lineno=30, level="DEBUG"),
        make_event(t=5, message="Starting monitoring of live migration", lineno=40, level="DEBUG",
                   logger="nova.virt.libvirt.driver"),
    ]
    for i, (secs, pct) in enumerate([(5, 90), (10, 62), (15, 30), (20, 4)]):
        ev.append(make_event(t=5 + secs, logger="nova.virt.libvirt.driver", level="DEBUG", lineno=41 + i,
                             message=f"Migration running for {secs} secs, memory {pct}% remaining "
                                     f"(bytes processed=1, remaining=2, total=3)"))
    ev += [
        make_event(t=26, message="VM Paused (Lifecycle Event)", lineno=50),
        make_event(t=27, message="Migration operation has completed", lineno=51, logger="nova.virt.libvirt.driver"),
        make_event(t=28, message="_post_live_migration() is started..", lineno=52),
        make_event(t=29, host="compute2", message="Post operation of migration started",
                   source="/logs/compute2/nova-compute.log", lineno=60),
        make_event(t=30, message="Migrating instance to compute2 finished successfully.", lineno=53),
    ]
    if hostile:
        ev.append(make_event(t=30.5, level="WARNING", lineno=54,
                             message=f"Weird device name {HOSTILE_SCRIPT} and {HOSTILE_IMG}",
                             extra=(f"Traceback line with {HOSTILE_SCRIPT}",)))
    if secrets:
        ev.append(make_event(t=2, host="controller", service="n-cond", lineno=21, level="DEBUG",
                             source="/logs/controller/nova-conductor.log",
                             message=f"transport_url = rabbit://openstack:{SECRETS['rabbit']}@controller:5672/ "
                                     f"connection = mysql+pymysql://nova:{SECRETS['db']}@{IPS[0]}/nova"))
        ev.append(make_event(t=4, host="compute2", lineno=31, level="DEBUG", source="/logs/compute2/nova-compute.log",
                             message=f"Connecting rbd volume: key={SECRETS['cephx']} mon_host={IPS[1]}:6789 "
                                     f"via qemu+tcp://compute2/system",
                             extra=(f"  context: {{'auth_token': '{SECRETS['token']}', 'password': '{SECRETS['password']}'}}",
                                    f"  headers: X-Auth-Token: {SECRETS['x_auth']} X-Subject-Token: {SECRETS['subject']}")))
    ev.sort(key=lambda e: e.time)
    phases = (
        Phase("api", at(0), at(0.5), ("controller",), (ev[0],), "ok"),
        Phase("conductor", at(1), at(2), ("controller",), (ev[1],), "ok"),
        Phase("pre_live_migration", at(3), at(4.5), ("compute1", "compute2"), (), "ok"),
        Phase("migration job", at(5), at(27), ("compute1",), (), "ok"),
        Phase("post", at(28), at(30), ("compute1", "compute2"), (), "ok"),
    )
    progress = tuple(ProgressSample(at(5 + s), float(s), p, p * 10_000_000, 1_000_000_000)
                     for s, p in [(5, 90), (10, 62), (15, 30), (20, 4)])
    return Migration(
        id=REQ_OK, kind="live-migration", instance=INST_OK, status="completed", started=at(0), ended=at(30),
        source_host="compute1", dest_host="compute2", request_ids=(REQ_OK,), migration_uuid=None,
        migration_number=42, block_migration=False, phases=phases, downtime_s=1.2,
        downtime_basis="VM Paused → Resumed", progress=progress,
        attempts=(HostAttempt("compute2", "selected", "", at(1)),), events=tuple(ev),
        notes=("compute2 clock is 0.8 s ahead; its times were shifted",), user=USER, project=PROJECT,
    )


def _live_failed() -> Migration:
    tb = (
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py", line 11490, in _live_migration_operation',
        "    guest.migrate(...)",
        "libvirt.libvirtError: operation failed: Failed to connect to remote libvirt URI qemu+tcp://compute3/system: Connection refused",
    )
    kw = {"request_id": REQ_FAIL, "instance": INST_FAIL}
    ev = (
        make_event(t=100, host="controller", service="n-api", source="/logs/controller/nova-api.log",
                   lineno=100, message="Live migrate requested", **kw),
        make_event(t=102, host="compute3", source="/logs/compute3/nova-compute.log", lineno=7,
                   message="pre_live_migration started", **kw),
        make_event(t=105, level="ERROR", logger="nova.virt.libvirt.driver", lineno=200,
                   message="Live Migration failure: operation failed: Failed to connect to remote libvirt URI "
                           "qemu+tcp://compute3/system: Connection refused", extra=tb, **kw),
        make_event(t=106, level="ERROR", lineno=201, message="Migration operation has aborted", **kw),
        make_event(t=107, level="ERROR", lineno=202, message="Unexpected NoneType in rollback", **kw),
    )
    finding = Finding(
        signature_id="libvirt-remote-uri-refused", title="Cannot reach the destination libvirtd",
        severity="error", first_seen=at(105), last_seen=at(105), count=1, phase="migration job",
        migration_id=REQ_FAIL,
        explanation="The source libvirtd could not open qemu+tcp to the destination.",
        remedy="Check that libvirtd listens on TCP on the destination and the firewall allows it.",
        references=("https://bugs.launchpad.net/nova/+bug/1234567",), events=(ev[2],),
    )
    unrec = Finding(
        signature_id="unrecognised", title="Unexpected NoneType in rollback", severity="error",
        first_seen=at(107), last_seen=at(107), migration_id=REQ_FAIL, events=(ev[4],), recognised=False,
    )
    return Migration(
        id=REQ_FAIL, kind="live-migration", instance=INST_FAIL, status="failed", started=at(100), ended=at(107),
        source_host="compute1", dest_host="compute3", request_ids=(REQ_FAIL,), block_migration=True,
        phases=(Phase("api", at(100), at(100), ("controller",), (ev[0],), "ok"),
                Phase("pre_live_migration", at(102), at(102), ("compute3",), (ev[1],), "ok"),
                Phase("migration job", at(104), at(106), ("compute1",), (ev[2], ev[3]), "failed")),
        findings=(finding, unrec), events=ev, missing_sides=(), user=USER, project=PROJECT,
    )


def _cold() -> Migration:
    kw = {"request_id": REQ_COLD, "instance": INST_COLD}
    ev = (
        make_event(t=200, host="controller", service="n-api", source="/logs/controller/nova-api.log",
                   lineno=300, message="Action: 'action', calling method: _migrate, body: {\"migrate\": null}", **kw),
        make_event(t=203, host="compute2", source="/logs/compute2/nova-compute.log", lineno=400,
                   message="Claim successful on node compute2", **kw),
        make_event(t=205, lineno=500, message="Migrating", **kw),
        make_event(t=215, host="compute2", source="/logs/compute2/nova-compute.log", lineno=401,
                   message="Instance has been finish_migration", **kw),
        make_event(t=260, lineno=501, message="confirm_resize: Confirming resize", **kw),
    )
    return Migration(
        id=REQ_COLD, kind="migration", instance=INST_COLD, status="confirmed", started=at(200), ended=at(260),
        source_host="compute1", dest_host="compute2", request_ids=(REQ_COLD,),
        phases=(Phase("resize_prep", at(200), at(203), ("controller", "compute2"), ev[:2], "ok"),
                Phase("migrate_disk_and_power_off", at(205), at(210), ("compute1",), (ev[2],), "ok"),
                Phase("finish_migration", at(215), at(215), ("compute2",), (ev[3],), "ok"),
                Phase("confirm", at(260), at(260), ("compute1",), (ev[4],), "ok")),
        events=ev, user=USER, project=PROJECT,
    )


def make_analysis(hostile: bool = False, secrets: bool = False) -> Analysis:
    """Build a realistic analysis of three migrations (see the module docstring)."""
    migs = [_live_ok(hostile, secrets), _live_failed(), _cold()]
    events = sorted({id(e): e for m in migs for e in m.events}.values(), key=lambda e: e.time)
    orphan = Finding(
        signature_id="rbd-eperm", title="Ceph refused the client (EPERM)", severity="warning",
        first_seen=at(400), last_seen=at(410), count=3,
        explanation="librados returned EPERM.", remedy="Check the cephx caps.",
        events=(make_event(t=400, host="compute3", instance=None, request_id=None, level="ERROR",
                           message="Error connecting to cluster: PermissionError",
                           source="/logs/compute3/nova-compute.log", lineno=900),),
    )
    stats = [
        FileStats(path="/logs/controller/nova-api.log", fmt="oslo", host="controller", service="n-api",
                  lines_read=120, records=100, record_lines=100, continuation_lines=15, meta_lines=0,
                  unparsed_lines=5, unparsed_examples=[(7, "garbage line here")]),
        FileStats(path="/logs/compute1/nova-compute.log", fmt="oslo", host="compute1", service="n-cpu",
                  lines_read=600, records=580, record_lines=580, continuation_lines=20),
        FileStats(path="/logs/compute2/nova-compute.log", fmt="journal-short", host="compute2", service="n-cpu",
                  lines_read=50, records=49, record_lines=49, meta_lines=1),
    ]
    warnings = ["compute3: no log file given; its side of the story is missing"]
    if secrets:
        warnings.append(f"ignored option transport_url=rabbit://openstack:{SECRETS['rabbit']}@controller:5672/")
    return Analysis(
        events=events, migrations=migs, orphan_findings=[orphan], stats=stats,
        skew={"compute2": 0.8, "compute1": 0.0}, skew_mode="auto", warnings=warnings,
        inputs=["/logs/controller", "/logs/compute1", "/logs/compute2"],
    )
