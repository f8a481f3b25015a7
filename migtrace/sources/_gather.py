"""A round of `merge`'s bulk records gathered into one buffer (numba, the optional `jit` extra).

`pipeline/_bulk_merge` prints a round's records in the order of one stable
sort of their keys; the bulk records come as runs (consecutive records of
one window's `blob`), about 14 records a run on a big merge where inputs
interleave.  Cutting each run as a `bytes` slice with its bookkeeping costs
a Python turn per run in the printing thread; `gather` copies every run of
a round into one `bytearray` with one compiled call per window instead.
Where the runs are only written, `spans` alone tells where each lies in its
window: the printing thread hands the windows' own bytes to `os.writev`
(`cli/_merge`), with no copy of the round (≈ 1 GiB on a big merge, out of
cache: the windows were printed by the worker long before).

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


def spans(record_ends: Sequence[Int], window: Int, first: Int, last: Int) -> tuple[Int, Int]:
    """Where each run's printed bytes begin in its window's blob, and where each run begins in the round's
    output (one more entry: the output's length).

    Run i is records `first[i]..last[i]` of window `window[i]` (its printed
    records each end with a newline at `record_ends[w][slot]`).  Run i's
    bytes are `blobs[window[i]][begins[i]:begins[i] + at[i + 1] - at[i]]`:
    what the printing thread writes (`os.writev`) without gathering them.
    Call only where `available()`.
    """
    jit = GATHER.module
    assert jit is not None
    if not len(first):
        return np.zeros(0, np.int64), np.zeros(1, np.int64)
    offsets = np.zeros(len(record_ends) + 1, np.int64)
    np.cumsum([len(r) for r in record_ends], out=offsets[1:])
    begins: Int
    at: Int
    begins, at = jit.spans(np.concatenate(record_ends), offsets, window, first, last)
    return begins, at


def copy(blobs: Sequence[bytes], window: Int, begins: Int, at: Int) -> npt.NDArray[np.uint8]:
    """The runs `spans` found, copied one after the other into one buffer."""
    jit = GATHER.module
    assert jit is not None
    out = np.empty(int(at[-1]), np.uint8)
    if len(window):
        for w, blob in enumerate(blobs):
            jit.copy(out, np.frombuffer(blob, np.uint8), w, window, begins, at)
    return out


def gather(blobs: Sequence[bytes], record_ends: Sequence[Int], window: Int, first: Int, last: Int) -> tuple[
        npt.NDArray[np.uint8], Int]:
    """The printed bytes of runs, in the given order, in one buffer; and where each run starts in it
    (one more entry: the buffer's length).

    Run i is records `first[i]..last[i]` of window `window[i]` (`blobs[w]`:
    its printed records, each ending with a newline at `record_ends[w][slot]`).
    Call only where `available()`.
    """
    begins, at = spans(record_ends, window, first, last)
    return copy(blobs, window, begins, at), at
