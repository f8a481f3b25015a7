"""The issue-13 targets P1..P4 and scale, each printed next to its anchor (grep, lnav, a bare regex loop).

Every figure is the median of `repeat` runs of a fresh process (peak RSS: the
largest), with the inputs warm in the page cache.  The product is driven
through its CLI (`python -m migtrace …`) and its public API only.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks import datasets
from benchmarks.measure import Run, median_run, table, warm

MIGTRACE = [sys.executable, "-m", "migtrace"]

#: the anchor for P3's per-core parse: read lines as text, one oslo-header regex each
BARE_LOOP = r"""
import re, sys, time
HEADER = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\d+) ([A-Z]+) (\S+) \[([^\]]*)\] (.*)$")
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:
        if HEADER.match(line):
            n += 1
print(n)
"""

#: P3's pure parse: today's reader API (internal, so it may move with the package restructuring)
PARSE_ONLY = r"""
import sys
from migtrace.options import LoadOptions
from migtrace.sources import FileReader, InputFile
reader = FileReader(InputFile(sys.argv[1], sys.argv[1]), LoadOptions(), lambda message: None)
print(sum(1 for _ in reader.events()))
"""

#: P3's per-core parse without the process start-up: the same read timed in-process (CPU seconds of the loop)
PARSE_TIMED = r"""
import sys, time
from migtrace.options import LoadOptions
from migtrace.sources import FileReader, InputFile
reader = FileReader(InputFile(sys.argv[1], sys.argv[1]), LoadOptions(), lambda message: None)
t = time.process_time()
n = sum(1 for _ in reader.events())
print(time.process_time() - t, reader.stats.lines_read, n)
"""

#: P4's render-only figure: the public API's load, then render timed alone
RENDER_ONLY = r"""
import sys, time, migtrace
a = migtrace.load(sys.argv[1])
t = time.process_time()
html = migtrace.render(a, "html")
print(time.process_time() - t, len(html.encode()), len(a.migrations))
"""


def _lines(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 22):
                n += chunk.count(b"\n")
    return n


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def _pick_request(root: Path) -> dict[str, object]:
    """The completed live migration nearest the middle of the set (the one P1 asks for)."""
    migs = datasets.truth(root)["migrations"]
    lives = [m for m in migs if m["kind"] == "live-migration" and m["status"] == "completed"]  # type: ignore[index]
    return lives[len(lives) // 2]


def _header(title: str, root: Path, files: list[Path]) -> None:
    print(f"\n== {title}\ninput: {root} ({len(files)} files, {_size(files) / 2**20:,.0f} MiB)", flush=True)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "n/a"


def p1(repeat: int) -> None:
    """`timeline REQ` vs `grep -rF REQ` on the 1 GB set: CPU, wall, peak RSS."""
    root = datasets.ensure("main")
    files = datasets.log_files(root)
    mig = _pick_request(root)
    req = str(mig["request_id"])
    _header(f"P1 timeline {req} ({mig['kind']} {mig['source_host']} -> {mig['dest_host']})", root, files)
    warm(files)
    grep = median_run(["grep", "-rF", req, str(root)], repeat)
    # --no-cache: the read itself is measured (the on-disk index would answer every run after the first)
    mt = median_run([*MIGTRACE, "timeline", req, str(root), "--color", "never", "--no-cache"], repeat)
    # the line-by-line scan beside it (`MIGTRACE_SCAN_WINDOWS=0`): what the windowed scan saves
    lines = median_run(["env", "MIGTRACE_SCAN_WINDOWS=0", *MIGTRACE, "timeline", req, str(root), "--color", "never",
                        "--no-cache"], repeat)
    print(table(["command", "wall s", "CPU s", "peak RSS MiB"],
                [["grep -rF REQ DIR", grep.wall_s, grep.cpu_s, grep.rss_mib],
                 ["migtrace timeline REQ DIR --no-cache", mt.wall_s, mt.cpu_s, mt.rss_mib],
                 ["  same, line-by-line scan", lines.wall_s, lines.cpu_s, lines.rss_mib]]))
    print(f"ratio migtrace/grep: CPU {_ratio(mt.cpu_s, grep.cpu_s)}, wall {_ratio(mt.wall_s, grep.wall_s)} "
          f"(target <= 2x); peak RSS {mt.rss_mib:.0f} MiB (target <= 150)   [median of {repeat}]")


def _lnav() -> str | None:
    return shutil.which("lnav")


def p2(repeat: int, growth: bool = True) -> None:
    """`list` vs lnav's full load on the 1 GB set; then RSS growth with moves and with bytes."""
    root = datasets.ensure("main")
    files = datasets.log_files(root)
    _header("P2 list vs lnav full load", root, files)
    warm(files)
    rows = []
    from benchmarks.proto_select import save_listing

    cache = datasets.DATA / "main.list.json"
    # --no-cache: the read itself (a warm on-disk index answers without reading: the `index` target)
    mt = median_run([*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)], repeat, stdout_path=cache)
    save_listing(root, "main", mt)  # the prototype compares its output with this one
    lnav = _lnav()
    ln: Run | None = None
    if lnav is None:
        print("lnav is NOT installed (apt-get install lnav): the anchor is missing, only migtrace is measured")
    else:
        ln = median_run([lnav, "-n", "-c", ";SELECT count(*) FROM all_logs", *map(str, files)], repeat)
        rows.append(["lnav -n -c ';SELECT count(*) FROM all_logs' FILES", ln.wall_s, ln.cpu_s, ln.rss_mib])
    rows.append(["migtrace list -f json DIR", mt.wall_s, mt.cpu_s, mt.rss_mib])
    print(table(["command", "wall s", "CPU s", "peak RSS MiB"], rows))
    if ln is not None:
        print(f"ratio migtrace/lnav: wall {_ratio(mt.wall_s, ln.wall_s)} (target <= 0.5x), CPU "
              f"{_ratio(mt.cpu_s, ln.cpu_s)}, peak RSS {_ratio(mt.rss_mib, ln.rss_mib)} (target <= 0.5x)"
              f"   [median of {repeat}]")
    if growth:
        _p2_growth(repeat, mt)


