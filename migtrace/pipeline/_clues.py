"""Release clues read alike on every path: the raw texts that find every clue record of the inputs.

The release range (and so the remedies) is inferred from wordings only some
releases write (`diagnose._release`, migtrace/data/releases.yaml).  A read
that keeps only a move's records would infer it from those alone: `timeline`
from the shown move's lines, a selective `list` from the moves' lines, a full
read from every kept line — three stories.  So every path notes the clues of
*every* record of the inputs (`ClueHits`, a predicate that keeps nothing):
the full read over all it parses; the selective read and a targeted read
in one raw pass of their own over the covers, which parses only the clue
records and keeps none (so clue records never become move events, and the
selective read's pass 2 sees the records it saw before the clues were read).

A clue's *cover* is a text every record the clue matches holds in its raw
line, derived from the clue itself, never kept by hand:

* a `message` regex: the literals of which every match holds one
  (`_vocab.regex_cover`, searched in any letter case);
* else a `logger` prefix: the prefix itself (oslo prints the logger name);
* else a `level`: the level word (oslo prints it);
* else a `field`: the text nova's context block writes it with
  (`FIELD_TEXTS`: a global request id is followed by the local one,
  `[req-<global> req-<local> …]`, so `" req-"`).

Inputs the term filter cannot cut safely (anything but plain oslo text) are
read in full for the clues too (`Terms.plain_only`), as in pass 1.

The covers of the *header clues* (a logger, a level, a context field: no
message) are on nearly every line of a host (`oslo_concurrency.` is 7 % of
a compute's lines), so they are not plain terms: `ClueTerms` searches them
with a per-file line test (the hook `WindowedTerms` gives its windowed
texts) that reads the line's oslo header as the parser does and passes a
line only while the clue it shows has not been shown in that file yet.  A
line whose header cannot be read that way (a prefix, colour, a continuation
line) passes, and the parse decides.  A file's lines share one host (only
plain oslo text is cut, and a header at the line start carries no host of
its own), so once a file has shown a header clue, its other lines showing
it add nothing to the release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from migtrace.diagnose import ClueHits
from migtrace.diagnose._release import Clue, clues
from migtrace.model import LEVEL_ALIASES, Event, FileStats, Terms
from migtrace.parsers._header import RECORD_START
from migtrace.parsers.oslo import _FAST_HEADER, _INSTANCE, _is_context, _strip_debug_suffix, parse_request_block
from migtrace.pipeline._vocab import regex_cover
from migtrace.sources._open import decode_line
from migtrace.sources._scan import engine_name, literal_database
from migtrace.sources._window import WindowedTerms

#: how nova's text formats write an Event field a clue may require (the text every such line holds)
FIELD_TEXTS = {
    "global_request_id": " req-",  # `[req-<global> req-<local> user project …]`
    "request_id": "req-",
}


def clue_cover(clue: Clue) -> tuple[tuple[str, ...], bool] | None:
    """The texts of which every record the clue matches holds one, and whether they match in any case."""
    if clue.message is not None:
        found = regex_cover(clue.message.pattern)
        if found:
            return found, True
    if clue.logger:
        return (clue.logger,), False
    if clue.level:
        return (clue.level,), False
    if clue.field and clue.field in FIELD_TEXTS:
        return (FIELD_TEXTS[clue.field],), False
    return None


def is_header_clue(clue: Clue) -> bool:
    """A clue on the header's traits alone (logger, level, context field): its cover is on most lines."""
    return clue.message is None


@cache
def covers() -> tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]:
    """The clues' cover texts: plain case-sensitive, caseless, header clues' (exact); the clues without one."""
    exact: set[str] = set()
    caseless: set[str] = set()
    header: set[str] = set()
    uncovered: list[str] = []
    for clue in clues():
        found = clue_cover(clue)
        if found is None:
            uncovered.append(clue.id)
            continue
        (header if is_header_clue(clue) else caseless if found[1] else exact).update(found[0])
    return frozenset(exact), frozenset(caseless), frozenset(header), tuple(uncovered)


