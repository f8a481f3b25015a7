"""The oslo.log record header, written once: every regex that looks for one is built from here.

A header is `<timestamp> [<pid>] <LEVEL> <logger> [<request block>] …`; the
timestamp and pid are optional in some releases and in devstack's journald
format.  The oslo parser matches it, the targeted raw-bytes scan looks for
where records start, and the paste peeler tells an indented header from an
indented traceback line — all with the pieces below.
"""

from __future__ import annotations

import re

from migtrace.model import LEVEL_ALIASES, LEVELS

#: Every level word a header may carry (oslo's names and their aliases, except EXCEPTION,
#: which Python logs as ERROR).
LEVEL_WORDS: tuple[str, ...] = (*LEVELS, *(a for a in LEVEL_ALIASES if a != "EXCEPTION"))
LEVEL_ALTERNATION = "|".join(LEVEL_WORDS)

#: oslo's timestamp: date, time, optional fraction (`.123` or `,123`), optional UTC offset
#: (a `logging_default_format_string` with `%(asctime)s%z`-style formats writes `.100+05:30`)
TIMESTAMP = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,6})?(?:Z|[+-]\d\d:?\d\d)?"

#: the whole header line: std (timestamp first) and bare (devstack under journald)
#: (`rest` is greedy up to its last non-blank character: the lazy `.*?\s*$` it replaces gave the same
#: groups but tried the end anchor at every character, 8.7x slower on nova's long DEBUG lines)
REST = r"(?:\s(?P<rest>(?:.*\S)?))?\s*$"
STD = (r"(?P<ts>" + TIMESTAMP + r")\s+(?:(?P<pid>\d+)\s+)?(?P<level>" + LEVEL_ALTERNATION
       + r")\s+(?P<logger>[\w.\-]+)" + REST)
BARE = r"(?P<level>" + LEVEL_ALTERNATION + r")\s+(?P<logger>[a-z_][\w.\-]*)" + REST


def _opening(levels: str) -> str:
    """The start of a header that opens a record (a request block follows, not an `[instance: …]`)."""
    return (r"(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\s+(?:\d+\s+)?)?(?:" + levels
            + r")\s+[\w.\-]+\s+\[(?!instance:)")


HEADERISH = re.compile(_opening(LEVEL_ALTERNATION))

#: the start of a record in raw bytes: an optional journald/syslog prefix, colour, then the header
#: (TRACE lines are traceback continuations in every release, never the start of a record)
RECORD_START = re.compile(
    rb"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\S* \S+ [^\s:]+: |\d{4}-\d\d-\d\dT\S+ \S+ [^\s:]+: )?"
    rb"(?:\x1b\[[0-9;]*m)?" + _opening("|".join(w for w in LEVEL_WORDS if w != "TRACE")).encode()
)

#: a line that starts with a timestamp of oslo or of syslog/journalctl (`May 14 10:02:03`)
TIMESTAMP_START = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:|[A-Z][a-z]{2} [ \d]\d \d\d:")