def p2_small(repeat: int, name: str = "m100") -> None:
    """P2 on the 100 MiB set: lnav's full load, `list --full-read` (every record, before issue 13's
    selective read) and `list` (the two selective passes); the two listings must be identical."""
    root = datasets.ensure(name)
    files = datasets.log_files(root)
    _header(f"P2 on {name}: list (selective) vs list --full-read vs lnav full load", root, files)
    warm(files)
    rows = []
    lnav = _lnav()
    ln: Run | None = None
    if lnav is not None:
        ln = median_run([lnav, "-n", "-c", ";SELECT count(*) FROM all_logs", *map(str, files)], repeat)
        rows.append(["lnav -n -c ';SELECT count(*) FROM all_logs' FILES", ln.wall_s, ln.cpu_s, ln.rss_mib])
    with tempfile.TemporaryDirectory(prefix="p2-") as tmp:
        full_out, sel_out = Path(tmp) / "full.json", Path(tmp) / "sel.json"
        full = median_run([*MIGTRACE, "list", "-f", "json", "--full-read", "--no-cache", str(root)], repeat,
                          stdout_path=full_out)
        sel = median_run([*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)], repeat, stdout_path=sel_out)
        same = json.loads(full_out.read_text()) == json.loads(sel_out.read_text())
        count = len(json.loads(sel_out.read_text()))
    rows.append(["migtrace list -f json --full-read DIR (before)", full.wall_s, full.cpu_s, full.rss_mib])
    rows.append(["migtrace list -f json DIR (selective)", sel.wall_s, sel.cpu_s, sel.rss_mib])
    print(table(["command", "wall s", "CPU s", "peak RSS MiB"], rows))
    print(f"listings {'IDENTICAL' if same else 'DIFFERENT'} ({count} migrations); selective/full CPU "
          f"{_ratio(sel.cpu_s, full.cpu_s)}" + (f"; selective/lnav CPU {_ratio(sel.cpu_s, ln.cpu_s)}, wall "
          f"{_ratio(sel.wall_s, ln.wall_s)}, peak RSS {_ratio(sel.rss_mib, ln.rss_mib)} (targets <= 0.5x)"
          if ln is not None else "; lnav not installed") + f"   [median of {repeat}]")


