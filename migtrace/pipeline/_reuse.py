"""Parse each record at most once in a selective read: pass 2 reuses the records pass 1 parsed.

Pass 1 of a selective read parses every record holding a vocabulary text;
pass 2 used to search the vocabulary again, with the moves' ids, and
re-parse those same records (on the 1 GiB benchmark set 229 k of its 232 k
records).  Now pass 1 keeps what it parsed (`Pass1Store`, per input in file
order, packed as the workers pack their results: a few bytes per record),
pass 2 searches only the ids (and each file's last record), and each
input's pass-2 stream is joined with its pass-1 records by line number
(`Pass1Store.joined`) before the inputs are merged in time, so the merge,
its duplicate count and the Keeper see the records today's pass 2 saw, in
the same order.

Why the join equals reading both term sets at once: the raw-text filter
hands the parser whole records (a hit pulls in its header above and its
continuation lines below), and an oslo record's event depends only on its
own lines.  What could break that is checked, and the join then reports
itself unusable (`Join.usable`) so the pipeline reads pass 2 the old way:
a record both passes parsed that came out different, records of one input
overlapping or out of line order, or an input cut by terms with unparsed
lines in either pass or meta lines not the same in both (lines outside
records: a hit whose header lies beyond the filter's lookback).  An input pass 1 read in full
(a format or lines the filter cannot cut) is not read again at all: pass 2
would read it in full too, and pass 1's records and accounting are its.

The accounting (`FileStats`) is pass 2's with pass 1's records added, as
if pass 2 had parsed them: one record line each and the rest continuation
lines (a header cut over several lines, which only pastes have and pastes
are read in full, would count its extra header lines as continuation).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from migtrace.model import Event, FileStats
from migtrace.sources._parallel import PACK_EVENTS, current_notes, pack_events, unpack_events

#: the merge's own warning (sources/_stream.py), given again by pass 2's merge: not an input's
_MERGE_WARNING = re.compile(r"\d+ (?:of the records read|records) appear in two inputs \(")


class Pass1Store:
    """Pass 1's parsed records, per input (`Event.source`) in file order, packed in runs."""

    def __init__(self) -> None:
        self._packs: dict[str, list[bytes]] = defaultdict(list)
        self._runs: dict[str, list[Event]] = defaultdict(list)
        self.count = 0
        #: pass 1's accounting per input, and its warnings (`ended`)
        self.stats: dict[str, FileStats] = {}
        self._warnings: tuple[str, ...] = ()
        #: input -> lines of records it read that are not pass 1's own (`_fold`: the evidence sets' records)
        self._dropped: dict[str, set[int]] = {}

    def ended(self, stats: Iterable[FileStats], warnings: Iterable[str]) -> None:
        """Note pass 1's accounting and warnings once it has been read."""
        self.stats = {st.path: st for st in stats}
        self._warnings = tuple(warnings)

    def given(self, path: str) -> tuple[Iterator[Event], FileStats] | None:
        """An input pass 1 read in full (its format or lines cannot be cut by terms): its records and accounting.

        Pass 2 would read it in full again and find the same.  Not when a warning of pass 1 names the
        input (it may be the input's own, which pass 2 must give again): it is read then.
        """
        st = self.stats.get(path)
        if st is None or not st.full_read or any(path in line and not _MERGE_WARNING.match(line)
                                                 for line in self._warnings):
            return None
        return self.events(path), replace(st, errors=list(st.errors), unparsed_examples=list(st.unparsed_examples))

    def tap(self, stream: Iterator[Event]) -> Iterator[Event]:
        """Pass one input's stream through, keeping each record it gives."""
        travelled: tuple[bytes, ...] | None = getattr(stream, "packs", None)
        if travelled is not None:  # a worker's result (sources/_parallel.Replay): its packs are the records
            return self._counted(stream, travelled)
        return self._packing(stream)

    def _counted(self, stream: Iterator[Event], travelled: tuple[bytes, ...]) -> Iterator[Event]:
        source = None
        for e in stream:
            if source is None:
                source = e.source
                self._packs[source].extend(travelled)
            self.count += 1
            yield e

    def _packing(self, stream: Iterator[Event]) -> Iterator[Event]:
        runs, packs = self._runs, self._packs
        for e in stream:
            run = runs[e.source]
            run.append(e)
            if len(run) == PACK_EVENTS:
                packs[e.source].append(pack_events(run))
                runs[e.source] = []
            self.count += 1
            yield e

    def keep(self, source: str, packs: Iterable[bytes], count: int, dropped: Iterable[int]) -> None:
        """An input's records as a worker packed them, not unpacked here (`_per_input`), and the lines left out."""
        self._packs[source].extend(packs)
        self.count += count
        lines = set(dropped)
        if lines:
            self._dropped.setdefault(source, set()).update(lines)

    def packed(self, source: str) -> tuple[tuple[bytes, ...], frozenset[int]]:
        """One input's records packed (as they travelled, the runs held here packed now) and the lines left out.

        What a pass-2 worker joins with (pipeline/_drop.py); `events` gives the same records.
        """
        run = self._runs.get(source)
        packs = (*self._packs.get(source, ()), *((pack_events(run),) if run else ()))
        return packs, frozenset(self._dropped.get(source, ()))

    def drop(self, source: str, lineno: int) -> None:
        """Leave out a record the tap kept: one pass 1 read only for an evidence set (`_fold`)."""
        self._dropped.setdefault(source, set()).add(lineno)

    def events(self, source: str) -> Iterator[Event]:
        """The records pass 1 parsed from one input, in file order (each run unpacked when reached)."""
        dropped = self._dropped.get(source)
        if dropped:
            notes = current_notes()
            for e in self._all(source):
                if e.lineno not in dropped:
                    yield e
                elif notes is not None:
                    notes.take(e)  # a worker's note of a record left out: not held to the end of the read
        else:
            yield from self._all(source)

    def _all(self, source: str) -> Iterator[Event]:
        for pack in self._packs.get(source, ()):
            yield from unpack_events(pack)
        yield from self._runs.get(source, ())


