"""oslo.log text: every header variant of docs/nova-migration-logs.md §1, multi-line records, wrappers."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from migtrace.model import FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.oslo import PARSER, parse_payload, parse_request_block
from migtrace.sources import FileReader, InputFile

U = "ab6079d6-ad22-4000-bea8-4f04ab959f9c"
R = "req-dc81b29a-2af4-4dd8-b6d3-31b7aa383aa3"
G = "req-0c0ffee0-1111-4222-8333-444455556666"


def parse_text(text: str) -> tuple[list, FileStats]:
    stats = FileStats(path="t.log")
    ctx = ParseContext(path="t.log", stats=stats, tz=UTC)
    lines = list(enumerate(text.splitlines(), 1))
    return list(PARSER.parse(MemoryInput.from_lines(lines), ctx)), stats


@pytest.mark.parametrize("line, fields", [
    # Folsom: no msecs, no pid
    (f"2012-11-20 14:41:03 AUDIT nova.compute.manager [{R} 7b0b3e384c2c4c3cb3ba1f8c2b68b9a4 b5d2bd3e0bfd4b55b8a0a6c4c5a0d6fb] [instance: {U}] Starting instance...",
     {"level": "AUDIT", "pid": None, "request_id": R, "user": "7b0b3e384c2c4c3cb3ba1f8c2b68b9a4", "instance": U}),
    # Grizzly: msecs, no pid in context lines
    (f"2013-06-03 11:52:20.743 INFO nova.compute.manager [{R} admin demo] [instance: {U}] Migrating",
     {"level": "INFO", "pid": None, "user": "admin", "project": "demo"}),
    # Havana+: pid, [req-X user project]
    (f"2014-04-16 21:42:36.735 2563 INFO nova.compute.manager [{R} 9a2bd3e 1c5f7a0] [instance: {U}] Migrating",
     {"pid": 2563, "request_id": R, "user": "9a2bd3e", "project": "1c5f7a0"}),
    # no context
    (f"2018-06-13 21:29:54.695 474894 INFO nova.compute.manager [-] [instance: {U}] VM Paused (Lifecycle Event)",
     {"request_id": None, "instance": U, "message": "VM Paused (Lifecycle Event)"}),
    # Juno [req-X None]
    (f"2014-11-02 10:00:00.001 100 INFO nova.compute.manager [{R} None] Migration operation has completed",
     {"request_id": R, "user": None}),
    # [req-X ] (empty identity)
    (f"2014-11-02 10:00:00.001 100 INFO nova.compute.manager [{R} ] hello", {"request_id": R, "message": "hello"}),
    # Kilo [req-X u p - - -]
    (f"2015-06-01 10:00:00.001 100 ERROR nova.virt.libvirt.driver [{R} 691a581c 133ebc35 - - -] [instance: {U}] Live Migration failure: x",
     {"level": "ERROR", "user": "691a581c", "project": "133ebc35"}),
    # Pike–Yoga [req-X u p - default default]
    (f"2018-06-13 21:29:55.222 474894 INFO nova.virt.libvirt.driver [{R} 2498b36d 46ee40b8 - default default] [instance: {U}] Migration operation has completed",
     {"user": "2498b36d", "project": "46ee40b8"}),
    # Zed+ [None req-X u p - - default default]
    (f"2023-06-01 10:00:00.123 12345 INFO nova.compute.manager [None {R} 4b2e 9a8f - - default default] [instance: {U}] _post_live_migration() is started..",
     {"request_id": R, "global_request_id": None, "user": "4b2e", "project": "9a8f"}),
    # Zed+ with a caller's global id [req-G req-X …]
    (f"2023-06-01 10:00:00.123 12345 INFO nova.compute.manager [{G} {R} 4b2e 9a8f - - default default] x",
     {"request_id": R, "global_request_id": G}),
    # DEBUG suffix: default
    (f"2023-06-01 10:00:05.456 12345 DEBUG nova.virt.libvirt.driver [None {R} u p - - default default] [instance: {U}] Migration running for 5 secs, memory 62% remaining. _live_migration_monitor /usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py:11741",
     {"level": "DEBUG", "message": "Migration running for 5 secs, memory 62% remaining."}),
    # DEBUG suffix: old devstack `from (pid=N) …`
    (f"2015-01-23 15:39:57.743 DEBUG nova.compute.manager [-] [instance: {U}] Synchronizing instance power state after lifecycle event \"Started\" from (pid=19494) handle_lifecycle_event /home/stack/nova/nova/compute/manager.py:1134",
     {"pid": 19494, "message": "Synchronizing instance power state after lifecycle event \"Started\""}),
    # DEBUG suffix: devstack journald `{{(pid=N) …}}` (no timestamp: journald supplies it)
    ("DEBUG nova.compute.manager [None req-d24912ca-820d-4f70-8805-1bf7da481eaa None None] CONF.reclaim_instance_interval <= 0, skipping... {{(pid=100024) _reclaim_queued_deletes /opt/stack/nova/nova/compute/manager.py:10299}}",
     {"pid": 100024, "message": "CONF.reclaim_instance_interval <= 0, skipping..."}),
])
def test_parse_payload_header_variants(line: str, fields: dict) -> None:
    payload = parse_payload(line)
    assert payload is not None and payload.is_header
    for key, value in fields.items():
        assert getattr(payload, key) == value, key


def test_parse_request_block_devstack_names_project_first() -> None:
    assert parse_request_block("None req-1 demo admin".replace("req-1", R), names_first_project=True) == (R, None, "admin", "demo")


def test_parse_kilo_trace_lines_fold_into_record() -> None:
    text = "\n".join([
        f"2015-09-14 18:46:18.378 1203 ERROR nova.compute.manager [{R} admin admin - - -] [instance: {U}] Pre live migration failed at nova1",
        f"2015-09-14 18:46:18.378 1203 TRACE nova.compute.manager [instance: {U}] Traceback (most recent call last):",
        f"2015-09-14 18:46:18.378 1203 TRACE nova.compute.manager [instance: {U}]   File \"/opt/stack/nova/nova/compute/manager.py\", line 5316, in live_migration",
        f"2015-09-14 18:46:18.378 1203 TRACE nova.compute.manager [instance: {U}] RemoteError: Remote error: ProcessExecutionError Unexpected error while running command.",
        f"2015-09-14 18:46:18.378 1203 TRACE nova.compute.manager [instance: {U}] ",
        f"2015-09-14 18:46:19.001 1203 INFO nova.compute.manager [-] [instance: {U}] VM Resumed (Lifecycle Event)",
    ])
    events, stats = parse_text(text)
    assert [e.message for e in events] == ["Pre live migration failed at nova1", "VM Resumed (Lifecycle Event)"]
    assert events[0].extra[0] == "Traceback (most recent call last):"
    assert events[0].extra[-1].startswith("RemoteError: Remote error")
    assert stats.records == 2 and stats.continuation_lines == 4 and stats.balanced


def test_parse_liberty_error_prefix_and_remote_traceback_with_blank_lines() -> None:
    text = "\n".join([
        f"2016-03-01 10:00:00.100 3487 WARNING nova.scheduler.utils [{R} u p - - -] Failed to compute_task_migrate_server: No valid host was found. There are not enough hosts available.",
        "Traceback (most recent call last):",
        "",
        '  File "/usr/lib/python2.7/site-packages/oslo_messaging/rpc/server.py", line 142, in inner',
        "    return func(*args, **kwargs)",
        "",
        "NoValidHost: No valid host was found. There are not enough hosts available.",
        "",
        f"2016-03-01 10:00:00.101 3487 WARNING nova.scheduler.utils [{R} u p - - -] [instance: {U}] Setting instance to ACTIVE state.",
        f"2016-03-01 10:00:00.200 3487 ERROR oslo_messaging.rpc.server [{R} u p - - -] Exception during message handling",
        "2016-03-01 10:00:00.200 3487 ERROR oslo_messaging.rpc.server Traceback (most recent call last):",
        "2016-03-01 10:00:00.200 3487 ERROR oslo_messaging.rpc.server NoValidHost: No valid host was found.",
        "2016-03-01 10:00:00.200 3487 ERROR oslo_messaging.rpc.server ",
    ])
    events, stats = parse_text(text)
    assert len(events) == 3
    assert events[0].extra[-1] == "NoValidHost: No valid host was found. There are not enough hosts available."
    assert events[1].instance == U and events[1].extra == ()
    assert events[2].extra == ("Traceback (most recent call last):", "NoValidHost: No valid host was found.")
    assert stats.lines_read == 13 and stats.balanced and stats.unparsed_lines == 0


def test_parse_instance_on_traceback_lines_fills_missing_instance() -> None:
    text = "\n".join([
        f"2015-09-23 17:11:40.051 27041 ERROR nova.compute.manager [{R} a b - - -] Setting instance vm_state to ERROR",
        f"2015-09-23 17:11:40.051 27041 ERROR nova.compute.manager [instance: {U}] Traceback (most recent call last):",
    ])
    events, _ = parse_text(text)
    assert events[0].instance == U


def test_parse_headerless_traceback_is_one_record() -> None:
    text = "\n".join(f"2015-09-23 17:11:40.051 27041 ERROR nova.compute.manager [instance: {U}]   File \"x.py\", line {i}, in f" for i in range(4))
    events, stats = parse_text(text)
    assert len(events) == 1 and len(events[0].extra) == 3 and stats.unparsed_lines == 0


def test_parse_terminal_wrapped_header_rejoined_mid_uuid() -> None:
    text = "\n".join([
        f"2015-09-14 18:46:18.378 ERROR nova.compute.manager [{R} admin admin] [instance: 2ae2fc70-eb23-45f0-8fcb-d65bdc713",
        "9e5] Pre live migration failed at nova1",
    ])
    events, stats = parse_text(text)
    assert len(events) == 1
    assert events[0].instance == "2ae2fc70-eb23-45f0-8fcb-d65bdc7139e5"
    assert events[0].message == "Pre live migration failed at nova1"
    assert events[0].line_count == 2 and stats.record_lines == 2 and stats.balanced


def test_parse_mail_wrapped_header_rejoined_at_word_break() -> None:
    text = "\n".join([
        "2015-01-23 15:39:57.743 DEBUG nova.compute.manager [-] [instance:",
        f"{U}] Synchronizing instance power",
        "state after lifecycle event \"Started\"",
    ])
    events, stats = parse_text(text)
    assert events[0].instance == U
    assert events[0].message == "Synchronizing instance power"
    assert stats.balanced


def test_parse_ansi_colours_stripped_including_escless_remnants() -> None:
    text = (f"2024-05-14 10:02:03.123 4242 \x1b[00;36mINFO nova.compute.manager [\x1b[01;36m{R} \x1b[00;36m"
            f"admin demo\x1b[00;36m] \x1b[01;35m[instance: {U}] \x1b[00;36mMigrating\x1b[00m\n"
            f"2024-05-14 10:02:04.000 4242 [00;36mINFO nova.compute.manager [[01;36m{R} [00;36madmin demo[00;36m] "
            f"[01;35m[instance: {U}] [00;36mVM Paused (Lifecycle Event)#033[00m")
    events, _ = parse_text(text)
    assert [e.message for e in events] == ["Migrating", "VM Paused (Lifecycle Event)"]
    assert all(e.instance == U and e.request_id == R for e in events)


def test_parse_empty_input() -> None:
    events, stats = parse_text("")
    assert events == [] and stats.lines_read == 0 and stats.balanced


def test_parse_garbage_before_first_record_is_unparsed_not_dropped() -> None:
    events, stats = parse_text("some shell prompt $ grep foo\n2018-03-01 10:00:00.000 1 INFO nova.compute.manager [-] x")
    assert len(events) == 1 and stats.unparsed_lines == 1 and stats.unparsed_examples[0][0] == 1


def _read(path: Path, **opts) -> tuple[list, FileStats]:
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(**opts), lambda m: None)
    events = list(reader.events())
    return events, reader.stats


HEADER = f"2018-06-13 21:29:54.626 474894 INFO nova.virt.libvirt.migration [{R} 2498b36d 46ee40b8 - default default] [instance: {U}] Switching to post-copy migration mode"


@pytest.mark.parametrize("name, text, fmt_part", [
    ("paste.txt", f"  1. {HEADER}\n  2. {HEADER}\n", "pastebin-number"),
    ("dash.txt", f"- {HEADER}\n- {HEADER}\n", "list-dash"),
    ("gist.txt", f"{HEADER} | |\n{HEADER} | |\n", "gist-table"),
    ("hashes.txt", f"###### {HEADER}\n###### {HEADER}\n", "hashes"),
    ("grep.txt", f"nova-compute.log:{HEADER}\nnova-compute.log.1:{HEADER}\n", "grep-prefix"),
    ("crlf.log", f"{HEADER}\r\n{HEADER}\r\n", "oslo"),
    ("md.txt", "    " + HEADER.replace("[", "\\[").replace("]", "\\]") + "\n", "indent"),
])
def test_wrappers_are_peeled(tmp_path: Path, name: str, text: str, fmt_part: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode())
    events, stats = _read(path)
    assert events and all(e.message == "Switching to post-copy migration mode" for e in events)
    assert all(e.request_id == R and e.instance == U for e in events)
    assert fmt_part in stats.fmt and stats.unparsed_lines == 0 and stats.balanced


def test_wrappers_grep_prefix_names_the_service(tmp_path: Path) -> None:
    path = tmp_path / "grep.out"
    path.write_text(f"/var/log/nova/nova-conductor.log:{HEADER}\n/var/log/nova/nova-compute.log:{HEADER}\n")
    events, _ = _read(path)
    assert [e.service for e in events] == ["n-cond", "n-cpu"]


def test_wrappers_tail_headers_switch_service_and_count_as_meta(tmp_path: Path) -> None:
    path = tmp_path / "tail.out"
    path.write_text(f"==> /var/log/nova/nova-api.log <==\n{HEADER}\n\n==> /var/log/nova/nova-compute.log <==\n{HEADER}\n")
    events, stats = _read(path)
    assert [e.service for e in events] == ["n-api", "n-cpu"]
    assert stats.meta_lines >= 2 and stats.balanced


def test_timezone_option_converts_local_time_to_utc(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_text(HEADER + "\n")
    events, _ = _read(path, tz="Europe/Paris")
    assert events[0].time.isoformat() == "2018-06-13T19:29:54.626000+00:00"
    assert events[0].time_text == "2018-06-13 21:29:54.626"
