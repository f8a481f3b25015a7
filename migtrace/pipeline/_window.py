"""When each instance moved, as line ranges of each file: the windows of a selective read's pass 2.

Pass 1 sees every record holding a vocabulary text.  From them it notes,
per instance, the times of the records that name it, and per user request
the span of its records; an instance that moved is read in pass 2 only
within `MARGIN` of those times (and of its move requests' spans), not for
its whole life.

The margin comes from the correlation rules (correlate/_group.py): a line
without a marker joins a move within `GRACE` of the move's last marker,
an ERROR line within 4 × GRACE, and loose lines of an instance chain into
one orphan move while they are less than `ORPHAN_GAP` apart.  The widest
of these bounds every rule by one link; it also absorbs clock skew
between hosts of up to that much (each host's own records of the
instance give it windows in its own clock anyway).  What lies further
from every record naming the instance is an instance's idle life: the
periodic lines that made a 40 s move look hours long before 8b78032.

Times become line numbers per file through samples of pass 1's records
(time, line): the records of one file come in file order, so when their
times never go back, a window [lo, hi] is inside the lines from the last
sample before lo to the first sample after hi.  A file whose sampled
times go back, or that gave no sample, gets no ranges: its lines of the
instances are all read.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from migtrace.correlate._group import GRACE, ORPHAN_GAP
from migtrace.model import Event
from migtrace.sources._window import UUID_SHAPE

#: how far from a record naming an instance its other lines may still matter (see the module docstring)
MARGIN_S = max(ORPHAN_GAP, 4 * GRACE).total_seconds()
#: one time sample per this many seconds of a file's log time is enough to place a window within it
SAMPLE_STEP_S = 1.0
#: a line number past every file's end
END = 1 << 62
#: a record's time text as an oslo header writes it (the raw-text filter compares these texts)
_OSLO_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?$")
_FIRST = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LAST = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


class Evidence:
    """Pass 1's record of where instances were named and when user requests ran."""

    def __init__(self) -> None:
        #: instance -> [lo, hi] spans (seconds) of the records naming it, merged when closer than 2 margins
        self.spans: dict[str, list[list[float]]] = {}
        #: user request -> [first, last] time of its records
        self.requests: dict[str, list[float]] = {}
        #: file -> (times, line numbers) samples in file order
        self.samples: dict[str, tuple[array[float], array[int]]] = {}
        #: files whose records go back in time: no line ranges
        self.unordered: set[str] = set()
        #: file -> seconds its oslo stamps are ahead of the times read from them (None: not one offset)
        self.offsets: dict[str, float | None] = {}
        self._last: dict[str, float] = {}

    def note(self, e: Event, instances: Iterable[str], user_request: str | None) -> None:
        """Note one pass-1 record: its file's time sample, the instances it names, its user request."""
        t = e.time.timestamp()
        src = e.source
        last = self._last.get(src)
        if last is not None and t < last:
            self.unordered.add(src)
        self._last[src] = t if last is None else max(t, last)
        sampled = self.samples.get(src)
        if sampled is None:
            sampled = self.samples[src] = (array("d"), array("q"))
        times, lines = sampled
        if not times or t >= times[-1] + SAMPLE_STEP_S:
            times.append(t)
            lines.append(e.lineno)
            self._offset(src, e.time_text, t)
        spans = self.spans
        for inst in instances:
            if inst in spans:
                _widen(spans[inst], t)
            else:
                spans[inst] = [[t, t]]
        if user_request is not None:
            span = self.requests.get(user_request)
            if span is None:
                self.requests[user_request] = [t, t]
            else:
                span[0], span[1] = min(span[0], t), max(span[1], t)

    def last_times(self) -> dict[str, float]:
        """File -> the latest time of its records noted so far (every file a record was noted from)."""
        return self._last

    def _offset(self, src: str, text: str, t: float) -> None:
        """Check that the file writes its times as oslo stamps, always the same offset from the time read."""
        if src in self.offsets and self.offsets[src] is None:
            return
        offset: float | None = None
        if _OSLO_TEXT.match(text):
            try:
                offset = round(datetime.fromisoformat(text.replace(",", ".")).replace(tzinfo=UTC).timestamp() - t, 3)
            except ValueError:
                offset = None
        known = self.offsets.setdefault(src, offset)
        if known != offset:
            self.offsets[src] = None  # a zone change (DST) or another stamp form: placed by line numbers

    def windows(self, instances: Iterable[str], named_by: Mapping[str, Iterable[str]]
                ) -> tuple[frozenset[str], dict[str, dict[str, list[tuple[int, int]]]],
                           dict[str, dict[str, list[tuple[str, str]]]]]:
        """The windowed ids (uuid-shaped instances) and, per sampled file, their line ranges and stamp windows.

        `named_by`: move request -> the instances its records name (their spans join the instance's).
        """
        spans: dict[str, list[list[float]]] = {}
        for inst in instances:
            if UUID_SHAPE.fullmatch(inst):
                spans[inst] = [list(s) for s in self.spans.get(inst, ())]
        for req, named in named_by.items():
            span = self.requests.get(req)
            if span is not None:
                for inst in named:
                    if inst in spans:
                        spans[inst].append(list(span))
        ids = frozenset(spans)
        times_of = {inst: _merged([(lo - MARGIN_S, hi + MARGIN_S) for lo, hi in s]) for inst, s in spans.items()}
        ranges: dict[str, dict[str, list[tuple[int, int]]]] = {}
        stamps: dict[str, dict[str, list[tuple[str, str]]]] = {}
        # each file's stamp windows are every instance's windows shifted by the file's offset, mostly the
        # same few offsets: each text made once (on 100 hosts × 200 moved instances, 80 k texts at 4.5 µs)
        texts: dict[tuple[float, bool], str] = {}

        def stamp(t: float, up: bool) -> str:
            text = texts.get((t, up))
            if text is None:
                text = texts[t, up] = _stamp(t, math.ceil if up else math.floor)
            return text
        # files whose stamps are one offset from the times read (the hosts of one zone: most of them) share
        # one table of stamp windows, made once; it is read, never changed (`sources._window` packs it once)
        by_offset: dict[float, dict[str, list[tuple[str, str]]]] = {}
        for src, (times, lines) in self.samples.items():
            if src not in self.unordered:
                ranges[src] = {inst: [(int(a), int(b)) for a, b in
                                      _merged([_lines(times, lines, lo, hi) for lo, hi in windows])]
                               for inst, windows in times_of.items()}
            offset = self.offsets.get(src)
            if offset is not None:
                table = by_offset.get(offset)
                if table is None:
                    table = by_offset[offset] = {
                        inst: [(stamp(lo + offset, False), stamp(hi + offset, True)) for lo, hi in windows]
                        for inst, windows in times_of.items()}
                stamps[src] = table
        return ids, ranges, stamps


