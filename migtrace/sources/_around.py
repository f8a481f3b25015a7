"""Re-read the raw lines around given line numbers of an input (for `timeline --context`)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._open import READ_ERRORS, bounded_lines, decode_line, decompressing, peek_magic


def read_lines_around(path: str, centres: Sequence[int], radius: int) -> dict[int, str]:
    """Return the raw lines within `radius` of each centre line of a file.

    Reads the file again (decompressing as needed) and keeps only the wanted
    lines; an input that cannot be re-read (stdin, a journal) gives nothing.
    """
    wanted = {n for c in centres for n in range(max(1, c - radius), c + radius + 1)}
    if not wanted or path in ("-", "<stdin>", LOCAL_JOURNAL) or not os.path.isfile(path):
        return {}
    from migtrace.parsers.journal_binary import MAGIC as JOURNAL_MAGIC  # noqa: PLC0415 - only with --context

    last = max(wanted)
    out: dict[int, str] = {}
    try:
        with open(path, "rb") as raw:
            magic = peek_magic(raw)
            if magic.startswith(JOURNAL_MAGIC):
                return {}
            for number, line in enumerate(bounded_lines(decompressing(raw, magic)), 1):
                if number in wanted:
                    out[number] = decode_line(line)
                if number >= last:
                    break
    except READ_ERRORS:
        return out
    return out
