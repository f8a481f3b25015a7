"""merge's kernel and gather compiled ahead of time (`sources/_aot`, numba.pycc) against the JIT they come from.

The build must give the JIT's results byte for byte: on fuzzed windows (the
strategies of test_bulk_kernel_fuzz.py), on real windows, on random gathers
and through a whole `merge` in a fresh process, which must not import numba.
A build made for another source or numpy/numba/CPU (another key) is never
loaded, and every way the build can be missing or fail ends in the JIT.

One build per session: the user's current one where setup.sh made it, else
one into a temporary directory (≈ 15 CPU s, only where the sources changed
since setup.sh ran).  Skipped, saying why, without numba or a C compiler —
except with CI=true, where setup.sh installs both.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from migtrace.sources import _aot, _aot_build, _bulk_kernel, _gather
from tests.conftest import REPO, SAMPLE_LOGS
from tests.pipeline.test_bulk_kernel_fuzz import _LITERALS, _TAG, _near_repeats, _window

_IN_CI = os.environ.get("CI") == "true"
_JIT = {gate.name: gate for gate in (_bulk_kernel.KERNEL, _gather.GATHER)}
_INSERT = np.frombuffer(b"000+00:00 " + _TAG + b" ", np.uint8)


def _numba() -> bool:
    try:
        with warnings.catch_warnings():  # pycc's pending deprecation
            warnings.simplefilter("ignore")
            importlib.import_module("numba.pycc")
    except ImportError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _IN_CI and (not _numba() or shutil.which(os.environ.get("CC", "cc")) is None),
    reason="numba (the `jit` extra) or a C compiler is missing: no AOT build here (setup.sh installs both)")


def _user_root() -> Path:
    """Where setup.sh builds (conftest points MIGTRACE_CACHE_DIR at a temporary directory for the suite)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "migtrace" / _aot.SUBDIR


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the current build of both gates."""
    user = _user_root()
    if all(_aot.current(name, user).is_file() for name in _JIT):
        return user
    made = tmp_path_factory.mktemp("aot-cache") / _aot.SUBDIR
    for gate in _JIT.values():
        _aot.build(gate, made)
    return made


@pytest.fixture(scope="module")
def aot(root: Path) -> dict[str, _aot.Loaded]:
    loaded = {}
    for name, gate in _JIT.items():
        module, why = _aot.load(gate, root)
        assert module is not None, why
        loaded[name] = module
    return loaded


@pytest.fixture(scope="module")
def jit() -> dict[str, Any]:
    for gate in _JIT.values():
        assert gate.available(), gate.reason
    return {name: gate.jit() for name, gate in _JIT.items()}


def _kernel(module: Any, data: bytes) -> tuple[Any, ...]:
    out = module.kernel(np.frombuffer(data, np.uint8), np.sort(_LITERALS(data).astype(np.int64)), _INSERT,
                        np.zeros(0, np.uint8))
    size = out[5]
    return (*out[:4], out[4][:size].tobytes(), *out[5:])


def _assert_same_kernel(aot: Any, jit: Any, data: bytes) -> None:
    mine, theirs = _kernel(aot, data), _kernel(jit, data)
    assert len(mine) == len(theirs) == 9
    for a, b in zip(mine, theirs, strict=True):
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=_window())
def test_fuzzed_windows(aot: dict[str, Any], jit: dict[str, Any], data: bytes) -> None:
    _assert_same_kernel(aot["migtrace.sources._bulk_jit"], jit["migtrace.sources._bulk_jit"], data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=_near_repeats())
def test_lines_like_the_one_before(aot: dict[str, Any], jit: dict[str, Any], data: bytes) -> None:
    _assert_same_kernel(aot["migtrace.sources._bulk_jit"], jit["migtrace.sources._bulk_jit"], data)


def _real_windows(size: int = 1 << 16) -> Iterator[bytes]:
    """The sample sets' plain-text logs cut into windows at line ends, as `_open` cuts them."""
    for path in sorted(SAMPLE_LOGS.rglob("*")):
        if not path.is_file() or path.suffix in {".json", ".md", ".gz", ".bz2", ".xz", ".journal", ".tar"}:
            continue
        data = path.read_bytes()
        while data:
            cut = data.rfind(b"\n", 0, size) + 1 or len(data)
            yield data[:cut]
            data = data[cut:]


def test_real_windows(aot: dict[str, Any], jit: dict[str, Any]) -> None:
    windows = list(_real_windows())
    assert len(windows) > 20
    for data in windows:
        _assert_same_kernel(aot["migtrace.sources._bulk_jit"], jit["migtrace.sources._bulk_jit"], data)


