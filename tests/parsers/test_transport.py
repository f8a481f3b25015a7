"""The transport layer applies its table: every sample peels to its record; mixed files keep every record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import migtrace
from migtrace.parsers.transport import peel, table, wrapper_time

REQ = "req-a21a38c5-ac07-4caf-a0b3-e22c4af7d884"
UUID = "a23f1959-5c09-4f20-a586-37bbaf386386"
HEADER = (f"2018-03-14 06:41:14.268 2311 ERROR nova.virt.libvirt.driver [{REQ} d56c180787a8809aa9f78ae7baeab741 "
          f"375a93fc549db0203038eba8d2f63413 - default default] [instance: {UUID}] Migration operation has aborted")


def _line_samples() -> list[Any]:
    tbl = table()
    names = {w.name for w in tbl.line}
    return [pytest.param(e["name"], s, id=f"{e['name']}-{i}") for e in tbl.entries if e["name"] in names
            for i, s in enumerate(e["samples"])]


@pytest.mark.parametrize(("name", "sample"), _line_samples())
def test_every_line_sample_peels_to_its_keep_with_what_it_reveals(name: str, sample: dict[str, Any]) -> None:
    got = peel(sample["line"])
    assert got.wrappers[:1] == [name]
    fields = sample["fields"]
    if "keep" in fields:
        inner = peel(fields["keep"])
        assert got.lines == inner.lines
    for key in ("host", "program", "file", "pod", "container"):
        if key in fields:
            assert got.reveal[key] == fields[key]


def test_json_samples_peel_to_their_text() -> None:
    for e in table().entries:
        if e["kind"] != "json":
            continue
        for s in e["samples"]:
            got = peel(s["line"])
            assert got.wrappers == [e["name"]]
            assert s["fields"]["keep"].strip().rstrip("\n").split("\n")[0] in got.lines[0]


def test_a_plain_header_is_not_touched() -> None:
    got = peel(HEADER)
    assert got.lines == [HEADER] and not got.reveal


def test_grep_over_syslog_peels_both_and_keeps_the_syslog_host() -> None:
    got = peel(f"compute1/var/log/messages:12:Mar 14 06:41:14 compute1 nova-compute[2311]: {HEADER}")
    assert got.lines == [HEADER]
    assert got.reveal["host"] == "compute1" and got.reveal["program"] == "nova-compute"


def test_rsyslog_escaped_newlines_become_lines() -> None:
    got = peel(f"Mar 14 06:41:14 compute1 nova-compute[2311]: {HEADER}#012Traceback (most recent call last):")
    assert got.lines == [HEADER, "Traceback (most recent call last):"]


def test_wrapper_times() -> None:
    assert wrapper_time("2023-03-07T09:51:43.692310123Z", None) is not None
    assert wrapper_time("Mar  4 11:36:50", 2017) is not None
    assert wrapper_time("Mar  4 11:36:50", None) is None


def _read(tmp_path: Path, name: str, text: str) -> migtrace.pipeline.Analysis:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return migtrace.load(str(path), tz="UTC")


def test_mixed_file_keeps_every_nova_record_and_counts_the_rest(tmp_path: Path) -> None:
    text = "\n".join([
        f"Mar 14 06:41:13 compute1 kernel: [86474.268050] audit: type=1400 apparmor=\"DENIED\" profile=\"libvirt-{UUID}\"",
        f"Mar 14 06:41:14 compute1 nova-compute[2311]: {HEADER}",
        "Mar 14 06:41:14 compute1 systemd[1]: Started Session 42 of user root.",
        f"Mar 14 06:41:14 compute1 nova-compute[2311]: {HEADER.replace('aborted', 'aborted again')}",
        "[86474.300000] virbr0: port 2(tap0) entered disabled state",
        "",
    ])
    got = _read(tmp_path, "messages", text)
    st = got.stats[0]
    assert st.balanced
    nova = [e for e in got.events if e.instance == UUID and e.logger]
    assert len(nova) == 2 and {e.host for e in nova} == {"compute1"} and {e.service for e in nova} == {"n-cpu"}
    assert all(not e.extra for e in nova)  # the systemd/kernel lines did not join the records
    # syslog lines of other programs are records of theirs; the bare dmesg line is a record without time
    assert st.unparsed_lines == 0 and st.timeless_records == 1


def test_other_programs_between_wrapped_nova_lines_are_not_continuations(tmp_path: Path) -> None:
    text = "\n".join([
        f"<11>1 2018-03-14T06:41:14.268432+00:00 compute1 nova-compute 2311 - - {HEADER}",
        "<11>1 2018-03-14T06:41:14.268432+00:00 compute1 nova-compute 2311 - - Traceback (most recent call last):",
        "<14>1 2018-03-14T06:41:14.300000+00:00 compute1 kernel - - - [86474.300000] virbr0: port 2 disabled",
        "",
    ])
    got = _read(tmp_path, "collector.log", text)
    st = got.stats[0]
    # the kernel line is a record of the kernel (issue 11: other programs' records are Events), not a continuation
    assert st.balanced and st.records == 2 and st.continuation_lines == 1 and st.unparsed_lines == 0
    assert got.events[0].extra == ("Traceback (most recent call last):",)
    assert got.events[0].host == "compute1"


def test_impossible_date_is_unparsed_with_its_line_and_reading_goes_on(tmp_path: Path) -> None:
    bad = HEADER.replace("2018-03-14", "2018-02-30")
    got = _read(tmp_path, "nova-compute.log", f"{HEADER}\n{bad}\n  traceback line\n{HEADER}\n")
    st = got.stats[0]
    assert st.balanced and st.records == 2 and st.unparsed_lines == 2
    assert st.unparsed_examples[0][0] == 2


def test_header_with_utc_offset_is_a_record_in_utc(tmp_path: Path) -> None:
    got = _read(tmp_path, "nova-compute.log", HEADER.replace("06:41:14.268", "12:11:14.268+05:30") + "\n")
    assert got.stats[0].records == 1
    assert got.events[0].time.isoformat().startswith("2018-03-14T06:41:14.268")


def test_cr_only_line_ends(tmp_path: Path) -> None:
    got = _read(tmp_path, "nova-compute.log", f"{HEADER}\r  continued\r{HEADER}\r")
    st = got.stats[0]
    assert st.records == 2 and st.continuation_lines == 1 and st.balanced


@pytest.mark.parametrize("name,line", [
    ("loki.jsonl", json.dumps({"labels": {"host": "compute1"}, "line": HEADER, "timestamp": "2018-03-14T06:41:14Z"})),
    ("dump.ndjson", json.dumps({"_id": "x", "_source": {
        "Timestamp": "2018-03-14 06:41:14.268", "Pid": "2311", "log_level": "ERROR",
        "python_module": "nova.virt.libvirt.driver", "request_id": REQ[4:], "Hostname": "compute1",
        "programname": "nova-compute", "Payload": f" [instance: {UUID}] Migration operation has aborted"}})),
    ("nova-compute.log", json.dumps({"message": "Migration operation has aborted", "asctime": "2018-03-14 06:41:14",
                                     "msecs": 268.0, "name": "nova.virt.libvirt.driver", "levelname": "ERROR",
                                     "process": 2311, "hostname": "compute1", "traceback": None,
                                     "context": {"request_id": REQ}, "extra": {"instance_uuid": UUID}})),
])
def test_export_readers_golden_empty_and_malformed(tmp_path: Path, name: str, line: str) -> None:
    got = _read(tmp_path, name, line + "\n")
    e = got.events[0]
    assert (e.host, e.instance, e.request_id, e.level) == ("compute1", UUID, REQ, "ERROR")
    assert e.time.isoformat().startswith("2018-03-14T06:41:14")
    empty = _read(tmp_path, "empty-" + name, "")
    assert empty.events == () or len(empty.events) == 0
    # a truncated object (an export cut by a timeout) is that line unparsed; the others are read
    cut = _read(tmp_path, "cut-" + name, line[: len(line) // 2] + "\n" + line + "\n")
    st = cut.stats[0]
    assert st.balanced and st.records == 1 and st.unparsed_lines == 1


def test_json_nested_deeper_than_the_decoder_is_no_wrapper() -> None:
    line = '{"log": ' + "[" * 100_000 + "]" * 100_000 + "}"
    got = peel(line)
    assert got.lines == [line] and not got.wrappers