def _p2_growth(repeat: int, main_run: Run) -> None:
    """Peak RSS of `list` on the same bytes with 10x the moves, and the same moves on 10x the bytes."""
    rows = []
    runs: dict[str, Run] = {}
    for name in ("m100", "m100-moves", "main"):
        root = datasets.ensure(name)
        files = datasets.log_files(root)
        if name == "main":
            r = main_run
        else:
            warm(files)
            r = median_run([*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)], repeat)
        runs[name] = r
        spec = datasets.SETS[name]
        rows.append([name, f"{_size(files) / 2**20:,.0f}", spec.moves, r.wall_s, r.cpu_s, r.rss_mib])
    print("\nP2 growth: peak RSS of `migtrace list` (target: grows with moves, not with bytes)")
    print(table(["set", "MiB", "moves", "wall s", "CPU s", "peak RSS MiB"], rows))
    base = runs["m100"].rss_mib
    print(f"RSS x{runs['m100-moves'].rss_mib / base:.2f} for 10x moves (same bytes); "
          f"x{runs['main'].rss_mib / base:.2f} for 10x bytes (same moves)")


def p3(repeat: int, set_name: str = "main") -> None:
    """`merge` of every line to /dev/null in lines/s; a full Event parse per core vs a bare regex loop."""
    root = datasets.ensure(set_name)
    files = datasets.log_files(root)
    _header("P3 merge and parse throughput", root, files)
    warm(files)
    lines = _lines(files)
    mg = median_run([*MIGTRACE, "merge", "--full", str(root)], repeat)
    # one file, one process: the per-core parse rate (merge --stats parses every record, prints the accounting)
    big = max((f for f in files if f.name == "nova-compute.log"), key=lambda f: f.stat().st_size)
    flines = _lines([big])
    parse = median_run([*MIGTRACE, "merge", "--stats", str(big)], repeat)
    bare = median_run([sys.executable, "-c", BARE_LOOP, str(big)], repeat)
    events = median_run([sys.executable, "-c", PARSE_ONLY, str(big)], repeat)
    timed = sorted(float(subprocess.run([sys.executable, "-c", PARSE_TIMED, str(big)], capture_output=True, text=True,
                                        check=True).stdout.split()[0]) for _ in range(repeat))
    timed_s = timed[len(timed) // 2]
    rows = [
        ["migtrace merge --full DIR > /dev/null", lines, mg],
        [f"migtrace merge --stats {big.parent.parent.parent.parent.name}/…/nova-compute.log", flines, parse],
        ["FileReader(file).events() (parse only, in-process)", flines, events],
        ["bare one-regex Python loop, same file", flines, bare],
    ]
    print(table(["what", "lines", "wall s", "CPU s", "lines/s wall", "lines per CPU s", "peak RSS MiB"],
                [[w, n, r.wall_s, r.cpu_s, n / r.wall_s, n / r.cpu_s, r.rss_mib] for w, n, r in rows]))
    print(f"merge: {lines / mg.wall_s:,.0f} lines/s wall, {lines / mg.cpu_s:,.0f} per CPU s (target >= 1,000,000 "
          f"lines/s on the 2 cores); parse: {flines / events.cpu_s:,.0f} lines per CPU s in FileReader, "
          f"{flines / parse.cpu_s:,.0f} through merge --stats (target >= 150,000 per core); "
          f"{_ratio(events.cpu_s, bare.cpu_s)} the bare loop; in-process (no start-up): {flines / timed_s:,.0f} lines "
          f"per CPU s   [median of {repeat}]")


def p4(repeat: int) -> None:
    """HTML report of 50 migrations: time (end to end and render alone) and size."""
    root = datasets.ensure("report50")
    files = datasets.log_files(root)
    _header("P4 HTML report of 50 migrations", root, files)
    warm(files)
    with tempfile.TemporaryDirectory(prefix="bench-p4-") as tmp:
        listing = Path(tmp) / "list.json"
        # --no-cache: the load itself is measured (a warm on-disk index would answer every run after the first)
        lst = median_run([*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)], repeat, stdout_path=listing)
        count = len(json.loads(listing.read_text(encoding="utf-8")))
        html = Path(tmp) / "report.html"
        rep = median_run([*MIGTRACE, "report", "--no-cache", str(root), "-o", str(html)], repeat)
        size = html.stat().st_size
    outs = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", RENDER_ONLY, str(root)], capture_output=True, text=True,
                              check=True, cwd=datasets.DATA.parent.parent)
        outs.append(proc.stdout.split())
    outs.sort(key=lambda o: float(o[0]))
    render_s, render_bytes, render_migs = outs[len(outs) // 2]
    print(table(["what", "wall s", "CPU s", "peak RSS MiB", "MB"], [
        ["migtrace list -f json DIR (the load alone)", lst.wall_s, lst.cpu_s, lst.rss_mib, ""],
        ["migtrace report DIR -o report.html", rep.wall_s, rep.cpu_s, rep.rss_mib, size / 1e6],
        ["report minus list (≈ render + redaction)", rep.wall_s - lst.wall_s, rep.cpu_s - lst.cpu_s, "", ""],
        ["migtrace.render(analysis, 'html') alone (in-process CPU)", "", float(render_s), "", int(render_bytes) / 1e6],
    ]))
    print(f"{count} migrations listed ({render_migs} in the analysis); target: <= 2 s and <= 5 MB   "
          f"[median of {repeat}]")


def scale(repeat: int, name: str = "hosts100") -> None:
    """`list` of a 100-host set on LocalClusters: 1 and 2 workers in alternated rounds, then 4; `-j 1`/`-j 2` beside.

    Throughput is input MiB per wall second of the `list` command.  The 1- and 2-worker runs alternate
    round by round (`scale_pairs`: this VM's speed moves minute to minute), each with where its time went
    (the reads' spans and imbalance, the seconds no worker computed, the CPU of client, workers and
    scheduler).  Every run's output is compared with `-j 1`'s: a difference fails the run.
    """
    try:
        from benchmarks.scale_pairs import cluster_run, describe, pairs  # the dask extra, needed by this target only
    except ImportError:
        print("\n== scale (Dask)\nscale: needs the dask extra (pip install -e '.[dask]'); not measured")
        return
    root = datasets.ensure(name)
    files = datasets.log_files(root)
    _header(f"scale: list on {name} ({datasets.SETS[name].computes + 1} hosts) by workers", root, files)
    warm(files)
    size_mib = _size(files) / 2**20
    # --no-cache: else every run after the reference reads the index the reference filled, not the logs
    cmd = [*MIGTRACE, "list", "-f", "json", "--no-cache", str(root)]
    with tempfile.TemporaryDirectory(prefix="migtrace-scale-") as tmp:
        want, got = Path(tmp, "j1.json"), Path(tmp, "out.json")
        ref = median_run([*cmd, "-j", "1"], 1, stdout_path=want)
        print(f"-j 1 (one process, the reference): {ref.wall_s:.1f} s, {ref.cpu_s:.1f} CPU s, {ref.rss_mib:.0f} MiB, "
              f"{size_mib / ref.wall_s:.2f} MiB/s")
        walls = pairs(root, repeat, (1, 2), reference=want.read_bytes(), pool=True)
        four = cluster_run(cmd, 4, got)
        if got.read_bytes() != want.read_bytes():
            raise RuntimeError("4 workers: output differs from -j 1's")
        print(f"\n4 workers, once: | {describe(four)} |")
        pool = median_run([*cmd, "-j", "2"], 1, stdout_path=got)
        if got.read_bytes() != want.read_bytes():
            raise RuntimeError("-j 2: output differs from -j 1's")
        print(f"-j 2 (local pool): {pool.wall_s:.1f} s, {pool.cpu_s:.1f} CPU s, {pool.rss_mib:.0f} MiB")
    medians = {n: statistics.median(w) for n, w in walls.items()}
    print("MiB/s by median wall: " + ", ".join(f"{n} worker(s) {size_mib / m:.2f}" for n, m in medians.items())
          + f", 4 workers {size_mib / four.wall_s:.2f}, -j 1 {size_mib / ref.wall_s:.2f}, -j 2 "
          f"{size_mib / pool.wall_s:.2f}; every output identical to -j 1's   [{repeat} rounds]")


#: the work `stats` adds over `list`, timed alone in one process after one shared load
STATS_ONLY = r"""
import sys, time, migtrace
from migtrace.reports import render
from migtrace.reports.fleet import FleetView
t = time.process_time()
a = migtrace.load(sys.argv[1])
t1 = time.process_time()
render("list", "json", a.migrations)
t2 = time.process_time()
render("stats", "json", FleetView(a.migrations))
t3 = time.process_time()
print(t1 - t, t2 - t1, t3 - t2, len(a.migrations))
"""


#: the two commands `stats` compares: the same inputs, options and output sink, only the subcommand differs
STATS_COMMANDS: tuple[str, str] = ("list", "stats")


def stats_vs_list(repeat: int, name: str = "main") -> None:
    """`stats -f json` vs `list -f json` on one set (issue 16: stats must cost no more than list)."""
    root = datasets.ensure(name)
    files = datasets.log_files(root)
    _header(f"stats vs list on {name}", root, files)
    compare_stats_list(root, files, repeat)


def compare_stats_list(root: Path, files: list[Path], repeat: int) -> tuple[Run, Run]:
    """Measure `list -f json` and `stats -f json` on `root` alike; print them and the work stats adds.

    Both read and correlate every line through the same load (same inputs,
    same options, stdout to /dev/null); stats adds the fleet figures and
    each live migration's physics, list adds nothing: the difference is that
    work alone.  The runs alternate (list, stats, list, stats …) after one
    warm-up of the page cache, so a busy neighbour on a shared machine
    weighs on both alike rather than on whichever ran second.
    """
    warm(files)
    runs: dict[str, list[Run]] = {c: [] for c in STATS_COMMANDS}
    for _ in range(repeat):
        for command in STATS_COMMANDS:
            runs[command].append(median_run([*MIGTRACE, command, "-f", "json", str(root)], 1))
    ls, st = (_median(runs[c]) for c in STATS_COMMANDS)
    print(table(["command", "wall s", "CPU s", "peak RSS MiB"],
                [["migtrace list -f json DIR", ls.wall_s, ls.cpu_s, ls.rss_mib],
                 ["migtrace stats -f json DIR", st.wall_s, st.cpu_s, st.rss_mib]]))
    print(f"ratio stats/list: CPU {_ratio(st.cpu_s, ls.cpu_s)}, peak RSS {_ratio(st.rss_mib, ls.rss_mib)} "
          f"(target <= 1.0x plus noise)   [median of {repeat}]")
    out = subprocess.run([sys.executable, "-c", STATS_ONLY, str(root)], check=True, capture_output=True, text=True)
    load_s, list_s, stats_s, moves = out.stdout.split()
    print(f"in one process: load {float(load_s):.1f} s CPU, then list's rows {float(list_s) * 1000:.0f} ms, "
          f"stats' figures and physics {float(stats_s) * 1000:.0f} ms ({moves} moves)")
    return ls, st


def index(repeat: int, name: str = "m100") -> None:
    """Issue 13 item 5, the on-disk index: `list` and `timeline REQ` with `--no-cache`, cold (an empty
    index, filled by the run) and warm (unchanged files); the three outputs must be byte-identical."""
    from benchmarks.measure import run_once

    root = datasets.ensure(name)
    files = datasets.log_files(root)
    req = str(_pick_request(root)["request_id"])
    _header(f"index on {name}: --no-cache vs cold vs warm (list; timeline {req})", root, files)
    warm(files)
    rows = []
    with tempfile.TemporaryDirectory(prefix="migtrace-bench-index-") as tmp:
        env = {"MIGTRACE_CACHE_DIR": str(Path(tmp) / "cache")}
        for label, args in (("list -f json DIR", ["list", "-f", "json", str(root)]),
                            ("timeline REQ DIR", ["timeline", req, str(root), "--color", "never"])):
            outs = {mode: Path(tmp) / f"{label.split()[0]}.{mode}" for mode in ("none", "cold", "warm")}
            none = median_run([*MIGTRACE, *args, "--no-cache"], repeat, env=env, stdout_path=outs["none"])
            colds = []
            for _ in range(repeat):
                subprocess.run([*MIGTRACE, "cache", "clear"], check=True, capture_output=True,
                               env={**os.environ, **env})
                colds.append(run_once([*MIGTRACE, *args], env=env, stdout_path=outs["cold"]))
            cold = _median(colds)
            hot = median_run([*MIGTRACE, *args], repeat, env=env, stdout_path=outs["warm"])
            same = outs["none"].read_bytes() == outs["cold"].read_bytes() == outs["warm"].read_bytes()
            if not same:
                raise SystemExit(f"index: {label}: the outputs differ ({tmp} is removed; rerun to look)")
            rows += [[f"migtrace {label} --no-cache", none.wall_s, none.cpu_s, none.rss_mib],
                     [f"migtrace {label} (cold: empty index)", cold.wall_s, cold.cpu_s, cold.rss_mib],
                     [f"migtrace {label} (warm)", hot.wall_s, hot.cpu_s, hot.rss_mib]]
            print(f"{label}: warm/--no-cache CPU {_ratio(hot.cpu_s, none.cpu_s)}, cold/--no-cache CPU "
                  f"{_ratio(cold.cpu_s, none.cpu_s)}; outputs identical", flush=True)
        info = subprocess.run([*MIGTRACE, "cache", "info"], check=True, capture_output=True, text=True,
                              env={**os.environ, **env}).stdout
    print(table(["command", "wall s", "CPU s", "peak RSS MiB"], rows))
    print(info.strip().replace("\n", "; ") + f"   [median of {repeat}]")


def _median(runs: list[Run]) -> Run:
    """Aggregate single runs as median_run does: medians, peak RSS the largest."""
    return Run(statistics.median(r.wall_s for r in runs), statistics.median(r.cpu_s for r in runs),
               max(r.rss_mib for r in runs), runs[-1].out_bytes, len(runs))


TARGETS: dict[str, Callable[[int], None]] = {
    "P1": p1, "P2": p2, "P3": p3, "P4": p4, "scale": scale,
    "scale-small": lambda repeat: scale(repeat, "hosts100-small"),
    # issue 13 item 1 on the 100 MiB set: selective vs full read vs lnav (the 1 GiB P2 takes a quarter hour)
    "P2-small": p2_small,
    # P3 on the 100 MB set (merge has no --skew: it never corrects clocks)
    "P3-small": lambda repeat: p3(repeat, "m100"),
    # issue 16: on the 1 GB set, and on the 100 MB one (minutes rather than a quarter hour)
    "stats": stats_vs_list, "stats-small": lambda repeat: stats_vs_list(repeat, "m100"),
    # issue 13 item 5: the on-disk index, on the 100 MB set and on the 1 GB one
    "index-small": index, "index": lambda repeat: index(repeat, "main"),
}
DEFAULT_REPEAT = {"P1": 3, "P2": 1, "P2-small": 1, "P3": 1, "P3-small": 1, "P4": 3, "scale": 4, "scale-small": 4,
                  "stats": 1, "stats-small": 3,
                  "index": 1, "index-small": 1}
