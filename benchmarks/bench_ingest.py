"""Measure how fast migtrace ingests one big nova-compute log, and how much memory it needs.

Each measurement runs in a fresh Python subprocess, so its peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) is its own and no cache from
another mode helps it.  Modes:

* ``baseline``  — a bare Python loop: read lines, one oslo-header regex each.
  The floor for any pure-Python line parser.
* ``parse``     — `FileReader` over every line (full oslo parse, records
  folded, events built and discarded).
* ``targeted``  — `FileReader` with `ReadOptions(terms={request id})`: the raw
  bytes are searched first and only matching records are parsed (what
  `timeline` and `merge --request` do).
* ``load``      — the whole `migtrace.load()` pipeline (parse, keep the
  relevant events, correlate, diagnose).

The log (1M lines by default) is generated once with gen_big_log.py and
cached in benchmarks/_data/ (gitignored).

Example: python benchmarks/bench_ingest.py --lines 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
MODES = ("baseline", "parse", "targeted", "load")

#: the baseline's one regex: an oslo.log header with its request block
HEADER = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\d+) ([A-Z]+) (\S+) \[([^\]]*)\] (.*)$")


def ensure_log(lines: int) -> tuple[Path, str]:
    """Return the cached generated log (creating it if needed) and one migration's request id."""
    sys.path.insert(0, str(HERE))
    from gen_big_log import generate_single

    out = DATA / f"ncpu-{lines}"
    log, truth = out / "nova-compute.log", out / "truth.json"
    if not (log.exists() and truth.exists()):
        print(f"generating {log} …", file=sys.stderr)
        generate_single(str(out), lines)
    request_id = json.loads(truth.read_text())["migrations"][0]["request_id"]
    return log, request_id


def measure(mode: str, path: str, term: str) -> dict[str, float]:
    """Run one mode in this process; return elapsed seconds, records seen and peak RSS."""
    started = time.perf_counter()
    count = 0
    if mode == "baseline":
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if HEADER.match(line):
                    count += 1
    elif mode in ("parse", "targeted"):
        from migtrace.options import LoadOptions
        from migtrace.sources import FileReader, InputFile

        terms = frozenset({term}) if mode == "targeted" else frozenset()
        reader = FileReader(InputFile(path, path), LoadOptions(), lambda message: None, terms)
        counter = collections.Counter(e.level for e in reader.events())
        count = sum(counter.values())
    elif mode == "load":
        from migtrace import load

        analysis = load(path)
        count = len(analysis.migrations)
    elapsed = time.perf_counter() - started
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": elapsed, "count": count, "rss_mb": rss_kb / 1024}


def run_child(mode: str, path: Path, term: str) -> dict[str, float]:
    """Measure a mode in a fresh interpreter (own RSS, cold imports)."""
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(path), term],
                          capture_output=True, text=True, check=True, cwd=HERE.parent)
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode; the fastest is reported")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "TERM"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    log, request_id = ensure_log(args.lines)
    size_mb = os.path.getsize(log) / 2**20
    lines = args.lines
    print(f"input: {log} ({lines:,} lines, {size_mb:.0f} MiB); targeted term {request_id}")
    print(f"{'mode':<10} {'seconds':>8} {'lines/s':>12} {'MiB/s':>7} {'peak RSS MiB':>13} {'count':>9}")
    for mode in args.modes.split(","):
        runs = [run_child(mode, log, request_id) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        print(f"{mode:<10} {best['seconds']:>8.2f} {lines / best['seconds']:>12,.0f} "
              f"{size_mb / best['seconds']:>7.1f} {max(r['rss_mb'] for r in runs):>13.0f} {best['count']:>9,.0f}")
    print("count: header matches (baseline), events yielded (parse, targeted), migrations found (load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
