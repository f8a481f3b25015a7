"""journalctl text output: every variant, banners, years, zones, ANSI, folding, accounting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.journal_text import PARSER
from tests.conftest import REAL_LOGS, needs_shared

REAL = REAL_LOGS
REQ = "req-406cfbb9-faff-4e93-bc62-079f7e8bf6be"
UUID = "6e5a0440-963f-4921-aede-67af701a50fa"
HOST = "ubuntu-focal-vexxhost-ca-ymq-1-0024823853"


def run(lines, ctx, number):
    events = list(PARSER.parse(MemoryInput.from_lines(number(lines)), ctx))
    assert ctx.stats.balanced, ctx.stats
    return events


def test_journal_text_short_devstack_line(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2017)
    line = (f"Aug 02 17:24:00 ubuntu-linux nova-compute[14773]: ERROR nova.compute.manager "
            f"[None {REQ} admin admin] [instance: {UUID}] Instance failed to spawn: libvirtError: boom")
    [event] = run([line], ctx, journal_numbered)
    assert event.time == datetime(2017, 8, 2, 17, 24, tzinfo=UTC)
    assert event.time_text == "Aug 02 17:24:00"
    assert (event.host, event.service, event.pid) == ("ubuntu-linux", "n-cpu", 14773)
    assert (event.level, event.logger) == ("ERROR", "nova.compute.manager")
    assert (event.request_id, event.global_request_id, event.instance) == (REQ, None, UUID)
    assert event.message == "Instance failed to spawn: libvirtError: boom"
    assert (event.fmt, event.lineno, event.line_count, event.source) == ("journal-text", 1, 1, "journal.txt")


def test_journal_text_short_precise_uses_ctx_tz(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024, tz=ZoneInfo("Europe/Berlin"))
    line = ("May 14 10:02:03.123456 cmp1 devstack@n-api.service[8526]: INFO nova.api.openstack.requestlog "
            f"[None {REQ} service nova] 10.0.0.5 \"GET /compute/v2.1/servers\" status: 200 len: 15 "
            "microversion: 2.1 time: 0.028856")
    [event] = run([line], ctx, journal_numbered)
    assert event.time == datetime(2024, 5, 14, 8, 2, 3, 123456, tzinfo=UTC)
    assert event.service == "n-api"


def test_journal_text_short_iso_offset_is_exact(journal_ctx, journal_numbered):
    ctx = journal_ctx(tz=ZoneInfo("America/New_York"))
    lines = ["2024-05-14T10:02:03+0200 cmp1 nova-scheduler[77]: INFO nova.scheduler.manager [-] a",
             "2024-05-14T10:02:04.250000+00:00 cmp1 nova-scheduler[77]: INFO nova.scheduler.manager [-] b"]
    first, second = run(lines, ctx, journal_numbered)
    assert first.time == datetime(2024, 5, 14, 8, 2, 3, tzinfo=UTC)
    assert second.time == datetime(2024, 5, 14, 10, 2, 4, 250000, tzinfo=UTC)
    assert first.service == "n-sch"


def test_journal_text_short_full_and_unix(journal_ctx, journal_numbered):
    ctx = journal_ctx()
    lines = ["Tue 2024-05-14 10:02:03 UTC cmp2 nova-conductor[9]: WARNING nova.conductor.manager [-] x",
             "1715680924.500000 cmp2 nova-conductor[9]: INFO nova.conductor.manager [-] y"]
    first, second = run(lines, ctx, journal_numbered)
    assert first.time == datetime(2024, 5, 14, 10, 2, 3, tzinfo=UTC)
    assert second.time == datetime(2024, 5, 14, 10, 2, 4, 500000, tzinfo=UTC)
    assert first.service == second.service == "n-cond"


def test_journal_text_banner_sets_year_and_is_meta(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2030)
    lines = ["-- Logs begin at Tue 2017-03-28 12:02:58 UTC, end at Tue 2017-03-28 13:16:45 UTC. --",
             "Mar 28 12:20:42.377230 node systemd[1]: Started Devstack devstack@n-cpu.service.",
             "-- Boot 0123456789abcdef0123456789abcdef --",
             "-- No entries --"]
    [event] = run(lines, ctx, journal_numbered)
    assert event.time.year == 2017
    assert ctx.stats.meta_lines == 3
    # a non-nova line is a record of its own: no logger, level from nothing
    assert (event.service, event.pid, event.logger, event.level) == ("systemd", 1, None, None)


def test_journal_text_year_rolls_over_in_january(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2023)
    lines = ["Dec 31 23:59:59 h nova-compute[1]: INFO nova.compute.manager [-] old year",
             "Jan 01 00:00:01 h nova-compute[1]: INFO nova.compute.manager [-] new year"]
    first, second = run(lines, ctx, journal_numbered)
    assert (first.time.year, second.time.year) == (2023, 2024)


@needs_shared
def test_journal_text_podman_payload_date_anchors_year(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2020)
    line = (REAL / "gh_novaoperator1001_edpm_journal_MigrationPreCheckError_cpu_compare.log").read_text()
    [event] = run(line.splitlines(), ctx, journal_numbered)
    assert event.time == datetime(2025, 7, 31, 15, 17, 34, tzinfo=UTC)
    assert (event.service, event.pid, event.level) == ("n-cpu", 354378, "ERROR")
    assert event.logger == "oslo_messaging.rpc.server"


def test_journal_text_no_year_warns_once(journal_ctx, journal_numbered):
    warnings: list[str] = []
    ctx = journal_ctx(warnings=warnings)
    lines = ["May 14 10:02:03 h nova-compute[1]: INFO nova.compute.manager [-] a"] * 3
    events = run(lines, ctx, journal_numbered)
    assert len(events) == 3 and len(warnings) == 1 and "--year" in warnings[0]


def test_journal_text_strips_ansi_in_every_spelling(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024)
    esc = (f"May 14 10:02:03 h nova-compute[1]: \x1b[00;36mINFO nova.compute.manager [\x1b[01;36mNone {REQ} "
           f"\x1b[00;36mproj user\x1b[00;36m] \x1b[01;35m[instance: {UUID}] \x1b[00;36mVM Paused\x1b[00m")
    bare = esc.replace("\x1b", "")
    rsyslog = esc.replace("\x1b", "#033")
    events = run([esc, bare, rsyslog], ctx, journal_numbered)
    assert len(events) == 3
    for event in events:
        assert (event.level, event.request_id, event.instance) == ("INFO", REQ, UUID)
        assert event.message == "VM Paused"
        assert (event.project, event.user) == ("proj", "user")


def test_journal_text_folds_devstack_split_traceback(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2021)
    prefix = f"May 26 09:49:47.314813 {HOST} nova-compute[114649]: "
    lines = [
        prefix + f"ERROR nova.virt.libvirt.driver [None {REQ} tempest-X-1 tempest-X-1-project-admin] "
                 "Failure rebasing volume /dev/sdb on vdb.: libvirt.libvirtError: disk 'vdb' not found",
        prefix + "ERROR nova.virt.libvirt.driver Traceback (most recent call last):",
        prefix + 'ERROR nova.virt.libvirt.driver   File "/opt/stack/nova/nova/virt/libvirt/driver.py", '
                 "line 2107, in _swap_volume",
        prefix + "ERROR nova.virt.libvirt.driver     while not dev.is_job_complete():",
        prefix + "ERROR nova.virt.libvirt.driver libvirt.libvirtError: disk 'vdb' not found in domain",
        prefix + "ERROR nova.virt.libvirt.driver ",
        f"May 26 09:49:47.400000 {HOST} nova-compute[114649]: INFO nova.compute.manager [-] next record",
    ]
    first, second = run(lines, ctx, journal_numbered)
    assert first.extra == (
        "Traceback (most recent call last):",
        '  File "/opt/stack/nova/nova/virt/libvirt/driver.py", line 2107, in _swap_volume',
        "    while not dev.is_job_complete():",
        "libvirt.libvirtError: disk 'vdb' not found in domain",
    )
    assert (first.line_count, first.lineno, second.lineno) == (6, 1, 7)
    assert (ctx.stats.records, ctx.stats.record_lines, ctx.stats.continuation_lines) == (2, 2, 5)


def test_journal_text_continuation_needs_same_pid_and_one_second(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024)
    lines = [
        "May 14 10:00:00.000000 h nova-compute[1]: ERROR nova.compute.manager [-] failed",
        "May 14 10:00:00.100000 h nova-compute[2]: Traceback (most recent call last):",
        "May 14 10:00:00.200000 h nova-compute[1]: Traceback (most recent call last):",
        "May 14 10:00:02.000000 h nova-compute[1]: late line",
    ]
    events = run(lines, ctx, journal_numbered)
    assert [e.lineno for e in events] == [1, 2, 4]
    assert events[0].extra == ("Traceback (most recent call last):",)
    assert events[1].logger is None and events[1].pid == 2


def test_journal_text_interleaved_processes_keep_input_order(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024)
    lines = [
        "May 14 10:00:00.000000 h nova-compute[1]: ERROR nova.compute.manager [-] failed",
        "May 14 10:00:00.010000 h libvirtd[5]: internal error: something",
        "May 14 10:00:00.020000 h nova-compute[1]: Traceback (most recent call last):",
    ]
    events = run(lines, ctx, journal_numbered)
    assert [(e.lineno, e.service) for e in events] == [(1, "n-cpu"), (2, "libvirtd")]
    assert events[0].extra == ("Traceback (most recent call last):",)


def test_journal_text_indented_message_lines_continue_the_entry(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024)
    lines = [
        "May 14 10:00:00 h nova-conductor[3]: WARNING nova.conductor.manager [None "
        f"{REQ} admin admin] Failed to compute_task_migrate_server: No valid host was found.",
        "                                      Traceback (most recent call last):",
        "                                        File \"/usr/lib/python3/dist-packages/x.py\", line 1",
    ]
    [event] = run(lines, ctx, journal_numbered)
    assert event.extra == ("Traceback (most recent call last):", 'File "/usr/lib/python3/dist-packages/x.py", line 1')
    assert event.line_count == 3 and ctx.stats.record_lines == 3


def test_journal_text_unparsed_and_impossible_dates_are_counted(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2023)
    lines = ["$ sudo journalctl -u devstack@n-cpu", "Feb 30 10:00:00 h nova-compute[1]: x", "",
             "Feb 28 10:00:00 h nova-compute[1]: INFO nova.compute.manager [-] ok"]
    [event] = run(lines, ctx, journal_numbered)
    assert event.lineno == 4
    assert ctx.stats.unparsed_lines == 2 and ctx.stats.meta_lines == 1


def test_journal_text_empty_input(journal_ctx, journal_numbered):
    ctx = journal_ctx()
    assert run([], ctx, journal_numbered) == []
    assert ctx.stats.lines_read == 0


@needs_shared
def test_journal_text_real_devstack_n_cpu_excerpt(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2023)
    lines = (REAL / "gh_qeas_devstack_journal_n-cpu_volume_boot.log").read_text().splitlines()
    events = run(lines, ctx, journal_numbered)
    assert ctx.stats.unparsed_lines == 0
    assert len(events) == ctx.stats.records and events
    assert {e.host for e in events} == {"devstack02"} and {e.service for e in events} == {"n-cpu"}
    assert all(e.request_id and e.request_id.startswith("req-") for e in events if e.logger)


def test_journal_text_sniff_prefers_journal_lines():
    head = ["-- Logs begin at Tue 2017-03-28 12:02:58 UTC, end at Tue 2017-03-28 13:16:45 UTC. --",
            "Mar 28 12:20:42.377230 h systemd[1]: Started Devstack devstack@c-api.service."]
    assert PARSER.sniff(MemoryInput.from_lines(head).head) == 1.0
    assert PARSER.sniff(MemoryInput.from_lines(["2024-05-14 10:00:00.123 12 INFO nova.compute.manager [-] x"]).head) == 0.0
    assert PARSER.sniff(MemoryInput.from_lines([]).head) == 0.0


def test_journal_text_samples_match_one_variant_fully():
    for sample in PARSER.samples:
        matching = [v for v, p in PARSER.patterns.items() if p.fullmatch(sample.line)]
        assert matching == [sample.variant], sample.line
    assert {s.variant for s in PARSER.samples} == set(PARSER.patterns)


def test_journal_text_samples_give_their_fields(journal_ctx):
    for sample in PARSER.samples:
        [event] = list(PARSER.parse(MemoryInput.from_lines([(1, sample.line)]), journal_ctx(year=2024)))
        for name, value in sample.fields.items():
            assert getattr(event, name) == value, (sample.variant, name)


_FRAGMENTS = st.sampled_from([
    "May 14 10:02:03 h nova-compute[1]: ", "May 14 10:02:03.5 h nova-compute[1]: ",
    "2024-05-14T10:02:03+0000 h n[2]: ", "-- Boot x --", "-- Logs begin at Tue 2017-03-28 1 --",
    "ERROR nova.compute.manager ", "INFO nova.x [None req-00000000-0000-0000-0000-000000000000 a b] ",
    "Traceback", "  File", "\x1b[01;36m", "[01;36m", "#033[00m", "\x00", "\ufffd", " ", "Dec 31 23:59:59 h x: ",
    "Jan 01 00:00:00 h x[9999999999]: ", "Feb 30 1", "Tue 2024-05-14 10:02:03 CEST h y[3]: ", "1715680923.1 h z: ",
])


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=80), st.lists(_FRAGMENTS, max_size=6).map("".join)), max_size=30),
       st.sampled_from([None, 2023]))
def test_journal_text_fuzz_never_raises_and_accounts_every_line(journal_ctx, lines, year):
    ctx = journal_ctx(year=year)
    events = list(PARSER.parse(MemoryInput.from_lines(list(enumerate(lines, 1))), ctx))
    assert ctx.stats.balanced
    assert ctx.stats.lines_read == len(lines)
    assert sum(e.line_count for e in events) == ctx.stats.record_lines + ctx.stats.continuation_lines
    assert all(e.time.tzinfo is not None for e in events)


def test_journal_text_ten_megabyte_lines(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2024)
    big = "x " * 5_000_000
    lines = ["May 14 10:02:03 h nova-compute[1]: INFO nova.compute.manager [-] " + big, big]
    [event] = run(lines, ctx, journal_numbered)
    assert len(event.message) > 9_000_000
    assert ctx.stats.unparsed_lines == 1


def test_journal_text_with_unit_and_journal_begins_banner(journal_ctx, journal_numbered):
    ctx = journal_ctx(year=2001)
    lines = ["-- Journal begins at Tue 2024-05-14 07:58:11 UTC, ends at Tue 2024-05-14 11:00:00 UTC. --",
             "Tue 2024-05-14 10:02:03 UTC cmp1 devstack@n-cond-cell1.service[70]: INFO nova.conductor.manager [-] x",
             "May 14 10:02:04 cmp1 nova-compute[1]: INFO nova.compute.manager [-] y"]
    first, second = run(lines, ctx, journal_numbered)
    assert first.service == "n-cond" and first.pid == 70
    assert second.time == datetime(2024, 5, 14, 10, 2, 4, tzinfo=UTC)
