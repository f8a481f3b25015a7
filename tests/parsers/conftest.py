"""Shared helpers for parser tests (journal_* fixtures belong to the journald parser tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, tzinfo

import pytest

from migtrace.model import FileStats
from migtrace.parsers._base import Line, ParseContext


@pytest.fixture
def journal_ctx() -> Callable[..., ParseContext]:
    """Return a factory of ParseContexts with fresh stats, as the sources layer would build them."""

    def make(path: str = "journal.txt", *, tz: tzinfo = UTC, year: int | None = None,
             host: str | None = None, service: str | None = None, strict: bool = False,
             warnings: list[str] | None = None) -> ParseContext:
        sink = warnings if warnings is not None else []
        return ParseContext(path=path, stats=FileStats(path=path), tz=tz, host=host,
                            service=service, year=year, strict=strict, warn=sink.append)

    return make


@pytest.fixture
def journal_numbered() -> Callable[[Iterable[str]], list[Line]]:
    """Return a function numbering lines from 1, the way the sources layer feeds parsers."""

    def number(lines: Iterable[str]) -> list[Line]:
        return list(enumerate(lines, start=1))

    return number


def _export_entry(fields: Mapping[str, str | bytes]) -> bytes:
    """Serialise one entry in `journalctl -o export` form; bytes values become binary fields."""
    out = bytearray()
    for key, value in fields.items():
        if isinstance(value, bytes):
            out += key.encode() + b"\n" + len(value).to_bytes(8, "little") + value + b"\n"
        else:
            out += f"{key}={value}\n".encode()
    return bytes(out) + b"\n"


@pytest.fixture
def journal_export() -> Callable[[Iterable[Mapping[str, str | bytes]]], bytes]:
    """Return a function that serialises entries as `journalctl -o export` bytes."""

    def export(entries: Iterable[Mapping[str, str | bytes]]) -> bytes:
        return b"".join(_export_entry(entry) for entry in entries)

    return export
