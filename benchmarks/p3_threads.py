"""P3 `merge`: CPU seconds of the printing (main) thread and of the whole process, for one run.

    python -m benchmarks.p3_threads merge --full -j 2 benchmarks/_data/main > /dev/null

With `-j 2` and the compiled kernel the windows are made on a worker thread;
the main thread reads, merges and prints, and is the serial part P3's wall
time follows where it is the longer one.  Prints `main-thread S total S` on
stderr at exit (`time.thread_time()`, `getrusage`).
"""

from __future__ import annotations

import resource
import sys
import time

from migtrace.cli import cli


def main(argv: list[str]) -> None:
    try:
        cli(argv, standalone_mode=False)
    finally:
        sys.stdout.flush()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(f"main-thread {time.thread_time():.2f} total {usage.ru_utime + usage.ru_stime:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
