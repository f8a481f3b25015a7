"""The compiled bulk kernel (`sources/_bulk_kernel`, numba) makes the `Window` the numpy way makes.

`bulk_window` runs the kernel where numba is installed and `numpy_window`
elsewhere; both must take the same lines and print the same bytes with the
same keys and pids.  Compared here on every window of the sample sets and
real_logs, on hypothesis-drawn windows of header variants (the strategy
tests/pipeline/test_bulk_merge.py checks against the text path), and through
`merge` with the kernel turned off, as it runs without numba.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import migtrace.sources
from migtrace.cli import cli as group
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _bulk_kernel
from migtrace.sources._bulk import Literals, Window, bulk_window, numpy_window
from tests.conftest import REAL_LOGS, SAMPLE_LOGS
from tests.pipeline.test_bulk_merge import _header, _window

pytestmark = pytest.mark.skipif(not _bulk_kernel.available(), reason="numba is not installed (the `jit` extra)")

_LITERALS = Literals(_KEYWORD_LIST)
_TAG = b"[compute1/nova-compute]"


def _assert_same(data: bytes) -> Window:
    kernel, numpy = bulk_window(data, _TAG, _LITERALS), numpy_window(data, _TAG, _LITERALS)
    assert np.array_equal(kernel.taken, numpy.taken)
    assert np.array_equal(kernel.starts, numpy.starts) and np.array_equal(kernel.ends, numpy.ends)
    assert kernel.blob == numpy.blob
    for name in ("keys", "record_ends", "pids", "lines"):
        assert np.array_equal(getattr(kernel, name), getattr(numpy, name)), name
    return kernel


def _files() -> list[Path]:
    roots = [SAMPLE_LOGS, *([REAL_LOGS] if REAL_LOGS.is_dir() else [])]
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in (".log", ".txt", ""))


def test_real_files() -> None:
    """Every plain file of the sample sets (and real_logs) in 64 KiB windows cut at a newline, and whole."""
    taken = 0
    for path in _files():
        data = path.read_bytes()
        if b"\x00" in data:
            continue
        _assert_same(data)
        at = 0
        while at < len(data):
            cut = data.rfind(b"\n", at, at + (64 << 10)) + 1 or len(data)
            cut = cut if cut > at else min(len(data), at + (64 << 10))
            taken += int(_assert_same(data[at:cut]).taken.sum())
            at = cut
    assert taken > 1000  # the sample sets are mostly lines the bulk path takes


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_window())
def test_drawn_windows(text: str) -> None:
    _assert_same(text.encode("utf-8"))


@pytest.mark.parametrize("data", [
    b"", b"\n", b"x", b"\n\n\n", b"a b\nc d\n",
    (_header(1, "no newline at the end of the window") + "\n" + _header(2, "last")).encode(),
    ("\n".join(_header(i, f"record {i} [x] y", "DEBUG") + " f /a/b.py:1" for i in range(40)) + "\n").encode(),
    ("\n".join(_header(i, "tab\there") for i in range(5)) + "\n").encode(),
    ("\n".join(_header(i, "caf\u00e9 na\u00efve") for i in range(5)) + "\n").encode(),
    ("\n".join(_header(i, "Token: secret value") for i in range(5)) + "\n").encode(),
])
def test_edges(data: bytes) -> None:
    _assert_same(data)


def test_the_variable_turns_the_kernel_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_bulk_kernel.KERNEL_VARIABLE, "0")
    assert not _bulk_kernel.available()
    monkeypatch.delenv(_bulk_kernel.KERNEL_VARIABLE)
    assert _bulk_kernel.available()


def test_without_numba_the_numpy_way_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba missing (the import fails): `available()` is False and `bulk_window` gives the numpy `Window`."""
    monkeypatch.setattr(_bulk_kernel.KERNEL, "tried", False)
    monkeypatch.setattr(_bulk_kernel.KERNEL, "module", None)
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setitem(sys.modules, "migtrace.sources._bulk_jit", None)
    monkeypatch.delattr(migtrace.sources, "_bulk_jit", raising=False)
    assert not _bulk_kernel.available()
    data = ("\n".join(_header(i, f"record {i}") for i in range(20)) + "\n").encode()
    win = bulk_window(data, _TAG, _LITERALS)
    assert int(win.taken.sum()) == 19 and win.blob == numpy_window(data, _TAG, _LITERALS).blob


@pytest.mark.parametrize(("name", "jobs"), [("devstack-2024.1", "1"), ("queens-files", "2")])
def test_merge_prints_the_same_without_the_kernel(name: str, jobs: str) -> None:
    """Without the kernel (numpy; `-j 2`: worker processes) as with it (`-j 2`: worker threads)."""
    runs = [CliRunner().invoke(group, ["merge", "-j", jobs, str(SAMPLE_LOGS / name)], catch_exceptions=False,
                               env={BULK_PATH_VARIABLE: "1", _bulk_kernel.KERNEL_VARIABLE: off})
            for off in ("0", "1")]
    assert [(r.stdout, r.stderr, r.exit_code) for r in runs[:1]] == [(r.stdout, r.stderr, r.exit_code) for r in runs[1:]]
    assert runs[0].stdout
