"""The scale figure as alternated pairs: `list --scheduler` on a LocalCluster of 1 worker, then of 2, round by round.

``python -m benchmarks.scale_pairs [SET] [-n ROUNDS] [--workers 1,2] [--pool] [--one-core] [--ceiling]``

Why pairs: this VM's CPU speed moves by ±25 % minute to minute (the same single-threaded work costs a worker
11.8–18.1 CPU s on hosts100 minutes apart), so a 1-worker figure taken minutes before a 2-worker one says more
about the neighbours than about migtrace.  Each round runs the worker counts back to back; the ratio is given per
round and as the ratio of the medians.

Why segments: "2 workers ≥ 1.7× one" on 2 cores is decided by what does not shrink with workers.  Each run
prints, from the scheduler's own task stream (`TaskStreamPlugin`; the scheduler runs in this process), each
read's span and how far apart its workers finished (imbalance), and the seconds in which no worker computed
(the client's serial work and the latency of each submission), next to the CPU of the client, of each worker
and of the scheduler (this process): the contention the two workers meet on two cores.

Why a ceiling (`--ceiling`): the same fixed pure-CPU job, once alone and then as many copies at once as the
round's largest worker count, shows what this machine gives a second process in the same minutes, with no
migtrace and no Dask in it (on this VM 1.55-2.95 in single rounds, median 1.9-2.0: the target asks 85-90 % of
it).  Each round's cluster ratio is then also given as a share of that round's machine ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import datasets
from benchmarks.measure import run_once, warm

MIGTRACE = [sys.executable, "-m", "migtrace"]
T = TypeVar("T")

#: the machine's ceiling job: a regex search and a small dict store per step, no I/O and a few kB of memory, so
#: that two copies share nothing but the machine; ~4 s alone at this many steps on this VM
CEILING_JOB = """
import re, sys
pattern = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}")
line = "x" * 60 + "req-0123abcd-ef01 " + "y" * 40
hits = 0
for step in range(int(sys.argv[1])):
    if pattern.search(line):
        hits += 1
    store = {step & 1023: step}
"""
CEILING_STEPS = 8_000_000


@dataclass(frozen=True, slots=True)
class Task:
    """One task's compute span on a worker, in seconds from the command's start."""

    start: float
    stop: float
    worker: str
    group: str  # the task's key prefix: one client.map, i.e. one read of the inputs


@dataclass(frozen=True, slots=True)
class Pass:
    """One read of the inputs on the cluster: its span, its task-seconds, and how far apart its workers ended."""

    start: float
    stop: float
    busy: float
    tasks: int
    ends_apart: float


@dataclass(frozen=True, slots=True)
class ClusterRun:
    """One `list --scheduler` run: wall and CPU of each part, the reads' spans and the seconds no worker computed."""

    workers: int
    wall_s: float
    client_cpu_s: float
    client_rss_mib: float
    workers_cpu_s: tuple[float, ...]
    scheduler_cpu_s: float
    passes: tuple[Pass, ...]
    idle_s: float
    md5: str


def passes_of(tasks: Iterable[Task]) -> tuple[Pass, ...]:
    """The reads in the order they started: each group's span, task-seconds and its workers' last-end spread."""
    groups: dict[str, list[Task]] = {}
    for t in tasks:
        groups.setdefault(t.group, []).append(t)
    out = []
    for ts in groups.values():
        ends: dict[str, float] = {}
        for t in ts:
            ends[t.worker] = max(ends.get(t.worker, t.stop), t.stop)
        out.append(Pass(min(t.start for t in ts), max(t.stop for t in ts), sum(t.stop - t.start for t in ts),
                        len(ts), max(ends.values()) - min(ends.values()) if len(ends) > 1 else 0.0))
    return tuple(sorted(out, key=lambda p: p.start))


def idle_seconds(tasks: Iterable[Task], wall: float) -> float:
    """Seconds of [0, wall] in which no task computed anywhere: the client's serial work and the submissions."""
    spans = sorted((t.start, t.stop) for t in tasks)
    idle, reached = 0.0, 0.0
    for start, stop in spans:
        if start > reached:
            idle += start - reached
        reached = max(reached, stop)
    return idle + max(0.0, wall - reached)


def _cpu_of(pid: int) -> float:
    """A process's user + system CPU seconds so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tasks(buffer: Iterable[dict[str, Any]], t0: float) -> list[Task]:
    """The compute spans of the task stream's records, relative to `t0` (the scheduler's clock is this one's)."""
    out = []
    for msg in buffer:
        for ss in msg.get("startstops", ()):
            if ss.get("action") == "compute":
                key = msg["key"]
                name = str(key[0] if isinstance(key, tuple) else key)
                out.append(Task(ss["start"] - t0, ss["stop"] - t0, str(msg["worker"]), name.rsplit("-", 1)[0]))
    return out


