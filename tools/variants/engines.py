"""Every variant prints the same whichever engine reads it: `-j 1`, `-j 2`, the index cold and warm, a cluster.

``python -m tools.variants.engines DIR… [--scheduler ADDRESS]`` runs ``list -f json`` and
``diagnose -f json`` on each variant as its variant.json says (flags, paths, stdin; working
directory = the variant directory), once per engine, in this process, and prints each variant
whose exit code, stdout or stderr differ from the serial read's.  Without ``--scheduler`` a
2-worker LocalCluster is started in a process of its own (the dask extra).

Issue 13 promises identical results from every engine; the sample sets' own tests compare the
engines on the sets as collected.  The variants are the reshaped inputs (pasted, prefixed, tarred,
INFO-only, skewed, hosts missing) where a path an engine takes alone — relative paths opened by a
worker in another directory, stdin beside files, a member of a tarball, a cached read of a file
that needs a zone — would show.  Every regular file goes to the workers, however small (the shipped
thresholds keep a sample set's reads in the main process): the engines' own code runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.variants.check import Runner, inprocess_runner, variant_dirs

#: the commands compared: what a variant's moves are, and what is found wrong with them
COMMANDS = (("list", "-f", "json"), ("diagnose", "-f", "json"))

#: the reference engine: one process, nothing cached
SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class Printed:
    """What one command printed: its exit code, stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str


def engines(scheduler: str | None) -> dict[str, tuple[str, ...]]:
    """Each engine's flags, the serial read first; the two index engines share the fresh cache directory
    `printed_by_engine` gives each variant, the cold read filling it for the warm one."""
    out = {SERIAL: ("--no-cache", "-j", "1"), "pool": ("--no-cache", "-j", "2"),
           "index-cold": ("-j", "1"), "index-warm": ("-j", "1")}
    if scheduler is not None:
        out["cluster"] = ("--no-cache", "--scheduler", scheduler)
    return out


@contextlib.contextmanager
def every_file_to_the_workers() -> Iterator[None]:
    """The shipped thresholds keep a small read in the main process; here every regular file is sent."""
    from migtrace.sources import _parallel

    saved = _parallel.MIN_WORKER_BYTES, _parallel.MIN_POOL_BYTES
    _parallel.MIN_WORKER_BYTES, _parallel.MIN_POOL_BYTES = 0, 0
    try:
        yield
    finally:
        _parallel.MIN_WORKER_BYTES, _parallel.MIN_POOL_BYTES = saved


@contextlib.contextmanager
def cache_dir(path: Path) -> Iterator[None]:
    """The on-disk index in `path` for the block (MIGTRACE_CACHE_DIR), the caller's setting back after."""
    saved = os.environ.get("MIGTRACE_CACHE_DIR")
    os.environ["MIGTRACE_CACHE_DIR"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["MIGTRACE_CACHE_DIR"]
        else:
            os.environ["MIGTRACE_CACHE_DIR"] = saved


def variant_doc(variant_dir: Path) -> dict[str, Any]:
    """A variant's variant.json."""
    doc: dict[str, Any] = json.loads((variant_dir / "variant.json").read_text(encoding="utf-8"))
    return doc


def printed_by_engine(variant_dir: Path, doc: dict[str, Any], runner: Runner,
                      flags_by_engine: dict[str, tuple[str, ...]]) -> dict[str, list[Printed]]:
    """Engine -> what each of `COMMANDS` printed on the variant, in order (the index engines in a fresh cache)."""
    inv = doc["invocation"]
    stdin = (variant_dir / inv["stdin"]).read_bytes() if inv.get("stdin") else None
    out: dict[str, list[Printed]] = {}
    with tempfile.TemporaryDirectory(prefix="migtrace-engines-") as tmp, cache_dir(Path(tmp)), \
            every_file_to_the_workers():
        for engine, flags in flags_by_engine.items():
            out[engine] = [Printed(*runner(variant_dir, [*command, *inv["flags"], *flags, *inv["paths"]], stdin))
                           for command in COMMANDS]
    return out


def differences(printed: dict[str, list[Printed]]) -> list[str]:
    """One line per engine and command whose output is not the serial read's, naming what differs; and one
    when the serial read itself failed (then the engines agreeing on nothing read proves nothing)."""
    reference = printed[SERIAL]
    lines = [f"{SERIAL}: {command[0]}: exit code {theirs.exit_code} ({theirs.stderr.strip()[-300:]!r})"
             for command, theirs in zip(COMMANDS, reference, strict=True) if theirs.exit_code != 0]
    for engine, outputs in printed.items():
        for command, mine, theirs in zip(COMMANDS, outputs, reference, strict=True):
            parts = [name for name in ("exit_code", "stdout", "stderr") if getattr(mine, name) != getattr(theirs, name)]
            if parts:
                lines.append(f"{engine}: {command[0]}: {', '.join(parts)} differ"
                             + (f" (stderr: {mine.stderr.strip()[-300:]!r})" if "stderr" in parts else ""))
    return lines


#: a process holding a 2-worker LocalCluster until its stdin closes; it prints the scheduler's address
_CLUSTER = """
import sys
from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1", silence_logs=50) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()
"""


@contextlib.contextmanager
def cluster_elsewhere() -> Iterator[str]:
    """A 2-worker LocalCluster in a process of its own (the dask extra): its scheduler's address.

    Not in this process: what the scheduler logs would land in the stderr the engines are compared by,
    and a deployed cluster's scheduler is never in the client's process either.
    """
    proc = subprocess.Popen([sys.executable, "-c", _CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        address = proc.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"the LocalCluster did not start (exit {proc.wait()})")
        yield address
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    """Compare the engines on every variant under the given directories; exit 1 when any output differs."""
    parser = argparse.ArgumentParser(prog="python -m tools.variants.engines", description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--scheduler", help="a running dask scheduler (default: a 2-worker LocalCluster)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        address = args.scheduler or stack.enter_context(cluster_elsewhere())
        runner, flags = inprocess_runner(), engines(address)
        failed = compared = 0
        for variant_dir in variant_dirs(args.dirs):
            found = differences(printed_by_engine(variant_dir, variant_doc(variant_dir), runner, flags))
            compared += 1
            failed += bool(found)
            for line in found:
                print(f"{variant_dir}: {line}", flush=True)
        print(f"{compared} variants, {len(flags)} engines ({', '.join(flags)}), {len(COMMANDS)} commands each: "
              f"{failed} with a difference")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
