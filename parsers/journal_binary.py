"""Binary journal files, journal directories and the local journal, read through systemd-python.

The sources layer recognises a journal file by its magic `LPKSHHRH` and calls
`read_journal_path`; with no paths at all it calls `read_local_journal` for
devstack's and the distributions' nova units.  sd-journal interleaves the
entries of all files by time, so a directory reads as one stream.

Accounting: one entry is one "line" (lineno = position in the stream).  A
journal that is corrupt part-way stops the read with an error noted in
ctx.stats.errors; a journal that cannot be opened at all is one warning and
an error in the stats (a SourceError under --strict), like any unreadable input.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from migtrace.errors import SourceError
from migtrace.model import Event
from migtrace.parsers._base import Line, ParseContext, Sample
from migtrace.parsers._journal_common import JournalEntry, entry_from_fields, fold_entries

#: The first 8 bytes of every journal file.
MAGIC = b"LPKSHHRH"
#: The local journal's units read when migtrace is given no paths.
DEFAULT_UNITS: tuple[str, ...] = ("devstack@n-*", "nova-*")

#: No text variants: a binary journal has no lines to match.
patterns: dict[str, re.Pattern[str]] = {}


def _identity(value: object) -> object:
    """Keep a field as systemd-python delivers it (µs int for __REALTIME_TIMESTAMP)."""
    return value


#: systemd-python would turn __REALTIME_TIMESTAMP into a local-zone datetime;
#: the exact µs integer is what every journal format here works from.
_CONVERTERS = {"__REALTIME_TIMESTAMP": _identity}


def _open_reader(path: str | None) -> Any:
    """Open an sd-journal reader on a file, a directory, or (None) the local journal."""
    from systemd import journal  # imported late: only binary journals need the C extension

    if path is None:
        return journal.Reader(converters=_CONVERTERS)
    if os.path.isdir(path):
        return journal.Reader(path=path, converters=_CONVERTERS)
    return journal.Reader(files=[path], converters=_CONVERTERS)


def _read(reader: Any, ctx: ParseContext) -> Iterator[JournalEntry]:
    """Yield the reader's entries, accounting one line per entry; stop at corruption."""
    stats = ctx.stats
    lineno = 0
    while True:
        try:
            fields: Mapping[str, object] = reader.get_next()
        except OSError as exc:
            stats.errors.append(f"{ctx.path}: journal read stopped after entry {lineno}: {exc}")
            ctx.warn(stats.errors[-1])
            return
        if not fields:
            return
        lineno += 1
        stats.lines_read += 1
        try:
            entry = entry_from_fields(fields, lineno, 1)
        except (OverflowError, ValueError):
            entry = None
        if entry is None:
            ctx.unparsed(lineno, str(fields.get("MESSAGE", ""))[:200], "journal entry without a time")
            continue
        yield entry


def _events(reader: Any, ctx: ParseContext, fmt: str) -> Iterator[Event]:
    """Fold the reader's entries into Events and close it when done (or abandoned)."""
    try:
        yield from fold_entries(_read(reader, ctx), ctx, fmt)
    finally:
        reader.close()


def _cannot_open(ctx: ParseContext, what: str, exc: Exception) -> Iterator[Event]:
    """Note an unreadable journal like any unreadable input: one warning, no events."""
    reason = f"cannot open {what}: {exc}"
    ctx.stats.errors.append(reason)
    ctx.warn(f"{ctx.path}: {reason}")
    if ctx.strict:
        raise SourceError(ctx.path, reason) from exc
    return iter(())


def read_journal_path(path: str, ctx: ParseContext) -> Iterator[Event]:
    """Yield the Events of a binary journal file or a directory of journal files."""
    try:
        reader = _open_reader(path)
    except (OSError, ValueError) as exc:
        return _cannot_open(ctx, "journal", exc)
    return _events(reader, ctx, PARSER.name)


def read_local_journal(ctx: ParseContext, units: Iterable[str] = DEFAULT_UNITS) -> Iterator[Event]:
    """Yield the Events of the local journal's units matching the glob patterns in `units`."""
    try:
        reader = _open_reader(None)
        present = reader.query_unique("_SYSTEMD_UNIT")
    except (OSError, ValueError) as exc:
        return _cannot_open(ctx, "the local journal", exc)
    wanted = sorted(name for name in (str(u) for u in present)
                    if any(fnmatch.fnmatchcase(name, pattern) for pattern in units))
    if not wanted:
        reader.close()
        return iter(())
    for name in wanted:  # several matches on one field are ORed by sd-journal
        reader.add_match(_SYSTEMD_UNIT=name)
    return _events(reader, ctx, PARSER.name)


class JournalBinaryParser:
    """Parser for binary journal files handed over as a byte stream."""

    name = "journal-binary"
    binary = True
    patterns = patterns
    samples: tuple[Sample, ...] = ()

    def sniff(self, head: Iterable[str]) -> float:
        """Recognise the journal magic at the start of the first line."""
        for line in head:
            return 1.0 if line.startswith(MAGIC.decode("ascii")) else 0.0
        return 0.0

    def parse(self, lines: Iterable[Line], ctx: ParseContext) -> Iterator[Event]:
        """Refuse text: a binary journal decoded to lines is garbage; account it as unparsed."""
        for lineno, text in lines:
            ctx.stats.lines_read += 1
            ctx.unparsed(lineno, text, "binary journal read as text")
        yield from ()

    def parse_binary(self, stream: BinaryIO, ctx: ParseContext) -> Iterator[Event]:
        """Read a journal from a stream: by its path when it has one, else via a temporary copy."""
        name = getattr(stream, "name", None)
        if isinstance(name, str) and os.path.isfile(name):
            return read_journal_path(name, ctx)
        return self._from_copy(stream, ctx)

    def _from_copy(self, stream: BinaryIO, ctx: ParseContext) -> Iterator[Event]:
        # sd-journal only reads files, so a decompressed stream is copied out first
        with tempfile.TemporaryDirectory(prefix="migtrace-journal-") as tmp:
            copy = os.path.join(tmp, "stream.journal")
            with open(copy, "wb") as out:
                shutil.copyfileobj(stream, out)
            yield from read_journal_path(copy, ctx)


PARSER = JournalBinaryParser()

__all__ = ["DEFAULT_UNITS", "MAGIC", "PARSER", "JournalBinaryParser", "read_journal_path",
           "read_local_journal"]
