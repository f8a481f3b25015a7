"""Fuzz reading and time handling with the hostile strategies (tests/hostile/strategies.py).

Whatever the timestamp, zone or text: nothing raises past the reader, every
line is accounted for, and what comes out can be written as UTF-8.  Zones,
offsets and `--since` values are either understood or refused with a
ValueError (a usage error), never an OverflowError from deep inside.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace._timeutil import parse_user_time, zone_named
from migtrace.options import LoadOptions
from migtrace.sources import FileReader, InputFile
from tests.hostile import strategies as hs
from tools.hostile.nova import good_lines

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
GOOD = good_lines()


def _read(path: Path, tz: str | None = None) -> tuple[list[object], FileReader, list[str]]:
    warnings: list[str] = []
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(tz=tz), warnings.append)
    return list(reader.events()), reader, warnings


@FUZZ
@given(lines=st.lists(hs.oslo_lines(hs.impossible_timestamps()), min_size=1, max_size=6))
def test_impossible_timestamps_are_counted_never_raised(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_text("\n".join([*GOOD, *lines]) + "\n", encoding="utf-8")
    events, reader, _ = _read(path)
    assert reader.stats.balanced
    assert reader.stats.lines_read == len(GOOD) + len(lines)
    assert len(events) == reader.stats.records >= len(GOOD)


@FUZZ
@given(pair=hs.naive_instant_and_zone())
def test_edge_years_with_any_zone_read_or_count(tmp_path: Path, pair: tuple[datetime, str]) -> None:
    instant, zone = pair
    line = hs.oslo_line(hs.oslo_stamp(instant))
    path = tmp_path / "nova-compute.log"
    path.write_text("\n".join([*GOOD, line]) + "\n", encoding="utf-8")
    events, reader, _ = _read(path, tz=zone)
    assert reader.stats.balanced and reader.stats.lines_read == len(GOOD) + 1
    for e in events:
        assert e.time is None or e.time.tzinfo is not None  # type: ignore[attr-defined]


@FUZZ
@given(lines=st.lists(hs.journal_json_lines(), min_size=1, max_size=5))
def test_journal_surrogates_never_reach_output_text(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "nova-compute.journal.json"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    events, reader, _ = _read(path)
    assert reader.stats.balanced and reader.stats.lines_read == len(lines)
    for e in events:
        for value in (e.message, e.host, *e.extra):  # type: ignore[attr-defined]
            if isinstance(value, str):
                value.encode("utf-8")  # what every writer does; a lone surrogate raises here


@FUZZ
@given(name=st.one_of(hs.extreme_zones, hs.offsets(valid=True)))
def test_extreme_zones_are_understood(name: str) -> None:
    assert zone_named(name).utcoffset(datetime(2018, 3, 1)) is not None


@FUZZ
@given(name=st.one_of(hs.bad_zones, hs.offsets(valid=False)))
def test_impossible_zones_are_refused_as_usage_errors(name: str) -> None:
    with pytest.raises(ValueError):
        zone_named(name)


@FUZZ
@given(value=hs.since_values)
def test_since_values_are_read_or_refused(value: str) -> None:
    try:
        parsed = parse_user_time(value)
    except ValueError:
        return
    assert parsed.tzinfo is not None and parsed.utcoffset() == UTC.utcoffset(None)


def test_shift_reports_what_utc_cannot_hold() -> None:
    assert hs.shift(datetime(1, 1, 1), timedelta(hours=14)) is None
    assert hs.shift(datetime(2018, 3, 1), timedelta(hours=14)) == datetime(2018, 2, 28, 10)
