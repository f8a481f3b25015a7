"""Shared journald helpers: service names, priorities, field decoding, the folding rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from migtrace.parsers._journal_common import (
    JournalEntry,
    decode_value,
    fold_entries,
    level_from_priority,
    service_from_identifier,
    to_int,
)

T0 = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("ident", "service"), [
    ("devstack@n-cpu.service", "n-cpu"), ("nova-compute", "n-cpu"), ("nova_compute", "n-cpu"),
    ("edpm_nova_compute.service", "n-cpu"), ("openstack-nova-compute.service", "n-cpu"),
    ("devstack@n-api.service", "n-api"), ("nova-api", "n-api"), ("nova-api-wsgi", "n-api"),
    ("nova-scheduler", "n-sch"), ("devstack@n-sch.service", "n-sch"),
    ("nova-conductor", "n-cond"), ("devstack@n-super-cond.service", "n-cond"),
    ("devstack@n-cond-cell1.service", "n-cond"), ("n-cond-cell2", "n-cond"),
    ("libvirtd", "libvirtd"), ("devstack@c-api.service", "c-api"), ("", None), (None, None),
])
def test_service_from_identifier_maps_nova_names(ident, service):
    assert service_from_identifier(ident) == service


def test_level_from_priority_follows_syslog():
    assert [level_from_priority(p) for p in (0, 2, 3, 4, 5, 6, 7)] == [
        "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG"]
    assert level_from_priority(None) is None and level_from_priority(9) is None


def test_decode_value_handles_every_json_shape():
    assert decode_value([104, 105, 255]) == "hi\ufffd"
    assert decode_value(b"ok") == "ok" and decode_value(["a", "b"]) == "a" and decode_value(None) is None
    assert decode_value(7) == "7" and decode_value([]) == ""
    assert to_int("42") == 42 and to_int(b"-3") == -3 and to_int("4x") is None and to_int(True) is None


def make(lineno: int, seconds: float, message: str, pid: int = 1, ident: str = "nova-compute") -> JournalEntry:
    return JournalEntry(lineno=lineno, line_count=1, time=T0 + timedelta(seconds=seconds),
                        time_text=str(seconds), message=message, host="h", ident=ident, pid=pid, priority=6)


def test_fold_entries_orders_records_by_first_entry(journal_ctx):
    ctx = journal_ctx()
    entries = [
        make(1, 0.0, "ERROR nova.compute.manager [-] first"),
        make(2, 0.1, "ERROR nova.conductor.manager [-] other process", pid=2, ident="nova-conductor"),
        make(3, 0.2, "tail of first"),
        make(4, 0.3, "tail of other", pid=2, ident="nova-conductor"),
        make(5, 5.0, "much later, own record"),
    ]
    events = list(fold_entries(entries, ctx, "journal-test"))
    assert [(e.lineno, e.extra) for e in events] == [(1, ("tail of first",)), (2, ("tail of other",)), (5, ())]
    assert events[2].level == "INFO" and events[2].logger is None
    assert (ctx.stats.records, ctx.stats.record_lines, ctx.stats.continuation_lines) == (3, 3, 2)


def test_fold_entries_new_header_ends_the_record(journal_ctx):
    ctx = journal_ctx()
    entries = [make(1, 0.0, "ERROR nova.compute.manager [-] one"),
               make(2, 0.1, "INFO nova.compute.manager [-] two"),
               make(3, 0.2, "ERROR nova.compute.manager [instance: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d] tb")]
    one, two = list(fold_entries(entries, ctx, "journal-test"))
    assert one.extra == () and two.extra == ("tb",)
    assert two.instance == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_fold_entries_falls_back_to_context_host(journal_ctx):
    ctx = journal_ctx(host="from-path", service="n-cpu")
    entry = JournalEntry(lineno=1, line_count=1, time=T0, time_text="x", message="hello")
    [event] = list(fold_entries([entry], ctx, "journal-test"))
    assert (event.host, event.service, event.level) == ("from-path", "n-cpu", None)


def test_fold_entries_empty(journal_ctx):
    ctx = journal_ctx()
    assert list(fold_entries([], ctx, "journal-test")) == [] and ctx.stats.records == 0
