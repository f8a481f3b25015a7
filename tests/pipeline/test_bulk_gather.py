"""The leak prefilter's window flag (`_bulk.Window.clean`): the worker scans each window's printed blob once.

`merge` scans every block it writes for the literals a leak starts with
(`cli/_merge._surely_clean`); a bulk run cut from a window whose blob holds
none of them is skipped there.  The flag must be exact (a run holding a leak
literal is always scanned): checked on windows with and without each literal,
and through `merge` with the bulk path forced against the text path, with a
leak-shaped text in a bulk line, at `-j 1` and `-j 2`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import cli as group
from migtrace.cli._merge import _leak_literals
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _bulk
from migtrace.sources._bulk import Literals, bulk_window, set_leak_prefilter
from migtrace.sources._scan import ENGINE_VARIABLE, engine_name
from tests.conftest import SAMPLE_LOGS
from tests.pipeline.test_bulk_merge import _header

_TAG = b"[compute1/nova-compute]"
_LITERALS = Literals(_KEYWORD_LIST)
needs_hyperscan = pytest.mark.skipif(engine_name() != "hyperscan", reason="the flag is set where hyperscan runs")


@pytest.fixture
def prefilter() -> Iterator[None]:
    before = _bulk._leak_literals
    set_leak_prefilter(*_leak_literals())
    yield
    _bulk._leak_literals = before


def _window(message: str) -> bytes:
    return ("\n".join(_header(i, message if i == 3 else f"Took {i} seconds") for i in range(8)) + "\n").encode()


@needs_hyperscan
@pytest.mark.usefixtures("prefilter")
def test_a_window_without_leak_literals_is_clean() -> None:
    win = bulk_window(_window("Instance spawned successfully."), _TAG, _LITERALS)
    assert len(win.lines) == 7 and win.clean is True


@needs_hyperscan
@pytest.mark.usefixtures("prefilter")
@pytest.mark.parametrize("text", ["a & b", "path C:\\\\x", "-----BEGIN CERT", "AQ x", "the PWD is set"])
def test_a_window_with_a_leak_literal_is_not_clean(text: str) -> None:
    """The literals a bulk line may hold (the other leak shapes start with a secret keyword: text path)."""
    win = bulk_window(_window(text), _TAG, _LITERALS)
    assert win.clean is False
    # the flag covers the printed blob: the literal is printed (a bulk line), not only in the raw bytes
    assert win.taken[3]


def test_without_the_prefilter_set_the_flag_is_unknown() -> None:
    before = _bulk._leak_literals
    _bulk._leak_literals = None
    try:
        assert bulk_window(_window("x"), _TAG, _LITERALS).clean is None
    finally:
        _bulk._leak_literals = before


def _merge(path: Path | str, *args: str, bulk: str = "1") -> tuple[str, str, int]:
    result = CliRunner().invoke(group, ["merge", *args, str(path)], env={BULK_PATH_VARIABLE: bulk},
                                catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("text", ["value gAAAAABkZ3JhbmI0ZQ==", "fine & well", "-----BEGIN RSA PRIVATE KEY-----", "Instance spawned successfully."])
def test_merge_with_leak_texts_prints_as_the_text_path(tmp_path: Path, jobs: str, text: str) -> None:
    """A bulk line with a leak literal (the block is scanned, the text way decides) or without (skipped)."""
    for host in ("compute1", "compute2"):
        (tmp_path / host).mkdir()
        lines = [_header(i, f"{host} step {i}" if i != 40 else f"{host} {text}") for i in range(120)]
        (tmp_path / host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bulk = _merge(tmp_path, "-j", jobs)
    assert bulk == _merge(tmp_path, "-j", jobs, bulk="0")
    assert "compute2 step 119" in bulk[0]


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir()))
def test_sample_sets_print_as_the_text_path(name: str) -> None:
    assert _merge(SAMPLE_LOGS / name, "--full") == _merge(SAMPLE_LOGS / name, "--full", bulk="0")


@pytest.mark.parametrize("engine", ["hyperscan", "python"])
def test_the_worker_looks_for_the_learnt_secrets(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    monkeypatch.setenv(ENGINE_VARIABLE, engine)
    before = _bulk._learnt
    try:
        _bulk.set_learnt(frozenset({b"Xy7kQ2mZ9pW"}))
        assert bulk_window(_window("again with Xy7kQ2mZ9pW here"), _TAG, _LITERALS).learnt == (
            frozenset({b"Xy7kQ2mZ9pW"}), True)
        assert bulk_window(_window("nothing here"), _TAG, _LITERALS).learnt == (frozenset({b"Xy7kQ2mZ9pW"}), False)
        # in the raw bytes only (a request block the printed record cuts)
        raw = _window("x").replace(b"- default default]", b"- Xy7kQ2mZ9pW default]", 1)
        win = bulk_window(raw, _TAG, _LITERALS)
        assert len(win.lines) == 7 and b"Xy7kQ2mZ9pW" not in win.blob and win.learnt is not None and win.learnt[1]
    finally:
        _bulk._learnt = before


def test_a_secret_learnt_early_is_masked_in_later_windows(tmp_path: Path) -> None:
    """Windows made ahead in the worker (`-j 2`), some before the secret is learnt, some after."""
    for host in ("compute1", "compute2"):
        (tmp_path / host).mkdir()
        lines = [_header(i, f"{host} step {i} " + "x" * 120) for i in range(30000)]
        lines[5] = _header(5, "password=Xy7#kQ2!mZ9p")
        for i in (100, 9000, 21000, 29990):
            lines[i] = _header(i, f"{host} again with Xy7#kQ2!mZ9p {i}")
        (tmp_path / host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bulk = _merge(tmp_path, "-j", "2")
    assert bulk == _merge(tmp_path, "-j", "1", bulk="0")
    assert "Xy7#kQ2!mZ9p" not in bulk[0] and "compute2 again with" in bulk[0]
