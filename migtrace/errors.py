"""Exceptions migtrace raises; only the CLI catches them and prints one line.

    MigtraceError
    ├── SourceError      an input cannot be opened or read (names the path)
    ├── ParseError       a line cannot be parsed under --strict (path and line)
    ├── QueryError       a signature / --where expression is malformed (line, column)
    ├── SignatureError   a signature file is invalid (file, signature, position)
    ├── DataError        a shipped data file (markers, causal pairs, masks) is invalid (file, entry)
    ├── RenderError      a report cannot be produced (e.g. a secret survived redaction)
    └── NotFoundError    the ID asked for matched nothing (exit code 1)
"""

from __future__ import annotations


class MigtraceError(Exception):
    """Base of every error migtrace reports to the user."""

    exit_code = 2


class SourceError(MigtraceError):
    """An input path cannot be opened, decompressed or decoded."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str, int | None]]:
        # rebuilt from its own arguments: a worker process's error reaches the main one intact
        return (type(self), (self.path, self.reason, self.line))


class ParseError(MigtraceError):
    """A line does not fit its detected format (raised only with --strict)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{path}:{line}: {reason}")

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int, str]]:
        # rebuilt from its own arguments: a worker process's error reaches the main one intact
        return (type(self), (self.path, self.line, self.reason))


class QueryError(MigtraceError):
    """A query expression is malformed or names an unknown field."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        self.line = line
        self.column = column
        super().__init__(f"line {line}, column {column}: {message}")


class SignatureError(MigtraceError):
    """A signature file cannot be loaded (names file, signature and position)."""


class DataError(MigtraceError):
    """A data file migtrace ships (or a test passes) breaks its schema; names the file and the entry."""


class RenderError(MigtraceError):
    """A report cannot be written, or redaction failed its re-scan."""


class NotFoundError(MigtraceError):
    """The ID asked for matched no migration or event."""

    exit_code = 1
