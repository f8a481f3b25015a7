"""What every parser module shares: the one parser protocol, the input it reads, sample lines.

A parser turns one input into `Event`s, streaming, and accounts for every
line in `ctx.stats`: a line is part of a record (its first line or a
continuation), a meta line (banner, separator), or unparsed.  Every format —
oslo.log text, journalctl text/JSON/export, binary journal files, the local
journal — implements the same `Parser` protocol, so the sources layer never
asks what kind of parser it holds: it offers an `InputData` and the parser
takes from it what its format needs (decoded lines, the raw byte stream, or
a file on disk for sd-journal).

Parsers never decide the host or time zone of a file on their own: the
sources layer puts what it knows into the context and the parser only
overrides it with what the record itself says (journald `_HOSTNAME`, a syslog
host field) — never a host the user gave (`ParseContext.record_host`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import BinaryIO, Protocol, runtime_checkable

from migtrace.errors import ParseError
from migtrace.model import Event, FileStats

#: One physical input line: (1-based line number, text without the line end).
Line = tuple[int, str]

#: Consecutive input lines read at once (`InputData.blocks`): the number of the first, the lines (each as
#: `lines()` gives it), and `clean`: True when the sources layer has checked that no line of the block holds
#: a terminal-escape remnant (ESC, `#033`, `^[`, `;3`, `[0`) or is a `==> file <==` header, so a parser may
#: skip those per-line tests.
LineBlock = tuple[int, list[str], bool]

#: How many unparsed lines are kept as examples per file for --stats and errors.
MAX_UNPARSED_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Sample:
    """A line a parser must read, the variant that must match it and the fields it yields."""

    line: str
    variant: str
    fields: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Head:
    """What a parser sniffs: the input's name and its first bytes, raw and as peeled text lines."""

    path: str
    data: bytes
    lines: tuple[str, ...]


@dataclass(slots=True)
class ParseContext:
    """What the sources layer knows about one input, plus its line accounting."""

    path: str
    stats: FileStats
    tz: tzinfo
    host: str | None = None
    service: str | None = None
    year: int | None = None
    strict: bool = False
    #: where `host` came from: "user" (--host-alias), "path" (a layout, an archive), or None (unknown)
    host_from: str | None = None
    #: ids of a targeted query: only records whose raw text holds one of them are parsed
    terms: frozenset[str] = frozenset()
    warn: Callable[[str], None] = field(default=lambda msg: None)
    #: the input's format was not recognised: it is read line by line for records of any known shape
    #: (nothing folds into a record as a continuation: such an input is no log file)
    per_line: bool = False

    def record_host(self, revealed: str | None) -> str | None:
        """The host of a record whose line or wrapper names `revealed` (syslog HOSTNAME, a label, `_HOSTNAME`).

        The user's word wins over what a record says, which wins over what the
        path says: user > record > path.
        """
        if self.host_from == "user" or not revealed:
            return self.host
        return revealed

    def timeless(self, lineno: int, text: str) -> None:
        """Count a record that names no wall-clock time: its line is a record line, but it gives no Event.

        A bare `dmesg` line counts seconds since boot; a header a paste cut
        has no stamp.  Guessing a time would print a wrong value, so such a
        record is counted apart (`FileStats.timeless_records`, shown by
        `merge --stats` and the JSON stats with examples), never placed.
        """
        self.stats.timeless_records += 1
        self.stats.record_lines += 1
        if len(self.stats.timeless_examples) < MAX_UNPARSED_EXAMPLES:
            self.stats.timeless_examples.append((lineno, text[:200]))

    def unparsed(self, lineno: int, text: str, reason: str = "unrecognised line") -> None:
        """Count a line no record could take; raise under --strict."""
        self.stats.unparsed_lines += 1
        if len(self.stats.unparsed_examples) < MAX_UNPARSED_EXAMPLES:
            self.stats.unparsed_examples.append((lineno, text[:200]))
        if self.strict:
            raise ParseError(self.path, lineno, f"{reason}: {text[:120]!r}")


class InputData(Protocol):
    """One input as a parser may read it; the sources layer provides it, already decompressed.

    A parser uses exactly one of the three views: text formats read
    `lines()` (decoded, paste decorations peeled, prefiltered for the
    context's terms), byte formats read `stream()`, and sd-journal, which only
    opens files, reads `local_file()`.
    """

    @property
    def head(self) -> Head:
        """The first bytes and lines, as the parser was chosen on."""
        ...

    def lines(self) -> Iterator[Line]:
        """Yield every line of the input, numbered from 1."""
        ...

    def blocks(self) -> Iterator[LineBlock] | None:
        """The same lines as `lines()` in blocks of consecutive lines, when the input's lines are plain text as
        written (no decorations, wrapping, quoting, document, CR-only ends, or term prefilter); else None.

        A `==> file <==` header inside a block is left to the parser (`wrappers.tail_header`), unlike
        `lines()`, which has already made it a meta line.
        """
        ...

    def stream(self) -> BinaryIO:
        """Return the decompressed bytes from the start."""
        ...

    def local_file(self) -> AbstractContextManager[str | None]:
        """Yield a path holding the decompressed bytes (a temporary copy when needed), or None."""
        ...


@runtime_checkable
class Parser(Protocol):
    """The shape of every parser module's `PARSER` object (start from `_template.py`)."""

    @property
    def name(self) -> str:
        """The format's name, as `merge --stats` shows it."""
        ...

    @property
    def patterns(self) -> Mapping[str, re.Pattern[str]]:
        """Variant name -> compiled regex with named groups (empty for formats without lines)."""
        ...

    @property
    def samples(self) -> Sequence[Sample]:
        """Lines the parser must read, with the fields they yield (checked like lnav's samples)."""
        ...

    def sniff(self, head: Head) -> float:
        """Return how sure (0..1) the parser is that this input is in its format."""
        ...

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record, accounting every line in ctx.stats."""
        ...


def share_matching(lines: Sequence[str], pattern: re.Pattern[str]) -> float:
    """Return the share of non-blank lines that `pattern` matches at their start."""
    filled = [line for line in lines if line.strip()]
    if not filled:
        return 0.0
    return sum(1 for line in filled if pattern.match(line)) / len(filled)
