"""Profile a target's migtrace command with cProfile and print where the time goes (top N by own time).

``python -m benchmarks profile P2`` runs ``python -m cProfile -o … -m
migtrace list -f json SET`` and prints the top functions by self time and
by cumulative time.  P2 and P3 profile the 100 MB set by default (the
profiler roughly doubles the run time); the shares are what matter.
"""

from __future__ import annotations

import io
import os
import pstats
import subprocess
import sys
import tempfile

from benchmarks import datasets
from benchmarks.measure import ROOT
from benchmarks.targets import _pick_request

#: the product's own code in a profile entry's "path:line(function)"
PRODUCT = r"/(migtrace|parsers|reports)/"
DEFAULT_SET = {"P1": "main", "P2": "m100", "P3": "m100", "P4": "report50"}


def command(target: str, root: str, out_dir: str) -> list[str]:
    """The migtrace arguments a target measures."""
    if target == "P1":
        req = str(_pick_request(datasets.DATA / os.path.basename(root))["request_id"])
        return ["timeline", req, root, "--color", "never"]
    if target == "P2":
        return ["list", "-f", "json", root]
    if target == "P3":
        return ["merge", "--full", root]
    return ["report", root, "-o", os.path.join(out_dir, "report.html")]


def profile(target: str, top: int, set_name: str | None) -> int:
    """Run the target's command under cProfile; print the top `top` functions two ways."""
    name = set_name or DEFAULT_SET[target]
    root = str(datasets.ensure(name))
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        prof = os.path.join(tmp, "prof.out")
        args = command(target, root, tmp)
        cmd = [sys.executable, "-m", "cProfile", "-o", prof, "-m", "migtrace", *args]
        with open(os.devnull, "wb") as sink:
            subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, check=True, cwd=ROOT,
                           env={**os.environ, "CI": "1"})
        print(f"== profile {target}: migtrace {' '.join(args)}  (set {name})")
        # self time: everything; cumulative: only the product's own functions (click and runpy wrappers
        # would fill the top 10 with 100 % entries)
        for key, restrict in (("tottime", ()), ("cumulative", (PRODUCT,))):
            buf = io.StringIO()
            stats = pstats.Stats(prof, stream=buf)
            stats.sort_stats(key).print_stats(*restrict, top)
            text = buf.getvalue().replace(str(ROOT) + "/", "")
            # keep the header line with the total and the table itself
            body = text[text.index("function calls"):] if "function calls" in text else text
            print(f"-- top {top} by {key}{' (migtrace code only)' if restrict else ''}\n{body.strip()}\n")
    return 0
