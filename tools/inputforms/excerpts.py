"""The slices of sample_logs/ that the committed fixtures are built from.

Each excerpt is one migration of a sample set: every record of every file of
that set inside a time window (so the other records of the moment, periodic
tasks and other requests, come along as they would in a real export).  The
manifest in each fixture directory names the migration a reader must find.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tools.inputforms.corpus import LogFile, Record, read_set

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LOGS = REPO / "sample_logs"

#: devstack's journal text: `May 14 08:03:42.660302 compute1 nova-compute[52114]: MESSAGE`
JOURNAL_LINE = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{6}) (?P<host>\S+) (?P<ident>[^\[\s]+)\[(?P<pid>\d+)\]: (?P<msg>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LEVEL = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@dataclass(frozen=True, slots=True)
class Excerpt:
    """One migration's time window in one sample set."""

    name: str
    set_name: str
    start: str          # ISO time, UTC, inclusive
    end: str            # ISO time, UTC, exclusive
    instance: str       # the migration a reader must still find
    year: int = 0       # journal text prints no year
    limit: int = 0      # keep at most this many records (0 = all)

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The window as aware datetimes."""
        return (datetime.fromisoformat(self.start).replace(tzinfo=UTC),
                datetime.fromisoformat(self.end).replace(tzinfo=UTC))


EXCERPTS: dict[str, Excerpt] = {e.name: e for e in (
    # failed live migration, apparmor seclabel: the evidence is also in libvirtd.log
    Excerpt("queens-app-g", "queens-files", "2018-03-14 06:41:12", "2018-03-14 06:41:16",
            "a23f1959-5c09-4f20-a586-37bbaf386386"),
    # healthy live migration, Zed's 8-token context (what kolla's fluentd regex expects)
    Excerpt("zed-z-web-01", "zed-mixed", "2023-03-07 09:51:14", "2023-03-07 09:52:00",
            "1b8789a8-7c9e-4f78-81d7-9d78947b67c8"),
    # failed live migration whose error carries a multi-line remote traceback
    Excerpt("kilo-a42b3ff1", "kilo-files", "2015-09-22 13:42:19", "2015-09-22 13:42:22",
            "a42b3ff1-6dc5-4caf-b6eb-ea8b51c9f595"),
    # devstack journal text with colour codes (a few records are enough for escapes)
    Excerpt("devstack-ansi", "devstack-2024.1", "2024-05-14 08:03:42", "2024-05-14 08:05:00",
            "", year=2024, limit=3),
)}


def _journal_records(lf: LogFile, year: int) -> Iterator[Record]:
    """Records of a devstack journal text file: the MESSAGE part of each line."""
    for line in lf.lines:
        m = JOURNAL_LINE.match(line)
        if not m:
            continue
        when = datetime.strptime(f"{year} {m.group('ts')}", "%Y %b %d %H:%M:%S.%f").replace(tzinfo=UTC)
        lv = LEVEL.match(ANSI.sub("", m.group("msg")))
        yield Record((m.group("msg"),), when, int(m.group("pid")), lv.group(1) if lv else "INFO", None)


def excerpt_records(ex: Excerpt) -> Iterator[tuple[LogFile, Record]]:
    """Yield (file, record) for every record inside the excerpt's window, file by file."""
    start, end = ex.window
    kept = 0
    for lf in read_set(SAMPLE_LOGS / ex.set_name):
        recs = lf.records() if lf.is_oslo else _journal_records(lf, ex.year)
        for rec in recs:
            if rec.time is not None and start <= rec.time < end:
                yield lf, rec
                kept += 1
                if ex.limit and kept >= ex.limit:
                    return


def excerpt_files(ex: Excerpt) -> list[tuple[LogFile, list[Record]]]:
    """Group the excerpt's records by file, files that have none left out."""
    out: dict[str, tuple[LogFile, list[Record]]] = {}
    for lf, rec in excerpt_records(ex):
        out.setdefault(lf.rel, (lf, []))[1].append(rec)
    return list(out.values())