class ClueTerms(WindowedTerms):
    """Terms whose `windowed` texts are the header clues' covers, passed by `line_test` (module docstring)."""

    def line_test(self, path: str) -> Callable[[int, bytes], bool]:
        """A fresh test per file: pass a line while the header clue it shows is new to the file."""
        return _FirstShown(tuple(c for c in clues() if is_header_clue(c)))


def clue_terms() -> Terms:
    """The terms of a read for the clues alone (the selective and the targeted read's extra pass)."""
    exact, caseless, header, _ = covers()
    return ClueTerms(exact, caseless, plain_only=True, windowed=header)


class FirstClueTerms(WindowedTerms):
    """Every clue's cover passed by the per-file line test: a file searches a clue's cover until it showed it.

    `timeline`'s first pass searches these beside the id (an evidence set):
    the message clues' covers are on thousands of records a clue already
    shown in the file (a compute's lifecycle lines), so each line holding a
    cover is read the quick way (`_line_record`, the header and the message
    as the oslo parser's quick path reads them) and passes only while it
    shows a clue still pending in its file; a line that cannot be read so
    passes, and the parse decides.  A shown clue's cover then leaves the
    search (`_FirstShown.still`).  `windowed_caseless`: the covers found in
    any letter case (the message clues').
    """

    windowed_caseless: frozenset[str]

    def line_test(self, path: str) -> Callable[[int, bytes], bool]:
        """A fresh test per file: pass a line while a clue it shows is new to the file."""
        return _FirstShown(tuple(c for c in clues() if clue_cover(c) is not None))


def first_clue_terms() -> WindowedTerms:
    """The clue set of `timeline`'s first pass (`FirstClueTerms`): inputs not plain oslo are read apart."""
    exact, caseless, header, _ = covers()
    terms = FirstClueTerms(plain_only=True, windowed=exact | header)
    terms.windowed_caseless = caseless
    return terms


#: the time of the stand-in record a header is tested as (clues never look at it)
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


class _FirstShown:
    """One file's line test: which header clues the file has shown already (state of one read).

    A line is read as a header only when it holds the cover of a clue still pending, and only those
    clues are tried on it; a scan that rebuilds its search leaves out the covers of the clues shown
    (`still`), else a line holding only those is passed over after a few substring tests.  The clues are
    handled by their index in the first `pending` (`_Traits`): a `Clue` is a frozen dataclass hashed
    field by field, and this test runs on every line holding a cover (15 k lines in `list`'s pass 1 on
    1 GiB: issue 13 P2).
    """

    def __init__(self, pending: tuple[Clue, ...]) -> None:
        self.pending = pending
        self._traits = _traits(pending)
        #: the indices of the pending clues (in `_traits`)
        self._left: tuple[int, ...] = tuple(range(len(pending)))
        #: per cover text of a pending clue (bytes, lower-cased when caseless): the indices of the clues it covers
        self._covers = _by_text(pending, self._left)
        #: the first covers: their hyperscan database serves every covers list left (`_cover_scan`)
        self._first = self._covers or []
        #: a message clue is pending: lines are read with their message (`_header_record(message=True)`)
        self.messages = any(c.message is not None for c in pending)
        #: the pending clues' cover texts (None: a clue without one): a scan may stop searching the others
        self.still = _texts(pending)

    def __call__(self, _lineno: int, raw: bytes) -> bool:
        covers = self._covers
        traits = self._traits
        if covers is None:  # a pending clue without a cover: every line may show it
            candidates = set(self._left)
        elif (scan := _cover_scan(covers, self._first)) is not None:
            candidates = scan.covered(raw)
        else:
            lowered = raw.lower() if traits.caseless else raw
            candidates = set()
            for cover, caseless, covered in covers:
                if cover in (lowered if caseless else raw):
                    candidates.update(covered)
        if not candidates:
            return False
        if RECORD_START.match(raw) is not None and raw[:1].isdigit():
            # a header line holds its record's logger: a clue on a logger not in it cannot match the record
            loggers = traits.loggers
            candidates = {i for i in candidates if (logger := loggers[i]) is None or logger in raw}
            if not candidates:
                return False
        weak = traits.weak
        if all(weak[i] is not None for i in candidates):  # message clues only: can their wording be in the line?
            text = decode_line(raw)
            if not any(w.search(text) for i in candidates if (w := weak[i]) is not None):
                return False
        record = _header_record(raw, self.messages)
        if record is None:
            return True  # not a header read the quick way: the parse decides
        clues = traits.clues
        shown = {i for i in candidates if clues[i].matches(record)}
        if shown:
            self._left = tuple(i for i in self._left if i not in shown)
            self.pending = tuple(clues[i] for i in self._left)
            self._covers = _by_text(self.pending, self._left)
            self.still = _texts(self.pending)
        return bool(shown)


