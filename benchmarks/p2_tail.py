"""P2's serial parts in `list`'s main process, measured with the real functions: the start before the workers
and the tail after the reads (what any implementation of the two-pass design keeps in one process).

`python -m benchmarks.p2_tail capture [SET]` runs `list -f json --no-cache SET` once with three captures:
the arguments of `pipeline._load._built` (the kept events of the read, the per-file accounting, the clock
evidence, the Keeper's host names, last-seen times, `Unmoved` counts and marker notes, the options, the paths), the
Analysis `with_diagnosis` receives (for its other fields: stats, warnings, last seen, release clues),
and the output spec `TableOutput.echo` renders with; plus the run's stdout.  Written to
`$TMPDIR/p2_tail-SET.pickle`.

`python -m benchmarks.p2_tail run CAPTURE [-n 5]` (a fresh process) times, on fresh copies of the captured
inputs each round: `_built` (`with_hosts`, `estimate_clocks`, the alignment, `correlate`), the Analysis
assembly, `with_diagnosis` (the catalog loaded before: it is part of the start), and the json render
(`filter_migrations` + `Listed` through `TableOutput.echo`), checking the render equals the real run's
stdout byte for byte.  Prints the first round (lazy imports and caches included: what one `list` pays)
and the best of `-n` (CPU s and wall s), plus the unpickling of the inputs (what shipping them costs here).

`python -m benchmarks.p2_tail startup [SET] [-n 5]` runs `list` in `-n` fresh processes, each stopped at
the pool's first `submit` (pass 1's first input handed to a worker: before it no worker can start), and
prints the wall since the launch and the main process's CPU then, with the catalog load, the vocabulary
build and the interpreter alone (`python -c pass`) and with hyperscan + numpy (`p2_bare`'s start).
"""

from __future__ import annotations

import io
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CAPTURE = r"""
import dataclasses, functools, pickle, sys, types
import migtrace.cli._common as common
import migtrace.pipeline._load as load
out, root = sys.argv[1], sys.argv[2]
got = {}
orig_built, orig_diagnosis, orig_echo = load._built, load.with_diagnosis, common.TableOutput.echo
def plain(obj, **drop):  # a frozen dataclass's fields, read-only mappings as dicts (those do not pickle)
    return {f.name: dict(v) if isinstance(v := getattr(obj, f.name), types.MappingProxyType) else v
            for f in dataclasses.fields(obj) if f.name not in drop}
@functools.wraps(orig_built)
def _built(read, keeper, options, path_list):
    u = keeper.unmoved
    got.setdefault("built", []).append(pickle.dumps(
        (read, keeper.named, keeper.last_seen, None if u is None else (u.reference_counts, u.latest),
         plain(options, warn=0, progress=0), list(path_list), keeper.noted), pickle.HIGHEST_PROTOCOL))
    return orig_built(read, keeper, options, path_list)
@functools.wraps(orig_diagnosis)
def with_diagnosis(analysis, signatures=(), release=None, **kw):
    got["analysis"] = pickle.dumps((plain(analysis), tuple(signatures), release), pickle.HIGHEST_PROTOCOL)
    return orig_diagnosis(analysis, signatures, release, **kw)
def echo(self, data):
    got["output"] = pickle.dumps(self, pickle.HIGHEST_PROTOCOL)
    return orig_echo(self, data)
load._built, load.with_diagnosis, common.TableOutput.echo = _built, with_diagnosis, echo
from migtrace.cli import main
sys.argv = ["migtrace", "list", "-f", "json", "--no-cache", "-q", root]
try:
    main()
finally:
    with open(out, "wb") as f:
        pickle.dump(got, f)
"""


def _root(name: str) -> str:
    from benchmarks.p2_records import set_root

    return str(set_root(name))


