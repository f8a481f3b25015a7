"""The compiled loop of `_bulk_kernel` (numba): imported only where numba is installed and a bulk merge runs.

`check` states, for one line, the rules `_bulk.bulk_window` applies field
by field over a whole window (the parser's quick header, `_FAST_HEADER`,
`parse_request_block`, `split_after`, `_bare_suffix`); `kernel` runs it on
every line of a window and prints the taken lines as `_bulk._print` does.
Compiled once per installation (numba's cache beside this file).

Where the time goes (benchmarks/p3_kernel.py): one pass over the bytes
finds the newlines and, per line, whether it holds a control or non-ASCII
byte and more `[` than `]` — eight bytes at a time (one 64-bit word: a
word of printable ASCII without a newline is a few integer operations, the
bytes of the rare other words are looked at one by one); then, chunk by
chunk while the chunk's bytes are still in the CPU's cache, each line's
fields are checked and the previous line printed as soon as this one is
known taken.  Byte reads go through `_at` (an unsigned index: numba adds a
wraparound test to every read with a signed one) and copies through
`_copy` (an unsigned loop LLVM turns into a block copy).
"""

from __future__ import annotations

import sys
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
#: per position of a uuid, the bytes it may hold: `-` at 8, 13, 18, 23, a lower-case hex digit elsewhere
_UUID_BYTES = np.zeros((36, 256), np.bool_)
for _j in range(36):
    _UUID_BYTES[_j, list(b"-" if _j in (8, 13, 18, 23) else b"0123456789abcdef")] = True
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)

# 64-bit words of eight equal bytes (SWAR: one integer operation tests eight bytes)
_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_BLANKS = np.uint64(0x2020202020202020)
_OPENS = np.uint64(0x5B5B5B5B5B5B5B5B)
_CLOSES = np.uint64(0x5D5D5D5D5D5D5D5D)
_U7 = np.uint64(7)
_U8 = np.uint64(8)
_U56 = np.uint64(56)
_NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)
#: a newline byte ^ this = a blank (a word's newlines made blanks, to test its other bytes)
_NL_TO_BLANK = np.uint64(0x0A ^ 0x20)
_FF = np.uint64(0xFF)
#: the words are read little-endian (byte 0 of a word in its low bits): where not, `split` goes byte by byte
_LITTLE = sys.byteorder == "little"
#: bytes of the window whose lines are split before their fields are checked (stays in the CPU's cache)
_CHUNK_WORDS = 4096


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _at(a: Any, i: Any) -> Any:  # pragma: no cover - compiled
    """`a[i]` for an offset known to be inside `a`: unsigned, so without numba's wraparound test."""
    return a[np.uint64(i)]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _copy(dst: Any, o: Any, src: Any, s: Any, k: Any) -> None:  # pragma: no cover - compiled
    """`dst[o:o + k] = src[s:s + k]` as one unsigned loop (a block copy), no slice objects."""
    uo, us = np.uint64(o), np.uint64(s)
    for x in range(np.uint64(k)):
        dst[uo + x] = src[us + x]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _zeros(t: Any) -> Any:  # pragma: no cover - compiled
    """The high bit of each byte of `t` set exactly where that byte is zero (no carry between bytes)."""
    return ~(((t & _LOW7) + _LOW7) | t | _LOW7)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _count(m: Any) -> Any:  # pragma: no cover - compiled
    """How many high bits `m` (a `_zeros` mask) holds."""
    return np.int64(((m >> _U7) * _ONES) >> _U56)


@njit(cache=True, nogil=True, boundscheck=False)
def uuid_at(a: Any, at: int, end: int) -> bool:  # pragma: no cover - compiled
    """A lower-case dashed uuid at `at` (one table row per position: no branch per byte)."""
    if at + 36 > end:
        return False
    ok = True
    for j in range(36):
        ok &= _UUID_BYTES[j, _at(a, at + j)]
    return ok