def _stamp(t: float, rounding: Callable[[float], int]) -> str:
    """The `YYYY-MM-DD HH:MM:SS` text of a time (rounded down or up to the second), clamped to datetime's range."""
    t = min(max(rounding(t), _FIRST), _LAST)
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _widen(spans: list[list[float]], t: float) -> None:
    """Add time t to an instance's spans (records come nearly in time order: look at the last one)."""
    if spans:
        last = spans[-1]
        if last[0] - 2 * MARGIN_S <= t <= last[1] + 2 * MARGIN_S:
            last[0], last[1] = min(last[0], t), max(last[1], t)
            return
    spans.append([t, t])


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _lines(times: array[float], lines: array[int], lo: float, hi: float) -> tuple[float, float]:
    """The line range of a file holding every line timed in [lo, hi] (its samples' times never go back)."""
    i = bisect_left(times, lo) - 1  # the last sample before lo: no line above it is timed lo or later
    j = bisect_right(times, hi)  # the first sample after hi: no line below it is timed hi or earlier
    return (lines[i] if i >= 0 else 1, lines[j] if j < len(times) else END)


def absorb_evidence(into: Evidence, spans: Mapping[str, list[list[float]]], requests: Mapping[str, list[float]],
                    samples: Mapping[str, tuple[array[float], array[int]]], unordered: Iterable[str],
                    offsets: Mapping[str, float | None], last: Mapping[str, float]) -> None:
    """Add another `Evidence`'s state, noted over other inputs' records (`_per_input`), as if noted here.

    Order-free: an instance's spans only feed `windows`, which merges their widened
    intervals (each span's points lie within 2 margins of each other: its widened
    span is the union of its points' intervals), so the spans of two inputs may
    simply stand side by side; a request's span is its first and last time.  The
    per-file parts (samples, offsets) are the other inputs' own: no file is in both.
    """
    for inst, got in spans.items():
        into.spans.setdefault(inst, []).extend([list(s) for s in got])
    for req, (lo, hi) in requests.items():
        span = into.requests.get(req)
        if span is None:
            into.requests[req] = [lo, hi]
        else:
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
    into.samples.update(samples)
    into.unordered.update(unordered)
    into.offsets.update(offsets)
    into._last.update(last)
