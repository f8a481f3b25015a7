"""Generate big, deterministic, faithful Queens-era nova log sets for the benchmarks.

The moves and boots come from ``tools.samplegen`` (the generator of
sample_logs/, whose text is checked against nova's real wording and the
oslo.log format), rendered as Queens file logs; this module adds what makes a
log *big*: the dense background a busy deployment writes with debug=True,
every minute on every compute, for days:

* each compute's periodic tasks in oslo.service's (alphabetical) order, the
  network info-cache heal of one instance per minute (with its ~1 kB
  ``network_info`` line), the resource-tracker audit with one ``actively
  managed`` line per resident instance, power-state syncs;
* monitoring clients polling ``GET /servers/detail`` on nova-api, the
  scheduler syncing instance info from each compute;
* other tenants booting instances that never move (claims, lifecycle
  ``VM Started/Paused/Resumed``, about 3 % failing to spawn with a
  traceback) and deleting them (``VM Stopped``, destroy, files);
* moves of every kind, spread over the span: live migrations (success,
  block, post-copy after force-complete, libvirt errors, timeout, CPU
  pre-check), cold migrations and resizes (confirmed, reverted, ssh and RBD
  failures, UnableToMigrateToSelf), evacuations (refused while the source
  still looks up, then done after the compute went down, and the returning
  source's clean-up).

Layout (as collected from each host)::

    DIR/controller/var/log/nova/nova-{api,conductor,scheduler}.log
    DIR/compute-NN/var/log/nova/nova-compute.log

``DIR/truth.json`` lists the moves (kind, instance, request ids, hosts,
status, start); migtrace skips it.  The same arguments always give the same
bytes.  The span is derived from ``--bytes`` (a calibration hour measures
bytes per simulated second), so the number of moves and the size are
independent: that is what the RSS-growth benchmark needs.

Example: python -m benchmarks.gen_big_log --bytes 1G --computes 4 --moves 50 --out benchmarks/_data/x
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # tools.samplegen lives at the repository root
    sys.path.insert(0, str(HERE.parent))

from tools.samplegen import api, evac, noise, sched, sites, traces  # noqa: E402
from tools.samplegen.cold import ColdSpec, cold_migration  # noqa: E402
from tools.samplegen.core import NOCTX, QUEENS, Ctx, Record, Sim, at  # noqa: E402
from tools.samplegen.env import Env, Truth  # noqa: E402
from tools.samplegen.live import LiveSpec, _lifecycle, live_migration  # noqa: E402
from tools.samplegen.render import render_oslo  # noqa: E402

#: bump when the output changes, so benchmarks/_data sets made by an older generator are regenerated
VERSION = 2
T0 = datetime(2018, 3, 5, 0, 0, 0, tzinfo=UTC)
TICK = 60.0
#: records are generated in slabs of simulated time and written once no later record can precede them
SLAB = 1800.0
#: a move writes records up to this long after it starts (a timed-out live migration, an evacuated
#: source coming back); records older than the slab end minus this are final
LAG = 3 * 3600.0
#: instances on each compute when the logs start (booted before; their boots are not in the logs)
RESIDENT = 24
#: mean seconds between two boots on one compute (and as many deletes)
BOOT_EVERY = 1500.0
FAILED_SPAWN = 0.03
MONITOR_EVERY = 30.0
#: how long the source of an evacuation is down (power loss to nova-compute start)
DOWN_S = 1000.0
FILE_NAMES = {"n-api": "nova-api.log", "n-cond": "nova-conductor.log", "n-sch": "nova-scheduler.log",
              "n-cpu": "nova-compute.log"}

# DEBUG call sites the sample generator has no need for (Queens lines from appendix_logcalls_queens.tsv)
RT_ACTIVE = ("_remove_deleted_instances_allocations", "nova/compute/resource_tracker.py", 1281, 1637)
CM_TRIGGER_SYNC = ("_sync_power_states", "nova/compute/manager.py", 7551, 10092)
CM_PENDING = ("_run_pending_deletes", "nova/compute/manager.py", 8162, 11010)
API_CALLING = ("_process_stack", "nova/api/openstack/wsgi.py", 606, 543)
SCH_PERIODIC = sites.PERIODIC


def _host_name(i: int) -> str:
    return f"compute-{i:02d}"


def _stable(text: str, n: int = 12) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:n]


@dataclass
class _Move:
    """One planned move: when, which template, between which hosts."""

    t: float
    template: str
    src: str
    dst: str


@dataclass
class _Host:
    """A compute's state: who runs on it, when it ticks next, when it is down."""

    name: str
    resident: list[str]
    next_tick: float
    down: list[tuple[float, float]] = field(default_factory=list)
    heal_at: int = 0
    tick: int = 0
    #: (from time, pid): a restarted nova-compute has another pid
    pids: list[tuple[float, int]] = field(default_factory=list)

    def is_down(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.down)


