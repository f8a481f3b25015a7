"""Live migration, end to end across n-api, conductor, scheduler and both computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tools.samplegen import api, sites, traces
from tools.samplegen.core import NOCTX, Ctx, at
from tools.samplegen.env import Env, Truth, move

GIB = 1024 ** 3
MIB = 1024 ** 2


@dataclass
class LiveSpec:
    """What the operator asked for and what the hosts will do with it."""

    inst: str
    name: str
    src: str
    dst: str
    req: str
    global_id: str | None = None
    block: bool = False
    forced: bool = False
    volume_backed: bool = False
    mem_mb: int = 2048
    disk_gb: int = 20
    #: ok | libvirt-error | timeout | cpu | pre-live-iscsi | precheck-shared
    outcome: str = "ok"
    libvirt_error: str = ""
    #: seconds of pre-copy before the guest converges (ok) or the limit is hit
    duration: float = 24.0
    force_complete_after: float | None = None
    force_req: str | None = None
    findings: list[str] = field(default_factory=list)
    story: str = ""
    port: str = ""
    #: the request's block_migration as sent ("" = true for block, "auto" otherwise)
    body_block: str = ""
    #: opt-in physics (the fleet set): the link sends this many MiB/s and the guest dirties
    #: `dirty_mib_s`, from `start_remaining_mib` left to copy at the monitor's start; None: the
    #: sample sets' fixed curves (their bytes must not change)
    bandwidth_mib_s: float | None = None
    dirty_mib_s: float = 0.0
    start_remaining_mib: float = 0.0


def _lmd(env: Env, spec: LiveSpec, *, mig: str | None = None, dest_side: bool = False) -> str:
    """Return a LibvirtLiveMigrateData repr like the one nova prints."""
    era = env.sim.release.era
    shared = "False" if spec.block else "True"
    base = (f"LibvirtLiveMigrateData(bdms=[],block_migration={spec.block},disk_available_mb=88064,"
            f"disk_over_commit=<?>,filename='tmp{spec.inst[:8]}',graphics_listen_addr_spice=127.0.0.1,"
            f"graphics_listen_addr_vnc=0.0.0.0,image_type='default',instance_relative_path='{spec.inst}',"
            f"is_shared_block_storage={spec.volume_backed},is_shared_instance_path={shared},"
            f"is_volume_backed={spec.volume_backed},")
    if era == "queens":
        tail = f"migration=Migration({mig}),serial_listen_addr=None,serial_listen_ports=[],supported_perf_events=[],target_connect_addr=None)" if mig else "migration=<?>,serial_listen_addr=None,serial_listen_ports=<?>,supported_perf_events=<?>,target_connect_addr=None)"
    else:
        extra = f"migration=Migration({mig})," if mig else "migration=<?>,"
        tail = (f"{extra}old_vol_attachment_ids=<?>,serial_listen_addr=None,serial_listen_ports=[],"
                f"src_supports_native_luks=True,src_supports_numa_live_migration=True,"
                f"supported_perf_events=[],target_connect_addr=None,vifs=[VIFMigrateData],"
                f"wait_for_vif_plugged=True)")
    return base + tail


@move
def live_migration(env: Env, t0: datetime, spec: LiveSpec) -> Truth:
    """Emit one live migration and return its ground truth."""
    sim, rel = env.sim, env.sim.release
    era = rel.era
    ctx = env.user(spec.req, spec.global_id)
    src, dst, inst = spec.src, spec.dst, spec.inst
    mig_uuid = sim.uuid()
    truth = Truth("live-migration", inst, spec.name, [spec.req], src, dst, "completed",
                  block_migration=spec.block, post_copy=False, findings=list(spec.findings), story=spec.story)
    E = sim.emit

    # ---- API ----------------------------------------------------------------
    if era == "kilo":
        body = '{"os-migrateLive": {"disk_over_commit": false, "block_migration": %s, "host": %s}}' % (
            "true" if spec.block else "false", f'"{dst}"' if spec.forced else "null")
    elif spec.forced:
        body = '{"os-migrateLive": {"block_migration": "auto", "host": "%s", "force": true}}' % dst
    else:
        body = '{"os-migrateLive": {"block_migration": %s, "host": null}}' % (
            spec.body_block or ("true" if spec.block else '"auto"'))
    api.action(env, t0, ctx, inst, "os-migrateLive", body)
    E(at(t0, 0.031), env.controller, "n-api", "DEBUG", "nova.compute.api",
      f"Going to try to live migrate instance to {dst if spec.forced else 'another host'}", ctx, inst=inst,
      site=sites.API_LIVE, pid=api._worker(env, ctx))
    sync_api = era == "kilo"
    if not sync_api:
        api.access(env, at(t0, 0.0), ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 202, 0,
                   sim.rng.uniform(0.14, 0.27), microversion="2.90" if era != "queens" else "2.60")

    # ---- conductor / scheduler ---------------------------------------------
    sim.phase = "scheduling"
    t = at(t0, 0.19)
    from tools.samplegen import sched
    sched.created_allocations(env, t, ctx, mig_uuid, src)
    t = at(t, 0.05)
    if not spec.forced:
        sched.requesting_cell(env, t, ctx, inst, "live migrating")
        if spec.outcome == "precheck-shared":
            return _precheck_shared(env, at(t, 0.02), spec, ctx, truth)
        candidates = [c for c in env.computes if c != src]
        t = sched.schedule(env, at(t, 0.02), ctx, inst, candidates, dst)
    else:
        if era != "kilo":
            E(t, env.controller, "n-cond", "DEBUG", "nova.scheduler.utils",
              f"Instance allocations successfully created on destination node {dst}: "
              f"{{'allocations': {{'{env.rp[dst]}': {{'resources': {{'VCPU': 1, 'MEMORY_MB': {spec.mem_mb}, 'DISK_GB': {spec.disk_gb}}}}}}}}}",
              ctx, inst=inst, site=sites.COND_CLAIM_DEST)
        t = at(t, 0.1)

    # ---- destination and source checks --------------------------------------
    t = at(t, sim.rng.uniform(0.05, 0.12))
    if era != "caracal":  # kvm everywhere but the nested devstack (virt_type=qemu skips the compare)
        E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "cpu compare xml: " + traces.CPU_XML, ctx,
          inst=inst, site=sites.LV_CPU_XML)
        t = at(t, 0.012)
    if spec.outcome == "cpu":
        return _cpu_failure(env, t, spec, ctx, truth)
    tmp = f"tmp{sim.rng.getrandbits(32):08x}"[:11]
    E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
      f"Creating tmpfile /var/lib/nova/instances/{tmp} to notify to other compute nodes that they should mount the same storage.",
      ctx, inst=inst, site=sites.LV_TMPFILE)
    t = at(t, sim.rng.uniform(0.04, 0.09))
    E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
      f"Check if temp file /var/lib/nova/instances/{tmp} exists to indicate shared storage is being used for migration. Exists? {not spec.block}",
      ctx, inst=inst, site=sites.LV_CHECK_TMP)
    if era != "kilo":
        E(at(t, 0.006), src, "n-cpu", "DEBUG", "nova.compute.manager", f"source check data is {_lmd(env, spec)}", ctx,
          site=sites.CM_SRC_CHECK)
        t = at(t, 0.05)
        E(t, dst, "n-cpu", "DEBUG", "nova.compute.manager", f"destination check data is {_lmd(env, spec)}", ctx,
          site=sites.CM_DEST_CHECK)
    t = at(t, 0.04)
    if era in ("zed", "caracal"):
        E(t, env.controller, "n-cond", "DEBUG", "nova.conductor.tasks.live_migrate",
          f"Start binding ports on destination host: {dst}", ctx, inst=inst, site=sites.COND_BIND)
        t = at(t, sim.rng.uniform(0.3, 0.6))
    if sync_api:
        sim.phase = "api"
        api.access(env, t0, ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 202, 0,
                   (t - t0).total_seconds() + 0.02)

    # ---- source: _do_live_migration ----------------------------------------
    sim.phase = "pre_live_migration"
    src_ctx = NOCTX if rel.src_thread_loses_context else ctx
    t = at(t, sim.rng.uniform(0.05, 0.15))
    if era in ("zed", "caracal"):
        E(t, src, "n-cpu", "DEBUG", "nova.compute.manager",
          f"Preparing to wait for external event network-vif-plugged-{spec.port}", src_ctx, inst=inst,
          site=sites.CM_WAIT_EVENT)
        t = at(t, 0.03)
    if era != "kilo":
        E(t, dst, "n-cpu", "DEBUG", "nova.compute.manager", f"pre_live_migration data is {_lmd(env, spec, mig=mig_uuid)}",
          ctx, site=sites.CM_PRE_DATA)
    t = at(t, 0.02)
    E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
      f"migrate_data in pre_live_migration: {_lmd(env, spec, mig=mig_uuid, dest_side=True)}" if era != "kilo" else
      f"migrate_data in pre_live_migration: {{'is_volume_backed': {spec.volume_backed}, 'is_shared_instance_path': {not spec.block}, 'block_migration': {spec.block}, 'instance_relative_path': u'{inst}'}}",
      ctx, inst=inst, site=sites.LV_PRE_MIGDATA)
    if spec.block:
        t = at(t, 0.004)
        E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
          f"Creating instance directory: /var/lib/nova/instances/{inst}", ctx, inst=inst, site=sites.LV_PRE_DIR)
        t = at(t, 0.01)
        E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
          "Checking to make sure images and backing files are present before live migration.", ctx, inst=inst,
          site=sites.LV_PRE_IMAGES)
        t = at(t, sim.rng.uniform(0.3, 0.8))
    t = at(t, 0.01)
    E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Connecting volumes before live migration.", ctx,
      inst=inst, site=sites.LV_PRE_VOLUMES)
    if spec.outcome == "pre-live-iscsi":
        return _pre_live_iscsi(env, at(t, 0.01), spec, ctx, truth)
    t = at(t, 0.02)
    if era in ("zed", "caracal"):
        E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
          "Plugging VIFs using destination host port bindings before live migration.", ctx, inst=inst,
          site=sites.LV_PRE_VIFS_BIND)
    else:
        E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Plugging VIFs before live migration.", ctx,
          inst=inst, site=sites.LV_PRE_VIFS)
    t = at(t, sim.rng.uniform(0.4, 1.1))
    if era != "kilo":
        E(t, dst, "n-cpu", "DEBUG", "nova.compute.manager",
          f"pre_live_migration result data is {_lmd(env, spec, mig=mig_uuid)}", ctx, site=sites.CM_PRE_RESULT)
    if era in ("zed", "caracal"):
        nctx = api.external_event(env, at(t, 0.2), inst, src, "network-vif-plugged", spec.port)
        te = at(t, 0.27)
        E(te, src, "n-cpu", "DEBUG", "nova.compute.manager", f"Received event network-vif-plugged-{spec.port}", nctx,
          inst=inst, site=sites.CM_RECEIVED)
        E(at(te, 0.001), src, "n-cpu", "DEBUG", "nova.compute.manager", f"Processing event network-vif-plugged-{spec.port}",
          nctx, inst=inst, site=sites.CM_PROCESSING)
        t = at(te, 0.01)
        pre_took = (t - at(t0, 0.0)).total_seconds() - 1.1
        E(t, src, "n-cpu", "INFO", "nova.compute.manager",
          f"Took {pre_took:.2f} seconds for pre_live_migration on destination host {dst}.", src_ctx, inst=inst)
    t = at(t, 0.02)
    sim.phase = "memory_copy"
    if era != "kilo":
        E(t, src, "n-cpu", "DEBUG", "nova.compute.manager", f"live_migration data is {_lmd(env, spec, mig=mig_uuid)}",
          src_ctx, site=sites.CM_LM_DATA)
        t = at(t, 0.01)
        E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Starting monitoring of live migration", src_ctx,
          inst=inst, site=sites.LV_START_MON)
    if era in ("zed", "caracal"):
        E(at(t, 0.003), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "About to invoke the migrate API",
          src_ctx, inst=inst, site=sites.LV_ABOUT)
    t_start = at(t, 0.01)

    if spec.outcome == "libvirt-error":
        return _libvirt_error(env, t_start, spec, ctx, src_ctx, truth)

    # ---- the migration job ---------------------------------------------------
    t_dst_started = at(t_start, sim.rng.uniform(0.25, 0.5))
    _lifecycle(env, t_dst_started, dst, inst, "Started")
    if era != "kilo":
        E(at(t_start, 0.5), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Operation thread is still running",
          src_ctx, inst=inst, site=sites.LV_NOT_RUNNING)
    t_end, post_copy_at = _progress(env, t_start, spec, src_ctx)
    if spec.outcome == "timeout":
        return _timeout(env, t_end, spec, ctx, src_ctx, truth)

    # switchover
    sim.phase = "switchover"
    if post_copy_at is not None:
        truth.post_copy = True
        if spec.force_req:
            # the force-complete API call acted on this move: its request id belongs to it
            truth.request_ids.append(spec.force_req)
        t_pause = post_copy_at
        _lifecycle(env, t_pause, src, inst, "Postcopy started", migrating=True,
                   binding=rel.lifecycle_migration_completed, peer=dst)
        t_resume = at(t_pause, sim.rng.uniform(0.18, 0.4))
        _lifecycle(env, t_resume, dst, inst, "Resumed", migrating=True)
        t_done = t_end
        if rel.lifecycle_migration_completed:
            _lifecycle(env, at(t_done, -0.05), src, inst, "Migration completed", migrating=True, binding=False)
    else:
        t_pause = t_end
        state = "Migration completed" if rel.lifecycle_migration_completed else "Paused"
        _lifecycle(env, t_pause, src, inst, state, migrating=True, binding=rel.lifecycle_migration_completed,
                   peer=dst)
        t_resume = at(t_pause, sim.rng.uniform(0.06, 0.21))
        _lifecycle(env, t_resume, dst, inst, "Resumed", migrating=True)
        t_done = at(t_resume, sim.rng.uniform(0.2, 0.6))
    truth.down_start, truth.down_end = t_pause, t_resume

    t = t_done
    sim.phase = "post_migration"
    if era in ("zed", "caracal"):
        E(at(t, -0.1), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Migrate API has completed", src_ctx,
          inst=inst, site=sites.LV_API_DONE)
        E(at(t, -0.09), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Migration operation thread has finished",
          src_ctx, inst=inst, site=sites.LV_THREAD_DONE)
    if era != "kilo":
        E(t, src, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Migration operation has completed", src_ctx, inst=inst)
    t = at(t, 0.002)
    E(t, src, "n-cpu", "INFO", "nova.compute.manager", "_post_live_migration() is started..", src_ctx, inst=inst)
    t = at(t, sim.rng.uniform(0.3, 0.9))
    if era in ("zed", "caracal"):
        mac = "fa:16:3e:%02x:%02x:%02x" % (sim.rng.randrange(256), sim.rng.randrange(256), sim.rng.randrange(256))
        vif = (f'[{{"id": "{spec.port}", "address": "{mac}", "network": {{"id": "{env.cell}", "bridge": "br-int", '
               f'"label": "private", "subnets": [], "meta": {{"injected": false, "tenant_id": "{env.admin_project}", '
               f'"mtu": 1442}}}}, "type": "ovs", "details": {{"port_filter": true, "connectivity": "l2", '
               f'"bound_drivers": {{"0": "ovn"}}}}, "devname": "tap{spec.port[:11]}", "ovs_interfaceid": '
               f'"{spec.port}", "qbh_params": null, "qbg_params": null, "active": true, "vnic_type": "normal", '
               f'"profile": {{}}, "preserve_on_delete": false, "delegate_create": true, "meta": {{}}}}]')
        E(t, src, "n-cpu", "DEBUG", "nova.compute.manager",
          f"Calling driver.post_live_migration_at_source with original source VIFs from migrate_data: {vif}",
          src_ctx, inst=inst, site=sites.CM_POST_SRC)
        t = at(t, 0.4)
    t = at(t, sim.rng.uniform(0.8, 1.6))
    E(t, dst, "n-cpu", "INFO", "nova.compute.manager", "Post operation of migration started", ctx, inst=inst)
    t = at(t, sim.rng.uniform(0.6, 1.4))
    if era != "kilo":
        E(t, src, "n-cpu", "DEBUG", "nova.compute.manager", "Calling driver.cleanup from _post_live_migration",
          src_ctx, inst=inst, site=sites.CM_CLEANUP)
        t = at(t, 0.3)
    E(t, src, "n-cpu", "INFO", "nova.compute.manager", f"Migrating instance to {dst} finished successfully.",
      src_ctx, inst=inst)
    if era == "kilo":
        E(at(t, 0.001), src, "n-cpu", "INFO", "nova.compute.manager",
          'You may see the error "libvirt: QEMU error: Domain not found: no domain with matching name." This error can be safely ignored.',
          src_ctx, inst=inst)
    if era != "kilo":
        E(at(t, 0.004), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Live migration monitoring is all done",
          src_ctx, inst=inst, site=sites.LV_MON_DONE)
    _lifecycle(env, at(t_pause, 15.0 + sim.rng.uniform(0.05, 0.5)), src, inst, "Stopped")
    return truth


def _lifecycle(env: Env, t: datetime, host: str, inst: str, state: str, *, migrating: bool = False,
               binding: bool = False, peer: str = "") -> None:
    """Log a libvirt lifecycle event the way the dispatch thread does (never the API's id)."""
    sim = env.sim
    ctx = env.lifecycle_ctx(host)
    names = {"Started": "Started", "Paused": "Paused", "Resumed": "Resumed", "Stopped": "Stopped",
             "Migration completed": "Migration completed", "Postcopy started": "Postcopy started"}
    emitted = at(t, -sim.rng.uniform(0.0005, 0.004))
    saved = sim.phase, sim.part
    if state == "Stopped":
        emitted = at(t, -15.0)
        # nova holds STOPPED back 15 s on purpose: never a move's own step
        sim.phase, sim.part = "", "delayed"
    stamp = f"{emitted.timestamp():.7f}".rstrip("0")
    sim.emit(t, host, "n-cpu", "DEBUG", "nova.virt.driver",
             f"Emitting event <LifecycleEvent: {stamp}, {inst} => {names[state]}>", ctx, site=sites.DRV_EMIT)
    sim.emit(at(t, 0.0008), host, "n-cpu", "INFO", "nova.compute.manager", f"VM {state} (Lifecycle Event)", ctx,
             inst=inst)
    if binding:
        sim.emit(at(t, 0.004), host, "n-cpu", "DEBUG", "nova.compute.manager",
                 f"Binding ports to destination host: {peer}",
                 ctx, inst=inst, site=sites.CM_BINDING)
    if migrating and state in ("Paused", "Resumed", "Postcopy started", "Migration completed"):
        pw = {"Paused": 3, "Resumed": 1, "Postcopy started": 3, "Migration completed": 3}[state]
        sim.emit(at(t, 0.06), host, "n-cpu", "DEBUG", "nova.compute.manager",
                 f'Synchronizing instance power state after lifecycle event "{state}"; current vm_state: active, '
                 f"current task_state: migrating, current DB power_state: 1, VM power_state: {pw}",
                 ctx, inst=inst, site=sites.CM_SYNC)
        sim.emit(at(t, 0.09), host, "n-cpu", "INFO", "nova.compute.manager",
                 "During sync_power_state the instance has a pending task (migrating). Skip.", ctx, inst=inst)
    sim.phase, sim.part = saved


def _physics_line(spec: LiveSpec, offset: float, total: int) -> tuple[int, int]:
    """Return (processed, remaining) bytes `offset` seconds into the job under the spec's physics.

    Linear and exact, so that the generator's own numbers are the truth a
    reader must recover: processed = bandwidth × t; remaining = start +
    (dirty − bandwidth) × t, kept between 1 MiB and the guest's memory.
    """
    assert spec.bandwidth_mib_s is not None
    processed = int(spec.bandwidth_mib_s * offset * MIB)
    remaining = int((spec.start_remaining_mib + (spec.dirty_mib_s - spec.bandwidth_mib_s) * offset) * MIB)
    return processed, min(max(remaining, MIB), total)


def _progress(env: Env, t_start: datetime, spec: LiveSpec, ctx: Ctx) -> tuple[datetime, datetime | None]:
    """Log the monitor's progress lines; return (end of job, post-copy switch time or None)."""
    sim, rel = env.sim, env.sim.release
    if rel.progress == "none":
        return at(t_start, spec.duration), None
    if spec.bandwidth_mib_s is not None:
        return _physics_progress(env, t_start, spec, ctx)
    total = spec.mem_mb * 1024 * 1024 + 8 * 1024 * 1024
    disk_total = spec.disk_gb * GIB if spec.block else 0
    processed = 0
    remaining = total
    watermark = total
    post_copy_at = None
    n = 0
    elapsed = 0.0
    stuck = spec.outcome == "timeout" or spec.force_complete_after is not None
    while True:
        n += 10
        elapsed = n / 2
        if elapsed >= spec.duration:
            break
        frac = elapsed / spec.duration
        if stuck:
            # a guest dirtying memory faster than the link: remaining oscillates, never converges
            remaining = int(total * (0.31 + 0.09 * ((n * 7919) % 13) / 13))
            processed += int(sim.rng.uniform(0.55, 0.62) * GIB * 5)
        else:
            remaining = max(int(total * (1 - frac) ** 1.6), 1_300_000)
            processed = total - remaining + int(total * 0.08 * frac)
        pct = remaining * 100 // total
        t = at(t_start, elapsed + sim.rng.uniform(0.0, 0.08))
        level = "INFO" if n % 60 == 0 else "DEBUG"
        secs = int(elapsed)
        if rel.progress == "queens":
            msg = (f"Migration running for {secs} secs, memory {pct}% remaining; (bytes processed={processed}, "
                   f"remaining={remaining}, total={total})")
        else:
            d_rem = int(disk_total * max(0.0, 1 - frac * 1.4)) if disk_total else 0
            d_pct = (d_rem * 100 // disk_total) if disk_total else 100
            d_proc = disk_total - d_rem
            if disk_total and d_rem > 0:
                pct = 100
                remaining, processed = total, 0
            # a block migration copies the disks first: those lines are the disk_copy phase
            sim.phase = "disk_copy" if disk_total and d_rem > 0 else "memory_copy"
            msg = (f"Migration running for {secs} secs, memory {pct}% remaining (bytes processed={processed}, "
                   f"remaining={remaining}, total={total}); disk {d_pct}% remaining (bytes processed={d_proc}, "
                   f"remaining={d_rem}, total={disk_total}).")
        sim.emit(t, spec.src, "n-cpu", level, "nova.virt.libvirt.driver", msg, ctx, inst=spec.inst,
                 site=sites.LV_PROGRESS if level == "DEBUG" else None)
        if rel.progress == "queens" and remaining > watermark and level == "INFO":
            sim.emit(at(t, 0.0004), spec.src, "n-cpu", level, "nova.virt.libvirt.driver",
                     f"Data remaining {remaining} bytes, low watermark {watermark} bytes {int(elapsed) - 5} seconds ago",
                     ctx, inst=spec.inst, site=sites.LV_DATA_REMAINING if level == "DEBUG" else None)
        watermark = min(watermark, remaining)
        if spec.force_complete_after is not None and elapsed >= spec.force_complete_after and post_copy_at is None:
            post_copy_at = _force_complete(env, at(t, 0.3), spec, ctx)
            spec.duration = elapsed + 22.0
            stuck = False
    sim.phase = "memory_copy"
    return at(t_start, spec.duration + sim.rng.uniform(0.1, 0.4)), post_copy_at


def _physics_progress(env: Env, t_start: datetime, spec: LiveSpec, ctx: Ctx) -> tuple[datetime, datetime | None]:
    """Progress lines of the physics model (Queens wording, every 5 s; see `_physics_line`)."""
    sim = env.sim
    if sim.release.progress != "queens":
        raise ValueError("the physics model writes Queens-era progress lines only")
    total = spec.mem_mb * MIB
    n = 0
    while True:
        n += 10
        elapsed = n / 2
        if elapsed >= spec.duration:
            break
        offset = elapsed + sim.rng.uniform(0.0, 0.08)
        processed, remaining = _physics_line(spec, offset, total)
        level = "INFO" if n % 60 == 0 else "DEBUG"
        sim.emit(at(t_start, offset), spec.src, "n-cpu", level, "nova.virt.libvirt.driver",
                 f"Migration running for {int(elapsed)} secs, memory {remaining * 100 // total}% remaining; "
                 f"(bytes processed={processed}, remaining={remaining}, total={total})", ctx, inst=spec.inst,
                 site=sites.LV_PROGRESS if level == "DEBUG" else None)
    return at(t_start, spec.duration + sim.rng.uniform(0.1, 0.4)), None


def _force_complete(env: Env, t: datetime, spec: LiveSpec, src_ctx: Ctx) -> datetime:
    """The admin forces completion: API call, then the monitor switches to post-copy."""
    sim = env.sim
    assert spec.force_req is not None
    ctx = env.user(spec.force_req)
    mig_id = 14
    url = f"{api.path_prefix(env)}/servers/{spec.inst}/migrations/{mig_id}/action"
    api.action(env, t, ctx, spec.inst, "force_complete", '{"force_complete": null}')
    sim.emit(at(t, 0.02), env.controller, "n-api", "DEBUG", "nova.compute.api",
             "Going to try to force live migration to complete", ctx, inst=spec.inst, site=sites.API_FORCE,
             pid=api._worker(env, ctx))
    api.access(env, t, ctx, "POST", url, 202, 0, sim.rng.uniform(0.09, 0.2), microversion="2.90")
    t_switch = at(t, sim.rng.uniform(1.2, 4.5))
    sim.emit(t_switch, spec.src, "n-cpu", "INFO", "nova.virt.libvirt.migration", "Switching to post-copy migration mode",
             src_ctx, inst=spec.inst)
    return at(t_switch, sim.rng.uniform(0.05, 0.12))


def _rollback(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, src_ctx: Ctx, *, dest_guest: bool) -> datetime:
    """Log _rollback_live_migration on SRC and the destination clean-up."""
    sim, era = env.sim, env.sim.release.era
    sim.phase = "rollback"
    if era in ("zed", "caracal"):
        sim.emit(t, spec.src, "n-cpu", "DEBUG", "nova.compute.manager", "Calling destination to drop move claim.",
                 src_ctx, inst=spec.inst, site=sites.CM_DROP_CLAIM)
        sim.emit(at(t, 0.05), spec.dst, "n-cpu", "DEBUG", "nova.compute.manager",
                 f"Dropping live migration resource claim on destination node {spec.dst}", ctx, inst=spec.inst,
                 site=sites.CM_DROP_CLAIM_DEST)
        t = at(t, 0.1)
    t = at(t, sim.rng.uniform(0.4, 0.9))
    if dest_guest:
        sim.emit(t, spec.dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "During wait destroy, instance disappeared.",
                 ctx, inst=spec.inst, site=sites.LV_WAIT_DESTROY)
        sim.emit(at(t, 0.001), spec.dst, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.",
                 ctx, inst=spec.inst)
    t = at(t, sim.rng.uniform(0.3, 0.8))
    if era != "kilo":
        sim.emit(t, spec.src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Live migration monitoring is all done",
                 src_ctx, inst=spec.inst, site=sites.LV_MON_DONE)
    return t


def _libvirt_error(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, src_ctx: Ctx, truth: Truth) -> Truth:
    sim = env.sim
    truth.status = "failed"
    t = at(t, sim.rng.uniform(0.08, 0.4))
    sim.emit(t, spec.src, "n-cpu", "ERROR", "nova.virt.libvirt.driver", f"Live Migration failure: {spec.libvirt_error}",
             src_ctx, inst=spec.inst, summary=f"{traces.libvirt_error_class(sim.release)}: {spec.libvirt_error}")
    if sim.release.era in ("zed", "caracal"):
        sim.emit(at(t, 0.001), spec.src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
                 "Migration operation thread has finished", src_ctx, inst=spec.inst, site=sites.LV_THREAD_DONE)
    t = at(t, sim.rng.uniform(0.25, 0.5))
    if sim.release.era != "kilo":
        sim.emit(t, spec.src, "n-cpu", "DEBUG", "nova.virt.libvirt.migration", "VM running on src, migration failed",
                 src_ctx, inst=spec.inst, site=sites.MIG_FIND_JOB)
        sim.phase = "rollback"
        sim.emit(at(t, 0.001), spec.src, "n-cpu", "ERROR", "nova.virt.libvirt.driver", "Migration operation has aborted",
                 src_ctx, inst=spec.inst)
    _rollback(env, at(t, 0.01), spec, ctx, src_ctx, dest_guest=True)
    return truth


def _timeout(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, src_ctx: Ctx, truth: Truth) -> Truth:
    sim = env.sim
    truth.status = "failed"
    limit = 800 * max(2, spec.mem_mb // 1024)
    sim.emit(t, spec.src, "n-cpu", "WARNING", "nova.virt.libvirt.migration", f"Live migration not completed after {limit} sec",
             src_ctx, inst=spec.inst)
    t = at(t, sim.rng.uniform(0.3, 0.6))
    text = "operation aborted: migration job: canceled by client"
    sim.emit(t, spec.src, "n-cpu", "ERROR", "nova.virt.libvirt.driver", f"Live Migration failure: {text}", src_ctx,
             inst=spec.inst, summary=f"{traces.libvirt_error_class(sim.release)}: {text}")
    t = at(t, sim.rng.uniform(0.2, 0.5))
    sim.emit(t, spec.src, "n-cpu", "DEBUG", "nova.virt.libvirt.migration", "VM running on src, migration failed",
             src_ctx, inst=spec.inst, site=sites.MIG_FIND_JOB)
    sim.phase = "rollback"
    sim.emit(at(t, 0.001), spec.src, "n-cpu", "ERROR", "nova.virt.libvirt.driver", "Migration operation has aborted",
             src_ctx, inst=spec.inst)
    _rollback(env, at(t, 0.01), spec, ctx, src_ctx, dest_guest=True)
    return truth


def _cpu_failure(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, truth: Truth) -> Truth:
    """DST _compare_cpu rejects the guest CPU; forced host, so the conductor gives up (≤ Train text)."""
    sim = env.sim
    truth.status = "failed"
    # nothing in any log names the source for this move (the source compute is never called), and
    # with block_migration "auto" nova never got as far as deciding: the logs' truth is "unknown"
    truth.source_host = None  # type: ignore[assignment]
    truth.block_migration = None
    truth.unknown = {
        "source_host": "the source compute is never called (forced host rejected by the destination's "
                       "CPU check) and no line names it",
        "block_migration": "block_migration was 'auto' and nova failed before resolving it",
    }
    u = "http://libvirt.org/html/libvirt-libvirt-host.html#virCPUCompareResult"
    text = f"CPU doesn't have compatibility.\n\n0\n\nRefer to {u}"
    sim.emit(t, spec.dst, "n-cpu", "ERROR", "nova.virt.libvirt.driver", text, ctx, inst=spec.inst)
    exc = f"Unacceptable CPU info: {text}"
    t = at(t, 0.004)
    tb = traces.rpc_server_tb(sim.release, "check_can_live_migrate_destination", [
        ("nova/compute/manager.py", 6181, "check_can_live_migrate_destination",
         "disk_over_commit)"),
        ("nova/virt/libvirt/driver.py", 6285, "check_can_live_migrate_destination",
         "self._compare_cpu(None, source_cpu_info, instance)"),
        ("nova/virt/libvirt/driver.py", 6940, "_compare_cpu",
         "raise exception.InvalidCPUInfo(reason=m % {'ret': ret, 'u': u})"),
    ], "nova.exception.InvalidCPUInfo", exc)
    sim.emit(t, spec.dst, "n-cpu", "ERROR", "oslo_messaging.rpc.server", "Exception during message handling", ctx,
             tb=tb, summary="nova.exception.InvalidCPUInfo: Unacceptable CPU info: CPU doesn't have compatibility.")
    t = at(t, sim.rng.uniform(0.05, 0.1))
    remote = traces.remote_tb_text(tb)
    sim.emit(t, env.controller, "n-cond", "WARNING", "nova.scheduler.utils",
             f"Failed to compute_task_migrate_server: {exc}\n{remote}", ctx,
             summary="nova.exception_Remote.InvalidCPUInfo_Remote: Unacceptable CPU info: CPU doesn't have compatibility.")
    # the conductor task's rollback(): allocations reverted, instance back to ACTIVE
    sim.phase = "rollback"
    sim.emit(at(t, 0.002), env.controller, "n-cond", "WARNING", "nova.scheduler.utils", "Setting instance to ACTIVE state.",
             ctx, inst=spec.inst,
             summary="nova.exception_Remote.InvalidCPUInfo_Remote: Unacceptable CPU info: CPU doesn't have compatibility.")
    ctb = traces.conductor_cast_tb(sim.release, "nova.exception_Remote.InvalidCPUInfo_Remote", f"{exc}\n{remote}")
    sim.emit(at(t, 0.03), env.controller, "n-cond", "ERROR", "oslo_messaging.rpc.server",
             "Exception during message handling", ctx, tb=ctb,
             summary="nova.exception_Remote.InvalidCPUInfo_Remote: Unacceptable CPU info: CPU doesn't have compatibility.")
    return truth


def _pre_live_iscsi(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, truth: Truth) -> Truth:
    """Kilo: DST iscsiadm --rescan exits 21, pre_live_migration fails, SRC rolls back."""
    sim = env.sim
    truth.status = "failed"
    iqn = "iqn.2010-10.org.openstack:volume-" + spec.port
    portal = "198.51.100.20:3260"
    rw = "sudo nova-rootwrap /etc/nova/rootwrap.conf "
    cmds = [
        (f"iscsiadm -m node -T {iqn} -p {portal}", 0, 0.011),
        ("iscsiadm -m session", 0, 0.008),
        (f"iscsiadm -m node -T {iqn} -p {portal} --login", 255, 0.092),
        (f"iscsiadm -m node -T {iqn} -p {portal} --op update -n node.startup -v automatic", 0, 0.010),
        (f"iscsiadm -m node -T {iqn} -p {portal} --rescan", 21, 0.009),
    ]
    for cmd, rc, dur in cmds:
        t = at(t, sim.rng.uniform(0.01, 0.05))
        sim.emit(t, spec.dst, "n-cpu", "DEBUG", "oslo_concurrency.processutils", f"Running cmd (subprocess): {rw}{cmd}",
                 ctx, site=sites.CMD_RUN)
        t = at(t, dur)
        sim.emit(t, spec.dst, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
                 f'CMD "{rw}{cmd}" returned: {rc} in {dur:.3f}s', ctx, site=sites.CMD_RET)
        if rc == 0 and "--rescan" not in cmd:
            out = "" if "session" not in cmd else f"tcp: [1] {portal},1 iqn.2010-10.org.openstack:volume-7d1c2a35-5a1e-4f6e-a8a8-0f5b7a4f2c19 (non-flash)\\n"
            sim.emit(at(t, 0.001), spec.dst, "n-cpu", "DEBUG", "nova.virt.libvirt.volume",
                     f"iscsiadm {cmd.split(' -p ')[-1].split(' ', 1)[-1] if '--op' in cmd else '()'}: stdout={out} stderr=",
                     ctx, site=sites.LV_ISCSIADM)
    exc_text = (f"Unexpected error while running command.\nCommand: {rw}iscsiadm -m node -T {iqn} -p {portal} --rescan\n"
                f"Exit code: 21\nStdout: u''\nStderr: u'iscsiadm: No session found.\\n'")
    dst_tb = traces.kilo_pre_live_dst_tb(exc_text)
    t = at(t, 0.006)
    sim.emit(t, spec.dst, "n-cpu", "ERROR", "oslo_messaging.rpc.dispatcher",
             f"Exception during message handling: {exc_text}", ctx, tb=dst_tb)
    t = at(t, sim.rng.uniform(0.02, 0.06))
    remote = "Remote error: ProcessExecutionError " + exc_text + "\n" + traces.remote_tb_text(dst_tb, py2=True) + "."
    src_tb = traces.kilo_pre_live_src_tb(remote)
    sim.emit(t, spec.src, "n-cpu", "ERROR", "nova.compute.manager", f"Pre live migration failed at {spec.dst}", ctx,
             inst=spec.inst, tb=src_tb)
    t = at(t, sim.rng.uniform(0.2, 0.5))
    sim.phase = "rollback"
    sim.emit(t, spec.dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "During wait destroy, instance disappeared.",
             ctx, inst=spec.inst, site=sites.LV_WAIT_DESTROY)
    sim.emit(at(t, 0.001), spec.dst, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.",
             ctx, inst=spec.inst)
    t = at(t, sim.rng.uniform(0.5, 1.2))
    sim.emit(t, spec.src, "n-cpu", "ERROR", "oslo_messaging.rpc.dispatcher", f"Exception during message handling: {remote}",
             ctx, tb=traces.kilo_src_dispatch_tb(remote))
    return truth


def _precheck_shared(env: Env, t: datetime, spec: LiveSpec, ctx: Ctx, truth: Truth) -> Truth:
    """Scheduler path, block_migration=false on local disks: every candidate's check fails at the source.

    The destination's check_can_live_migrate_destination calls the source's
    check_can_live_migrate_source, which raises InvalidSharedStorage; both RPC
    servers log it, the conductor skips the host (DEBUG) and asks the scheduler
    again, until no host is left: NoValidHost, instance back to ACTIVE, and the
    re-raise out of the live_migrate_instance cast.
    """
    from tools.samplegen import sched

    sim, rel = env.sim, env.sim.release
    src, inst = spec.src, spec.inst
    truth.status = "failed"
    truth.dest_host = None
    text = (f"{src} is not on shared storage: Shared storage live-migration requires either shared storage or "
            "boot-from-volume with no local disks.")
    candidates = [c for c in env.computes if c != src]
    for i, cand in enumerate(candidates):
        t = sched.schedule(env, t, ctx, inst, candidates[i:], cand)
        t = at(t, sim.rng.uniform(0.05, 0.12))
        sim.emit(t, cand, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "cpu compare xml: " + traces.CPU_XML, ctx,
                 inst=inst, site=sites.LV_CPU_XML)
        tmp = f"tmp{sim.rng.getrandbits(32):08x}"[:11]
        t = at(t, 0.012)
        sim.emit(t, cand, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
                 f"Creating tmpfile /var/lib/nova/instances/{tmp} to notify to other compute nodes that they should "
                 "mount the same storage.", ctx, inst=inst, site=sites.LV_TMPFILE)
        t = at(t, sim.rng.uniform(0.04, 0.09))
        sim.emit(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver",
                 f"Check if temp file /var/lib/nova/instances/{tmp} exists to indicate shared storage is being used "
                 "for migration. Exists? False", ctx, inst=inst, site=sites.LV_CHECK_TMP)
        src_tb = traces.rpc_server_tb(rel, "check_can_live_migrate_source", traces.SHARED_STORAGE_SRC_FRAMES,
                                      "nova.exception.InvalidSharedStorage", text)
        t = at(t, 0.004)
        sim.emit(t, src, "n-cpu", "ERROR", "oslo_messaging.rpc.server", "Exception during message handling", ctx,
                 tb=src_tb, summary=f"nova.exception.InvalidSharedStorage: {text}")
        remote = traces.remote_tb_text(src_tb)
        dst_tb = traces.rpc_server_tb(rel, "check_can_live_migrate_destination", traces.SHARED_STORAGE_DST_FRAMES,
                                      "nova.exception_Remote.InvalidSharedStorage_Remote", f"{text}\n{remote}")
        t = at(t, sim.rng.uniform(0.01, 0.03))
        sim.emit(t, cand, "n-cpu", "ERROR", "oslo_messaging.rpc.server", "Exception during message handling", ctx,
                 tb=dst_tb, summary=f"nova.exception_Remote.InvalidSharedStorage_Remote: {text}")
        t = at(t, sim.rng.uniform(0.02, 0.05))
        sim.emit(t, env.controller, "n-cond", "DEBUG", "nova.conductor.tasks.live_migrate",
                 f"Skipping host: {cand} because: {text}\n{remote}", ctx, site=sites.COND_SKIP)
        t = at(t, 0.03)
    # the scheduler again, every candidate now ignored
    sim.emit(t, env.controller, "n-sch", "DEBUG", "nova.scheduler.manager", f"Starting to schedule for instances: ['{inst}']",
             ctx, site=sites.SCH_START)
    t = at(t, sim.rng.uniform(0.06, 0.1))
    sim.emit(t, env.controller, "n-sch", "DEBUG", "nova.scheduler.host_manager",
             f"Host filter ignoring hosts: {', '.join(candidates)}", ctx, site=sites.SCH_HOSTSTATE)
    sim.emit(at(t, 0.001), env.controller, "n-sch", "INFO", "nova.filters",
             f"Filtering removed all hosts for the request with instance ID '{inst}'. Filter results: "
             "['ComputeFilter: (start: 0, end: 0)']", ctx)
    t = at(t, sim.rng.uniform(0.02, 0.05))
    nvh = "No valid host was found. There are not enough hosts available."
    remote = traces.remote_tb_text(traces.frames_tb(rel, traces.NO_VALID_HOST_SCHED_FRAMES,
                                                    "nova.exception.NoValidHost", nvh))
    summary = f"nova.exception_Remote.NoValidHost_Remote: {nvh}"
    sim.emit(t, env.controller, "n-cond", "WARNING", "nova.scheduler.utils",
             f"Failed to compute_task_migrate_server: {nvh}\n{remote}", ctx, summary=summary)
    sim.phase = "rollback"
    sim.emit(at(t, 0.002), env.controller, "n-cond", "WARNING", "nova.scheduler.utils", "Setting instance to ACTIVE state.",
             ctx, inst=inst, summary=summary)
    ctb = traces.frames_tb(rel, traces.LIVE_FIND_DESTINATION_COND_FRAMES, "nova.exception_Remote.NoValidHost_Remote",
                           f"{nvh}\n{remote}")
    sim.emit(at(t, 0.04), env.controller, "n-cond", "ERROR", "oslo_messaging.rpc.server",
             "Exception during message handling", ctx, tb=ctb, summary=summary)
    return truth
