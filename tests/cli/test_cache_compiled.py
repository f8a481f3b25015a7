"""`migtrace cache info` counts what migtrace compiled from its own code; `cache clear --compiled` removes it.

Each upgrade of migtrace (or of numpy, numba, Python) adds an AOT build
beside the old ones (sources/_aot.py keys them), and its own templates'
bytecode and chart bundle; without this they pile up in the user's cache for
ever.  The current builds are never touched: removing them would make merge
run the JIT until setup.sh builds them again (the other files are rebuilt on
their next use).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace._cachefile import DERIVED, derived_files
from migtrace.cli import cli
from migtrace.sources import _aot, _aot_build, _index
from tests.conftest import SAMPLE_LOGS


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[Path], list[Path]]:
    """A private cache holding both gates' current build directories and two stale ones (an old key, a staging)."""
    monkeypatch.setenv(_index.DIR_VARIABLE, str(tmp_path / "cache"))
    current = _aot_build.current_builds()
    stale = [_aot.cache_dir() / "bulk_jit-0123456789abcdef", _aot.cache_dir() / "gather_jit-0123456789abcdef.x1y2"]
    for where in current + stale:
        where.mkdir(parents=True)
        (where / "module.so").write_bytes(b"\0" * 100)
    return tmp_path / "cache", current, stale


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_info_counts_current_and_stale(builds: tuple[Path, list[Path], list[Path]]) -> None:
    cache, _current, _stale = builds
    out = _run("cache", "info")
    assert f"compiled builds: 4 in {cache / _aot.SUBDIR} (400 bytes; 2 current, 2 stale)" in out
    assert "compiled files: 0 (0 bytes" in out
    assert "entries: 0 (no index yet)" in out


def test_clear_keeps_builds_unless_asked(builds: tuple[Path, list[Path], list[Path]]) -> None:
    _cache, current, stale = builds
    assert "compiled" not in _run("cache", "clear")
    assert all(p.is_dir() for p in current + stale)
    out = _run("cache", "clear", "--compiled")
    assert "removed 2 stale compiled build(s) (kept 2) and 0 compiled file(s)" in out
    assert all(p.is_dir() for p in current) and not any(p.exists() for p in stale)
    assert "removed 0 stale compiled build(s) (kept 2)" in _run("cache", "clear", "--compiled")


def test_no_builds_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_index.DIR_VARIABLE, str(tmp_path / "nothing"))
    assert "compiled builds: 0 in" in _run("cache", "info")
    assert "removed 0 stale compiled build(s) (kept 0) and 0 compiled file(s)" in _run("cache", "clear", "--compiled")
    assert not (tmp_path / "nothing").exists()  # info and clear create nothing


def test_prune_leaves_a_symlink_and_its_target_alone(tmp_path: Path) -> None:
    root = tmp_path / "aot"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep").write_text("x")
    root.mkdir()
    (root / "bulk_jit-feedfacefeedface").symlink_to(outside, target_is_directory=True)
    assert _aot.prune([], root) == []
    assert (outside / "keep").exists()


def _report(cache: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "migtrace", "report", str(SAMPLE_LOGS / "queens-files"), "-o", str(out)],
                   check=True, capture_output=True, env={**os.environ, _index.DIR_VARIABLE: str(cache)})
    assert out.stat().st_size > 0


def test_every_file_a_report_compiles_is_counted_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report writes the catalog, the templates' bytecode and the chart bundle: every file it leaves beside the
    index is one `DERIVED` names (a new kind of cache file must be added there), and `--compiled` removes them
    but not the index; the next report rebuilds them."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(_index.DIR_VARIABLE, str(cache))
    _report(cache, tmp_path / "first.html")  # a new process: this one may hold them in memory already
    derived = derived_files(cache)
    kinds = {pattern for pattern in DERIVED if any(p.match(pattern) for p in derived)}
    assert kinds == set(DERIVED)
    others = {p.name for p in cache.iterdir()} - {p.name for p in derived}
    assert {n for n in others if not n.startswith(_index.DB_NAME)} <= {_aot.SUBDIR}, others
    out = _run("cache", "info")
    assert f"compiled files: {len(derived)} ({sum(p.stat().st_size for p in derived)} bytes" in out
    _run("cache", "clear")
    assert derived_files(cache) == derived  # plain `clear` removes the index alone
    assert f"and {len(derived)} compiled file(s)" in _run("cache", "clear", "--compiled")
    assert derived_files(cache) == []
    _report(cache, tmp_path / "again.html")
    assert [p.name for p in derived_files(cache)] == [p.name for p in derived]
