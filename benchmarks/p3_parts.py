"""P3 `merge`: where the printing (main) thread's CPU goes, without a profiler's per-call cost.

    python -m benchmarks.p3_parts merge --full -j 2 benchmarks/_data/main > /dev/null

Wraps a few functions of the printing thread with `time.thread_time()`
(each called ≈ 1,000 times on main, so the wrapping costs nothing that
shows) and prints, on stderr at exit, the thread CPU of each part and of the
whole thread and process:

- `start`: from the process start to the first round (imports, numba and the cached kernels, opening);
- `read`: each input's next batch (`_Merge._refill`: reading the windows, the text fold of the lines the
  kernel leaves, handing the windows to the worker and taking its results);
- `round`: the round's order, pieces and gather (`_Merge._round`);
- `print`: redaction checks and the writes (`_Block.write`);
- `rest`: the thread's CPU not in those (the loops around them, the end).
"""

from __future__ import annotations

import functools
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from migtrace.cli import _merge as cli_merge
from migtrace.cli import cli
from migtrace.pipeline import _bulk_merge

PARTS = {"read": 0.0, "round": 0.0, "print": 0.0}
FIRST: list[float] = []


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not FIRST:
            FIRST.append(time.thread_time())
        t = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            PARTS[name] += time.thread_time() - t
    return wrapper


def main(argv: list[str]) -> None:
    _bulk_merge._Merge._refill = _timed("read", _bulk_merge._Merge._refill)  # type: ignore[method-assign]
    _bulk_merge._Merge._round = _timed("round", _bulk_merge._Merge._round)  # type: ignore[method-assign]
    cli_merge._Block.write = _timed("print", cli_merge._Block.write)  # type: ignore[method-assign]
    try:
        cli(argv, standalone_mode=False)
    finally:
        sys.stdout.flush()
        whole = time.thread_time()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = FIRST[0] if FIRST else whole
        rest = whole - start - sum(PARTS.values())
        parts = " ".join(f"{k} {v:.2f}" for k, v in PARTS.items())
        print(f"start {start:.2f} {parts} rest {rest:.2f} | main-thread {whole:.2f} "
              f"total {usage.ru_utime + usage.ru_stime:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