class _Traits:
    """What `_FirstShown` asks of each clue of a tuple, by index: its logger's bytes, its weakened message regex."""

    __slots__ = ("caseless", "clues", "loggers", "weak")

    def __init__(self, clues: tuple[Clue, ...]) -> None:
        self.clues = clues
        self.loggers = tuple(None if c.logger is None else c.logger.encode() for c in clues)
        weak = _weak()
        self.weak = tuple(weak.get(c) for c in clues)
        #: a clue's cover is searched in any letter case (the line is lower-cased for it)
        self.caseless = any((found := clue_cover(c)) is not None and found[1] for c in clues)


@cache
def _traits(clues: tuple[Clue, ...]) -> _Traits:
    return _Traits(clues)


#: what makes a match in a part of a line (the message) no match in the whole line
_EDGE = re.compile(r"\^|\$|\\[bBAZ]|\(\?<?[=!]")


def _weakened(clue: Clue) -> re.Pattern[str] | None:
    """The clue's message regex without its leading `^` and trailing `$`: a necessary condition on the whole
    line (the message is part of it), or None when the regex holds another anchor, a word boundary or a
    lookaround (a match in the message could then be none in the line)."""
    if clue.message is None:
        return None
    pattern = clue.message.pattern
    pattern = pattern[1:] if pattern.startswith("^") else pattern
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    if _EDGE.search(pattern):
        return None
    return re.compile(pattern, clue.message.flags)


@cache
def _weak() -> dict[Clue, re.Pattern[str]]:
    """The message clues whose weakened regex can rule a line out before its header is read (`_FirstShown`)."""
    return {c: w for c in clues() if (w := _weakened(c)) is not None}


#: cover texts (bytes, lower-cased when caseless), whether caseless, the clues (indices) each covers
Covers = list[tuple[bytes, bool, tuple[int, ...]]]


@cache
def _by_text(pending: tuple[Clue, ...], indices: tuple[int, ...]) -> Covers | None:
    """Each cover text of the pending clues (lower-cased when caseless) with the indices (`_Traits`) of the clues
    it covers; None when a pending clue has no cover.  Cached: every file starts with the same clues."""
    out: dict[tuple[bytes, bool], list[int]] = {}
    for clue, i in zip(pending, indices, strict=True):
        found = clue_cover(clue)
        if found is None:
            return None
        for t in found[0]:
            out.setdefault((t.lower().encode() if found[1] else t.encode(), found[1]), []).append(i)
    return [(text, caseless, tuple(ids)) for (text, caseless), ids in sorted(out.items())]


