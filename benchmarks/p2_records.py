"""P2's floor WITH its per-record minimum: `p2_bare`'s two raw scans plus the least Python a record needs.

`p2_bare` measures the two-pass read with nothing per record.  Any implementation of the design must
also turn each record it selects into something the correlation can use, ship it to the main process
and merge the inputs in time order.  This script adds that work at its minimum, for the records the
REAL run selects (recorded from a real `list`, not estimated):

- per match (the hyperscan callback, as in `p2_bare`): the start of its line (`rfind`, a set of them,
  as `_scan.Matcher.term_starts` does): the line a match selects;
- per selected record: its bytes cut out of the window, decoded (UTF-8, invalid bytes replaced), ONE
  header regex on its first line (`parsers.oslo._FAST_HEADER`, the real one, recorded with the spec),
  a tuple (time from `datetime.fromisoformat`, kept as its float timestamp: it pickles 4x faster than
  the datetime; line number, level, request id, instance, message); the line numbers counted between
  the records (as the real scan counts between its hits) or, in a window dense with records, searched
  in the newlines' positions;
- the tuples pickled back to the main process (the pool's own result pickling), then one `heapq.merge`
  of every input's records of both passes in time order (a list: the merge really runs).

What it leaves out (so the figure stays a lower bound): which lines become records is given (the real
run's record offsets; a real reader decides with its finder: the header lookback, the continuation
lines, the windowed ids' line test); no finder, notes, Keeper, Join, evidence split, accounting of
skipped lines, no host/service, no zlib packs; pass 2's ids are given as in `p2_bare`; the window
reader's long-line checks are skipped; a record that fails the header (none on `main`) is counted and
kept with its text only.

`python -m benchmarks.p2_records record [SET]`: run `list -f json --no-cache` twice with captures
(`p2_bare.record`: the search databases; here: each worker's records per input and pass, as line
numbers, turned into byte ranges) and write `$TMPDIR/p2_records-SET.pickle`.
`python -m benchmarks.p2_records run SPEC [--bare|--match-lines]`: the measured script (a fresh
interpreter; stdlib, hyperscan and numpy only). `--bare`: the same script with the per-record work off
(its floor, to compare within one script); `--match-lines`: the per-match line starts only.
`python -m benchmarks.p2_records parts SPEC [-n 3]`: in ONE process, per pass, the CPU of the raw scan
alone, the scan with the per-match and per-record work, the pickling of the tuples and the merge:
the per-record cost in µs (best of n).
`python -m benchmarks.p2_records compare [SET] [-n 5]`: record, then alternated rounds of the bare
floor (`p2_bare run`), this script, `migtrace list -f json --no-cache SET` and lnav's full load, each
a fresh process under GNU time: wall s / CPU s per run with the load, then medians and ranges.
"""

from __future__ import annotations

import heapq
import os
import pickle
import resource
import sys
import time
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from benchmarks.p2_bare import JOBS, WINDOW, _database

#: the recorded spec, set before the pool forks (the workers inherit it: nothing per input is pickled to them)
_SPEC: dict[str, Any] = {}
_HEADER: list[Any] = []


def _header_match() -> Any:
    """The recorded oslo header regex's `match` (compiled once per process)."""
    if not _HEADER:
        import re

        _HEADER.append(re.compile(_SPEC["header"]).match)
    return _HEADER[0]


Record = tuple[Any, ...]


#: how much of the per-record work `read_records` does: none (`p2_bare`'s scan over windows of whole lines),
#: the matches' line starts, and the records' tuples too (with the newlines' positions for their line numbers)
BARE, MATCH_LINES, RECORDS = 0, 1, 2


