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
def stamp_key(a: Any, s: int) -> Any:  # pragma: no cover - compiled
    """The line's stamp `YYYY-MM-DD HH:MM:SS.mmm ` (a real date) as its sort key (`key_number`); -1: none."""
    for j in (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22):
        c = a[s + j]
        if c < 48 or c > 57:
            return -1
    if a[s + 4] != 45 or a[s + 7] != 45 or a[s + 10] != 32 or a[s + 13] != 58 or a[s + 16] != 58 \
            or a[s + 19] != 46 or a[s + 23] != 32:
        return -1
    year = (a[s] - 48) * 1000 + (a[s + 1] - 48) * 100 + (a[s + 2] - 48) * 10 + (a[s + 3] - 48)
    month = (a[s + 5] - 48) * 10 + (a[s + 6] - 48)
    day = (a[s + 8] - 48) * 10 + (a[s + 9] - 48)
    hour = (a[s + 11] - 48) * 10 + (a[s + 12] - 48)
    minute = (a[s + 14] - 48) * 10 + (a[s + 15] - 48)
    second = (a[s + 17] - 48) * 10 + (a[s + 18] - 48)
    milli = (a[s + 20] - 48) * 100 + (a[s + 21] - 48) * 10 + (a[s + 22] - 48)
    if year < 1 or month < 1 or month > 12 or day < 1 or hour >= 24 or minute >= 60 or second >= 60:
        return -1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _MONTH_DAYS[month] + (1 if month == 2 and leap else 0):
        return -1
    return (((((np.int64(year) * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second) \
        * 1_000_000 + milli * 1000


@njit(cache=True, nogil=True, boundscheck=False)
def pid_level(a: Any, s: int, end: int) -> Any:  # pragma: no cover - compiled
    """The optional pid (up to 8 digits, one blank) and the level word with its blank: (pid or -1, where the
    level starts, where the logger starts or -1: no such header, DEBUG?)."""
    p = s + 24
    pid = np.int64(-1)
    if 48 <= a[p] <= 57:
        pid = np.int64(0)
        j = p
        while j < end and 48 <= a[j] <= 57:
            pid = pid * 10 + (a[j] - 48)
            j += 1
        if j - p > 8 or j >= end or a[j] != 32:
            return pid, p, -1, False
        p = j + 1
    lg = -1
    if text_at(a, p, end, _LV0):
        return pid, p, p + 6, True
    if text_at(a, p, end, _LV1):
        lg = p + 5
    elif text_at(a, p, end, _LV2) or text_at(a, p, end, _LV4):
        lg = p + 6
    elif text_at(a, p, end, _LV3):
        lg = p + 8
    elif text_at(a, p, end, _LV5):
        lg = p + 9
    return pid, p, lg, False


@njit(cache=True, nogil=True, boundscheck=False)
def request_block(a: Any, lg: int, end: int) -> Any:  # pragma: no cover - compiled
    """The logger `[\\w.\\-]{1,96}` from `lg`, one blank, the request block `[req-<uuid>` tokens… `]` or `[-]`:
    (where it is cut, where its `]` is); (-1, -1) where the line has no such fields."""
    j = lg
    while j < end and _LOGGER_CHARS[a[j]]:
        j += 1
    if j == lg or j - lg > 96 or j >= end or a[j] != 32:
        return -1, -1
    b0 = j + 1
    if text_at(a, b0, end, _DASH_TEXT):
        return b0 + 2, b0 + 2
    if not (text_at(a, b0, end, _REQ_TEXT) and uuid_at(a, b0 + 5, end)):
        return -1, -1
    r = b0 + 41
    close = r
    while close < end and a[close] != 93:
        if a[close] == 91 or (a[close] == 32 and close + 1 < end and a[close + 1] == 32):
            return -1, -1
        close += 1
    if close >= end or (close != r and (a[r] != 32 or a[close - 1] == 32 or text_at(a, r, end, _REQ_WORD))):
        return -1, -1
    return r, close


@njit(cache=True, nogil=True, boundscheck=False)
def debug_end(a: Any, s: int, end: int) -> Any:  # pragma: no cover - compiled
    """Where a DEBUG message ends before its bare `func /path.py:N` suffix (`_bare_suffix`); -1: no suffix."""
    ndig = 0
    while ndig < 12 and a[end - 1 - ndig] >= 48 and a[end - 1 - ndig] <= 57:
        ndig += 1
    if ndig < 1 or ndig > 8:
        return -1
    colon = end - ndig - 1
    if not text_at(a, colon - 3, end, _PY_TEXT):
        return -1
    sp1 = colon - 1
    while sp1 >= s and a[sp1] != 32:
        sp1 -= 1
    if sp1 < s or colon <= sp1 + 4 or a[sp1 + 1] != 47:
        return -1
    sp2 = sp1 - 1
    while sp2 >= s and a[sp2] != 32:
        sp2 -= 1
    if sp2 < s or sp1 - sp2 - 1 < 1 or sp1 - sp2 - 1 > 64:
        return -1
    for j in range(sp2 + 1, sp1):
        if not _FUNC_CHARS[a[j]]:
            return -1
    e = sp2
    while e - 1 >= s and a[e - 1] == 32:
        e -= 1
    return e


@njit(cache=True, nogil=True, boundscheck=False)
def check(a: Any, s: int, end: int, out: Any) -> bool:  # pragma: no cover - compiled
    """One line [s, end): True when the bulk path takes it; `out` gets key, pid, p, r, q, e."""
    key = stamp_key(a, s)
    if key < 0:
        return False
    pid, p, lg, debug = pid_level(a, s, end)
    if lg < 0:
        return False
    r, close = request_block(a, lg, end)
    if r < 0:
        return False
    q = close + 1
    # `[instance: <uuid>] ` or one blank, then the message
    if text_at(a, q, end, _INST_TEXT):
        if not uuid_at(a, q + 12, end) or q + 49 >= end or a[q + 48] != 93 or a[q + 49] != 32:
            return False
        m0 = q + 50
    elif q >= end or a[q] != 32:
        return False
    else:
        m0 = q + 1
    e = debug_end(a, s, end) if debug else end
    if e <= m0 or a[e - 1] == 32:
        return False
    out[0], out[1], out[2], out[3], out[4], out[5] = key, pid, p, r, q, e
    return True


@njit(cache=True, nogil=True, boundscheck=False)
def line_ends(a: Any) -> Any:  # pragma: no cover - compiled
    """Where each line of the window ends (its newline; the window's end for a last line without one)."""
    n = a.size
    lines = 0
    for i in range(n):
        if a[i] == 10:
            lines += 1
    open_end = n > 0 and a[n - 1] != 10
    ends = np.empty(lines + 1 if open_end else lines, np.int64)
    li = 0
    for i in range(n):
        if a[i] == 10:
            ends[li] = i
            li += 1
    if open_end:
        ends[li] = n
    return ends


@njit(cache=True, nogil=True, boundscheck=False)
def checked(a: Any, ends: Any, drops: Any) -> Any:  # pragma: no cover - compiled
    """Per line: its start, whether `check` takes it, and its fields (`check`'s `out`)."""
    lines = len(ends)
    starts = np.empty(lines, np.int64)
    ok = np.zeros(lines, np.bool_)
    fields = np.empty((lines, 6), np.int64)
    d = 0
    s = 0
    for i in range(lines):
        # no control byte but the newline, ASCII, no more `[` than `]`, no literal hit
        j = ends[i]
        starts[i] = s
        bad = np.int32(0)
        more = np.int32(0)  # `[` less `]`
        for x in range(np.uint64(s), np.uint64(j)):  # unsigned: no wraparound test in the byte loop
            c = np.int32(a[x])
            bad |= np.int32(c < 32) | np.int32(c > 126)
            more += np.int32(c == 91) - np.int32(c == 93)
        while d < len(drops) and drops[d] < s:
            d += 1
        if d < len(drops) and drops[d] < j:
            bad = np.int32(1)
        if bad == 0 and j - s >= 60 and j < a.size and more <= 0:
            ok[i] = check(a, s, j, fields[i])
        s = j + 1
    return starts, ok, fields


@njit(cache=True, nogil=True, boundscheck=False)
def printed(a: Any, taken: Any, starts: Any, ends: Any, fields: Any, insert: Any) -> Any:  # pragma: no cover
    """The taken lines' printed records in one buffer (as `_bulk._print`): blob, record ends, keys, pids, lines."""
    count = 0
    size = 0
    for i in range(len(taken)):
        if taken[i]:
            count += 1
            size += 24 + (fields[i, 3] + 1 - fields[i, 2]) + (ends[i] - fields[i, 4]) + len(insert)
    blob = np.empty(size, np.uint8)
    record_ends = np.empty(count, np.int64)
    keys = np.empty(count, np.int64)
    pids = np.empty(count, np.int64)
    at = np.empty(count, np.int64)
    k = 0
    o = 0
    for i in range(len(taken)):
        if not taken[i]:
            continue
        s, p, r, q, e = starts[i], fields[i, 2], fields[i, 3], fields[i, 4], fields[i, 5]
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
        blob[o] = 93  # the request block's `]` right after the request id
        o += 1
        for x in range(q, e):
            blob[o + x - q] = a[x]
        o += e - q
        record_ends[k] = o
        blob[o] = 10
        o += 1
        keys[k], pids[k], at[k] = fields[i, 0], fields[i, 1], i
        k += 1
    return blob[:o], record_ends, keys, pids, at


@njit(cache=True, nogil=True, boundscheck=False)
def kernel(a: Any, drops: Any, insert: Any) -> Any:  # pragma: no cover - compiled
    """`_bulk_kernel.scan`'s work: every line of window `a` checked (`check`), the taken ones printed."""
    ends = line_ends(a)
    starts, ok, fields = checked(a, ends, drops)
    taken = ok.copy()
    lines = len(ends)
    if lines:
        for i in range(lines - 1):
            taken[i] = ok[i] and ok[i + 1]  # a record whose next line is not taken may get continuation lines
        taken[lines - 1] = False
    blob, record_ends, keys, pids, at = printed(a, taken, starts, ends, fields, insert)
    return taken, starts, ends, keys, blob, record_ends, pids, at
