"""Make log text inert in each place it is shown: a terminal, a chart label, Markdown, a spreadsheet.

Log lines are written by whoever controls a hostname, an instance name or an
error message, and migtrace prints them where they can act: a terminal obeys
escape sequences (retitle the window, hide a line with CR, plant an OSC 8
link), Plotly renders `<a href>` in axis labels and hover text, a tracker
turns `@everyone` into a ping and `<https://…>` into a link, a spreadsheet
evaluates a cell that starts with `=`.  Each function here keeps the text
readable and faithful (what was logged can still be read) but inert.
Every pattern is linear (no nested repeats).
"""

from __future__ import annotations

import re

#: escape sequences: OSC/DCS/SOS/PM/APC strings (to BEL or ST, bounded), CSI, two-byte ESC
_ESCAPES = re.compile(
    r"\x1b[\]P^_X][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?"  # string commands: OSC title/link, DCS, APC…
    r"|\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]"  # CSI (SGR colours are handled by the caller's `keep_sgr`)
    r"|\x1b[ -/]{0,8}[0-~]?"  # any other ESC sequence, or a lone ESC
)
_SGR = re.compile(r"\x1b\[[0-9;]{0,64}m")
#: the controls left after escape sequences: C0 but TAB/LF, DEL, C1 (0x9b is CSI on some terminals)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_ANY = re.compile(f"(?P<esc>{_ESCAPES.pattern})|{_CONTROLS.pattern}")


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␇ ␍ ␛: the Unicode control pictures, visible and inert
    return "\u2421" if code == 0x7F else "\ufffd"


def has_controls(text: str) -> bool:
    """Whether `terminal_safe` would change anything in `text` (a text without is returned as it is)."""
    return _CONTROLS.search(text) is not None


def terminal_safe(text: str, *, keep_sgr: bool = True) -> str:
    """Remove escape sequences and show other control characters as pictures (␍ ␇); CRLF stays a newline.

    With `keep_sgr`, colour sequences (`ESC[…m`, what migtrace itself prints)
    pass: they can only change colours.
    """
    if not _CONTROLS.search(text):
        return text
    text = text.replace("\r\n", "\n")

    def one(m: re.Match[str]) -> str:
        found = m.group(0)
        if not m.group("esc"):
            return _picture(m)
        return found if keep_sgr and _SGR.fullmatch(found) else ""
    return _ANY.sub(one, text)


def chart_label(text: str) -> str:
    """Escape what Plotly would read as markup in a label or hover text (`<a href>`, `<br>`, `&…;`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MENTION = re.compile(r"(?<![\w`])@(?=[\w-])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)://|\bwww\.")


def markdown_inert(text: str) -> str:
    """Break @mentions and autolinks in Markdown prose (not in code): `@\u200beveryone`, `https:\u200b//`.

    The zero-width space keeps the text readable and copyable while trackers
    neither ping nor link it.  Code spans and fences are left to the caller.
    """
    text = _MENTION.sub("@\u200b", text)
    return _AUTOLINK.sub(lambda m: m.group(0)[:-2] + "\u200b//" if m.group(0).endswith("//")
                         else m.group(0)[:-1] + "\u200b.", text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """Quote a cell a spreadsheet would evaluate (`=HYPERLINK(…)`, `+1`, `-1+1`, `@SUM`) as text (OWASP)."""
    return "'" + value if value.startswith(_FORMULA_START) and not _is_number(value) else value


def _is_number(value: str) -> bool:
    """`-3` and `-0.5` are numbers a spreadsheet must keep as numbers, not formulas."""
    try:
        float(value)
    except ValueError:
        return False
    return True
