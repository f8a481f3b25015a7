"""P2's floor measured end to end: the unavoidable work of `list`'s two-pass design, as a bare script.

(`benchmarks.p2_floor` is its companion: each pass replayed piece by piece in one process, per-part CPU.)

`python -m benchmarks.p2_bare compare [SET] [-n 5]` (default `main`, the 1 GiB set) first records the
real run's search databases (below), then runs, alternated `-n` times, the bare script, `migtrace list -f
json --no-cache SET` and lnav's full load (the P2 anchor), each a fresh process under GNU time, and prints
wall s / CPU s (user + sys, children included) per run with the load average, then the medians.

The bare script (`python -m benchmarks.p2_bare run SPEC`, a fresh interpreter: its start-up counts) does
only what this design cannot avoid, with 2 worker processes forked as `list`'s pool is:

- start-up: the interpreter, hyperscan and numpy (every worker needs both), the process pool;
- pass 1: every byte of every input read (`readinto`, a reused 4 MiB buffer, as `Peekable.windows`),
  searched once with the REAL pass-1 database of that input (below), each match's end offset collected
  by a Python callback (hyperscan reports matches one call each), and the window's newlines counted
  (numpy) for the line numbers the records need; the offsets go back to the main process;
- pass 2: the same over every byte with the REAL pass-2 database of the input (the texts searched
  everywhere, the banners and the moved instances' and requests' ids).

Nothing per record: no line found from its offset, no parse, no finder, no Keeper, no correlation,
diagnosis or output, no catalog load (the texts come ready), and the ids pass 2 searches are given, not
derived from pass 1's hits.  So the figure is a lower bound of any implementation of this design in
Python (pass 1 must finish before pass 2 can start; each worker search is the C scan of hyperscan).

The databases are the real ones: `record` runs `list` once with the pool workers' `literal_database`
calls captured per input (the texts and their caseless flags, as `sources._scan` builds them for that
input in that pass from `pipeline._vocab`, the catalog, the clue and clock sets and the ids found); a
database built several times for one input (an evidence set's line test needs fewer texts once satisfied)
is kept at its last, smallest, form (the clue covers still pending: what most of the input is searched
with), so the bound stays a lower one.  The spec is written to `$TMPDIR/p2_bare-SET.pickle`.
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
import time
from typing import Any

#: bytes read per window (`sources._open.Peekable.windows` reads about this much of whole lines)
WINDOW = 4 << 20
#: the worker processes (`list`'s default -j on this 2-core machine)
JOBS = 2

# --- the bare script: stdlib, hyperscan and numpy only (nothing of migtrace is imported on this path) ---

_DBS: dict[int, Any] = {}


def _database(texts: list[bytes], caseless: list[bool]) -> Any:
    import hyperscan as hs

    key = hash((tuple(texts), tuple(caseless)))
    db = _DBS.get(key)
    if db is None:
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=texts, ids=list(range(len(texts))), elements=len(texts), literal=True,
                   flags=[hs.HS_FLAG_CASELESS if c else 0 for c in caseless])
        _DBS[key] = db
    return db


def scan_file(path: str, texts: list[bytes], caseless: list[bool]) -> tuple[list[int], int]:
    """Every byte of `path` searched with the database of `texts`: the matches' end offsets, the line count."""
    import numpy as np

    db = _database(texts, caseless)
    hits: list[int] = []
    add = hits.append
    base = 0

    def on_match(_pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
        add(base + end)

    buf = bytearray(WINDOW)
    view = memoryview(buf)
    lines = 0
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            db.scan(view[:n] if n < WINDOW else buf, match_event_handler=on_match)
            lines += int(np.count_nonzero(np.frombuffer(buf, np.uint8, n) == 10))
            base += n
    return hits, lines


def run(spec_path: str) -> int:
    """The bare two-pass read with the recorded databases; print its figures (stderr) and the hit counts."""
    started = time.perf_counter()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import hyperscan  # noqa: F401 - the workers' search
    import numpy  # noqa: F401 - the workers' newline counts

    with open(spec_path, "rb") as fh:
        spec = pickle.load(fh)  # our own recording (`record`)
    imported = time.perf_counter() - started
    out = []
    with ProcessPoolExecutor(JOBS, mp_context=multiprocessing.get_context("fork")) as pool:
        for kind in ("p1", "p2"):
            t = time.perf_counter()
            files = sorted(spec[kind], key=lambda p: -os.path.getsize(p))  # longest first, as `read_results`
            futures = [pool.submit(scan_file, p, *spec[kind][p]) for p in files]
            results = [f.result() for f in futures]
            out.append((kind, time.perf_counter() - t, sum(len(h) for h, _ in results),
                        sum(n for _, n in results)))
    wall = time.perf_counter() - started
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write(f"floor: start-up {imported:.2f} s, " + ", ".join(
        f"{k} {s:.2f} s ({h:,} matches, {n:,} lines)" for k, s, h, n in out)
        + f"; wall {wall:.2f} s, CPU main {me.ru_utime + me.ru_stime:.2f} + workers "
          f"{kids.ru_utime + kids.ru_stime:.2f}\n")
    print(sum(h for _, _, h, _ in out))
    return 0


# --- recording the real databases (imports migtrace) ---

_RECORD = r"""
import functools, os, pickle, sys, time
import migtrace.sources._parallel as par
import migtrace.sources._scan as scan
out, orig_read, orig_db = sys.argv[1], par.read_input, scan.literal_database
# every input through `read_input`, small ones too (read in this process then: the same databases and records)
par.MIN_WORKER_BYTES = par.MIN_POOL_BYTES = 0
current = {}
@functools.wraps(orig_read)
def read_input(item, options, terms, *rest):
    current["key"] = ("p2" if getattr(terms, "windowed", None) else "p1", item.path)
    scan._groups.cache_clear(); scan._id_scan.cache_clear()  # each input builds its own databases
    try:
        return orig_read(item, options, terms, *rest)
    finally:
        current.pop("key", None)
def literal_database(texts, caseless):
    # the read's own search (not the markers' or the notes' databases, which test a record's text)
    if "key" in current and type(sys._getframe(1).f_locals.get("self")).__name__ in ("_Groups", "_IdScan"):
        with open(f"{out}/{time.monotonic_ns()}-{os.getpid()}.pkl", "wb") as f:
            pickle.dump((current["key"], [bytes(t) for t in texts], list(caseless)), f)
    return orig_db(texts, caseless)
par.read_input, scan.literal_database = read_input, literal_database
from migtrace.cli import main
sys.argv = ["migtrace", "list", "-f", "json", "--no-cache", "-q", sys.argv[2]]
main()
"""


def record(root: str, spec_path: str) -> dict[str, dict[str, tuple[list[bytes], list[bool]]]]:
    """Run `list` once with each input's search databases captured; write the spec (the last one kept)."""
    import glob
    import subprocess
    import tempfile

    from benchmarks.measure import ROOT

    spec: dict[str, dict[str, tuple[list[bytes], list[bool]]]] = {"p1": {}, "p2": {}}
    built: dict[tuple[str, str], list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="floor-p2-") as tmp:
        env = {**os.environ, "MIGTRACE_CACHE_DIR": tmp + "/cache"}
        with open(os.devnull, "wb") as sink:
            subprocess.run([sys.executable, "-c", _RECORD, tmp, root], stdout=sink, check=True, cwd=ROOT, env=env)
        for path in sorted(glob.glob(os.path.join(tmp, "*.pkl")), key=lambda p: int(os.path.basename(p).split("-")[0])):
            with open(path, "rb") as fh:
                (kind, name), texts, caseless = pickle.load(fh)  # our own recording, made just above
            built.setdefault((kind, name), []).append(len(texts))
            if name not in spec[kind] or len(texts) <= len(spec[kind][name][0]):
                spec[kind][name] = (texts, caseless)
    with open(spec_path, "wb") as fh:
        pickle.dump(spec, fh)
    for kind in ("p1", "p2"):
        for name, (texts, caseless) in sorted(spec[kind].items()):
            print(f"{kind} {os.path.relpath(name, root)}: {len(texts)} texts ({sum(caseless)} caseless), "
                  f"databases built: {built[kind, name]} texts")
    return spec


def compare(name: str, repeat: int) -> None:
    """Record the spec, then the bare script, `list` and lnav alternated `repeat` times (wall, CPU, load)."""
    import tempfile

    from benchmarks import datasets
    from benchmarks.measure import alternated, warm

    root = str(datasets.ensure(name))
    files = datasets.log_files(datasets.ensure(name))
    spec_path = os.path.join(tempfile.gettempdir(), f"p2_bare-{name}.pickle")
    record(root, spec_path)
    warm(files)
    alternated({
        "floor": [sys.executable, "-m", "benchmarks.p2_bare", "run", spec_path],
        "list": [sys.executable, "-m", "migtrace", "list", "-f", "json", "--no-cache", root],
    }, repeat, with_lnav=files)


def main(argv: list[str]) -> int:
    """`run SPEC` (the bare script), `record [SET]` (write the spec), `compare [SET] [-n N]`."""
    if argv[:1] == ["run"]:
        return run(argv[1])
    name = next((a for a in argv[1:] if not a.startswith("-") and not a.isdigit()), "main")
    repeat = int(argv[argv.index("-n") + 1]) if "-n" in argv else 5
    if argv[:1] == ["record"]:
        import tempfile

        from benchmarks import datasets

        record(str(datasets.ensure(name)), os.path.join(tempfile.gettempdir(), f"p2_bare-{name}.pickle"))
        return 0
    if argv[:1] == ["compare"]:
        compare(name, repeat)
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
