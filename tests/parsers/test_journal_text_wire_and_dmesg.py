"""journalctl text pasted with syslog lines as sent on the wire (`<PRI>…`) and bare `dmesg` lines.

Issue 11 item 1: within any input each record is recognised on its own.  A `<30>` PRI before a
syslog line is peeled and its severity is the record's level; a bare `dmesg` line (seconds since
boot) is a kernel record no clock can place: counted as a record without time, never unparsed and
never given a guessed time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from migtrace.model import FileStats
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.journal_text import PARSER

_REQ = "req-40e4d388-8b05-4516-9137-d45f6b326949"
_UUID = "f216df00-2876-4019-b888-64aec7ddda03"
_LINES = [
    f"Jan 17 09:05:12 compute1 nova-compute[3305]: 2023-01-17 09:05:12.100 3305 INFO nova.compute.manager "
    f"[{_REQ} - - - - -] [instance: {_UUID}] Took 1.2 seconds to build instance.",
    "Jan 17 09:05:13 compute1 kernel: [12345.678901] device tap1234 entered promiscuous mode",
    "<30>Jan 17 09:05:14 compute1 systemd[1]: Started Session 5 of user root.",
    "<11>Jan 17 09:05:14 compute1 libvirtd[1870]: internal error: qemu unexpectedly closed the monitor",
    "[12346.000001] tap1234: entered allmulticast mode",
    "  not a record at all",
]


def _parse(lines: list[str]) -> tuple[list, FileStats]:  # type: ignore[type-arg]
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC, year=2023)
    return list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx)), ctx.stats


def test_wire_pri_is_peeled_and_gives_the_level() -> None:
    events, _stats = _parse(_LINES)
    got = [(e.lineno, e.service, e.level) for e in events]
    assert got == [(1, "n-cpu", "INFO"), (2, "kernel", None), (3, "systemd", "INFO"), (4, "libvirtd", "ERROR")]
    assert events[2].time == datetime(2023, 1, 17, 9, 5, 14, tzinfo=UTC)
    assert events[3].message.startswith("internal error: qemu unexpectedly closed the monitor")


def test_bare_dmesg_line_is_a_timeless_record_and_the_accounting_balances() -> None:
    _events, st = _parse(_LINES)
    assert st.timeless_records == 1 and st.timeless_examples[0][0] == 5
    assert st.unparsed_lines == 1 and st.unparsed_examples[0][0] == 6
    assert st.balanced


def test_a_pri_without_a_syslog_line_after_it_stays_unparsed() -> None:
    _events, st = _parse(["<30>", "<30>not a syslog line", _LINES[0]])
    assert st.unparsed_lines == 2 and st.balanced
