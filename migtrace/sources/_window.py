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

A compute's lines that name its own host (`_naming.SELF_NAMING_TEXTS`,
every minute) tell the host of an input whose path does not: they are
searched (`hostless`) only in inputs whose host is not known.

What is not known is kept: a file without ranges (its times were not
sampled, or go back in time) keeps every line of the ids, and so does a
line in which no windowed id can be told apart.
"""

from __future__ import annotations

import copy
import pickle
import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from migtrace.model import Event, FileStats, Terms
from migtrace.parsers._header import RECORD_START

#: an instance id as nova prints it; windowed ids are of this shape (others are searched everywhere)
UUID_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUID_BYTES = re.compile(UUID_SHAPE.pattern.encode())

#: per file: id -> (range starts, range ends), sorted and disjoint, line numbers 1-based inclusive
FileRanges = dict[bytes, tuple[tuple[int, ...], tuple[int, ...]]]
#: per file: id -> (window starts, window ends) as `YYYY-MM-DD HH:MM:SS` texts, sorted and disjoint, inclusive
FileStamps = dict[bytes, tuple[tuple[bytes, ...], tuple[bytes, ...]]]
#: an oslo header's timestamp (a space between date and time; a syslog prefix's ISO stamp has a `T`)
_OSLO_STAMP = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
#: `RECORD_START` for a line tested inside its window: with MULTILINE its `^` matches at a line start given as
#: `pos` (the line is `endpos`'s bound), so `match(w, start, end)` is `RECORD_START.match(w[start:end])`
_RECORD_START_AT = re.compile(RECORD_START.pattern, RECORD_START.flags | re.MULTILINE)
#: the stamp is looked for in the line's first bytes only (after a syslog prefix at most)
_STAMP_WITHIN = 128


class WindowedTerms(Terms):
    """Terms searched everywhere (the set itself) plus `windowed` ids searched inside windows only.

    Per file and id, `stamps` are windows as timestamp texts of that file
    (`YYYY-MM-DD HH:MM:SS`, as its oslo headers print them) and `ranges`
    windows as line numbers: a header line is placed by its own stamp when
    the file has stamp windows, any other line by its number.
    """

    windowed: frozenset[str]
    #: the texts searched everywhere for their own sake (the set itself holds these and the evidence texts)
    main: frozenset[str]
    #: term sets searched in the same pass only as evidence for something else (the clock bounds' causal-pair
    #: texts): the scan notes the lines holding each (`FileStats.term_hits`), so the pipeline can tell their
    #: records from the ones the main texts found (`evidence_split`) and keep them from the keeper
    evidence: tuple[frozenset[str], ...]
    #: texts searched only in inputs whose host is not known (the lines by which a compute names itself)
    hostless: frozenset[str]
    #: the evidence sets (numbered from 1, as in `term_hits`) not searched in this input: sets that want an input
    #: the term filter cannot cut safely (`Terms.plain_only`) read in full, in an input that is not plain
    #: oslo text (`uncut`); `term_hits` then has no key for them and their records come from a read of their own
    unsearched: frozenset[int]
    ranges: dict[str, FileRanges]
    stamps: dict[str, FileStamps]
    #: `shared()`'s part of the stamp windows: each table the files share (one per clock offset), once, under
    #: the number a file's packed windows name it by (its id in the client that made both: `windows_of`)
    tables: dict[int, FileStamps]

    def __new__(cls, texts: frozenset[str] | set[str] = frozenset(), caseless: frozenset[str] = frozenset(),
                *, tail: bool = False, plain_only: bool = False, windowed: frozenset[str] = frozenset(),
                ranges: Mapping[str, Mapping[str, Sequence[tuple[int, int]]]] | None = None,
                stamps: Mapping[str, Mapping[str, Sequence[tuple[str, str]]]] | None = None,
                hostless: frozenset[str] = frozenset(),
                evidence: Sequence[frozenset[str]] = ()) -> WindowedTerms:
        every = frozenset(texts).union(*evidence) if evidence else texts
        self = cast(WindowedTerms, super().__new__(cls, every, caseless, tail=tail, plain_only=plain_only))
        self.windowed = frozenset(windowed)
        self.hostless = frozenset(hostless)
        self.main = frozenset(texts)
        # a set may be `Terms` (caseless texts, plain_only) or `WindowedTerms` (texts passed by a line test)
        self.evidence = tuple(e if isinstance(e, frozenset) else frozenset(e) for e in evidence)
        self.unsearched = frozenset()
        self.tables = {}
        self.ranges = {path: {ident.encode(): (tuple(a for a, _ in spans), tuple(b for _, b in spans))
                              for ident, spans in per_id.items()}
                       for path, per_id in (ranges or {}).items()}
        # a table several files share (`pipeline._window`: one per clock offset) is converted once and stays
        # shared: a file's windows are only ever read
        converted: dict[int, FileStamps] = {}

        def stamp_table(per_id: Mapping[str, Sequence[tuple[str, str]]]) -> FileStamps:
            table = converted.get(id(per_id))
            if table is None:
                table = converted[id(per_id)] = {ident.encode(): (tuple(a.encode() for a, _ in spans),
                                                                  tuple(b.encode() for _, b in spans))
                                                 for ident, spans in per_id.items()}
            return table
        self.stamps = {path: stamp_table(per_id) for path, per_id in (stamps or {}).items()}
        return self

    def __bool__(self) -> bool:  # evidence sets alone (no main texts) still cut the input
        return bool(len(self) or self.caseless or self.windowed or any(self.evidence))

    def searched(self, host: str | None) -> Terms:
        """The texts searched everywhere in an input whose context gives it `host` (None: not known)."""
        if host is not None or not self.hostless:
            return self
        return Terms(self | self.hostless, self.caseless, tail=self.tail, plain_only=self.plain_only)

    def cache_parts(self, path: str) -> tuple[Any, ...]:
        """What of these terms decides one file's read besides the texts: the on-disk index keys by it.

        The windows of a file come from every file's pass 1: an unchanged
        file gets other windows when another file grew, so they are part of
        its key, as are the windowed ids and the texts searched where no host is known.
        """
        return (sorted(self.windowed), sorted(self.hostless), sorted(self.ranges.get(path, {}).items()),
                sorted(self.stamps.get(path, {}).items()), sorted(self.main),
                [(sorted(e), sorted(getattr(e, "caseless", ())), sorted(getattr(e, "windowed", ())),
                  sorted(getattr(e, "windowed_caseless", ())),
                  getattr(e, "plain_only", False), type(e).__name__) for e in self.evidence])

    @property
    def plain_sets(self) -> frozenset[int]:
        """The evidence sets (numbered from 1) that want inputs the term filter cannot cut read in full."""
        return frozenset(k for k, e in enumerate(self.evidence, 1) if getattr(e, "plain_only", False))

    def uncut(self) -> WindowedTerms:
        """These terms for an input a plain-only read would read in full: its `plain_sets` are not searched.

        The main texts still cut the input (they need no plain text: an id
        is found as written); the pipeline reads the input again, in full,
        for the sets left out (`term_hits` has no key for them).
        """
        other = copy.copy(self)
        other.unsearched = self.plain_sets
        return other

    def main_searched(self, host: str | None) -> Terms:
        """The main texts (no evidence set) searched in an input whose context gives it `host`."""
        texts = self.main | self.hostless if host is None else self.main
        return Terms(texts, self.caseless, tail=self.tail, plain_only=self.plain_only)

    def line_test(self, path: str) -> Callable[[int, bytes], bool]:
        """The test of one file: does line `lineno` (raw text `raw`, holding a windowed id) stay?"""
        lines = self.ranges.get(path)
        stamps = self.stamps.get(path)
        if lines is None and stamps is None:
            return _always
        ids = frozenset(i.encode() for i in self.windowed)
        return lambda lineno, raw: _inside(lines, stamps, ids, lineno, raw)

    def for_file(self, path: str) -> WindowedTerms:
        """These terms as the read of one file (displayed `path`) uses them: its own windows, no other file's.

        What a worker is sent (`sources._parallel`): every file's windows, sent with every input, were
        ~4 MB a task on a 100-host set (50 ms to pickle and as much to unpickle, per input, per pass).
        A read looks windows up by its own path only (`line_test`, `window_test`, `cache_parts`).
        """
        if all(len(table) <= 1 and (not table or path in table) for table in (self.ranges, self.stamps)):
            return self
        other = copy.copy(self)
        other.ranges = {path: self.ranges[path]} if path in self.ranges else {}
        other.stamps = {path: self.stamps[path]} if path in self.stamps else {}
        return other

    def shared(self) -> WindowedTerms:
        """These terms without any file's windows: what every read of a pass shares (a cluster gets it once).

        With `windows_of` a file's read is `for_file` again (`with_windows`): a Dask read sends this
        once to each worker (`client.scatter`) and each task only its own file's windows, packed.  The
        stamp tables files share (one per clock offset) come along here, once, and a task names its
        file's by number: on 100 hosts they were 102 copies of one 50 kB table, pickled and compressed
        one by one in the client's step between the passes.
        """
        if not self.ranges and not self.stamps:
            return self
        other = copy.copy(self)
        other.ranges, other.stamps = {}, {}
        other.tables = {id(table): table for table in self.stamps.values()}
        return other

    def windows_of(self, path: str) -> bytes | None:
        """One file's windows (displayed `path`), packed to travel beside `shared()` (None: the file has none).

        Bytes, not objects: the Dask scheduler unpickles a task graph and pickles each task again for
        its worker; bytes cost it a copy (the windows as tuples: ~40 KB of objects a task on 100 hosts).
        """
        lines, stamps = self.ranges.get(path), self.stamps.get(path)
        if lines is None and stamps is None:
            return None
        table = None if stamps is None else id(stamps)  # `shared()` sends the tables under these numbers
        return zlib.compress(pickle.dumps((lines, table), protocol=pickle.HIGHEST_PROTOCOL), 1)

    def with_windows(self, path: str, packed: bytes | None) -> WindowedTerms:
        """`for_file(path)` of the terms these are the `shared()` part of, given that file's `windows_of(path)`."""
        if packed is None:
            return self
        lines, table = pickle.loads(zlib.decompress(packed))  # packed by this client's `windows_of`
        other = copy.copy(self)
        other.ranges = {} if lines is None else {path: lines}
        other.stamps = {} if table is None else {path: self.tables[table]}
        other.tables = {}
        return other

    def window_test(self, path: str) -> WindowTest | None:
        """`line_test` for a scan that tells which windowed ids a line holds (None: every such line stays)."""
        lines = self.ranges.get(path)
        stamps = self.stamps.get(path)
        if lines is None and stamps is None:
            return None
        return WindowTest(lines, stamps, frozenset(i.encode() for i in self.windowed))


