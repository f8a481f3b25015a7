"""P3 floor analysis: the pieces of a full Event parse added one by one in a bare loop over one file.

Run `python -m benchmarks.parse_floor FILE` (e.g. `benchmarks/_data/m100/compute-01/var/log/nova/
nova-compute.log`): a Markdown table of µs per line (cumulative) and lines per CPU second, best of 5.
The rows are what an oslo record's Event needs (benchmarks/README.md, branch i13h, reads them).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import datetime

from migtrace.model import Event, _EventSlots
from migtrace.parsers.oslo import _FAST_HEADER, parse_request_block, split_after
from migtrace.sources._open import Peekable
from migtrace.sources._scan import matcher_for

#: the anchor of benchmarks/targets.py (BARE_LOOP)
BARE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\d+) ([A-Z]+) (\S+) \[([^\]]*)\] (.*)$")
ESCAPES = frozenset({"\x1b", "#033", "^[", ";3", "[0"})


def _row(label: str, piece: Callable[[], object], lines: int) -> None:
    best = min(_cpu(piece) for _ in range(5))
    print(f"| {label} | {best / lines * 1e6:.2f} | {lines / best:,.0f} |")


def _cpu(piece: Callable[[], object]) -> float:
    start = time.process_time()
    piece()
    return time.process_time() - start


def _windows(path: str, decode: bool) -> None:
    escapes = matcher_for(ESCAPES)
    with open(path, "rb") as fh:
        for window, size in Peekable(fh).windows():
            if decode:
                with memoryview(window) as view:
                    str(view[:size], "utf-8", "replace").split("\n")
            else:
                escapes.split_starts(window, size)


def _fields(lines: list[str], upto: int, event: str = "") -> None:
    """The parse's pieces up to `upto` (1 regex, 2 stamp, 3 request block, 4 suffix); `event`: build one."""
    match = _FAST_HEADER.match
    for raw in lines:
        m = match(raw)
        if m is None:
            continue
        ts, pid, level, logger, block, after = m.groups()
        if upto < 2:
            continue
        utc = datetime.fromisoformat(ts + "+00:00")
        if upto < 3:
            continue
        rid, gid, user, project = parse_request_block(block)
        number = int(pid)
        if upto < 4:
            continue
        after, instance, number = split_after(after, level, number)
        fields = (utc, ts, after, "h", "s", number, level, logger, rid, gid, user, project, instance, (), "p", 1, 1,
                  "oslo")
        if event == "event":
            made = _EventSlots(*fields)
            made.__class__ = Event


def main(path: str) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    count = data.count(b"\n")
    lines = data.decode("utf-8", "replace").split("\n")
    print("| piece | µs per line (cumulative) | lines/s |\n|---|---:|---:|")
    _row("read the file into bytes", lambda: open(path, "rb").read(), count)  # noqa: SIM115 - closed by refcount
    _row("1 MiB windows decoded and split (the block source)", lambda: _windows(path, True), count)
    _row("windows + the hyperscan escape check (no decode)", lambda: _windows(path, False), count)
    _row("bare `for` loop over the lines", lambda: [None for _ in lines], count)
    _row("+ the benchmark's bare one-regex match (the anchor)", lambda: [BARE.match(x) for x in lines], count)
    _row("+ `_FAST_HEADER.match` + `groups()` instead", lambda: _fields(lines, 1), count)
    _row("+ `fromisoformat` (UTC)", lambda: _fields(lines, 2), count)
    _row("+ request block (lru) + `int(pid)`", lambda: _fields(lines, 3), count)
    _row("+ instance tag and DEBUG suffix (`split_after`), fields in a tuple", lambda: _fields(lines, 4), count)
    _row("+ the Event (slots twin + `__class__` swap)", lambda: _fields(lines, 4, "event"), count)


if __name__ == "__main__":
    main(sys.argv[1])