# moves cycle through these; about half end well, as in a real week of operations
TEMPLATES = (
    "live-ok", "cold-confirm", "live-block", "live-refused", "resize-confirm", "live-ok",
    "live-postcopy", "cold-revert", "live-timeout", "evacuate", "live-apparmor", "resize-revert",
    "live-cpu", "cold-ssh", "live-ok", "cold-self-first", "cold-rbd",
)


class Generator:
    """Writes one set; `run()` does it slab by slab so memory stays flat whatever the size."""

    def __init__(self, out: Path | None, computes: int, seed: int) -> None:
        self.out = out
        pids: dict[str, dict[str, object]] = {"controller": {"n-api": 2911, "n-cond": 3120, "n-sch": 3377}}
        names = [_host_name(i + 1) for i in range(computes)]
        for i, h in enumerate(names):
            pids[h] = {"n-cpu": 4400 + 17 * i}
        sim = Sim(QUEENS, seed, pids)  # type: ignore[arg-type]
        ips = {"controller": "198.51.100.10", **{h: f"198.51.100.{20 + i}" for i, h in enumerate(names)}}
        env = Env(sim, "controller", names, ips, sim.hex32(), sim.hex32(), "198.51.100.10")
        env.rp = {h: sim.uuid() for h in names}
        env.cell = sim.uuid()
        env.neutron_user = sim.hex32()
        env.service_project = sim.hex32()
        for h in names:
            env.lifecycle[h] = Ctx(sim.req())
        self.env, self.sim, self.rng = env, sim, sim.rng
        self.hosts = {h: _Host(h, [sim.uuid() for _ in range(RESIDENT)], self.rng.uniform(0, TICK),
                               pids=[(float("-inf"), 4400 + 17 * i)]) for i, h in enumerate(names)}
        self.tenants = [Ctx(None, sim.hex32(), sim.hex32()) for _ in range(6)]
        self.monitors = [Ctx(None, sim.hex32(), sim.hex32()) for _ in range(3)]
        self.next_monitor = [self.rng.uniform(0, MONITOR_EVERY) for _ in self.monitors]
        self.next_sched_tick = self.rng.uniform(0, TICK)
        self.next_boot = self.rng.expovariate(computes / BOOT_EVERY)
        self.next_delete = self.rng.expovariate(1.0 / BOOT_EVERY)
        #: instance -> until when it is moving (not to be deleted or moved again before)
        self.busy: dict[str, float] = {}
        self.truths: list[tuple[float, str, Truth]] = []
        self.pending: list[Record] = []
        self.written_until = float("-inf")
        self.bytes = 0
        self.lines = 0
        self.handles: dict[tuple[str, str], object] = {}
        self.boots = 0
        #: called with each live migration's spec before it runs (benchmarks.gen_fleet sets its physics)
        self.tune_live: Callable[[LiveSpec, str], None] | None = None

    # ------------------------------------------------------------------ driving

    def run(self, span: float, plan: list[_Move], background: bool = True) -> None:
        """Generate [0, span) with the planned moves, writing as it goes."""
        for m in plan:
            if m.template == "evacuate":
                self.hosts[m.src].down.append((m.t - 100.0, m.t - 100.0 + DOWN_S))
        moves = iter(sorted(plan, key=lambda m: m.t))
        nxt = next(moves, None)
        a = 0.0
        while a < span:
            b = min(a + SLAB, span)
            if background:
                self._background(a, b)
            while nxt is not None and nxt.t < b:
                self._move(nxt)
                nxt = next(moves, None)
            self._flush(b - LAG)
            a = b
        self._flush(float("inf"), cut=span)
        for fh in self.handles.values():
            fh.close()  # type: ignore[attr-defined]

    def _t(self, seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)

    def _flush(self, until: float, cut: float | None = None) -> None:
        """Write every pending record older than `until` (to files when `out` is set, else only count)."""
        self.pending.extend(self.sim.records)
        self.sim.records.clear()
        self.pending.sort(key=lambda r: r.t)
        limit = self._t(until) if until != float("inf") else None
        k = len(self.pending) if limit is None else bisect.bisect_left([r.t for r in self.pending], limit)
        ready, self.pending = self.pending[:k], self.pending[k:]
        if ready and self.written_until > float("-inf") and ready[0].t < self._t(self.written_until):
            raise RuntimeError(f"record at {ready[0].t} emitted after {self._t(self.written_until)} was written")
        end = self._t(cut) if cut is not None else None
        chunks: dict[tuple[str, str], list[str]] = {}
        for rec in ready:
            if end is not None and rec.t >= end:
                break
            pid = rec.pid or self._pid(rec.host, rec.service, rec.t)
            chunks.setdefault((rec.host, rec.service), []).extend(render_oslo(rec, QUEENS, pid))
        for key, lines in chunks.items():
            text = "\n".join(lines) + "\n"
            self.lines += len(lines)
            data = text.encode()
            self.bytes += len(data)
            if self.out is not None:
                self._handle(key).write(data)  # type: ignore[attr-defined]
        if until != float("inf"):
            self.written_until = max(self.written_until, until)

    def _handle(self, key: tuple[str, str]) -> object:
        fh = self.handles.get(key)
        if fh is None:
            assert self.out is not None
            path = self.out / key[0] / "var/log/nova" / FILE_NAMES[key[1]]
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = self.handles[key] = open(path, "wb")  # noqa: SIM115 - closed at the end of run()
        return fh

    def _pid(self, host: str, service: str, t: datetime) -> int:
        h = self.hosts.get(host)
        if h is None or service != "n-cpu":
            return int(self.sim.pids[host][service])  # type: ignore[arg-type]
        secs = (t - T0).total_seconds()
        return [pid for since, pid in h.pids if since <= secs][-1]

    # ------------------------------------------------------------------ background

    def _background(self, a: float, b: float) -> None:
        for h in self.hosts.values():
            while h.next_tick < b:
                if not h.is_down(h.next_tick):
                    self._compute_tick(h, h.next_tick)
                h.next_tick += self.rng.uniform(TICK - 0.5, TICK + 2.5)
        for i, ctx in enumerate(self.monitors):
            while self.next_monitor[i] < b:
                self._poll(ctx, self.next_monitor[i])
                self.next_monitor[i] += self.rng.uniform(MONITOR_EVERY * 0.8, MONITOR_EVERY * 1.2)
        while self.next_sched_tick < b:
            self.sim.emit(self._t(self.next_sched_tick), "controller", "n-sch", "DEBUG", "oslo_service.periodic_task",
                          "Running periodic task SchedulerManager._run_periodic_tasks",
                          self.env.periodic_ctx("controller", "n-sch"), site=SCH_PERIODIC)
            self.next_sched_tick += self.rng.uniform(TICK - 0.5, TICK + 1.0)
        # boots arrive at a steady rate and every instance lives RESIDENT * BOOT_EVERY on average, so
        # each compute hovers around RESIDENT instances (and the bytes per day stay steady)
        while self.next_boot < b:
            self._boot(self.next_boot)
            self.next_boot += self.rng.expovariate(len(self.hosts) / BOOT_EVERY)
        while self.next_delete < b:
            self._delete(self.next_delete)
            living = sum(len(h.resident) for h in self.hosts.values())
            self.next_delete += self.rng.expovariate(max(living, 1) / (RESIDENT * BOOT_EVERY))

    def _compute_tick(self, h: _Host, t0: float) -> None:
        """One minute of a compute's periodic tasks, in the order oslo.service runs them."""
        E, host = self.sim.emit, h.name
        ctx = self.env.periodic_ctx(host, "n-cpu")
        h.tick += 1
        t = self._t(t0)

        def task(name: str) -> None:
            nonlocal t
            t = at(t, self.rng.uniform(0.0005, 0.004))
            E(t, host, "n-cpu", "DEBUG", "oslo_service.periodic_task", f"Running periodic task ComputeManager.{name}",
              ctx, site=sites.PERIODIC)

        task("_check_instance_build_time")
        if h.tick % 60 == 1:
            task("_cleanup_incomplete_migrations")
            E(at(t, 0.002), host, "n-cpu", "DEBUG", "nova.compute.manager",
              "Cleaning up deleted instances with incomplete migration ", ctx, site=sites.CM_INCOMPLETE)
        task("_heal_instance_info_cache")
        E(at(t, 0.001), host, "n-cpu", "DEBUG", "nova.compute.manager", "Starting heal instance info cache", ctx,
          site=sites.CM_HEAL_START)
        if h.resident:
            inst = h.resident[h.heal_at % len(h.resident)]
            h.heal_at += 1
            t = self._heal(host, at(t, 0.002), ctx, inst)
        task("_instance_usage_audit")
        task("_poll_rebooting_instances")
        task("_poll_rescued_instances")
        task("_poll_unconfirmed_resizes")
        task("_poll_volume_usage")
        task("_reclaim_queued_deletes")
        E(at(t, 0.001), host, "n-cpu", "DEBUG", "nova.compute.manager", "CONF.reclaim_instance_interval <= 0, "
          "skipping...", ctx, site=sites.CM_RECLAIM)
        if h.tick % 5 == 0:
            task("_run_pending_deletes")
            E(at(t, 0.002), host, "n-cpu", "DEBUG", "nova.compute.manager", "Cleaning up deleted instances", ctx,
              site=CM_PENDING)
        if h.tick % 10 == 0:
            task("_sync_power_states")
            for inst in h.resident:
                t = at(t, self.rng.uniform(0.0003, 0.002))
                E(t, host, "n-cpu", "DEBUG", "nova.compute.manager", f"Triggering sync for uuid {inst}", ctx,
                  site=CM_TRIGGER_SYNC)
        if h.tick % 2 == 0:
            task("_sync_scheduler_instance_info")
            E(at(t, 0.02), "controller", "n-sch", "INFO", "nova.scheduler.host_manager",
              f"Successfully synced instances from host '{host}'.", ctx)
        task("update_available_resource")
        self._audit(h, at(t, 0.01), ctx)

    def _heal(self, host: str, t: datetime, ctx: Ctx, inst: str) -> datetime:
        E = self.sim.emit
        lock = f"refresh_cache-{inst}"
        E(t, host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils", f'Acquired semaphore "{lock}"', ctx,
          site=sites.LOCK_PLAIN)
        t = at(t, self.rng.uniform(0.001, 0.004))
        E(t, host, "n-cpu", "DEBUG", "nova.network.neutronv2.api",
          f"Updating instance_info_cache with network_info: {self._network_info(inst)}", ctx, inst=inst,
          site=sites.NET_UPDATE_CACHE)
        t = at(t, self.rng.uniform(0.01, 0.05))
        E(t, host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils", f'Releasing semaphore "{lock}"', ctx,
          site=sites.LOCK_PLAIN_REL)
        t = at(t, 0.0005)
        E(t, host, "n-cpu", "DEBUG", "nova.compute.manager", "Updated the network info_cache for instance", ctx,
          inst=inst, site=sites.CM_HEAL_UPDATED)
        return t

    def _network_info(self, inst: str) -> str:
        """The VIF list neutronv2 prints for an instance (stable per instance)."""
        port = f"{_stable(inst + 'p', 8)}-{_stable(inst + 'q', 4)}-4{_stable(inst + 'r', 3)}-a{_stable(inst + 's', 3)}-" \
               f"{_stable(inst + 't', 12)}"
        mac = ":".join(["fa", "16", "3e", *[_stable(inst + k, 2) for k in "uvw"]])
        ip = 3 + int(_stable(inst + "x", 4), 16) % 250
        net = self.env.cell  # a stable uuid: the tenant network
        return (f'[{{"profile": {{}}, "ovs_interfaceid": "{port}", "preserve_on_delete": false, "network": '
                f'{{"bridge": "br-int", "subnets": [{{"ips": [{{"meta": {{}}, "version": 4, "type": "fixed", '
                f'"floating_ips": [], "address": "10.0.0.{ip}"}}], "version": 4, "meta": {{"dhcp_server": '
                f'"10.0.0.2"}}, "dns": [], "routes": [], "cidr": "10.0.0.0/24", "gateway": {{"meta": {{}}, '
                f'"version": 4, "type": "gateway", "address": "10.0.0.1"}}}}], "meta": {{"injected": false, '
                f'"tenant_id": "{self.env.admin_project}", "mtu": 1450}}, "id": "{net}", "label": "private"}}, '
                f'"devname": "tap{port[:11]}", "vnic_type": "normal", "qbh_params": null, "meta": {{}}, '
                f'"details": {{"port_filter": true, "datapath_type": "system", "ovs_hybrid_plug": true}}, '
                f'"address": "{mac}", "active": true, "type": "ovs", "id": "{port}", "qbg_params": null}}]')

    def _audit(self, h: _Host, t: datetime, ctx: Ctx) -> None:
        """update_available_resource: the hypervisor view, one line per resident instance, the final view."""
        E, rng, host = self.sim.emit, self.rng, h.name
        who = "nova.compute.resource_tracker._update_available_resource"
        n = len(h.resident)
        E(t, host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
          f"Auditing locally available compute resources for {host} (node: {host})", ctx, site=sites.RT_AUDIT)
        t = at(t, rng.uniform(0.15, 0.3))
        E(t, host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
          f"Hypervisor/Node resource view: name={host} free_ram={max(1024, 257656 - 2048 * n)}MB "
          f"free_disk={1861 - 20 * n}GB free_vcpus={max(0, 48 - 2 * n)} pci_devices=[]", ctx,
          site=sites.RT_HYPERVISOR)
        t = at(t, 0.002)
        E(t, host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils",
          f'Lock "compute_resources" acquired by "{who}" :: waited 0.000s', ctx, site=sites.LOCK_ACQ)
        for inst in h.resident:
            t = at(t, rng.uniform(0.001, 0.006))
            E(t, host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
              f"Instance {inst} actively managed on this compute host and has allocations in placement: "
              "{'resources': {'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 20}}.", ctx, site=RT_ACTIVE)
        t = at(t, rng.uniform(0.01, 0.03))
        E(t, host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
          f"Total usable vcpus: 48, total allocated vcpus: {2 * n}", ctx, site=sites.RT_TOTAL)
        E(at(t, 0.001), host, "n-cpu", "INFO", "nova.compute.resource_tracker",
          f"Final resource view: name={host} phys_ram=257656MB used_ram={512 + 2048 * n}MB phys_disk=1861GB "
          f"used_disk={20 * n}GB total_vcpus=48 used_vcpus={2 * n} pci_stats=[]", ctx)
        t = at(t, rng.uniform(0.05, 0.09))
        E(t, host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
          f"Compute_service record updated for {host}:{host}", ctx, site=sites.RT_UPDATED)
        E(at(t, 0.001), host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils",
          f'Lock "compute_resources" released by "{who}" :: held 0.{rng.randint(110, 390)}s', ctx,
          site=sites.LOCK_REL)

    def _poll(self, who: Ctx, t0: float) -> None:
        """A monitoring client's GET /servers/detail (DEBUG dispatch line, then the access line)."""
        ctx = Ctx(self.sim.req(), who.user_id, who.project_id)
        t = self._t(t0)
        self.sim.emit(t, "controller", "n-api", "DEBUG", "nova.api.openstack.wsgi",
                      "Calling method '<bound method ServersController.detail of <nova.api.openstack.compute."
                      f"servers.ServersController object at 0x7f{self.rng.getrandbits(36):09x}>>'", ctx,
                      site=API_CALLING)
        api.access(self.env, t, ctx, "GET", f"/v2.1/{who.project_id}/servers/detail", 200,
                   self.rng.randint(14000, 26000), self.rng.uniform(0.15, 0.6), client="198.51.100.50")

    def _up_hosts(self, t: float, margin: float = 0.0) -> list[_Host]:
        return [h for h in self.hosts.values() if not h.is_down(t) and not h.is_down(t + margin)]

    def _boot(self, t0: float) -> None:
        """Another tenant boots an instance that will never move (or fails to spawn it)."""
        hosts = self._up_hosts(t0, 120.0)
        if not hosts:
            return
        # the RAM weigher: the host with the fewest instances (most free RAM) wins
        fewest = min(len(h.resident) for h in hosts)
        h = self.rng.choice([h for h in hosts if len(h.resident) == fewest])
        owner = self.rng.choice(self.tenants)
        self.boots += 1
        if self.rng.random() < FAILED_SPAWN:
            self._failed_boot(h, t0, owner)
            return
        inst = noise.boot(self.env, self._t(t0), h.name, owner, f"app-{self.boots}")
        h.resident.append(inst)

    def _failed_boot(self, h: _Host, t0: float, owner: Ctx) -> None:
        sim, E, host = self.sim, self.sim.emit, h.name
        inst = sim.uuid()
        ctx = Ctx(sim.req(), owner.user_id, owner.project_id)
        t = self._t(t0)
        api.access(self.env, t, ctx, "POST", f"/v2.1/{owner.project_id}/servers", 202, 411, self.rng.uniform(0.5, 0.9))
        t = sched.schedule(self.env, at(t, 1.0), ctx, inst, list(self.env.computes), host)
        t = at(t, self.rng.uniform(0.2, 0.5))
        E(t, host, "n-cpu", "DEBUG", "nova.compute.manager", "Starting instance...", ctx, inst=inst,
          site=sites.CM_STARTING)
        E(at(t, 0.08), host, "n-cpu", "INFO", "nova.compute.claims", f"Claim successful on node {host}", ctx, inst=inst)
        t = at(t, self.rng.uniform(3, 6))
        cls = traces.libvirt_error_class(QUEENS)
        text = (f"internal error: process exited while connecting to monitor: qemu-kvm: -drive file=/var/lib/nova/"
                f"instances/{inst}/disk,format=qcow2,if=none,id=drive-virtio-disk0: Could not open "
                f"'/var/lib/nova/instances/{inst}/disk': Permission denied")
        tb = traces.frames_tb(QUEENS, [
            ("nova/compute/manager.py", 2237, "_build_resources", "yield resources"),
            ("nova/compute/manager.py", 2021, "_build_and_run_instance", "block_device_info=block_device_info)"),
            ("nova/virt/libvirt/driver.py", 3110, "spawn", "destroy_disks_on_failure=True)"),
            ("nova/virt/libvirt/driver.py", 5586, "_create_domain_and_network", "destroy_disks_on_failure)"),
            ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
            ("nova/virt/libvirt/guest.py", 144, "launch", "return self._domain.createWithFlags(flags)"),
            ("libvirt.py", 1099, "createWithFlags",
             "if ret == -1: raise libvirtError ('virDomainCreateWithFlags() failed', dom=self)"),
        ], cls, text)
        E(t, host, "n-cpu", "ERROR", "nova.compute.manager", "Instance failed to spawn", ctx, inst=inst, tb=tb,
          summary=f"{cls}: {text}")
        t = at(t, 0.05)
        E(t, host, "n-cpu", "INFO", "nova.compute.manager", "Terminating instance", ctx, inst=inst)
        t = at(t, self.rng.uniform(0.3, 0.9))
        E(t, host, "n-cpu", "INFO", "nova.compute.manager",
          f"Took {self.rng.uniform(0.3, 0.9):.2f} seconds to destroy the instance on the hypervisor.", ctx, inst=inst)

    def _delete(self, t0: float) -> None:
        """A tenant deletes one of its instances (never one that is moving or planned to move)."""
        choices = [(h, i) for h in self._up_hosts(t0, 60.0) for i in h.resident if self.busy.get(i, -1.0) < t0]
        if not choices:
            return
        h, inst = self.rng.choice(choices)
        h.resident.remove(inst)
        sim, E, host = self.sim, self.sim.emit, h.name
        owner = self.rng.choice(self.tenants)
        ctx = Ctx(sim.req(), owner.user_id, owner.project_id)
        t = self._t(t0)
        api.access(self.env, t, ctx, "DELETE", f"/v2.1/{owner.project_id}/servers/{inst}", 204, 0,
                   self.rng.uniform(0.1, 0.3))
        t = at(t, self.rng.uniform(0.3, 0.8))
        E(t, host, "n-cpu", "INFO", "nova.compute.manager", "Terminating instance", ctx, inst=inst)
        t = at(t, self.rng.uniform(0.5, 1.5))
        _lifecycle(self.env, t, host, inst, "Stopped")
        E(at(t, 0.01), host, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.", ctx,
          inst=inst)
        t = at(t, 0.2)
        E(t, host, "n-cpu", "INFO", "nova.virt.libvirt.driver",
          f"Deleting instance files /var/lib/nova/instances/{inst}_del", ctx, inst=inst)
        E(at(t, 0.01), host, "n-cpu", "INFO", "nova.virt.libvirt.driver",
          f"Deletion of /var/lib/nova/instances/{inst}_del complete", ctx, inst=inst)
        E(at(t, 0.012), host, "n-cpu", "INFO", "nova.compute.manager",
          f"Took {self.rng.uniform(0.5, 1.6):.2f} seconds to destroy the instance on the hypervisor.", ctx, inst=inst)
        E(at(t, 0.6), host, "n-cpu", "INFO", "nova.compute.manager",
          f"Took {self.rng.uniform(0.3, 0.8):.2f} seconds to deallocate network for instance.", ctx, inst=inst)

    # ------------------------------------------------------------------ moves

    def _move(self, m: _Move) -> None:
        src = self.hosts[m.src]
        choices = [i for i in src.resident if self.busy.get(i, -1.0) < m.t]
        if not choices:
            choices = [self.sim.uuid()]
            src.resident.append(choices[0])
        inst = self.rng.choice(choices)
        self.busy[inst] = m.t + 3600.0
        sim, env, t = self.sim, self.env, self._t(m.t)
        name = f"vm-{_stable(inst, 5)}"
        port = sim.uuid()
        tp, s, d = m.template, m.src, m.dst
        if tp.startswith("live"):
            spec = LiveSpec(inst, name, s, d, sim.req(), port=port)
            if tp == "live-block":
                spec.block, spec.duration = True, 64
            elif tp == "live-postcopy":
                spec.mem_mb, spec.duration, spec.force_complete_after, spec.force_req = 4096, 400, 95, sim.req()
            elif tp == "live-refused":
                spec.forced, spec.outcome = True, "libvirt-error"
                spec.libvirt_error = (f"operation failed: Failed to connect to remote libvirt URI qemu+tcp://{d}/system: "
                                      f"unable to connect to server at '{d}:16509': Connection refused")
            elif tp == "live-apparmor":
                spec.outcome = "libvirt-error"
                spec.libvirt_error = "unsupported configuration: Unable to find security driver for label apparmor"
            elif tp == "live-timeout":
                spec.outcome, spec.duration = "timeout", 1600
            elif tp == "live-cpu":
                spec.forced, spec.outcome = True, "cpu"
            else:
                spec.duration = self.rng.uniform(15, 60)
            if self.tune_live is not None:
                self.tune_live(spec, tp)
            truth = live_migration(env, t, spec)
        elif tp == "evacuate":
            # the source lost power 100 s ago (its log stops: see run()); 40 s later it still looks up
            refused = evac.refused_evacuation(env, at(t, -60), inst, name, s, sim.req(), "")
            self.truths.append((m.t - 60, "evacuate-refused", refused))
            truth = evac.evacuation(env, at(t, 30), inst, name, s, d, sim.req(), "")
            back = m.t - 100.0 + DOWN_S  # the end of the down window planned in run()
            m = _Move(m.t + 30, m.template, m.src, m.dst)  # the evacuation that works comes 30 s later
            self._restart(src, back)
            evac.source_returns(env, self._t(back + 25), s, inst, truth)
        else:
            spec = ColdSpec(inst, name, s, d, sim.req(), finish_req=sim.req(),
                            finish_after=self.rng.uniform(60, 240))
            if tp.startswith("resize"):
                spec.new_flavor = "m1.medium"
            spec.outcome = {"confirm": "confirm", "revert": "revert", "ssh": "ssh-fail", "rbd": "rbd-eperm",
                            "self-first": "confirm"}[tp.split("-", 1)[1]]
            spec.self_first = tp == "cold-self-first"
            spec.rbd = tp == "cold-rbd"
            truth = cold_migration(env, t, spec)
        self.truths.append((m.t, tp, truth))
        if truth.status in ("completed", "confirmed") and truth.dest_host:
            if inst in src.resident:
                src.resident.remove(inst)
            self.hosts[truth.dest_host].resident.append(inst)

    def _restart(self, h: _Host, t: float) -> None:
        """nova-compute starts again: a new pid and a new periodic-task context."""
        h.pids.append((t, h.pids[-1][1] + 1187))
        self.sim.emit(self._t(t), h.name, "n-cpu", "INFO", "nova.service", "Starting compute node (version 17.0.13)",
                      NOCTX)
        self.env.periodic[(h.name, "n-cpu")] = Ctx(self.sim.req())
        self.env.lifecycle[h.name] = Ctx(self.sim.req())
        h.next_tick = max(h.next_tick, t + 40.0)


