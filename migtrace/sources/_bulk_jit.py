"""The compiled loop of `_bulk_kernel` (numba): imported only where numba is installed and a bulk merge runs.

`check` states, for one line, the rules `_bulk.bulk_window` applies field
by field over a whole window (the parser's quick header, `_FAST_HEADER`,
`parse_request_block`, `split_after`, `_bare_suffix`); `kernel` runs it on
every line of a window and prints the taken lines as `_bulk._print` does.
Compiled once per installation (numba's cache beside this file).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit  # type: ignore[import-untyped,import-not-found,unused-ignore]

_LOGGER_CHARS = np.zeros(256, np.bool_)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-":
    _LOGGER_CHARS[_c] = True
_FUNC_CHARS = _LOGGER_CHARS.copy()
_FUNC_CHARS[ord("-")] = False
_FUNC_CHARS[ord("<")] = _FUNC_CHARS[ord(">")] = True
_HEX_CHARS = np.zeros(256, np.bool_)
for _c in b"0123456789abcdef":
    _HEX_CHARS[_c] = True
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


@njit(cache=True, nogil=True, boundscheck=False)
def uuid_at(a: Any, at: int, end: int) -> bool:  # pragma: no cover - compiled
    if at + 36 > end:
        return False
    for j in range(36):
        c = a[at + j]
        if j == 8 or j == 13 or j == 18 or j == 23:  # noqa: PLR1714 - numba would build a set per turn
            if c != 45:
                return False
        elif not (48 <= c <= 57 or 97 <= c <= 102):  # lower-case hex
            return False
    return True


@njit(cache=True, nogil=True, boundscheck=False)
def text_at(a: Any, at: int, end: int, text: Any) -> bool:  # pragma: no cover - compiled
    if at + len(text) > end:
        return False
    for j in range(len(text)):  # noqa: SIM110 - numba compiles no generator
        if a[at + j] != text[j]:
            return False
    return True

# texts as tuples of byte values: compile-time constants (an array passed to a call is rebuilt at every call)
_LV0, _LV1, _LV2, _LV3, _LV4, _LV5 = (tuple(w) for w in (b"DEBUG ", b"INFO ", b"AUDIT ", b"WARNING ", b"ERROR ",
                                                         b"CRITICAL "))
_REQ_TEXT = tuple(b"[req-")
_DASH_TEXT = tuple(b"[-]")
_INST_TEXT = tuple(b" [instance: ")
_REQ_WORD = tuple(b" req-")
_PY_TEXT = tuple(b".py:")


@njit(cache=True, nogil=True, boundscheck=False)
def check(a: Any, s: int, end: int, out: Any) -> bool:  # pragma: no cover - compiled
    """One line [s, end): True when the bulk path takes it; `out` gets key, pid, p, r, q, e."""
    # stamp `YYYY-MM-DD HH:MM:SS.mmm `
    for j in (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22):
        c = a[s + j]
        if c < 48 or c > 57:
            return False
    if a[s + 4] != 45 or a[s + 7] != 45 or a[s + 10] != 32 or a[s + 13] != 58 or a[s + 16] != 58 \
            or a[s + 19] != 46 or a[s + 23] != 32:
        return False
    year = (a[s] - 48) * 1000 + (a[s + 1] - 48) * 100 + (a[s + 2] - 48) * 10 + (a[s + 3] - 48)
    month = (a[s + 5] - 48) * 10 + (a[s + 6] - 48)
    day = (a[s + 8] - 48) * 10 + (a[s + 9] - 48)
    hour = (a[s + 11] - 48) * 10 + (a[s + 12] - 48)
    minute = (a[s + 14] - 48) * 10 + (a[s + 15] - 48)
    second = (a[s + 17] - 48) * 10 + (a[s + 18] - 48)
    milli = (a[s + 20] - 48) * 100 + (a[s + 21] - 48) * 10 + (a[s + 22] - 48)
    if year < 1 or month < 1 or month > 12 or day < 1 or hour >= 24 or minute >= 60 or second >= 60:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _MONTH_DAYS[month] + (1 if month == 2 and leap else 0):
        return False
    out[0] = (((((np.int64(year) * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second) \
        * 1_000_000 + milli * 1000
    # optional pid: up to 8 digits, one blank
    p = s + 24
    pid = np.int64(-1)
    if 48 <= a[p] <= 57:
        pid = np.int64(0)
        j = p
        while j < end and 48 <= a[j] <= 57:
            pid = pid * 10 + (a[j] - 48)
            j += 1
        if j - p > 8 or j >= end or a[j] != 32:
            return False
        p = j + 1
    out[1] = pid
    # the level word and its blank
    if text_at(a, p, end, _LV0):
        lg = p + 6
        debug = True
    else:
        debug = False
        if text_at(a, p, end, _LV1):
            lg = p + 5
        elif text_at(a, p, end, _LV2):
            lg = p + 6
        elif text_at(a, p, end, _LV3):
            lg = p + 8
        elif text_at(a, p, end, _LV4):
            lg = p + 6
        elif text_at(a, p, end, _LV5):
            lg = p + 9
        else:
            return False
    out[2] = p
    # logger `[\w.\-]{1,96}`, one blank
    j = lg
    while j < end and _LOGGER_CHARS[a[j]]:
        j += 1
    if j == lg or j - lg > 96 or j >= end or a[j] != 32:
        return False
    b0 = j + 1
    # request block: `[req-<uuid>` tokens… `]`, or `[-]`
    if text_at(a, b0, end, _DASH_TEXT):
        r = b0 + 2
        close = r
    elif text_at(a, b0, end, _REQ_TEXT) and uuid_at(a, b0 + 5, end):
        r = b0 + 41
        close = r
        while close < end and a[close] != 93:
            if a[close] == 91:
                return False
            if a[close] == 32 and close + 1 < end and a[close + 1] == 32:
                return False
            close += 1
        if close >= end:
            return False
        if close != r and (a[r] != 32 or a[close - 1] == 32 or text_at(a, r, end, _REQ_WORD)):
            return False
    else:
        return False
    out[3] = r
    q = close + 1
    out[4] = q
    # `[instance: <uuid>] ` or one blank
    if text_at(a, q, end, _INST_TEXT):
        if not uuid_at(a, q + 12, end) or q + 49 >= end or a[q + 48] != 93 or a[q + 49] != 32:
            return False
        m0 = q + 50
    else:
        if q >= end or a[q] != 32:
            return False
        m0 = q + 1
    # the message's end: the line's, or before a DEBUG line's bare `func /path.py:N` suffix
    e = end
    if debug:
        ndig = 0
        while ndig < 12 and a[end - 1 - ndig] >= 48 and a[end - 1 - ndig] <= 57:
            ndig += 1
        if ndig < 1 or ndig > 8:
            return False
        colon = end - ndig - 1
        if not text_at(a, colon - 3, end, _PY_TEXT):
            return False
        sp1 = colon - 1
        while sp1 >= s and a[sp1] != 32:
            sp1 -= 1
        if sp1 < s or colon <= sp1 + 4 or a[sp1 + 1] != 47:
            return False
        sp2 = sp1 - 1
        while sp2 >= s and a[sp2] != 32:
            sp2 -= 1
        if sp2 < s:
            return False
        func = sp1 - sp2 - 1
        if func < 1 or func > 64:
            return False
        for j in range(sp2 + 1, sp1):
            if not _FUNC_CHARS[a[j]]:
                return False
        e = sp2
        while e - 1 >= s and a[e - 1] == 32:
            e -= 1
    if e <= m0 or a[e - 1] == 32:
        return False
    out[5] = e
    return True


@njit(cache=True, nogil=True, boundscheck=False)
def kernel(a: Any, drops: Any, insert: Any) -> Any:  # pragma: no cover - compiled
    """`_bulk_kernel.scan`'s work: every line of window `a` checked (`check`), the taken ones printed."""
    n = a.size
    lines = 0
    for i in range(n):
        if a[i] == 10:
            lines += 1
    open_end = n > 0 and a[n - 1] != 10
    if open_end:
        lines += 1
    starts = np.empty(lines, np.int64)
    ends = np.empty(lines, np.int64)
    ok = np.zeros(lines, np.bool_)
    fields = np.empty((lines, 6), np.int64)
    li = 0
    for i in range(n):
        if a[i] == 10:
            ends[li] = i
            li += 1
    if open_end:
        ends[li] = n
    d = 0
    s = 0
    for i in range(lines):
        # no control byte but the newline, ASCII, no more `[` than `]`
        j = ends[i]
        starts[i] = s
        bad = np.int32(0)
        more = np.int32(0)  # `[` less `]`
        for x in range(np.uint64(s), np.uint64(j)):  # unsigned: no wraparound test, the loop vectorises
            c = np.int32(a[x])
            bad |= np.int32(c < 32) | np.int32(c > 126)
            more += np.int32(c == 91) - np.int32(c == 93)
        while d < len(drops) and drops[d] < s:
            d += 1
        if d < len(drops) and drops[d] < j:
            bad = np.int32(1)
        if bad == 0 and j - s >= 60 and j < n and more <= 0:
            ok[i] = check(a, s, j, fields[i])
        s = j + 1
    taken = ok.copy()
    if lines:
        for i in range(lines - 1):
            taken[i] = ok[i] and ok[i + 1]
        taken[lines - 1] = False
    count = 0
    size = 0
    for i in range(lines):
        if taken[i]:
            count += 1
            f = fields[i]
            size += 24 + (f[3] + 1 - f[2]) + (ends[i] - f[4]) + len(insert)
    blob = np.empty(size, np.uint8)
    record_ends = np.empty(count, np.int64)
    keys = np.empty(count, np.int64)
    pids = np.empty(count, np.int64)
    at = np.empty(count, np.int64)
    k = 0
    o = 0
    for i in range(lines):
        if not taken[i]:
            continue
        f = fields[i]
        s = starts[i]
        p, r, q, e = f[2], f[3], f[4], f[5]
        for x in range(23):
            blob[o + x] = a[s + x]
        blob[o + 10] = 84  # `T`
        o += 23
        for x in range(len(insert)):
            blob[o + x] = insert[x]
        o += len(insert)
        for x in range(p, r):
            blob[o + x - p] = a[x]
        o += r - p
        blob[o] = 93
        o += 1
        for x in range(q, e):
            blob[o + x - q] = a[x]
        o += e - q
        record_ends[k] = o
        blob[o] = 10
        o += 1
        keys[k] = f[0]
        pids[k] = f[1]
        at[k] = i
        k += 1
    return taken, starts, ends, keys, blob[:o], record_ends, pids, at