def cluster_run(cmd: Sequence[str], workers: int, stdout_path: str | os.PathLike[str]) -> ClusterRun:
    """Run `cmd --scheduler ADDR` against a fresh LocalCluster of `workers` single-threaded worker processes."""
    from distributed import Client, LocalCluster  # the dask extra
    from distributed.diagnostics.task_stream import TaskStreamPlugin

    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None,  # type: ignore[no-untyped-call]
                      host="127.0.0.1", silence_logs=40) as cluster:
        with Client(cluster) as probe:  # type: ignore[no-untyped-call]
            pids = list(probe.run(os.getpid).values())
        plugin = TaskStreamPlugin(cluster.scheduler)  # type: ignore[no-untyped-call]
        cluster.scheduler.add_plugin(plugin)
        before = [_cpu_of(p) for p in pids]
        own = time.process_time()
        t0 = time.time()
        run = run_once([*cmd, "--scheduler", cluster.scheduler_address], stdout_path=stdout_path)
        scheduler_cpu = time.process_time() - own
        after = [_cpu_of(p) for p in pids]
        time.sleep(0.2)  # the last task's record reaches the plugin after the command's exit
        tasks = _tasks(list(plugin.buffer), t0)
    md5 = hashlib.md5(Path(stdout_path).read_bytes()).hexdigest()[:8]
    return ClusterRun(workers, run.wall_s, run.cpu_s, run.rss_mib, tuple(b - a for a, b in zip(before, after,
                                                                                                strict=True)),
                      scheduler_cpu, passes_of(tasks), idle_seconds(tasks, run.wall_s), md5)


def describe(r: ClusterRun, workers: str | None = None) -> str:
    """One Markdown row: the workers (`workers` names them, default their count), wall, the CPU of each part,
    each read's span / task-seconds / ends apart, the idle time, and the CPU seconds of all parts per wall
    second (how many cores the run kept busy)."""
    reads = "; ".join(f"{p.stop - p.start:.2f} s / {p.busy:.2f} / {p.ends_apart:.2f}" for p in r.passes)
    busy = (r.client_cpu_s + sum(r.workers_cpu_s) + r.scheduler_cpu_s) / r.wall_s
    each = "+".join(f"{c:.2f}" for c in r.workers_cpu_s)
    return (f"{workers or r.workers} | {r.wall_s:.2f} | {r.client_cpu_s:.2f} | {each}"
            f" | {r.scheduler_cpu_s:.2f} | {reads} | {r.idle_s:.2f} | {busy:.2f} | {r.md5}")


def on_one_core(run: Callable[[], T]) -> T:
    """`run` with this process confined to one core; what it starts (the cluster's processes, the command)
    inherits that.  A 1-worker cluster run so has its scheduler, nanny and client on its worker's core, as
    a 2-worker run on 2 cores has them on its workers' cores: the ratio of the two is the gain from a second
    core with Dask's own work shared alike (on 2 cores a 1-worker run gets the second core for it free)."""
    every = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(every)})
    try:
        return run()
    finally:
        os.sched_setaffinity(0, every)


def ceiling_wall(copies: int, steps: int = CEILING_STEPS) -> float:
    """Wall seconds of `copies` copies of the ceiling job (`CEILING_JOB`) started together, until the last ends."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", CEILING_JOB, str(steps)]) for _ in range(copies)]
    if any(p.wait() for p in procs):
        raise RuntimeError("the ceiling job failed")
    return time.perf_counter() - t0


def ceiling_summary(cluster: Sequence[float], machine: Sequence[float]) -> str:
    """Each round's cluster ratio as a share of its machine ratio (`--ceiling`), and what the target then needs."""
    shares = [c / m for c, m in zip(cluster, machine, strict=True)]
    share = statistics.median(shares)
    per_round = ", ".join(f"{m:.2f}" for m in machine)
    return (f"the machine's own ratio (the ceiling job, same rounds): per round {per_round}; "
            f"median {statistics.median(machine):.2f}x. The cluster's ratio as a share of it: per round "
            f"{', '.join(f'{x:.0%}' for x in shares)}; median {share:.0%}: at that share 1.7x needs a machine "
            f"ratio of {1.7 / share:.2f}x")


def ratio_summary(walls: dict[int, list[float]], low: int, high: int, what: str = "workers",
                  base: str | None = None) -> str:
    """The speed-up of `high` workers (or `-j`) over `low` (named `base`): per round, and as the ratio of the
    median walls."""
    per_round = [a / b for a, b in zip(walls[low], walls[high], strict=False)]
    return (f"{high} {what} / {base or low}: per round {', '.join(f'{x:.2f}' for x in per_round)}; "
            f"median of rounds {statistics.median(per_round):.2f}x; ratio of median walls "
            f"{statistics.median(walls[low]) / statistics.median(walls[high]):.2f}x (target >= 1.7x)")


