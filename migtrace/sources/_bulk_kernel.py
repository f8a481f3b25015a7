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

import os
import threading
import warnings
from types import ModuleType

import numpy as np
import numpy.typing as npt

#: `MIGTRACE_BULK_KERNEL=0` turns the compiled kernel off (the numpy way runs)
KERNEL_VARIABLE = "MIGTRACE_BULK_KERNEL"

_jit: ModuleType | None = None
_tried = False
#: per thread: the buffer the kernel prints into, kept from window to window (fresh memory costs page faults)
_scratch = threading.local()

Int = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
_EMPTY = np.zeros(0, np.uint8)


def available() -> bool:
    """Whether the compiled kernel runs here (numba installed, not turned off by `KERNEL_VARIABLE`)."""
    if os.environ.get(KERNEL_VARIABLE, "").strip() == "0":
        return False
    global _jit, _tried  # noqa: PLW0603 - numba and the kernel are imported once per process
    if not _tried:
        _tried = True
        _jit = _load()
    return _jit is not None


def _load() -> ModuleType | None:
    """The kernel's module, compiled (or loaded from numba's cache) by one call on a tiny window; None where
    numba is missing or cannot compile or cache it here (the numpy way then runs: same output)."""
    try:
        with warnings.catch_warnings():  # numba's warnings (a cache it cannot write…) must not reach stderr
            warnings.simplefilter("ignore")
            from migtrace.sources import _bulk_jit  # noqa: PLC0415 - imports numba (optional, heavy)
            _bulk_jit.kernel(np.frombuffer(b"x\n", np.uint8), np.zeros(0, np.int64), np.frombuffer(b" ", np.uint8),
                             np.zeros(0, np.uint8))
    except Exception:  # ImportError, or numba's errors where it cannot run here
        return None
    return _bulk_jit


def scan(window: bytes, drops: Int, insert: bytes) -> tuple[Bool, Int, Int, Int, bytes, Int, Int, Int]:
    """The kernel on one window: taken, starts, ends, keys, blob, record ends, pids, taken lines (`_bulk.Window`).

    `drops`: offsets inside the texts that send their line to the text path
    (`_bulk.Literals`); `insert`: what stands for the pid in a printed record
    (`000+00:00 [host/service] `).  Call only where `available()`.
    """
    assert _jit is not None
    taken, starts, ends, keys, blob, size, record_ends, pids, lines = _jit.kernel(
        np.frombuffer(window, np.uint8), np.sort(drops.astype(np.int64)), np.frombuffer(insert, np.uint8),
        getattr(_scratch, "blob", _EMPTY))
    _scratch.blob = blob
    return taken, starts, ends, keys, blob[:size].tobytes(), record_ends, pids, lines