def _always(_lineno: int, _raw: bytes) -> bool:
    return True


#: the bytes a uuid-shaped text is made of: a windowed id right after one of them may be hidden from
#: `_inside`'s `finditer` (an earlier uuid-shaped run overlapping it is taken first)
_UUID_ALPHABET = frozenset(b"0123456789abcdef-")


def uuid_shaped(text: bytes) -> bool:
    """True when `_inside` can name this windowed text (its `finditer` yields only uuid-shaped runs)."""
    return _UUID_BYTES.fullmatch(text) is not None


def seen_ids(window: bytes | bytearray, line: int, found: list[tuple[int, bytes | None]]) -> set[bytes] | None:
    """The windowed ids `_inside` names in the line starting at `line`, from a scan's occurrences; None: not sure.

    `found` holds each occurrence of a windowed text in the line as (start
    offset in `window`, the text when it is uuid-shaped, else None: never
    named).  `finditer` yields an occurrence of a uuid-shaped id unless an
    earlier uuid-shaped run overlaps it, and such a run holds the byte just
    before it: when that byte is not of a uuid's alphabet (or the occurrence
    opens the line) the id is named.  Any other occurrence: None (the caller
    asks `_inside` itself).
    """
    named: set[bytes] = set()
    for start, ident in found:
        if ident is None:
            continue
        if start > line and window[start - 1] in _UUID_ALPHABET:
            return None
        named.add(ident)
    return named


