"""Evacuation: the refused request while the source still looks up, then the real one."""

from __future__ import annotations

from datetime import datetime

from tools.samplegen import api, sched, sites
from tools.samplegen.core import at
from tools.samplegen.env import Env, Truth, followup, move
from tools.samplegen.live import _lifecycle


@move
def refused_evacuation(env: Env, t: datetime, inst: str, name: str, src: str, req: str, story: str) -> Truth:
    """The API refuses: the servicegroup driver still sees the source compute up."""
    sim = env.sim
    ctx = env.user(req)
    api.action(env, t, ctx, inst, "evacuate", "{\"evacuate\": {}}")
    w = api._worker(env, ctx)
    sim.emit(at(t, 0.041), env.controller, "n-api", "ERROR", "nova.compute.api",
             f"Instance compute service state on {src} expected to be down, but it was up.", ctx, inst=inst, pid=w)
    sim.emit(at(t, 0.044), env.controller, "n-api", "INFO", "nova.api.openstack.wsgi",
             f"HTTP exception thrown: Compute service of {src} is still in use.", ctx, pid=w)
    api.access(env, t, ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 400, 107, 0.058,
               microversion="2.95")
    return Truth("evacuation", inst, name, [req], src, None, "failed",
                 findings=["evacuate-compute-service-in-use"], story=story)


@move
def evacuation(env: Env, t0: datetime, inst: str, name: str, src: str, dst: str, req: str, story: str,
               image: str | None = None) -> Truth:
    """A successful evacuation: shared storage, or rebuilt from `image` when the disk was local."""
    sim = env.sim
    ctx = env.user(req)
    E = sim.emit
    api.action(env, t0, ctx, inst, "evacuate", "{\"evacuate\": {}}")
    E(at(t0, 0.05), env.controller, "n-api", "DEBUG", "nova.compute.api", "vm evacuation scheduled", ctx, inst=inst,
      site=sites.API_EVAC, pid=api._worker(env, ctx))
    api.access(env, t0, ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 200, 0,
               sim.rng.uniform(0.18, 0.3), microversion="2.95")
    t = at(t0, 0.3)
    sim.phase = "scheduling"
    t = sched.schedule(env, t, ctx, inst, [c for c in env.computes if c != src], dst)
    t = at(t, sim.rng.uniform(0.1, 0.2))
    wording = env.sim.release.evacuate_wording
    sim.phase = "rebuild"
    E(t, dst, "n-cpu", "INFO", "nova.compute.manager",
      "Evacuating instance" if wording == "evacuating" else "Rebuilding instance", ctx, inst=inst)
    t = at(t, 0.1)
    E(t, dst, "n-cpu", "INFO", "nova.compute.claims", f"Claim successful on node {dst}", ctx, inst=inst)
    t = at(t, 0.2)
    E(t, dst, "n-cpu", "DEBUG", "nova.compute.manager",
      "on_shared_storage is not provided, using driver information to decide if the instance needs to be evacuated",
      ctx, site=sites.CM_SHARED)
    t = at(t, 0.01)
    if image:
        E(t, dst, "n-cpu", "INFO", "nova.compute.manager",
          f"disk not on shared storage, evacuating from image: '{image}'" if wording == "evacuating"
          else f"disk not on shared storage, rebuilding from: '{image}'", ctx, inst=inst)
        t = at(t, sim.rng.uniform(6.0, 11.0))  # the image is fetched and a new disk created
    else:
        E(t, dst, "n-cpu", "INFO", "nova.compute.manager",
          "disk on shared storage, evacuating using existing disk" if wording == "evacuating"
          else "disk on shared storage, recreating using existing disk", ctx, inst=inst)
    t = at(t, sim.rng.uniform(2.0, 3.5))
    _lifecycle(env, t, dst, inst, "Started")
    _lifecycle(env, at(t, 0.004), dst, inst, "Paused")
    t = at(t, sim.rng.uniform(1.5, 3.0))
    _lifecycle(env, t, dst, inst, "Resumed")
    t = at(t, 0.12)
    E(t, dst, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance spawned successfully.", ctx, inst=inst)
    return Truth("evacuation", inst, name, [req], src, dst, "completed", story=story)


def source_returns(env: Env, t: datetime, host: str, inst: str, truth: Truth) -> None:
    """The failed source host boots again and cleans up the evacuated guest (a follow-up of `truth`)."""
    followup(env, truth, "source_cleanup", lambda: _source_cleanup(env, t, host, inst))


def _source_cleanup(env: Env, t: datetime, host: str, inst: str) -> datetime:
    sim = env.sim
    ctx = env.periodic_ctx(host, "startup")
    sim.emit(t, host, "n-cpu", "INFO", "nova.compute.manager",
             "Destroying instance as it has been evacuated from this host but still exists in the hypervisor",
             ctx, inst=inst)
    t = at(t, 1.2)
    sim.emit(t, host, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.", ctx, inst=inst)
    t = at(t, 0.8)
    sim.emit(t, host, "n-cpu", "INFO", "nova.compute.manager",
             "Cleaning up allocations of the instance as it has been evacuated from this host", ctx, inst=inst)
    return t