def tuples(buf: bytes | bytearray, firsts: list[int], ends: list[int], numbers: list[int], selected: set[int],
           match: Any, add: Any, last_time: Any) -> tuple[int, int, Any]:
    """The per-record minimum for the records at `buf[firsts[i]:ends[i]]` (line `numbers[i]`): cut, decode, one
    header regex, a tuple (`add`ed).  Returns (records whose first line holds a match, records the regex
    refused, the last record's time: a refused record keeps the time before it, as a continuation would)."""
    fromiso = datetime.fromisoformat
    matched = refused = 0
    for s, e, lineno in zip(firsts, ends, numbers, strict=True):
        if s in selected:
            matched += 1
        text = buf[s:e].decode("utf-8", "replace")
        head, _, rest = text.partition("\n")
        m = match(head)
        if m is None:
            refused += 1
            add((last_time, lineno, None, None, None, text))
            continue
        ts, _pid, severity, _logger, ctx, after = m.groups()
        last_time = fromiso(ts + "+00:00").timestamp()  # a float travels 4x cheaper than a datetime
        add((last_time, lineno, severity, ctx[:40] if ctx.startswith("req-") else None,
             after[11:47] if after.startswith("[instance: ") else None,
             f"{after}\n{rest.rstrip()}" if rest else after))
    return matched, refused, last_time


#: a span of at least this many bytes has its newlines counted by numpy, a shorter one by `bytes.count`
#: (as `sources._scan._newlines`, which takes 32 KiB: numpy's compare is ≈ 3x faster a byte, its call ≈ 1 µs
#: dearer; pass 1's records are ≈ 20 KiB apart on `main`)
NUMPY_SPAN = 16 << 10
#: more records than this in a window: their line numbers from the newlines' positions (one numpy pass ≈ 0.7 ms
#: a 4 MiB window) rather than counted between them (≈ 0.25 ms + 0.5 µs a record)
DENSE = 512


def numbered(buf: bytearray, window: Any, firsts: list[int], end: int, before: int, np: Any) -> tuple[list[int], int]:
    """The line numbers of the lines starting at `firsts` in `buf[:end]` (`window`: its bytes as a numpy array;
    `before` lines precede it) and its newline count: the newlines counted between them, as the real scan
    counts them between its hits (`sources._scan._newlines`)."""
    if len(firsts) > DENSE:  # many records: the newlines' positions once, each record's number searched
        newlines = np.flatnonzero(window == 10)
        return (np.searchsorted(newlines, firsts) + (before + 1)).tolist(), len(newlines)
    count = buf.count
    nonzero = np.count_nonzero
    out = []
    lines = prev = 0
    for s in firsts:
        lines += int(nonzero(window[prev:s] == 10)) if s - prev >= NUMPY_SPAN else count(b"\n", prev, s)
        out.append(before + lines + 1)
        prev = s
    lines += int(nonzero(window[prev:end] == 10)) if end - prev >= NUMPY_SPAN else count(b"\n", prev, end)
    return out, lines


