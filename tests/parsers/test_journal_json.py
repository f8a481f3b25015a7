"""`journalctl -o json`: fields → Event, byte-array MESSAGE, use_journal newlines, bad lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.journal_json import PARSER

REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"
UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def entry(message: object, usec: int = 1715680923123456, **fields: object) -> str:
    base: dict[str, object] = {
        "__CURSOR": "s=abc;i=1", "__REALTIME_TIMESTAMP": str(usec), "__MONOTONIC_TIMESTAMP": "1",
        "_BOOT_ID": "0" * 32, "_HOSTNAME": "cmp1", "_SYSTEMD_UNIT": "devstack@n-cpu.service",
        "SYSLOG_IDENTIFIER": "nova-compute", "_PID": "4242", "PRIORITY": "6", "MESSAGE": message,
    }
    base.update(fields)
    return json.dumps(base)


def run(lines, ctx):
    events = list(PARSER.parse(MemoryInput.from_lines(list(enumerate(lines, 1))), ctx))
    assert ctx.stats.balanced, ctx.stats
    return events


def test_journal_json_entry_fields(journal_ctx):
    ctx = journal_ctx("n-cpu.json", host="fallback")
    msg = f"INFO nova.compute.manager [None {REQ} proj user] [instance: {UUID}] VM Resumed (Lifecycle Event)"
    [event] = run([entry(msg)], ctx)
    assert event.time == datetime(2024, 5, 14, 10, 2, 3, 123456, tzinfo=UTC)
    assert event.time_text == "1715680923123456"
    assert (event.host, event.service, event.pid) == ("cmp1", "n-cpu", 4242)
    assert (event.level, event.logger, event.request_id, event.instance) == (
        "INFO", "nova.compute.manager", REQ, UUID)
    assert (event.project, event.user) == ("proj", "user")
    assert event.message == "VM Resumed (Lifecycle Event)"
    assert (event.fmt, event.source) == ("journal-json", "n-cpu.json")


def test_journal_json_message_as_byte_array(journal_ctx):
    ctx = journal_ctx()
    raw = "WARNING nova.virt.libvirt.driver [-] caf\u00e9 \x1b[01;31mhot\x1b[00m".encode() + b"\xff"
    [event] = run([entry(list(raw))], ctx)
    assert event.level == "WARNING"
    assert event.message == "caf\u00e9 hot\ufffd"


def test_journal_json_use_journal_message_splits_into_extra(journal_ctx):
    ctx = journal_ctx()
    msg = (f"ERROR nova.compute.manager [None {REQ} u p] [instance: {UUID}] Live migration failed.: boom\n"
           "Traceback (most recent call last):\n  File \"/x.py\", line 1, in f\nValueError: boom\n")
    [event] = run([entry(msg, PRIORITY="3", REQUEST_ID=REQ, USER_ID="uid", PROJECT_ID="pid")], ctx)
    assert event.message == "Live migration failed.: boom"
    assert event.extra == ("Traceback (most recent call last):", '  File "/x.py", line 1, in f', "ValueError: boom")


def test_journal_json_journal_fields_fill_missing_ids(journal_ctx):
    ctx = journal_ctx()
    [event] = run([entry("plain text, not an oslo record", PRIORITY="4", REQUEST_ID=REQ,
                         USER_ID="uid", PROJECT_ID="pid")], ctx)
    assert (event.level, event.logger) == ("WARNING", None)
    assert (event.request_id, event.user, event.project) == (REQ, "uid", "pid")


def test_journal_json_priority_maps_to_level(journal_ctx):
    ctx = journal_ctx()
    lines = [entry(f"line {p}", usec=1715680923000000 + p * 2_000_000, PRIORITY=str(p)) for p in range(8)]
    levels = [e.level for e in run(lines, ctx)]
    assert levels == ["CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG"]


def test_journal_json_folds_per_line_entries(journal_ctx):
    ctx = journal_ctx()
    lines = [entry(f"ERROR nova.compute.manager [None {REQ} u p] failed", usec=1_000_000_000_000_000),
             entry("ERROR nova.compute.manager Traceback (most recent call last):", usec=1_000_000_000_100_000),
             entry("other", usec=1_000_000_000_150_000, SYSLOG_IDENTIFIER="libvirtd", _PID="7",
                   _SYSTEMD_UNIT="libvirtd.service"),
             entry("ERROR nova.compute.manager ValueError: x", usec=1_000_000_000_200_000)]
    first, second = run(lines, ctx)
    assert first.extra == ("Traceback (most recent call last):", "ValueError: x")
    assert (first.line_count, second.service, second.level) == (3, "libvirtd", "INFO")


def test_journal_json_bad_lines_are_counted(journal_ctx):
    ctx = journal_ctx()
    lines = ["", "not json", "{broken", "[1, 2]", json.dumps({"MESSAGE": "no time"}),
             json.dumps({"__REALTIME_TIMESTAMP": "99999999999999999999999", "MESSAGE": "absurd"}),
             "{" * 100_000, "\x1e" + entry("json-seq record")]
    [event] = run(lines, ctx)
    assert event.message == "json-seq record" and event.lineno == 8
    assert (ctx.stats.meta_lines, ctx.stats.unparsed_lines) == (1, 6)


def test_journal_json_null_and_repeated_values(journal_ctx):
    ctx = journal_ctx()
    [first, second] = run([entry(None), entry(["INFO a.b [-] one", "two"], usec=1715680929000000)], ctx)
    assert first.message == ""
    assert second.message == "one" and second.logger == "a.b"


def test_journal_json_empty_input(journal_ctx):
    ctx = journal_ctx()
    assert run([], ctx) == [] and ctx.stats.lines_read == 0


def test_journal_json_sniff():
    assert PARSER.sniff(MemoryInput.from_lines([entry("x"), entry("y")]).head) == 1.0
    assert PARSER.sniff(MemoryInput.from_lines(['{"a": 1}']).head) == 0.0
    assert PARSER.sniff(MemoryInput.from_lines(["May 14 10:02:03 h x[1]: y"]).head) == 0.0


def test_journal_json_samples_give_their_fields(journal_ctx):
    for sample in PARSER.samples:
        assert PARSER.patterns[sample.variant].fullmatch(sample.line)
        [event] = list(PARSER.parse(MemoryInput.from_lines([(1, sample.line)]), journal_ctx()))
        for name, value in sample.fields.items():
            assert getattr(event, name) == value, name


_VALUES = st.one_of(st.none(), st.text(max_size=30), st.integers(-5, 10**22),
                    st.lists(st.integers(0, 300), max_size=10), st.lists(st.text(max_size=5), max_size=3))


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.text(max_size=60),
    st.dictionaries(st.sampled_from(["__REALTIME_TIMESTAMP", "MESSAGE", "_PID", "PRIORITY", "_HOSTNAME",
                                     "SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "REQUEST_ID"]), _VALUES).map(json.dumps),
), max_size=25))
def test_journal_json_fuzz_never_raises_and_accounts_every_line(journal_ctx, lines):
    ctx = journal_ctx()
    events = list(PARSER.parse(MemoryInput.from_lines(list(enumerate(lines, 1))), ctx))
    assert ctx.stats.balanced and ctx.stats.lines_read == len(lines)
    assert all(e.time.tzinfo is not None for e in events)
