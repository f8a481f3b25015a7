"""How fine a logged time is: the step below which two records' order and distance are unknown.

A downtime measured between two records is no finer than their timestamps.  The step is read from
the text the log printed (`Event.time_text`), whatever the format: oslo.log's
`2024-05-14 10:02:03.123` (1 ms), journalctl's default `May 14 10:02:03` (1 s) and
`short-precise` `May 14 10:02:03.123456` (1 µs), Python logging's `…03,123`, and the journal's
`__REALTIME_TIMESTAMP` epochs in microseconds (`1715674325200000`: ten digits of seconds, the rest
a fraction).
"""

from __future__ import annotations

import re

from migtrace.model import Event

#: the seconds of a clock time and their fraction (`:03.123`, `:03,123`, `:03`)
_SECONDS = re.compile(r":\d\d(?![:\d])(?:[.,](\d+))?")
#: digits of whole seconds in an epoch time (good until the year 2286)
_EPOCH_DIGITS = 10


def resolution(time_text: str) -> float:
    """Return the step of a logged time in seconds (1.0 when it shows whole seconds or cannot tell)."""
    text = time_text.strip()
    if text.isdigit() and len(text) >= _EPOCH_DIGITS:
        return 10.0 ** -(len(text) - _EPOCH_DIGITS)
    if "." in text and text.replace(".", "", 1).isdigit():  # an epoch with a fraction: 1715674325.200
        return 10.0 ** -len(text.partition(".")[2])
    found = _SECONDS.search(text)
    if found is None or not found.group(1):
        return 1.0
    return 10.0 ** -len(found.group(1))


def coarsest(*events: Event) -> float:
    """Return the coarsest step of these records' times (what a span between them is known to)."""
    return max(resolution(e.time_text) for e in events)
