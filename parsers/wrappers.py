"""Peel what users wrap around log lines when they paste or collect them.

Tickets and pastes carry logs inside decorations: pastebin's `  12. `
numbering, `- ` list markers, gist table residue ` | |`, markdown escapes,
`######` prefixes, mail indentation, `grep` file-name prefixes and
`tail -f` `==> file <==` section headers.  A decoration is switched on when
most of the first lines show it, then peeled from every line that has it;
line numbers are kept so errors still point at the user's file.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from migtrace._naming import host_from_path, service_from_name
from migtrace.model import FileStats
from migtrace.parsers._base import Line, ParseContext
from migtrace.parsers._header import TIMESTAMP_START
from migtrace.parsers.transport import table as transport_table


@dataclass(frozen=True, slots=True)
class Decoration:
    """One kind of per-line wrapping: how to recognise it and what to keep (a `scope: file` table entry)."""

    name: str
    pattern: re.Pattern[str]
    #: share of non-blank head lines that must show it before it is peeled
    threshold: float = 0.6
    #: one of the lines showing it must be a dated record header once peeled (an indent, not a traceback's)
    needs_header: bool = False

    @property
    def names_file(self) -> bool:
        """True when the decoration reveals the file a line came from (then service and host follow it)."""
        return "file" in self.pattern.groupindex


@lru_cache(maxsize=1)
def decorations() -> tuple[Decoration, ...]:
    """The `scope: file` entries of data/transports.yaml, in their `peel` order (checked by their samples).

    Built on first use, not at import: the table costs ~9 ms to load, which a command that reads
    nothing (`--help`) should not pay.
    """
    found = [e for e in transport_table().entries if e.get("scope") == "file" and e["kind"] == "line"]
    found.sort(key=lambda e: (e.get("peel", 1 << 30), e["name"]))
    return tuple(Decoration(e["name"], re.compile(e["regex"]),
                            float(e.get("threshold", 0.6)), bool(e.get("needs_header", False)))
                 for e in found)


def __getattr__(name: str) -> tuple[Decoration, ...]:
    """`DECORATIONS`: the paste decorations, from the transports table (data, not code paths)."""
    if name == "DECORATIONS":
        return decorations()
    raise AttributeError(name)

_MARKDOWN_ESCAPE = re.compile(r"\\([\[\]_*`#<>()])")
_TAIL_HEADER = re.compile(r"^==> (?P<file>.+) <==$")


def detect(head: Sequence[str]) -> tuple[Decoration, ...]:
    """Return the decorations most head lines show, in peeling order."""
    lines = [h for h in head if h.strip() and not _TAIL_HEADER.match(h)]
    if not lines:
        return ()
    active: list[Decoration] = []
    current = lines
    for deco in decorations():
        hits = [deco.pattern.fullmatch(line) for line in current]
        share = sum(1 for h in hits if h) / len(current)
        if deco.needs_header and not any(h and TIMESTAMP_START.match(h.group("keep")) for h in hits):
            # indented traceback lines are not an indented paste: a record header must be indented too
            share = 0.0
        if share >= deco.threshold:
            active.append(deco)
            current = [h.group("keep") if h else line for h, line in zip(hits, current, strict=True)]
    return tuple(active)


def has_markdown_escapes(head: Sequence[str]) -> bool:
    """True when the text was pasted through markdown (`\\[-\\]`)."""
    return sum(1 for h in head if "\\[" in h or "\\]" in h) >= max(1, len(head) // 3)


def peel(lines: Iterable[Line], ctx: ParseContext, decorations: Sequence[Decoration],
         markdown: bool = False) -> Iterator[Line]:
    """Yield lines without their decorations; `==> file <==` headers become meta lines.

    A grep prefix or a tail header names the file the following lines came
    from, so the context's service (and host, if the path names one) follow it.
    """
    for lineno, text in lines:
        if text.startswith("==> ") and text.endswith(" <==") and tail_header(text, ctx):
            continue
        for deco in decorations:
            m = deco.pattern.fullmatch(text)
            if m:
                if deco.names_file:
                    _follow_file(ctx, m.group("file"))
                text = m.group("keep")
        if markdown and "\\" in text:
            text = _MARKDOWN_ESCAPE.sub(r"\1", text)
        yield lineno, text


def tail_header(text: str, ctx: ParseContext) -> bool:
    """Take a `==> file <==` header of `tail`/`head` (a meta line: it names the file the next lines came from)."""
    m = _TAIL_HEADER.match(text)
    if m is None:
        return False
    ctx.stats.lines_read += 1
    ctx.stats.meta_lines += 1
    _follow_file(ctx, m.group("file"))
    return True


def _follow_file(ctx: ParseContext, name: str) -> None:
    service = service_from_name(name)
    if service:
        ctx.service = service
    ctx.host = ctx.record_host(host_from_path(name) if "/" in name else None)


_QP_ESCAPE = re.compile(r"=[0-9A-F]{2}")


def is_quoted_printable(head: Sequence[str]) -> bool:
    """True for a mail body in quoted-printable: most lines end in a soft break `=`, and `=XX` escapes appear.

    Mail archives (pipermail, mailman) keep such bodies: lines are cut at 76
    columns with a trailing `=` and `=` itself is written `=3D`.
    """
    filled = [h for h in head if h.strip()]
    if len(filled) < 3:
        return False
    soft = sum(1 for h in filled if h.endswith("=") and not h.endswith("=="))
    return soft >= len(filled) * 0.3 and any(_QP_ESCAPE.search(h) for h in filled)


def unquote_printable(lines: Iterable[Line], stats: FileStats | None = None) -> Iterator[Line]:
    """Join soft-broken lines and decode `=XX` escapes; a joined line keeps the number of its first piece.

    Every physical piece after the first of a joined line is counted read and
    continued in `stats`, so the accounting still covers every line of the file.
    """
    pieces: list[str] = []
    first = 0
    for lineno, text in lines:
        if not pieces:
            first = lineno
        if text.endswith("=") and not text.endswith("=="):
            pieces.append(text[:-1])
            continue
        pieces.append(text)
        if stats is not None and len(pieces) > 1:
            stats.lines_read += len(pieces) - 1
            stats.continuation_lines += len(pieces) - 1
        yield first, _decode_qp("".join(pieces))
        pieces = []
    if pieces:
        yield first, _decode_qp("".join(pieces))


def _decode_qp(text: str) -> str:
    if "=" not in text:
        return text
    return quopri.decodestring(text.encode("utf-8")).decode("utf-8", "replace")


#: narrower than this, a fixed line length is more likely a format than a terminal's wrap
MIN_WRAP_WIDTH = 60


def wrap_width(head: Sequence[str]) -> int | None:
    """Return the width a terminal or paste tool hard-wrapped the text at, or None.

    A hard wrap cuts every longer line at exactly the same column, so the
    longest length is shared by many lines; unwrapped logs have ragged lengths.
    A log repeating one line (a monitoring client's `GET /servers/detail`
    every few seconds) shares its longest length too: a cut line is followed
    by its rest, so when every line of that length is followed by a new
    timestamped line, nothing was cut.
    """
    lengths = [len(h) for h in head if h.strip()]
    if len(lengths) < 5:
        return None
    width = max(lengths)
    at_width = sum(1 for n in lengths if n == width)
    if width >= MIN_WRAP_WIDTH and at_width >= max(3, len(lengths) * 0.25):
        after = [head[i + 1] for i in range(len(head) - 1) if len(head[i]) == width]
        if after and all(TIMESTAMP_START.match(n) for n in after):
            return None
        return width
    return None


def unwrap(lines: Iterable[Line], width: int, stats: FileStats | None = None) -> Iterator[Line]:
    """Join each line cut at `width` with the pieces that follow it; the joined line keeps the first number.

    Pieces after the first are counted read and continued in `stats`, so the
    accounting still covers every physical line.
    """
    pieces: list[str] = []
    first = 0
    for lineno, text in lines:
        if pieces and TIMESTAMP_START.match(text):
            # a line that was exactly `width` long on its own: the next one opens a record
            yield from _joined(first, pieces, stats)
            pieces = []
        if not pieces:
            first = lineno
        pieces.append(text)
        if len(text) == width:
            continue
        yield from _joined(first, pieces, stats)
        pieces = []
    if pieces:
        yield from _joined(first, pieces, stats)


def _joined(first: int, pieces: list[str], stats: FileStats | None) -> Iterator[Line]:
    if stats is not None and len(pieces) > 1:
        stats.lines_read += len(pieces) - 1
        stats.continuation_lines += len(pieces) - 1
    yield first, "".join(pieces)
