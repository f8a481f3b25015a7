"""Merge every input's events into one stream in time order, each record once.

Two inputs holding the same record happen when users collect both a
devstack `screen-*.txt` and the `journalctl -o export` it came from; the
copy has the same time, host, pid and text but another source file.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from migtrace.model import Event

#: records further apart in time than this cannot be copies of each other
DUP_WINDOW_S = 2.0

R = TypeVar("R")


def merge_in_time(streams: Iterable[Iterator[Event]], warn: Callable[[str], None],
                  partial: bool = False) -> Iterator[Event]:
    """Return one time-ordered stream of the inputs' streams, without cross-input duplicates.

    `partial`: the streams hold only some of the inputs' records (a selective or targeted read), so
    the warning counts the copies among the records read, not in the whole inputs.
    """
    return _unique(heapq.merge(*streams, key=lambda e: e.time), warn, partial)


def _unique(stream: Iterator[Event], warn: Callable[[str], None], partial: bool = False) -> Iterator[Event]:
    """Drop records that another input already gave; warn once with how many."""
    return drop_copies(stream, lambda e: (e.time.timestamp(), (e.time, e.host, e.pid, e.message), e.source),
                       warn, "of the records read" if partial else "records")


def drop_copies(stream: Iterator[R], fields: Callable[[R], tuple[float, tuple[object, ...], str]],
                warn: Callable[[str], None], what: str = "records") -> Iterator[R]:
    """Drop a record another input gave within `DUP_WINDOW_S`; warn once with how many.

    `fields`: a record's time (epoch seconds), its identity (time, host, pid, text) and its input;
    one rule for Events and for `merge`'s text records (`pipeline/_text_merge`).
    """
    recent: dict[tuple[object, ...], str] = {}
    order: deque[tuple[float, tuple[object, ...]]] = deque()
    dropped = 0
    example = ""
    for r in stream:
        now, key, origin = fields(r)
        while order and now - order[0][0] > DUP_WINDOW_S:
            recent.pop(order.popleft()[1], None)
        first = recent.get(key)
        if first is not None and first != origin:
            dropped += 1
            example = example or f"{first} and {origin}"
            continue
        if first is None:
            recent[key] = origin
            order.append((now, key))
        yield r
    if dropped:
        warn(f"{dropped} {what} appear in two inputs ({example}); each is counted once")
