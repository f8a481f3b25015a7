"""`journalctl -o export`: text and binary fields, separators, corrupt and truncated streams."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.journal_export import PARSER

REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"


def fields(message: str | bytes, usec: int = 1715680923123456, **extra: str | bytes) -> dict[str, str | bytes]:
    base: dict[str, str | bytes] = {
        "__CURSOR": "s=abc;i=1", "__REALTIME_TIMESTAMP": str(usec), "__MONOTONIC_TIMESTAMP": "12",
        "_BOOT_ID": "0" * 32, "_HOSTNAME": "cmp2", "_SYSTEMD_UNIT": "devstack@n-super-cond.service",
        "SYSLOG_IDENTIFIER": "nova-conductor", "_PID": "31", "PRIORITY": "6", "MESSAGE": message,
    }
    base.update(extra)
    return base


def run_bytes(data: bytes, ctx):
    events = list(PARSER.parse(MemoryInput(io.BytesIO(data).read()), ctx))
    assert ctx.stats.balanced, ctx.stats
    return events


def test_journal_export_text_fields(journal_ctx, journal_export):
    ctx = journal_ctx("devstack.journal.export")
    data = journal_export([fields(f"INFO nova.conductor.tasks.live_migrate [None {REQ} a b] Starting", REQUEST_ID=REQ)])
    [event] = run_bytes(data, ctx)
    assert event.time == datetime(2024, 5, 14, 10, 2, 3, 123456, tzinfo=UTC)
    assert (event.host, event.service, event.pid, event.request_id) == ("cmp2", "n-cond", 31, REQ)
    assert (event.lineno, event.line_count, event.fmt) == (1, 11, "journal-export")
    assert (ctx.stats.lines_read, ctx.stats.record_lines, ctx.stats.meta_lines) == (12, 11, 1)


def test_journal_export_binary_field_with_newlines_and_bad_utf8(journal_ctx, journal_export):
    ctx = journal_ctx()
    message = (f"ERROR nova.compute.manager [None {REQ} a b] Migration failed\n"
               "Traceback (most recent call last):\n  File \"/x.py\"\n").encode() + b"\xfe\x00end"
    data = journal_export([fields(message, _HOSTNAME=b"cmp\n2")])
    [event] = run_bytes(data, ctx)
    assert event.message == "Migration failed"
    assert event.extra == ("Traceback (most recent call last):", '  File "/x.py"', "\ufffd\x00end")
    assert event.host == "cmp\n2"
    assert ctx.stats.lines_read == 11  # 10 fields (binary ones count one each) + separator


def test_journal_export_folds_split_entries(journal_ctx, journal_export):
    ctx = journal_ctx()
    data = journal_export([
        fields(f"ERROR nova.conductor.manager [None {REQ} a b] Failed to compute_task_migrate_server: x"),
        fields("Traceback (most recent call last):", usec=1715680923200000),
        fields("unrelated", usec=1715680925000000),
    ])
    first, second = run_bytes(data, ctx)
    assert first.extra == ("Traceback (most recent call last):",)
    assert (first.line_count, second.lineno) == (20, 23)  # separators are meta, not record lines
    assert ctx.stats.continuation_lines == 10


def test_journal_export_entry_without_time_is_unparsed(journal_ctx):
    ctx = journal_ctx()
    assert run_bytes(b"MESSAGE=hello\n_HOSTNAME=x\n\n", ctx) == []
    assert (ctx.stats.unparsed_lines, ctx.stats.meta_lines) == (2, 1)


def test_journal_export_truncated_binary_field(journal_ctx, journal_export):
    ctx = journal_ctx()
    cut_field = b"MESSAGE\n" + (500).to_bytes(8, "little") + b"short"
    whole = journal_export([fields("ok")]) + b"__REALTIME_TIMESTAMP=1715680924000000\n" + cut_field
    first, partial = run_bytes(whole, ctx)
    assert first.message == "ok"
    assert (partial.message, partial.line_count) == ("", 1)  # what survived of the cut entry
    assert ctx.stats.unparsed_lines == 1 and ctx.stats.unparsed_examples[0][0] == 13
    ctx2 = journal_ctx()
    assert [e.message for e in run_bytes(journal_export([fields("ok")])[:-2], ctx2)] == ["ok"]  # no final newlines


def test_journal_export_garbage_bytes(journal_ctx):
    ctx = journal_ctx()
    data = bytes(range(256)) * 50 + b"\nMESSAGE\n\xff\xff\xff\xff\xff\xff\xff\xff"
    assert run_bytes(data, ctx) == []
    assert ctx.stats.lines_read == ctx.stats.unparsed_lines + ctx.stats.meta_lines > 0


def test_journal_export_text_lines(journal_ctx, journal_export):
    ctx = journal_ctx()
    text = journal_export([fields("INFO nova.compute.manager [-] hello")]).decode()
    lines = [*list(enumerate(text.split("\n")[:-1], 1)), (13, "MESSAGE")]
    [event] = list(PARSER.parse(MemoryInput.from_lines(lines), ctx))
    assert event.message == "hello" and event.service == "n-cond"
    assert ctx.stats.balanced and ctx.stats.unparsed_lines == 1


def test_journal_export_empty_input(journal_ctx):
    ctx = journal_ctx()
    assert run_bytes(b"", ctx) == [] and ctx.stats.lines_read == 0
    assert list(PARSER.parse(MemoryInput.from_lines([]), ctx)) == []


def test_journal_export_sniff(journal_export):
    data = journal_export([fields("x")])
    assert (PARSER.sniff(MemoryInput(data).head) == 1.0)
    assert PARSER.sniff(MemoryInput(b"May 14 10:02:03 h x[1]: MESSAGE=1\n").head) != 1.0
    assert PARSER.sniff(MemoryInput(b"").head) != 1.0
    assert PARSER.sniff(MemoryInput.from_lines(data.decode().splitlines()).head) == 1.0
    assert PARSER.sniff(MemoryInput.from_lines(["A=1", "B=2"]).head) == 0.0


def test_journal_export_samples_match_their_variant(journal_ctx):
    for sample in PARSER.samples:
        assert [v for v, p in PARSER.patterns.items() if p.fullmatch(sample.line)] == [sample.variant]
        [event] = list(PARSER.parse(MemoryInput.from_lines([(1, sample.line)]), journal_ctx()))
        for name, value in sample.fields.items():
            assert getattr(event, name) == value, name


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\n", b"__REALTIME_TIMESTAMP=1715680923123456\n", b"MESSAGE=INFO a.b [-] x\n",
                     b"MESSAGE\n", b"\x05\x00\x00\x00\x00\x00\x00\x00", b"hello\n", b"_PID=1\n",
                     b"SYSLOG_IDENTIFIER=nova-compute\n", b"\xff\xff\xff\xff\xff\xff\xff\x7f"]),
), max_size=30).map(b"".join))
def test_journal_export_fuzz_never_raises_and_accounts_every_line(journal_ctx, data):
    ctx = journal_ctx()
    events = list(PARSER.parse(MemoryInput(io.BytesIO(data).read()), ctx))
    assert ctx.stats.balanced
    assert all(e.time.tzinfo is not None for e in events)