def capture(name: str, path: str | None = None) -> str:
    """Run `list` once with `_built`'s inputs, the Analysis and the output spec captured; return the file."""
    from benchmarks.measure import ROOT

    root = _root(name)
    path = path or os.path.join(tempfile.gettempdir(), f"p2_tail-{os.path.basename(root)}.pickle")
    with tempfile.TemporaryDirectory(prefix="p2-tail-") as tmp:
        env = {**os.environ, "MIGTRACE_CACHE_DIR": tmp + "/cache", "CI": "1"}
        done = subprocess.run([sys.executable, "-c", _CAPTURE, tmp + "/got.pickle", root], capture_output=True,
                              check=False, cwd=ROOT, env=env)
        if done.returncode:
            raise SystemExit(f"the captured `list` exited {done.returncode}: {done.stderr.decode()[-2000:]}")
        with open(tmp + "/got.pickle", "rb") as fh:
            got = pickle.load(fh)  # our own capture, made just above
    if len(got.get("built", ())) != 1 or "analysis" not in got or "output" not in got:
        raise SystemExit(f"capture incomplete: _built called {len(got.get('built', ()))} times, "
                         f"{sorted(got)} captured")
    got["stdout"] = done.stdout
    with open(path, "wb") as fh:
        pickle.dump(got, fh)
    read = pickle.loads(got["built"][0])[0]
    print(f"captured {len(read.events):,} kept events, {len(read.evidence):,} clock evidence, "
          f"{len(read.stats)} inputs; stdout {len(done.stdout):,} bytes -> {path}")
    return path


class _Unmoved:
    """The two fields of `_keep.Unmoved` that `_built` reads (the rest decided the reads, already done)."""

    def __init__(self, reference_counts: Any, latest: Any) -> None:
        self.reference_counts, self.latest = reference_counts, latest


class _Keeper:
    """The four fields of `_keep.Keeper` that `_built` reads."""

    def __init__(self, named: Any, last_seen: Any, unmoved: _Unmoved | None, noted: Any) -> None:
        self.named, self.last_seen, self.unmoved, self.noted = named, last_seen, unmoved, noted


