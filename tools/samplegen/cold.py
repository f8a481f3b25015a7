"""Cold migration and resize (prep_resize → resize_instance → finish_resize), confirm, revert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tools.samplegen import api, sched, sites, traces
from tools.samplegen.core import Ctx, at
from tools.samplegen.env import Env, Truth, move


@dataclass
class ColdSpec:
    """One cold migration or resize request and how it ends."""

    inst: str
    name: str
    src: str
    dst: str
    req: str
    global_id: str | None = None
    new_flavor: str | None = None  # None = cold migration
    old_flavor: str = "m1.small"
    #: confirm | revert | auto-confirm | ssh-fail | rbd-eperm | none
    outcome: str = "confirm"
    #: host the scheduler picks first although it is the source (UnableToMigrateToSelf)
    self_first: bool = False
    finish_req: str | None = None
    finish_after: float = 60.0
    rbd: bool = False
    findings: list[str] = field(default_factory=list)
    story: str = ""


@move
def cold_migration(env: Env, t0: datetime, spec: ColdSpec) -> Truth:
    """Emit one cold migration / resize and return its ground truth."""
    sim, rel = env.sim, env.sim.release
    era = rel.era
    E = sim.emit
    ctx = env.user(spec.req, spec.global_id)
    src, dst, inst = spec.src, spec.dst, spec.inst
    kind = "resize" if spec.new_flavor else "migration"
    truth = Truth(kind, inst, spec.name, [spec.req], src, dst, "completed", findings=list(spec.findings),
                  story=spec.story)
    mig_uuid = sim.uuid()

    if spec.new_flavor:
        body = '{"resize": {"flavorRef": "%s"}}' % {"m1.medium": "3", "m1.large": "4"}[spec.new_flavor]
        extra = [(0.03, "DEBUG", f"Old instance type {spec.old_flavor}, new instance type {spec.new_flavor}", sites.API_OLD_NEW)]
        verb = "resize"
    else:
        body = '{"migrate": null}'
        extra = [(0.02, "DEBUG", "flavor_id is None. Assuming migration.", sites.API_FLAVOR_NONE),
                 (0.03, "DEBUG", f"Old instance type {spec.old_flavor}, new instance type {spec.old_flavor}", sites.API_OLD_NEW)]
        verb = "migrate"
    api.action(env, t0, ctx, inst, verb, body)
    for off, level, text, site in extra:
        E(at(t0, off), env.controller, "n-api", level, "nova.compute.api", text, ctx, inst=inst, site=site,
          pid=api._worker(env, ctx))
    sync = era in ("kilo", "queens")  # the API casts to the conductor only since Ussuri

    t = at(t0, 0.12)
    sim.phase = "scheduling"
    sched.created_allocations(env, t, ctx, mig_uuid, src)
    sched.requesting_cell(env, at(t, 0.03), ctx, inst, "migrating")
    cands = list(env.computes) if spec.self_first else [c for c in env.computes if c != src]
    first = src if spec.self_first else dst
    t = sched.schedule(env, at(t, 0.06), ctx, inst, cands, first)
    alternates = [c for c in cands if c != first]
    t = _prep_call(env, t, ctx, inst, first, alternates)
    sim.phase = "api"
    if sync:
        api.access(env, t0, ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 202, 0,
                   (t - t0).total_seconds() + 0.03, microversion="2.60")
    else:
        api.access(env, t0, ctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 202, 0,
                   sim.rng.uniform(0.15, 0.3), microversion="2.90")
    sim.phase = "scheduling"

    if spec.self_first:
        sim.phase = "prep_resize"
        t = _unable_to_migrate_to_self(env, at(t, 0.08), spec, ctx, alternates)
        t = at(t, 0.05)
        sim.phase = "scheduling"
        sched.requesting_cell(env, t, ctx, inst, "migrating")
        cands2 = [c for c in env.computes if c != src]
        t = sched.schedule(env, at(t, 0.05), ctx, inst, cands2, dst, retried=[src])
        t = _prep_call(env, t, ctx, inst, dst, [c for c in cands2 if c != dst])

    # ---- destination: prep_resize -------------------------------------------
    sim.phase = "prep_resize"
    t = at(t, sim.rng.uniform(0.05, 0.15))
    E(t, dst, "n-cpu", "DEBUG", "nova.compute.manager", "Stashing vm_state: active", ctx, inst=inst, site=sites.CM_STASH)
    t = at(t, 0.06)
    E(t, dst, "n-cpu", "INFO", "nova.compute.claims", f"Claim successful on node {dst}", ctx, inst=inst)
    t = at(t, sim.rng.uniform(0.1, 0.3))
    E(t, dst, "n-cpu", "INFO", "nova.compute.manager", "Migrating", ctx, inst=inst)

    # ---- source: resize_instance / migrate_disk_and_power_off ----------------
    sim.phase = "disk_copy_power_off"
    t = at(t, sim.rng.uniform(0.1, 0.25))
    E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Starting migrate_disk_and_power_off", ctx, inst=inst,
      site=sites.LV_MIGRATE_DISK)
    ip = env.ips[dst]
    base = f"/var/lib/nova/instances/{inst}"
    tmpf = f"/var/lib/nova/instances/{sim.uuid().replace('-', '')}.tmp"
    t = at(t, 0.02)
    E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.volume.remotefs", f"Creating file {tmpf} on remote host {ip}", ctx,
      site=sites.RFS_FILE)
    t, _rc = _cmd(env, t, src, ctx, f"ssh -o BatchMode=yes {ip} touch {tmpf}",
                 255 if spec.outcome == "ssh-fail" else 0, 0.04)
    if spec.outcome != "ssh-fail":
        t, _ = _cmd(env, t, src, ctx, f"ssh -o BatchMode=yes {ip} rm {tmpf}", 0, 0.03)
    t = at(t, 0.01)
    E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.volume.remotefs", f"Creating directory {base} on remote host {ip}",
      ctx, site=sites.RFS_DIR)
    if spec.outcome == "ssh-fail":
        return _ssh_fail(env, t, spec, ctx, truth, ip, base)
    t, _ = _cmd(env, t, src, ctx, f"ssh -o BatchMode=yes {ip} mkdir -p {base}", 0, 0.05)
    t = at(t, 0.02)
    t_down = E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Shutting down instance from state 1", ctx,
               inst=inst, site=sites.LV_SHUTTING)
    secs = sim.rng.randint(3, 9)
    t = at(t, secs + sim.rng.uniform(0.1, 0.9))
    E(t, src, "n-cpu", "INFO", "nova.virt.libvirt.driver", f"Instance shutdown successfully after {secs} seconds.",
      ctx, inst=inst)
    t = at(t, 0.3)
    E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "During wait destroy, instance disappeared.", ctx,
      inst=inst, site=sites.LV_WAIT_DESTROY)
    E(at(t, 0.001), src, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.", ctx, inst=inst)
    t = at(t, 0.1)
    if not spec.rbd:
        E(t, src, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
          f"Running cmd (subprocess): mv {base} {base}_resize", ctx, site=sites.CMD_RUN)
        t = at(t, 0.006)
        E(t, src, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
          f'CMD "mv {base} {base}_resize" returned: 0 in 0.005s', ctx, site=sites.CMD_RET)
        E(at(t, 0.003), src, "n-cpu", "DEBUG", "nova.virt.libvirt.volume.remotefs",
          f"Copying file {base}_resize/disk to {ip}:{base}/disk", ctx, site=sites.RFS_COPY)
        cp = sim.rng.uniform(9.0, 16.0)
        t, _ = _cmd(env, at(t, 0.004), src, ctx, f"scp -r {base}_resize/disk {ip}:{base}/disk", 0, cp)
        E(at(t, 0.003), src, "n-cpu", "DEBUG", "nova.virt.libvirt.volume.remotefs",
          f"Copying file {base}_resize/disk.info to {ip}:{base}/disk.info", ctx, site=sites.RFS_COPY)
        t, _ = _cmd(env, at(t, 0.004), src, ctx, f"scp -r {base}_resize/disk.info {ip}:{base}/disk.info", 0, 0.21)
    _stopped(env, at(t_down, secs + 15.4), src, inst)

    # ---- destination: finish_resize ----------------------------------------
    sim.phase = "finish"
    t = at(t, sim.rng.uniform(0.3, 0.7))
    E(t, dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Starting finish_migration", ctx, inst=inst,
      site=sites.LV_FINISH)
    if spec.outcome == "rbd-eperm":
        return _rbd_eperm(env, at(t, 0.5), spec, ctx, truth, mig_uuid)
    t = at(t, sim.rng.uniform(1.5, 3.0))
    from tools.samplegen.live import _lifecycle
    _lifecycle(env, t, dst, inst, "Started")
    t = at(t, sim.rng.uniform(0.4, 1.2))
    t_up = E(t, dst, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance running successfully.", ctx, inst=inst)
    truth.down_start, truth.down_end = t_down, t_up
    E(at(t, 0.01), dst, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "finish_migration finished successfully.", ctx,
      inst=inst, site=sites.LV_FINISH_DONE)

    # ---- confirm / revert ----------------------------------------------------
    if spec.outcome == "auto-confirm":
        return _auto_confirm(env, at(t, spec.finish_after), spec, truth, base)
    if spec.outcome == "none" or spec.finish_req is None:
        truth.status = "in-progress"
        return truth
    t = at(t, spec.finish_after)
    # confirm / revert act on the finished move later: follow-ups with their own times
    sim.part = "followup"
    sim.phase = "confirm" if spec.outcome == "confirm" else "revert"
    fctx = env.user(spec.finish_req, spec.global_id)
    truth.request_ids.append(spec.finish_req)
    if spec.outcome == "confirm":
        truth.status = "confirmed"
        api.action(env, t, fctx, inst, "confirmResize", '{"confirmResize": null}')
        api.access(env, t, fctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 204, 0,
                   sim.rng.uniform(0.1, 0.2), microversion="2.90")
        t = at(t, 0.3)
        E(t, src, "n-cpu", "DEBUG", "nova.compute.manager", f"Going to confirm migration {sim.rng.randint(21, 60)}",
          fctx, inst=inst, site=sites.CM_CONFIRM)
        t = at(t, 0.2)
        E(t, src, "n-cpu", "DEBUG", "oslo_concurrency.processutils", f"Running cmd (subprocess): rm -rf {base}_resize",
          fctx, site=sites.CMD_RUN)
        E(at(t, 0.03), src, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
          f'CMD "rm -rf {base}_resize" returned: 0 in 0.028s', fctx, site=sites.CMD_RET)
    else:
        truth.status = "reverted"
        api.action(env, t, fctx, inst, "revertResize", '{"revertResize": null}')
        api.access(env, t, fctx, "POST", f"{api.path_prefix(env)}/servers/{inst}/action", 202, 0,
                   sim.rng.uniform(0.1, 0.2), microversion="2.90")
        t = at(t, 0.4)
        t_down2 = E(t, dst, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance destroyed successfully.", fctx,
                    inst=inst)
        _stopped(env, at(t, 15.2), dst, inst)
        t = at(t, sim.rng.uniform(0.8, 1.5))
        E(t, src, "n-cpu", "INFO", "nova.compute.manager", "Updating instance to original state: 'active'", fctx, inst=inst)
        t = at(t, 0.05)
        E(t, src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "Starting finish_revert_migration", fctx, inst=inst,
          site=sites.LV_REVERT)
        t = at(t, sim.rng.uniform(1.5, 2.5))
        _lifecycle(env, t, src, inst, "Started")
        t = at(t, 0.8)
        t_up2 = E(t, src, "n-cpu", "INFO", "nova.virt.libvirt.driver", "Instance running successfully.", fctx,
                  inst=inst)
        truth.revert_down = (t_down2, t_up2)  # the revert's own outage: part of the downtime
        E(at(t, 0.01), src, "n-cpu", "DEBUG", "nova.virt.libvirt.driver", "finish_revert_migration finished successfully.",
          fctx, inst=inst, site=sites.LV_REVERT_DONE)
    return truth


def _prep_call(env: Env, t: datetime, ctx: Ctx, inst: str, host: str, alternates: list[str]) -> datetime:
    """Log the conductor handing the move to the selected host (alternates as (host, node))."""
    if env.sim.release.era == "kilo":
        return t
    alts = ", ".join(f"('{a}', '{a}')" for a in alternates)
    return env.sim.emit(t, env.controller, "n-cond", "DEBUG", "nova.conductor.tasks.migrate",
                        f"Calling prep_resize with selected host: {host}; Selected node: {host}; Alternates: [{alts}]",
                        ctx, inst=inst, site=sites.COND_PREP)


def _cmd(env: Env, t: datetime, host: str, ctx: Ctx, cmd: str, rc: int, dur: float) -> tuple[datetime, int]:
    sim = env.sim
    sim.emit(t, host, "n-cpu", "DEBUG", "oslo_concurrency.processutils", f"Running cmd (subprocess): {cmd}", ctx,
             site=sites.CMD_RUN)
    t = at(t, dur)
    sim.emit(t, host, "n-cpu", "DEBUG", "oslo_concurrency.processutils", f'CMD "{cmd}" returned: {rc} in {dur:.3f}s',
             ctx, site=sites.CMD_RET)
    if rc:
        sim.emit(at(t, 0.001), host, "n-cpu", "DEBUG", "oslo_concurrency.processutils", f"'{cmd}' failed. Not Retrying.",
                 ctx, site=sites.CMD_FAILED)
    return at(t, 0.002), rc


def _stopped(env: Env, t: datetime, host: str, inst: str) -> None:
    from tools.samplegen.live import _lifecycle
    _lifecycle(env, t, host, inst, "Stopped")


def _unable_to_migrate_to_self(env: Env, t: datetime, spec: ColdSpec, ctx: Ctx, alternates: list[str]) -> datetime:
    """DST == SRC: _prep_resize refuses, the compute reschedules (Queens wording)."""
    sim = env.sim
    src, inst = spec.src, spec.inst
    text = f"Unable to migrate instance ({inst}) to current host ({src})."
    sim.emit(t, src, "n-cpu", "DEBUG", "nova.compute.manager", "Re-scheduling resize_instance: attempt 1", ctx,
             inst=inst, site=sites.CM_RESCHED)
    tb = traces.frames_tb(sim.release, [
        ("nova/compute/manager.py", 4412, "prep_resize", "node, migration, clean_shutdown)"),
        ("nova/compute/manager.py", 4350, "_prep_resize", "instance_id=instance.uuid, host=self.host)"),
    ], "nova.exception.UnableToMigrateToSelf", text)
    t = at(t, 0.09)
    sim.emit(t, src, "n-cpu", "ERROR", "nova.compute.manager", f"Error: {text}", ctx, inst=inst, tb=tb,
             summary=f"nova.exception.UnableToMigrateToSelf: {text}")
    return at(t, 0.15)


def _ssh_fail(env: Env, t: datetime, spec: ColdSpec, ctx: Ctx, truth: Truth, ip: str, base: str) -> Truth:
    """mkdir over ssh fails (host key): InstanceFaultRollback, instance stays ACTIVE, migration error."""
    sim = env.sim
    truth.status = "failed"
    t, _ = _cmd(env, t, spec.src, ctx, f"ssh -o BatchMode=yes {ip} mkdir -p {base}", 255, 0.047)
    pe = (f"Unexpected error while running command.\nCommand: ssh -o BatchMode=yes {ip} mkdir -p {base}\n"
          f"Exit code: 255\nStdout: ''\nStderr: 'Host key verification failed.\\r\\n'")
    reason = f"Resize error: not able to execute ssh command: {pe}"
    msg = f"Setting instance back to active after: Instance rollback performed due to: {reason}"
    t = at(t, 0.004)
    sim.phase = "rollback"
    sim.emit(t, spec.src, "n-cpu", "INFO", "nova.compute.manager", msg, ctx, inst=spec.inst)
    frames = [
        ("nova/compute/manager.py", 5910, "resize_instance", "self._revert_allocation(context, instance, migration)"),
        ("oslo_utils/excutils.py", 227, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 200, "force_reraise", "raise self.value"),
        ("nova/compute/manager.py", 5907, "resize_instance", "self._resize_instance(context, instance, image, migration,"),
        ("nova/compute/manager.py", 5965, "_resize_instance", "disk_info = self.driver.migrate_disk_and_power_off("),
        ("nova/virt/libvirt/driver.py", 11236, "migrate_disk_and_power_off", "raise exception.InstanceFaultRollback("),
    ]
    tb = traces.rpc_server_tb(sim.release, "resize_instance", frames, "nova.exception.InstanceFaultRollback",
                              f"Instance rollback performed due to: {reason}")
    # the chained exception that caused the rollback comes first in Python 3 output
    cause = traces.frames_tb(sim.release, [
        ("nova/virt/libvirt/driver.py", 11230, "migrate_disk_and_power_off", "self._remotefs.create_dir(dest, inst_base)"),
        ("nova/virt/libvirt/volume/remotefs.py", 95, "create_dir", "self.driver.create_dir(host, dst_path,"),
        ("nova/virt/libvirt/volume/remotefs.py", 203, "create_dir", "processutils.execute('ssh', '-o', 'BatchMode=yes',"),
        ("oslo_concurrency/processutils.py", 438, "execute", "raise ProcessExecutionError(exit_code=_returncode,"),
    ], "oslo_concurrency.processutils.ProcessExecutionError", pe)
    cause += ["", "During handling of the above exception, another exception occurred:", ""]
    cause2 = traces.frames_tb(sim.release, [
        ("nova/virt/libvirt/driver.py", 11233, "migrate_disk_and_power_off", "raise exception.InstanceFaultRollback("),
    ], "nova.exception.ResizeError", reason)
    full = cause + cause2 + ["", "During handling of the above exception, another exception occurred:", ""] + tb
    t = at(t, 0.03)
    sim.emit(t, spec.src, "n-cpu", "ERROR", "oslo_messaging.rpc.server", "Exception during message handling", ctx,
             tb=full, summary="nova.exception.InstanceFaultRollback: Instance rollback performed due to: Resize error: not able to execute ssh command: Unexpected error while running command.")
    return truth


def _rbd_eperm(env: Env, t: datetime, spec: ColdSpec, ctx: Ctx, truth: Truth, mig_uuid: str) -> Truth:
    """finish_migration on DST: QEMU cannot open the RBD disk (EPERM), guest start fails."""
    sim = env.sim
    truth.status = "failed"
    dst, inst = spec.dst, spec.inst
    stamp = at(t, 0.4).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    err = (f"internal error: process exited while connecting to monitor: {stamp} qemu-system-x86_64: -drive "
           f"file=rbd:vms/{inst}_disk:id=nova:auth_supported=cephx\\;none:mon_host=198.51.100.31\\:6789\\;"
           f"198.51.100.32\\:6789\\;198.51.100.33\\:6789,file.password-secret=virtio-disk0-secret0,format=raw,"
           f"if=none,id=drive-virtio-disk0,cache=writeback,discard=unmap: error connecting: Operation not permitted")
    cls = traces.libvirt_error_class(sim.release)
    xml = _domain_xml(env, inst)
    t = at(t, 0.6)
    sim.emit(t, dst, "n-cpu", "ERROR", "nova.virt.libvirt.guest", f"Error launching a defined domain with XML: {xml}",
             ctx, summary=f"{cls}: {err}")
    t = at(t, 0.004)
    sim.emit(t, dst, "n-cpu", "ERROR", "nova.virt.libvirt.driver", "Failed to start libvirt guest", ctx, inst=inst,
             summary=f"{cls}: {err}")
    t = at(t, 0.6)
    sim.phase = "rollback"
    sim.emit(t, dst, "n-cpu", "INFO", "nova.compute.manager",
             f"Swapping old allocation on {env.rp[spec.src]} held by migration {mig_uuid} for instance", ctx, inst=inst)
    frames = [
        ("nova/compute/manager.py", 4581, "_finish_resize_helper", "request_spec)"),
        ("nova/compute/manager.py", 4545, "_finish_resize", "old_instance_type)"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/compute/manager.py", 4540, "_finish_resize", "block_device_info, power_on)"),
        ("nova/virt/libvirt/driver.py", 8457, "finish_migration", "vifs_already_plugged=True)"),
        ("nova/virt/libvirt/driver.py", 5744, "_create_domain_and_network", "destroy_disks_on_failure)"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/virt/libvirt/driver.py", 5713, "_create_domain_and_network", "post_xml_callback=post_xml_callback)"),
        ("nova/virt/libvirt/driver.py", 5647, "_create_domain", "guest.launch(pause=pause)"),
        ("nova/virt/libvirt/guest.py", 144, "launch", "self._encoded_xml, errors='ignore')"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/virt/libvirt/guest.py", 139, "launch", "return self._domain.createWithFlags(flags)"),
        ("eventlet/tpool.py", 186, "doit", "result = proxy_call(self._autowrap, f, *args, **kwargs)"),
        ("eventlet/tpool.py", 144, "proxy_call", "rv = execute(f, *args, **kwargs)"),
        ("eventlet/tpool.py", 125, "execute", "six.reraise(c, e, tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("eventlet/tpool.py", 83, "tworker", "rv = meth(*args, **kwargs)"),
        ("libvirt.py", 1099, "createWithFlags", "if ret == -1: raise libvirtError ('virDomainCreateWithFlags() failed', dom=self)"),
    ]
    tb = traces.frames_tb(sim.release, frames, cls, err)
    t = at(t, 0.05)
    sim.emit(t, dst, "n-cpu", "ERROR", "nova.compute.manager", "Setting instance vm_state to ERROR", ctx, inst=inst,
             tb=tb, summary=f"{cls}: {err}")
    rtb = traces.rpc_server_tb(sim.release, "finish_resize", [("nova/compute/utils.py", 976, "decorated_function", "return function(self, context, *args, **kwargs)"), ("nova/compute/manager.py", 4574, "finish_resize", "self._set_instance_obj_error_state(context, instance)"), ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"), ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"), ("six.py", 693, "reraise", "raise value"), ("nova/compute/manager.py", 4562, "finish_resize", "disk_info, image_meta)"), *frames], cls, err)
    sim.emit(at(t, 0.4), dst, "n-cpu", "ERROR", "oslo_messaging.rpc.server", "Exception during message handling", ctx,
             tb=rtb, summary=f"{cls}: {err}")
    return truth


def _domain_xml(env: Env, inst: str) -> str:
    sim = env.sim
    mac = "fa:16:3e:%02x:%02x:%02x" % (sim.rng.randrange(256), sim.rng.randrange(256), sim.rng.randrange(256))
    return f"""<domain type='kvm'>
  <name>instance-0000002c</name>
  <uuid>{inst}</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.0">
      <nova:package version="17.0.1"/>
      <nova:name>db-02</nova:name>
      <nova:flavor name="m1.small">
        <nova:memory>2048</nova:memory>
        <nova:disk>20</nova:disk>
        <nova:vcpus>1</nova:vcpus>
      </nova:flavor>
    </nova:instance>
  </metadata>
  <memory unit='KiB'>2097152</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-bionic'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='host-model' check='partial'>
    <model fallback='allow'/>
  </cpu>
  <devices>
    <emulator>/usr/bin/kvm-spice</emulator>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='writeback' discard='unmap'/>
      <auth username='nova'>
        <secret type='ceph' uuid='5b1a4d5e-3f0e-4c4e-9d8e-0b9b8f3c2a71'/>
      </auth>
      <source protocol='rbd' name='vms/{inst}_disk'>
        <host name='198.51.100.31' port='6789'/>
        <host name='198.51.100.32' port='6789'/>
        <host name='198.51.100.33' port='6789'/>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='{mac}'/>
      <source bridge='qbr{sim.uuid()[:11]}'/>
      <target dev='tap{sim.uuid()[:11]}'/>
      <model type='virtio'/>
      <mtu size='1450'/>
    </interface>
    <serial type='pty'>
      <log file='/var/lib/nova/instances/{inst}/console.log' append='off'/>
    </serial>
  </devices>
