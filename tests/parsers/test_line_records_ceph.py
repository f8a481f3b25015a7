"""Ceph's log lines and ansible's quoting of them are read as records (issue 11).

real_logs pastebin_sQiRg0eD is an ansible failure report quoting a ceph client
log line under `stderr: `: a record of ceph, with its own time.  The record
format is data (migtrace/data/record_formats.yaml, with sample lines of every
ceph release shape), the ansible prefix is a transport entry
(transports.yaml `ansible-stream`, with the banner/result lines as meta).  An
input of no recognised format is read line by line, so such a record is found
wherever it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.line_records import format_entries, formats, read_fields, record
from migtrace.parsers.oslo import LOOSE_REASON, PARSER
from migtrace.parsers.transport import peel, table
from migtrace.sources._discover import InputFile
from migtrace.sources._reader import FileReader

#: the real excerpt (../shared/real_logs/pastebin_sQiRg0eD…), as pasted: a Markdown list of ansible 1.x output
ANSIBLE_PASTE = [
    "- TASK: [glance | Pulling cephx keyring] ****************************************",
    '- failed: [localhost -> localhost] => {"changed": false, "cmd": ["docker", "exec", "ceph_mon", "ceph", "auth", '
    '"get-or-create", "client.glance", "mon", "allow r", "osd", "allow class-read object_prefix rbd_children, allow '
    'rwx pool=images, allow rwx pool=images-cache"], "delta": "0:00:00.155330", "end": "2016-09-02 15:46:53.214413", '
    '"rc": 1, "start": "2016-09-02 15:46:53.059083", "stdout_lines": [], "warnings": []}',
    "- stderr: 2016-09-02 15:46:53.204370 7f3d887c6700 0 librados: client.admin authentication error (1) Operation "
    "not permitted",
    "- Error connecting to cluster: PermissionError",
    "- FATAL: all hosts have already failed -- aborting",
]
UUID = "a23f1959-5c09-4f20-a586-37bbaf386386"
NOVA = (f"2017-03-04 11:36:52.100 2311 ERROR nova.compute.manager [req-a21a38c5-ac07-4caf-a0b3-e22c4af7d884 "
        f"d56c180787a8809aa9f78ae7baeab741 375a93fc549db0203038eba8d2f63413 - default default] [instance: {UUID}] "
        "Pre live migration failed at compute2: ImageNotFound")
CEPH_ERR = ("2017-03-04 11:36:52.118842 7f9b2effd700 -1 librbd::image::OpenRequest: failed to retreive immutable "
            "metadata: (2) No such file or directory")
NOVA_LATER = NOVA.replace("11:36:52.100", "11:36:53.200").replace("Pre live migration failed at compute2: "
                                                                  "ImageNotFound", "Migration operation has aborted")


def read_file(path: Path) -> tuple[list[Event], FileReader, list[str]]:
    """Read one file the way the pipeline does: its events, reader (stats) and warnings."""
    warnings: list[str] = []
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(tz="UTC"), warnings.append)
    return list(reader.events()), reader, warnings


def _parse(lines: list[str], per_line: bool = False) -> tuple[list[Event], FileStats]:
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC, per_line=per_line)
    events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    return events, ctx.stats


# --------------------------------------------------------------------------- the format table


SAMPLES = [(e["name"], s) for e in format_entries() for s in e["samples"]]


@pytest.mark.parametrize(("name", "sample"), SAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SAMPLES)])
def test_every_sample_reads_as_its_own_format_with_its_fields(name: str, sample: dict[str, object]) -> None:
    line = str(sample["line"])
    matching = [f.name for f in formats() if f.pattern.fullmatch(line)]
    assert matching == [name], "a sample must match its own entry only"
    ctx = ParseContext(path="ceph.log", stats=FileStats(path="ceph.log"), tz=UTC)
    event = record(line, ctx, 7)
    assert event is not None
    fields = dict(sample["fields"])  # type: ignore[call-overload]
    want = datetime.fromisoformat(str(fields["time"]))
    assert event.time == (want if want.tzinfo else want.replace(tzinfo=UTC))
    assert event.level == fields["level"] and event.message == fields["message"]
    assert (event.fmt, event.service, event.lineno, event.logger, event.request_id) == (name, "ceph", 7, None, None)


def test_the_table_loads_with_its_groups_and_oslo_level_names() -> None:
    assert [f.name for f in formats()] == [e["name"] for e in format_entries()]
    for f in formats():
        assert {"time", "message"} <= set(f.pattern.groupindex)
        assert set(f.levels.values()) <= {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


@pytest.mark.parametrize("line", [
    NOVA,  # an oslo header: pid 2311 is no thread id, ERROR no number
    "2017-03-04 11:36:50.484+0000: 171461: error : virNetSocketReadWire:1568 : End of file while reading data",
    "2016-02-30 15:46:53.204370 7f3d887c6700  0 librados: impossible date",
    "2016-09-02 15:46:53.204370 7f3d  0 librados: thread id too short",
    "2016-09-02 15:46:53.204370 7f3d887c6700  0 ",
    "2016-09-02 15:46:53 7f3d887c6700  0 librados: no fraction",
    "  File \"/usr/lib/python3/dist-packages/rbd.py\", line 1234, in open",
    "",
])
def test_other_lines_are_no_ceph_record(line: str) -> None:
    ctx = ParseContext(path="x", stats=FileStats(path="x"), tz=UTC)
    assert record(line, ctx, 1) is None


def test_levels_come_from_the_number_then_the_text_else_unknown() -> None:
    def level(line: str) -> str | None:
        got = read_fields(line)
        assert got is not None
        ctx = ParseContext(path="x", stats=FileStats(path="x"), tz=UTC)
        event = record(line, ctx, 1)
        assert event is not None
        return event.level

    stamp = "2020-05-04T10:21:33.123+0000 7f8c1a2b3700"
    assert level(f"{stamp} -1 osd.0 120 heartbeat_check: no reply") == "ERROR"
    assert level(f"{stamp} 20 osd.0 120 tick") == "DEBUG"
    assert level(f"{stamp}  0 log_channel(cluster) log [ERR] : 2.1f deep-scrub 1 errors") == "ERROR"
    assert level(f"{stamp}  0 osd.0 120 done with init, starting boot process") is None


def test_local_stamp_takes_the_file_zone_and_an_offset_wins() -> None:
    from migtrace._timeutil import zone_named
    ctx = ParseContext(path="x", stats=FileStats(path="x"), tz=zone_named("+02:00"))
    naive = record("2016-09-02 15:46:53.204370 7f3d887c6700  0 librados: x", ctx, 1)
    aware = record("2020-05-04T10:21:33.123+0000 7f8c1a2b3700  0 osd.0 x", ctx, 1)
    assert naive is not None and aware is not None
    assert naive.time == datetime(2016, 9, 2, 13, 46, 53, 204370, tzinfo=UTC)
    assert aware.time == datetime(2020, 5, 4, 10, 21, 33, 123000, tzinfo=UTC)


# --------------------------------------------------------------------------- the ansible transport


def test_ansible_lines_peel_to_the_record_and_banners_are_meta() -> None:
    tbl = table()
    banner, result, quoted, own, fatal = (peel(line[2:], tbl) for line in ANSIBLE_PASTE)
    assert banner.meta and result.meta and fatal.meta
    assert quoted.wrappers == ["ansible-stream"] and quoted.reveal == {"stream": "stderr"}
    assert quoted.lines == [ANSIBLE_PASTE[2][len("- stderr: "):]]
    assert not own.meta and own.wrappers == [] and own.lines == ["Error connecting to cluster: PermissionError"]
    # `stderr: ` before anything but a dated line is the program's own output, not a quoted record
    assert peel("stderr: Error connecting to cluster", tbl).wrappers == []


def test_golden_real_ansible_paste(tmp_path: Path) -> None:
    path = tmp_path / "pastebin_sQiRg0eD.txt"
    path.write_text("\n".join(ANSIBLE_PASTE) + "\n", encoding="utf-8")
    events, reader, warnings = read_file(path)
    st = reader.stats
    assert st.fmt == "lines+list-dash" and st.balanced
    assert (st.lines_read, st.records, st.record_lines, st.meta_lines, st.unparsed_lines) == (5, 1, 1, 3, 1)
    assert st.unparsed_examples == [(4, "Error connecting to cluster: PermissionError")]
    [e] = events
    assert (e.time, e.service, e.fmt, e.level, e.lineno) == (
        datetime(2016, 9, 2, 15, 46, 53, 204370, tzinfo=UTC), "ceph", "ceph", None, 3)
    assert e.message == "librados: client.admin authentication error (1) Operation not permitted"
    assert len(warnings) == 1 and ":4: 1 unparsed line(s)" in warnings[0]


def test_a_nova_record_quoted_under_stdout_is_a_nova_record_with_its_traceback() -> None:
    events, st = _parse(["TASK: [nova | Show the compute log] *****************",
                         f"stdout: {NOVA}", "Traceback (most recent call last):",
                         '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 6012, in x', ""])
    assert st.balanced and (st.records, st.meta_lines, st.continuation_lines, st.unparsed_lines) == (1, 1, 3, 0)
    assert events[0].instance == UUID and events[0].service == "n-cpu" and len(events[0].extra) == 2


# --------------------------------------------------------------------------- among nova's lines


def test_ceph_line_in_a_nova_traceback_is_its_own_record_after_the_nova_one() -> None:
    lines = [NOVA, "Traceback (most recent call last):", CEPH_ERR,
             '  File "/usr/lib/python3/dist-packages/rbd.py", line 1234, in open', "ImageNotFound: x", NOVA_LATER]
    events, st = _parse(lines)
    assert st.balanced and (st.records, st.record_lines, st.continuation_lines, st.unparsed_lines) == (3, 3, 3, 0)
    assert [(e.fmt, e.lineno) for e in events] == [("oslo", 1), ("ceph", 3), ("oslo", 6)]
    assert events[0].extra == tuple(lines[i] for i in (1, 3, 4))  # the nova record keeps its whole traceback
    assert events[1].level == "ERROR" and events[1].instance is None
    assert [e.time for e in events] == sorted(e.time for e in events)


def test_ceph_line_in_syslog_takes_its_program_and_own_stamp() -> None:
    events, st = _parse([f"Mar  4 11:36:52 compute2 ceph-osd[4121]: {CEPH_ERR}"])
    [e] = events
    assert (e.service, e.host, e.fmt, e.level) == ("ceph-osd", "compute2", "ceph", "ERROR")
    assert e.time == datetime(2017, 3, 4, 11, 36, 52, 118842, tzinfo=UTC) and st.balanced


def test_a_whole_ceph_log_is_read_line_by_line(tmp_path: Path, cli: Callable[..., Result]) -> None:
    path = tmp_path / "ceph-osd.0.log"
    body = [f"2020-05-04T10:21:3{i}.123+0000 7f8c1a2b3700 {lvl} osd.0 120 tick {i}"
            for i, lvl in enumerate(("20", "-1", " 0"))]
    path.write_text("\n".join([*body, " ceph version 15.2.17 (...) octopus (stable)", ""]), encoding="utf-8")
    out = cli("merge", str(path), "--tz", "UTC").stdout.splitlines()
    assert [re.split(r"\s+", line)[1:3] for line in out] == [["[?/ceph]", "DEBUG"], ["[?/ceph]", "ERROR"],
                                                            ["[?/ceph]", "-"]]
    row = next(line.split() for line in cli("merge", str(path), "--stats").stdout.splitlines()
               if line.startswith(str(path)))
    assert row[1] == "lines" and row[4:10] == ["4", "3", "0", "0", "1", "0"] and row[-1] == "yes"


# --------------------------------------------------------------------------- empty and malformed


def test_empty_and_malformed_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "ceph.log"
    empty.write_bytes(b"")
    events, reader, warnings = read_file(empty)
    assert events == [] and reader.stats.fmt == "empty" and warnings == [f"{empty}: empty file"]
    bad = tmp_path / "ansible.txt"
    bad.write_text("stderr: 2016-02-30 15:46:53.204370 7f3d887c6700  0 librados: x\n"
                   "stderr: 2016-09-02 15:46:53.204370 7f3d  0 librados: x\nstderr: \n", encoding="utf-8")
    events, reader, warnings = read_file(bad)
    assert events == [] and reader.stats.fmt == "unrecognised" and reader.stats.balanced
    assert reader.stats.unparsed_lines == 3 and warnings == [f"{bad}: format not recognised; 3 lines counted as unparsed"]


def test_per_line_reading_never_folds_lines_into_a_record() -> None:
    events, st = _parse(["Some notes from the ticket:", NOVA, "and then it failed again", CEPH_ERR, "thanks"],
                        per_line=True)
    assert [e.fmt for e in events] == ["oslo", "ceph"] and events[0].extra == ()
    assert st.balanced and (st.records, st.unparsed_lines, st.continuation_lines) == (2, 3, 0)


def test_per_line_reason_is_named_under_strict() -> None:
    from migtrace.errors import ParseError
    ctx = ParseContext(path="n.txt", stats=FileStats(path="n.txt"), tz=UTC, per_line=True, strict=True)
    with pytest.raises(ParseError, match=re.escape(LOOSE_REASON)):
        list(PARSER.parse(MemoryInput.from_lines(enumerate([NOVA, "prose"], 1)), ctx))


def test_journal_text_paste_reads_ceph_and_plain_nova_lines_among_its_own() -> None:
    """A syslog-majority paste is journal text: a ceph line and an oslo line (with its traceback) are records too."""
    from migtrace.parsers.journal_text import PARSER as JOURNAL
    lines = ["Mar  4 11:36:50 compute2 sshd[2231]: Accepted publickey for nova from 192.0.2.12 port 51234 ssh2",
             NOVA, NOVA[:24] + "2311 ERROR nova.compute.manager Traceback (most recent call last):",
             "Mar  4 11:36:52 compute2 NetworkManager[1050]: <info> (tap273847c9-20): new Tun device", CEPH_ERR,
             "Mar  4 11:36:53 compute2 systemd[1]: Started Session 42 of user root.", "not a record at all"]
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC, year=2017)
    events = list(JOURNAL.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    st = ctx.stats
    assert st.balanced and (st.records, st.record_lines, st.continuation_lines, st.unparsed_lines) == (5, 5, 1, 1)
    got = [(e.lineno, e.service, e.level) for e in events]
    assert got == [(1, "sshd", None), (2, "n-cpu", "ERROR"), (4, "NetworkManager", "INFO"), (5, "ceph", "ERROR"),
                   (6, "systemd", None)]
    assert events[1].instance == UUID and events[1].extra == ("Traceback (most recent call last):",)
    assert events[3].time == datetime(2017, 3, 4, 11, 36, 52, 118842, tzinfo=UTC) and events[3].fmt == "journal-text"
