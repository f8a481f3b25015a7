"""Generate big, deterministic, realistic nova logs for the benchmarks.

Two layouts:

* ``single`` (default): one Queens-era ``nova-compute.log`` of ``--lines N``
  lines, the way a busy compute host writes it: periodic tasks, the resource
  tracker, lock chatter, instance boots, about 2 % of lines in tracebacks, and
  a few live migrations (this host as source or destination) with request
  ids, ``[-]`` lifecycle lines and monitor progress lines.
* ``multi``: the same noise and migrations seen from five services on three
  hosts, laid out as collected from each host::

      DIR/controller/var/log/nova/nova-api.log
      DIR/controller/var/log/nova/nova-conductor.log
      DIR/controller/var/log/nova/nova-scheduler.log
      DIR/compute-1/var/log/nova/nova-compute.log
      DIR/compute-2/var/log/nova/nova-compute.log

  sized by ``--bytes`` (``1G``, ``200M`` …) or ``--lines`` (total).

Both write ``DIR/truth.json`` (the migrations generated: request id,
instance, source, destination, start, outcome), which migtrace skips when it
walks the directory.  The same arguments always give the same bytes.

Example: python benchmarks/gen_big_log.py --layout multi --bytes 1G --out benchmarks/_data/multi-1g
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

# ---------------------------------------------------------------- data

T0 = datetime(2018, 3, 1, 0, 0, 0, tzinfo=UTC)
SITE = "/usr/lib/python2.7/site-packages"
PID = {"n-api": 2911, "n-cond": 3120, "n-sch": 3377, "compute-1": 4521, "compute-2": 4630}
SERVICE_SHARE = {"n-api": 0.12, "n-cond": 0.08, "n-sch": 0.10, "compute-1": 0.35, "compute-2": 0.35}
FILES = {
    "n-api": "controller/var/log/nova/nova-api.log",
    "n-cond": "controller/var/log/nova/nova-conductor.log",
    "n-sch": "controller/var/log/nova/nova-scheduler.log",
    "compute-1": "compute-1/var/log/nova/nova-compute.log",
    "compute-2": "compute-2/var/log/nova/nova-compute.log",
}
PERIODIC_TASKS = (
    "ComputeManager._poll_unconfirmed_resizes", "ComputeManager._instance_usage_audit",
    "ComputeManager._poll_rebooting_instances", "ComputeManager._poll_volume_usage",
    "ComputeManager._sync_power_states", "ComputeManager._heal_instance_info_cache",
    "ComputeManager._reclaim_queued_deletes", "ComputeManager.update_available_resource",
    "ComputeManager._cleanup_running_deleted_instances", "ComputeManager._check_instance_build_time",
)
LIBVIRT_ERRORS = (
    "internal error: process exited while connecting to monitor: qemu-kvm: -drive file=/var/lib/nova/"
    "instances/%s/disk: Could not open backing file: Permission denied",
    "Requested operation is not valid: domain is already running",
    "Unable to create tap device tap%s: Device or resource busy",
)
#: mean seconds between two lines of one file
STEP = 0.2
#: share of boots that fail with a traceback: a compute log then has about 2 % traceback lines
FAILED_SPAWN = 0.03
#: share of conductor records that are RPC failures with a traceback
TRACEBACK_SHARE = 0.02


#: one line to write and the time it carries (lines are written in time order)
Rec = tuple[float, str]


@dataclass(frozen=True, slots=True)
class Truth:
    """One generated live migration, for the benchmarks to query."""

    request_id: str
    instance: str
    source: str
    dest: str
    started: str
    outcome: str


@dataclass(slots=True)
class _Stream:
    """One file being written: its clock, pid, randomness and the migration blocks it still owes."""

    role: str
    rng: random.Random
    pid: int
    host: str
    #: mean seconds between two noise records (files with fewer lines step faster)
    step: float = STEP
    clock: float = 0.0
    pending: list[tuple[float, Callable[[float], list[Rec]]]] = field(default_factory=list)


# ---------------------------------------------------------------- line helpers


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _ts(seconds: float) -> str:
    t = T0 + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def _ctx(req: str, user: str | None = None, project: str | None = None) -> str:
    if user is None:
        return f"[{req} - - - - -]"
    return f"[{req} {user} {project} - default default]"


def _line(s: _Stream, t: float, level: str, logger: str, ctx: str, msg: str, instance: str | None = None,
          where: str | None = None) -> Rec:
    inst = f"[instance: {instance}] " if instance else ""
    suffix = f" {where}" if level == "DEBUG" and where else ""
    return t, f"{_ts(t)} {s.pid} {level} {logger} {ctx} {inst}{msg}{suffix}"


def _traceback(s: _Stream, t: float, logger: str, instance: str | None, exc: str) -> list[Rec]:
    """An oslo.log exception block: every line repeats the ERROR prefix; the last is only the prefix."""
    prefix = f"{_ts(t)} {s.pid} ERROR {logger} " + (f"[instance: {instance}] " if instance else "")
    frames = s.rng.randint(3, 6)
    out = [prefix + "Traceback (most recent call last):"]
    for i in range(frames):
        mod = s.rng.choice(("compute/manager", "virt/libvirt/driver", "virt/libvirt/guest", "utils"))
        out.append(prefix + f'  File "{SITE}/nova/{mod}.py", line {s.rng.randint(100, 9000)}, in f{i}')
        out.append(prefix + "    return func(*args, **kwargs)")
    out.append(prefix + exc)
    out.append(prefix)
    return [(t, line) for line in out]


# ---------------------------------------------------------------- noise per role


def _compute_noise(s: _Stream) -> list[Rec]:
    r, t = s.rng, s.clock
    pick = r.random()
    periodic = _ctx("req-" + _uuid(r))
    if pick < 0.40:
        task = r.choice(PERIODIC_TASKS)
        return [_line(s, t, "DEBUG", "oslo_service.periodic_task", periodic, f"Running periodic task {task}",
                      where=f"run_periodic_tasks {SITE}/oslo_service/periodic_task.py:215")]
    if pick < 0.65:
        return [
            _line(s, t, "DEBUG", "oslo_concurrency.lockutils", periodic, 'Lock "compute_resources" acquired by '
                  '"nova.compute.resource_tracker._update_available_resource" :: waited 0.000s',
                  where=f"inner {SITE}/oslo_concurrency/lockutils.py:273"),
            _line(s, t + 0.01, "INFO", "nova.compute.resource_tracker", periodic,
                  f"Final resource view: name={s.host} phys_ram=257656MB used_ram={r.randint(4, 200) * 1024}MB "
                  f"phys_disk=1861GB used_disk={r.randint(20, 900)}GB total_vcpus=48 used_vcpus={r.randint(0, 48)} "
                  "pci_stats=[]"),
            _line(s, t + 0.02, "DEBUG", "nova.compute.resource_tracker", periodic,
                  f"Compute_service record updated for {s.host}:{s.host}.example.org",
                  where=f"_update_available_resource {SITE}/nova/compute/resource_tracker.py:780"),
            _line(s, t + 0.03, "DEBUG", "oslo_concurrency.lockutils", periodic, 'Lock "compute_resources" released '
                  'by "nova.compute.resource_tracker._update_available_resource" :: held 0.112s',
                  where=f"inner {SITE}/oslo_concurrency/lockutils.py:285"),
        ]
    if pick < 0.80:
        return _boot(s)
    return [_line(s, t, "DEBUG", "nova.compute.manager", periodic,
                  f"Triggering sync for uuid {_uuid(r)}",
                  where=f"_sync_power_states {SITE}/nova/compute/manager.py:7044")]


def _boot(s: _Stream) -> list[Rec]:
    r, t = s.rng, s.clock
    inst, req = _uuid(r), _ctx("req-" + _uuid(r), _hex(r), _hex(r))
    out = [
        _line(s, t, "INFO", "nova.compute.claims", req, f"Attempting claim on node {s.host}: memory 2048 MB, "
              "disk 20 GB, vcpus 2 CPU", inst),
        _line(s, t + 0.05, "INFO", "nova.compute.claims", req, f"Claim successful on node {s.host}", inst),
        _line(s, t + 0.9, "INFO", "nova.virt.libvirt.driver", req, "Creating image", inst),
    ]
    if r.random() < FAILED_SPAWN:
        exc = "libvirtError: " + r.choice(LIBVIRT_ERRORS).replace("%s", inst[:8])
        out.append(_line(s, t + 4, "ERROR", "nova.compute.manager", req, f"Instance failed to spawn: {exc}", inst))
        out.extend(_traceback(s, t + 4, "nova.compute.manager", inst, exc))
        return out
    spawn = r.uniform(5, 20)
    out += [
        _line(s, t + spawn - 1, "INFO", "nova.compute.manager", "[-]", "VM Started (Lifecycle Event)", inst),
        _line(s, t + spawn, "INFO", "nova.virt.libvirt.driver", "[-]", "Instance spawned successfully.", inst),
        _line(s, t + spawn, "INFO", "nova.compute.manager", req,
              f"Took {spawn - 1:.2f} seconds to spawn the instance on the hypervisor.", inst),
        _line(s, t + spawn + 0.2, "INFO", "nova.compute.manager", req, f"Took {spawn + 1.1:.2f} seconds to build "
              "instance.", inst),
    ]
    return out


def _api_noise(s: _Stream) -> list[Rec]:
    r, t = s.rng, s.clock
    req = _ctx("req-" + _uuid(r), _hex(r), _hex(r))
    path = r.choice(("/v2.1/servers/detail", "/v2.1/flavors/detail", f"/v2.1/servers/{_uuid(r)}",
                     "/v2.1/os-hypervisors/detail", "/v2.1/limits"))
    return [
        _line(s, t, "DEBUG", "nova.api.openstack.wsgi", req, "Calling method '<bound method "
              "ServersController.detail of <nova.api.openstack.compute.servers.ServersController object at "
              "0x7f3c2a1b9d50>>'", where=f"_process_stack {SITE}/nova/api/openstack/wsgi.py:607"),
        _line(s, t + r.uniform(0.01, 0.4), "INFO", "nova.osapi_compute.wsgi.server", req,
              f'10.0.0.{r.randint(2, 250)} "GET {path} HTTP/1.1" status: 200 len: {r.randint(200, 9000)} '
              f"time: {r.uniform(0.01, 0.5):.7f}"),
    ]


def _conductor_noise(s: _Stream) -> list[Rec]:
    r, t = s.rng, s.clock
    req = _ctx("req-" + _uuid(r), _hex(r), _hex(r))
    if r.random() < TRACEBACK_SHARE:
        exc = "MessagingTimeout: Timed out waiting for a reply to message ID " + _hex(r)
        return [_line(s, t, "ERROR", "oslo_messaging.rpc.server", req, "Exception during message handling"),
                *_traceback(s, t, "oslo_messaging.rpc.server", None, exc)]
    return [_line(s, t, "DEBUG", "nova.objects.instance", req, f"Lazy-loading 'flavor' on Instance uuid {_uuid(r)}",
                  where=f"obj_load_attr {SITE}/nova/objects/instance.py:1054")]


def _scheduler_noise(s: _Stream) -> list[Rec]:
    r, t = s.rng, s.clock
    periodic = _ctx("req-" + _uuid(r))
    host = r.choice(("compute-1", "compute-2"))
    return [_line(s, t, "DEBUG", "nova.scheduler.host_manager", periodic,
                  f"Successfully synced instances from host '{host}'.",
                  where=f"sync_instance_info {SITE}/nova/scheduler/host_manager.py:829")]


NOISE = {"n-api": _api_noise, "n-cond": _conductor_noise, "n-sch": _scheduler_noise,
         "compute-1": _compute_noise, "compute-2": _compute_noise, "single": _compute_noise}


# ---------------------------------------------------------------- migrations


def _migration_blocks(m: Truth, user: str, project: str, fail: bool, progress_steps: int
                      ) -> dict[str, Callable[[_Stream, float], list[Rec]]]:
    """The lines each service writes for one live migration, keyed by role (source/destination host)."""
    req = _ctx(m.request_id, user, project)
    inst = m.instance

    def api(s: _Stream, t: float) -> list[Rec]:
        return [
            _line(s, t, "DEBUG", "nova.api.openstack.wsgi", req, "Action: 'action', calling method: <bound method "
                  "MigrateServerController._migrate_live of <nova.api.openstack.compute.migrate_server."
                  "MigrateServerController object at 0x7f3c2a0d4e10>>, body: {\"os-migrateLive\": "
                  f"{{\"block_migration\": \"auto\", \"host\": \"{m.dest}\"}}}}",
                  where=f"_process_stack {SITE}/nova/api/openstack/wsgi.py:604"),
            _line(s, t + 0.05, "DEBUG", "nova.compute.api", req, f"Going to try to live migrate instance to {m.dest}",
                  inst, where=f"live_migrate {SITE}/nova/compute/api.py:4400"),
            _line(s, t + 0.3, "INFO", "nova.osapi_compute.wsgi.server", req,
                  f'10.0.0.5 "POST /v2.1/servers/{inst}/action HTTP/1.1" status: 202 len: 0 time: 0.3012011'),
        ]

    def conductor(s: _Stream, t: float) -> list[Rec]:
        return [
            _line(s, t + 0.4, "DEBUG", "nova.conductor.tasks.migrate", req, f"Created allocations for migration "
                  f"{_uuid(s.rng)} on {_uuid(s.rng)}", where=f"replace_allocation_with_migration {SITE}/nova/"
                  "conductor/tasks/migrate.py:61"),
            _line(s, t + 0.6, "DEBUG", "nova.conductor.tasks.live_migrate", req,
                  "Requesting cell 00000000-0000-0000-0000-000000000000 while live migrating", inst,
                  where=f"_find_destination {SITE}/nova/conductor/tasks/live_migrate.py:360"),
        ]

    def scheduler(s: _Stream, t: float) -> list[Rec]:
        return [
            _line(s, t + 0.7, "DEBUG", "nova.scheduler.manager", req, f"Starting to schedule for instances: ['{inst}']",
                  where=f"select_destinations {SITE}/nova/scheduler/manager.py:117"),
            _line(s, t + 0.8, "DEBUG", "nova.filters", req, "Filter RamFilter returned 1 host(s)",
                  where=f"get_filtered_objects {SITE}/nova/filters.py:104"),
            _line(s, t + 0.9, "DEBUG", "nova.scheduler.filter_scheduler", req, f"Selected host: ({m.dest}, {m.dest}) "
                  "ram: 200000MB disk: 900000MB io_ops: 0 instances: 3",
                  where=f"_consume_selected_host {SITE}/nova/scheduler/filter_scheduler.py:344"),
        ]

    def destination(s: _Stream, t: float) -> list[Rec]:
        out = [
            _line(s, t + 1.2, "DEBUG", "nova.compute.manager", req, "pre_live_migration data is "
                  "LibvirtLiveMigrateData(bdms=[],block_migration=False,is_shared_block_storage=True)", inst,
                  where=f"pre_live_migration {SITE}/nova/compute/manager.py:5800"),
            _line(s, t + 2.5, "INFO", "nova.compute.manager", "[-]", "VM Started (Lifecycle Event)", inst),
        ]
        if fail:
            return out
        end = t + 3 + 5 * progress_steps
        return [*out, _line(s, end + 0.6, "INFO", "nova.compute.manager", "[-]", "VM Resumed (Lifecycle Event)", inst), _line(s, end + 1.5, "INFO", "nova.compute.manager", req, "Post operation of migration started", inst)]

    def source(s: _Stream, t: float) -> list[Rec]:
        out = [
            _line(s, t + 2.0, "DEBUG", "nova.virt.libvirt.driver", req, "Starting monitoring of live migration", inst,
                  where=f"_live_migration {SITE}/nova/virt/libvirt/driver.py:7136"),
            _line(s, t + 2.1, "DEBUG", "nova.virt.libvirt.driver", req, "About to invoke the migrate API", inst,
                  where=f"_live_migration_operation {SITE}/nova/virt/libvirt/driver.py:6887"),
        ]
        total = 8589934592
        for i in range(1, progress_steps + 1):
            left = max(1, 100 - i * 100 // (progress_steps + 1))
            level = "INFO" if i % 6 == 0 else "DEBUG"
            out.append(_line(s, t + 2 + 5 * i, level, "nova.virt.libvirt.driver", req,
                             f"Migration running for {5 * i} secs, memory {left}% remaining; (bytes processed="
                             f"{total * (100 - left) // 100}, remaining={total * left // 100}, total={total})", inst,
                             where=f"_live_migration_monitor {SITE}/nova/virt/libvirt/driver.py:7062"))
        end = t + 3 + 5 * progress_steps
        if fail:
            exc = "libvirtError: operation failed: Lost connection to destination host"
            return [*out, _line(s, end, "ERROR", "nova.virt.libvirt.driver", req, f"Live Migration failure: {exc}", inst), _line(s, end + 0.1, "ERROR", "nova.virt.libvirt.driver", req, "Migration operation has aborted", inst), _line(s, end + 0.2, "DEBUG", "nova.virt.libvirt.driver", req, "Live migration monitoring is all done", inst, where=f"_live_migration {SITE}/nova/virt/libvirt/driver.py:7155")]
        return [*out, _line(s, end, "INFO", "nova.compute.manager", "[-]", "VM Paused (Lifecycle Event)", inst), _line(s, end + 1.0, "INFO", "nova.virt.libvirt.driver", req, "Migration operation has completed", inst), _line(s, end + 1.1, "INFO", "nova.compute.manager", req, "_post_live_migration() is started..", inst), _line(s, end + 3.0, "INFO", "nova.compute.manager", req, f"Migrating instance to {m.dest} finished successfully.", inst), _line(s, end + 18.0, "INFO", "nova.compute.manager", "[-]", "VM Stopped (Lifecycle Event)", inst)]

    return {"n-api": api, "n-cond": conductor, "n-sch": scheduler, m.source: source, m.dest: destination}


Blocks = dict[str, Callable[[_Stream, float], list[Rec]]]


def _plan(rng: random.Random, count: int, span: float) -> list[tuple[Truth, Blocks]]:
    """Spread `count` live migrations evenly over the span, alternating direction; every fifth fails."""
    plan = []
    for i in range(count):
        start = span * (i + 0.5) / count
        src, dst = ("compute-1", "compute-2") if i % 2 == 0 else ("compute-2", "compute-1")
        fail = i % 5 == 4
        truth = Truth(request_id="req-" + _uuid(rng), instance=_uuid(rng), source=src, dest=dst,
                      started=(T0 + timedelta(seconds=start)).isoformat(), outcome="failed" if fail else "completed")
        blocks = _migration_blocks(truth, _hex(rng), _hex(rng), fail, progress_steps=rng.randint(3, 14))
        plan.append((truth, blocks))
    return plan


# ---------------------------------------------------------------- writing


def _lines_of(s: _Stream) -> Iterator[str]:
    """Yield the stream's lines forever in time order: noise, with migration blocks at their times.

    Records are generated with their own future times (a boot takes seconds,
    a migration a minute) and held in a heap until the clock reaches them, so
    they interleave as a busy service's lines do.  The clock advances one
    `step` per line on average, which makes the time span predictable.
    """
    noise = NOISE[s.role]
    heap: list[tuple[float, int, str]] = []
    seq = 0
    while True:
        while s.pending and s.pending[0][0] <= s.clock:
            _, block = s.pending.pop(0)
            for t, text in block(s.clock):
                seq += 1
                heapq.heappush(heap, (t, seq, text))
        recs = noise(s)
        for t, text in recs:
            seq += 1
            heapq.heappush(heap, (t, seq, text))
        s.clock += s.rng.expovariate(1.0 / (s.step * len(recs)))
        while heap and heap[0][0] <= s.clock:
            yield heapq.heappop(heap)[2]


def _write(path: str, s: _Stream, *, lines: int | None = None, size: int | None = None) -> int:
    """Write until `lines` lines or `size` bytes; return the number of lines written."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    written = nbytes = 0
    chunk: list[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in _lines_of(s):
            chunk.append(line)
            written += 1
            nbytes += len(line) + 1
            if len(chunk) >= 4096:
                fh.write("\n".join(chunk) + "\n")
                chunk.clear()
            if (lines is not None and written >= lines) or (size is not None and nbytes >= size):
                break
        if chunk:
            fh.write("\n".join(chunk) + "\n")
    return written


def _bind(block: Callable[[_Stream, float], list[Rec]], s: _Stream) -> Callable[[float], list[Rec]]:
    return lambda t: block(s, t)


def generate_single(out: str, lines: int, seed: int = 1) -> list[Truth]:
    """Write OUT/nova-compute.log (a compute host that is source and destination of a few migrations)."""
    rng = random.Random(seed)
    plan = _plan(rng, max(3, lines // 200_000), span=lines * STEP)
    s = _Stream(role="single", rng=random.Random(seed + 1), pid=PID["compute-1"], host="compute-1")
    # the plan alternates directions, so this host is the source of one move and the destination of the next
    s.pending = [(_start(truth), _bind(blocks["compute-1"], s)) for truth, blocks in plan]
    _write(os.path.join(out, "nova-compute.log"), s, lines=lines)
    _write_truth(out, plan)
    return [t for t, _ in plan]


def generate_multi(out: str, *, total_bytes: int | None = None, total_lines: int | None = None,
                   seed: int = 1) -> list[Truth]:
    """Write the five-service, three-host set; every file covers the same time span."""
    rng = random.Random(seed)
    if total_bytes is not None:
        per_file = {role: max(100, int(total_bytes * share / _mean_line_bytes(role, seed)))
                    for role, share in SERVICE_SHARE.items()}
    else:
        assert total_lines is not None
        per_file = {role: max(100, int(total_lines * share)) for role, share in SERVICE_SHARE.items()}
    span = max(per_file.values()) * STEP
    plan = _plan(rng, max(3, sum(per_file.values()) // 200_000), span)
    for n, (role, path) in enumerate(FILES.items()):
        host = role if role.startswith("compute") else "controller"
        # a file with fewer lines advances its clock faster so all files cover the same span
        s = _Stream(role=role, rng=random.Random(seed + 10 + n), pid=PID[role], host=host,
                    step=span / per_file[role])
        s.pending = [(_start(t), _bind(blocks[role], s)) for t, blocks in plan if role in blocks]
        _write(os.path.join(out, path), s, lines=per_file[role] if total_bytes is None else None,
               size=int(total_bytes * SERVICE_SHARE[role]) if total_bytes is not None else None)
    _write_truth(out, plan)
    return [t for t, _ in plan]


def _mean_line_bytes(role: str, seed: int) -> float:
    """Measure a role's mean line length on a throwaway sample, to turn a byte budget into lines."""
    s = _Stream(role=role, rng=random.Random(seed + 99), pid=PID[role], host="compute-1")
    sample = [len(line) + 1 for line, _ in zip(_lines_of(s), range(5000), strict=False)]
    return sum(sample) / len(sample)


def _start(t: Truth) -> float:
    return (datetime.fromisoformat(t.started) - T0).total_seconds()


def _write_truth(out: str, plan: list[tuple[Truth, object]]) -> None:
    with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump({"migrations": [asdict(t) for t, _ in plan]}, fh, indent=1)


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
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--layout", choices=("single", "multi"), default="single")
    ap.add_argument("--lines", type=int, help="lines (single: the file; multi: all files together)")
    ap.add_argument("--bytes", dest="size", type=parse_size, help="total size of the multi-host set, e.g. 1G")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.layout == "single":
        if not args.lines:
            ap.error("--layout single needs --lines")
        truth = generate_single(args.out, args.lines, args.seed)
    else:
        if not (args.lines or args.size):
            ap.error("--layout multi needs --bytes or --lines")
        truth = generate_multi(args.out, total_bytes=args.size, total_lines=args.lines, seed=args.seed)
    print(f"wrote {args.out} ({len(truth)} live migrations; see {os.path.join(args.out, 'truth.json')})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
