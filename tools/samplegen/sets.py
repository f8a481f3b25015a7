"""The four sample sets: which deployment, which incidents, when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tools.samplegen import evac, noise
from tools.samplegen.cold import ColdSpec, cold_migration
from tools.samplegen.core import CARACAL, KILO, NOCTX, QUEENS, TRAIN, YOGA, ZED, Ctx, Release, Sim
from tools.samplegen.env import Env
from tools.samplegen.live import LiveSpec, live_migration


@dataclass
class SampleSet:
    """A generated set: its records, ground truth and how to lay it out."""

    name: str
    env: Env
    start: datetime
    end: datetime
    title: str
    intro: str
    hosts_note: dict[str, dict[str, object]]
    extra: dict[str, object] = field(default_factory=dict)


def _env(release: Release, seed: int, pids: dict[str, dict[str, object]], computes: list[str],
         ips: dict[str, str]) -> Env:
    sim = Sim(release, seed, pids)  # type: ignore[arg-type]
    env = Env(sim, "controller", computes, ips, sim.hex32(), sim.hex32(), "192.0.2.10")
    env.rp = {h: sim.uuid() for h in computes}
    env.cell = sim.uuid()
    env.neutron_user = sim.hex32()
    env.service_project = sim.hex32()
    return env


def _background(env: Env, start: datetime, end: datetime, monitor_ip: str, boot_every: int,
                **periodics: int) -> None:
    """Emit a file-based set's noise: compute periodic tasks, API polling, other tenants' boots."""
    proj = Ctx(None, env.sim.hex32(), env.sim.hex32())
    for h in env.computes:
        noise.compute_periodics(env, h, start, end, **periodics)
    noise.api_polling(env, start, end, _monitor(env), monitor_ip)
    noise.boots(env, start, end, proj, boot_every, env.computes)

def _monitor(env: Env) -> Ctx:
    return Ctx(None, env.sim.hex32(), env.sim.hex32(), "monitoring", "ops")


def devstack() -> SampleSet:
    """devstack 2024.1 on three hosts: a maintenance drain, moves, a crash and an evacuation."""
    pids = {"controller": {"n-api": 81203, "n-api-workers": [81210, 81211], "n-cond": 81488, "n-sch": 81342},
            "compute1": {"n-cpu": 52114}, "compute2": {"n-cpu": 50873}}
    env = _env(CARACAL, 2024_05_14, pids, ["compute1", "compute2"],
               {"controller": "192.0.2.10", "compute1": "192.0.2.11", "compute2": "192.0.2.12"})
    sim = env.sim
    for h in env.computes:
        env.lifecycle[h] = Ctx(sim.req())
    d = lambda hh, mm, ss=0.0: datetime(2024, 5, 14, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(8, 3, 11.2), d(10, 29, 2.0)
    crash, back = d(10, 2, 14.31), d(10, 21, 30.0)
    demo = Ctx(None, sim.hex32(), sim.hex32(), "demo", "demo")

    noise.compute_periodics(env, "compute1", start, end, per_tick=1, audit_every=4)
    noise.compute_periodics(env, "compute2", start, end, down=(crash, back), per_tick=1, audit_every=4)
    noise.api_polling(env, start, end, _monitor(env), "192.0.2.50")
    noise.boots(env, d(8, 3), d(8, 8), demo, 200, ["compute1"])
    noise.boots(env, d(10, 6), d(10, 26), demo, 600, ["compute1"])

    t = [
        live_migration(env, d(8, 12, 5.2), LiveSpec(
            sim.uuid(), "web-01", "compute2", "compute1", sim.req(), port=sim.uuid(), duration=21,
            story="Drain of compute2 before maintenance. Shared instance storage (NFS), "
                  "block_migration auto resolved to false; converged in about 21 s.")),
        live_migration(env, d(8, 31, 40.7), LiveSpec(
            sim.uuid(), "web-02", "compute2", "compute1", sim.req(), block=True, disk_gb=10, port=sim.uuid(),
            duration=64, story="Drain continued with an explicit block migration (block_migration=true): "
                               "the local disk is copied first, then memory.")),
        live_migration(env, d(8, 54, 10.1), LiveSpec(
            sim.uuid(), "cache-01", "compute2", "compute1", sim.req(), mem_mb=4096, port=sim.uuid(),
            duration=400, force_complete_after=95, force_req=sim.req(),
            story="A memcached guest dirtied memory faster than the link could copy it; after 95 s the admin "
                  "forced completion (POST …/migrations/14/action force_complete) and, with "
                  "live_migration_permit_post_copy=True, the source switched to post-copy.")),
        cold_migration(env, d(9, 18, 30.4), ColdSpec(
            sim.uuid(), "db-01", "compute2", "compute1", sim.req(), outcome="confirm", finish_req=sim.req(),
            finish_after=95, story="Last instance on compute2, cold-migrated (ssh/scp of the local disk) "
                                   "and confirmed by the admin.")),
    ]
    t.append(cold_migration(env, d(9, 40, 0.8), ColdSpec(
        sim.uuid(), "app-03", "compute1", "compute2", sim.req(), new_flavor="m1.medium", outcome="revert",
        finish_req=sim.req(), finish_after=120,
        story="After maintenance, app-03 was resized m1.small → m1.medium onto compute2, then the owner "
              "reverted the resize; it runs on compute1 again.")))
    batch = noise.boot(env, d(9, 52, 11.0), "compute2", demo, "batch-01")
    t.append(evac.refused_evacuation(env, d(10, 2, 50.3), batch, "batch-01", "compute2", sim.req(),
             "compute2 lost power at 10:02:14; 36 s later the admin asked for an evacuation, but the last "
             "nova-compute heartbeat was younger than service_down_time (60 s): HTTP 400."))
    t.append(evac.evacuation(env, d(10, 4, 5.6), batch, "batch-01", "compute2", "compute1", sim.req(),
             "The second evacuate request, once compute2 was reported down, rebuilt batch-01 on compute1 "
             "from the shared disk."))
    sim.emit(back, "compute2", "n-cpu", "INFO", "nova.service", "Starting compute node (version 29.1.0)", NOCTX)
    evac.source_returns(env, d(10, 21, 48.2), "compute2", batch, t[-1])
    env.truths = t
    return SampleSet(
        "devstack-2024.1", env, start, end, "devstack 2024.1, three hosts",
        "A devstack 2024.1 (Caracal, nova 29) deployment: `controller` runs n-api, n-super-cond and n-sch; "
        "`compute1` and `compute2` run n-cpu (virt_type=qemu, instances on NFS-shared "
        "/opt/stack/data/nova/instances). Logs are `journalctl -a -o short-precise --unit devstack@<svc>.service` "
        "exports per host (devstack's own format: ANSI colours, `{{(pid=N) …}}` suffixes, project/user "
        "names) and the same entries as one `journalctl -o export` stream.",
        {"controller": {"services": ["n-api", "n-super-cond", "n-sch"], "timezone": "UTC"},
         "compute1": {"services": ["n-cpu"], "timezone": "UTC"},
         "compute2": {"services": ["n-cpu"], "timezone": "UTC",
                      "note": "crashed 10:02:14, rebooted; nova-compute back 10:21:30 with a new pid"}},
        extra={"restart": ("compute2", back, 1187)},
    )


def queens() -> SampleSet:
    """Queens, packaged deployment, file logs with rotation: six failures/quirks."""
    pids = {"controller": {"n-api": 1874, "n-cond": 1903, "n-sch": 1921},
            "compute1": {"n-cpu": 2311}, "compute2": {"n-cpu": 2298}, "compute3": {"n-cpu": 2530}}
    env = _env(QUEENS, 2018_03_14, pids, ["compute1", "compute2", "compute3"],
               {"controller": "198.51.100.10", "compute1": "198.51.100.11", "compute2": "198.51.100.12",
                "compute3": "198.51.100.13"})
    env.client_ip = "198.51.100.10"
    sim = env.sim
    for h in env.computes:
        env.lifecycle[h] = Ctx(sim.req())
    d = lambda hh, mm, ss=0.0: datetime(2018, 3, 14, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(6, 31, 3.1), d(10, 21, 0.0)
    _background(env, start, end, "198.51.100.50", 1500, per_tick=1, audit_every=4)

    lv = "unsupported configuration: Unable to find security driver for label apparmor"
    cr = ("operation failed: Failed to connect to remote libvirt URI qemu+tcp://compute2/system: unable to "
          "connect to server at 'compute2:16509': Connection refused")
    t = [
        live_migration(env, d(6, 41, 12.5), LiveSpec(
            sim.uuid(), "app-g", "compute1", "compute3", sim.req(), outcome="libvirt-error", libvirt_error=lv,
            findings=["apparmor-seclabel-mismatch"], port=sim.uuid(),
            story="The scheduler picked compute3, reinstalled the day before with libvirt's security_driver "
                  "set to none. The guest's domain XML carries an apparmor seclabel from compute1, which "
                  "compute3's libvirtd cannot generate: migrateToURI3 fails on the source.")),
        live_migration(env, d(7, 55, 31.0), LiveSpec(
            sim.uuid(), "app-h", "compute1", "compute2", sim.req(), forced=True, outcome="libvirt-error",
            libvirt_error=cr, findings=["libvirt-remote-connection-refused"], port=sim.uuid(),
            story="Forced to compute2, whose libvirtd had been restarted by a package upgrade without "
                  "--listen: the peer-to-peer connection to qemu+tcp://compute2/system is refused.")),
        cold_migration(env, d(8, 30, 44.2), ColdSpec(
            sim.uuid(), "db-i", "compute2", "compute3", sim.req(), outcome="rbd-eperm", rbd=True,
            findings=["rbd-operation-not-permitted"],
            story="Cold migration of an RBD-backed instance. compute3 (reinstalled) lacks the client.nova "
                  "keyring/libvirt secret, so QEMU cannot open vms/<uuid>_disk: 'error connecting: "
                  "Operation not permitted'. finish_resize fails on compute3 and the instance goes to ERROR.")),
        cold_migration(env, d(9, 5, 2.9), ColdSpec(
            sim.uuid(), "app-j", "compute1", "compute2", sim.req(), self_first=True, outcome="confirm",
            finish_req=sim.req(), finish_after=170, findings=["unable-to-migrate-to-self"],
            story="allow_resize_to_same_host=True lets the scheduler return the source; compute1 refuses "
                  "(UnableToMigrateToSelf, the libvirt driver cannot cold-migrate to itself), the compute "
                  "re-schedules, RetryFilter drops compute1 and compute2 takes it. Confirmed later.")),
        live_migration(env, d(9, 20, 8.3), LiveSpec(
            sim.uuid(), "cache-k", "compute2", "compute1", sim.req(), outcome="timeout", duration=1600,
            findings=["live-migration-completion-timeout"], port=sim.uuid(),
            story="A memory-busy guest never converges; after live_migration_completion_timeout × 2 GiB = "
                  "1600 s the monitor aborts the job (Queens always aborts on timeout).")),
        live_migration(env, d(10, 5, 41.7), LiveSpec(
            sim.uuid(), "app-l", "compute1", "compute3", sim.req(), forced=True, outcome="cpu",
            findings=["cpu-incompatible"], port=sim.uuid(),
            story="Forced to compute3 (older CPU generation); its _compare_cpu rejects the guest's "
                  "Skylake-Server-IBRS model: InvalidCPUInfo, the conductor gives up (forced host, no retry).")),
    ]
    env.truths = t
    return SampleSet(
        "queens-files", env, start, end, "Queens, packaged, file logs",
        "A Queens (nova 17) deployment from distribution packages: `controller` runs nova-api (eventlet), "
        "nova-conductor and nova-scheduler; `compute1`..`compute3` run nova-compute with libvirt/KVM. "
        "Each host's /var/log/nova was copied as is; compute1's nova-compute.log was rotated by size "
        "(`.1`, then `.2.gz`). debug=True everywhere.",
        {"controller": {"services": ["nova-api", "nova-conductor", "nova-scheduler"], "timezone": "UTC"},
         "compute1": {"services": ["nova-compute"], "timezone": "UTC"},
         "compute2": {"services": ["nova-compute"], "timezone": "UTC"},
         "compute3": {"services": ["nova-compute"], "timezone": "UTC",
                      "note": "reinstalled 2018-03-13: libvirt security_driver=none, Ceph secret missing"}},
    )


def kilo() -> SampleSet:
    """Kilo: a volume-backed live migration killed by iscsiadm exit 21, and a healthy block migration."""
    pids = {"controller": {"n-api": 1408, "n-cond": 1433, "n-sch": 1451},
            "compute1": {"n-cpu": 2087}, "compute2": {"n-cpu": 2102}}
    env = _env(KILO, 2015_09_22, pids, ["compute1", "compute2"],
               {"controller": "198.51.100.10", "compute1": "198.51.100.11", "compute2": "198.51.100.12"})
    env.client_ip = "198.51.100.10"
    sim = env.sim
    d = lambda hh, mm, ss=0.0: datetime(2015, 9, 22, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(13, 0, 4.4), d(14, 50, 0.0)
    _background(env, start, end, "198.51.100.50", 1400)
    t = [
        live_migration(env, d(13, 42, 19.6), LiveSpec(
            sim.uuid(), "vol-app-01", "compute1", "compute2", sim.req(), forced=True, volume_backed=True,
            outcome="pre-live-iscsi", findings=["iscsi-no-session-exit-21"], port=sim.uuid(),
            story="Boot-from-volume instance (LVM/iSCSI cinder backend) live-migrated to compute2. compute2's "
                  "login to the target portal silently failed (exit 255 is tolerated), so nova's own iSCSI "
                  "code ran `iscsiadm … --rescan`, which exits 21 'No session found.'; pre_live_migration "
                  "fails and the source rolls back.")),
        live_migration(env, d(14, 20, 3.3), LiveSpec(
            sim.uuid(), "web-k1", "compute2", "compute1", sim.req(), block=True, port=sim.uuid(), duration=38,
            story="Healthy block live migration chosen by the scheduler (nova live-migration --block-migrate). "
                  "Kilo has no progress monitor: only lifecycle events mark the switchover.")),
    ]
    env.truths = t
    return SampleSet(
        "kilo-files", env, start, end, "Kilo, packaged, file logs",
        "A Kilo (nova 2015.1) deployment, Python 2.7 packages: `controller` runs nova-api (eventlet), "
        "nova-conductor, nova-scheduler; `compute1`, `compute2` run nova-compute (libvirt/KVM, local "
        "instance storage, cinder LVM over iSCSI). compute2's nova-compute.log was rotated by size.",
        {"controller": {"services": ["nova-api", "nova-conductor", "nova-scheduler"], "timezone": "UTC"},
         "compute1": {"services": ["nova-compute"], "timezone": "UTC"},
         "compute2": {"services": ["nova-compute"], "timezone": "UTC"}},
    )


def zed() -> SampleSet:
    """Zed: a cold migration broken by ssh host keys, a healthy live migration; a sosreport."""
    pids = {"controller": {"n-api": 3118, "n-cond": 3042, "n-sch": 3077},
            "compute1": {"n-cpu": 4410}, "compute2": {"n-cpu": 4392}}
    env = _env(ZED, 2023_03_07, pids, ["compute1", "compute2"],
               {"controller": "192.0.2.10", "compute1": "192.0.2.11", "compute2": "192.0.2.12"})
    env.client_ip = "192.0.2.30"
    sim = env.sim
    for h in env.computes:
        env.lifecycle[h] = Ctx(sim.req())
    d = lambda hh, mm, ss=0.0: datetime(2023, 3, 7, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(9, 0, 2.5), d(10, 25, 0.0)
    _background(env, start, end, "192.0.2.50", 1300)
    t = [
        cold_migration(env, d(9, 24, 51.8), ColdSpec(
            sim.uuid(), "m-app-01", "compute1", "compute2", sim.req(), global_id=sim.req(), outcome="ssh-fail",
            findings=["cold-migrate-ssh-failed"],
            story="Cold migration requested by an automation tool that sends its own X-OpenStack-Request-ID "
                  "(the global id). compute1's nova user has no known_hosts entry for compute2 (192.0.2.12): "
                  "`ssh -o BatchMode=yes … mkdir -p` fails with 'Host key verification failed.', the resize "
                  "is rolled back and the instance stays ACTIVE on compute1.")),
        live_migration(env, d(9, 51, 14.1), LiveSpec(
            sim.uuid(), "z-web-01", "compute2", "compute1", sim.req(), global_id=sim.req(), port=sim.uuid(),
            duration=27,
            story="Healthy live migration from the same tool. On Zed the source's _do_live_migration thread "
                  "does not inherit the request context (bug 1962574, fixed in 2023.1), so compute2's "
                  "migration lines show [-] instead of the request id.")),
    ]
    env.truths = t
    return SampleSet(
        "zed-mixed", env, start, end, "Zed, mixed collection (sosreport + plain copies)",
        "A Zed (nova 26) deployment from Ubuntu Cloud Archive packages: `controller` runs nova-api "
        "(mod_wsgi), nova-conductor, nova-scheduler; `compute1`, `compute2` run nova-compute. compute1's "
        "logs come from a sosreport, the others were copied by hand.",
        {"controller": {"services": ["nova-api", "nova-conductor", "nova-scheduler"], "timezone": "UTC"},
         "compute1": {"services": ["nova-compute"], "timezone": "UTC", "note": "collected with sos report"},
         "compute2": {"services": ["nova-compute"], "timezone": "UTC"}},
    )


def yoga_info() -> SampleSet:
    """Yoga in production: debug = False, file logs; a pre-check failure, resize, auto-confirmed migration, evacuation."""
    pids = {"controller": {"n-api": 2214, "n-cond": 2187, "n-sch": 2201},
            "compute1": {"n-cpu": 3305}, "compute2": {"n-cpu": 3318}, "compute3": {"n-cpu": 3291}}
    env = _env(YOGA, 2023_01_17, pids, ["compute1", "compute2", "compute3"],
               {"controller": "203.0.113.10", "compute1": "203.0.113.11", "compute2": "203.0.113.12",
                "compute3": "203.0.113.13"})
    env.client_ip = "203.0.113.40"
    env.debug = False
    sim = env.sim
    for h in env.computes:
        env.lifecycle[h] = Ctx(sim.req())
    d = lambda hh, mm, ss=0.0: datetime(2023, 1, 17, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(8, 50, 1.7), d(10, 52, 0.0)
    crash = d(10, 31, 5.0)
    for h in ("compute1", "compute2"):
        noise.compute_periodics(env, h, start, end, per_tick=1, audit_every=4)
    noise.compute_periodics(env, "compute3", start, end, down=(crash, end), per_tick=1, audit_every=4)
    noise.api_polling(env, start, end, _monitor(env), "203.0.113.50")
    proj = Ctx(None, sim.hex32(), sim.hex32())
    noise.boots(env, start, d(10, 25), proj, 1500, ["compute1", "compute2"])

    web = sim.uuid()
    t = [
        live_migration(env, d(9, 5, 12.4), LiveSpec(
            sim.uuid(), "app-01", "compute1", "compute2", sim.req(), block=True, port=sim.uuid(), duration=46,
            story="Drain of compute1: a block live migration (local instance disks), converged in about 46 s. "
                  "On Yoga the source's migration thread has no request context, so its lines show [-].")),
        live_migration(env, d(9, 22, 40.9), LiveSpec(
            sim.uuid(), "db-02", "compute1", "compute2", sim.req(), body_block="false",
            outcome="precheck-shared", findings=["invalid-shared-storage", "no-valid-host"], port=sim.uuid(),
            story="The operator used --shared-migration (block_migration=false) out of habit. Each candidate "
                  "(compute2, then compute3) asks compute1's check_can_live_migrate_source, which raises "
                  "InvalidSharedStorage ('compute1 is not on shared storage'); the conductor skips both hosts, the "
                  "scheduler has none left: NoValidHost, db-02 stays ACTIVE on compute1. No destination was chosen.")),
        cold_migration(env, d(9, 40, 3.2), ColdSpec(
            web, "web-03", "compute2", "compute3", sim.req(), new_flavor="m1.medium", outcome="confirm",
            finish_req=sim.req(), finish_after=240,
            story="Resize m1.small → m1.medium onto compute3, confirmed by the owner four minutes later.")),
        cold_migration(env, d(10, 2, 27.5), ColdSpec(
            sim.uuid(), "batch-04", "compute1", "compute2", sim.req(), outcome="auto-confirm", finish_after=637,
            story="Cold migration nobody confirmed: with resize_confirm_window = 600 the destination's "
                  "_poll_unconfirmed_resizes periodic task confirmed it (INFO 'Automatically confirming migration').")),
    ]
    t.append(evac.refused_evacuation(env, d(10, 31, 44.6), web, "web-03", "compute3", sim.req(),
             "compute3 lost power at 10:31:05; the admin asked for an evacuation 40 s later, while its last "
             "heartbeat was younger than service_down_time: HTTP 400, compute service still in use."))
    t.append(evac.evacuation(env, d(10, 33, 20.1), web, "web-03", "compute3", "compute1", sim.req(),
             "Once compute3 was reported down, web-03 was evacuated to compute1 and rebuilt from its image "
             "(local disks are lost with the host). compute3 did not come back while the logs were collected.",
             image=sim.uuid()))
    env.truths = t
    # what debug = False logs cannot show
    t[2].unknown = {"kind": "a resize and a cold migration log the same INFO lines; only the API's DEBUG lines "
                            "(request body, old/new flavor) tell them apart"}
    t[2].kind = None  # type: ignore[assignment]
    t[3].unknown = dict(t[2].unknown)
    t[3].kind = None  # type: ignore[assignment]
    return SampleSet(
        "yoga-info", env, start, end, "Yoga in production, debug = False, file logs",
        "A Yoga (nova 25) production deployment from Ubuntu Cloud Archive packages with `debug = False` "
        "everywhere, so no DEBUG line exists: `controller` runs nova-api (mod_wsgi), nova-conductor and "
        "nova-scheduler; `compute1`..`compute3` run nova-compute with libvirt/KVM and local instance disks "
        "(no shared instances path). Each host's /var/log/nova was copied as is.",
        {"controller": {"services": ["nova-api", "nova-conductor", "nova-scheduler"], "timezone": "UTC"},
         "compute1": {"services": ["nova-compute"], "timezone": "UTC"},
         "compute2": {"services": ["nova-compute"], "timezone": "UTC"},
         "compute3": {"services": ["nova-compute"], "timezone": "UTC",
                      "note": "lost power at 10:31:05 and stayed down; its log ends there"}},
    )


def train_single() -> SampleSet:
    """Train: one compute's nova-compute.log attached to a bug ticket, nothing else."""
    pids = {"controller": {"n-api": 1702, "n-cond": 1688, "n-sch": 1695},
            "compute1": {"n-cpu": 2940}, "compute2": {"n-cpu": 2977}, "compute3": {"n-cpu": 2963}}
    env = _env(TRAIN, 2020_11_24, pids, ["compute1", "compute2", "compute3"],
               {"controller": "198.51.100.20", "compute1": "198.51.100.21", "compute2": "198.51.100.22",
                "compute3": "198.51.100.23"})
    env.client_ip = "198.51.100.60"
    sim = env.sim
    for h in env.computes:
        env.lifecycle[h] = Ctx(sim.req())
    d = lambda hh, mm, ss=0.0: datetime(2020, 11, 24, hh, mm, int(ss), int((ss % 1) * 1e6), tzinfo=UTC)  # noqa: E731
    start, end = d(13, 48, 8.9), d(16, 14, 0.0)
    crash, back = d(15, 40, 2.0), d(16, 5, 0.0)
    for h in ("compute1", "compute3"):
        noise.compute_periodics(env, h, start, end, per_tick=1, audit_every=3)
    noise.compute_periodics(env, "compute2", start, end, down=(crash, back), per_tick=1, audit_every=3)
    noise.api_polling(env, start, end, _monitor(env), "198.51.100.50")
    proj = Ctx(None, sim.hex32(), sim.hex32())
    noise.boots(env, start, end, proj, 1700, ["compute1", "compute3"])
    vm_d = noise.boot(env, d(13, 51, 4.0), "compute2", proj, "vm-d")
    t = [
        live_migration(env, d(14, 2, 10.3), LiveSpec(
            sim.uuid(), "vm-a", "compute2", "compute1", sim.req(), outcome="libvirt-error",
            libvirt_error="End of file while reading data: Input/output error",
            findings=["libvirt-eof-while-reading"], port=sim.uuid(),
            story="Outgoing live migration; compute1's libvirtd was restarted by a package upgrade in the middle "
                  "of the job: migrateToURI3 fails on compute2, which rolls back.")),
        live_migration(env, d(14, 30, 55.0), LiveSpec(
            sim.uuid(), "vm-b", "compute1", "compute2", sim.req(), port=sim.uuid(), duration=33,
            story="Incoming live migration from compute1, healthy.")),
        cold_migration(env, d(15, 5, 31.7), ColdSpec(
            sim.uuid(), "vm-c", "compute2", "compute3", sim.req(), outcome="confirm", finish_req=sim.req(),
            finish_after=130, story="Outgoing cold migration to compute3 (ssh/scp to 198.51.100.23), confirmed.")),
    ]
    sim.emit(back, "compute2", "n-cpu", "INFO", "nova.service", "Starting compute node (version 20.4.1)", NOCTX)
    t.append(evac.evacuation(env, d(15, 42, 30.5), vm_d, "vm-d", "compute2", "compute3", sim.req(),
             "compute2 crashed at 15:40:02 and vm-d was evacuated to compute3 (shared storage) at 15:42; compute2 "
             "came back at 16:05 and destroyed its stale copy."))
    evac.source_returns(env, d(16, 5, 21.6), "compute2", vm_d, t[-1])
    env.truths = t
    # what compute2's log alone can support (the generator knows the rest: see the story)
    t[1].source_host = None  # type: ignore[assignment]
    t[1].post_copy = None
    t[1].down_start = t[1].down_end = None
    t[1].unknown = {
        "source_host": "no logs from compute1 and no line on compute2 names the source",
        "post_copy": "the switch to post-copy is logged by the source only",
        "downtime_s": "the pause is logged by the source only",
    }
    t[2].kind = None  # type: ignore[assignment]
    t[2].dest_host = None
    t[2].down_start = t[2].down_end = None
    t[2].unknown = {
        "kind": "a resize and a cold migration log the same lines on the source; only the API names the flavors",
        "dest_host": "the source names the destination by IP only (ssh/scp to 198.51.100.23)",
        "downtime_s": "the guest starts again on the destination, whose log is missing",
    }
    t[3].request_ids = []
    t[3].dest_host = None
    t[3].unknown = {
        "request_ids": "compute2 was down during the evacuation; its clean-up runs under the start-up context",
        "dest_host": "only compute2's clean-up after its restart is logged here",
    }
    return SampleSet(
        "train-single-host", env, start, end, "Train, one compute's log attached to a bug ticket",
        "A Train (nova 20) deployment with `debug = True`; only `nova-compute.log` of compute2 was attached to "
        "the bug ticket (no controller, no other compute, no directory naming the host). The host is named by "
        "the log itself (resource tracker lines). The deployment had a controller and compute1..compute3.",
        {"compute2": {"services": ["nova-compute"], "timezone": "UTC",
                      "note": "crashed 15:40:02, nova-compute back 16:05:00 with a new pid; the only log given"}},
        extra={"restart": ("compute2", back, 3410), "paths": {("compute2", "n-cpu"): "nova-compute.log"}},
    )


ALL = (devstack, queens, kilo, zed, yoga_info, train_single)
