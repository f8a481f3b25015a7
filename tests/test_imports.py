"""Start-up imports (issue 13): `merge` and `timeline` do not import what only other commands need.

Each check runs a fresh interpreter (the test process has imported everything)
and looks at `sys.modules` after the command ran in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUEENS = ROOT / "sample_logs" / "queens-files"
COMPUTE = QUEENS / "compute1" / "var" / "log" / "nova" / "nova-compute.log"

_PROBE = """
import contextlib, io, json, sys
from migtrace.cli import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        cli.main(sys.argv[1:], prog_name="migtrace", standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps({"modules": sorted(sys.modules), "out": out.getvalue()}))
"""


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=300, env=env)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return set(data["modules"]), data["out"]


def _tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imports") / "nova-compute.log"
    path.write_bytes(b"".join(COMPUTE.read_bytes().splitlines(keepends=True)[:100]))
    return path


def test_import_and_merge_of_a_tiny_file_stay_light(tiny: Path) -> None:
    modules, out = _run("merge", str(tiny))
    assert out.count("\n") >= 50  # it did merge the records
    assert not _tops(modules) & {"pandas", "plotly", "pyparsing", "jinja2", "numpy"}
    # neither the signature catalog nor correlation and diagnosis
    assert not {m for m in modules if m.startswith(("migtrace.diagnose", "migtrace.correlate"))}


def test_timeline_does_not_import_the_report_stack() -> None:
    modules, out = _run("timeline", "req-405a7cf1", str(QUEENS), "--color", "never")
    assert "live-migration" in out or "migration" in out
    assert not _tops(modules) & {"pandas", "plotly", "jinja2"}
    assert "migtrace.reports.html_report" not in modules


def test_every_command_and_view_is_still_there() -> None:
    """Lazy loading must not lose a command or a renderer: `--help` lists all, each view renders."""
    from migtrace.cli import COMMANDS, cli
    from migtrace.reports import formats, renderers

    _, out = _run("--help")
    for name in COMMANDS:
        assert f"  {name}" in out
    assert sorted(cli.list_commands(None)) == sorted(COMMANDS)  # type: ignore[arg-type]
    assert {"html", "json", "markdown", "text"} <= set(formats("report"))
    for view in ("list", "diagnose", "signatures", "signature", "fired", "stats", "merge", "merge-stats", "timeline"):
        assert renderers(view), view


def test_the_facade_still_exports_what_it_did_before_it_became_lazy() -> None:
    """`from migtrace import Analysis` worked when the façade imported the layers eagerly; it still does."""
    import migtrace
    from migtrace.pipeline.analysis import Analysis

    assert migtrace.Analysis is Analysis
    assert migtrace.StrPath is not None
    with pytest.raises(AttributeError):
        _ = migtrace.NoSuchName  # type: ignore[attr-defined]


def test_the_facade_functions_outlive_importing_the_packages_of_the_same_name() -> None:
    """`migtrace.correlate(events)` stays the function after something imports the `migtrace.correlate` package."""
    import importlib

    import migtrace

    importlib.import_module("migtrace.correlate.skew")
    importlib.import_module("migtrace.diagnose.catalog")
    assert callable(migtrace.correlate) and migtrace.correlate.__module__ == "migtrace"
    assert callable(migtrace.diagnose) and migtrace.diagnose.__module__ == "migtrace"
    assert migtrace.correlate([]) == []


def test_version_imports_click_and_the_group_alone() -> None:
    """`migtrace --version` (and any import of a submodule) does not import the ground modules' yaml/dateutil."""
    modules, out = _run("--version")
    assert "version" in out
    assert {m for m in modules if m.startswith("migtrace")} == {
        "migtrace", "migtrace._version", "migtrace.cli", "migtrace.cli._globals"}
    assert not _tops(modules) & {"yaml", "dateutil", "hyperscan", "sqlite3", "pyparsing", "numpy", "pandas"}
    assert len(modules) < 160  # ~120 with click and the interpreter's own


def test_timeline_imports_no_heavy_library(tmp_path: Path) -> None:
    """`timeline` on a small set: no pandas, pyparsing, jinja2, plotly or numpy (numpy only past 256 MiB read)."""
    env = {**os.environ, "MIGTRACE_CACHE_DIR": str(tmp_path)}  # the compiled catalog: built by the first run
    args = ("timeline", "req-405a7cf1", str(QUEENS), "--color", "never", "--no-cache")
    _run(*args, env=env)
    modules, out = _run(*args, env=env)
    assert "migration" in out
    assert not _tops(modules) & {"pandas", "pyparsing", "jinja2", "plotly", "numpy"}
    assert "migtrace.cli._list" not in modules and "migtrace.cli._report" not in modules


def test_the_facade_gives_the_ground_names_lazily() -> None:
    """`import migtrace` imports no layer and no ground module; its names are still there, the same objects."""
    done = subprocess.run([sys.executable, "-c", "import json, sys, migtrace; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True, cwd=ROOT, timeout=60)
    modules = set(json.loads(done.stdout))
    assert {m for m in modules if m.startswith("migtrace")} == {"migtrace", "migtrace._version"}
    import migtrace
    from migtrace import LoadOptions, SourceError
    from migtrace.errors import MigtraceError
    from migtrace.model import Event, Finding, Migration

    assert LoadOptions is migtrace.options.LoadOptions and SourceError.__module__ == "migtrace.errors"
    assert (migtrace.Event, migtrace.Finding, migtrace.Migration, migtrace.MigtraceError) == (
        Event, Finding, Migration, MigtraceError)
