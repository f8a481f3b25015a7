"""Compare the selective read with the full read: `list`, `diagnose`, `stats` (`-f json`) byte for byte.

``python -m benchmarks.windowed [--save DIR] [--only full|select] PATH_OR_VARIANT_DIR…`` runs, in
this process, each command with ``--full-read`` and without it on every argument (a variant
directory runs as its variant.json says: paths and flags, cwd = the directory) and prints, per
argument and command, SAME or DIFF (the first differing line).  Exit status 1 when anything
differs.  ``--save DIR`` writes each output to DIR so a slow set (m100) is read once per mode;
``--only full`` then reads only the full side (``select``: only the selective side) and compares
with what DIR holds for the other.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

COMMANDS = ("list", "diagnose", "stats")


def _invocation(arg: Path) -> tuple[Path, list[str], list[str]]:
    """(cwd, paths, flags) of one argument: a variant directory's invocation, else the path itself."""
    spec = arg / "variant.json"
    if spec.is_file():
        inv = json.loads(spec.read_text(encoding="utf-8"))["invocation"]
        if inv.get("stdin") is not None:
            return arg, [], ["--stdin-variant"]  # read twice impossible: both modes read in full
        return arg, list(inv["paths"]), list(inv["flags"])
    return Path.cwd(), [str(arg)], []


def _run(cwd: Path, args: list[str]) -> tuple[int, str]:
    from click.testing import CliRunner

    from migtrace.cli import cli

    here = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, catch_exceptions=True)
    finally:
        os.chdir(here)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker pool of a parallel read)."""
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                         resource.RUSAGE_CHILDREN)))


def _key(arg: Path, command: str, mode: str) -> str:
    return f"{str(arg).strip('/').replace('/', '_')}.{command}.{mode}.json"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("args", nargs="+", type=Path)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--only", choices=("full", "select"))
    ap.add_argument("--commands", default=",".join(COMMANDS))
    opts = ap.parse_args(argv)
    differ = 0
    for arg in opts.args:
        cwd, paths, flags = _invocation(arg)
        if "--stdin-variant" in flags:
            print(f"{arg}: stdin variant, skipped (one full read either way)")
            continue
        for command in opts.commands.split(","):
            outs = {}
            for mode, extra in (("full", ["--full-read"]), ("select", [])):
                path = opts.save / _key(arg, command, mode) if opts.save else None
                if opts.only and mode != opts.only and path is not None and path.exists():
                    outs[mode] = path.read_text(encoding="utf-8")
                    continue
                before = _cpu()
                t0 = time.perf_counter()
                code, out = _run(cwd, [command, "-f", "json", *extra, *flags, *paths])
                after = _cpu()
                cpu = after - before
                print(f"  {arg} {command} {mode}: exit {code}, {cpu:.1f} CPU s, {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr)
                outs[mode] = f"exit {code}\n{out}"
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(outs[mode], encoding="utf-8")
            if outs["full"] == outs["select"]:
                print(f"SAME {arg} {command}")
                continue
            differ += 1
            diff = list(difflib.unified_diff(outs["full"].splitlines(), outs["select"].splitlines(),
                                             "full", "select", n=2, lineterm=""))
            print(f"DIFF {arg} {command}\n" + "\n".join(diff[:60]))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
