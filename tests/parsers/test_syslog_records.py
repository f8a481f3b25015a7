"""Other programs' syslog records among nova's lines are Events of their program, never nova continuations.

Issue 11: a paste of nova lines with NetworkManager, systemd, kernel, sshd … syslog
lines between them (pastebin_DHPWEkaZ, tickets, collector files).  Each such line
is a record: service = its program tag, host = the syslog HOSTNAME, time = the syslog
time (year from the dated records around it), level from `<PRI>` or from the shape
the program writes its level in (data: migtrace/data/record_levels.yaml), else unknown.
A bare `dmesg` line (seconds since boot) has no time of day: a record without a time (counted, no Event).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.correlate.markers import load_markers
from migtrace.diagnose.catalog import load_catalog
from migtrace.model import Event, FileStats
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.oslo import PARSER
from migtrace.parsers.syslog_record import FMT, level_entries, level_of, level_rules

UUID = "96213241-7c98-4ef1-88e8-bb461e573c82"
REQ = "req-35e04dac-fc4a-44e5-a8fb-d297e9dc2b49"
NOVA = (f"2017-03-04 17:03:52.842 171181 ERROR nova.virt.libvirt.driver [{REQ} 03c4073dda924464a60b7fd88ad94e8e "
        f"2cae75f18d594a0ea93b6cbf1d23f435 - - -] [instance: {UUID}] Live Migration failure: End of file while "
        "reading data: : Input/output error")
NOVA_LATER = NOVA.replace("17:03:52.842", "17:38:00.001").replace("Live Migration failure: End of file while "
                                                                  "reading data: : Input/output error",
                                                                  "Migration operation has aborted")
NM = "Mar 4 17:37:19 compute1 NetworkManager[1050]: <info> (tap273847c9-20): new Tun device (driver: 'unknown' ifindex: 215)"

#: what a healthy compute host logs around a migration (tools/inputforms/forms.py noise, DHPWEkaZ, sshd, ovs)
HEALTHY_NOISE = (
    NM,
    "Mar 4 17:37:19 compute1 NetworkManager[1050]: <info> devices added (path: /sys/devices/virtual/net/tap273847c9-20, "
    "iface: tap273847c9-20)",
    "Mar  4 17:37:19 compute1 systemd[1]: Started Session 104 of user root.",
    "Mar  4 17:37:19 compute1 CRON[1104]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
    "Mar  4 17:37:19 compute1 ovs-vswitchd[1187]: ovs|01104|bridge|INFO|bridge br-int: added interface tap273847c9-20 "
    "on port 3",
    "Mar  4 17:37:19 compute1 kernel: [110474.268000] br-int: port 3(tap273847c9-20) entered forwarding state",
    'Mar  4 17:37:19 compute1 kernel: [110474.268000] audit: type=1400 audit(1488648839.268:1004): apparmor="STATUS" '
    'operation="profile_replace" profile="unconfined" name="libvirt-96213241-7c98-4ef1-88e8-bb461e573c82" pid=1004 '
    'comm="apparmor_parser"',
    "Mar  4 17:37:19 compute1 kernel: [110474.268000] kvm: 1004: cpu0 unhandled rdmsr: 0x140 data 0x0",
    "Mar  4 17:37:19 compute1 sshd[2231]: Accepted publickey for nova from 192.0.2.12 port 51234 ssh2: RSA SHA256:x",
    "Mar  4 17:37:19 compute1 systemd-machined[812]: New machine qemu-3-instance-0000002c.",
)


def _ctx(year: int | None = None, host: str | None = None) -> ParseContext:
    return ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC, host=host, year=year)


def _parse(lines: list[str], year: int | None = None) -> tuple[list[Event], FileStats]:
    ctx = _ctx(year)
    events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    return events, ctx.stats


# --------------------------------------------------------------------------- the level table


@pytest.mark.parametrize(("line", "level"), [(s["line"], s["level"]) for e in level_entries() for s in e["samples"]])
def test_level_table_samples(line: str, level: str | None) -> None:
    assert level_of(line) == level


def test_level_table_names_only_oslo_levels_and_every_rule_has_a_sample() -> None:
    assert len(level_rules()) == len(level_entries())
    for e in level_entries():
        assert any(s["level"] for s in e["samples"]), e["name"]
        assert set(e["levels"].values()) <= {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


def test_wire_priority_wins_over_the_text() -> None:
    assert level_of("<info> text", "11") == "ERROR"  # 11 = user.err
    assert level_of("error: text", "14") == "INFO"  # 14 = user.info
    assert level_of("Started Session 1 of user root.", None) is None


# --------------------------------------------------------------------------- golden


def test_golden_paste_of_nova_and_other_programs() -> None:
    lines = [
        NOVA,
        "Traceback (most recent call last):",
        NM,
        "<30>Mar  4 17:37:20 compute1 systemd[1]: Started Session 42 of user root.",
        '  File "/usr/lib/python2.7/dist-packages/nova/virt/libvirt/driver.py", line 6345, in _live_migration_operation',
        "Mar  4 17:37:21 compute1 sshd[999]: error: kex_exchange_identification: Connection closed by remote host",
        "[Sat Mar  4 17:37:22 2017] virbr0: port 2(tap273847c9-20) entered disabled state",
        "[86474.300000] virbr0: port 2(tap273847c9-20) entered disabled state",
        NOVA_LATER,
        "",
    ]
    events, st = _parse(lines)
    assert st.balanced and st.lines_read == 10
    # the bare dmesg line (seconds since boot) is a record without a time: a record line, no Event
    assert (st.records, st.record_lines, st.continuation_lines, st.meta_lines, st.unparsed_lines) == (6, 7, 3, 0, 0)
    assert st.records == len(events)
    assert st.timeless_records == 1 and st.timeless_examples == [(8, lines[7])] and st.unparsed_examples == []
    got = [(e.time.isoformat(), e.service, e.host, e.level, e.logger, e.fmt) for e in events]
    assert got == [
        ("2017-03-04T17:03:52.842000+00:00", "n-cpu", None, "ERROR", "nova.virt.libvirt.driver", "oslo"),
        ("2017-03-04T17:37:19+00:00", "NetworkManager", "compute1", "INFO", None, FMT),
        ("2017-03-04T17:37:20+00:00", "systemd", "compute1", "INFO", None, FMT),
        ("2017-03-04T17:37:21+00:00", "sshd", "compute1", "ERROR", None, FMT),
        ("2017-03-04T17:37:22+00:00", "kernel", None, None, None, FMT),
        ("2017-03-04T17:38:00.001000+00:00", "n-cpu", None, "ERROR", "nova.virt.libvirt.driver", "oslo"),
    ]
    # the nova record kept its own traceback, none of the other programs' lines
    assert events[0].extra == ("Traceback (most recent call last):", lines[4])
    assert events[1].message == "<info> (tap273847c9-20): new Tun device (driver: 'unknown' ifindex: 215)"
    assert [e.lineno for e in events] == [1, 3, 4, 6, 7, 9]
    assert all(e.request_id is None and e.instance is None for e in events[1:5])
    assert [e.time for e in events] == sorted(e.time for e in events)  # held until the nova record was complete


def test_nova_records_inside_syslog_keep_their_lines_and_others_are_records() -> None:
    lines = [
        f"Mar  4 17:03:52 compute2 nova-compute[171181]: {NOVA}",
        "Mar  4 17:03:52 compute2 nova-compute[171181]: Traceback (most recent call last):",
        "Mar  4 17:03:52 compute2 kernel: [86474.300000] virbr0: port 2 disabled",
        "Mar  4 17:03:53 compute2 nova-compute[171181]: Host key verification failed.",
    ]
    events, st = _parse(lines, year=2017)
    assert st.balanced and st.unparsed_lines == 0 and st.records == 2
    nova, kernel = events
    assert nova.extra == ("Traceback (most recent call last):", "Host key verification failed.")
    assert (kernel.service, kernel.host) == ("kernel", "compute2")


def test_other_programs_before_any_nova_record_and_alone() -> None:
    events, st = _parse([NM, "Mar  4 17:37:20 compute1 nova-compute[4410]: Host key verification failed."], year=2017)
    assert st.balanced and st.records == 2 and st.unparsed_lines == 0
    assert [(e.service, e.level, e.time.year) for e in events] == [("NetworkManager", "INFO", 2017), ("n-cpu", None, 2017)]


def test_yearless_stamp_takes_the_year_of_the_records_around_it() -> None:
    december = NOVA.replace("2017-03-04", "2016-12-31")
    events, _ = _parse([december, NM.replace("Mar 4", "Jan 2")], year=2030)
    assert events[1].time == datetime(2017, 1, 2, 17, 37, 19, tzinfo=UTC)  # rolled over the new year
    events, _ = _parse([NOVA, NM], year=2030)
    assert events[1].time.year == 2017  # the dated record wins over the file's year


# --------------------------------------------------------------------------- empty / malformed


def test_empty_input() -> None:
    events, st = _parse([])
    assert events == [] and st.balanced and st.lines_read == 0


def test_malformed_lines_are_counted_never_folded() -> None:
    lines = [
        NOVA,
        "Feb 30 17:37:19 compute1 NetworkManager[1050]: <info> impossible date",
        "Mar  4 17:37:19 compute1 NetworkManager[1050]: ",
        "[Sat Feb 30 17:37:22 2017] impossible dmesg date",
        "[   12.5] not a dmesg stamp",
    ]
    events, st = _parse(lines, year=2017)
    assert st.balanced
    assert st.unparsed_lines == 1 and st.unparsed_examples[0][0] == 2  # no usable time: unparsed, with its line
    assert [e.service for e in events] == ["n-cpu", "NetworkManager"]  # an empty message is still a record
    assert events[0].extra == (lines[3], lines[4])  # not records of another program: they stay with nova's


def test_no_year_at_all_is_unparsed() -> None:
    events, st = _parse([NM])
    assert events == [] and st.unparsed_lines == 1 and st.balanced


# --------------------------------------------------------------------------- healthy noise fires nothing


def test_healthy_noise_matches_no_marker_and_no_signature() -> None:
    events, st = _parse([NOVA, *HEALTHY_NOISE])
    assert st.balanced and st.unparsed_lines == 0
    noise = [e for e in events if e.fmt == FMT]
    assert len(noise) == len(HEALTHY_NOISE)
    markers, catalog = load_markers(), load_catalog()
    fired = [(e.message[:60], [m.marker.id for m in markers.match(e)], [s.id for s in catalog if s.match.matches(e)])
             for e in noise]
    assert [f for f in fired if f[1] or f[2]] == []


# --------------------------------------------------------------------------- fuzz

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
programs = st.sampled_from(["NetworkManager", "kernel", "systemd", "sshd", "nova-compute", "libvirtd", "CRON",
                            "ovs-vswitchd", "x"]) | st.text("abcXYZ-_.@", min_size=1, max_size=12)
months = st.sampled_from(["Jan", "Feb", "Mar", "Dec", "Foo"])


@st.composite
def syslog_line(draw: st.DrawFn) -> str:
    pri = draw(st.sampled_from(["", "<11>", "<30>", "<191>", "<999>"]))
    day = draw(st.integers(0, 32))
    clock = f"{draw(st.integers(0, 25)):02d}:{draw(st.integers(0, 61)):02d}:{draw(st.integers(0, 61)):02d}"
    pid = draw(st.sampled_from(["", "[1]", "[1050]"]))
    body = draw(st.sampled_from(HEALTHY_NOISE).map(lambda n: n.split(": ", 1)[1]) | st.text(max_size=60)
                | st.sampled_from(["<warn> x", "error: y", "ovs|1|m|ERR|z", "<3>k", "level=fatal msg=q"]))
    return f"{pri}{draw(months)} {day:>2} {clock} {draw(st.sampled_from(['compute1', 'h']))} {draw(programs)}{pid}: {body}"


lines_st = st.lists(st.one_of(
    syslog_line(), st.just(NOVA), st.just(NOVA_LATER), st.just("Traceback (most recent call last):"),
    st.sampled_from(["[Sat Mar  4 17:37:22 2017] k", "[86474.300000] k", "[Sat Foo 99 1:1:1 0] k", ""]),
    st.text(st.characters(blacklist_characters="\n\r"), max_size=80)), max_size=30)


@FUZZ
@given(lines_st, st.sampled_from([None, 2017]))
def test_fuzz_every_line_accounted_and_other_programs_never_nova(lines: list[str], year: int | None) -> None:
    events, st_ = _parse(lines, year)
    assert st_.balanced and st_.records == len(events) and st_.lines_read == len(lines)
    for e in events:
        if e.fmt == FMT:
            assert e.logger is None and e.request_id is None and e.instance is None and e.extra == ()
            assert e.level in (None, "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


# --------------------------------------------------------------------------- through the CLI


def test_merge_shows_them_in_time_order_and_stats_balance(tmp_path: Path, cli: Callable[..., Result]) -> None:
    paste = tmp_path / "ticket.txt"
    paste.write_text("\n".join(["- nova LOG", f"- {NOVA}", "- syslog", f"- {NM}",
                                "- Mar  4 17:37:20 compute1 kernel: [86474.300000] virbr0: port 2 disabled",
                                f"- {NOVA_LATER}", ""]), encoding="utf-8")
    out = cli("merge", str(paste), "--tz", "UTC").stdout.splitlines()
    heads = [line for line in out if line[:4].isdigit()]
    assert [h.split(" ", 2)[1] for h in heads] == ["[?/n-cpu]", "[compute1/NetworkManager]", "[compute1/kernel]",
                                                   "[?/n-cpu]"]
    assert heads == sorted(heads)
    total = next(line for line in cli("merge", str(paste), "--stats").stdout.splitlines() if line.startswith("TOTAL"))
    lines, records, cont, meta, unparsed = (int(x) for x in total.split()[1:6])
    # the title before the first record is unparsed, "syslog" (prose after a record) folds into it
    assert (lines, records, cont, meta, unparsed) == (6, 4, 1, 0, 1) and total.split()[-1] == "yes"


def test_devstack_bare_records_in_rfc5424_are_recognised_as_oslo(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """A collector's RFC 5424 file of devstack records (no time of their own: the wrapper's) is oslo, not unknown."""
    bare = ("DEBUG oslo_service.periodic_task [None req-88e56ace-7bd2-46d7-ac66-1a08068be69a None None] Running "
            "periodic task ComputeManager._sync_scheduler_instance_info")
    path = tmp_path / "openstack.log"
    path.write_text("".join(f"<15>1 2024-05-14T08:03:4{i}.660617+00:00 compute1 nova-compute 52114 - - {bare}\n"
                            for i in range(3)), encoding="utf-8")
    rows = [line.split() for line in cli("merge", str(path), "--stats").stdout.splitlines()
            if line.startswith(str(path))]
    assert [(r[1], int(r[5]), int(r[8])) for r in rows] == [("oslo", 3, 0)]