def pairs(root: Path, rounds: int, counts: Sequence[int] = (1, 2),
          reference: bytes | None = None, pool: bool = False, one_core: bool = False,
          ceiling: bool = False) -> dict[int, list[float]]:
    """`rounds` rounds of the worker counts back to back; a Markdown row per run; the walls by worker count.

    `pool`: each round also runs `-j` with the same counts on the local process pool: the same two-pass map
    with no scheduler, nanny or worker event loop beside it, taken in the same minutes.  Its `-j 1` reads in
    the main process, which costs more CPU than a worker's read, so its ratio can pass 2.
    `one_core`: each round first runs the first count with everything on one core (`on_one_core`).
    `ceiling`: each round ends with the ceiling job alone, then as many copies at once as the last count.
    Every output must equal `reference` (the `-j 1` run's, when given) and each other: a difference fails.
    """
    cmd = [*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)]
    walls: dict[int, list[float]] = {n: [] for n in counts}
    print("\n| round | load | workers | wall s | client CPU s | each worker's CPU s | scheduler CPU s | "
          "each read: span / task-s / workers' ends apart | no worker computing s | CPU s / wall s | md5 |")
    print("|---:|---:|---|---:|---:|---|---:|---|---:|---:|---|")
    pooled: dict[int, list[float]] = {n: [] for n in counts}
    confined: list[float] = []
    machine: list[float] = []
    seen: set[bytes] = set() if reference is None else {reference}
    with tempfile.TemporaryDirectory(prefix="migtrace-pairs-") as tmp:
        out = Path(tmp, "out.json")

        def same(what: str, i: int) -> str:
            """The run's output checked against the others'; its md5."""
            got = out.read_bytes()
            seen.add(got)
            if len(seen) > 1:
                raise RuntimeError(f"{what}, round {i + 1}: the output differs from the others'")
            return hashlib.md5(got).hexdigest()[:8]

        for i in range(rounds):
            if one_core:
                load = os.getloadavg()[0]
                r = on_one_core(lambda: cluster_run(cmd, counts[0], out))
                same(f"{counts[0]} worker(s) on one core", i)
                confined.append(r.wall_s)
                print(f"| {i + 1} | {load:.2f} | {describe(r, f'{counts[0]} on one core')} |", flush=True)
            for n in counts:
                load = os.getloadavg()[0]
                r = cluster_run(cmd, n, out)
                same(f"{n} worker(s)", i)
                walls[n].append(r.wall_s)
                print(f"| {i + 1} | {load:.2f} | {describe(r)} |", flush=True)
            for n in counts if pool else ():
                load = os.getloadavg()[0]
                local = run_once([*cmd, "-j", str(n)], stdout_path=out)
                md5 = same(f"-j {n}", i)
                pooled[n].append(local.wall_s)
                print(f"| {i + 1} | {load:.2f} | -j {n} | {local.wall_s:.2f} | {local.cpu_s:.2f} (all) | | | | | "
                      f"{md5} |", flush=True)
            if ceiling:
                load = os.getloadavg()[0]
                alone, together = ceiling_wall(1), ceiling_wall(counts[-1])
                machine.append(counts[-1] * alone / together)
                print(f"| {i + 1} | {load:.2f} | ceiling job: 1 alone, {counts[-1]} at once | {alone:.2f}, "
                      f"{together:.2f} | | | | | | | ratio {machine[-1]:.2f} |", flush=True)
    for n in counts[1:]:
        print(ratio_summary(walls, counts[0], n))
        if one_core:
            print(ratio_summary({counts[0]: confined, n: walls[n]}, counts[0], n,
                                base=f"{counts[0]} with the cluster and the command on one core"))
        if pool:
            print(ratio_summary(pooled, counts[0], n, "-j (local pool, same rounds)"))
    if ceiling:
        print(ceiling_summary([a / b for a, b in zip(walls[counts[0]], walls[counts[-1]], strict=True)], machine))
    return walls


def main(argv: list[str] | None = None) -> int:
    """Alternated rounds of 1 and 2 workers (or `--workers`) on one named set."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale_pairs", description=__doc__.split("\n\n")[0])
    ap.add_argument("set", nargs="?", default="hosts100", choices=sorted(datasets.SETS))
    ap.add_argument("-n", "--rounds", type=int, default=4)
    ap.add_argument("--workers", default="1,2", help="worker counts of a round, the first is the ratios' base")
    ap.add_argument("--pool", action="store_true", help="each round also `-j` with the same counts (the anchor)")
    ap.add_argument("--one-core", action="store_true",
                    help="each round also the first count with the cluster and the command on one core")
    ap.add_argument("--ceiling", action="store_true",
                    help="each round also a fixed CPU job alone and as copies at once (the machine's own ratio)")
    args = ap.parse_args(argv)
    root = datasets.ensure(args.set)
    warm(datasets.log_files(root))
    pairs(root, args.rounds, [int(n) for n in args.workers.split(",")], pool=args.pool, one_core=args.one_core,
          ceiling=args.ceiling)
    return 0


if __name__ == "__main__":
    sys.exit(main())