class WindowTest:
    """One file's test of the lines holding windowed ids, given the ids (`_inside` without its uuid search).

    The scan (`_scan._id_finder`) finds each windowed id with an id of its
    own, so a line is looked at only for its stamp and the windows of the
    ids it holds (`select`): the same answer as `_inside`, which stays the
    answer where the scan cannot tell what `_inside` would name.
    """

    __slots__ = ("ids", "lines", "stamps")

    def __init__(self, lines: FileRanges | None, stamps: FileStamps | None, ids: frozenset[bytes]) -> None:
        self.lines, self.stamps, self.ids = lines, stamps, ids

    def select(self, w: bytes | bytearray, size: int, base: int, holding: dict[int, list[tuple[int, bytes | None]]],
               found: set[int], newlines: Callable[[bytes | bytearray, int, int], int],
               numbers: dict[int, int] | None = None) -> None:
        """Add to `found` the start of each line of `w[:size]` (the first numbered `base + 1`) that `holding` lists
        (its windowed texts' occurrences) and this test keeps: the ids (`seen_ids`), the stamp and the windows in one
        loop (the scan's hot path: one pass of a read tests ~90 k such lines on 1 GiB).  `newlines(w, a, b)` counts
        `w[a:b]`'s newlines; a line is counted to only when its stamp does not place it, and `numbers` (when
        given) gets the number of each line counted to, by start (the scan then need not count to it again).
        The decision is `_inside`'s: a named id whose window (by stamp, else by line number) holds the line
        keeps it."""
        stamps, lines, ids = self.stamps, self.lines, self.ids
        # the line's tests run on the window in place (no copy of the line): `_RECORD_START_AT.match(w, a, b)` is
        # `RECORD_START.match(w[a:b])` at a line start, `search(w, a, b)` the stamp's search of the line's bytes
        record_start, stamp_at, find = _RECORD_START_AT.match, _OSLO_STAMP.search, w.find
        alphabet = _UUID_ALPHABET
        at, no = 0, base + 1
        for start in sorted(holding.keys() - found):
            # `seen_ids`, inline (the hot path): the ids `_inside` names, or None when the scan cannot tell
            named: set[bytes] | None = set()
            for occurrence, ident in holding[start]:
                if ident is None:
                    continue
                if occurrence > start and w[occurrence - 1] in alphabet:
                    named = None
                    break
                named.add(ident)  # type: ignore[union-attr]
            if named is not None and not named:  # only texts `_inside` never names: kept, as it keeps them
                found.add(start)
                continue
            end = find(b"\n", start, size) + 1 or size
            stamp = None
            if named is not None and stamps is not None and record_start(w, start, end):
                m = stamp_at(w, start, min(end, start + _STAMP_WITHIN))
                stamp = m.group() if m else None
            if stamp is None:
                no += newlines(w, at, start)
                at = start
                if numbers is not None:
                    numbers[start] = no
            if named is None:
                if _inside(lines, stamps, ids, no, bytes(w[start:end])):
                    found.add(start)
                continue
            table: Any
            where: Any
            if stamp is not None:
                table, where = stamps, stamp
            elif lines is not None:
                table, where = lines, no
            else:
                found.add(start)  # a line the file's stamp windows cannot place, and no line ranges: kept
                continue
            for ident in named:
                spans = table.get(ident)
                if spans is not None:
                    i = bisect_right(spans[0], where) - 1
                    if i >= 0 and where <= spans[1][i]:
                        found.add(start)
                        break


