"""Hypothesis strategies for hostile times, zones and text, for any parser or CLI fuzzer to reuse.

What real logs throw at a parser (issue 15): timestamps no calendar has
(2018-02-30, hour 25, second 61, year 0000), valid ones at the edges of
`datetime` (years 0001 and 9999) that fall off the range once a zone is
applied, `--tz`/`--since` values with extreme or impossible offsets, zones
with odd rules (+14, -12, +5:45, negative DST), and lone UTF-16
surrogates, which `json.loads` accepts in journal JSON but no UTF-8 encoder
writes.  Everything is built from text shapes nova and journald really
print (NOVA_MIGRATION_LOGS.md §1.1, §1.4, §1.5).

Usage: `from tests.hostile.strategies import impossible_timestamps, oslo_lines, …`.
"""

from __future__ import annotations

import calendar
import json
from datetime import datetime, timedelta

from hypothesis import strategies as st

# ------------------------------------------------------------------ timestamps


@st.composite
def impossible_timestamps(draw: st.DrawFn) -> str:
    """An oslo.log `%Y-%m-%d %H:%M:%S.%03d` text that names no instant (one field out of range)."""
    year = draw(st.integers(0, 9999))
    month, day = draw(st.integers(1, 12)), 1
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    broken = draw(st.sampled_from(["day-past-month", "month", "day", "hour", "minute", "second", "year-zero"]))
    if broken == "day-past-month":
        last = calendar.monthrange(max(year, 1), month)[1]
        day = draw(st.integers(last + 1, 31)) if last < 31 else 32
    elif broken == "month":
        month = draw(st.sampled_from([0, 13, 19, 99]))
    elif broken == "day":
        day = draw(st.sampled_from([0, 32, 99]))
    elif broken == "hour":
        hour = draw(st.integers(24, 99))
    elif broken == "minute":
        minute = draw(st.integers(60, 99))
    elif broken == "second":
        second = draw(st.integers(60, 99))  # 60 is a leap second: oslo never writes one, ntp-smeared hosts might
    else:
        year = 0
    msecs = draw(st.integers(0, 999))
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}.{msecs:03d}"


#: valid instants at the very ends of what `datetime` holds
edge_datetimes = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 2)),
    st.datetimes(min_value=datetime(9999, 12, 30), max_value=datetime(9999, 12, 31, 23, 59, 59, 999000)),
)


def oslo_stamp(t: datetime) -> str:
    """`%Y-%m-%d %H:%M:%S.%03d` for any year (strftime pads years < 1000 inconsistently across libcs)."""
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t:%H:%M:%S}.{t.microsecond // 1000:03d}"


edge_timestamps = edge_datetimes.map(oslo_stamp)
#: any timestamp text a hostile log may carry: impossible, at the edges, or ordinary
hostile_timestamps = st.one_of(impossible_timestamps(), edge_timestamps,
                               st.datetimes(min_value=datetime(2012, 1, 1),
                                            max_value=datetime(2030, 1, 1)).map(oslo_stamp))

# ------------------------------------------------------------------ zones and offsets

#: IANA zones at the extremes or with odd rules (all in the tz database since 2018 at least)
EXTREME_ZONES = (
    "Pacific/Kiritimati",   # UTC+14, the easternmost
    "Etc/GMT-14",           # +14 (POSIX sign inverted)
    "Etc/GMT+12",           # -12, the westernmost
    "Pacific/Pago_Pago",    # -11
    "Asia/Kathmandu",       # +5:45
    "Australia/Eucla",      # +8:45
    "Pacific/Chatham",      # +12:45 / +13:45 with DST
    "America/St_Johns",     # -3:30 with DST
    "Australia/Lord_Howe",  # half-hour DST
    "Europe/Dublin",        # negative DST in the tz database
    "Africa/Casablanca",    # DST suspended for Ramadan
    "Antarctica/Troll",     # a 2-hour DST jump
    "UTC",
)
#: zone names migtrace must refuse cleanly
BAD_ZONES = ("Mars/Olympus_Mons", "", " ", "UTC+", "Europe/", "../../etc/passwd", "Etc/GMT+15", "\x00")

extreme_zones = st.sampled_from(EXTREME_ZONES)
bad_zones = st.sampled_from(BAD_ZONES)


@st.composite
def offsets(draw: st.DrawFn, valid: bool | None = None) -> str:
    """A `+HH:MM` / `-HH:MM` offset text: valid (|offset| < 24h), impossible, or malformed."""
    kind = draw(st.sampled_from(["valid", "too-big", "malformed"])) if valid is None else \
        ("valid" if valid else draw(st.sampled_from(["too-big", "malformed"])))
    sign = draw(st.sampled_from("+-"))
    if kind == "valid":
        hours, minutes = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        return f"{sign}{hours:02d}:{minutes:02d}"
    if kind == "too-big":
        hours, minutes = draw(st.integers(24, 999)), draw(st.integers(0, 99))
        return f"{sign}{hours:02d}:{minutes:02d}"
    return sign + draw(st.sampled_from(["1:xx", ":", "12:", ":30", "99999999999999999999:00", "1:2:3"]))


@st.composite
def naive_instant_and_zone(draw: st.DrawFn) -> tuple[datetime, str]:
    """A naive time at the edge of the range and a zone that may push it out when converted to UTC."""
    return draw(edge_datetimes), draw(st.one_of(extreme_zones, offsets(valid=True)))


#: `--since` / `--until` values an operator (or a script) may pass
since_values = st.one_of(
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01", "9999-12-31T23:59:59",
                     "99999999999999999999", "-1", "0", "1e308", "nan", "", "yesterday", "2018-02-30",
                     "2018-03-01 25:00", "2018-03-01T10:00:00+99:00"]),
    edge_datetimes.map(lambda t: t.isoformat()),
    st.tuples(edge_datetimes, offsets(valid=True)).map(lambda p: p[0].isoformat() + p[1]),
)

