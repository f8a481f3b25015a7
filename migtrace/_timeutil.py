"""Time zones and user-supplied dates.

oslo.log writes local time with no offset, so a naive timestamp only means
something once the zone of the host that wrote it is known (`--tz`).  Every
time that leaves a parser is timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# dateutil (~0.01 CPU s to import: its parser, and ctypes and decimal with it) is imported by the two functions
# that use it, for `--since`/`--until` and `--tz local`: most runs give neither


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach the writer's zone to a naive log time and convert it to UTC.

    A time that the conversion pushes before year 1 or past year 9999 (a
    9999-12-31 stamp written at UTC-12) raises ValueError naming it, so a
    parser counts its line as unparsed instead of stopping.
    """
    try:
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
        if zone is UTC:
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise ValueError(f"time {naive.isoformat()} is out of range (years 1-9999) in UTC") from None


@lru_cache(maxsize=64)
def zone_named(name: str) -> tzinfo:
    """Return the tzinfo for an IANA name, `UTC`, `local`, or an offset like `+02:00`."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    if name.lower() == "local":
        from dateutil import tz as date_tz  # noqa: PLC0415 - see the imports

        local = date_tz.tzlocal()
        return local
    if name[:1] in "+-" and ":" in name:
        sign = 1 if name[0] == "+" else -1
        hours, minutes = name[1:].split(":", 1)
        try:
            if not (hours.isdigit() and minutes.isdigit() and int(minutes) < 60):
                raise ValueError("not HH:MM")
            return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        except (ValueError, OverflowError) as exc:  # timezone() takes less than 24 h
            raise ValueError(f"invalid UTC offset {name!r} (use +HH:MM, less than 24 hours)") from exc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_user_time(text: str, default_zone: tzinfo = UTC) -> datetime:
    """Parse a --since/--until value the way an operator types it (dateutil)."""
    from dateutil import parser as date_parser  # noqa: PLC0415 - see the imports

    try:
        parsed = date_parser.parse(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"cannot read the date {text!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is before the first representable UTC time: the earliest one is meant
        return datetime.min.replace(tzinfo=UTC) if parsed.year == 1 else datetime.max.replace(tzinfo=UTC)