def read_records(kind: str, path: str, level: int = RECORDS) -> tuple[list[Record], int, int, int, int]:
    """One input read in one pass: every byte searched with its real database, its selected records turned
    into tuples (`level`).  Returns (records in file order, lines, matches, records whose first line holds
    a match, records whose first line the header regex refused)."""
    import numpy as np

    texts, caseless, starts, ends = _SPEC[kind][path]
    db = _database(texts, caseless)
    match = _header_match()
    out: list[Record] = []
    add = out.append
    found: list[int] = []
    note = found.append

    def on_match(_pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
        note(end - 1)

    buf = bytearray(WINDOW)
    view = memoryview(buf)
    rfind = buf.rfind
    held = base = lines = matches = matched = refused = 0
    k, last_time = 0, None
    with open(path, "rb", buffering=0) as fh:
        while True:
            got = fh.readinto(view[held:])
            n = held + got
            if not n:
                break
            # whole lines (at the end of the file: the rest); a record that goes on past them waits for the next
            end = n if not got else rfind(b"\n", 0, n) + 1 or n  # (a line longer than the window: cut)
            j = int(np.searchsorted(starts, base + end, "left")) if level == RECORDS else k
            if got and j > k and ends[j - 1] > base + end:
                j -= 1
                end = int(starts[j]) - base
                if not end:
                    raise ValueError(f"{path}: a record longer than the window ({WINDOW} bytes)")
            found.clear()
            db.scan(view[:end], match_event_handler=on_match)
            matches += len(found)
            if level >= MATCH_LINES:
                selected = {rfind(b"\n", 0, off) + 1 for off in found}  # the lines the matches are on
            else:
                selected = set()
            first = (starts[k:j] - base).tolist()
            numbers, newlines = numbered(buf, np.frombuffer(buf, np.uint8, end), first, end, lines, np)
            if first:
                on, bad, last_time = tuples(buf, first, (ends[k:j] - base).tolist(), numbers, selected, match, add,
                                            last_time)
                matched += on
                refused += bad
            lines += newlines
            held = n - end
            buf[:held] = buf[end:n]
            base += end
            k = j
    return out, lines, matches, matched, refused


def run(spec_path: str, level: int = RECORDS) -> int:
    """Both passes on a 2-process pool, the records merged in time order; figures on stderr, the count on stdout."""
    started = time.perf_counter()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import hyperscan  # noqa: F401 - the workers' search
    import numpy  # noqa: F401 - the workers' newline positions

    with open(spec_path, "rb") as fh:
        _SPEC.update(pickle.load(fh))  # our own recording (`record`)
    imported = time.perf_counter() - started
    got: list[list[Record]] = []
    out = []
    with ProcessPoolExecutor(JOBS, mp_context=multiprocessing.get_context("fork")) as pool:
        for kind in ("p1", "p2"):
            t = time.perf_counter()
            files = sorted(_SPEC[kind], key=lambda p: -os.path.getsize(p))  # longest first, as `read_results`
            futures = [pool.submit(read_records, kind, p, level) for p in files]
            results = [f.result() for f in futures]
            got.extend(r[0] for r in results)
            counts = [sum(r[i] for r in results) for i in range(1, 5)]  # type: ignore[misc]  # ints
            out.append((kind, time.perf_counter() - t, *counts, sum(len(r[0]) for r in results)))
    t = time.perf_counter()
    merged = list(heapq.merge(*got, key=itemgetter(0)))
    merge_s = time.perf_counter() - t
    wall = time.perf_counter() - started
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write(f"floor{('', ' + match lines', ' + records')[level]}: start-up {imported:.2f} s, " + ", ".join(
        f"{k} {s:.2f} s ({n:,} lines, {h:,} matches, {r:,} records: {on:,} on a match line, {bad} refused)"
        for k, s, n, h, on, bad, r in out)
        + f", merge {merge_s:.3f} s; wall {wall:.2f} s, CPU main {me.ru_utime + me.ru_stime:.2f} + workers "
          f"{kids.ru_utime + kids.ru_stime:.2f}\n")
    print(len(merged))
    return 0


# --- recording: the databases (`p2_bare.record`) and each worker's records (imports migtrace) ---

_RECORD = r"""
import functools, os, pickle, sys, time, zlib
import migtrace.sources._parallel as par
out, orig = sys.argv[1], par.read_input
par.MIN_WORKER_BYTES = par.MIN_POOL_BYTES = 0  # every input through `read_input` (the same records: see p2_bare)
@functools.wraps(orig)
def read_input(item, options, terms, *rest):
    result = orig(item, options, terms, *rest)
    rows = []
    for pack in result.packs:  # our own workers' packs (`_parallel._pack`): rows, or (rows, notes)
        data = pickle.loads(zlib.decompress(pack))
        rows.extend((r[15], r[16]) for r in (data if type(data) is list else data[0]))  # lineno, line_count
    kind = "p2" if getattr(terms, "windowed", None) else "p1"
    with open(f"{out}/{time.monotonic_ns()}-{os.getpid()}.pkl", "wb") as f:
        pickle.dump((kind, item.path, rows), f)
    return result
par.read_input = read_input
from migtrace.cli import main
sys.argv = ["migtrace", "list", "-f", "json", "--no-cache", "-q", sys.argv[2]]
main()
"""


def byte_ranges(path: str, rows: list[tuple[int, int]]) -> tuple[Any, Any]:
    """The byte ranges [start, end) of the records at (first line number, line count) in `path` (numpy arrays)."""
    import numpy as np

    data = np.fromfile(path, np.uint8)
    after = np.flatnonzero(data == 10) + 1  # the offset after each newline: line k+1 starts at after[k-1]
    line_start = np.concatenate(([0], after))
    line_start = np.append(line_start, len(data)) if line_start[-1] != len(data) else line_start
    rows = sorted(set(rows))
    first = np.array([r[0] for r in rows], np.int64)
    last = first + np.array([r[1] for r in rows], np.int64) - 1
    if rows and (first.min() < 1 or last.max() >= len(line_start)):
        raise ValueError(f"{path}: a record's lines lie outside the file")
    return line_start[first - 1].astype(np.int64), line_start[last].astype(np.int64)


def set_root(name: str) -> Path:
    """A benchmark set by name (benchmarks/_data/NAME: never generated here) or any directory of logs."""
    from benchmarks.measure import ROOT

    root = Path(name) if os.path.isdir(name) else ROOT / "benchmarks" / "_data" / name
    if not root.is_dir():
        raise SystemExit(f"{root}: no such benchmark set (python -m benchmarks gen {name})")
    return root.resolve()


def record(root: str, spec_path: str) -> dict[str, Any]:
    """Record the databases and the records of a real `list` run on `root`; write the spec."""
    import glob
    import subprocess
    import tempfile

    from benchmarks.measure import ROOT
    from benchmarks.p2_bare import record as record_databases
    from migtrace.parsers.oslo import _FAST_HEADER

    databases = record_databases(root, spec_path + ".databases")
    spec: dict[str, Any] = {"header": _FAST_HEADER.pattern, "p1": {}, "p2": {}}
    with tempfile.TemporaryDirectory(prefix="p2-records-") as tmp:
        env = {**os.environ, "MIGTRACE_CACHE_DIR": tmp + "/cache"}
        with open(os.devnull, "wb") as sink:
            subprocess.run([sys.executable, "-c", _RECORD, tmp, root], stdout=sink, check=True, cwd=ROOT, env=env)
        rows: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for path in glob.glob(os.path.join(tmp, "*.pkl")):
            with open(path, "rb") as fh:
                kind, name, got = pickle.load(fh)  # our own recording, made just above
            rows.setdefault((kind, name), []).extend(got)
    for kind in ("p1", "p2"):
        for name, (texts, caseless) in databases[kind].items():
            starts, ends = byte_ranges(name, rows.get((kind, name), []))
            spec[kind][name] = (texts, caseless, starts, ends)
            print(f"{kind} {os.path.relpath(name, root)}: {len(starts):,} records "
                  f"({int((ends - starts).sum()):,} bytes)")
    with open(spec_path, "wb") as fh:
        pickle.dump(spec, fh)
    return spec


def parts(spec_path: str, repeat: int) -> None:
    """Per pass, in this one process: the scan alone, the scan with the per-record work, the pickling and the
    merge (CPU s, best of `repeat`), and the per-record cost."""
    from benchmarks.p2_bare import scan_file

    with open(spec_path, "rb") as fh:
        _SPEC.update(pickle.load(fh))  # our own recording (`record`)

    def best(call: Any) -> tuple[float, Any]:
        times, result = [], None
        for _ in range(repeat):
            t = time.process_time()
            result = call()
            times.append(time.process_time() - t)
        return min(times), result

    lists: list[list[Record]] = []
    for kind in ("p1", "p2"):
        bare = positions = lined = with_records = dumped = loaded = alone = 0.0
        records = matches = 0
        for path, (texts, caseless, starts, ends) in _SPEC[kind].items():
            with open(path, "rb") as fh:
                data = fh.read()
            firsts, lasts = starts.tolist(), ends.tolist()
            alone += best(lambda d=data, f=firsts, e=lasts: tuples(d, f, e, f, set(), _header_match(), [].append,
                                                                  None))[0]
            bare += best(lambda p=path, t=texts, c=caseless: scan_file(p, t, c))[0]
            positions += best(lambda p=path, k=kind: read_records(k, p, BARE))[0]
            lined += best(lambda p=path, k=kind: read_records(k, p, MATCH_LINES))[0]
            spent, result = best(lambda p=path, k=kind: read_records(k, p))
            with_records += spent
            records += len(result[0])
            matches += result[2]
            lists.append(result[0])
            spent, data = best(lambda r=result: pickle.dumps(r, pickle.HIGHEST_PROTOCOL))
            dumped += spent
            loaded += best(lambda d=data: pickle.loads(d))[0]
        per_match, per_record = lined - positions, with_records - lined
        print(f"{kind}: the records' loop alone (`tuples` over the file in memory) {alone:.3f} CPU s = "
              f"{alone / max(records, 1) * 1e6:.2f} µs a record")
        print(f"{kind}: {records:,} records, {matches:,} matches; CPU s: bare scan (`p2_bare.scan_file`) {bare:.3f}, "
              f"in windows of whole lines {positions:.3f}, + the matches' line starts {lined:.3f} "
              f"(+{per_match:.3f} = {per_match / max(matches, 1) * 1e6:.2f} µs a match), + the records' tuples "
              f"{with_records:.3f} (+{per_record:.3f} = {per_record / max(records, 1) * 1e6:.1f} µs a record); "
              f"pickled {dumped:.3f} ({dumped / max(records, 1) * 1e6:.1f} µs a record), unpickled {loaded:.3f} "
              f"({loaded / max(records, 1) * 1e6:.1f} µs)")
    merge = best(lambda: list(heapq.merge(*lists, key=itemgetter(0))))[0]
    total = sum(len(x) for x in lists)
    print(f"merge of {total:,} records: {merge:.3f} CPU s ({merge / max(total, 1) * 1e6:.2f} µs a record)")


def compare(name: str, repeat: int) -> None:
    """Record the spec, then alternated rounds: the bare floor, this script, `list`, lnav's full load."""
    import tempfile

    from benchmarks import datasets
    from benchmarks.measure import alternated, warm

    root = set_root(name)
    files = datasets.log_files(root)
    spec_path = os.path.join(tempfile.gettempdir(), f"p2_records-{root.name}.pickle")
    bare_path = os.path.join(tempfile.gettempdir(), f"p2_bare-{root.name}.pickle")
    record(str(root), spec_path)
    with open(spec_path, "rb") as src:
        spec = pickle.load(src)  # our own recording, made just above
    with open(bare_path, "wb") as dst:  # the same databases for the bare floor
        pickle.dump({k: {p: v[:2] for p, v in spec[k].items()} for k in ("p1", "p2")}, dst)
    warm(files)
    alternated({
        "floor": [sys.executable, "-m", "benchmarks.p2_bare", "run", bare_path],
        "floor + records": [sys.executable, "-m", "benchmarks.p2_records", "run", spec_path],
        "list": [sys.executable, "-m", "migtrace", "list", "-f", "json", "--no-cache", str(root)],
    }, repeat, with_lnav=files)


def main(argv: list[str]) -> int:
    """`run SPEC [--bare]`, `record [SET]`, `parts SPEC [-n N]`, `compare [SET] [-n N]`."""
    if argv[:1] == ["run"] and len(argv) > 1:
        return run(argv[1], BARE if "--bare" in argv else MATCH_LINES if "--match-lines" in argv else RECORDS)
    repeat = int(argv[argv.index("-n") + 1]) if "-n" in argv else None
    if argv[:1] == ["parts"] and len(argv) > 1:
        parts(argv[1], repeat or 3)
        return 0
    name = next((a for a in argv[1:] if not a.startswith("-") and not a.isdigit()), "main")
    if argv[:1] == ["record"]:
        import tempfile

        root = set_root(name)
        record(str(root), os.path.join(tempfile.gettempdir(), f"p2_records-{root.name}.pickle"))
        return 0
    if argv[:1] == ["compare"]:
        compare(name, repeat or 5)
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
