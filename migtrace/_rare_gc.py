"""Cyclic garbage collected rarely while migtrace reads: in a load, and in each read wherever it runs.

Its own module (below `sources`) because a read raises it too: a pool worker forked inside a load
inherits the load's setting, but one started from a fork server and a Dask worker start with CPython's
default.  A Dask worker also holds its earlier tasks' results, which each full collection walks: on
hosts100 (2 GiB, 102 inputs) 0.65-0.87 CPU s of one worker went to the collector (1,150 young, 104 middle
and 9 full collections), 0.06-0.07 s with each read's collections raised.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: new container objects between two young-generation collections during a load (CPython's default: 700)
YOUNG_COLLECTION = 50_000
_COLLECTIONS = threading.Lock()
_raised: list[tuple[int, int, int]] = []  # the thresholds before the outermost load or read raised them


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while a load or a read runs (the thresholds restored after, also on an error).

    A load allocates Events, records' tuples and packs by the ten thousand and frees them all at
    once, with almost no reference cycle among them: at CPython's default threshold a young collection
    runs every 700 new objects and walks them (375 collections, 0.15-0.2 CPU s of `list`'s main process
    on the 1 GiB set, 0.2 s more in pass 1's workers, which fork inside the load and inherit the
    setting).  Nothing else changes: garbage without cycles is freed as before, by reference count; a
    cycle is freed at the next collection, at most YOUNG_COLLECTION objects later.  A collector the
    caller switched off (threshold 0) stays off; nested or concurrent loads and reads (a worker's threads)
    restore it once, at the end of the outermost.
    """
    with _COLLECTIONS:
        if not _raised:
            before = gc.get_threshold()
            _raised.append(before)
            if before[0]:
                gc.set_threshold(max(before[0], YOUNG_COLLECTION), *before[1:])
        else:
            _raised.append(_raised[-1])
    try:
        yield
    finally:
        with _COLLECTIONS:
            before = _raised.pop()
            if not _raised:
                gc.set_threshold(*before)