def test_gather(aot: dict[str, Any], jit: dict[str, Any]) -> None:
    """`spans` and `copy` on random runs of random windows' records: the same bytes and offsets."""
    rng = np.random.default_rng(15)
    for _ in range(50):
        blobs, record_ends = [], []
        for _ in range(int(rng.integers(1, 6))):
            lengths = rng.integers(1, 90, int(rng.integers(1, 40)))
            ends = np.cumsum(lengths) - 1
            blob = rng.integers(32, 127, int(ends[-1]) + 1).astype(np.uint8)
            blob[ends] = ord("\n")
            blobs.append(blob.tobytes())
            record_ends.append(ends.astype(np.int64))
        runs = int(rng.integers(1, 30))
        window = rng.integers(0, len(blobs), runs).astype(np.int64)
        first = np.array([rng.integers(0, len(record_ends[w])) for w in window], np.int64)
        last = np.array([rng.integers(f, len(record_ends[w])) for f, w in zip(first, window, strict=True)], np.int64)
        offsets = np.zeros(len(blobs) + 1, np.int64)
        np.cumsum([len(r) for r in record_ends], out=offsets[1:])
        flat = np.concatenate(record_ends)
        results = []
        for module in (aot["migtrace.sources._gather_jit"], jit["migtrace.sources._gather_jit"]):
            begins, at = module.spans(flat, offsets, window, first, last)
            out = np.zeros(int(at[-1]), np.uint8)
            for w, blob in enumerate(blobs):
                module.copy(out, np.frombuffer(blob, np.uint8), w, window, begins, at)
            results.append((begins.tolist(), at.tolist(), out.tobytes()))
        assert results[0] == results[1]
        expected = b"".join(blobs[w][(record_ends[w][f - 1] + 1 if f else 0):record_ends[w][la] + 1]
                            for w, f, la in zip(window, first, last, strict=True))
        assert results[0][2] == expected


_MERGE = """
import sys
from migtrace.cli import cli
from migtrace.sources import _bulk_kernel, _gather
try:
    cli(["merge", "--full", "-j", "2", sys.argv[1]], standalone_mode=False)
finally:
    sys.stdout.flush()
    sys.stderr.write(f"ways={_bulk_kernel.KERNEL.way},{_gather.GATHER.way} numba={'numba' in sys.modules}\\n")
"""


def test_merge_loads_no_numba_and_prints_as_the_jit(root: Path) -> None:
    """A whole `merge --full -j 2` (worker threads) in a fresh process: the build, no numba, the JIT's bytes."""
    runs = {}
    for aot_switch in ("1", "0"):
        env = {**os.environ, "MIGTRACE_CACHE_DIR": str(root.parent), "MIGTRACE_MERGE_BULK": "1",
               _aot.AOT_VARIABLE: aot_switch}
        runs[aot_switch] = subprocess.run([sys.executable, "-c", _MERGE, str(SAMPLE_LOGS / "queens-files")],
                                          capture_output=True, env=env, cwd=REPO, check=True, timeout=300)
    assert runs["1"].stderr.splitlines()[-1] == b"ways=aot,aot numba=False"
    assert runs["0"].stderr.splitlines()[-1] == b"ways=jit,jit numba=True"
    assert runs["1"].stdout == runs["0"].stdout and runs["1"].stdout.count(b"\n") > 1000
    assert runs["1"].stderr.splitlines()[:-1] == runs["0"].stderr.splitlines()[:-1]


