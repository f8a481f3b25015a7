"""Tell logs from what travels with them, by content: files without a log-like name, known non-logs.

A sosreport keeps kubectl pod logs under names like `kubectl_logs_-n_openstack_…`;
a Zuul job's `job-output.txt` and a `dpkg -l` listing look like text logs by
name but are not.  Discovery reads the first bytes: a file any parser
recognises is read whatever its name, and a known non-log (data/nonlogs.yaml)
is listed as skipped instead of counted as unparsed lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.parsers._base import Head
from migtrace.parsers.opensearch import readable_head
from migtrace.sources._open import HEAD_BYTES, READ_ERRORS, decompressing, head_lines, open_raw, peek_magic

_SCHEMA: Mapping[str, Key] = {
    "name": Key(required=True), "source": Key(required=True), "head": Key(regex=True),
    "line": Key(regex=True), "min_lines": Key(kind=int), "samples": Key(kind=list, required=True),
}


#: what reading a damaged head raises (the reader reports it when the file is read)
_UNREADABLE: tuple[type[BaseException], ...] = (*READ_ERRORS, ValueError)


@dataclass(frozen=True, slots=True)
class NonLog:
    """One kind of file that is no log, and how its head shows it."""

    name: str
    head: re.Pattern[str] | None
    line: re.Pattern[str] | None
    min_lines: int


@lru_cache(maxsize=1)
def nonlogs() -> tuple[NonLog, ...]:
    """The shipped table of known non-logs."""
    text, where = read_text("nonlogs.yaml")
    return tuple(NonLog(e["name"], re.compile(e["head"], re.M) if e.get("head") else None,
                        re.compile(e["line"]) if e.get("line") else None, int(e.get("min_lines") or 1))
                 for e in entries(load_document(text, where), "nonlogs", _SCHEMA, where))


def known_nonlog(text: str) -> str | None:
    """Return the name of the non-log kind the text's head shows, or None."""
    filled = [ln for ln in text.split("\n")[:50] if ln.strip()]
    for kind in nonlogs():
        if kind.head is not None and kind.head.search(text):
            return kind.name
        first = filled[: max(kind.min_lines, min(len(filled), 20))]
        if kind.line is not None and len(filled) >= kind.min_lines and all(kind.line.match(ln) for ln in first):
            return kind.name
    return None


def read_head(path: str) -> bytes:
    """The first decompressed bytes of a file (empty when it cannot be read)."""
    try:
        with open_raw(path) as raw:
            stream = decompressing(raw, peek_magic(raw))
            return stream.read(HEAD_BYTES)
    except _UNREADABLE:
        return b""


def classify(path: str, named_like_log: bool) -> tuple[bool, str | None]:
    """Return (read it, why it is skipped): known non-logs are skipped; unnamed files must sniff as a log."""
    head = read_head(path)
    text = head.decode("utf-8", "replace")
    kind = known_nonlog(text)
    if kind is not None:
        return False, f"not a log ({kind})"
    if named_like_log:
        return True, None
    if not head.strip():
        return False, None
    from migtrace.parsers import registry  # noqa: PLC0415 - every parser: only for a file not named like a log

    found = registry.sniff(Head(path=path, data=head, lines=readable_head(head_lines(head))))
    return found is not None, None
