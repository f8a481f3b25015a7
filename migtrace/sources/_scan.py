"""Raw-text term filter: find the records that contain some texts without parsing the rest.

A query for one request id or instance in a 1 GB log set, or the first pass
of a whole-set read looking for the lines that can open or advance a move,
must not run the full parser on every line.  The raw bytes are searched for
the terms first (as `grep -F` does); only the records that contain a hit are
decoded and parsed.  A hit inside a traceback pulls in the record's header
line above it, and a hit header pulls in its continuation lines below it,
so folded records stay whole.

The search runs on blocks of lines joined into one bytes object, never line
by line in Python: a per-line `any(term in line …)` over a hundred terms was
87 % of a targeted read's time.  With `hyperscan` installed (the `fast`
extra) one compiled literal database scans a block at over 1 GB/s; without
it each term is looked for with `bytes.find` over the block (C speed per
term), which finds exactly the same lines.  Case-insensitive terms are
looked for in the block lower-cased once (ASCII only, as hyperscan's caseless
mode): offsets do not move.  Only the lines around hits are then examined.

Inputs are searched in byte windows (`targeted_windows`, over
`Peekable.windows`: about 4 MiB of whole lines read into one reused
buffer), so no Python code runs per line where nothing matched: line
numbers come from `count(b"\\n")` between hits.  The line-by-line search
(`targeted_raw_lines`) stays for CR-only inputs and as the reference the
tests compare the windows with (`MIGTRACE_SCAN_WINDOWS=0` selects it).
"""

from __future__ import annotations

import contextlib
import os
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate, islice
from typing import Any, TypeAlias

from migtrace.model import FileStats, Terms
from migtrace.parsers._base import Line
from migtrace.parsers._header import RECORD_START
from migtrace.sources._open import decode_line
from migtrace.sources._window import _RECORD_START_AT, WindowedTerms, uuid_shaped

#: how many lines above a traceback hit are searched for its record's header
LOOKBACK = 400
#: lines per searched block (about 1 MiB of nova log)
BLOCK_LINES = 4096
#: lines that always pass: journalctl banners (they carry the year) and `tail` headers (they name the file)
_BANNERS = (b"-- ", b"==> ")
#: `MIGTRACE_SCAN_ENGINE=python` forces the pure-Python search (tests compare it with hyperscan)
ENGINE_VARIABLE = "MIGTRACE_SCAN_ENGINE"



@lru_cache(maxsize=1)
def _hyperscan() -> Any:
    """The optional fast engine (pip install 'migtrace[fast]'), or None when it is not installed."""
    try:
        import hyperscan  # noqa: PLC0415 - optional: imported only where it may be missing
    except ImportError:  # pragma: no cover - depends on the installation
        return None
    return hyperscan


def literal_database(texts: Sequence[bytes], caseless: Sequence[bool]) -> Any:
    """A hyperscan block-mode database of literal `texts` (match ids = their positions; `caseless[i]`:
    text i in any ASCII case). Only where hyperscan is installed (`engine_name()` said so)."""
    hs = _hyperscan()
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=list(texts), ids=list(range(len(texts))), elements=len(texts), literal=True,
               flags=[hs.HS_FLAG_CASELESS if c else 0 for c in caseless])
    return db


def holds_any(db: Any, data: bytes) -> bool:
    """Whether `data` holds any text of the `literal_database`: one scan, stopped at the first hit."""
    found: list[int] = []

    def stop(_ident: int, _start: int, _end: int, _flags: int, _ctx: object) -> bool:
        found.append(1)
        return True  # one is enough: stop scanning

    with contextlib.suppress(_hyperscan().ScanTerminated):  # the stop `stop` asks for
        db.scan(data, match_event_handler=stop)
    return bool(found)


def engine_name() -> str:
    """The search engine in use: 'hyperscan' when installed (and not overridden), else 'python'."""
    wanted = os.environ.get(ENGINE_VARIABLE, "")
    if wanted in ("", "hyperscan") and _hyperscan() is not None:
        return "hyperscan"
    return "python"


