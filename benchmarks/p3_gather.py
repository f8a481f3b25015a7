"""P3 `merge`'s printing thread: what putting a round's runs on stdout costs, bare (CPU s for a whole set).

    python -m benchmarks.p3_gather benchmarks/_data/main

The runs are laid as `merge -j 2` meets them on main (the four computes
interleave every ≈ 14 records: runs of ≈ 4.5 KiB), over the set's bytes cut
in 1 MiB windows.  Ways, each over every byte of the set, best of 3:

- `slices`: one `bytes` slice per run, joined per round (the way before the gather);
- `gather`: the compiled copy of every run of a round into one buffer (`sources/_gather`);
- `memcpy`: one copy of each whole window (the copy's floor: the same bytes, one run a window);
- `views`: one `memoryview` slice per run (what `os.writev` of the runs would need: no copy at all);
- `write`: the windows written to /dev/null.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable

import numpy as np

from benchmarks.p3_floor import windows
from migtrace.sources import _gather

#: bytes of a run (≈ 14 records of ≈ 330 bytes)
RUN = 4600


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _best(run: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        t = _cpu()
        run()
        best = min(best, _cpu() - t)
    return best


def main(directory: str) -> None:
    wins = [w for parts in windows(directory) for w in parts]
    # per window: its runs' (begin, end), at newlines near every RUN bytes; rounds of 4 windows interleaved
    cuts = []
    for w in wins:
        ends = np.flatnonzero(np.frombuffer(w, np.uint8) == 10)
        marks = np.unique(np.searchsorted(ends, np.arange(RUN, len(w), RUN)).clip(0, len(ends) - 1))
        cuts.append(ends[marks])
    rounds = [list(range(i, min(i + 4, len(wins)))) for i in range(0, len(wins), 4)]
    print(f"{len(wins)} windows, {sum(len(c) for c in cuts)} runs, {sum(map(len, wins)) / 2**30:.2f} GiB")

    def slices() -> None:
        for r in rounds:
            b"".join(wins[w][int(a) + 1 if a else 0:int(b) + 1] for w in r for a, b in zip(
                [0, *cuts[w][:-1].tolist()], cuts[w].tolist(), strict=True))

    def gather() -> None:
        for r in rounds:
            ends = [cuts[w] for w in r]
            window = np.concatenate([np.full(len(c), k) for k, c in enumerate(ends)])
            first = np.concatenate([np.arange(len(c)) for c in ends])
            _gather.gather([wins[w] for w in r], ends, window, first, first)

    def memcpy() -> None:
        for w in wins:
            np.frombuffer(w, np.uint8).copy()

    def views() -> None:
        for r in rounds:
            [memoryview(wins[w])[a:b] for w in r for a, b in zip(
                [0, *cuts[w][:-1].tolist()], cuts[w].tolist(), strict=True)]

    def write() -> None:
        with open(os.devnull, "wb") as f:
            for w in wins:
                f.write(w)

    parts: list[tuple[str, Callable[[], None]]] = [("slices", slices), ("memcpy", memcpy), ("views", views),
                                                   ("write", write)]
    if _gather.available():
        parts.insert(1, ("gather", gather))
    for name, run in parts:
        t = time.perf_counter()
        cpu = _best(run)
        print(f"{name:8} {cpu:6.2f} CPU s  (wall of 3: {time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/_data/main")
