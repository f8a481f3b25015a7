"""Windowed search terms: ids whose lines are wanted only inside given line ranges of each file.

The second pass of a selective read looks for the instances that moved.
An instance logs for its whole life (periodic tasks, power-state syncs,
info-cache heals), so reading every line that names it, to the end of the
logs, read mostly idle lines (a third of a compute's records on the
benchmark set).  The pipeline knows from its first pass when each instance
moved and which line numbers of each file those times fall in; these
terms carry that as line ranges per file and per id, and the raw-text
filter (`_scan.targeted_raw_lines`) keeps a line found only by such an id
when its number lies in a range of an id the line names.

What is not known is kept: a file without ranges (its times were not
sampled, or go back in time) keeps every line of the ids, and so does a
line in which no windowed id can be told apart.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import cast

from migtrace.model import Terms

#: an instance id as nova prints it; windowed ids are of this shape (others are searched everywhere)
UUID_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUID_BYTES = re.compile(UUID_SHAPE.pattern.encode())

#: per file: id -> (range starts, range ends), sorted and disjoint, line numbers 1-based inclusive
FileRanges = dict[bytes, tuple[tuple[int, ...], tuple[int, ...]]]


class WindowedTerms(Terms):
    """Terms searched everywhere (the set itself) plus `windowed` ids searched inside `ranges` only."""

    windowed: frozenset[str]
    ranges: dict[str, FileRanges]

    def __new__(cls, texts: frozenset[str] | set[str] = frozenset(), caseless: frozenset[str] = frozenset(),
                *, tail: bool = False, plain_only: bool = False, windowed: frozenset[str] = frozenset(),
                ranges: Mapping[str, Mapping[str, Sequence[tuple[int, int]]]] | None = None) -> WindowedTerms:
        self = cast(WindowedTerms, super().__new__(cls, texts, caseless, tail=tail, plain_only=plain_only))
        self.windowed = frozenset(windowed)
        self.ranges = {path: {ident.encode(): (tuple(a for a, _ in spans), tuple(b for _, b in spans))
                              for ident, spans in per_id.items()}
                       for path, per_id in (ranges or {}).items()}
        return self

    def __bool__(self) -> bool:
        return bool(len(self) or self.caseless or self.windowed)

    def line_test(self, path: str) -> Callable[[int, bytes], bool]:
        """The test of one file: does line `lineno` (raw text `raw`, holding a windowed id) stay?"""
        spans = self.ranges.get(path)
        if spans is None:
            return _always
        ids = frozenset(i.encode() for i in self.windowed)
        return lambda lineno, raw: _inside(spans, ids, lineno, raw)


def _always(_lineno: int, _raw: bytes) -> bool:
    return True


def _inside(spans: FileRanges, ids: frozenset[bytes], lineno: int, raw: bytes) -> bool:
    """True when a windowed id the line names has a range holding the line (or none is told apart)."""
    named = False
    for m in _UUID_BYTES.finditer(raw):
        ident = m.group()
        if ident not in ids:
            continue
        named = True
        found = spans.get(ident)
        if found is None:
            continue  # no range of this id in this file
        starts, ends = found
        i = bisect_right(starts, lineno) - 1
        if i >= 0 and lineno <= ends[i]:
            return True
    return not named
