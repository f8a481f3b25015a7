"""Which parsers exist, and which one an input calls for.

Formats are chosen by sniffing content, never by file extension alone: a
`.log` may hold journalctl output and a `.txt` an oslo.log file.  Every
parser is imported plainly: a broken parser module is a broken install and
must fail loudly, not vanish from the list.
"""

from __future__ import annotations

from migtrace.parsers import (
    journal_binary,
    journal_export,
    journal_json,
    journal_local,
    journal_text,
    libvirt,
    oslo,
)
from migtrace.parsers._base import Head, Parser

__all__ = ["MIN_SCORE", "PARSERS", "PER_LINE", "PER_LINE_FMT", "Parser", "all_parsers", "sniff"]

#: every parser, in tie-break order (earlier wins on equal scores)
PARSERS: tuple[Parser, ...] = (
    journal_local.PARSER,
    journal_binary.PARSER,
    journal_export.PARSER,
    journal_json.PARSER,
    journal_text.PARSER,
    oslo.PARSER,
    libvirt.PARSER,
)

#: below this sniff score an input is "format not recognised"
MIN_SCORE = 0.2

#: what reads an input of no recognised format, line by line (`ParseContext.per_line`): the oslo folder
#: knows every one-line record shape (oslo headers, libvirt, syslog-wrapped, kernel, data/record_formats.yaml)
PER_LINE: Parser = oslo.PARSER
#: the format name of such an input when records were found in it (`merge --stats`)
PER_LINE_FMT = "lines"


def all_parsers() -> tuple[Parser, ...]:
    """Return every parser (for sample checks and docs)."""
    return PARSERS


def sniff(head: Head) -> Parser | None:
    """Return the parser whose format the head shows best, or None below MIN_SCORE."""
    best: tuple[float, Parser | None] = (0.0, None)
    for parser in PARSERS:
        score = parser.sniff(head)
        if score > best[0]:
            best = (score, parser)
    return best[1] if best[0] >= MIN_SCORE else None