class _CoverScan:
    """The clues whose covers a line holds, in one hyperscan search (`_FirstShown` tests ~15 k lines of pass 1 on
    1 GiB, and a substring test per cover of ~20 was most of its time).

    One database holds the covers of a file's first pending clues (compiled once per process: ~2 ms each); as
    clues are shown, the covers left map its match ids to the clues they still cover (`None`: a shown clue's).
    """

    __slots__ = ("_covered", "_db")

    def __init__(self, db: Any, covered: list[tuple[int, ...] | None]) -> None:
        self._db, self._covered = db, covered

    def covered(self, raw: bytes) -> set[int]:
        """The indices of the clues a cover found in the line covers (the substring tests' answer)."""
        out: set[int] = set()
        covered = self._covered

        def on_match(ident: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
            found = covered[ident]
            if found is not None:
                out.update(found)

        self._db.scan(raw, match_event_handler=on_match)
        return out


#: a `_by_text` list -> its database; a list of covers left (and its first list) -> its scan (lists are cached)
_DATABASES: dict[int, tuple[Covers, Any]] = {}
_SCANS: dict[tuple[int, int, str], tuple[Covers, Covers, _CoverScan | None]] = {}


def _database(covers: Covers) -> Any:
    """A hyperscan database of the covers (a caseless cover is lower-cased and its line too, ASCII only, as
    `bytes.lower` does: hyperscan's caseless flag is that match)."""
    held = _DATABASES.get(id(covers))
    if held is None or held[0] is not covers:
        held = _DATABASES[id(covers)] = (covers, literal_database([text for text, _, _ in covers],
                                                                   [caseless for _, caseless, _ in covers]))
    return held[1]


def _cover_scan(covers: Covers, first: Covers) -> _CoverScan | None:
    """The `_CoverScan` of the covers left, searched with the database of `first` (the file's first covers); None
    without hyperscan."""
    engine = engine_name()
    key = (id(covers), id(first), engine)
    held = _SCANS.get(key)
    if held is None or held[0] is not covers or held[1] is not first:
        held = _SCANS[key] = (covers, first, _scan_of(covers, first) if engine == "hyperscan" and covers else None)
    return held[2]


def _scan_of(covers: Covers, first: Covers) -> _CoverScan:
    at = {(text, caseless): i for i, (text, caseless, _) in enumerate(first)}
    covered: list[tuple[int, ...] | None] = [None] * len(first)
    for text, caseless, clues_ in covers:
        i = at.get((text, caseless))
        if i is None:  # not one of the first covers: a database of its own
            return _CoverScan(_database(covers), [c for _, _, c in covers])
        covered[i] = clues_
    return _CoverScan(_database(first), covered)


@cache
def _texts(pending: tuple[Clue, ...]) -> frozenset[str] | None:
    """The cover texts of the pending clues (None when one has no cover: every line may show it)."""
    texts: set[str] = set()
    for clue in pending:
        found = clue_cover(clue)
        if found is None:
            return None
        texts.update(found[0])
    return frozenset(texts)


def _header_record(raw: bytes, message: bool = False) -> Event | None:
    """The header's traits as the oslo parser's quick path reads them (None: it would not take the line).

    `message`: with the message as the parser reads it too (the text after
    the context block, the `[instance: …]` prefix and a DEBUG line's
    `func path:line` suffix cut off); a line with an unclosed bracket may
    be a cut header the parser joins with the next line: None (the parse decides).
    """
    if RECORD_START.match(raw) is None or not raw[:1].isdigit():
        return None  # a continuation line, or a prefix (syslog, journal, colour) that may carry a host
    text = decode_line(raw) if message else raw.decode("utf-8", "replace")
    if message and text.count("[") > text.count("]"):
        return None
    m = _FAST_HEADER.match(text)
    if m is None:
        return None
    level, logger, block = m.group("level"), m.group("logger"), m.group("ctx")
    level = LEVEL_ALIASES.get(level, level)
    if level == "TRACE" or ("req-" not in block and not _is_context(block)):
        return None
    after = ""
    if message:
        after = m.group("after")
        if after.startswith("[instance: "):
            im = _INSTANCE.match(after)
            if im:
                after = after[im.end():]
        if level == "DEBUG" and (after.endswith(("}}", ")")) or ".py:" in after[-200:]):
            after = _strip_debug_suffix(after)[0]
    request_id, global_id, user, project = parse_request_block(block)
    return Event(_NO_TIME, "", after, level=level, logger=logger, request_id=request_id,
                 global_request_id=global_id, user=user, project=project)


def noting(hits: ClueHits, keep: Callable[[Event], bool] | None = None) -> Callable[[Event], bool]:
    """A read's predicate that notes each record's clues, then keeps what `keep` keeps (None: nothing)."""
    if keep is None:
        def note(e: Event) -> bool:
            hits.note(e)
            return False
        return note

    def note_and_keep(e: Event) -> bool:
        hits.note(e)
        return keep(e)
    return note_and_keep


def by_host(hits: ClueHits, stats: tuple[FileStats, ...]) -> dict[str, frozenset[str]]:
    """The clue ids per host once every input's host is settled (`pipeline._hosts`)."""
    return hits.by_host({s.path: s.host for s in stats if s.host})
