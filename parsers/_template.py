"""<Format name>: what writes it, where operators find it, and how its records look.

Copy this module to start a parser (STYLE.md §4): data at the top, logic
below, one `PARSER` object that the registry imports plainly.  Describe here
how the format marks a record, how continuation lines attach, and where the
time, host and service come from.  Keep `parse` streaming: never read the
whole input, and account for every line (record, continuation, meta or
unparsed) in `ctx.stats`.

Then: add the module to `registry.PARSERS`, give every variant a `Sample`
(tests/parsers/test_samples.py checks them like lnav does), add
`tests/parsers/test_<format>.py` with a golden test and an empty-input test,
and a line to docs/parsers.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from migtrace._timeutil import localize
from migtrace.model import Event
from migtrace.parsers._base import Head, InputData, ParseContext, Sample, share_matching

#: variant -> full-line regex with named groups (ts, level, message, …)
patterns: dict[str, re.Pattern[str]] = {
    "plain": re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (?P<level>[A-Z]+) (?P<message>.*)$"),
}


class TemplateParser:
    """Parser for <format name>."""

    name = "template"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        Sample("2024-05-14 10:02:03 INFO hello", "plain", {"level": "INFO", "message": "hello"}),
    )

    def sniff(self, head: Head) -> float:
        """Score how many of the head lines look like this format (0..1)."""
        return share_matching(head.lines, patterns["plain"])

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record, accounting every line."""
        for lineno, text in data.lines():
            ctx.stats.lines_read += 1
            m = patterns["plain"].match(text)
            if m is None:
                ctx.unparsed(lineno, text)
                continue
            ctx.stats.records += 1
            ctx.stats.record_lines += 1
            yield Event(time=localize(datetime.fromisoformat(m.group("ts")), ctx.tz), time_text=m.group("ts"),
                        message=m.group("message"), level=m.group("level"), host=ctx.host, service=ctx.service,
                        source=ctx.path, lineno=lineno, fmt=self.name)


PARSER = TemplateParser()
