"""Output-injection payloads planted in log text, and the detectors that find them live.

Every payload carries a marker (`mtxt`, `mtxh`, `mtxm`, `mtxc`) so a hit in
an output can only come from the planted log text, never from migtrace's
own markup (its colours, its `<script>` chart code, its Markdown tables).
The detectors answer one question per output: did hostile text from a log
reach this output in a form that the reader (terminal, browser, Markdown
renderer, spreadsheet) will act on?
"""

from __future__ import annotations

import csv
import io
import re

#: Terminal control sequences (log text reaching a terminal must lose them).
TERMINAL: dict[str, str] = {
    "osc-title": "\x1b]0;mtxt-title-pwned\x07",
    "osc8-link": "\x1b]8;;https://evil.example/mtxt\x1b\\click here\x1b]8;;\x1b\\",
    "cr-overwrite": "migration aborted\rmtxt all good, nothing to see here                     ",
    "bel": "mtxt-bell\x07\x07\x07",
    "csi-clear": "\x1b[2J\x1b[Hmtxt-cleared",
    "csi-cursor": "\x1b[1A\x1b[2Kmtxt-line-erased",
    "dcs": "\x1bPmtxt-dcs\x1b\\",
    "c1-csi": "\u009b2Jmtxt-c1",
}

#: HTML that must be inert in the HTML report (text, attributes, chart labels).
HTML: dict[str, str] = {
    "script": '<script>alert("mtxh-1")</script>',
    "img-onerror": '<img src=x onerror=alert("mtxh-2")>',
    "script-breakout": '</script><script>alert("mtxh-3")</script>',
    "attr-breakout": '"><svg onload=alert("mtxh-4")>',
    "plotly-link": '<a href="https://evil.example/mtxh-5">details</a>',
}

#: Markdown that must not ping, link or embed when the report is pasted into a tracker.
MARKDOWN: dict[str, str] = {
    "mention-everyone": "@everyone mtxm-1",
    "mention-here": "@here mtxm-2",
    "autolink": "<https://evil.example/mtxm-3>",
    "bare-url": "https://evil.example/mtxm-4",
    "link": "[mtxm-5](https://evil.example/)",
    "image": "![mtxm-6](https://evil.example/pixel.png)",
    "fence-break": "```\nmtxm-7 outside the fence",
    "fence-break-long": "\n``````\n@everyone mtxm-8 after a closed fence",
}

#: Spreadsheet formulas (they must be written as text cells).  Host-shaped: no spaces.
CSV: dict[str, str] = {
    "hyperlink": '=HYPERLINK("https://evil.example/mtxc-1","x")',
    "plus": "+mtxc-2+1",
    "minus": "-mtxc-3+1",
    "at": "@SUM(mtxc4)",
}

#: Everything printed through a terminal: ESC that is not SGR (`ESC[…m`), BEL, lone CR, C1 controls.
_TERMINAL_BAD = re.compile(r"\x1b(?!\[[0-9;]*m)|\x07|\r(?!\n)|[\x80-\x9f]")
_HTML_LIVE = re.compile(r'<script>alert\("mtxh|<img src=x onerror=alert\("mtxh|<svg onload=alert\("mtxh'
                        r'|<a href="https://evil\.example/mtxh'
                        # inside plotly figure JSON: plotly renders <a href> in labels and hover text as links
                        r'|(?:\\u003c|<)a href=\\"https://evil\.example/mtxh')
_MD_LIVE = re.compile(r"@everyone|@here|<https://evil\.example/mtxm|(?<![<(])https://evil\.example/mtxm"
                      r"|\[mtxm-5\]\(|!\[mtxm-6\]\(")
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def terminal_hits(output: str) -> list[str]:
    """Return the control sequences from log text in terminal output (migtrace's SGR colours excepted)."""
    return [m.group(0) for m in _TERMINAL_BAD.finditer(output)]


def html_hits(output: str) -> list[str]:
    """Return planted HTML that would be parsed as markup (raw `<script>alert("mtxh…` and friends),
    or that a chart renders as a link (`\u003ca href=\"…` in the figure JSON)."""
    return [m.group(0) for m in _HTML_LIVE.finditer(output)]


def markdown_hits(output: str) -> list[str]:
    """Return mentions and links that stay live outside code spans and fences."""
    hits: list[str] = []
    fence = 0  # length of the open fence's backtick run (CommonMark: closed by a run at least as long)
    for line in output.splitlines():
        stripped = line.lstrip(" ")
        run = len(stripped) - len(stripped.lstrip("`"))
        if len(line) - len(stripped) <= 3 and run >= 3:
            if not fence:
                fence = run
                continue
            if run >= fence and not stripped.strip("`").strip():
                fence = 0
                continue
        if fence:
            continue
        # drop inline code spans (`…`), where nothing is live
        outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", line)
        hits += [m.group(0) for m in _MD_LIVE.finditer(outside)]
    return hits


def csv_hits(output: str) -> list[str]:
    """Return cells a spreadsheet would evaluate as formulas (planted ones only: marker `mtxc`)."""
    hits: list[str] = []
    for row in csv.reader(io.StringIO(output)):
        hits += [cell for cell in row if "mtxc" in cell and _FORMULA.match(cell)]
    return hits
