"""`bulk_window`'s checks as one compiled loop over a window's lines (numba, the optional `jit` extra).

The numpy way (`_bulk.bulk_window`) checks every field of every line with a
separate array pass, each with its temporaries: about 3.3 µs a line, most
of `merge`'s time.  The checks themselves are a few dozen byte comparisons
a line; compiled as one loop (`_bulk_jit.kernel`) they cost under 1 µs a
line, the window's literal scan included.  The rules are the same, stated
line by line there (field by field in `_bulk`);
tests/pipeline/test_bulk_kernel.py checks that both ways make the same
`Window` on real windows and on fuzzed header variants.

numba is optional: `available()` is False when it is not installed (or
`MIGTRACE_BULK_KERNEL=0`), and `_bulk.bulk_window` then takes the numpy way.
numba caches the compiled code beside `_bulk_jit.py` (or in its user-wide
cache where that directory is read-only): the first run compiles (seconds),
later ones load it.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from migtrace.sources import _aot

#: `MIGTRACE_BULK_KERNEL=0` turns the compiled kernel off (the numpy way runs)
KERNEL_VARIABLE = "MIGTRACE_BULK_KERNEL"

#: per thread: the buffer the kernel prints into, kept from window to window (fresh memory costs page faults)
_scratch = threading.local()

Int = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
_EMPTY = np.zeros(0, np.uint8)


class OptionalJit:
    """One numba module of ours, loaded and warmed once per process: its ahead-of-time build, else the JIT.

    In order: the module's AOT build (`_aot`: an extension in the user's
    cache, current for this source and these versions; no numba import),
    else the numba JIT (compiled, or loaded from numba's cache, and warmed),
    else None where numba is missing or cannot compile or cache the code
    here — the caller then takes its numpy or Python way, with the same
    output.  `available()` is False while `KERNEL_VARIABLE` is 0.  `way`
    and `reason` say which ran and why (`python -m migtrace.sources._aot_build
    status`).  The kernel and `merge`'s gather (`_gather`) share this gate
    and switch; `exports` are the functions their callers use (what a build
    compiles).
    """

    def __init__(self, name: str, warm: Callable[[Any], object], exports: tuple[str, ...]) -> None:
        self.name, self.warm, self.exports = name, warm, exports
        self.tried = False
        self.module: Any = None
        self.way = ""
        self.reason = ""

    def available(self) -> bool:
        """Whether the compiled code runs here (numba installed, not turned off by `KERNEL_VARIABLE`)."""
        if os.environ.get(KERNEL_VARIABLE, "").strip() == "0":
            return False
        if not self.tried:
            self.tried = True
            self.module = self._load()
        return self.module is not None

    def jit(self) -> ModuleType:
        """The numba module itself (imports numba: optional, heavy)."""
        return importlib.import_module(self.name)

    def _load(self) -> Any:
        """The AOT build, else the JIT module warmed by one call on a tiny input; None where neither runs here."""
        module, why = _aot.load(self)
        if module is not None:
            self.way, self.reason = "aot", why
            return module
        _aot.LOG.debug("%s: no AOT build (%s)", self.name, why)
        try:
            with warnings.catch_warnings():  # numba's warnings (a cache it cannot write…) must not reach stderr
                warnings.simplefilter("ignore")
                jit = self.jit()
                self.warm(jit)
        except Exception as exc:  # ImportError, or numba's errors where it cannot run here
            self.way, self.reason = "", f"{why}; no JIT: {type(exc).__name__}: {exc}"
            return None
        self.way, self.reason = "jit", why
        return jit


def _warm(jit: Any) -> None:
    jit.kernel(np.frombuffer(b"x\n", np.uint8), np.zeros(0, np.int64), np.frombuffer(b" ", np.uint8),
               np.zeros(0, np.uint8))


#: the kernel (`_bulk_jit`), loaded on the first `available()`
KERNEL = OptionalJit("migtrace.sources._bulk_jit", _warm, ("kernel",))


def available() -> bool:
    """Whether the compiled kernel runs here (numba installed, not turned off by `KERNEL_VARIABLE`)."""
    return KERNEL.available()


def scan(window: bytes, drops: Int, insert: bytes) -> tuple[Bool, Int, Int, Int, bytes, Int, Int, Int]:
    """The kernel on one window: taken, starts, ends, keys, blob, record ends, pids, taken lines (`_bulk.Window`).

    `drops`: offsets inside the texts that send their line to the text path
    (`_bulk.Literals`); `insert`: what stands for the pid in a printed record
    (`000+00:00 [host/service] `).  Call only where `available()`.
    """
    assert KERNEL.module is not None
    taken, starts, ends, keys, blob, size, record_ends, pids, lines = KERNEL.module.kernel(
        np.frombuffer(window, np.uint8), np.sort(drops.astype(np.int64)), np.frombuffer(insert, np.uint8),
        getattr(_scratch, "blob", _EMPTY))
    _scratch.blob = blob
    return taken, starts, ends, keys, blob[:size].tobytes(), record_ends, pids, lines
