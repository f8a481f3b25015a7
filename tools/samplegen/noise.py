"""Background activity every deployment logs around a migration.

Periodic tasks and resource-tracker audits on the computes, the scheduler
hearing from them, monitoring GETs on the API, and other users booting
instances.  None of it belongs to a migration; all of it must be skipped
by a correlator that is doing its job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tools.samplegen import api, sched, sites
from tools.samplegen.core import Ctx, at
from tools.samplegen.env import Env

TASKS = [
    "_check_instance_build_time", "_heal_instance_info_cache", "_poll_rebooting_instances",
    "_poll_rescued_instances", "_poll_unconfirmed_resizes", "_poll_shelved_instances", "_poll_volume_usage",
    "_instance_usage_audit", "_reclaim_queued_deletes", "_sync_scheduler_instance_info",
    "_cleanup_incomplete_migrations", "_cleanup_running_deleted_instances", "_run_image_cache_manager_pass",
    "_sync_power_states", "_run_pending_deletes",
]


def compute_periodics(env: Env, host: str, start: datetime, end: datetime, *,
                      down: tuple[datetime, datetime] | None = None, per_tick: int = 2, audit_every: int = 3) -> None:
    """Log a compute's periodic tasks between start and end (skipping a down window)."""
    sim, rel = env.sim, env.sim.release
    ctx = env.periodic_ctx(host, "n-cpu")
    plog = "nova.openstack.common.periodic_task" if rel.era == "kilo" else "oslo_service.periodic_task"
    t = at(start, sim.rng.uniform(0, 40))
    tick = 0
    while t < end:
        if down and down[0] <= t < down[1]:
            t = at(down[1], sim.rng.uniform(30, 50))
            continue
        tick += 1
        for task in sim.rng.sample(TASKS, per_tick):
            t = at(t, sim.rng.uniform(0.5, 9.0))
            sim.emit(t, host, "n-cpu", "DEBUG", plog, f"Running periodic task ComputeManager.{task}", ctx,
                     site=sites.PERIODIC)
            if task == "_reclaim_queued_deletes":
                sim.emit(at(t, 0.001), host, "n-cpu", "DEBUG", "nova.compute.manager",
                         "CONF.reclaim_instance_interval <= 0, skipping...", ctx, site=sites.CM_RECLAIM)
            elif task == "_cleanup_incomplete_migrations" and rel.era != "kilo":
                sim.emit(at(t, 0.002), host, "n-cpu", "DEBUG", "nova.compute.manager",
                         "Cleaning up deleted instances with incomplete migration ", ctx, site=sites.CM_INCOMPLETE)
            elif task == "_heal_instance_info_cache":
                sim.emit(at(t, 0.001), host, "n-cpu", "DEBUG", "nova.compute.manager", "Starting heal instance info cache",
                         ctx, site=sites.CM_HEAL_START)
                sim.emit(at(t, 0.002), host, "n-cpu", "DEBUG", "nova.compute.manager",
                         "Rebuilding the list of instances to heal", ctx, site=sites.CM_HEAL_REBUILD)
            elif task == "_sync_scheduler_instance_info":
                sim.emit(at(t, 0.02), env.controller, "n-sch", "INFO", "nova.scheduler.host_manager",
                         f"Successfully synced instances from host '{host}'.", ctx)
        if tick % audit_every == 0:
            t = at(t, sim.rng.uniform(1.0, 5.0))
            _audit(env, t, host, ctx, plog)
        t = at(t, sim.rng.uniform(48, 75))


def _audit(env: Env, t: datetime, host: str, ctx: Ctx, plog: str) -> None:
    sim, rel = env.sim, env.sim.release
    E = sim.emit
    E(t, host, "n-cpu", "DEBUG", plog, "Running periodic task ComputeManager.update_available_resource", ctx,
      site=sites.PERIODIC)
    used_vcpus = sim.rng.randint(2, 5)
    used_ram = 512 + 2048 * used_vcpus
    if rel.era == "kilo":
        E(at(t, 0.01), host, "n-cpu", "INFO", "nova.compute.resource_tracker",
          "Auditing locally available compute resources for node " + host, ctx)
        E(at(t, 0.21), host, "n-cpu", "INFO", "nova.compute.resource_tracker",
          f"Total usable vcpus: 8, total allocated vcpus: {used_vcpus}", ctx)
        E(at(t, 0.212), host, "n-cpu", "INFO", "nova.compute.resource_tracker",
          f"Final resource view: name={host} phys_ram=15990MB used_ram={used_ram}MB phys_disk=99GB "
          f"used_disk={20 * used_vcpus}GB total_vcpus=8 used_vcpus={used_vcpus} pci_stats=<nova.pci.stats.PciDeviceStats object at 0x7f{sim.rng.getrandbits(36):09x}>",
          ctx)
        E(at(t, 0.25), host, "n-cpu", "INFO", "nova.compute.resource_tracker",
          f"Compute_service record updated for {host}:{host}", ctx)
        return
    released = '"released"' if rel.era in ("zed", "caracal") else "released"
    who = "nova.compute.resource_tracker.ResourceTracker._update_available_resource"
    E(at(t, 0.01), host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
      f"Auditing locally available compute resources for {host} (node: {host})", ctx, site=sites.RT_AUDIT)
    E(at(t, 0.2), host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils",
      f'Lock "compute_resources" acquired by "{who}" :: waited 0.000s', ctx, site=sites.LOCK_ACQ)
    E(at(t, 0.26), host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
      f"Total usable vcpus: 8, total allocated vcpus: {used_vcpus}", ctx, site=sites.RT_TOTAL)
    final = (f"Final resource view: name={host} phys_ram=15990MB used_ram={used_ram}MB phys_disk=99GB "
             f"used_disk={20 * used_vcpus}GB total_vcpus=8 used_vcpus={used_vcpus} pci_stats=[]")
    if rel.era == "queens":
        E(at(t, 0.261), host, "n-cpu", "INFO", "nova.compute.resource_tracker", final, ctx)
    else:
        E(at(t, 0.261), host, "n-cpu", "DEBUG", "nova.compute.resource_tracker", final, ctx, site=sites.RT_FINAL)
    E(at(t, 0.33), host, "n-cpu", "DEBUG", "nova.compute.resource_tracker",
      f"Compute_service record updated for {host}:{host}", ctx, site=sites.RT_UPDATED)
    E(at(t, 0.331), host, "n-cpu", "DEBUG", "oslo_concurrency.lockutils",
      f'Lock "compute_resources" {released} by "{who}" :: held 0.{sim.rng.randint(110, 190)}s', ctx,
      site=sites.LOCK_REL)


