"""P2 floor analysis: what the workers of `list -f json` do per pass, piece by piece, against bare scripts.

Run `python -m benchmarks.p2_floor [SET]` (default `main`, the 1 GiB set).  It first runs `migtrace list -f
json --no-cache SET` once with the pool workers' calls recorded (each input and the terms of pass 1 and
pass 2, as `sources._parallel.read_input` gets them), then replays each pass in this process and prints
a Markdown table of CPU seconds, best of 3 (benchmarks/README.md "### P2 (i13l)" reads it):

- bare: the read alone (`readinto` of a reused 1 MiB buffer), the newline count (numpy) over it and over
  mmap views (an mmap costs only when its pages are touched: the count is the fair comparison),
  read + one hyperscan search of the pass's texts with a counting callback (no Python per line);
- migtrace: the pass's hit finder (search + line tests), the windowed scan (the selected lines out),
  the events (+ parse), `read_input` (+ packing);
- Event construction alone: a bare loop over the selected header lines (one regex, the time, an Event).
"""

from __future__ import annotations

import glob
import mmap
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from benchmarks import datasets
from benchmarks.measure import ROOT
from migtrace.model import FileStats, new_event
from migtrace.options import LoadOptions
from migtrace.sources import _parallel
from migtrace.sources._open import Peekable, open_raw
from migtrace.sources._reader import FileReader
from migtrace.sources._scan import _window_hit_finder, literal_database, prepare_counting

_RECORD = """
import functools, itertools, os, pickle, sys
import migtrace.sources._parallel as par
out, n, orig = sys.argv[1], itertools.count(), par.read_input
@functools.wraps(orig)
def read_input(item, options, terms, progress=None, annotate=None):
    kind = "p2" if getattr(terms, "windowed", None) else "p1"
    with open(f"{out}/{kind}-{os.getpid()}-{next(n)}.pkl", "wb") as f:
        pickle.dump((item, options, terms), f)
    return orig(item, options, terms, progress, annotate)
par.read_input = read_input
from migtrace.cli import main
sys.argv = ["migtrace", "list", "-f", "json", "--no-cache", "-q", sys.argv[2]]
main()
"""

Call = tuple[Any, dict[str, Any], Any]


def record(root: str, out: str) -> dict[str, list[Call]]:
    """Run `list` once with the workers' calls recorded; return them per pass."""
    with open(os.devnull, "wb") as sink:
        subprocess.run([sys.executable, "-c", _RECORD, out, root], stdout=sink, check=True, cwd=ROOT)
    calls: dict[str, list[Call]] = {}
    for kind in ("p1", "p2"):
        calls[kind] = []
        for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.pkl"))):
            with open(path, "rb") as fh:
                calls[kind].append(pickle.load(fh))  # our own recording, made just above
    return calls


def _cpu(piece: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        piece()
        best = min(best, time.process_time() - start)
    return best


def _read_into(paths: list[str], each: Callable[[bytearray, int], object]) -> None:
    buf = bytearray(1 << 20)
    for path in paths:
        with open(path, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                each(buf, n)


def _mmapped(paths: list[str], each: Callable[[Any, int, int], object]) -> None:
    for path in paths:
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            for start in range(0, len(mm), 1 << 20):
                each(mm, start, min(1 << 20, len(mm) - start))
            mm.close()


def _texts(terms: Any) -> list[bytes]:
    texts = set(getattr(terms, "main", terms)) | set(getattr(terms, "windowed", ()))
    for e in getattr(terms, "evidence", ()):
        texts |= set(e) | set(getattr(e, "windowed", ())) | set(getattr(e, "windowed_caseless", ()))
    return sorted(t.encode() for t in texts if t and "\n" not in t)


def rows(calls: list[Call]) -> list[tuple[str, float]]:
    """The table's rows for one pass: (label, CPU seconds)."""
    prepare_counting(1 << 40)
    paths = [item.path for item, _, _ in calls]
    texts = _texts(calls[0][2])
    db = literal_database(texts, [False] * len(texts))
    counted = [0]

    def on_match(*_: object) -> None:
        counted[0] += 1

    def newlines(buf: Any, start: int, n: int) -> int:
        return int(np.count_nonzero(np.frombuffer(buf, np.uint8, n, start) == 10))

    def finder() -> None:
        for item, options, terms in calls:
            reader = FileReader(item, LoadOptions(**options), lambda _m: None, terms)
            stats = FileStats(path=item.path, host=reader._context().host)
            hits = _window_hit_finder(terms, stats)
            with open_raw(item.path) as raw:
                base = 0
                for w, size in Peekable(raw).windows():
                    hits(w, size, base)
                    base += newlines(w, 0, size)

    selected: list[str] = []

    def events() -> None:
        selected.clear()
        for item, options, terms in calls:
            for e in FileReader(item, LoadOptions(**options), lambda _m: None, terms).events():
                selected.append(e.time_text)

    out = [
        ("read: `readinto` a reused 1 MiB buffer", _cpu(lambda: _read_into(paths, lambda b, n: None))),
        ("read + newline count (numpy), `readinto`", _cpu(lambda: _read_into(paths, lambda b, n: newlines(b, 0, n)))),
        ("read + newline count (numpy), mmap", _cpu(lambda: _mmapped(paths, newlines))),
        (f"read + hyperscan of the pass's {len(texts)} texts (counting callback) + newline count",
         _cpu(lambda: _read_into(paths, lambda b, n: (db.scan(memoryview(b)[:n], match_event_handler=on_match),
                                                      newlines(b, 0, n))))),
        ("migtrace: the hit finder (search + line tests) over `Peekable.windows`", _cpu(finder)),
        ("migtrace: + the records' lines out, parsed into Events (`FileReader.events`)", _cpu(events)),
        ("migtrace: + packing (`read_input`, the worker's whole call)",
         _cpu(lambda: [_parallel.read_input(i, o, t) for i, o, t in calls])),
    ]
    n = len(selected)
    out.append((f"bare: {n:,} Events built from a stamp text each (fromisoformat + `new_event`)",
                _cpu(lambda: _bare_events(selected))))
    return out


def _bare_events(stamps: list[str]) -> None:
    for ts in stamps:
        try:
            t = datetime.fromisoformat(ts + "+00:00")
        except ValueError:
            continue
        new_event(t, ts, "m", "h", "s", 1, "INFO", "nova", None, None, None, None, None, (), "f", 1, 1, "oslo")


def main(argv: list[str]) -> int:
    """Print the floor table of each pass of `list` on the set (default `main`)."""
    name = argv[0] if argv else "main"
    root = str(datasets.ensure(name))
    with tempfile.TemporaryDirectory(prefix="p2-floor-") as tmp:
        calls = record(root, tmp)
    for kind, label in (("p1", "pass 1 (vocabulary + clue covers)"), ("p2", "pass 2 (moved instances' windows)")):
        print(f"\n{label}, {len(calls[kind])} inputs of {name}\n\n| piece | CPU s |\n|---|---:|")
        for what, seconds in rows(calls[kind]):
            print(f"| {what} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
