"""`migtrace cache info` counts merge's compiled builds; `cache clear --builds` removes the stale ones only.

Each upgrade of migtrace (or of numpy, numba, Python) adds an AOT build
beside the old ones (sources/_aot.py keys them); without this they pile up in
the user's cache for ever.  The current builds are never touched: removing
them would make merge run the JIT until setup.sh builds them again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import cli
from migtrace.sources import _aot, _aot_build, _index


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
    assert f"compiled builds: 4 in {cache / _aot.SUBDIR} (400 bytes; 2 current, 2 stale" in out
    assert "entries: 0 (no index yet)" in out


def test_clear_keeps_builds_unless_asked(builds: tuple[Path, list[Path], list[Path]]) -> None:
    _cache, current, stale = builds
    assert "compiled" not in _run("cache", "clear")
    assert all(p.is_dir() for p in current + stale)
    out = _run("cache", "clear", "--builds")
    assert "removed 2 stale compiled build(s), kept 2" in out
    assert all(p.is_dir() for p in current) and not any(p.exists() for p in stale)
    assert "removed 0 stale compiled build(s), kept 2" in _run("cache", "clear", "--builds")


def test_no_builds_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_index.DIR_VARIABLE, str(tmp_path / "nothing"))
    assert "compiled builds: 0 in" in _run("cache", "info")
    assert "removed 0 stale compiled build(s), kept 0" in _run("cache", "clear", "--builds")
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