@njit(cache=True, nogil=True, boundscheck=False)
def text_at(a: Any, at: int, end: int, text: Any) -> bool:  # pragma: no cover - compiled
    if at + len(text) > end:
        return False
    for j in range(len(text)):  # noqa: SIM110 - numba compiles no generator
        if _at(a, at + j) != text[j]:
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


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _digit(a: Any, i: int) -> Any:  # pragma: no cover - compiled
    """The byte at `i` less `0`: a digit's value, or a number outside 0..9 (`_not_digits` spots it)."""
    return np.int64(_at(a, i)) - 48


@njit(cache=True, nogil=True, boundscheck=False)
def stamp_key(a: Any, s: int) -> Any:  # pragma: no cover - compiled
    """The line's stamp `YYYY-MM-DD HH:MM:SS.mmm ` (a real date) as its sort key (`key_number`); -1: none."""
    y0, y1, y2, y3 = _digit(a, s), _digit(a, s + 1), _digit(a, s + 2), _digit(a, s + 3)
    mo0, mo1, d0, d1 = _digit(a, s + 5), _digit(a, s + 6), _digit(a, s + 8), _digit(a, s + 9)
    h0, h1, mi0, mi1 = _digit(a, s + 11), _digit(a, s + 12), _digit(a, s + 14), _digit(a, s + 15)
    s0, s1, ms0, ms1, ms2 = _digit(a, s + 17), _digit(a, s + 18), _digit(a, s + 20), _digit(a, s + 21), \
        _digit(a, s + 22)
    # a value outside 0..9 makes `v` or `9 - v` negative: one test for the 17 digits
    low = y0 | y1 | y2 | y3 | mo0 | mo1 | d0 | d1 | h0 | h1 | mi0 | mi1 | s0 | s1 | ms0 | ms1 | ms2
    high = (9 - y0) | (9 - y1) | (9 - y2) | (9 - y3) | (9 - mo0) | (9 - mo1) | (9 - d0) | (9 - d1) | (9 - h0) \
        | (9 - h1) | (9 - mi0) | (9 - mi1) | (9 - s0) | (9 - s1) | (9 - ms0) | (9 - ms1) | (9 - ms2)
    if (low | high) < 0:
        return -1
    if _at(a, s + 4) != 45 or _at(a, s + 7) != 45 or _at(a, s + 10) != 32 or _at(a, s + 13) != 58 \
            or _at(a, s + 16) != 58 or _at(a, s + 19) != 46 or _at(a, s + 23) != 32:
        return -1
    year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
    month = mo0 * 10 + mo1
    day = d0 * 10 + d1
    hour = h0 * 10 + h1
    minute = mi0 * 10 + mi1
    second = s0 * 10 + s1
    milli = ms0 * 100 + ms1 * 10 + ms2
    if year < 1 or month < 1 or month > 12 or day < 1 or hour >= 24 or minute >= 60 or second >= 60:
        return -1
    if day > _MONTH_DAYS[month] and not (month == 2 and day == 29 and year % 4 == 0
                                          and (year % 100 != 0 or year % 400 == 0)):
        return -1
    return (((((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000 + milli * 1000


@njit(cache=True, nogil=True, boundscheck=False)
def pid_level(a: Any, s: int, end: int) -> Any:  # pragma: no cover - compiled
    """The optional pid (up to 8 digits, one blank) and the level word with its blank: (pid or -1, where the
    level starts, where the logger starts or -1: no such header, DEBUG?)."""
    p = s + 24
    pid = np.int64(-1)
    if 48 <= _at(a, p) <= 57:
        pid = np.int64(0)
        j = p
        while j < end and 48 <= _at(a, j) <= 57:
            pid = pid * 10 + (np.int64(_at(a, j)) - 48)
            j += 1
        if j - p > 8 or j >= end or _at(a, j) != 32:
            return pid, p, -1, False
        p = j + 1
    lg = -1
    c = _at(a, p)
    if c == 68:  # D
        if text_at(a, p, end, _LV0):
            return pid, p, p + 6, True
    elif c == 73:  # I
        if text_at(a, p, end, _LV1):
            lg = p + 5
    elif c == 65 or c == 69:  # noqa: PLR1714 - A, E
        if text_at(a, p, end, _LV2) or text_at(a, p, end, _LV4):
            lg = p + 6
    elif c == 87:  # W
        if text_at(a, p, end, _LV3):
            lg = p + 8
    elif c == 67 and text_at(a, p, end, _LV5):  # C
        lg = p + 9
    return pid, p, lg, False


@njit(cache=True, nogil=True, boundscheck=False)
def request_block(a: Any, lg: int, end: int) -> Any:  # pragma: no cover - compiled
    """The logger `[\\w.\\-]{1,96}` from `lg`, one blank, the request block `[req-<uuid>` tokens… `]` or `[-]`:
    (where it is cut, where its `]` is); (-1, -1) where the line has no such fields."""
    j = lg
    while j < end and _LOGGER_CHARS[_at(a, j)]:
        j += 1
    if j == lg or j - lg > 96 or j >= end or _at(a, j) != 32:
        return -1, -1
    b0 = j + 1
    if text_at(a, b0, end, _DASH_TEXT):
        return b0 + 2, b0 + 2
    if not (text_at(a, b0, end, _REQ_TEXT) and uuid_at(a, b0 + 5, end)):
        return -1, -1
    r = b0 + 41
    close = r
    while close < end:
        c = _at(a, close)
        if c == 93:
            break
        if c == 91 or (c == 32 and close + 1 < end and _at(a, close + 1) == 32):
            return -1, -1
        close += 1
    if close >= end or (close != r and (_at(a, r) != 32 or _at(a, close - 1) == 32 or text_at(a, r, end, _REQ_WORD))):
        return -1, -1
    return r, close


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _last_blank(a: Any, h: int, words: Any, lo: int, hi: int) -> Any:  # pragma: no cover - compiled
    """The last blank of a[lo:hi] (lo - 1: none), eight bytes a step where whole words lie in the range
    (`words`: a's 64-bit words from byte `h`, as `split` reads them)."""
    x = hi - 1
    while x >= lo and (x + 1 - h) % 8 != 0:  # up to a word's last byte (the window's tail is < 8 bytes)
        if _at(a, x) == 32:
            return x
        x -= 1
    while x - 7 >= lo and x - 7 >= h:
        if _zeros(words[np.uint64((x + 1 - h) // 8 - 1)] ^ _BLANKS):
            for b in range(x, x - 8, -1):  # the blank is in these 8 bytes
                if _at(a, b) == 32:
                    return b
        x -= 8
    while x >= lo:
        if _at(a, x) == 32:
            return x
        x -= 1
    return lo - 1


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _same(a: Any, x: int, y: int, k: int) -> bool:  # pragma: no cover - compiled
    """a[x:x + k] == a[y:y + k], without a branch per byte (LLVM compares many bytes a step)."""
    ux, uy = np.uint64(x), np.uint64(y)
    diff = np.uint8(0)
    for i in range(np.uint64(k)):
        diff |= a[ux + i] ^ a[uy + i]
    return bool(diff == 0)


@njit(cache=True, nogil=True, boundscheck=False)
def debug_end(a: Any, h: int, words: Any, s: int, end: int) -> Any:  # pragma: no cover - compiled
    """Where a DEBUG message ends before its bare `func /path.py:N` suffix (`_bare_suffix`); -1: no suffix."""
    ndig = 0
    while ndig < 12 and 48 <= _at(a, end - 1 - ndig) <= 57:
        ndig += 1
    if ndig < 1 or ndig > 8:
        return -1
    colon = end - ndig - 1
    if not text_at(a, colon - 3, end, _PY_TEXT):
        return -1
    sp1 = _last_blank(a, h, words, s, colon)
    if sp1 < s or colon <= sp1 + 4 or _at(a, sp1 + 1) != 47:
        return -1
    sp2 = _last_blank(a, h, words, s, sp1)
    if sp2 < s or sp1 - sp2 - 1 < 1 or sp1 - sp2 - 1 > 64:
        return -1
    for j in range(sp2 + 1, sp1):
        if not _FUNC_CHARS[_at(a, j)]:
            return -1
    e = sp2
    while e - 1 >= s and _at(a, e - 1) == 32:
        e -= 1
    return e


@njit(cache=True, nogil=True, boundscheck=False)
def check(a: Any, h: int, words: Any, s: int, end: int, memo: Any) -> Any:  # pragma: no cover - compiled
    """One line [s, end): (True when the bulk path takes it, key, pid, p, r, q, e).

    `memo`: where an earlier line's logger + request block and DEBUG suffix
    lay (logger start, cut, `]`; suffix start, line end; -1: none).  Most
    lines repeat the line before's (the same request, the same `func
    /path.py:N`): where the same bytes stand here, at the same distance from
    the logger's start / the line's end, the fields are where they were —
    every byte `request_block` / `debug_end` reads lies in those bytes (a
    suffix's with the byte before it, not a blank) — and one comparison
    replaces their scans.  The same for the stamp (`memo[5]`: where the last
    valid stamp stood, `memo[6]`: its key without the millis): where its
    first 20 bytes (up to the `.`) stand again, only the millis and the
    blank after them are left to check.
    """
    if memo[5] >= 0 and _same(a, s, memo[5], 20):  # the stamp of the line before up to its millis
        m0, m1, m2 = _digit(a, s + 20), _digit(a, s + 21), _digit(a, s + 22)
        if (m0 | m1 | m2 | (9 - m0) | (9 - m1) | (9 - m2)) < 0 or _at(a, s + 23) != 32:
            return False, np.int64(-1), 0, 0, 0, 0, 0
        key = memo[6] + (m0 * 100 + m1 * 10 + m2) * 1000
    else:
        key = stamp_key(a, s)
        if key < 0:
            return False, key, 0, 0, 0, 0, 0
        memo[5], memo[6] = s, key - ((_digit(a, s + 20) * 100 + _digit(a, s + 21) * 10 + _digit(a, s + 22)) * 1000)
    pid, p, lg, debug = pid_level(a, s, end)
    if lg < 0:
        return False, key, pid, 0, 0, 0, 0
    span = memo[2] - memo[0]
    if memo[0] >= 0 and lg + span < end and _same(a, lg, memo[0], span + 1):
        r, close = lg + memo[1] - memo[0], lg + span
    else:
        r, close = request_block(a, lg, end)
        if r < 0:
            return False, key, pid, p, 0, 0, 0
    memo[0], memo[1], memo[2] = lg, r, close
    q = close + 1
    # `[instance: <uuid>] ` or one blank, then the message
    if q < end and _at(a, q) == 32 and q + 1 < end and _at(a, q + 1) == 91 and text_at(a, q, end, _INST_TEXT):
        if not uuid_at(a, q + 12, end) or q + 49 >= end or _at(a, q + 48) != 93 or _at(a, q + 49) != 32:
            return False, key, pid, p, r, q, 0
        m0 = q + 50
    elif q >= end or _at(a, q) != 32:
        return False, key, pid, p, r, q, 0
    else:
        m0 = q + 1
    e = end
    if debug:
        span = memo[4] - memo[3]
        if memo[3] >= 0 and end - span - 1 >= s and _same(a, end - span - 1, memo[3] - 1, span + 1):
            e = end - span
        else:
            e = debug_end(a, h, words, s, end)
            if e - 1 >= s:  # (then a[e - 1] is no blank: `debug_end` strips them)
                memo[3], memo[4] = e, end
    if e <= m0 or _at(a, e - 1) == 32:
        return False, key, pid, p, r, q, e
    return True, key, pid, p, r, q, e


@njit(cache=True, nogil=True, boundscheck=False)
def _grown(x: Any, size: int) -> Any:  # pragma: no cover - compiled
    out = np.empty(size, x.dtype)
    _copy(out, 0, x, 0, len(x))
    return out


@njit(cache=True, nogil=True, boundscheck=False)
def _bytes(a: Any, x0: Any, x1: Any, ends: Any, flags: Any, li: int, bad: int, more: int) -> Any:  # pragma: no cover
    """`split`'s work byte by byte over a[x0:x1] (a word holding a newline, a control or non-ASCII byte)."""
    for x in range(x0, x1):
        c = a[x]
        if c == 10:
            if li == len(ends):
                ends, flags = _grown(ends, 2 * li), _grown(flags, 2 * li)
            ends[li] = x
            flags[li] = bad != 0 or more > 0
            li += 1
            bad, more = 0, 0
        elif c < 32 or c > 126:
            bad = 1
        elif c == 91:
            more += 1
        elif c == 93:
            more -= 1
    return ends, flags, li, bad, more


@njit(cache=True, nogil=True, boundscheck=False)
def split(a: Any, h: int, words: Any, k0: int, k1: int, ends: Any, flags: Any, li: int, bad: int,
          more: int) -> Any:  # pragma: no cover - compiled
    """The lines ending in words [k0, k1) of `a` (word k: bytes h + 8k .. h + 8k + 7; the first call also
    takes bytes [0, h), the last one the bytes past the last word): each line's end (its newline) and flag (a
    control or non-ASCII byte, or more `[` than `]`) appended to `ends`/`flags` from `li` (grown as needed);
    `bad`/`more`: the open line's state, carried to the next call.  Returns ends, flags, li, bad, more."""
    uh = np.uint64(h)
    if k0 == 0 and h:
        ends, flags, li, bad, more = _bytes(a, np.uint64(0), uh, ends, flags, li, bad, more)
    k = np.uint64(k0)
    ku = np.uint64(k1)
    while True:
        # words of printable ASCII without a newline: only the brackets counted
        while k < ku:
            w = words[k]
            if ((w - _BLANKS) | (w + _ONES) | w) & _HIGH:  # a byte < 32 (a newline…) or > 126
                break
            more += _count(_zeros(w ^ _OPENS)) - _count(_zeros(w ^ _CLOSES))
            k += np.uint64(1)
        if k >= ku:
            break
        x0 = uh + k * _U8
        w = words[k]
        nl = _zeros(w ^ _NEWLINES)  # the high bit of each newline byte
        v = w ^ ((nl >> _U7) * _NL_TO_BLANK)  # the word with its newlines made blanks
        if _LITTLE and nl and not (nl & (nl - np.uint64(1))) and not (((v - _BLANKS) | (v + _ONES) | v) & _HIGH):
            # one newline, every other byte printable ASCII (most lines' last word): no byte loop
            low = (nl >> _U7) - np.uint64(1)  # the bytes before the newline (0xFF each)
            opens, closes = _zeros(w ^ _OPENS), _zeros(w ^ _CLOSES)
            more += _count(opens & low) - _count(closes & low)
            if li == len(ends):
                ends, flags = _grown(ends, 2 * li), _grown(flags, 2 * li)
            ends[li] = np.int64(x0) + _count(low & _HIGH)
            flags[li] = bad != 0 or more > 0
            li += 1
            bad = 0
            more = _count(opens & ~low) - _count(closes & ~low)
        else:
            ends, flags, li, bad, more = _bytes(a, x0, x0 + _U8, ends, flags, li, bad, more)
        k += np.uint64(1)
    if k1 == len(words):
        ends, flags, li, bad, more = _bytes(a, uh + ku * _U8, np.uint64(len(a)), ends, flags, li, bad, more)
    return ends, flags, li, bad, more


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _print(blob: Any, o: int, a: Any, insert: Any, s: int, p: int, r: int, q: int, e: int) -> int:  # pragma: no cover
    """One taken line's record into `blob` from `o` (as `_bulk._print`); returns where the next one starts."""
    _copy(blob, o, a, s, 23)
    blob[o + 10] = 84  # `T`
    o += 23
    _copy(blob, o, insert, 0, len(insert))
    o += len(insert)
    _copy(blob, o, a, p, r - p)
    o += r - p
    blob[o] = 93  # the request block's `]` right after the request id
    o += 1
    _copy(blob, o, a, q, e - q)
    o += e - q
    blob[o] = 10
    return o + 1


@njit(cache=True, nogil=True, boundscheck=False)
def _lines(ends: Any, lines: int, at: Any, k: int) -> Any:  # pragma: no cover - compiled
    """Per line: taken (the `k` printed ones are lines `at`), start, end."""
    starts = np.empty(lines, np.int64)
    if lines:
        starts[0] = 0
        for i in range(1, lines):
            starts[i] = ends[i - 1] + 1
    taken = np.zeros(lines, np.bool_)
    for t in range(k):
        taken[at[t]] = True
    return taken, starts, ends[:lines].copy()


@njit(cache=True, nogil=True)
def blob_size(n: int, insert: int) -> int:  # pragma: no cover - compiled
    """Room for the printed records of a window of `n` bytes: a taken line is >= 61 bytes (its newline
    included) and its record at most `insert` - 1 bytes longer."""
    return n + (n // 61 + 2) * insert + 1


@njit(cache=True, nogil=True, boundscheck=False)
def kernel(a: Any, drops: Any, insert: Any, blob: Any) -> Any:  # pragma: no cover - compiled
    """`_bulk_kernel.scan`'s work: every line of window `a` checked (`check`), the taken ones printed.

    A record is printed only when the next line is taken too (it may get continuation lines otherwise); the
    last line is never.  `blob`: where to print, kept by the caller from window to window (fresh memory costs
    page faults), replaced where shorter than `blob_size`.  Returns taken, starts, ends, keys, blob, its
    printed length, record ends, pids, taken lines (`_bulk.Window`)."""
    n = a.size
    h = min(n, (8 - a.ctypes.data % 8) % 8)  # bytes before the first 8-byte aligned word
    words = a[h: h + (n - h) // 8 * 8].view(np.uint64)
    cap = n // 128 + 16
    ends = np.empty(cap, np.int64)
    flags = np.empty(cap, np.bool_)
    if len(blob) < blob_size(n, len(insert)):
        blob = np.empty(blob_size(n, len(insert)), np.uint8)
    keys = np.empty(cap, np.int64)
    pids = np.empty(cap, np.int64)
    at = np.empty(cap, np.int64)
    record_ends = np.empty(cap, np.int64)
    # lines split, the open line's state (`split`), lines checked, records printed, bytes printed, drops passed
    li, bad, more, done, k, o, d = 0, 0, 0, 0, 0, 0, 0
    s = 0  # the start of the line being checked
    ok0, key0, pid0, s0, p0, r0, q0, e0 = False, 0, 0, 0, 0, 0, 0, 0  # the previous line
    memo = np.full(7, -1, np.int64)  # (`check`)
    k0 = 0
    while True:
        k1 = min(k0 + _CHUNK_WORDS, len(words))
        ends, flags, li, bad, more = split(a, h, words, k0, k1, ends, flags, li, bad, more)
        for i in range(done, li):
            j = ends[i]
            ok = False
            key, pid, p, r, q, e = 0, 0, 0, 0, 0, 0
            if not flags[i] and j - s >= 60:
                while d < len(drops) and drops[d] < s:
                    d += 1
                if not (d < len(drops) and drops[d] < j):
                    ok, key, pid, p, r, q, e = check(a, h, words, s, j, memo)
            if ok and ok0:  # print the previous line
                if k == len(keys):
                    keys, pids, at, record_ends = _grown(keys, 2 * k), _grown(pids, 2 * k), _grown(at, 2 * k), \
                        _grown(record_ends, 2 * k)
                o = _print(blob, o, a, insert, s0, p0, r0, q0, e0)
                record_ends[k] = o - 1
                keys[k], pids[k], at[k] = key0, pid0, i - 1
                k += 1
            ok0, key0, pid0, s0, p0, r0, q0, e0 = ok, key, pid, s, p, r, q, e
            s = j + 1
        done = li
        if k1 == len(words):
            break
        k0 = k1
    if n and a[n - 1] != 10:  # a last line without its newline: never taken
        if li == len(ends):
            ends, flags = _grown(ends, li + 1), _grown(flags, li + 1)
        ends[li] = n
        li += 1
    return (*_lines(ends, li, at, k), keys[:k].copy(), blob, o, record_ends[:k].copy(), pids[:k].copy(),
            at[:k].copy())