def _inside(lines: FileRanges | None, stamps: FileStamps | None, ids: frozenset[bytes], lineno: int,
            raw: bytes) -> bool:
    """True when a windowed id the line names has a window holding the line (or none is told apart)."""
    stamp: bytes | None = None
    if stamps is not None and RECORD_START.match(raw):
        found = _OSLO_STAMP.search(raw, 0, _STAMP_WITHIN)
        stamp = found.group() if found else None
    named = False
    for m in _UUID_BYTES.finditer(raw):
        ident = m.group()
        if ident not in ids:
            continue
        named = True
        if stamp is not None:
            spans: tuple[tuple[Any, ...], tuple[Any, ...]] | None = stamps.get(ident)  # type: ignore[union-attr]
            where: Any = stamp
        elif lines is not None:
            spans, where = lines.get(ident), lineno
        else:
            return True  # a line the file's stamp windows cannot place, and no line ranges: keep it
        if spans is None:
            continue  # no window of this id in this file
        starts, ends = spans
        i = bisect_right(starts, where) - 1
        if i >= 0 and where <= ends[i]:
            return True
    return not named


def evidence_split(events: Sequence[Event], stats: Sequence[FileStats],
                   sets: int) -> tuple[list[Event], list[list[Event]]]:
    """Split a read with `sets` evidence sets: the events of the main texts, and per set the events holding it.

    An event is the main texts' when its lines hold a main text, when it is
    its file's tail record, or when no evidence text found it either (a
    banner's neighbour); it is set k's when its lines hold a text of set k
    (so a record can be both).  An input the scan did not cut (read in
    full: no `term_hits`) gives every event to the main texts and to every
    set, as separate reads of each would have.
    """
    by_path = {st.path: st for st in stats}
    main: list[Event] = []
    per_set: list[list[Event]] = [[] for _ in range(sets)]
    for e in events:
        st = by_path.get(e.source)
        hits = st.term_hits if st is not None else {}
        if not hits:
            main.append(e)
            for found in per_set:
                found.append(e)
            continue
        lo, hi = e.lineno, e.lineno + max(e.line_count, 1)
        held = [_holds(hits.get(k, []), lo, hi) for k in range(1, sets + 1)]
        if _holds(hits.get(0, []), lo, hi) or e.lineno == st.tail_line or not any(held):  # type: ignore[union-attr]
            main.append(e)
        for found, yes in zip(per_set, held, strict=True):
            if yes:
                found.append(e)
    return main, per_set


def _holds(lines: list[int], lo: int, hi: int) -> bool:
    """True when a sorted list of line numbers has one in [lo, hi)."""
    i = bisect_left(lines, lo)
    return i < len(lines) and lines[i] < hi
