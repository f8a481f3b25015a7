"""Targeted reading: find the records that mention some ids without parsing the rest.

A query for one request id or instance in a 1 GB log set must not run the
full parser on every line.  The raw bytes of each line are searched for the
ids first (a substring test, as `grep -F` does); only the records that
contain a hit are decoded and parsed.  A hit inside a traceback pulls in the
record's header line above it, and a hit header pulls in its continuation
lines below it, so folded records stay whole.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from migtrace.model import FileStats
from migtrace.parsers._base import Line
from migtrace.parsers._header import RECORD_START
from migtrace.sources._open import decode_line

LOOKBACK = 400


def targeted_raw_lines(raw_lines: Iterable[bytes], terms: frozenset[str], stats: FileStats) -> Iterator[Line]:
    """Yield (lineno, text) for the lines of records that contain any term; count the rest as skipped."""
    needles = tuple(t.encode() for t in terms if t)
    back: deque[tuple[int, bytes]] = deque(maxlen=LOOKBACK)
    following = False
    lineno = 0
    for raw in raw_lines:
        lineno += 1
        if raw.startswith((b"-- ", b"==> ")):
            # journalctl banners (they carry the year) and tail headers (they name the file) always pass
            yield lineno, decode_line(raw)
            following = False
            continue
        hit = any(n in raw for n in needles)
        starts = RECORD_START.match(raw) is not None
        if hit:
            if not starts:
                # pull in the lines since this record's header
                pending = list(back)
                cut = max((i for i, (_, r) in enumerate(pending) if RECORD_START.match(r)), default=None)
                if cut is not None:
                    for num, r in pending[cut:]:
                        yield num, decode_line(r)
                    stats.skipped_lines -= len(pending) - cut
                    stats.lines_read -= len(pending) - cut
            back.clear()
            following = True
            yield lineno, decode_line(raw)
            continue
        if following and not starts:
            yield lineno, decode_line(raw)
            continue
        following = False
        stats.skipped_lines += 1
        stats.lines_read += 1
        if starts:
            back.clear()
        back.append((lineno, raw))