def plan_moves(count: int, span: float, computes: int, seed: int) -> list[_Move]:
    """Spread `count` moves over the middle of the span, cycling through every kind of move.

    An evacuation takes its source down for 15 minutes; no other move uses
    that host then.
    """
    rng = random.Random(seed * 7919 + 17)
    names = [_host_name(i + 1) for i in range(computes)]
    out: list[_Move] = []
    down: list[tuple[float, float, str]] = []
    for i in range(count):
        t = span * (0.05 + 0.85 * (i + rng.uniform(0.2, 0.8)) / max(count, 1))
        template = TEMPLATES[i % len(TEMPLATES)]
        # a move lasts at most ~40 minutes; keep its hosts out of any evacuation's down window
        free = [h for h in names if not any(host == h and a < t + 2400 and t < b for a, b, host in down)]
        if len(free) < 2:
            continue
        src = free[i % len(free)]
        dst = rng.choice([h for h in free if h != src])
        if template == "evacuate":
            down.append((t - 3000.0, t + 1000.0, src))
        out.append(_Move(t, template, src, dst))
    return out


def _calibrate(computes: int, seed: int) -> float:
    """Bytes per simulated second of background for this deployment (one throwaway hour)."""
    g = Generator(None, computes, seed)
    g.run(3600.0, [])
    return g.bytes / 3600.0


