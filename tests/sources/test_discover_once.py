"""A load walks and sniffs its inputs once (`_discover.discovering_once`), and again when anything changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import migtrace
from migtrace.sources import _discover, _sniff
from migtrace.sources._discover import discovering_once, expand_paths
from tests.conftest import SAMPLE_LOGS

LINE = ("2024-05-01 10:00:0{n}.000 1234 INFO nova.compute.manager [req-{r:08d}-aaaa-bbbb-cccc-dddddddddddd "
        "- - - - -] [instance: 11111111-2222-3333-4444-555555555555] line {n}\n")


def _log(path: Path, lines: int = 3, start: int = 0) -> None:
    with path.open("a") as f:
        for n in range(start, start + lines):
            f.write(LINE.format(n=n % 10, r=n))


@pytest.fixture
def sniffs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each file whose head discovery reads; every identity trusted at once (the files were just written)."""
    seen: list[str] = []
    real = _sniff.read_head

    def spy(path: str) -> bytes:
        seen.append(path)
        return real(path)
    monkeypatch.setattr(_sniff, "read_head", spy)
    monkeypatch.setattr(_discover, "RACY_NS", -(10 ** 12))  # no file here is older than two seconds
    return seen


def test_one_walk_per_block_and_the_same_inputs_and_warnings(tmp_path: Path, sniffs: list[str]) -> None:
    _log(tmp_path / "n-cpu.log")
    _log(tmp_path / "n-api.log")
    (tmp_path / "dangling.log").symlink_to(tmp_path / "nowhere.log")
    alone_lines: list[str] = []
    alone = expand_paths([str(tmp_path)], alone_lines.append)
    assert len(sniffs) == 2
    sniffs.clear()
    with discovering_once():
        got = []
        for _ in range(3):
            lines: list[str] = []
            got.append((expand_paths([str(tmp_path)], lines.append), lines))
    assert len(sniffs) == 2  # the first walk only
    assert all(items == alone and lines == alone_lines for items, lines in got)
    assert any("dangling" in line for line in alone_lines)


@pytest.mark.parametrize("change", ["append", "rotate", "new_file", "remove", "link_target", "chmod"])
def test_a_change_walks_again_and_finds_what_a_fresh_walk_finds(tmp_path: Path, sniffs: list[str],
                                                               change: str) -> None:
    log = tmp_path / "n-cpu.log"
    _log(log)
    (tmp_path / "sub").mkdir()
    _log(tmp_path / "sub" / "n-api.log")
    (tmp_path / "other.log").symlink_to(tmp_path / "missing.log")
    with discovering_once():
        expand_paths([str(tmp_path)], lambda _: None)
        first = len(sniffs)
        if change == "append":
            _log(log, 2, 3)
        elif change == "rotate":
            log.rename(tmp_path / "n-cpu.log.1")
            _log(log, 1, 5)
        elif change == "new_file":
            _log(tmp_path / "sub" / "n-cond.log")
        elif change == "remove":
            (tmp_path / "sub" / "n-api.log").unlink()
        elif change == "link_target":
            _log(tmp_path / "missing.log")
        else:
            os.chmod(log, 0o640)
        lines: list[str] = []
        again = expand_paths([str(tmp_path)], lines.append)
    assert len(sniffs) > first  # walked and sniffed again
    fresh_lines: list[str] = []
    assert again == expand_paths([str(tmp_path)], fresh_lines.append)
    assert lines == fresh_lines


def test_a_recent_identity_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files changed within `RACY_NS` of the walk could change again unseen: walked again (the default)."""
    _log(tmp_path / "n-cpu.log")
    calls: list[str] = []
    real = _sniff.read_head
    monkeypatch.setattr(_sniff, "read_head", lambda p: calls.append(p) or real(p))
    with discovering_once():
        expand_paths([str(tmp_path)], lambda _: None)
        expand_paths([str(tmp_path)], lambda _: None)
    assert len(calls) == 2


def test_a_glob_matching_more_walks_again(tmp_path: Path, sniffs: list[str]) -> None:
    _log(tmp_path / "n-cpu.log")
    with discovering_once():
        one = expand_paths([str(tmp_path / "n-*.log")], lambda _: None)
        _log(tmp_path / "n-api.log")
        two = expand_paths([str(tmp_path / "n-*.log")], lambda _: None)
    assert len(one) == 1 and len(two) == 2


def test_a_load_sniffs_each_file_once_and_gives_the_same_analysis(tmp_path: Path, sniffs: list[str]) -> None:
    shutil.copytree(SAMPLE_LOGS / "queens-files", tmp_path / "set")
    unnamed = tmp_path / "set" / "console-output"  # no log-like name: sniffed by content
    unnamed.write_bytes((tmp_path / "set" / sorted(os.listdir(tmp_path / "set"))[0]).read_bytes())
    files = [p for p in (tmp_path / "set").rglob("*") if p.is_file()]
    once = migtrace.load(tmp_path / "set")
    assert len(sniffs) == len(set(sniffs)) <= len(files)
    monkey = pytest.MonkeyPatch()
    try:
        monkey.setattr(_discover, "discovering_once", _no_memo)
        import migtrace.pipeline._load as load_module
        monkey.setattr(load_module, "discovering_once", _no_memo)
        sniffs.clear()
        each = migtrace.load(tmp_path / "set")
    finally:
        monkey.undo()
    assert len(sniffs) > len(set(sniffs))  # without the block: once per read
    assert once == each


def _no_memo() -> object:
    from contextlib import nullcontext
    return nullcontext()
