"""How every output writes durations, times and escaped text: one module, one spelling each.

A duration reads the same in the terminal timeline, the diagnosis, the
Markdown ticket body and the HTML report; Markdown escaping and code fences
are written once, so no format can forget a character another one handles.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Iterable
from datetime import datetime

from migtrace.model import Migration
from migtrace.reports.neutral import markdown_inert
from migtrace.serialize import iso

__all__ = [
    "clock",
    "code_block",
    "code_span",
    "duration",
    "duration_short",
    "html_attr",
    "html_text",
    "iso",
    "json_script",
    "json_string",
    "md_escape",
    "md_prose",
    "measured",
    "relative",
    "wrap",
]

#: What a missing value prints as in human-facing text.
MISSING = "–"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|#!~])")


def duration(seconds: float | None) -> str:
    """Format seconds the way people read them: `850 ms`, `12.4 s`, `3 min 05 s`, `1 h 02 min`."""
    if seconds is None:
        return MISSING
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes} min {secs:02d} s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min"


def measured(m: Migration, name: str) -> str:
    """Return a move's `duration` or `downtime` as every output prints it: never finer than the logs.

    `unknown` when the logs cannot tell (the reason is in `Migration.unknown`); a downtime whose two
    ends fall within one step of the timestamps is the bound, `< 1 s (1 s resolution)` — never `0 ms`
    nor `–`; else the value with its ± and, when coarser than a millisecond, its resolution.
    """
    step = m.downtime_resolution_s if name == "downtime" else None
    # whole-second (or coarser than millisecond) timestamps: say so, a value is no finer than its step
    shown_step = f" ({step:g} s resolution)" if step and step > 0.001 else ""
    if name == "downtime" and m.downtime_below_s is not None:
        return f"< {m.downtime_below_s:g} s{shown_step or f' ({step:g} s resolution)'}"
    if m.why_unknown(f"{name}_s"):
        return "unknown"
    value: float | None = getattr(m, f"{name}_s")
    u: float = getattr(m, f"{name}_uncertainty_s")
    return duration(value) + (f" ±{duration(u)}" if u and value is not None else "") + (
        shown_step if value is not None else "")


def duration_short(seconds: float | None) -> str:
    """Format seconds for a narrow column: `850ms`, `12.4s`, `3m05s`, `1h02m` (`-` when unknown)."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes}m{secs:02d}s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


def clock(t: datetime) -> str:
    """Format a UTC time as `2024-03-05 10:00:00.000` (milliseconds, no zone suffix).

    `isoformat` gives the same fields (milliseconds truncated, as `microsecond // 1000`) at a third of
    `strftime`'s cost, thousands of times per report; before year 1000 `%Y` is not zero-padded.
    """
    if t.year >= 1000:
        return t.isoformat(" ", "milliseconds")[:23]
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def relative(t: datetime, start: datetime) -> str:
    """Format a time as its offset from `start`: `+01:02.345`."""
    delta = (t - start).total_seconds()
    sign = "-" if delta < 0 else "+"
    minutes, seconds = divmod(abs(delta), 60)
    return f"{sign}{int(minutes):02d}:{seconds:06.3f}"


def md_escape(text: str | None) -> str:
    """Escape text for a Markdown paragraph or table cell (no HTML, no markup, one line)."""
    if text is None:
        return MISSING
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return markdown_inert(_MD_SPECIAL.sub(r"\\\1", text))  # log text: no @mention pings, no autolinks


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def md_prose(text: str | None) -> str:
    """Escape migtrace's own prose (a remedy, an explanation) but keep its `code spans` as code.

    Signature texts quote commands and options in backticks; escaping those
    backticks would print them literally and escape the underscores of every
    option name.  Outside the spans the text is escaped like any other.
    """
    if text is None:
        return MISSING
    text = " ".join(str(text).split())
    out: list[str] = []
    last = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(markdown_text(text[last:m.start()]))
        out.append(code_span(m.group(2)))
        last = m.end()
    out.append(markdown_text(text[last:]))
    return "".join(out)


def code_span(text: str | None) -> str:
    """Return `text` as inline code, with a fence that its own backticks cannot close."""
    if not text:
        return MISSING
    text = " ".join(text.split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(lines: Iterable[str], lang: str = "text") -> str:
    """Return a fenced block; the fence is longer than any backtick run in the lines."""
    body = list(lines)
    longest = max((len(m) for line in body for m in re.findall(r"`{3,}", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}{lang}", *body, fence])


#: A number and its unit (`12.4 s`, `26 min`, `35 %`): wrapping never separates them.
_NUMBER_UNIT = re.compile(r"(\d) (ms|s|min|h|%|MB|GB|kB|B)\b")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_GLUE = "\u00a0"  # a non-breaking space while wrapping; a plain space again in the output


def wrap(text: str, label: str, width: int = 100) -> str:
    """Fill text to `width`; a label such as `  why: ` hangs on the first line, paragraphs kept."""
    hanging = " " * len(label)
    paragraphs = [_NUMBER_UNIT.sub(rf"\1{_GLUE}\2", p) for p in text.split("\n\n") if p.strip()]
    filled = "\n".join(textwrap.fill(" ".join(_ASCII_SPACE.split(p.strip())), width,
                                     initial_indent=label if i == 0 else hanging, subsequent_indent=hanging,
                                     break_on_hyphens=False, break_long_words=False)
                       for i, p in enumerate(paragraphs))
    return filled.replace(_GLUE, " ")


# --------------------------------------------------------------------------- escapes
# How each format writes a piece of log text; renderers declare theirs so that
# redaction can look for an original in every form the output may hold it.


def html_text(text: str) -> str:
    """Escape text for an HTML element body."""
    return html.escape(text, quote=False)


def html_attr(text: str) -> str:
    """Escape text for an HTML attribute value."""
    return html.escape(text, quote=True)


def json_string(text: str) -> str:
    """Return text as it appears inside a JSON string."""
    return json.dumps(text)[1:-1]


def json_script(text: str) -> str:
    """Return text as it appears inside JSON embedded in a `<script>` (`<`, `>`, `&` as \\u escapes)."""
    return json_string(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def markdown_text(text: str) -> str:
    """Return text as `md_escape` writes it (without the whitespace folding)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
