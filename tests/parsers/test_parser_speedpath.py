"""The oslo parser's quick ways give exactly what the general way gives (issue 13 item 2).

Each shortcut is checked against the code it stands for, on nova-shaped
lines and on arbitrary text: the greedy header regex against the lazy one it
replaced, the DEBUG suffix looked for in the message's last words against a
search of the whole message, the per-second UTC conversion against
`localize`, and the one-regex header path against the general fold (same
Events, same line accounting).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace._timeutil import localize
from migtrace.model import Event, FileStats
from migtrace.parsers import oslo
from migtrace.parsers._base import ParseContext
from migtrace.parsers._header import LEVEL_ALTERNATION, TIMESTAMP
from migtrace.parsers._memory import MemoryInput

FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: the header regexes as they were before the greedy rewrite (the reference)
LAZY_STD = re.compile(r"(?P<ts>" + TIMESTAMP + r")\s+(?:(?P<pid>\d+)\s+)?(?P<level>" + LEVEL_ALTERNATION
                      + r")\s+(?P<logger>[\w.\-]+)(?:\s(?P<rest>.*?))?\s*$")
LAZY_BARE = re.compile(r"(?P<level>" + LEVEL_ALTERNATION + r")\s+(?P<logger>[a-z_][\w.\-]*)(?:\s(?P<rest>.*?))?\s*$")

blanks = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u2003", " \t "])
words = st.sampled_from([
    "Running", "periodic", "task", "ComputeManager._poll", "run_periodic_tasks", "from", "(pid=4400)",
    "{{(pid=12)", "_do_it", "/usr/lib/python3/dist-packages/nova/compute/manager.py:7070",
    "/opt/stack/nova/nova/compute/manager.py:10299}}", "x.py:1", "/a.py:12", "<lambda>", "}}", ")", "[",
    "]", "[instance:", "req-0b9d3c3e-1111-2222-3333-444455556666", "-", "None", "[-]", ":", "é", "٣",
]) | st.text(max_size=12)
timestamps = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31))
levels = st.sampled_from(["DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL", "TRACE", "WARN", "FATAL"])
loggers = st.sampled_from(["nova.compute.manager", "oslo_concurrency.lockutils", "nova.virt.libvirt.driver",
                           "os_brick.initiator.connectors.iscsi"])
blocks = st.sampled_from([
    "[req-0b9d3c3e-1111-2222-3333-444455556666 - - - - -]",
    "[req-0b9d3c3e-1111-2222-3333-444455556666 4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e "
    "9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default]",
    "[None req-d24912ca-820d-4f70-8805-1bf7da481eaa admin admin]",
    "[-]", "[]", "[instance: 4d5a1c1b-2e8c-4e6b-9d2a-6b1f3c0d2e9a]", "[req-x", "[None]", "[a] [b]",
])
instances = st.sampled_from(["", "[instance: 4D5A1C1B-2e8c-4e6b-9d2a-6b1f3c0d2e9a] ", "[instance: bad] "])
suffixes = st.sampled_from([
    "", " _heal /usr/lib/python3/dist-packages/nova/compute/manager.py:7070",
    " {{(pid=100024) _reclaim /opt/stack/nova/nova/compute/manager.py:10299}}",
    " from (pid=2150) _run /opt/stack/nova/nova/service.py:123", "{{(pid=1) f /x.py:1}}", " f x.py:1",
    "\t\tinner /a.py:12  ",
])


@st.composite
def stamps(draw: st.DrawFn) -> str:
    t = draw(timestamps)
    frac = draw(st.sampled_from(["", ".", ","]))
    digits = draw(st.integers(1, 6)) if frac else 0
    zone = draw(st.sampled_from(["", "", "", "Z", "+05:30", "-0800"]))
    body = t.strftime("%Y-%m-%d %H:%M:%S")
    return body + (frac + f"{t.microsecond:06d}"[:digits] if frac else "") + zone


@st.composite
def messages(draw: st.DrawFn) -> str:
    body = draw(st.lists(st.tuples(words, blanks), max_size=8))
    return "".join(w + b for w, b in body).rstrip() + draw(suffixes)


@st.composite
def header_lines(draw: st.DrawFn) -> str:
    pid = draw(st.sampled_from(["", "4400 ", "12 "]))
    gap = draw(st.sampled_from([" ", " ", "  ", "\t"]))
    tail = draw(st.sampled_from(["", "", " ", "   ", "\t"]))
    return (f"{draw(stamps())} {pid}{draw(levels)}{gap}{draw(loggers)} {draw(blocks)} {draw(instances)}"
            f"{draw(messages())}{tail}")


lines = header_lines() | st.text(max_size=120) | header_lines().map(lambda s: s[: len(s) // 2])


@FUZZ
@given(lines)
def test_greedy_header_regex_gives_the_groups_of_the_lazy_one(line: str) -> None:
    for new, old in ((oslo.patterns["std"], LAZY_STD), (oslo.patterns["bare"], LAZY_BARE)):
        m, ref = new.match(line), old.match(line)
        assert (m is None) == (ref is None)
        if m is not None and ref is not None:
            assert m.groupdict() == ref.groupdict()
            assert m.end() == ref.end()


def _strip_by_whole_search(message: str) -> tuple[str, int | None]:
    """The reference: every suffix pattern searched over the whole message."""
    if not message.endswith(("}}", ")")) and ".py:" not in message[-200:]:
        return message, None
    for suffix in oslo._DEBUG_SUFFIXES:
        m = suffix.search(message)
        if m:
            pid = m.groupdict().get("pid")
            return message[: m.start()], int(pid) if pid else None
    return message, None


@FUZZ
@given(messages() | st.text(max_size=60))
def test_debug_suffix_found_in_the_last_words_is_the_whole_search(message: str) -> None:
    assert oslo._strip_debug_suffix(message) == _strip_by_whole_search(message)


def test_debug_suffix_on_a_long_line() -> None:
    message = "Updating instance_info_cache with network_info: " + "[{\"a\": 1}] " * 500
    suffix = " _heal_instance_info_cache /usr/lib/python3/dist-packages/nova/compute/manager.py:7070"
    assert oslo._strip_debug_suffix(message.rstrip() + suffix) == (message.rstrip(), None)
    assert oslo._strip_debug_suffix(message + "{{(pid=7) f /x.py:3}}") == (message.rstrip(), 7)


ZONES: tuple[tzinfo, ...] = (UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/St_Johns"),
                             ZoneInfo("Australia/Lord_Howe"), timezone(timedelta(hours=5, minutes=30)))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(timestamps, st.integers(0, 6), st.sampled_from(ZONES))
def test_utc_time_per_second_is_localize(t: datetime, digits: int, zone: tzinfo) -> None:
    ts = t.strftime("%Y-%m-%d %H:%M:%S") + ("." + f"{t.microsecond:06d}"[:digits] if digits else "")
    got = oslo._utc_time(ts, zone)
    ref = localize(oslo._parse_time(ts), zone)
    assert got == ref
    assert got.tzinfo is ref.tzinfo
    assert (got.year, got.hour, got.microsecond) == (ref.year, ref.hour, ref.microsecond)


@pytest.mark.parametrize("ts", ["2021-03-28 02:30:00.5", "2021-10-31 02:30:00.25", "2021-10-31 01:59:59.999999"])
def test_utc_time_in_a_zone_change(ts: str) -> None:
    zone = ZoneInfo("Europe/Paris")
    assert oslo._utc_time(ts, zone) == localize(oslo._parse_time(ts), zone)


def _fold(text_lines: list[str], zone: tzinfo, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[
        list[Event], FileStats]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(oslo, "QUICK_HEADERS", False)
        stats = FileStats(path="f")
        ctx = ParseContext(path="f", stats=stats, tz=zone, host="compute-1", service="nova-compute")
        events = list(oslo.PARSER.parse(MemoryInput.from_lines(text_lines), ctx))
    return events, stats


continuations = st.sampled_from([
    "Traceback (most recent call last):", "  File \"/x.py\", line 1, in f", "", "ValueError: boom",
    "2018-03-05 00:20:17.854 4400 ERROR nova.compute.manager [instance: 4d5a1c1b-2e8c-4e6b-9d2a-6b1f3c0d2e9a] x",
    "2018-03-05 00:20:17.854 4400 TRACE nova.compute.manager Traceback",
    "2018-02-30 00:20:17.854 4400 INFO nova.compute.manager [-] impossible date",
    "2018-03-05 00:20:17.854 4400 INFO nova.compute.manager [req-0b9d3c3e-1111-2222-3333-444455556666 - - -",
    "- - -] the rest of a cut header", "\x1b[01;31m2018-03-05 00:20:18.000 ERROR nova [-] colour\x1b[00m",
    "9999-12-31 23:59:59.999 1 INFO nova.x [-] the last second",
])


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text_lines=st.lists(header_lines() | continuations | st.text(max_size=40), min_size=1, max_size=12),
       zone=st.sampled_from(ZONES))
def test_quick_header_path_gives_the_events_of_the_general_fold(text_lines: list[str], zone: tzinfo,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    quick, quick_stats = _fold(text_lines, zone, True, monkeypatch)
    general, general_stats = _fold(text_lines, zone, False, monkeypatch)
    assert quick == general
    assert [e.time.tzinfo for e in quick] == [e.time.tzinfo for e in general]
    assert quick_stats == general_stats
    assert quick_stats.balanced


def _nova_lines() -> Iterator[str]:
    for i in range(200):
        yield (f"2018-03-05 00:{i // 60:02d}:{i % 60:02d}.{i:03d} 4400 DEBUG oslo_concurrency.lockutils "
               f"[req-0b9d3c3e-1111-2222-3333-444455556666 - - - - -] Lock \"compute_resources\" released "
               f"inner /usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:285")


def test_quick_path_takes_the_common_debug_line(monkeypatch: pytest.MonkeyPatch) -> None:
    general: list[str] = []
    parse = oslo.parse_payload

    def counting(text: str) -> object:
        general.append(text)
        return parse(text)

    monkeypatch.setattr(oslo, "parse_payload", counting)
    events, stats = _fold(list(_nova_lines()), UTC, True, monkeypatch)
    assert general == []  # every line was taken the quick way
    assert len(events) == 200 and stats.records == 200 and stats.balanced
    assert events[5].message == 'Lock "compute_resources" released'
    assert events[5].time == datetime(2018, 3, 5, 0, 0, 5, 5000, tzinfo=UTC)


def test_new_event_is_an_ordinary_frozen_event() -> None:
    import dataclasses
    import pickle

    from migtrace.model import new_event

    values = {f.name: f"v-{f.name}" for f in dataclasses.fields(Event)}
    values.update(time=datetime(2020, 1, 2, tzinfo=UTC), pid=7, extra=("a", "b"), lineno=3, line_count=3)
    quick, built = new_event(*values.values()), Event(**values)  # type: ignore[arg-type]
    assert type(quick) is Event
    assert quick == built and hash(quick) == hash(built) and repr(quick) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.message = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(quick)) == built
    assert quick.replace(host="h2").host == "h2" and quick.host == "v-host"