@contextmanager
def _timed_parts(spent: dict[str, tuple[float, float]], names: tuple[str, ...]) -> Iterator[None]:
    """`pipeline._load`'s `names` timed into `spent` (as "  of which NAME") while the block runs."""
    import migtrace.pipeline._load as load

    saved = {n: getattr(load, n) for n in names}

    def timer(name: str, fn: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[f"  of which {name}"] = (time.process_time() - cpu, time.perf_counter() - wall)
        return call

    for n, fn in saved.items():
        setattr(load, n, timer(n, fn))
    try:
        yield
    finally:
        for n, fn in saved.items():
            setattr(load, n, fn)


def tail_once(got: dict[str, Any], catalog: Any) -> tuple[dict[str, tuple[float, float]], bytes]:
    """One round of the tail on fresh copies of the captured inputs: each step's (CPU s, wall s), the output."""
    from migtrace.options import LoadOptions
    from migtrace.pipeline import filter_migrations
    from migtrace.pipeline._load import _built, _shifted, with_diagnosis
    from migtrace.pipeline.analysis import Analysis
    from migtrace.reports.listing import Listed

    spent: dict[str, tuple[float, float]] = {}

    def clock() -> tuple[float, float]:
        return time.process_time(), time.perf_counter()

    def since(step: str, start: tuple[float, float]) -> tuple[float, float]:
        now = clock()
        spent[step] = (now[0] - start[0], now[1] - start[1])
        return now

    t = clock()
    # the kept records' marker notes in the same pickle as the records: each note's message is the record's
    read, named, last_seen, unmoved, options, paths, *noted = pickle.loads(got["built"][0])
    analysis, signatures, release = pickle.loads(got["analysis"])
    output = pickle.loads(got["output"])
    t = since("unpickle the inputs", t)
    with _timed_parts(spent, ("with_hosts", "estimate_clocks", "correlate")):
        built = _built(read, _Keeper(named, last_seen, None if unmoved is None else _Unmoved(*unmoved),  # type: ignore[arg-type]
                                     noted[0] if noted else {}),
                       LoadOptions(**options), paths)
    t = since("_built: hosts, clocks, align, correlate", t)
    analysis = Analysis(**{**analysis, "events": tuple(built.events), "migrations": tuple(built.migrations),
                           "skew": built.offsets, "last_seen": _shifted(last_seen, built.offsets)})
    t = since("the Analysis", t)
    analysis = with_diagnosis(analysis, signatures, release, catalog=catalog)
    t = since("with_diagnosis", t)
    stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        found = filter_migrations(analysis.migrations)
        output.echo(Listed(found, analysis.migrations))
        text = sys.stdout.getvalue()
    finally:
        sys.stdout = stdout
    since("render (json)", t)
    return spent, text.encode()


def run(path: str, repeat: int) -> int:
    """Time the tail `repeat` times in this process; print the first round and the best of each step."""
    from migtrace.diagnose.catalog import load_catalog

    with open(path, "rb") as fh:
        got = pickle.load(fh)  # our own capture (`capture`)
    analysis = pickle.loads(got["analysis"])
    catalog = load_catalog(tuple(analysis[1]))
    rounds = []
    for _ in range(repeat):
        spent, out = tail_once(got, catalog)
        if out != got["stdout"]:
            raise SystemExit("the tail's render differs from the real run's stdout")
        rounds.append(spent)
    steps = [s for s in rounds[0] if not s.startswith(" ")]
    steps[steps.index("_built: hosts, clocks, align, correlate") + 1:1] = [s for s in rounds[0] if s.startswith(" ")]
    work = [s for s in steps if s != "unpickle the inputs" and not s.startswith(" ")]
    print(f"{'step':42} {'first CPU s':>11} {'first wall':>10} {'best CPU s':>10} {'best wall':>9}")
    for s in [*steps, "tail (without the unpickling)"]:
        cpu = [sum(r[x][0] for x in work) if s not in r else r[s][0] for r in rounds]
        wall = [sum(r[x][1] for x in work) if s not in r else r[s][1] for r in rounds]
        print(f"{s:42} {cpu[0]:11.3f} {wall[0]:10.3f} {min(cpu):10.3f} {min(wall):9.3f}")
    print(f"(output identical to the real run's: {len(got['stdout']):,} bytes; {repeat} rounds)")
    return 0


_STARTUP = r"""
import os, sys, time, json
launch = float(os.environ["P2_TAIL_LAUNCH"])
import concurrent.futures
marks = {}
def submit(self, fn, *args, **kwargs):
    marks.update(wall=time.time() - launch, cpu=time.process_time())
    sys.stderr.write("STARTUP " + json.dumps(marks) + "\n")
    sys.stderr.flush()
    os._exit(0)
concurrent.futures.ProcessPoolExecutor.submit = submit
def timed(name, fn):
    def call(*a, **k):
        t = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            marks[name] = marks.get(name, 0) + time.process_time() - t
    return call
from migtrace.cli import main
marks["imported cli"] = time.process_time()
import migtrace.pipeline._load as load, migtrace.pipeline._vocab as vocab
load.load_catalog = timed("catalog", load.load_catalog)
vocab.build = timed("vocabulary", vocab.build)
sys.argv = ["migtrace", "list", "-f", "json", "--no-cache", "-q", sys.argv[1]]
main()
"""


def startup(name: str, repeat: int) -> None:
    """`list`'s main process until the first worker is handed an input, in `repeat` fresh processes."""
    import json

    from benchmarks.measure import ROOT

    root = _root(name)
    rows: list[dict[str, float]] = []
    bare: dict[str, list[float]] = {"python -c pass": [], "python: import hyperscan, numpy": []}
    for _ in range(repeat):
        for label, code in (("python -c pass", "pass"), ("python: import hyperscan, numpy",
                                                          "import hyperscan, numpy")):
            t = time.time()
            subprocess.run([sys.executable, "-c", code], check=True)
            bare[label].append(time.time() - t)
        env = {**os.environ, "CI": "1", "P2_TAIL_LAUNCH": repr(time.time())}
        done = subprocess.run([sys.executable, "-c", _STARTUP, root], capture_output=True, cwd=ROOT, env=env,
                              check=True)
        line = next(x for x in done.stderr.decode().splitlines() if x.startswith("STARTUP "))
        rows.append(json.loads(line.split(" ", 1)[1]))
    for key in ("wall", "cpu", "imported cli", "catalog", "vocabulary"):
        values = [r.get(key, 0.0) for r in rows]
        print(f"to the first submit, {key:13}: median {statistics.median(values):.3f} s "
              f"({min(values):.3f}–{max(values):.3f})")
    for label, values in bare.items():
        print(f"{label:31} wall: median {statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})")


def main(argv: list[str]) -> int:
    """`capture [SET]`, `run CAPTURE [-n N]`, `startup [SET] [-n N]`."""
    repeat = int(argv[argv.index("-n") + 1]) if "-n" in argv else 5
    rest = [a for i, a in enumerate(argv[1:], 1) if not a.startswith("-") and argv[i - 1] != "-n"]
    if argv[:1] == ["capture"]:
        capture(rest[0] if rest else "main")
        return 0
    if argv[:1] == ["run"] and rest:
        return run(rest[0], repeat)
    if argv[:1] == ["startup"]:
        startup(rest[0] if rest else "main", repeat)
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
