"""`merge`'s bulk path: a whole window of plain oslo records printed with array operations, no loop per record.

The text path (`_textpath.py`) reads one record per interpreted loop turn:
a header match, the DEBUG suffix, the request block, a formatted string —
about 10 µs a record, 20 times what `merge` may spend for its target.  Most
records of a nova log are one line of one shape:

    2018-03-05 00:00:10.185 4451 DEBUG oslo_service.periodic_task [req-<uuid> - - - - -] [instance: <uuid>] \
        msg func /p.py:215

and their printed form (`reports/merge.format_event`) is the same bytes with
four cuts and two inserts: `T` for the blank in the stamp, `000+00:00 [host/service] `
for the pid, the request block cut after the request id, the DEBUG suffix
cut.  `bulk_window` finds, for every line of a window at once (numpy over
the window's bytes), whether it has exactly that shape — each field checked
at its offset with the rule the parser applies (`_FAST_HEADER`,
`_Folder.header`, `parse_request_block`, `split_after`, `_bare_suffix`) —
and builds the printed records of all the lines that do with one boolean
compress of the window and one `bytes.replace`.

Exactness first: a line is taken only where the parser's result is certain
from the checks; every other line (a continuation, another shape, a tab, a
control or non-ASCII character, an ANSI-looking text the parser strips, an
odd request block, an upper-case uuid, a DEBUG message without the bare
suffix, a `(pid=` spelling, more `[` than `]`, an impossible date, a secret
keyword) is left to the text path, line by line, in file order.  A line
whose next line is not taken stays with the text path too (a continuation
line would extend its record).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from migtrace.sources import _bulk_kernel
from migtrace.sources._scan import _hyperscan, engine_name, holds_any, literal_database

#: per byte value: may stand in a logger name (`[\w.\-]` in ASCII)
_LOGGER = np.zeros(256, bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-":
    _LOGGER[_c] = True
#: may stand in a DEBUG suffix's function name (`[\w<>.]`)
_FUNC = _LOGGER.copy()
_FUNC[ord("-")] = False
_FUNC[ord("<")] = _FUNC[ord(">")] = True
#: lower-case hex digits (the uuids the bulk path takes; others go the text path)
_HEX = np.zeros(256, bool)
for _c in b"0123456789abcdef":
    _HEX[_c] = True
#: texts that make the parser's quick path step aside (`_textpath._Records.read`'s ANSI prefilter) or take
#: the DEBUG suffix's `(pid=N)` spellings: a line holding one goes the text path
ASIDE = (b"#033", b"^[", b";3", b"[0", b"(pid=")
#: level words the bulk path takes (aliases and TRACE go the text path), each with its blank
_LEVELS = (b"DEBUG ", b"INFO ", b"AUDIT ", b"WARNING ", b"ERROR ", b"CRITICAL ")
_DIGIT_AT = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22])
_PUNCT_AT = np.array([4, 7, 10, 13, 16, 19, 23])
_PUNCT = np.frombuffer(b"-- ::. ", np.uint8)
_UUID_DASH = np.array([8, 13, 18, 23])
_UUID_HEX = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
#: how far the fields of a line are looked for (a line whose field lies past these goes the text path)
_LOGGER_SPAN = 96
_FUNC_SPAN = 64
_LEVEL_LENGTHS = np.array([len(w) for w in _LEVELS])
#: windows a worker pool computes ahead of the one being folded, per input
AHEAD = 2
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

Int = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(slots=True)
class Window:
    """What `bulk_window` made of a window: which lines it printed, their sort keys and printed bytes."""

    #: per line of the window: taken by the bulk path
    taken: Bool
    #: per line: start and end (without the newline) offsets in the window
    starts: Int
    ends: Int
    #: per taken line, in order: the sort key (`key_number` of its printed stamp)
    keys: Int
    #: the printed records of the taken lines, each ending with a newline
    blob: bytes
    #: per taken line: where its printed record ends in `blob` (its newline excluded)
    record_ends: Int
    #: per taken line: its pid (-1: none) — the cross-input copy filter compares them
    pids: Int
    #: the indexes of the taken lines
    lines: Int
    #: `blob` surely holds none of the leak prefilter's literals (`set_leak_prefilter`); None: not known
    clean: bool | None = None
    #: the learnt secrets looked for (`set_learnt`) and whether the blob or the window's bytes hold one
    learnt: tuple[frozenset[bytes], bool] | None = None


@dataclass(slots=True)
class Batch:
    """Records of one input in file order: bulk-printed ones (`window`'s blob) and text-path ones.

    `slots[j] >= 0`: record j is the bulk record of that number in `win.blob`;
    `slots[j] < 0`: record j is `texts[-slots[j] - 1]` (a `TextRecord`).
    """

    keys: Int
    slots: Int
    texts: list[Any]
    win: Window | None
    #: the window's bytes (the raw lines of its bulk records, read again where redaction needs an Event)
    raw: bytes
    #: the line number of the window's first line, minus one
    lineno: int

    def raw_line(self, slot: int) -> tuple[int, str]:
        """The line number and raw text of a bulk record (one line each)."""
        assert self.win is not None
        line = int(self.win.lines[slot])
        start, end = int(self.win.starts[line]), int(self.win.ends[line])
        return self.lineno + line + 1, self.raw[start:end].decode("ascii")


def key_number(key: str) -> int:
    """A printed UTC stamp `YYYY-MM-DDTHH:MM:SS.ffffff` as an integer that sorts as the text does."""
    return (((((int(key[0:4]) * 13 + int(key[5:7])) * 32 + int(key[8:10])) * 24 + int(key[11:13])) * 60
             + int(key[14:16])) * 60 + int(key[17:19])) * 1_000_000 + int(key[20:26])


#: bytes of newlines around a window's copy: a field looked for past either end reads newlines there
_PAD = 256


def _padded(a: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    out = np.full(len(a) + 2 * _PAD, 10, np.uint8)
    out[_PAD:_PAD + len(a)] = a
    return out


def _gather(padded: npt.NDArray[np.uint8], at: Int, width: int) -> npt.NDArray[np.uint8]:
    """`width` bytes from each offset of the window (`padded`: `_padded(window)`; outside it: newlines)."""
    at = np.clip(at, -_PAD, len(padded) - 2 * _PAD) + _PAD
    return sliding_window_view(padded, width)[at]


def _first(mask: Bool) -> Int:
    """Per row, the index of the first True (the row's width when there is none)."""
    found = mask.argmax(axis=1)
    out: Int = np.where(mask[np.arange(len(mask)), found], found, mask.shape[1]).astype(np.int64)
    return out


def _uuid_ok(m: npt.NDArray[np.uint8], at: int) -> Bool:
    """Rows whose bytes at `at`.. hold a lower-case dashed uuid."""
    out: Bool = np.all(_HEX[m[:, at + _UUID_HEX]], axis=1) & np.all(m[:, at + _UUID_DASH] == 45, axis=1)
    return out


def _starts_with(m: npt.NDArray[np.uint8], text: bytes, at: int = 0) -> Bool:
    out: Bool = np.all(m[:, at:at + len(text)] == np.frombuffer(text, np.uint8), axis=1)
    return out


def bulk_window(window: bytes, tag: bytes, literals: Callable[[bytes], Int]) -> Window:
    """The lines of a window (whole lines; the last may lack its newline) the bulk path prints, and how.

    `tag`: the input's printed `[host/service]`; `literals`: the offsets of
    the texts that send a line to the text path (`Literals`).  The compiled
    kernel (`_bulk_kernel`, numba) where it is installed, else `numpy_window`:
    the same `Window` either way.
    """
    learnt = _learnt  # one read: the parent may set another set meanwhile
    insert = b"000+00:00 " + tag + b" "
    once = literals.once(window, learnt) if isinstance(literals, Literals) else None
    if once is not None:  # one scan of the window gave the drops and both flags' raw matches
        drops, leaks, learnt_seen = once
        if _bulk_kernel.available():
            win = Window(*_bulk_kernel.scan(window, drops, insert))
        else:
            win = numpy_window(window, tag, lambda _window: drops)
        win.clean = _clean_from(win, leaks, insert)
        win.learnt = (learnt, learnt_seen or (len(win.lines) > 0 and any(w in insert for w in learnt)))
        return win
    raw_holds: bool | None = None  # the window's bytes hold a learnt secret (None: not looked at yet)
    if _bulk_kernel.available():
        if isinstance(literals, Literals) and learnt:
            drops, raw_holds = literals.with_learnt(window, learnt)  # one scan for both
        else:
            drops = literals(window)
        taken, starts, ends, keys, blob, record_ends, pids, lines = _bulk_kernel.scan(
            window, drops, b"000+00:00 " + tag + b" ")
        win = Window(taken, starts, ends, keys, blob, record_ends, pids, lines)
    else:
        win = numpy_window(window, tag, literals)
    win.clean, blob_holds = _blob_flags(win.blob, learnt)
    if blob_holds is not None and raw_holds is not None:
        win.learnt = (learnt, blob_holds or raw_holds)
    else:
        win.learnt = (learnt, _holds_learnt(learnt, win.blob, window))
    return win


def may_cross(text: bytes, caseless: bool) -> bool:
    """Whether `text` could stand in a printed record where no line of the window holds it: across a byte
    the bulk path put in (the stamp's `T`, the inserted `000+00:00 [host/service] `, the request block's
    `]`, the newline) or cut (the pid, the request block's tokens, the DEBUG suffix).

    A record is `window[s:s+10] T window[s+11:s+23] I window[p:r] ] window[q:e] \\n`, `I` = `000+00:00
    <tag> `; the bytes around the cuts are known: digits before the `T`, after it and before `I`, a level
    word after `I`, a blank after the `]`.  A text lying over a cut or an inserted byte therefore holds a
    `]`, a newline, a `+`, a blank before its last byte, a `T` next to a digit (or is `T`), or only digits,
    `:` and `.` (a stamp's end running into `I`'s `000`) — so any other text found in a record is found in
    the window on that record's line, or lies inside `I`.  `caseless`: `t` stands for `T` too.
    """
    if any(c in text for c in (b"\n", b"]", b"+")) or b" " in text[:-1] or not text.strip(b"0123456789:."):
        return True
    t = text.lower() if caseless else text
    letter = ord("t") if caseless else ord("T")
    digits = b"0123456789"
    return any(c == letter and (len(t) == 1 or (j > 0 and t[j - 1] in digits)
                                or (j + 1 < len(t) and t[j + 1] in digits)) for j, c in enumerate(t))


def _clean_from(win: Window, leaks: Int | None, insert: bytes) -> bool | None:
    """`_blob_clean(win.blob)` from the window's scan: the leak literals found on the window's lines
    (`leaks`: an offset inside each; None: not looked for).

    With no literal that `may_cross`, a literal in the blob lies in one record (no literal holds a newline)
    and there inside `insert` or over bytes copied from its line: so only the records of taken lines holding
    a literal, and `insert`, are scanned (the same database as `_blob_clean`, on a few bytes).
    """
    if leaks is None:
        return None
    if not len(win.lines):
        return True
    inserts: dict[tuple[object, bytes], bool] | None = getattr(_worker, "inserts", None)
    if inserts is None or len(inserts) > 64:  # per thread: an input's insert is the same for all its windows
        inserts = _worker.inserts = {}
    known = inserts.get((_leak_literals, insert))
    if known is None:
        known = inserts[(_leak_literals, insert)] = bool(_blob_clean(insert))
    if not known:
        return False
    if not len(leaks):
        return True
    rows = np.unique(np.searchsorted(win.starts, leaks, side="right") - 1)
    rows = rows[win.taken[rows]]
    slots = np.searchsorted(win.lines, rows)
    for k in slots.tolist():
        begin = int(win.record_ends[k - 1]) + 1 if k else 0
        if not _blob_clean(win.blob[begin:int(win.record_ends[k])]):
            return False
    return True


def _blob_flags(blob: bytes, learnt: frozenset[bytes]) -> tuple[bool | None, bool | None]:
    """`_blob_clean`, and whether the blob holds a learnt secret (None: not known), in one hyperscan scan
    where both are asked; the scan stops at the first leak literal (the learnt answer is then not known)."""
    spec = _leak_literals
    if not learnt or spec is None or engine_name() != "hyperscan":
        return _blob_clean(blob), None if learnt else False
    dbs: dict[tuple[object, ...], Any] | None = getattr(_worker, "flags", None)
    if dbs is None or (spec, learnt) not in dbs:  # the last learnt set only (it changes rarely)
        texts, caseless = spec
        dbs = _worker.flags = {(spec, learnt): literal_database([*texts, *sorted(learnt)],
                                                                [*caseless, *(False,) * len(learnt)])}
    leaks = len(spec[0])
    seen = [False, False]  # a leak literal, a learnt secret

    def note(ident: int, _start: int, _end: int, _flags: int, _ctx: object) -> bool:
        seen[ident >= leaks] = True
        return seen[0]  # stop at a leak literal

    with contextlib.suppress(_hyperscan().ScanTerminated):
        dbs[(spec, learnt)].scan(blob, match_event_handler=note)
    if seen[0] and not seen[1]:
        return False, None
    return not seen[0], seen[1]


def _holds_learnt(learnt: frozenset[bytes], blob: bytes, window: bytes) -> bool:
    """Whether the blob or the window holds a learnt secret: hyperscan where it is the engine (its scan
    runs without the GIL, so the printing thread runs meanwhile), else `in`."""
    if not learnt:
        return False
    if engine_name() != "hyperscan":
        return any(w in blob or w in window for w in learnt)
    dbs: dict[frozenset[bytes], Any] | None = getattr(_worker, "learnt", None)
    if dbs is None or learnt not in dbs:
        dbs = _worker.learnt = {learnt: literal_database(sorted(learnt), [False] * len(learnt))}  # the last set only
    db = dbs[learnt]
    return holds_any(db, blob) or holds_any(db, window)


#: the secrets `merge` has learnt so far (`set_learnt`), as bytes
_learnt: frozenset[bytes] = frozenset()


def set_learnt(secrets: frozenset[bytes]) -> None:
    """Have `bulk_window` look for these secrets in each window (`Window.learnt`), off the printing thread.

    `cli/_merge` sets them each time its redactor learns another; a window
    computed ahead against an older set is looked at again there.
    """
    global _learnt  # noqa: PLW0603 - one setting per process, read by every worker thread
    _learnt = secrets


#: the leak prefilter's literals and which are caseless (`set_leak_prefilter`), or None: no window flag
_leak_literals: tuple[tuple[bytes, ...], tuple[bool, ...]] | None = None


def set_leak_prefilter(texts: tuple[bytes, ...], caseless: tuple[bool, ...]) -> None:
    """Have `bulk_window` flag each window whose printed blob holds none of `texts` (`Window.clean`).

    `cli/_merge` gives the literals its leak prefilter looks for before it
    writes a block; a run cut from a clean window needs no scan there: the
    literals hold no newline and a run is whole lines of the blob, so a
    literal in a block of runs and records lies inside one of them.  Set
    before the merge's pool starts (its worker threads read it; only where
    hyperscan is the engine, as the prefilter itself).
    """
    global _leak_literals  # noqa: PLW0603 - one setting per process, read by every worker thread
    assert all(b"\n" not in t for t in texts)
    _leak_literals = (texts, caseless)


def _blob_clean(blob: bytes) -> bool | None:
    """Whether the blob surely holds none of the leak prefilter's literals; None where that is not known."""
    spec = _leak_literals
    if spec is None or engine_name() != "hyperscan":
        return None
    dbs: dict[tuple[tuple[bytes, ...], tuple[bool, ...]], Any] | None = getattr(_worker, "leak", None)
    if dbs is None:
        dbs = _worker.leak = {}
    db = dbs.get(spec)
    if db is None:
        db = dbs[spec] = literal_database(*spec)  # per thread: a database's scratch serves one scan at a time
    return not holds_any(db, blob)


def numpy_window(window: bytes, tag: bytes, literals: Callable[[bytes], Int]) -> Window:
    """`bulk_window` with numpy array passes (the way without numba).

    Offsets come from a few passes over the window (where its newlines,
    blanks and brackets are); each field is then checked with a handful of
    bytes per line, in order: stamp, pid, level, logger, request block,
    instance, message end.
    """
    a = np.frombuffer(window, np.uint8)
    starts, ends, ok = _lines(window, a, literals)
    opens, closes = np.flatnonzero(a == 91), np.flatnonzero(a == 93)
    # more `[` than `]`: the parser takes the line as a cut header
    n_open, n_close = np.searchsorted(opens, ends), np.searchsorted(closes, ends)
    ok[1:] &= np.diff(n_open) <= np.diff(n_close)
    ok[:1] &= n_open[:1] <= n_close[:1]
    blanks = np.flatnonzero(a == 32)
    s = np.where(ok, starts, 0)
    pa = _padded(a)
    h = _gather(pa, s, 34)
    keys = _stamps(h, ok)
    p, pids, level = _pid_level(pa, h, s, blanks, ok)
    r, q = _request_block(a, pa, p + _LEVEL_LENGTHS[level], blanks, opens, closes, ends, ok)
    # `[instance: <uuid>]` (printed where it stands) or straight to the message, one blank either way
    it = _gather(pa, q, 52)
    tagged = _starts_with(it, b" [instance: ")
    ok &= np.where(tagged, _uuid_ok(it, 12) & (it[:, 48] == 93) & (it[:, 49] == 32), it[:, 0] == 32)
    m0 = np.where(tagged, q + 50, q + 1)
    # the message's end: the line's end (no trailing blank), or for DEBUG the bare `func /path.py:N` suffix cut
    e = ends.copy()
    debug = level == 0
    ok &= ~debug | _debug_ends(a, pa, blanks, ends, e, debug & ok)
    ok &= (e > m0) & (a[np.maximum(e - 1, 0)] != 32)
    taken = ok
    if len(taken):
        # a record whose next line is not taken may get continuation lines: the text path reads it
        taken[:-1] &= ok[1:]
        taken[-1] = False
    out = _print(a, taken, starts, ends, p, r, q, e, tag, keys)
    out.pids = pids[taken]
    return out


def _lines(window: bytes, a: npt.NDArray[np.uint8], literals: Callable[[bytes], Int]) -> tuple[Int, Int, Bool]:
    """The window's line starts and ends, and which lines may be taken: long enough, ending with a newline,
    no control byte other than it, ASCII, none of the texts `literals` finds."""
    size = len(a)
    controls = np.flatnonzero(a < 32)
    newline = a[controls] == 10
    ends = controls[newline]
    if window and not window.endswith(b"\n"):  # an empty window has no line (as the kernel counts)
        ends = np.append(ends, size)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    ok = ends - starts >= 60
    if window and not window.endswith(b"\n"):
        ok[-1] = False  # the file's last line without its newline: the text path (it may be cut)
    _drop_lines_at(ok, starts, controls[~newline])
    if not window.isascii():
        _drop_lines_at(ok, starts, np.flatnonzero(a > 126))
    elif window.find(b"\x7f") >= 0:
        _drop_lines_at(ok, starts, np.flatnonzero(a == 127))
    _drop_lines_at(ok, starts, literals(window))
    return starts, ends, ok


def _stamps(h: npt.NDArray[np.uint8], ok: Bool) -> Int:
    """Check each line's stamp (`YYYY-MM-DD HH:MM:SS.mmm `, a real date); its sort key (`key_number`)."""
    ok &= np.all((h[:, _DIGIT_AT] >= 48) & (h[:, _DIGIT_AT] <= 57), axis=1) & np.all(h[:, _PUNCT_AT] == _PUNCT, axis=1)
    d = h[:, _DIGIT_AT].astype(np.int64) - 48
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    hour, minute, second = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    milli = d[:, 14] * 100 + d[:, 15] * 10 + d[:, 16]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (hour < 24) & \
        (minute < 60) & (second < 60)
    keys: Int = ((((((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000
                 + milli * 1000)
    return keys


def _pid_level(pa: npt.NDArray[np.uint8], h: npt.NDArray[np.uint8], s: Int, blanks: Int,
               ok: Bool) -> tuple[Int, Int, Int]:
    """The pid (optional: digits up to a blank) and the level word: where the level starts, pids, level index."""
    g = h[:, 24:34]
    digit = (g >= 48) & (g <= 57)
    pid_end = _next(blanks, s + 24)
    pid = pid_end - (s + 24)
    has_pid = digit[:, 0]
    ok &= ~has_pid | ((pid <= 8) & np.all(digit | (np.arange(10) >= pid[:, None]), axis=1))
    p = np.where(has_pid, pid_end + 1, s + 24)
    pids = np.zeros(len(s), np.int64)
    for j in range(8):
        pids = np.where(j < pid, pids * 10 + (g[:, j].astype(np.int64) - 48), pids)
    pids[~has_pid] = -1
    v = _gather(pa, p, 9)
    level = np.full(len(s), -1)
    for i, word in enumerate(_LEVELS):
        level[(level < 0) & _starts_with(v, word)] = i
    ok &= level >= 0
    return p, pids, level


def _request_block(a: npt.NDArray[np.uint8], pa: npt.NDArray[np.uint8], lg: Int, blanks: Int, opens: Int,
                   closes: Int, ends: Int, ok: Bool) -> tuple[Int, Int]:
    """The logger (from `lg`), one blank, the request block: where it is cut (after the request id) and
    where it ends (after its `]`)."""
    name_end = _next(blanks, lg)
    name = name_end - lg
    ok &= (name >= 1) & (name <= _LOGGER_SPAN)
    width = int(name[ok].max()) if ok.any() else 1
    m = _gather(pa, lg, width)
    ok &= ~np.any(~_LOGGER[m] & (np.arange(width) < name[:, None]), axis=1)
    b0 = name_end + 1
    c = _gather(pa, b0, 48)
    req = _starts_with(c, b"[req-") & _uuid_ok(c, 5)
    dash = _starts_with(c, b"[-]")
    ok &= req | dash
    r = np.where(req, b0 + 41, b0 + 2)  # the request block is cut here (its `]` written here)
    close = np.where(dash, r, closes[np.minimum(np.searchsorted(closes, r), len(closes) - 1)] if len(closes) else r)
    # identity tokens: on this line, no `[`, single blanks, the first one after a blank and not starting with
    # `req-` (`parse_request_block` then takes the request id first), no blank before the `]`
    ok &= (close >= r) & (close < ends) & (_next(opens, r) > close)
    ok &= (close == r) | ((a[np.clip(r, 0, len(a) - 1)] == 32) & (a[np.clip(close - 1, 0, len(a) - 1)] != 32))
    _drop_spans(ok, blanks[:-1][np.diff(blanks) == 1], r, close)
    ok &= (close == r) | ~_starts_with(_gather(pa, r, 5), b" req-")
    return r, close + 1


def _next(positions: Int, at: Int) -> Int:
    """Per offset, the first of `positions` at or after it (a huge number when there is none)."""
    if not len(positions):
        return np.full(len(at), 1 << 62, np.int64)
    i = np.searchsorted(positions, at)
    return np.where(i < len(positions), positions[np.minimum(i, len(positions) - 1)], 1 << 62)


def _drop_spans(ok: Bool, offsets: Int, lo: Int, hi: Int) -> None:
    """Send the lines with one of `offsets` in their [lo, hi) span to the text path.

    Only the lines still `ok` are looked at: their spans lie inside their own
    lines, so they are in line order, as the search needs; a line already
    refused may hold a span computed from a field it lacks (offset 0), which
    would break that order and hide a later line's offset.
    """
    rows = np.flatnonzero(ok)
    if not len(offsets) or not len(rows):
        return
    i = np.searchsorted(lo[rows], offsets, side="right") - 1  # the last such line whose span starts at or before
    inside = (i >= 0) & (offsets < hi[rows][np.maximum(i, 0)])
    ok[rows[i[inside]]] = False


def _debug_ends(a: npt.NDArray[np.uint8], pa: npt.NDArray[np.uint8], blanks: Int, ends: Int, e: Int,
                rows: Bool) -> Bool:
    """For DEBUG lines: where the message ends before a bare `func /path.py:N` suffix (set in `e`); False where
    the line has no such suffix (the text path decides).

    `_bare_suffix`'s rule: the last two blank-separated words are `[\\w<>.]+` and `/\\S+\\.py:\\d+`, one
    blank between them, a run of blanks before them, and the message before that run.
    """
    at = np.flatnonzero(rows)
    good = np.zeros(len(ends), bool)
    if not len(at) or len(blanks) < 2:
        return good
    end = ends[at]
    k = np.searchsorted(blanks, end) - 1  # the last blank of the line (checked below to be on it)
    ok = k >= 1
    k = np.maximum(k, 1)
    sp1, sp2 = blanks[k], blanks[k - 1]
    t = _gather(pa, end - 12, 12)  # `.py:N` at the end, N up to 8 digits
    digit = (t >= 48) & (t <= 57)
    ndig = 12 - 1 - _last(~digit)
    ok &= (ndig >= 1) & (ndig <= 8)
    colon = end - ndig - 1
    ok &= (t[np.arange(len(at)), np.clip(11 - ndig, 0, 11)] == 58)
    ok &= _ends_with(t, b".py", np.clip(11 - ndig, 3, 11))
    ok &= (colon > sp1 + 4) & (a[np.minimum(sp1 + 1, len(a) - 1)] == 47)  # `/` + at least one more + `.py`
    # the function name between the last two blanks
    func = sp1 - sp2 - 1
    ok &= (func >= 1) & (func <= _FUNC_SPAN)
    width = int(func[ok].max()) if ok.any() else 1
    f = _gather(pa, sp2 + 1, width)
    ok &= ~np.any(~_FUNC[f] & (np.arange(width) < func[:, None]), axis=1)
    # the run of blanks before it starts where the message ends
    run = k - 1
    more = (run >= 1) & (blanks[np.maximum(run - 1, 0)] == blanks[run] - 1)
    while more.any():
        run = np.where(more, run - 1, run)
        more &= (run >= 1) & (blanks[np.maximum(run - 1, 0)] == blanks[run] - 1)
    e_at = blanks[run]
    e[at[ok]] = e_at[ok]
    good[at] = ok
    return good


def _ends_with(m: npt.NDArray[np.uint8], text: bytes, stop: Int) -> Bool:
    """Rows whose bytes just before column `stop` are `text`."""
    k = np.arange(len(m))
    out = np.ones(len(m), bool)
    for j, ch in enumerate(text):
        out &= m[k, stop - len(text) + j] == ch
    return out


def _last(mask: Bool) -> Int:
    """Per row, the index of the last True (-1 when there is none)."""
    width = mask.shape[1]
    found = width - 1 - mask[:, ::-1].argmax(axis=1)
    return np.where(mask[np.arange(len(mask)), found], found, -1).astype(np.int64)


def _print(a: npt.NDArray[np.uint8], taken: Bool, starts: Int, ends: Int, p: Int, r: Int, q: Int, e: Int,
           tag: bytes, keys: Int) -> Window:
    """The printed records of the taken lines: one boolean compress of the window and one replace."""
    at = np.flatnonzero(taken)
    s, p, r, q, e, le = starts[at], p[at], r[at], q[at], e[at], ends[at]
    b = a.copy()
    b[s + 10] = 84  # `T`
    b[s + 23] = 1  # stands for `000+00:00 [host/service] ` (no taken line holds a control byte)
    b[r] = 93  # the request block's `]` right after the request id
    seg = np.empty((len(at), 8), np.int64)
    seg[:, 0] = s - np.concatenate(([0], le[:-1] + 1))  # lines before: dropped
    seg[:, 1] = 24
    seg[:, 2] = p - (s + 24)
    seg[:, 3] = r + 1 - p
    seg[:, 4] = q - (r + 1)
    seg[:, 5] = e - q
    seg[:, 6] = le - e
    seg[:, 7] = 1  # the newline
    keep = np.tile(np.array([False, True, False, True, False, True, False, True]), len(at))
    mask = np.repeat(keep, seg.ravel())
    mask = np.concatenate((mask, np.zeros(len(a) - len(mask), bool)))
    insert = b"000+00:00 " + tag + b" "
    blob = b[mask].tobytes().replace(b"\x01", insert)
    lengths = 24 + (r + 1 - p) + (e - q) + len(insert) - 1
    record_ends = np.cumsum(lengths + 1) - 1
    return Window(taken, starts, ends, keys[at], blob, record_ends, np.zeros(0, np.int64), at)


#: each worker's `Literals` (per thread: a hyperscan database's scratch space serves one scan at a time)
_worker = threading.local()


def window_job(window: bytes, tag: bytes, keywords: tuple[str, ...]) -> Window:
    """`bulk_window` in a worker process or thread (its `Literals` built once per worker)."""
    found: dict[tuple[str, ...], Literals] | None = getattr(_worker, "literals", None)
    if found is None:
        found = _worker.literals = {}
    literals = found.get(keywords)
    if literals is None:
        literals = found[keywords] = Literals(keywords)
    return bulk_window(window, tag, literals)


class Literals:
    """Finds the texts that send a line to the text path: `ASIDE`, and the secret keywords (any case).

    One hyperscan literal database when it is installed (`sources._scan`'s
    engine), else a `bytes.find` per text over the window (lower-cased once
    for the keywords, as `reports.redact.keyword_hits` looks for them).
    """

    def __init__(self, keywords: tuple[str, ...]) -> None:
        self.words = keywords
        self.keywords = tuple(k.lower().encode("ascii") for k in keywords)
        self._db = None
        if engine_name() == "hyperscan":
            self._db = literal_database([*ASIDE, *self.keywords], [False] * len(ASIDE) + [True] * len(self.keywords))

    def once(self, window: bytes, learnt: frozenset[bytes]) -> tuple[Int, Int | None, bool] | None:
        """`self(window)`, an offset inside each leak prefilter literal in it (`set_leak_prefilter`; None where
        it is not set) and whether it holds a `learnt` secret — one hyperscan scan for the three sets (the
        match id says which).  None where that does not tell `bulk_window` its flags exactly: hyperscan not
        the engine, or a literal or secret that `may_cross` (then the blob is scanned as before)."""
        spec = _leak_literals
        if self._db is None:
            return None
        texts, caseless = spec if spec is not None else ((), ())
        key = (self.keywords, spec, learnt)
        dbs: dict[tuple[object, ...], Any] | None = getattr(_worker, "once", None)
        if dbs is None or key not in dbs:  # per thread, the last learnt set only (it changes rarely)
            crossing = any(map(may_cross, texts, caseless)) or any(may_cross(w, False) for w in learnt)
            dbs = _worker.once = {key: None if crossing else literal_database(
                [*ASIDE, *self.keywords, *texts, *sorted(learnt)],
                [False] * len(ASIDE) + [True] * len(self.keywords) + [*caseless] + [False] * len(learnt))}
        db = dbs[key]
        if db is None:
            return None
        drops = len(ASIDE) + len(self.keywords)
        leaks = drops + len(texts)
        found: list[int] = []
        leaked: list[int] = []
        hit: list[bool] = []

        def note(ident: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if ident < drops:
                found.append(end - 1)
            elif ident < leaks:
                leaked.append(end - 1)
            elif not hit:
                hit.append(True)

        db.scan(window, match_event_handler=note)
        return np.array(found, np.int64), np.array(leaked, np.int64) if spec is not None else None, bool(hit)

    def with_learnt(self, window: bytes, learnt: frozenset[bytes]) -> tuple[Int, bool | None]:
        """`self(window)`, and whether the window holds one of the `learnt` secrets (None: not looked at):
        one hyperscan scan for both where hyperscan is the engine."""
        if self._db is None:
            return self(window), None
        key = (self.keywords, learnt)
        dbs: dict[tuple[object, ...], Any] | None = getattr(_worker, "literals", None)
        if dbs is None or key not in dbs:  # per thread, the last learnt set only (it changes rarely)
            dbs = _worker.literals = {key: literal_database(
                [*ASIDE, *self.keywords, *sorted(learnt)],
                [False] * len(ASIDE) + [True] * len(self.keywords) + [False] * len(learnt))}
        drops = len(ASIDE) + len(self.keywords)
        found: list[int] = []
        hit: list[bool] = []

        def note(ident: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if ident < drops:
                found.append(end - 1)
            elif not hit:
                hit.append(True)

        dbs[key].scan(window, match_event_handler=note)
        return np.array(found, np.int64), bool(hit)

    def __call__(self, window: bytes) -> Int:
        """Offsets inside every occurrence."""
        if self._db is not None:
            found: list[int] = []
            self._db.scan(window, match_event_handler=lambda _id, _start, end, _flags, _ctx: found.append(end - 1))
            return np.array(found, np.int64)
        parts = [_find_all(window, text) for text in ASIDE]
        if self.keywords:
            low = window.lower()
            parts += [_find_all(low, word) for word in self.keywords]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _find_all(data: bytes, text: bytes) -> Int:
    """Every offset of `text` in `data` (C-speed finds; these texts are rare in nova logs)."""
    found: list[int] = []
    at = data.find(text)
    while at >= 0:
        found.append(at)
        at = data.find(text, at + 1)
    return np.array(found, np.int64)


def _drop_lines_at(ok: Bool, starts: Int, offsets: Int) -> None:
    """Send the lines holding these offsets to the text path."""
    if len(offsets):
        ok[np.searchsorted(starts, offsets, side="right") - 1] = False
