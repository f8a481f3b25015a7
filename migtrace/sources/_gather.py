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

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from migtrace.sources._bulk_kernel import OptionalJit

Int = npt.NDArray[np.int64]


def _warm(jit: Any) -> None:
    zero = np.zeros(1, np.int64)
    begins, at = jit.spans(zero, np.array([0, 1]), zero, zero, zero)
    jit.copy(np.zeros(1, np.uint8), np.frombuffer(b"\n", np.uint8), 0, zero, begins, at)


#: the copy (`_gather_jit`), loaded on the first `available()`; the kernel's switch turns it off too
GATHER = OptionalJit("migtrace.sources._gather_jit", _warm, ("spans", "copy"))


def available() -> bool:
    """Whether the compiled gather runs here (numba installed, not turned off by `KERNEL_VARIABLE`)."""
    return GATHER.available()


def gather(blobs: Sequence[bytes], record_ends: Sequence[Int], window: Int, first: Int, last: Int) -> tuple[
        npt.NDArray[np.uint8], Int]:
    """The printed bytes of runs, in the given order, in one buffer; and where each run starts in it
    (one more entry: the buffer's length).

    Run i is records `first[i]..last[i]` of window `window[i]` (`blobs[w]`:
    its printed records, each ending with a newline at `record_ends[w][slot]`).
    Call only where `available()`.
    """
    jit = GATHER.module
    assert jit is not None
    if not len(first):
        return np.empty(0, np.uint8), np.zeros(1, np.int64)
    offsets = np.zeros(len(record_ends) + 1, np.int64)
    np.cumsum([len(r) for r in record_ends], out=offsets[1:])
    begins, at = jit.spans(np.concatenate(record_ends), offsets, window, first, last)
    out = np.empty(int(at[-1]), np.uint8)
    for w, blob in enumerate(blobs):
        jit.copy(out, np.frombuffer(blob, np.uint8), w, window, begins, at)
    return out, at
