"""`timeline ID` answered from the warm index starts light: what it does not need is never imported.

Start-up imports were most of a warm `timeline`'s time (issue 13 P1: ≤ 2× grep).  Each module named
here was once imported on that path for work it never does there — PyYAML (the shipped data files are
kept parsed, `_datafile`), dateutil (only `--since`/`--until`/`--tz local`), the worker pool
(`sources._parallel`: nothing is read), every parser's module (`parsers.registry`: no input is
sniffed or parsed; the journal readers and `subprocess`), and the heavy optional stacks.  A change that
brings one back fails here, without any timing: the run's own `sys.modules` at exit is what is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_LOGS

#: modules a warm `timeline` must not import (a prefix covers its submodules)
NOT_ON_THE_WARM_PATH = (
    "yaml", "dateutil", "multiprocessing", "concurrent.futures.process", "subprocess",
    "migtrace.parsers.registry", "migtrace.parsers.journal_binary", "migtrace.parsers.journal_export",
    "migtrace.parsers._journalctl", "migtrace.parsers.journal_text", "migtrace.parsers.journal_json",
    "pandas", "numpy", "numba", "pyparsing", "jinja2", "plotly", "distributed", "dask", "fsspec", "asyncio",
)

#: runs `python -m migtrace ARGS...` and writes its modules and the index's counters to $MODULES_OUT at exit
_PROBE = """
import atexit, json, os, runpy, sys

def _done():
    index = sys.modules.get("migtrace.sources._index")
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump({"modules": sorted(sys.modules), "totals": getattr(index, "TOTALS", None)}, out)

atexit.register(_done)
sys.argv = ["migtrace", *sys.argv[1:]]
runpy.run_module("migtrace", run_name="__main__", alter_sys=True)
"""


def _run(args: list[str], env: dict[str, str], out: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", _PROBE, *args] if out is not None else [sys.executable, "-m", "migtrace", *args]
    return subprocess.run(argv, env={**env, "MODULES_OUT": str(out or "")}, capture_output=True, text=True,
                          check=False, timeout=300)


@pytest.mark.parametrize(("logs", "ident"), [("queens-files", "req-405a7cf1"), ("queens-files", "a23f1959-5c09-4f20-a586-37bbaf386386")])
def test_a_warm_timeline_imports_none_of_what_it_does_not_need(tmp_path: Path, logs: str, ident: str) -> None:
    env = {**os.environ, "MIGTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MIGTRACE_NO_CODE_CACHE", None)
    args = ["timeline", ident, str(SAMPLE_LOGS / logs), "--color", "never"]
    uncached = _run([*args, "--no-cache"], env)
    assert uncached.returncode == 0, uncached.stderr
    cold = _run(args, env)  # fills the index, the compiled catalog and the parsed data files
    assert (cold.stdout, cold.stderr, cold.returncode) == (uncached.stdout, uncached.stderr, 0)
    out = tmp_path / "modules.json"
    warm = _run(args, env, out)
    assert (warm.stdout, warm.stderr, warm.returncode) == (uncached.stdout, uncached.stderr, 0)
    seen = json.loads(out.read_text())
    assert seen["totals"]["hits"] > 0 and seen["totals"]["misses"] == 0, seen["totals"]  # really the warm path
    modules = set(seen["modules"])
    assert "migtrace.cli._timeline" in modules and "sqlite3" in modules  # the probe saw the run itself
    brought = sorted(m for m in modules for banned in NOT_ON_THE_WARM_PATH
                     if m == banned or m.startswith(banned + "."))
    assert brought == [], f"a warm timeline imported {brought}"