@dataclass(slots=True)
class _Tally:
    """What the join added to one input's pass-2 accounting."""

    records: int = 0
    lines: int = 0
    #: the last record both passes parsed: when it is pass 2's tail record (read only for its time, then
    #: dropped), it was a vocabulary hit after all, as in a pass 2 searching both
    last_shared: int = 0


class Join:
    """Pass 2's per-input streams joined with pass 1's records; `usable` is False when the join is not exact."""

    def __init__(self, store: Pass1Store) -> None:
        self.store = store
        self.usable = True
        self._tallies: dict[str, _Tally] = {}

    def joined(self, source: str, stream: Iterator[Event]) -> Iterator[Event]:
        """One input's records of both passes in line order, each once (a record of both: pass 2's copy)."""
        tally = self._tallies.setdefault(source, _Tally())
        notes = current_notes()
        return join_records(self.store.events(source), stream, tally, self,
                            None if notes is None else notes.take)  # pass 2's copy goes on, with its own note

    def tallied(self, source: str, tally: _Tally, usable: bool) -> None:
        """An input joined elsewhere (a worker, pipeline/_drop.py): what the join added, and whether it was exact."""
        self._tallies[source] = tally
        self.usable = self.usable and usable

    def stats(self, pass2: tuple[FileStats, ...]) -> tuple[FileStats, ...]:
        """Pass 2's accounting with the records taken from pass 1 counted as parsed (see the module doc)."""
        out = []
        for st in pass2:
            first = self.store.stats.get(st.path)
            # an input read in full in both passes (its format or lines cannot be cut by terms) is exact as it is
            if not st.full_read and _loose_lines(st, first):
                self.usable = False
            tally = self._tallies.get(st.path)
            if tally is None:
                out.append(st)
                continue
            tail = 0 if st.tail_line and st.tail_line == tally.last_shared else st.tail_line
            out.append(replace(st, tail_line=tail, records=st.records + tally.records,
                               record_lines=st.record_lines + tally.records,
                               continuation_lines=st.continuation_lines + tally.lines - tally.records,
                               skipped_lines=st.skipped_lines - tally.lines,
                               errors=list(st.errors), unparsed_examples=list(st.unparsed_examples)))
        return tuple(out)


class _Exact:
    """Whether a join was exact (`Join.usable`): a join elsewhere than `Join` keeps its own."""

    usable: bool = True


def join_records(first: Iterator[Event], stream: Iterator[Event], tally: _Tally, exact: Join | _Exact,
                 shared: Callable[[Event], object] | None = None) -> Iterator[Event]:
    """Pass 1's records of one input (`first`) and pass 2's (`stream`) in line order, each once.

    A record both passes parsed is pass 2's copy; `shared` is given pass 1's copy (let go).
    `exact.usable` is set False when the join is not provably exact (see the module doc).
    """
    a = next(first, None)
    end = 0  # the line after the last record given
    for b in stream:
        while a is not None and a.lineno < b.lineno:
            end = _give(a, end, tally, exact)
            yield a
            a = next(first, None)
        if a is not None and a.lineno == b.lineno:
            if a != b:
                exact.usable = False
            tally.last_shared = b.lineno
            if shared is not None:
                shared(a)
            a = next(first, None)
        if b.lineno < end:
            exact.usable = False
        end = b.lineno + b.line_count
        yield b
    while a is not None:
        end = _give(a, end, tally, exact)
        yield a
        a = next(first, None)


def _give(e: Event, end: int, tally: _Tally, exact: Join | _Exact) -> int:
    if e.lineno < end:
        exact.usable = False
    tally.records += 1
    tally.lines += e.line_count
    return e.lineno + e.line_count


def _loose_lines(second: FileStats, first: FileStats | None) -> bool:
    """Lines outside any record the join cannot place: unparsed ones, or meta lines not both passes read.

    Banners (`-- Boot`, `==> file <==`) pass the filter in every pass: the same meta lines in both.
    """
    if first is None:
        return bool(second.unparsed_lines or second.meta_lines)
    return bool(second.unparsed_lines or first.unparsed_lines or second.meta_lines != first.meta_lines)
