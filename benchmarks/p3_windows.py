"""P3 `merge`: the printing thread's CPU by part, the process CPU and peak RSS for several window sizes.

    python -m benchmarks.p3_windows benchmarks/_data/main 1 2 4 8
    python -m benchmarks.p3_windows benchmarks/_data/main 1 4 --runs 3 --args "merge --full -j 2"

Each size (MiB) runs `merge` (stdout to /dev/null) in a child process with
`sources/_open.MERGE_WINDOW_BYTES` set to it and `MERGE_HELD_BYTES` lifted
(so that size is the one used whatever the number of inputs); the child
prints `benchmarks.p3_parts`'s line (start / read / round / print / rest of
the printing thread, and its and the process's CPU), and this script adds
the child's peak RSS (`wait4`).  Sizes are run in turn, run by run, so a
loaded machine weighs on each alike.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys

_CHILD = """
import sys
from migtrace.sources import _open
_open.MERGE_WINDOW_BYTES = int(sys.argv[1]) << 20
_open.MERGE_HELD_BYTES = 1 << 40
from benchmarks import p3_parts
p3_parts.main(sys.argv[2:])
"""


def run(size: int, args: list[str]) -> str:
    """One child's p3_parts line and its peak RSS."""
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(size), *args], stdout=null,
                                 stderr=subprocess.PIPE)
        assert child.stderr is not None
        err = child.stderr.read().decode()
        _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    line = err.strip().splitlines()[-1] if err.strip() else "(no output)"
    return f"{size} MiB: {line} | peak RSS {usage.ru_maxrss >> 10} MiB"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("sizes", nargs="+", type=int, help="window sizes in MiB")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--args", default="merge --full -j 2", help="the command before the path")
    ns = parser.parse_args(argv)
    for _ in range(ns.runs):
        for size in ns.sizes:
            print(run(size, [*shlex.split(ns.args), ns.path]), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
