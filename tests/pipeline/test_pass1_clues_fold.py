"""`list`'s release clues and clock lines are searched in pass 1 itself, and nothing read changes.

The selective read used to note the release clues and collect every request's
clock lines in a raw pass of its own (`_load._note_clues`); they are now
evidence sets of pass 1 (`pipeline/_fold.py`), each input's records split
before the merge.  Every sample set (and ../shared/real_logs, one load per
file) loads to the same Analysis, the release clues per host included, with
the fold and without it (`MIGTRACE_PASS1_FOLD=0`, the read before), in one
process and on a real worker pool (whose results come complete: the split
is not checked afterwards there); the fold is really taken, with the
reuse of pass 1's records and without it.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from tests.conftest import REAL_LOGS, SAMPLE_LOGS, every_file_to_the_pool, files_read, needs_shared

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
FIELDS = ("events", "migrations", "stats", "warnings", "orphan_findings", "release", "release_clues", "skew")
_NOT_FOLDED = "not folded into pass 1"


def _loaded(paths: list[Path], fold: bool, monkeypatch: pytest.MonkeyPatch, jobs: int = 1, reuse: bool = True) -> Any:
    monkeypatch.setenv(_load.FOLD_VARIABLE, "1" if fold else "0")
    monkeypatch.setenv(_load.REUSE_VARIABLE, "1" if reuse else "0")
    return _load.load(paths, LoadOptions(jobs=jobs, cache=False))


def _same(a: Any, b: Any) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    assert list(a.last_seen.items()) == list(b.last_seen.items())


def _folded(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if _NOT_FOLDED in r.getMessage()]


@pytest.mark.parametrize("reuse", [True, False], ids=["reuse", "reread"])
@pytest.mark.parametrize("name", SETS)
def test_sample_sets_load_alike_folded_or_not(name: str, reuse: bool, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    paths = [SAMPLE_LOGS / name]
    old = _loaded(paths, False, monkeypatch, reuse=reuse)
    with caplog.at_level(logging.DEBUG, logger=_load.__name__):
        new = _loaded(paths, True, monkeypatch, reuse=reuse)
    assert _folded(caplog)  # the split was proved exact: the fold was taken
    _same(old, new)


def test_a_worker_pool_folds_alike(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("queens-files", "devstack-2024.1"):
        paths = [SAMPLE_LOGS / name]
        with caplog.at_level(logging.DEBUG, logger=_load.__name__), every_file_to_the_pool():
            new = _loaded(paths, True, monkeypatch, jobs=2)
        assert _folded(caplog)
        _same(_loaded(paths, False, monkeypatch, jobs=1), new)


def test_the_fold_saves_one_read_of_each_cut_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pass 1, the evidence read (all stand-ins) and pass 2: the cut inputs are read twice, not three times."""
    opened = files_read(monkeypatch)
    analysis = _loaded([SAMPLE_LOGS / "queens-files"], True, monkeypatch)
    cut = [s.path for s in analysis.stats if not s.full_read]
    assert cut
    assert all(opened.count(path) == 2 for path in cut)


@needs_shared
def test_real_logs_load_alike_folded_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in sorted(p for p in REAL_LOGS.iterdir() if p.is_file()):
        _same(_loaded([path], False, monkeypatch), _loaded([path], True, monkeypatch))


def test_an_empty_input_keeps_the_fold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """An input with no line gives no hit lines: nothing to split, the others still fold."""
    shutil.copytree(SAMPLE_LOGS / "queens-files", tmp_path / "q")
    (tmp_path / "q" / "empty.log").write_text("")
    old = _loaded([tmp_path / "q"], False, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger=_load.__name__):
        new = _loaded([tmp_path / "q"], True, monkeypatch)
    assert _folded(caplog)
    _same(old, new)
