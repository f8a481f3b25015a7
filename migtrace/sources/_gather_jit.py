"""The compiled part of `_gather` (numba): imported only where numba is installed and a bulk merge runs.

`spans` finds where each run of printed records lies in its window's
`blob` and in the round's output; `copy` moves one window's runs there.
One call of `spans` and one of `copy` per window and round, instead of one
Python turn (a slice, an object) per run.  Compiled once per installation
(numba's cache beside this file).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit  # type: ignore[import-untyped,import-not-found,unused-ignore]


@njit(cache=True, nogil=True, boundscheck=False)
def spans(record_ends: Any, offsets: Any, window: Any, first: Any, last: Any) -> Any:  # pragma: no cover - compiled
    """Per run i (records `first[i]..last[i]` of window `window[i]`, whose record ends are
    `record_ends[offsets[w]:offsets[w + 1]]`): where it begins in its blob, and where it begins in the
    output (one more entry: the output's length)."""
    n = len(first)
    begins = np.empty(n, np.int64)
    at = np.empty(n + 1, np.int64)
    at[0] = 0
    for i in range(n):
        base = offsets[window[i]]
        s = first[i]
        b = record_ends[base + s - 1] + 1 if s > 0 else 0
        begins[i] = b
        at[i + 1] = at[i] + record_ends[base + last[i]] + 1 - b
    return begins, at


@njit(cache=True, nogil=True, boundscheck=False)
def copy(out: Any, blob: Any, w: int, window: Any, begins: Any, at: Any) -> None:  # pragma: no cover - compiled
    """`out[at[i]:at[i + 1]] = blob[begins[i]:…]` for every run i of window `w`.

    A loop over two slices' bytes (LLVM makes it a vectorised copy): numba's
    slice assignment checks the two arrays for overlap and runs ≈ 10× slower.
    """
    for i in range(len(window)):
        if window[i] == w:
            a = at[i]
            n = at[i + 1] - a
            o = out[a:a + n]
            s = blob[begins[i]:begins[i] + n]
            for j in range(n):
                o[j] = s[j]
