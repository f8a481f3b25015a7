"""Run a command as a child and measure it: wall seconds, CPU seconds, peak RSS; medians of N runs.

The command runs under GNU `/usr/bin/time`, whose report is that one
child's (and the children it waited for): CPU time and peak RSS are the
command's own.  Without /usr/bin/time, `os.wait4` gives the same figures,
except that Linux carries the forking process's RSS high-water mark across
exec, so peak RSS below the driver's own (~30 MiB) cannot be told apart.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: GNU time (Debian: package `time`); -f %M is the child's peak RSS in KiB
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


@dataclass(frozen=True, slots=True)
class Run:
    """One command's cost (the median of `runs` runs when aggregated)."""

    wall_s: float
    cpu_s: float
    rss_mib: float
    out_bytes: int = 0
    runs: int = 1


def run_once(cmd: Sequence[str], *, stdout_path: str | os.PathLike[str] = os.devnull,
             env: dict[str, str] | None = None) -> Run:
    """Run `cmd` with stdout to a file (default /dev/null); fail loudly on a non-zero exit."""
    environ = {**os.environ, "CI": "1", **(env or {})}  # CI=1: no progress bar on stderr
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report, open(stdout_path, "wb") as out:
        wrapped = [GNU_TIME, "-q", "-f", "%e %U %S %M", "-o", report.name, *cmd] if GNU_TIME else list(cmd)
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.PIPE, cwd=ROOT, env=environ)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err.decode(errors='replace')[-600:]}")
        cpu, rss_kib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        if GNU_TIME:
            _wall, user, system, rss = report.read().split()[-4:]
            cpu, rss_kib = float(user) + float(system), int(rss)
    size = os.path.getsize(stdout_path) if stdout_path != os.devnull else 0
    return Run(wall, cpu, rss_kib / 1024, size)


def median_run(cmd: Sequence[str], repeat: int, **kwargs: object) -> Run:
    """Run `repeat` times; each figure is the median of its runs (RSS: the maximum)."""
    runs = [run_once(cmd, **kwargs) for _ in range(repeat)]  # type: ignore[arg-type]
    return Run(statistics.median(r.wall_s for r in runs), statistics.median(r.cpu_s for r in runs),
               max(r.rss_mib for r in runs), runs[-1].out_bytes, len(runs))


def alternated(cmds: dict[str, list[str]], repeat: int, *, with_lnav: Sequence[Path] = ()) -> None:
    """Run the commands in turn, `repeat` rounds, and print a Markdown row per round and the medians (ranges).

    Alternating (A B C, A B C, ...) rather than A A A, B B B puts each command beside the others in the same
    minutes: on a shared machine the load moves, and a ratio is only worth what its rounds have in common.
    `with_lnav`: these files' full lnav load is one more command, when lnav is installed (the P2 anchor).
    """
    if with_lnav and os.path.exists("/usr/bin/lnav"):
        cmds = {**cmds, "lnav": ["/usr/bin/lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", *map(str, with_lnav)]}
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    print("\n| round | load (1 min) | " + " | ".join(f"{k} wall s / CPU s" for k in cmds) + " |")
    print("|---|---:|" + "---:|" * len(cmds))
    for i in range(repeat):
        cells = []
        load = os.getloadavg()[0]
        for k, cmd in cmds.items():
            r = run_once(cmd)
            got[k].append((r.wall_s, r.cpu_s))
            cells.append(f"{r.wall_s:.2f} / {r.cpu_s:.2f}")
        print(f"| {i + 1} | {load:.2f} | " + " | ".join(cells) + " |", flush=True)

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    print("| **median (range)** | | " + " | ".join(
        f"{spread([w for w, _ in v])} / {spread([c for _, c in v])}" for v in got.values()) + " |")


def warm(paths: Sequence[Path]) -> None:
    """Read the files once so the page cache serves every measured command alike."""
    for p in paths:
        with open(p, "rb") as fh:
            while fh.read(1 << 22):
                pass


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table (right-aligned numbers), for the terminal and for pasting into the README."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    pairs = enumerate(zip(headers, widths, strict=True))
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in pairs)]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        row = enumerate(zip(r, widths, strict=True))
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in row))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