def api_polling(env: Env, start: datetime, end: datetime, monitor: Ctx, client: str) -> None:
    """Log a monitoring client listing servers every minute or so."""
    sim = env.sim
    t = at(start, sim.rng.uniform(0, 20))
    while t < end:
        ctx = Ctx(sim.req(), monitor.user_id, monitor.project_id, monitor.user_name, monitor.project_name)
        api.access(env, t, ctx, "GET", f"{api.path_prefix(env)}/servers/detail", 200, sim.rng.randint(4800, 5600),
                   sim.rng.uniform(0.18, 0.45), client=client)
        t = at(t, sim.rng.uniform(75, 130))


def boot(env: Env, t: datetime, host: str, owner: Ctx, name: str) -> str:
    """Log another user booting an instance on `host`; return its uuid."""
    sim, rel = env.sim, env.sim.release
    inst = sim.uuid()
    ctx = Ctx(sim.req(), owner.user_id, owner.project_id, owner.user_name, owner.project_name)
    api.access(env, t, ctx, "POST", f"{api.path_prefix(env)}/servers", 202, 411, sim.rng.uniform(0.5, 0.9))
    tt = at(t, 1.0)
    tt = sched.schedule(env, tt, ctx, inst, list(env.computes), host)
    others = [c for c in env.computes if c != host]
    if rel.era != "kilo":
        alts = ", ".join(f"('{o}', '{o}')" for o in others)
        sim.emit(tt, env.controller, "n-cond", "DEBUG", "nova.conductor.manager",
                 f"Selected host: {host}; Selected node: {host}; Alternates: [{alts}]", ctx, inst=inst,
                 site=sites.COND_SELECTED)
    tt = at(tt, sim.rng.uniform(0.2, 0.5))
    sim.emit(tt, host, "n-cpu", "DEBUG", "nova.compute.manager", "Starting instance...", ctx, inst=inst,
             site=sites.CM_STARTING)
    tt = at(tt, 0.08)
    sim.emit(tt, host, "n-cpu", "INFO", "nova.compute.claims", f"Claim successful on node {host}", ctx, inst=inst)
    spawn = sim.rng.uniform(6, 12)
    from tools.samplegen.live import _lifecycle
    _lifecycle(env, at(tt, spawn - 2.1), host, inst, "Started")
    _lifecycle(env, at(tt, spawn - 2.09), host, inst, "Paused")
    _lifecycle(env, at(tt, spawn - 0.2), host, inst, "Resumed")
    tt = at(tt, spawn)
    sim.emit(tt, host, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance spawned successfully.", ctx, inst=inst)
    sim.emit(at(tt, 0.001), host, "n-cpu", "INFO", "nova.compute.manager",
             f"Took {spawn - 0.7:.2f} seconds to spawn the instance on the hypervisor.", ctx, inst=inst)
    sim.emit(at(tt, 0.09), host, "n-cpu", "INFO", "nova.compute.manager",
             f"Took {spawn + 0.6:.2f} seconds to build instance.", ctx, inst=inst)
    return inst


def boots(env: Env, start: datetime, end: datetime, owner: Ctx, every: float, hosts: list[str]) -> None:
    """Log boots by another project spread over the window, round-robin over `hosts`."""
    sim = env.sim
    t = at(start, sim.rng.uniform(60, 300))
    i = 0
    while t < end:
        if True:
            boot(env, t, hosts[i % len(hosts)], owner, f"app-{i}")
            i += 1
        t = t + timedelta(seconds=sim.rng.uniform(every * 0.6, every * 1.4))