</domain>
"""


def _auto_confirm(env: Env, t: datetime, spec: ColdSpec, truth: Truth, base: str) -> Truth:
    """resize_confirm_window elapsed: the destination's periodic task confirms, the source cleans up.

    The confirmation runs under the destination's long-lived periodic context, so
    its request id is listed as optional: it is the id that confirmed the move,
    but it is also on every other periodic line of that host.
    """
    sim = env.sim
    sim.part, sim.phase = "followup", "confirm"
    pctx = env.periodic_ctx(spec.dst, "n-cpu")
    plog = "oslo_service.periodic_task"
    mig_id = sim.rng.randint(21, 60)
    sim.emit(t, spec.dst, "n-cpu", "DEBUG", plog, "Running periodic task ComputeManager._poll_unconfirmed_resizes",
             pctx, site=sites.PERIODIC)
    sim.emit(at(t, 0.03), spec.dst, "n-cpu", "INFO", "nova.compute.manager",
             "Found 1 unconfirmed migrations older than 600 seconds", pctx)
    sim.emit(at(t, 0.05), spec.dst, "n-cpu", "INFO", "nova.compute.manager",
             f"Automatically confirming migration {mig_id} for instance {spec.inst}", pctx)
    t = at(t, sim.rng.uniform(0.3, 0.6))
    sim.emit(t, spec.src, "n-cpu", "DEBUG", "nova.compute.manager", f"Going to confirm migration {mig_id}", pctx,
             inst=spec.inst, site=sites.CM_CONFIRM)
    t = at(t, 0.2)
    sim.emit(t, spec.src, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
             f"Running cmd (subprocess): rm -rf {base}_resize", pctx, site=sites.CMD_RUN)
    sim.emit(at(t, 0.03), spec.src, "n-cpu", "DEBUG", "oslo_concurrency.processutils",
             f'CMD "rm -rf {base}_resize" returned: 0 in 0.028s', pctx, site=sites.CMD_RET)
    truth.status = "confirmed"
    assert pctx.request_id is not None
    truth.request_ids_optional = [pctx.request_id]
    return truth
