"""What every parser module shares: the protocol, the parse context, sample lines.

A parser turns the lines (or bytes) of one input into `Event`s, streaming,
and accounts for every line in `ctx.stats`: a line is part of a record (its
first line or a continuation), a meta line (banner, separator), or unparsed.
Parsers never decide the host or time zone of a file on their own: the
sources layer puts what it knows into the context and the parser only
overrides it with what the record itself says (journald `_HOSTNAME`, a syslog
host field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import BinaryIO, Protocol, runtime_checkable

from migtrace.errors import ParseError
from migtrace.model import Event, FileStats

#: One physical input line: (1-based line number, text without the line end).
Line = tuple[int, str]

#: How many unparsed lines are kept as examples per file for --stats and errors.
MAX_UNPARSED_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Sample:
    """A line a parser must read, the variant that must match it and the fields it yields."""

    line: str
    variant: str
    fields: Mapping[str, object]


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
    #: ids to look for in a targeted query; parsers may use it to skip work
    terms: frozenset[str] = frozenset()
    warn: Callable[[str], None] = field(default=lambda msg: None)

    def unparsed(self, lineno: int, text: str, reason: str = "unrecognised line") -> None:
        """Count a line no record could take; raise under --strict."""
        self.stats.unparsed_lines += 1
        if len(self.stats.unparsed_examples) < MAX_UNPARSED_EXAMPLES:
            self.stats.unparsed_examples.append((lineno, text[:200]))
        if self.strict:
            raise ParseError(self.path, lineno, f"{reason}: {text[:120]!r}")


@runtime_checkable
class Parser(Protocol):
    """The shape of every parser module's `PARSER` object."""

    name: str
    #: variant name -> compiled regex with named groups
    patterns: Mapping[str, re.Pattern[str]]
    samples: Sequence[Sample]
    #: True when the parser reads raw bytes (`parse_binary`) instead of lines
    binary: bool

    def sniff(self, head: Sequence[str]) -> float:
        """Return how sure (0..1) the parser is that these first lines are its format."""
        ...

    def parse(self, lines: Iterable[Line], ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record, accounting every line in ctx.stats."""
        ...


class BinaryParser(Parser, Protocol):
    """A parser for a format that cannot be split into text lines (journal export/binary)."""

    def parse_binary(self, stream: BinaryIO, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record read from the raw stream."""
        ...


def share_matching(head: Sequence[str], pattern: re.Pattern[str]) -> float:
    """Return the share of non-blank head lines that `pattern` matches at their start."""
    lines = [line for line in head if line.strip()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if pattern.match(line)) / len(lines)