def _move_bytes(computes: int, seed: int, moves: int) -> int:
    """Bytes the planned moves write themselves (each template measured once, alone)."""
    per: dict[str, int] = {}
    for tp in TEMPLATES:
        if tp in per:
            continue
        g = Generator(None, computes, seed)
        g.run(7200.0, [_Move(600.0, tp, _host_name(1), _host_name(2))], background=False)
        per[tp] = g.bytes
    return sum(per[TEMPLATES[i % len(TEMPLATES)]] for i in range(moves))


def generate(out: str | Path, *, size: int, computes: int = 4, moves: int = 50, seed: int = 1,
             quiet: bool = False) -> dict[str, object]:
    """Write the set under `out`; return its summary (also written as truth.json).

    The span is what the background needs to fill `size` once the moves'
    own bytes are set aside, so a set with 10x the moves has the same size.
    """
    out = Path(out)
    move_bytes = _move_bytes(computes, seed, moves)
    if move_bytes > 0.8 * size:
        raise ValueError(f"{moves} moves write about {move_bytes / 2**20:.0f} MiB: too many for {size / 2**20:.0f} MiB")
    span = (size - move_bytes) / _calibrate(computes, seed)
    # an evacuated source is silent for DOWN_S: lengthen the span by the background it does not write
    evacuations = sum(TEMPLATES[i % len(TEMPLATES)] == "evacuate" for i in range(moves))
    span += evacuations * DOWN_S / computes
    plan = plan_moves(moves, span, computes, seed)
    g = Generator(out, computes, seed)
    g.run(span, plan)
    truths = sorted(g.truths, key=lambda x: x[0])
    doc = {
        "generator": {"version": VERSION, "size": size, "computes": computes, "moves": moves, "seed": seed},
        "span_s": round(span, 1), "lines": g.lines, "bytes": g.bytes,
        "migrations": [{"request_id": tr.request_ids[0], "template": tp,
                        "started": (T0 + timedelta(seconds=t)).isoformat(), **tr.as_json()}
                       for t, tp, tr in truths],
    }
    (out / "truth.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    if not quiet:
        print(f"wrote {out}: {g.bytes / 2**20:.0f} MiB, {g.lines:,} lines, {len(truths)} moves over "
              f"{span / 86400:.1f} days", file=sys.stderr)
    return doc


def parse_size(text: str) -> int:
    """Read `1G`, `200M`, `64k` or a plain byte count."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    factor = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]
    return int(float(m.group(1)) * factor)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory (replaced files, same names)")
    ap.add_argument("--bytes", dest="size", type=parse_size, default=parse_size("1G"), help="total size, e.g. 1G")
    ap.add_argument("--computes", type=int, default=4)
    ap.add_argument("--moves", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    generate(args.out, size=args.size, computes=args.computes, moves=args.moves, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