#: journald `__REALTIME_TIMESTAMP` values (µs since the epoch, a decimal string) from ordinary to absurd
realtime_values = st.one_of(
    st.integers(0, 2**64 - 1).map(str),
    st.sampled_from(["253402300799999999", "253402300800000000", "18446744073709551615", "99999999999999999999",
                     "1" + "0" * 400, "0", "00000000000000000001"]),
)

# ------------------------------------------------------------------ text

lone_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@st.composite
def text_with_surrogates(draw: st.DrawFn, max_size: int = 60) -> str:
    """Ordinary log text with at least one lone surrogate somewhere in it."""
    parts = draw(st.lists(st.one_of(st.text(max_size=12), lone_surrogates), min_size=1, max_size=8))
    parts.insert(draw(st.integers(0, len(parts))), draw(lone_surrogates))
    return "".join(parts)[: max_size + 1]


def json_escape_surrogates(s: str) -> str:
    """JSON text for `s` with lone surrogates written as `\\udXXX` escapes (as a hand-made export would)."""
    return json.dumps(s, ensure_ascii=True)


# ------------------------------------------------------------------ whole lines

REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"
INSTANCE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
_MESSAGES = ("Migration operation has completed", "VM Paused (Lifecycle Event)", "_post_live_migration() is started..",
             "Live Migration failure: operation failed: migration job: unexpectedly failed")


def oslo_line(stamp: str, level: str = "INFO", message: str = _MESSAGES[0]) -> str:
    """A Queens oslo.log line of the corpus's migration with the given timestamp text."""
    return (f"{stamp} 12345 {level} nova.compute.manager [{REQ} 4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e "
            f"9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default] [instance: {INSTANCE}] {message}")


@st.composite
def oslo_lines(draw: st.DrawFn, timestamps: st.SearchStrategy[str] = hostile_timestamps) -> str:
    """A Queens oslo.log line of the corpus's migration with a (possibly impossible) timestamp."""
    return oslo_line(draw(timestamps), draw(st.sampled_from(["INFO", "ERROR", "WARNING"])),
                     draw(st.sampled_from(_MESSAGES)))


@st.composite
def journal_json_lines(draw: st.DrawFn) -> str:
    """A `journalctl -o json` line whose MESSAGE (or hostname) holds lone surrogates, or whose time is absurd."""
    message = draw(st.one_of(text_with_surrogates(), st.just("VM Resumed (Lifecycle Event)")))
    host = draw(st.one_of(st.just("compute2"), text_with_surrogates(12)))
    realtime = draw(st.one_of(st.just("1519898400100000"), realtime_values))
    body = (f'"__REALTIME_TIMESTAMP":"{realtime}","_HOSTNAME":{json_escape_surrogates(host)},'
            '"_SYSTEMD_UNIT":"devstack@n-cpu.service","SYSLOG_IDENTIFIER":"nova-compute","_PID":"4242",'
            f'"MESSAGE":{json_escape_surrogates(f"INFO nova.compute.manager [None {REQ} admin admin] {message}")}')
    return "{" + body + "}"


def shift(t: datetime, zone_offset: timedelta) -> datetime | None:
    """`t - offset` when `datetime` can hold it, else None (the value a UTC conversion cannot produce)."""
    try:
        return t - zone_offset
    except OverflowError:
        return None
