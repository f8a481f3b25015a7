"""Binary journal files and directories, read through systemd-python or journalctl.

A journal file is recognised by its magic `LPKSHHRH`, compressed or not;
sd-journal only opens files, so the parser asks its input for a file on disk
(a temporary copy of a `.journal.gz`).  `read_local_journal` serves the
`journal_local` parser.  sd-journal interleaves the entries of all files by
time, so a directory reads as one stream.  systemd-python is optional (the
`migtrace[journal]` extra): without it journals are read through
`journalctl -o export` (`_journalctl`), and without journalctl either a
journal is one warning saying what to install.

Accounting: one entry is one "line" (lineno = position in the stream); read
through journalctl, the export format's accounting applies.  A journal that
is corrupt part-way stops the read with an error noted in ctx.stats.errors;
a journal that cannot be opened at all is one warning and an error in the
stats (a SourceError under --strict), like any unreadable input.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

from migtrace.errors import SourceError
from migtrace.model import Event
from migtrace.parsers import _journalctl
from migtrace.parsers._base import Head, InputData, ParseContext, Sample
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


#: What to tell a user whose Python has neither systemd-python nor journalctl.
INSTALL_HINT = ("reading binary journals needs systemd-python (pip install 'migtrace[journal]') "
                "or journalctl on PATH")
#: Where journald keeps its files: without them there is no local journal to miss.
JOURNAL_DIRS: tuple[str, ...] = ("/var/log/journal", "/run/log/journal")


def _sd_journal() -> ModuleType | None:
    """Import systemd-python's journal module, or None without it: migtrace's one optional import."""
    try:
        from systemd import journal  # noqa: PLC0415 - optional C extension, only for binary journals
    except ImportError:
        return None  # the callers read through journalctl instead, or say what to install
    module: ModuleType = journal
    return module


def _open_reader(journal: ModuleType, path: str | None) -> Any:
    """Open an sd-journal reader on a file, a directory, or (None) the local journal."""
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
    reason = exc.reason if isinstance(exc, SourceError) else f"cannot open {what}: {exc}"
    ctx.stats.errors.append(reason)
    ctx.warn(f"{ctx.path}: {reason}")
    if ctx.strict:
        raise SourceError(ctx.path, reason) from exc
    return iter(())


def read_journal_path(path: str, ctx: ParseContext) -> Iterator[Event]:
    """Yield the Events of a binary journal file or a directory of journal files."""
    journal = _sd_journal()
    if journal is None:
        if _journalctl.available() is None:
            return _cannot_open(ctx, "journal", SourceError(path, INSTALL_HINT))
        return _journalctl.export_events(["-D", path] if os.path.isdir(path) else [f"--file={path}"], ctx,
                                         PARSER.name)
    try:
        reader = _open_reader(journal, path)
    except (OSError, ValueError) as exc:
        return _cannot_open(ctx, "journal", exc)
    return _events(reader, ctx, PARSER.name)


def _local_via_journalctl(ctx: ParseContext, units: Iterable[str]) -> Iterator[Event]:
    """Read the local journal's units through journalctl (systemd-python is not installed)."""
    if _journalctl.available() is None:
        if not any(os.path.isdir(d) for d in JOURNAL_DIRS):
            return iter(())  # no journald here (macOS, Windows, a container): nothing is missed
        return _cannot_open(ctx, "the local journal", SourceError(ctx.path, INSTALL_HINT))
    try:
        wanted = _journalctl.unit_names(ctx, units)
    except (OSError, subprocess.SubprocessError, SourceError) as exc:
        return _cannot_open(ctx, "the local journal", exc)
    if not wanted:
        return iter(())
    # several matches on one field are ORed by journalctl, as by sd-journal
    return _journalctl.export_events([f"_SYSTEMD_UNIT={name}" for name in wanted], ctx, PARSER.name)


def read_local_journal(ctx: ParseContext, units: Iterable[str] = DEFAULT_UNITS) -> Iterator[Event]:
    """Yield the Events of the local journal's units matching the glob patterns in `units`."""
    journal = _sd_journal()
    if journal is None:
        return _local_via_journalctl(ctx, units)
    try:
        reader = _open_reader(journal, None)
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
    """Parser for binary journal files (plain or compressed)."""

    name = "journal-binary"
    patterns = patterns
    samples: tuple[Sample, ...] = ()

    def sniff(self, head: Head) -> float:
        """Recognise the journal file magic."""
        return 1.0 if head.data.startswith(MAGIC) else 0.0

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Read the journal from a file on disk (the input itself, or its decompressed copy)."""
        with data.local_file() as path:
            if path is None:
                ctx.stats.errors.append("a binary journal needs a file on disk")
                ctx.warn(f"{ctx.path}: {ctx.stats.errors[-1]}")
                return
            yield from read_journal_path(path, ctx)


PARSER = JournalBinaryParser()

__all__ = ["DEFAULT_UNITS", "INSTALL_HINT", "MAGIC", "PARSER", "JournalBinaryParser", "read_journal_path",
           "read_local_journal"]
