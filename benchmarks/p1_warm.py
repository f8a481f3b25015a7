"""P1 with the on-disk index: `timeline ID` cold (`--no-cache`), warm for another id, warm for the same id; grep.

    python -m benchmarks.p1_warm benchmarks/_data/main [--runs 3] [--python PY] [--src DIR]

Each run is a fresh process (`python -m migtrace timeline ID SET --color never`),
measured by `os.wait4` (CPU user+sys, wall, peak RSS), median of `--runs`.
The index lives in a temporary directory (`MIGTRACE_CACHE_DIR`): its compiled
catalog is built by a warm-up run first, so every mode pays the same start-up.

- `cold --no-cache`: the index neither used nor filled (one read with every text);
- `cold, index filled`: the first run over an empty index (stores each input's
  read and its standing part, `sources/_standing.py`);
- `warm, another id`: the index holds another id's reads only: each input is
  read for the new id's texts alone and merged with its stored standing part;
- `warm, same id`: the same query again (every input from the index).

The ids are the request ids of the set's `truth.json`, a new one per run where
it must be new.  `--src DIR` runs another checkout (e.g. `git archive main`)
with `PYTHONPATH=DIR`, from that directory (the current one would shadow it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(argv: list[str], env: dict[str, str], cwd: str | None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one process, its output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _median(rows: list[tuple[float, float, float]]) -> str:
    wall, cpu, rss = (statistics.median(col) for col in zip(*rows, strict=True))
    return (f"{wall:6.2f} s wall  {cpu:5.2f} CPU s  {rss:5.0f} MiB   "
            f"(CPU runs: {', '.join(f'{r[1]:.2f}' for r in rows)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--src", default=None)
    args = ap.parse_args()
    root = str(Path(args.root).resolve())
    ids = [m["request_id"] for m in json.loads((Path(root) / "truth.json").read_text())["migrations"]]
    env = dict(os.environ)
    cwd = None
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
        cwd = str(Path(args.src).resolve())
    base = [args.python, "-m", "migtrace", "timeline"]
    tail = [root, "--color", "never"]
    fresh = iter(ids[1:])
    with tempfile.TemporaryDirectory() as cache:
        env["MIGTRACE_CACHE_DIR"] = cache
        _run([*base, ids[0], *tail, "--no-cache"], env, cwd)  # the compiled catalog, the page cache
        rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in (
            "grep -rF", "cold --no-cache", "cold, index filled", "warm, another id", "warm, same id")}
        for _ in range(args.runs):
            rows["grep -rF"].append(_run(["grep", "-rF", ids[0], root], env, None))
            rows["cold --no-cache"].append(_run([*base, ids[0], *tail, "--no-cache"], env, cwd))
            db = Path(cache) / "index.sqlite3"
            for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                p.unlink(missing_ok=True)
            rows["cold, index filled"].append(_run([*base, ids[0], *tail], env, cwd))
            other = next(fresh)
            rows["warm, another id"].append(_run([*base, other, *tail], env, cwd))
            rows["warm, same id"].append(_run([*base, other, *tail], env, cwd))
        for name, got in rows.items():
            print(f"{name:20s} {_median(got)}")


if __name__ == "__main__":
    main()
