"""P3 `merge`'s floor: what a bare Python process costs for each part of a full merge (CPU s), and the bulk
window kernels in µs a line.

    python -m benchmarks.p3_floor benchmarks/_data/main

Parts, each over every `*.log` under the directory, in 1 MiB windows cut at
a newline, each measured alone:

- `read`: page cache -> bytes (the windows the bulk path hands on);
- `count`: the newlines counted (`bytes.count`);
- `literals`: the bulk path's one hyperscan scan per window (ANSI-like texts, secret keywords);
- `kernel` / `numpy`: `bulk_window` compiled (numba) / with numpy array passes (checks + printed records);
- `sort`: one stable argsort of as many int64 keys as lines, laid as the inputs' sorted runs;
- `write`: the bytes of the set written to /dev/null in 1 MiB blocks;
- `numba`: importing numba and loading the cached kernel (once per process).
"""

from __future__ import annotations

import glob
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable

WINDOW = 1 << 20


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def windows(directory: str) -> list[list[bytes]]:
    """Each input's windows (whole lines)."""
    out = []
    for path in sorted(glob.glob(f"{directory}/**/*.log", recursive=True)):
        parts: list[bytes] = []
        with open(path, "rb") as f:
            rest = b""
            while True:
                chunk = f.read(WINDOW)
                if not chunk:
                    if rest:
                        parts.append(rest)
                    break
                buf = rest + chunk
                cut = buf.rfind(b"\n") + 1
                if not cut:
                    rest = buf
                    continue
                parts.append(buf[:cut])
                rest = buf[cut:]
        out.append(parts)
    return out


def _best(run: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = _cpu()
        run()
        best = min(best, _cpu() - start)
    return best


def main(directory: str) -> None:
    import numpy as np

    from migtrace.reports.redact import _KEYWORD_LIST
    from migtrace.sources import _bulk_kernel
    from migtrace.sources._bulk import Literals, bulk_window, numpy_window

    start = _cpu()
    sets = windows(directory)
    read = _cpu() - start
    flat = [w for parts in sets for w in parts]
    lines = sum(w.count(b"\n") for w in flat)
    size = sum(len(w) for w in flat)
    print(f"{len(sets)} inputs, {size / 2**30:.2f} GiB, {lines:,} lines")
    rows: list[tuple[str, float]] = [("read (1 MiB windows)", read)]
    rows.append(("count newlines", _best(lambda: [w.count(b"\n") for w in flat])))
    literals = Literals(_KEYWORD_LIST)
    rows.append(("literals (one hyperscan scan a window)", _best(lambda: [literals(w) for w in flat], 1)))
    tag = b"[host/nova-compute]"
    if _bulk_kernel.available():
        bulk_window(flat[0], tag, literals)  # compiled (or loaded) before timing
        rows.append(("kernel: bulk_window compiled (numba), literals included",
                     _best(lambda: [bulk_window(w, tag, literals) for w in flat], 1)))
    rows.append(("numpy: bulk_window's numpy way, literals included",
                 _best(lambda: [numpy_window(w, tag, literals) for w in flat], 1)))
    rng = np.random.default_rng(0)
    runs = [np.sort(rng.integers(0, 10**15, sum(w.count(b"\n") for w in parts))) for parts in sets]
    keys = np.concatenate(runs)
    rows.append(("sort: one stable argsort of the keys (inputs' sorted runs)",
                 _best(lambda: np.argsort(keys, kind="stable"))))
    fd = os.open(os.devnull, os.O_WRONLY)
    rows.append(("write to /dev/null (1 MiB blocks)", _best(lambda: [os.write(fd, w) for w in flat])))
    os.close(fd)
    for name, cpu in rows:
        print(f"{name:62s} {cpu:6.2f} CPU s  {cpu / lines * 1e6:6.3f} µs/line")
    code = ("import time; t = time.process_time(); import numpy as np; from migtrace.sources import _bulk_kernel as k;"
            " k.available() and k.scan(b'x\\n', np.zeros(0, np.int64), b' '); print(time.process_time() - t)")
    for what, env in (("numpy + numba + the cached kernel", {}), ("numpy alone", {"MIGTRACE_BULK_KERNEL": "0"})):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, **env})
        print(f"import {what}: {float(out.stdout):.2f} CPU s")
    wall = time.time()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"python -c pass: {time.time() - wall:.2f} s wall")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/_data/main")