class Matcher:
    """Find which lines of a block hold any term; terms never span lines (newlines are stripped)."""

    def __init__(self, exact: Sequence[bytes], caseless: Sequence[bytes], engine: str) -> None:
        self.exact = tuple(n for n in exact if n)
        self.caseless = tuple(n.lower() for n in caseless if n)
        self.engine = engine
        self._db: Any = None
        #: the banner lines (`-- `, `==> ` at a line start, after the first line) are matches too
        self.finds_banners = False
        if engine == "hyperscan":
            # the banners go in the same database: `bytes.find(b"\n-- ")` skips badly (its last byte, a
            # blank, is everywhere in a log) and cost as much as the whole term search
            banners = [b"\n" + b for b in _BANNERS]
            self._db = literal_database([*self.exact, *self.caseless, *banners],
                                        [False] * len(self.exact) + [True] * len(self.caseless)
                                        + [False] * len(banners))
            self.finds_banners = True

    def offsets(self, block: bytes) -> list[int]:
        """Return an offset inside every match (at least one per line with a match; duplicates allowed)."""
        return self._offsets(block)[0]

    def _offsets(self, block: bytes | bytearray, size: int | None = None) -> tuple[list[int], list[int]]:
        """Offsets inside the term matches, and (hyperscan) inside the banner lines after the first line.

        `size`: only `block[:size]` is searched (a reused window buffer holds more).
        """
        if size is not None and size < len(block):
            if self._db is not None:
                return self._offsets(memoryview(block)[:size])  # type: ignore[arg-type]  # no copy
            block = bytes(block[:size])
        if self._db is not None:
            found: list[int] = []
            banners: list[int] = []
            terms = len(self.exact) + len(self.caseless)

            def on_match(pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
                (found if pattern < terms else banners).append(end - 1)

            self._db.scan(block, match_event_handler=on_match)
            return found, banners
        out: list[int] = []
        _find_all(block, self.exact, out)
        if self.caseless:
            _find_all(block.lower(), self.caseless, out)
        return out, []

    def lines(self, block: bytes, ends: Sequence[int]) -> list[int]:
        """Return the sorted indices of the lines (ending at `ends` in `block`) that hold a term."""
        return sorted({bisect_right(ends, off) for off in self.offsets(block)})

    def interesting(self, block: bytes, batch: list[bytes], ends: Sequence[int]) -> set[int]:
        """Return the indices of the lines that hold a term or are a banner (those always pass)."""
        found, banners = self._offsets(block)
        lines = {bisect_right(ends, off) for off in found}
        if self.finds_banners:
            lines.update(bisect_right(ends, off) for off in banners)
            if batch[0].startswith(_BANNERS):
                lines.add(0)
        else:
            lines.update(_banner_lines(block, batch, ends))
        return lines

    def term_starts(self, window: bytearray | bytes, size: int) -> set[int]:
        """Return the start offsets of the lines of a window (whole lines: `window[:size]`) that hold a term."""
        rfind = window.rfind
        return {rfind(b"\n", 0, off) + 1 for off in self._offsets(window, size)[0]}

    def line_starts(self, window: bytearray | bytes, size: int) -> set[int]:
        """Return the start offsets of the lines of a window that hold a term or are a banner (those always pass)."""
        found, banners = self.split_starts(window, size)
        return found | banners

    def split_starts(self, window: bytearray | bytes, size: int) -> tuple[set[int], set[int]]:
        """The start offsets of a window's lines (`window[:size]`) that hold a term, and of its banner lines."""
        found, banner_offsets = self._offsets(window, size)
        rfind = window.rfind
        terms = {rfind(b"\n", 0, off) + 1 for off in found}
        starts: set[int] = set()
        if self.finds_banners:
            starts.update(rfind(b"\n", 0, off) + 1 for off in banner_offsets)
        else:
            _banner_starts(window, size, starts)
        if window.startswith(_BANNERS):
            starts.add(0)
        return terms, starts


def _banner_starts(window: bytearray | bytes, size: int, out: set[int]) -> None:
    """Add the start offsets of `window[:size]`'s banner lines after its first (`bytes.find`, no engine)."""
    for prefix in _BANNERS:
        needle = b"\n" + prefix
        at = window.find(needle, 0, size)
        while at >= 0:
            out.add(at + 1)
            at = window.find(needle, at + 1, size)


def _find_all(block: bytes | bytearray, needles: Sequence[bytes], out: list[int]) -> None:
    """Every match of every needle, as hyperscan reports them.

    Skipping to the next newline after a hit would be cheaper, but a block
    joins the pieces of a line cut at MAX_LINE_BYTES with no newline between
    them and the next line, so the skip would hide that next line's hit.
    """
    find = block.find
    add = out.append
    for needle in needles:
        at = find(needle)
        while at >= 0:
            add(at)
            at = find(needle, at + len(needle))


@lru_cache(maxsize=8)
def _matcher(exact: frozenset[str], caseless: frozenset[str], engine: str) -> Matcher:
    clean = sorted({t for t in exact if t and "\n" not in t})
    loose = sorted({t.lower() for t in caseless if t and "\n" not in t})
    return Matcher([t.encode() for t in clean], [t.encode() for t in loose], engine)


def matcher_for(terms: frozenset[str], engine: str | None = None) -> Matcher:
    """The (cached) matcher of a term set; `Terms.caseless` texts match in any letter case."""
    caseless: frozenset[str] = getattr(terms, "caseless", frozenset())
    return _matcher(frozenset(terms), frozenset(caseless), engine or engine_name())


def _starts(raw: bytes | bytearray) -> bool:
    return RECORD_START.match(raw) is not None


def targeted_raw_lines(raw_lines: Iterable[bytes], terms: frozenset[str], stats: FileStats) -> Iterator[Line]:
    """Yield (lineno, text) for the lines of records that contain any term; count the rest as skipped.

    With `Terms.tail` the file's last record is yielded too when it holds
    no term (its line number goes to `stats.tail_line`).
    """
    want_tail = bool(getattr(terms, "tail", False))
    hits = _hit_finder(terms, stats)
    it = iter(raw_lines)
    base = 0  # line number of the line before the batch
    following = False  # the last yielded line's record may continue into this batch
    #: skipped lines since the last yielded one, at most LOOKBACK, as (lineno, raw): a header to pull in
    carry: list[tuple[int, bytes]] = []
    while True:
        batch = list(islice(it, BLOCK_LINES))
        if not batch:
            break
        block = b"".join(batch)
        ends = list(accumulate(map(len, batch)))
        interesting = hits(block, batch, ends, base)
        pos = 0
        for i in sorted(interesting):
            if i < pos:
                continue
            if following:
                while pos < i and not _starts(batch[pos]):
                    yield base + pos + 1, decode_line(batch[pos])
                    pos += 1
                if pos < i:
                    following = False
            raw = batch[i]
            if raw.startswith(_BANNERS):
                _skip(stats, carry, batch, base, pos, i)
                carry = []
                yield base + i + 1, decode_line(raw)
                following = False
                pos = i + 1
                continue
            if not _starts(raw):
                yield from _pull_header(stats, carry, batch, base, pos, i)
            else:
                _skip(stats, carry, batch, base, pos, i)
            carry = []
            yield base + i + 1, decode_line(raw)
            following = True
            pos = i + 1
        if following:
            while pos < len(batch) and not _starts(batch[pos]):
                yield base + pos + 1, decode_line(batch[pos])
                pos += 1
            if pos < len(batch):
                following = False
        _skip(stats, carry, batch, base, pos, len(batch))
        base += len(batch)
    if want_tail and carry:
        yield from _tail(stats, carry)


def _hit_finder(terms: frozenset[str], stats: FileStats) -> Callable[[bytes, list[bytes], list[int], int], set[int]]:
    """The search of one file's blocks: indices of the lines holding a term (or a banner: those always pass).

    A selective read's terms (`_window.WindowedTerms`) search some texts only
    where the host is not known, and want their windowed ids only inside
    this file's windows.
    """
    if not isinstance(terms, WindowedTerms):
        matcher = matcher_for(terms)
        return lambda block, batch, ends, _base: matcher.interesting(block, batch, ends)
    if terms.evidence:
        return _evidence_lines(terms, stats)
    everywhere = matcher_for(terms.searched(stats.host))
    if not terms.windowed:
        return lambda block, batch, ends, _base: everywhere.interesting(block, batch, ends)
    by_window, in_window = matcher_for(terms.windowed), terms.line_test(stats.path)

    def hits(block: bytes, batch: list[bytes], ends: list[int], base: int) -> set[int]:
        found = everywhere.interesting(block, batch, ends)
        found.update(i for i in by_window.lines(block, ends) if i not in found and in_window(base + i + 1, batch[i]))
        return found
    return hits


def _skip(stats: FileStats, carry: list[tuple[int, bytes]], batch: list[bytes], base: int,
          start: int, stop: int) -> None:
    """Count batch[start:stop] as skipped and remember the last LOOKBACK of them."""
    if stop <= start:
        return
    stats.skipped_lines += stop - start
    stats.lines_read += stop - start
    first = max(start, stop - LOOKBACK)
    if first > start:
        carry.clear()
    carry.extend((base + j + 1, batch[j]) for j in range(first, stop))
    if len(carry) > LOOKBACK:
        del carry[:len(carry) - LOOKBACK]


def _pull_header(stats: FileStats, carry: list[tuple[int, bytes]], batch: list[bytes], base: int,
                 pos: int, i: int) -> Iterator[Line]:
    """A hit below its record's header: yield the skipped lines from that header on (within LOOKBACK)."""
    j = i - 1
    low = max(pos, i - LOOKBACK)
    while j >= low and not _starts(batch[j]):
        j -= 1
    if j >= low:
        _skip(stats, carry, batch, base, pos, j)
        for k in range(j, i):
            yield base + k + 1, decode_line(batch[k])
        return
    # no header in this batch's skipped run: look in the skipped lines carried from before it
    _skip(stats, carry, batch, base, pos, i)
    if pos > 0 or i >= LOOKBACK:
        return  # something was yielded in between, or no header near enough: nothing to pull
    older = carry[:len(carry) - i]  # carry ends with batch[:i]
    cut = None
    for k in range(len(older) - 1, max(-1, len(older) - 1 - (LOOKBACK - i)), -1):
        if _starts(older[k][1]):
            cut = k
            break
    if cut is None:
        return
    pulled = older[cut:] + carry[len(carry) - i:]
    stats.skipped_lines -= len(pulled)
    stats.lines_read -= len(pulled)
    for num, r in pulled:
        yield num, decode_line(r)


def _tail(stats: FileStats, carry: list[tuple[int, bytes]]) -> Iterator[Line]:
    """Yield the file's last record (skipped so far) so its time is known; mark it in the stats."""
    for k in range(len(carry) - 1, -1, -1):
        if _starts(carry[k][1]):
            pulled = carry[k:]
            stats.skipped_lines -= len(pulled)
            stats.lines_read -= len(pulled)
            stats.tail_line = pulled[0][0]
            for num, r in pulled:
                yield num, decode_line(r)
            return


def _banner_lines(block: bytes, batch: list[bytes], ends: Sequence[int]) -> list[int]:
    """Indices of the lines that start with a banner prefix."""
    out = [0] if batch[0].startswith(_BANNERS) else []
    for prefix in _BANNERS:
        needle = b"\n" + prefix
        at = block.find(needle)
        while at >= 0:
            out.append(bisect_right(ends, at + 1))
            at = block.find(needle, at + 1)
    return out


# -- the windowed scan: the same lines as `targeted_raw_lines`, from byte windows ----------------------------

#: `MIGTRACE_SCAN_WINDOWS=0` scans line by line (`targeted_raw_lines`: the reference the tests compare with)
WINDOWS_VARIABLE = "MIGTRACE_SCAN_WINDOWS"


def windows_enabled() -> bool:
    """True unless `MIGTRACE_SCAN_WINDOWS=0` asks for the line-by-line scan."""
    return os.environ.get(WINDOWS_VARIABLE, "") != "0"


#: spans of at least this many bytes have their newlines counted by numpy (a dependency of pandas): a vectorised
#: compare is about 5x `bytes.count` (a byte loop), which was a quarter of a targeted read's time
NUMPY_SPAN = 32 << 10
#: numpy is imported (0.13-0.16 CPU s) only once a process has counted this many bytes: never for small inputs.
#: It saves ~0.23 ns a byte (bytes.count 0.35, numpy 0.12 ns/B on nova logs), so it pays after ~600 MB of
#: counted spans; the passes count each input ~2.6 times (report50: 114 MB of long spans for 44 MB).  At
#: 32 MiB the 44 MB report of 50 moves paid 0.13 CPU s for a 0.03 s saving (issue 13 P4, branch i13k).
NUMPY_AFTER = 256 << 20


class _Counter:
    """How this process counts newlines: `bytes.count` until NUMPY_AFTER bytes were counted, then numpy."""

    counted = 0
    numpy: Any = None
    tried = False

    @classmethod
    def load(cls) -> Any:
        """numpy (installed with pandas), or None when the pure-Python engine is asked for (tests compare)."""
        if not cls.tried:
            cls.tried = True
            if os.environ.get(ENGINE_VARIABLE) != "python":
                import numpy  # noqa: PLC0415 - slow to import: only where it pays

                cls.numpy = numpy
        return cls.numpy


def _newlines(w: bytearray | bytes, start: int, stop: int) -> int:
    """The number of newlines in `w[start:stop]` (numpy for long spans of a big read, else `bytes.count`)."""
    n = stop - start
    if n >= NUMPY_SPAN:
        np = _Counter.numpy
        if np is None and not _Counter.tried:
            _Counter.counted += n
            if _Counter.counted >= NUMPY_AFTER:
                np = _Counter.load()
        if np is not None:
            return int(np.count_nonzero(np.frombuffer(w, np.uint8, n, start) == 10))
    return w.count(b"\n", start, stop)


def prepare_counting(total: int) -> None:
    """Import numpy for the newline counts now when `total` input bytes will be scanned (before workers fork)."""
    if total >= NUMPY_AFTER:
        _Counter.load()


def _line_end(window: bytearray | bytes, start: int, size: int) -> int:
    """The offset after the line starting at `start` (its newline included; the window's end for the last)."""
    return window.find(b"\n", start, size) + 1 or size


#: bytes copied at a window's end for its carry (LOOKBACK nova lines are usually well under this)
_CARRY_BYTES = 128 << 10
#: a window as `Peekable.windows` yields it: a buffer (reused: valid until the next one) and the window's size
Window = tuple[bytearray | bytes, int]


class _Carry:
    """The skipped lines at a window's end (at most LOOKBACK): kept as one copy of their bytes, split on demand.

    Only a hit near the next window's start below its header, or the file's
    tail record, needs them as lines: most windows' carries are never split.
    """

    __slots__ = ("_first", "_lines", "_region")

    def __init__(self, region: bytes, first: int, before: _Carry | None) -> None:
        self._region, self._first = region, first
        self._lines: list[tuple[int, bytes]] | None = None
        if before is not None:  # a window of fewer than LOOKBACK lines, none yielded: join the lines before it
            self._lines = (before.lines() + self.lines())[-LOOKBACK:]

    def lines(self) -> list[tuple[int, bytes]]:
        """The lines as (lineno, raw), the last LOOKBACK at most."""
        if self._lines is None:
            pieces = self._region.split(b"\n")
            if pieces[-1] == b"":
                pieces.pop()
                raws = [p + b"\n" for p in pieces]
            else:
                raws = [p + b"\n" for p in pieces[:-1]] + [pieces[-1]]
            self._lines = list(enumerate(raws, self._first))[-LOOKBACK:]
        return self._lines


def targeted_windows(windows: Iterable[Window], terms: frozenset[str], stats: FileStats) -> Iterator[Line]:
    """Yield exactly the lines `targeted_raw_lines` yields, reading windows of whole lines (`Peekable.windows`).

    The terms are searched over each window at once; the lines between hits
    are never split: they are counted with `bytes.count(b"\\n")` and only the
    last LOOKBACK skipped lines of a window are kept (as `carry`: a header
    the next window's first hit may need, or the file's last record).  A
    hit's record header is found by walking back line by line from the hit,
    its continuation lines by walking forward, as the line scan does.
    """
    want_tail = bool(getattr(terms, "tail", False))
    hits = _window_hit_finder(terms, stats)
    start_at = _RECORD_START_AT.match  # (w, a, b): `_starts(w[a:b])` at a line start, no copy
    base = 0  # line number of the line before the window
    following = False  # the last yielded line's record may continue into this window
    #: the skipped lines since the last yielded one (at most LOOKBACK): set at each window's end
    carry: _Carry | None = None
    for w, size in windows:
        if not size:
            continue
        pos, pos_no = 0, base + 1  # the first line not yet yielded or counted, and its number
        found = hits(w, size, base)
        numbers = found if isinstance(found, dict) else None  # the hit lines' numbers, when the search counted
        counted = None
        if isinstance(found, Counted):
            counted, found = found, found.starts
        for h in sorted(found):
            if h < pos:
                continue
            if following and pos < h:
                if start_at(w, pos, w.find(b"\n", pos, size) + 1 or size) is not None:
                    following = False  # the usual: the next line opens a record (`_continuation`'s first test)
                else:
                    pos, pos_no, following = yield from _continuation(w, pos, pos_no, h, size)
            h_no = (numbers[h] if numbers is not None else pos_no + _newlines(w, pos, h) if counted is None
                    else counted.number(w, pos, pos_no, h))
            end = _line_end(w, h, size)
            raw = w[h:end]
            banner = raw.startswith(_BANNERS)
            if not banner and not _starts(raw):
                yield from _pull_header_w(stats, w, carry, pos, pos_no, h, h_no, base)
            else:
                _count_skipped(stats, h_no - pos_no)
            yield h_no, decode_line(raw)
            following = not banner
            pos, pos_no = end, h_no + 1
        if following:
            pos, pos_no, following = yield from _continuation(w, pos, pos_no, size, size)
        left = ((_newlines(w, pos, size) if counted is None else counted.number(w, pos, pos_no, size) - pos_no)
                + (0 if pos >= size or w[size - 1] == 10 else 1))
        _count_skipped(stats, left)
        if left:
            carry = _carry(w, pos, size, pos_no + left - 1, left, carry if pos == 0 else None)
        elif pos:
            carry = None
        base = pos_no + left - 1
    if want_tail and carry is not None:
        yield from _tail(stats, carry.lines())


class Counted:
    """A window's hit lines (`starts`) with the lines a line test counted to on the way (ascending `offsets`, their
    `numbers`): the scan counts newlines on from the nearest of those instead of counting the window again
    (pass 2's test counts to most candidate lines of a window: it was 2 GiB of counting for 1 GiB read)."""

    __slots__ = ("numbers", "offsets", "starts")

    def __init__(self, starts: set[int], offsets: list[int], numbers: list[int]) -> None:
        self.starts, self.offsets, self.numbers = starts, offsets, numbers

    def number(self, w: bytearray | bytes, pos: int, pos_no: int, at: int) -> int:
        """The number of the line starting at `at` (or of the line after the window's last, at its end), given
        the line starting at `pos` <= `at` is numbered `pos_no`."""
        i = bisect_right(self.offsets, at) - 1
        if i >= 0 and self.offsets[i] > pos:
            return self.numbers[i] + _newlines(w, self.offsets[i], at)
        return pos_no + _newlines(w, pos, at)


def _continuation(w: bytearray | bytes, pos: int, pos_no: int, stop: int,
                  size: int) -> Generator[Line, None, tuple[int, int, bool]]:
    """Yield the lines from `pos` up to `stop` until a record header; return where it stopped and whether the
    record may still go on (no header met)."""
    while pos < stop:
        end = _line_end(w, pos, size)
        raw = w[pos:end]
        if _starts(raw):
            return pos, pos_no, False
        yield pos_no, decode_line(raw)
        pos, pos_no = end, pos_no + 1
    return pos, pos_no, True


def _count_skipped(stats: FileStats, n: int) -> None:
    stats.skipped_lines += n
    stats.lines_read += n


def _carry(w: bytearray | bytes, pos: int, size: int, last_no: int, count: int, before: _Carry | None) -> _Carry:
    """The last LOOKBACK skipped lines at the window's end (`w[pos:size]`, `count` lines, the last numbered `last_no`).

    `before` is the previous carry when nothing of this window was yielded
    (the skipped run goes on from the window before).
    """
    take = min(count, LOOKBACK)
    # a stretch of bytes holding LOOKBACK lines, cut to whole lines, is copied at once (split on demand); it is
    # found by doubling a byte span from the end, never line by line
    unterminated = 0 if w[size - 1] == 10 else 1
    span = _CARRY_BYTES
    while True:
        start = max(pos, size - span)
        if start > pos:
            start = w.find(b"\n", start - 1, size) + 1 or size
        held = count if start == pos else _newlines(w, start, size) + (unterminated if start < size else 0)
        if held >= take:
            break
        span *= 2
    return _Carry(bytes(w[start:size]), last_no - held + 1, before if take < LOOKBACK else None)


def _pull_header_w(stats: FileStats, w: bytearray | bytes, carry: _Carry | None, pos: int, pos_no: int,
                   h: int, h_no: int, base: int) -> Iterator[Line]:
    """A hit below its record's header: yield the skipped lines from that header on (within LOOKBACK)."""
    end, back = h, 0
    while back < LOOKBACK and end > pos:
        start = w.rfind(b"\n", 0, end - 1) + 1
        back += 1
        if _starts(w[start:end]):
            _count_skipped(stats, h_no - back - pos_no)
            num = h_no - back
            while start < h:
                stop = w.find(b"\n", start, h) + 1
                yield num, decode_line(w[start:stop])
                start, num = stop, num + 1
            return
        end = start
    _count_skipped(stats, h_no - pos_no)
    i = h_no - base - 1  # the hit's index in the window
    if pos > 0 or i >= LOOKBACK or carry is None:
        return  # something was yielded in between, or no header near enough: nothing to pull
    older = carry.lines()[-(LOOKBACK - i):]
    for k in range(len(older) - 1, -1, -1):
        if _starts(older[k][1]):
            pulled = older[k:]
            stats.skipped_lines -= len(pulled) + i
            stats.lines_read -= len(pulled) + i
            for num, r in pulled:
                yield num, decode_line(r)
            start, num = 0, base + 1
            while start < h:
                stop = w.find(b"\n", start, h) + 1
                yield num, decode_line(w[start:stop])
                start, num = stop, num + 1
            return


#: what a window's hit finder returns (`_window_hit_finder`)
Hits: TypeAlias = set[int] | dict[int, int] | Counted


def _window_hit_finder(terms: frozenset[str], stats: FileStats) -> Callable[[bytearray | bytes, int, int], Hits]:
    """The search of one file's windows: start offsets of the lines holding a term, or a banner (`_hit_finder`);
    as a dict, with their line numbers; as `Counted`, with the numbers of some lines the search counted to."""
    if not isinstance(terms, WindowedTerms):
        matcher = matcher_for(terms)
        return lambda w, size, _base: matcher.line_starts(w, size)
    if terms.evidence:
        return _evidence_finder(terms, stats)
    everywhere = matcher_for(terms.searched(stats.host))
    if not terms.windowed:
        return lambda w, size, _base: everywhere.line_starts(w, size)
    if everywhere.engine == "hyperscan":
        return _id_finder(everywhere, terms, stats.path)
    by_window, in_window = matcher_for(terms.windowed), terms.line_test(stats.path)

    def hits(w: bytearray | bytes, size: int, base: int) -> set[int]:
        found = everywhere.line_starts(w, size)
        at, no = 0, base + 1
        for start in sorted(by_window.term_starts(w, size) - found):
            no += _newlines(w, at, start)
            at = start
            if in_window(no, bytes(w[start:_line_end(w, start, size)])):
                found.add(start)
        return found
    return hits


class _IdScan:
    """The texts searched everywhere (and the banners) and each windowed id, found in ONE hyperscan search.

    Each windowed text has a match id of its own, so the scan tells which
    ids a line holds and where: pass 2's line test then looks only at those
    (`_window.WindowTest`) instead of searching every candidate line for
    uuids again.
    """

    def __init__(self, exact: tuple[bytes, ...], caseless: tuple[bytes, ...], windowed: tuple[bytes, ...]) -> None:
        banners = [b"\n" + b for b in _BANNERS]
        self._main = len(exact) + len(caseless) + len(banners)
        self._lengths = [len(t) for t in windowed]
        #: per windowed text: itself when `_inside` can name it (uuid-shaped), else None
        self._names = [t if uuid_shaped(t) else None for t in windowed]
        self._db = literal_database([*exact, *caseless, *banners, *windowed],
                                    [False] * len(exact) + [True] * len(caseless)
                                    + [False] * (len(banners) + len(windowed)))

    def starts(self, window: bytearray | bytes,
               size: int) -> tuple[set[int], dict[int, list[tuple[int, bytes | None]]]]:
        """The start offsets of `window[:size]`'s lines holding a text searched everywhere or a banner, and per
        line start holding a windowed text its occurrences as (start offset, uuid-shaped text or None)."""
        main: list[int] = []
        ids: list[tuple[int, int]] = []
        first = self._main

        def on_match(pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if pattern < first:
                main.append(end - 1)
            else:
                ids.append((end, pattern - first))

        self._db.scan(memoryview(window)[:size] if size < len(window) else window, match_event_handler=on_match)
        rfind = window.rfind
        found = {rfind(b"\n", 0, off) + 1 for off in main}
        if window.startswith(_BANNERS):
            found.add(0)
        lengths, names = self._lengths, self._names
        lines: dict[int, list[tuple[int, bytes | None]]] = {}
        for end, k in ids:
            start = end - lengths[k]
            lines.setdefault(rfind(b"\n", 0, start) + 1, []).append((start, names[k]))
        return found, lines


@lru_cache(maxsize=8)
def _id_scan(exact: tuple[bytes, ...], caseless: tuple[bytes, ...], windowed: frozenset[str]) -> _IdScan:
    return _IdScan(exact, caseless, tuple(sorted(t.encode() for t in windowed if t and "\n" not in t)))


def _id_finder(everywhere: Matcher, terms: WindowedTerms,
               path: str) -> Callable[[bytearray | bytes, int, int], set[int] | Counted]:
    """`_window_hit_finder` with hyperscan: a line holding a windowed id is tested for the ids the scan found.

    Same lines as testing each candidate line with `line_test` (tests/sources/test_window_ids.py);
    the line number is counted only for a line its stamp cannot place.
    """
    scan = _id_scan(everywhere.exact, everywhere.caseless, terms.windowed)
    test = terms.window_test(path)

    def hits(w: bytearray | bytes, size: int, base: int) -> set[int] | Counted:
        found, holding = scan.starts(w, size)
        if test is None:  # no window in this file: every line of the ids stays
            found.update(holding)
            return found
        numbers: dict[int, int] = {}
        test.select(w, size, base, holding, found, _newlines, numbers)
        # the lines the test counted to, with their numbers: the scan counts on from them (not a second time)
        return Counted(found, list(numbers), list(numbers.values())) if numbers else found
    return hits


#: one group of texts searched together: (case-sensitive texts, caseless texts)
Group = tuple[frozenset[str], frozenset[str]]


class _Groups:
    """Several groups of texts and the banner lines, found in ONE search of a window.

    A read with evidence sets searched each set (and the banners) in a scan
    of its own: four scans of every window for `timeline`'s first pass with
    the release clues.  One hyperscan database tags each match with its
    group instead (the Python engine searches each group with `bytes.find`).
    """

    def __init__(self, groups: tuple[Group, ...], engine: str) -> None:
        self.size = len(groups)
        self._pats: list[tuple[bytes, int, bool]] = []  # (text, group, caseless)
        for g, (exact, caseless) in enumerate(groups):
            self._pats.extend((t.encode(), g, False) for t in sorted(exact) if t and "\n" not in t)
            self._pats.extend((t.lower().encode(), g, True) for t in sorted(caseless) if t and "\n" not in t)
        self._db: Any = None
        if engine == "hyperscan":
            banners = [b"\n" + b for b in _BANNERS]
            self._db = literal_database([p for p, _, _ in self._pats] + banners,
                                        [c for _, _, c in self._pats] + [False] * len(banners))
            self._owner = [g for _, g, _ in self._pats] + [self.size] * len(banners)

    def starts(self, window: bytearray | bytes, size: int) -> list[set[int]]:
        """Per group the start offsets of the lines of `window[:size]` holding one of its texts; last, the banners'."""
        rfind = window.rfind
        if self._db is not None:
            found: list[list[int]] = [[] for _ in range(self.size + 1)]
            owner = [found[g] for g in self._owner]

            def on_match(pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
                owner[pattern].append(end - 1)

            view = memoryview(window)[:size] if size < len(window) else window
            self._db.scan(view, match_event_handler=on_match)
            out = [{rfind(b"\n", 0, off) + 1 for off in offs} for offs in found]
        else:
            block = bytes(window[:size]) if size < len(window) else window
            lowered = block.lower() if any(c for _, _, c in self._pats) else block
            offsets: list[list[int]] = [[] for _ in range(self.size)]
            for text, g, caseless in self._pats:
                _find_all(lowered if caseless else block, (text,), offsets[g])
            out = [{rfind(b"\n", 0, off) + 1 for off in offs} for offs in offsets]
            banners: set[int] = set()
            _banner_starts(window, size, banners)
            out.append(banners)
        if window.startswith(_BANNERS):
            out[-1].add(0)
        return out


@lru_cache(maxsize=64)
def _groups(groups: tuple[Group, ...], engine: str) -> _Groups:
    return _Groups(groups, engine)


def _group_of(terms: frozenset[str]) -> Group:
    return frozenset(terms), frozenset(getattr(terms, "caseless", frozenset()))


class _SetSearch:
    """How one file searches an evidence set: its texts, and the texts a line test passes (`WindowedTerms.windowed`)."""

    def __init__(self, key: int, terms: frozenset[str], path: str) -> None:
        self.key = key
        self.group = _group_of(terms)
        self.windowed = frozenset(getattr(terms, "windowed", frozenset()))
        #: texts passed by the line test found in any letter case
        self.caseless = frozenset(getattr(terms, "windowed_caseless", frozenset()))
        self.test: Callable[[int, bytes], bool] | None = (
            terms.line_test(path) if isinstance(terms, WindowedTerms) and (self.windowed or self.caseless) else None)

    def tested(self) -> Group:
        """The texts passed by the line test still worth searching (a test may say it needs no more: `still`)."""
        still = getattr(self.test, "still", None)
        if still is None:
            return self.windowed, self.caseless
        return self.windowed & still, self.caseless & still


def _evidence_finder(terms: WindowedTerms, stats: FileStats) -> Callable[[bytearray | bytes, int, int], dict[int, int]]:
    """Search the main texts and each evidence set; note every hit line's number per set (`FileStats.term_hits`).

    One search per window finds every group (`_Groups`).  It returns each
    hit line's number with its start offset, so the scan does not count the
    window's newlines a second time.
    """
    engine = engine_name()
    main = _group_of(terms.main_searched(stats.host))
    sets = [_SetSearch(k, e, stats.path) for k, e in enumerate(terms.evidence, 1) if k not in terms.unsearched]
    marks = stats.term_hits
    marks.setdefault(0, [])
    for one in sets:
        marks.setdefault(one.key, [])

    def hits(w: bytearray | bytes, size: int, base: int) -> dict[int, int]:
        tested = [one.tested() if one.test is not None else None for one in sets]
        groups = [main] + [one.group for one in sets] + [t for t in tested if t is not None]
        found = _groups(tuple(groups), engine).starts(w, size)
        tagged = [(start, 0) for start in found[0]]
        candidates: list[tuple[int, int]] = []  # (start, index in sets) of lines a set's line test decides
        at = len(sets) + 1
        for i, one in enumerate(sets):
            own = found[1 + i]
            tagged.extend((start, one.key) for start in own)
            if tested[i] is not None:
                candidates.extend((start, i) for start in found[at] - own)
                at += 1
        numbers: dict[int, int] = {}
        at, no = 0, base + 1
        banner = -1 - len(sets)  # banner lines: numbered, never marked
        for start, k in sorted([*tagged, *((s, -1 - i) for s, i in candidates), *((s, banner) for s in found[-1])]):
            if start != at:
                no += _newlines(w, at, start)
                at = start
            if k >= 0:
                marks[k].append(no)
            elif k > banner:  # a line a set's test decides, in line order
                one = sets[-1 - k]
                if one.test(no, bytes(w[start:_line_end(w, start, size)])):  # type: ignore[misc]
                    marks[one.key].append(no)
                else:
                    continue
            numbers[start] = no
        return numbers
    return hits


def _evidence_lines(terms: WindowedTerms, stats: FileStats) -> Callable[[bytes, list[bytes], list[int], int], set[int]]:
    """`_evidence_finder` for the line scan's blocks (the reference, and CR-only inputs)."""
    main = matcher_for(terms.main_searched(stats.host))
    sets = [(k, matcher_for(e), _SetSearch(k, e, stats.path)) for k, e in enumerate(terms.evidence, 1)
            if k not in terms.unsearched]
    marks = stats.term_hits
    marks.setdefault(0, [])
    for k, _, _ in sets:
        marks.setdefault(k, [])

    def hits(block: bytes, batch: list[bytes], ends: list[int], base: int) -> set[int]:
        found = main.interesting(block, batch, ends)
        lines = main.lines(block, ends)
        marks[0].extend(base + i + 1 for i in lines)
        found.update(lines)
        for k, matcher, one in sets:
            own = matcher.lines(block, ends)
            if one.test is not None:
                held = set(own)
                passed = [i for i in matcher_for(Terms(one.windowed, one.caseless)).lines(block, ends)
                          if i not in held and one.test(base + i + 1, batch[i])]
                own = sorted(held.union(passed))
            marks[k].extend(base + i + 1 for i in own)
            found.update(own)
        return found
    return hits
