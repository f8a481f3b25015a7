"""P3 `merge`: the compiled bulk kernel alone (`sources/_bulk_jit.kernel`), in CPU µs a line, best of 3.

    python -m benchmarks.p3_kernel [benchmarks/_data/main] [--digest]
    python -m benchmarks.p3_kernel --merge [-j 2] DIR     # `merge --full` in-process, to /dev/null

Windows: 1 MiB of real lines (cut at a newline) taken at evenly spaced
offsets of each input — 12 of compute-01's nova-compute.log, 4 of
nova-api.log, 2 of nova-scheduler.log, 1 of nova-conductor.log (the shapes
`merge --full` meets: DEBUG periodic tasks, INFO API lines, instance tags).
The window's literal scan (`_bulk.Literals`, hyperscan) is done once before
timing and timed apart; the kernel gets its offsets, as `bulk_window` gives
them.

Rows: the whole kernel; its parts run alone (`line_ends`, `checked` =
the byte loop + field checks, `printed`); a bare byte loop (every byte read
once, the floor of any per-byte pass); the literal scan.  `--digest`: one
md5 over every output array of every window (compare before/after a
change of the kernel: the same digest means the same `Window`s).

`--merge`: runs `migtrace merge --full [-j N] DIR` in this process with its
output on /dev/null and prints its wall time, the process's CPU
(getrusage) and, with `-j 2`, the CPU of the window jobs (`time.thread_time`
around each `_bulk.window_job`: the worker thread's kernel + literal scan).
Run it with PYTHONPATH pointing at another tree (from a neutral cwd) to
measure that tree.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

WINDOW = 1 << 20
#: (path under the set, how many windows)
INPUTS = (
    ("compute-01/var/log/nova/nova-compute.log", 12),
    ("controller/var/log/nova/nova-api.log", 4),
    ("controller/var/log/nova/nova-scheduler.log", 2),
    ("controller/var/log/nova/nova-conductor.log", 1),
)


def windows(directory: str) -> list[bytes]:
    """The windows: whole lines, about 1 MiB each, spread over each input."""
    out = []
    for name, count in INPUTS:
        path = os.path.join(directory, name)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            for k in range(count):
                at = max(0, (size - WINDOW) * k // max(1, count - 1)) if count > 1 else 0
                f.seek(at)
                data = f.read(WINDOW + 4096)
                first = 0 if at == 0 else data.find(b"\n") + 1
                cut = data.rfind(b"\n", 0, first + WINDOW) + 1
                out.append(data[first:cut])
    return out


def _best(run: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def digest(outputs: list[tuple[Any, ...]]) -> str:
    h = hashlib.md5()
    for out in outputs:
        for part in out:
            h.update(bytes(memoryview(part).cast("B")) if not isinstance(part, bytes) else part)
            h.update(str(getattr(part, "dtype", "")).encode() + b"|" + str(len(part)).encode())
    return h.hexdigest()


def main(argv: list[str]) -> None:
    import numpy as np
    from numba import njit  # type: ignore[import-untyped]

    from migtrace.reports.redact import _KEYWORD_LIST
    from migtrace.sources import _bulk_jit, _bulk_kernel
    from migtrace.sources._bulk import Literals

    directory = next((a for a in argv if not a.startswith("--")), "benchmarks/_data/main")
    assert _bulk_kernel.available(), "numba is not installed"
    ws = windows(directory)
    lines = sum(w.count(b"\n") for w in ws)
    literals = Literals(_KEYWORD_LIST)
    arrays = [np.frombuffer(w, np.uint8) for w in ws]
    drops = [np.sort(literals(w).astype(np.int64)) for w in ws]
    insert = np.frombuffer(b"000+00:00 [compute-01/nova-compute] ", np.uint8)
    print(f"{len(ws)} windows, {sum(map(len, ws)) / 2**20:.1f} MiB, {lines:,} lines")

    def kernel() -> list[tuple[Any, ...]]:
        return [_bulk_kernel.scan(w, d, bytes(insert)) for w, d in zip(ws, drops, strict=True)]

    outputs = kernel()
    if "--digest" in argv:
        print("digest", digest(outputs), "taken", sum(int(o[0].sum()) for o in outputs))

    @njit(nogil=True, boundscheck=False)
    def bare(a: Any) -> int:  # every byte read once, a control test and a bracket count (the byte loop's work)
        bad = np.int32(0)
        more = np.int32(0)
        for x in range(np.uint64(0), np.uint64(a.size)):
            c = np.int32(a[x])
            bad |= np.int32(c < 32) | np.int32(c > 126)
            more += np.int32(c == 91) - np.int32(c == 93)
        return int(bad + more)

    bare(arrays[0])
    rows: list[tuple[str, float]] = [("kernel (`_bulk_kernel.scan`: whole)", _best(kernel))]
    if hasattr(_bulk_jit, "line_ends"):  # the base's kernel: line_ends, checked, printed
        ends = [_bulk_jit.line_ends(a) for a in arrays]
        checked = [_bulk_jit.checked(a, e, d) for a, e, d in zip(arrays, ends, drops, strict=True)]
        taken = [o[0] for o in outputs]
        rows.append(("  line_ends", _best(lambda: [_bulk_jit.line_ends(a) for a in arrays])))
        rows.append(("  checked (byte loop + field checks)", _best(
            lambda: [_bulk_jit.checked(a, e, d) for a, e, d in zip(arrays, ends, drops, strict=True)])))
        rows.append(("  printed", _best(lambda: [
            _bulk_jit.printed(a, t, c[0], e, c[2], insert)
            for a, t, c, e in zip(arrays, taken, checked, ends, strict=True)])))
    else:  # this kernel: `split` (the word loop: line ends and flags) alone; the rest is checks + printing
        def split() -> None:
            for a in arrays:
                h = (8 - a.ctypes.data % 8) % 8
                words = a[h: h + (a.size - h) // 8 * 8].view(np.uint64)
                _bulk_jit.split(a, h, words, 0, len(words), np.empty(a.size // 128 + 16, np.int64),
                                np.empty(a.size // 128 + 16, np.bool_), 0, 0, 0)
        split()
        rows.append(("  split (line ends, controls, brackets)", _best(split)))
        rows.append(("  the rest (field checks, printing)", rows[0][1] - rows[-1][1]))
    rows.append(("bare byte loop (floor of one pass)", _best(lambda: [bare(a) for a in arrays])))
    rows.append(("literal scan (hyperscan, apart)", _best(lambda: [literals(w) for w in ws])))
    for name, cpu in rows:
        print(f"{name:44s} {cpu:6.3f} CPU s  {cpu / lines * 1e6:6.3f} µs/line")


def merge(argv: list[str]) -> None:
    """`merge --full` in-process (see the module's docstring)."""
    import resource
    import threading

    from migtrace.cli import cli
    from migtrace.sources import _bulk

    jobs = 0.0
    lock = threading.Lock()
    job = _bulk.window_job

    def timed(*args: Any) -> Any:
        nonlocal jobs
        start = time.thread_time()
        try:
            return job(*args)
        finally:
            with lock:
                jobs += time.thread_time() - start

    _bulk.window_job = timed  # type: ignore[assignment]
    null = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(null, 1)
    wall = time.time()
    try:
        cli.main(["merge", "--full", *argv], prog_name="migtrace", standalone_mode=False)
        sys.stdout.flush()
    finally:
        os.dup2(saved, 1)
    wall = time.time() - wall
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(f"wall {wall:.2f} s  process CPU {r.ru_utime + r.ru_stime:.2f} s  window jobs CPU {jobs:.2f} s  "
          f"peak RSS {r.ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    if "--merge" in sys.argv:
        merge([a for a in sys.argv[1:] if a != "--merge"])
    else:
        main(sys.argv[1:])
