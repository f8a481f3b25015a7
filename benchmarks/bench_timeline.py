"""Time `migtrace timeline <request id> DIR` against `grep -rF <request id> DIR` on a big log set.

The multi-host set (nova-api, conductor, scheduler and two computes, about
1 GiB by default) is generated once with gen_big_log.py and cached in
benchmarks/_data/.  Both commands run cold-process (a fresh `migtrace`
each time) and warm-cache (the files were read once before timing, so the
page cache serves both alike).  Reported: wall seconds of each, their
ratio, and migtrace's peak RSS (ru_maxrss of the child).

grep only finds the lines that contain the id; migtrace also finds the lines
tied to it without containing it (the `[-]` lifecycle events of the same
instance, the other requests of the move) and builds the phased story, so
the ratio is the price of that work, not of equal work.

Example: python benchmarks/bench_timeline.py --size 1G --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
MIGTRACE = [sys.executable, "-m", "migtrace"]


def ensure_set(size_text: str) -> tuple[Path, dict[str, str]]:
    """Return the cached multi-host set for this size (generating it if needed) and one migration."""
    sys.path.insert(0, str(HERE))
    from gen_big_log import generate_multi, parse_size

    out = DATA / f"multi-{size_text}"
    truth = out / "truth.json"
    if not truth.exists():
        print(f"generating {out} ({size_text}) …", file=sys.stderr)
        generate_multi(str(out), total_bytes=parse_size(size_text))
    migrations = json.loads(truth.read_text())["migrations"]
    return out, migrations[len(migrations) // 2]


def _tree_size(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.log"))
    return len(files), sum(p.stat().st_size for p in files)


def timed(cmd: list[str]) -> tuple[float, str]:
    """Run a command; return its wall seconds and stdout."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return elapsed, proc.stdout


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1G", help="size of the generated set (1G, 200M, …)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command; the fastest is reported")
    args = ap.parse_args(argv)
    grep = shutil.which("grep")
    if grep is None:
        raise SystemExit("grep not found")
    root, migration = ensure_set(args.size)
    req = migration["request_id"]
    nfiles, nbytes = _tree_size(root)
    print(f"input: {root} ({nfiles} files, {nbytes / 2**30:.2f} GiB); query {req} "
          f"({migration['source']} → {migration['dest']}, {migration['outcome']})")
    # warm the page cache so neither command pays for the first read from disk
    subprocess.run([grep, "-rFq", "warm-up-no-such-text", str(root)], check=False)

    grep_runs = [timed([grep, "-rF", req, str(root)]) for _ in range(args.repeat)]
    grep_s = min(r[0] for r in grep_runs)
    grep_lines = len(grep_runs[0][1].splitlines())
    # peak RSS of migtrace alone: measure it in a wrapper child whose only child is migtrace
    mig_runs = [_migtrace_run(req, root) for _ in range(args.repeat)]
    mig_s = min(r[0] for r in mig_runs)
    rss = max(r[1] for r in mig_runs)
    events = mig_runs[0][2]
    print(f"{'command':<34} {'seconds':>8} {'output lines':>13}")
    print(f"{'grep -rF ID DIR':<34} {grep_s:>8.2f} {grep_lines:>13,}")
    print(f"{'migtrace timeline ID DIR':<34} {mig_s:>8.2f} {events:>13,}")
    print(f"ratio migtrace/grep: {mig_s / grep_s:.1f}x   migtrace peak RSS: {rss} MiB   "
          f"throughput: {nbytes / 2**20 / mig_s:.0f} MiB/s")
    return 0


_CHILD = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
e = time.perf_counter() - t
if p.returncode:
    sys.stderr.write(p.stderr); sys.exit(p.returncode)
print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, len(p.stdout.splitlines()))
"""


def _migtrace_run(req: str, root: Path) -> tuple[float, int, int]:
    """Time one `migtrace timeline` in a wrapper process, so ru_maxrss is migtrace's own peak."""
    env = {**os.environ, "CI": "1"}  # no progress indicator
    proc = subprocess.run([sys.executable, "-c", _CHILD, *MIGTRACE, "timeline", req, str(root), "--color", "never"],
                          capture_output=True, text=True, cwd=HERE.parent, env=env, check=False)
    if proc.returncode:
        raise SystemExit(f"migtrace exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    seconds, rss, lines = proc.stdout.split()
    return float(seconds), int(rss), int(lines)


if __name__ == "__main__":
    sys.exit(main())
