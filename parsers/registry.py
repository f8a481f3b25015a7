"""Which parsers exist, and which one an input's first lines call for.

Formats are chosen by sniffing content, never by file extension alone: a
`.log` may hold journalctl output and a `.txt` an oslo.log file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from migtrace.model import Event
from migtrace.parsers._base import ParseContext, Parser

#: text parsers in tie-break order (earlier wins on equal scores)
TEXT_PARSER_MODULES: tuple[str, ...] = (
    "migtrace.parsers.journal_json",
    "migtrace.parsers.journal_text",
    "migtrace.parsers.oslo",
)
BINARY_PARSER_MODULES: tuple[str, ...] = ("migtrace.parsers.journal_export",)

#: below this sniff score a file is "format not recognised"
MIN_SCORE = 0.2


def _load(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


@lru_cache(maxsize=1)
def text_parsers() -> tuple[Parser, ...]:
    """Return every available line-oriented parser."""
    mods = (_load(m) for m in TEXT_PARSER_MODULES)
    return tuple(m.PARSER for m in mods if m is not None and hasattr(m, "PARSER"))


@lru_cache(maxsize=1)
def binary_parsers() -> tuple[Any, ...]:
    """Return every available parser of byte-oriented formats."""
    mods = (_load(m) for m in BINARY_PARSER_MODULES)
    return tuple(m.PARSER for m in mods if m is not None and hasattr(m, "PARSER"))


def all_parsers() -> tuple[Any, ...]:
    """Return every parser, text and binary (for sample checks and docs)."""
    return text_parsers() + binary_parsers()


def sniff_text(head: Sequence[str]) -> Parser | None:
    """Return the text parser whose format the head lines show best, or None."""
    best: tuple[float, Parser | None] = (0.0, None)
    for parser in text_parsers():
        score = parser.sniff(head)
        if score > best[0]:
            best = (score, parser)
    return best[1] if best[0] >= MIN_SCORE else None


def binary_sniff(head: bytes) -> Any | None:
    """Return the byte-oriented parser (journal export) that recognises this head, or None."""
    for parser in binary_parsers():
        sniff = getattr(parser, "sniff_bytes", None)
        if sniff is not None and sniff(head):
            return parser
    return None


def binary_journal_reader() -> Callable[[str, ParseContext], Iterator[Event]] | None:
    """Return the reader for binary journal files (systemd-python), if it can be imported."""
    mod = _load("migtrace.parsers.journal_binary")
    return getattr(mod, "read_journal_path", None) if mod is not None else None
