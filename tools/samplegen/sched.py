"""n-sch and super-conductor lines shared by every kind of move."""

from __future__ import annotations

from datetime import datetime

from tools.samplegen import sites
from tools.samplegen.core import Ctx, at
from tools.samplegen.env import Env

FILTERS = {
    "kilo": ["RetryFilter", "AvailabilityZoneFilter", "RamFilter", "ComputeFilter",
             "ComputeCapabilitiesFilter", "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter",
             "ServerGroupAffinityFilter"],
    "queens": ["RetryFilter", "AvailabilityZoneFilter", "ComputeFilter", "ComputeCapabilitiesFilter",
               "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter"],
    "zed": ["ComputeFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter",
            "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter"],
    "caracal": ["ComputeFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter",
                "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter", "SameHostFilter",
                "DifferentHostFilter"],
}


def host_state(env: Env, host: str) -> str:
    """Return the HostState repr the filter scheduler prints for a host."""
    rng = env.sim.rng
    ram = {0: 14336, 1: 11264, 2: 13312}[env.computes.index(host) % 3] + rng.choice((0, 512, 1024))
    disk = 89088 - 1024 * rng.randint(0, 9)
    return f"({host}, {host}) ram: {ram}MB disk: {disk}MB io_ops: 0 instances: {rng.randint(2, 6)}"


def schedule(env: Env, t: datetime, ctx: Ctx, inst: str, candidates: list[str], chosen: str,
             *, retried: list[str] = ()) -> datetime:
    """Log select_destinations for one instance and return when it answered."""
    sim, rel = env.sim, env.sim.release
    h = env.controller
    sim.emit(t, h, "n-sch", "DEBUG", "nova.scheduler.manager", f"Starting to schedule for instances: ['{inst}']",
             ctx, site=sites.SCH_START)
    n = len(candidates) + len(retried)
    tt = at(t, 0.09)
    for name in FILTERS[rel.era]:
        tt = at(tt, sim.rng.uniform(0.0004, 0.002))
        if name == "RetryFilter" and retried:
            for bad in retried:
                sim.emit(tt, h, "n-sch", "DEBUG", "nova.scheduler.filters.retry_filter",
                         f"Host [{bad!r}, {bad!r}] fails.  Previously tried hosts: [[{bad!r}, {bad!r}]]"
                         if not rel.py3 else
                         f"Host ['{bad}', '{bad}'] fails.  Previously tried hosts: [['{bad}', '{bad}']]",
                         ctx, inst=None, site=sites.SCH_RETRY)
            n = len(candidates)
        sim.emit(tt, h, "n-sch", "DEBUG", "nova.filters", f"Filter {name} returned {n} host(s)", ctx,
                 site=sites.SCH_FILTER)
    states = {c: host_state(env, c) for c in candidates}
    if rel.era in ("kilo", "queens"):
        order = [chosen] + [c for c in candidates if c != chosen]
        tt = at(tt, 0.003)
        sim.emit(tt, h, "n-sch", "DEBUG", rel.sched_logger,
                 "Filtered [" + ", ".join(states[c] for c in order) + "]", ctx, site=sites.SCH_FILTERED)
        weighed = ", ".join(f"WeighedHost [host: {states[c]}, weight: {1.0 if c == chosen else 0.0}]" for c in order)
        tt = at(tt, 0.002)
        sim.emit(tt, h, "n-sch", "DEBUG", rel.sched_logger, f"Weighed [{weighed}]", ctx, site=sites.SCH_WEIGHED)
    if rel.era != "kilo":
        tt = at(tt, 0.002)
        sim.emit(tt, h, "n-sch", "DEBUG", "nova.scheduler.utils",
                 f"Attempting to claim resources in the placement API for instance {inst}", ctx,
                 site=sites.COND_ATTEMPT_CLAIM)
    tt = at(tt, sim.rng.uniform(0.05, 0.12))
    if rel.era in ("kilo", "queens"):
        sel = f"WeighedHost [host: {states[chosen]}, weight: 1.0]"
        sim.emit(tt, h, "n-sch", "DEBUG", rel.sched_logger, f"Selected host: {sel}", ctx, site=sites.SCH_SELECTED)
    else:
        sim.emit(tt, h, "n-sch", "DEBUG", rel.sched_logger, f"Selected host: {states[chosen]}", ctx,
                 inst=inst, site=sites.SCH_SELECTED)
    return at(tt, 0.01)


def created_allocations(env: Env, t: datetime, ctx: Ctx, mig_uuid: str, source: str) -> datetime:
    """Log the conductor moving the source allocation to the migration consumer (Queens+)."""
    if env.sim.release.era == "kilo":
        return t
    return env.sim.emit(t, env.controller, "n-cond", "DEBUG", "nova.conductor.tasks.migrate",
                        f"Created allocations for migration {mig_uuid} on {env.rp[source]}", ctx,
                        site=sites.COND_ALLOC_MIG)


def requesting_cell(env: Env, t: datetime, ctx: Ctx, inst: str, what: str) -> datetime:
    """Log the conductor restricting scheduling to the instance's cell (Queens+)."""
    if env.sim.release.era == "kilo":
        return t
    site = sites.COND_REQ_CELL_LM if what == "live migrating" else sites.COND_REQ_CELL_MIG
    logger = "nova.conductor.tasks.live_migrate" if what == "live migrating" else "nova.conductor.tasks.migrate"
    return env.sim.emit(t, env.controller, "n-cond", "DEBUG", logger,
                        f"Requesting cell {env.cell}(cell1) while {what}", ctx, inst=inst, site=site)