def test_a_stale_key_is_not_loaded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another source, numpy, numba or CPU: another key, so the build made for this one is not loaded."""
    gate = _bulk_kernel.KERNEL
    assert _aot.load(gate, root)[0] is not None
    source = _aot._source
    changes = [(_aot, "_source", lambda name: source(name) + b"\n# one more line\n"),
               (np, "__version__", "0.0.1"), (_aot, "_numba_version", lambda: b"version = '0.0'"),
               (_aot, "_cpu", lambda: b"another CPU")]
    for target, attribute, value in changes:
        with monkeypatch.context() as m:
            m.setattr(target, attribute, value)
            module, why = _aot.load(gate, root)
            assert module is None and why.startswith("no build for this source"), attribute
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "numba", None)  # numba uninstalled: its version, so the build's key, is unknown
        assert _aot.load(gate, root) == (None, "numba is not installed (a build is keyed by its version)")


def _gate(root: Path, monkeypatch: pytest.MonkeyPatch) -> _bulk_kernel.OptionalJit:
    """A fresh gate of the kernel that looks for builds under `root`."""
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(root.parent))
    kernel = _bulk_kernel.KERNEL
    return _bulk_kernel.OptionalJit(kernel.name, kernel.warm, kernel.exports)


def test_the_gate_takes_the_build_then_the_jit(root: Path, jit: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(root, monkeypatch)
    assert gate.available() and gate.way == "aot" and isinstance(gate.module, _aot.Loaded)
    monkeypatch.setenv(_bulk_kernel.KERNEL_VARIABLE, "0")  # the kernel's switch turns the build off too
    assert not gate.available()
    monkeypatch.delenv(_bulk_kernel.KERNEL_VARIABLE)
    monkeypatch.setenv(_aot.AOT_VARIABLE, "0")
    gate = _gate(root, monkeypatch)
    assert gate.available() and (gate.way, gate.reason) == ("jit", "MIGTRACE_AOT=0")
    assert gate.module is jit["migtrace.sources._bulk_jit"]


def test_a_damaged_build_falls_back_to_the_jit(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / _aot.SUBDIR
    path = _aot.current(_bulk_kernel.KERNEL.name, root)
    shutil.copytree(path.parent, damaged / path.parent.name)
    (damaged / path.parent.name / path.name).write_bytes(b"not an extension")
    gate = _gate(damaged, monkeypatch)
    assert gate.available() and gate.way == "jit"
    assert gate.reason.startswith("the build could not be loaded: ImportError")


def test_no_pycc_means_the_jit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """A numba without pycc (or no compiler, or a pycc failure): `build` says so and exits 0, the JIT runs."""
    empty = tmp_path / _aot.SUBDIR
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "numba.pycc", None)
    assert _aot_build.main(["build"]) == 0
    err = capsys.readouterr().err
    assert err.count("not built (ModuleNotFoundError") == 2 and "the JIT runs" in err
    assert _aot_build.main(["build", "--strict"]) == 1
    gate = _gate(empty, monkeypatch)
    assert gate.available() and gate.way == "jit" and gate.reason.startswith("no build for this source")


def test_arguments_it_was_not_compiled_for_go_to_the_jit(aot: dict[str, Any], jit: dict[str, Any],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """The build checks each call's arguments against its exported types; numba's dispatcher would compile a new
    specialisation for others, so they go to the JIT: 32-bit runs here (merge passes 64-bit ones)."""
    ends = np.array([3, 9, 20, 31], np.int64)
    args = (ends, np.array([0, 2, 4]), np.array([1, 0], np.int32), np.array([0, 1], np.int32),
            np.array([1, 1], np.int32))
    with caplog.at_level(logging.DEBUG, logger="migtrace.aot"):
        begins, at = aot["migtrace.sources._gather_jit"].spans(*args)
    assert "not compiled for; the JIT runs" in caplog.text
    assert begins.tolist() == [0, 4] and at.tolist() == [0, 32, 38]


@pytest.mark.parametrize("name", sorted(_JIT))
def test_the_build_releases_the_gil(jit: dict[str, Any], name: str) -> None:
    """Built with the decorators' options: `nogil` (merge's worker threads run the kernel beside the printing
    thread), `boundscheck=False` — pycc's own flags would hold the GIL."""
    flags_class = _aot.flags_with(importlib.import_module("numba.core.compiler").Flags,
                                  getattr(jit[name], _JIT[name].exports[0]))
    flags = flags_class()
    assert flags.release_gil and not flags.boundscheck


def _fits_by_name(value: object, kind: dict[str, Any]) -> bool:
    """The check as it was written first (by the dtype's name): `_aot._check` must answer the same."""
    if "array" in kind:
        return (isinstance(value, np.ndarray) and value.dtype.name == kind["array"] and value.dtype.isnative
                and value.ndim == kind["ndim"] and (kind["layout"] != "C" or value.flags.c_contiguous)
                and (kind["layout"] != "F" or value.flags.f_contiguous)
                and (not kind["mutable"] or value.flags.writeable))
    if "boolean" in kind:
        return isinstance(value, (bool, np.bool_))
    if "float" in kind:
        return isinstance(value, (float, np.floating))
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def test_the_argument_check_resolved_once_answers_as_by_name() -> None:
    """`_check` compares dtypes resolved once (a check runs on every call): the same answers as comparing
    the dtype's name and byte order, on arrays of other dtypes, byte orders, dimensions, layouts, writability
    and on scalars."""
    readonly = np.frombuffer(b"abcdefgh", np.uint8)
    grid = np.zeros((3, 4), np.int64)
    values: list[object] = [
        np.zeros(3, np.int64), np.zeros(3, np.int32), np.zeros(3, ">i8"), np.zeros(3, np.uint8), readonly,
        np.zeros(3, np.float64), np.zeros(3, np.bool_), grid, grid[:, 1], np.asfortranarray(grid), grid.T,
        np.zeros(3, np.int64)[::2], 3, np.int64(3), True, np.bool_(False), 2.5, np.float32(1), "3", None]
    kinds = [{"array": a, "ndim": n, "layout": lay, "mutable": m} for a in ("int64", "uint8", "float64", "bool")
             for n in (1, 2) for lay in ("C", "F", "A") for m in (True, False)]
    kinds += [{"integer": "int64"}, {"boolean": "bool"}, {"float": "float64"}]
    for kind in kinds:
        for value in values:
            assert _aot._check(kind)(value) is _fits_by_name(value, kind), (kind, value)
