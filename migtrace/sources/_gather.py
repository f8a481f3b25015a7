"""A round of `merge`'s bulk records gathered into one buffer (numba, the optional `jit` extra).

`pipeline/_bulk_merge` prints a round's records in the order of one stable
sort of their keys; the bulk records come as runs (consecutive records of
one window's `blob`), about 14 records a run on a big merge where inputs
interleave.  Cutting each run as a `bytes` slice with its bookkeeping costs
a Python turn per run in the printing thread; `gather` copies every run of
a round into one `bytearray` with one compiled call per window instead.

numba is optional: `available()` is False when it is not installed (or
`MIGTRACE_BULK_KERNEL=0`, the switch of the bulk kernel, `_bulk_kernel`),
and the merge then cuts the runs one by one: the same bytes either way.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

from migtrace.sources._bulk_kernel import KERNEL_VARIABLE

Int = npt.NDArray[np.int64]

_jit: ModuleType | None = None
_tried = False


def available() -> bool:
    """Whether the compiled gather runs here (numba installed, not turned off by `KERNEL_VARIABLE`)."""
    if os.environ.get(KERNEL_VARIABLE, "").strip() == "0":
        return False
    global _jit, _tried  # noqa: PLW0603 - numba and the copy are imported once per process
    if not _tried:
        _tried = True
        _jit = _load()
    return _jit is not None


def _load() -> ModuleType | None:
    """The copy's module, compiled (or loaded from numba's cache) by one call on a tiny input; None where
    numba is missing or cannot compile or cache it here."""
    try:
        with warnings.catch_warnings():  # numba's warnings (a cache it cannot write…) must not reach stderr
            warnings.simplefilter("ignore")
            from migtrace.sources import _gather_jit  # noqa: PLC0415 - imports numba (optional, heavy)
            zero = np.zeros(1, np.int64)
            begins, at = _gather_jit.spans(zero, np.array([0, 1]), zero, zero, zero)
            _gather_jit.copy(np.zeros(1, np.uint8), np.frombuffer(b"\n", np.uint8), 0, zero, begins, at)
    except Exception:  # ImportError, or numba's errors where it cannot run here
        return None
    return _gather_jit


def gather(blobs: Sequence[bytes], record_ends: Sequence[Int], window: Int, first: Int, last: Int) -> tuple[
        npt.NDArray[np.uint8], Int]:
    """The printed bytes of runs, in the given order, in one buffer; and where each run starts in it
    (one more entry: the buffer's length).

    Run i is records `first[i]..last[i]` of window `window[i]` (`blobs[w]`:
    its printed records, each ending with a newline at `record_ends[w][slot]`).
    Call only where `available()`.
    """
    assert _jit is not None
    if not len(first):
        return np.empty(0, np.uint8), np.zeros(1, np.int64)
    offsets = np.zeros(len(record_ends) + 1, np.int64)
    np.cumsum([len(r) for r in record_ends], out=offsets[1:])
    begins, at = _jit.spans(np.concatenate(record_ends), offsets, window, first, last)
    out = np.empty(int(at[-1]), np.uint8)
    for w, blob in enumerate(blobs):
        _jit.copy(out, np.frombuffer(blob, np.uint8), w, window, begins, at)
    return out, at
