"""Every report prints a downtime the timestamps cannot resolve as its bound (issue 10 item 6).

With whole-second stamps a pause and a resume in the same second measure 0 s: the value is anything
below one step (plus the clocks' ±), never `0 ms` and never `–` (which reads as "no outage").  The
terminal card and `list` already printed the bound; the text, Markdown and HTML reports print the same
words (`reports._format.measured`).
"""

from __future__ import annotations

import re

import pytest

from migtrace import Analysis, load
from migtrace.reports import render_report
from tests.correlate.test_correlate import R1, live_migration, write_set

_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{3}", re.M)
BOUND = re.compile(r"&lt; \d\.\d+ s \(1 s resolution\)|< \d\.\d+ s \(1 s resolution\)")


@pytest.fixture(scope="module")
def whole_seconds(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    # pause at 10:00:14 on compute1, resume at 10:00:14 on compute2 once the milliseconds are gone
    parts = {name: [_FRACTION.sub(r"\1", line) for line in lines] for name, lines in live_migration(R1, 0).items()}
    return load(str(write_set(tmp_path_factory.mktemp("whole"), parts)))


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_report_prints_the_downtime_bound_never_zero_nor_missing(whole_seconds: Analysis, fmt: str) -> None:
    (m,) = whole_seconds.migrations
    assert m.downtime_s is None and m.downtime_below_s is not None
    out = render_report(whole_seconds, fmt)
    assert BOUND.search(out), fmt
    assert not re.search(r"downtime:?\s*(?:\*\*)?\s*(?:0 ms|0\.000 s|–|-)(?:\s|$|\|)", out, re.I), fmt


def test_report_prints_an_unknown_duration_as_unknown(tmp_path_factory: pytest.TempPathFactory) -> None:
    # without the API's and conductor's logs the move's start is not there: its duration is unknown
    parts = {k: v for k, v in live_migration(R1, 0).items() if not k.startswith("controller/")}
    a = load(str(write_set(tmp_path_factory.mktemp("noapi"), parts)))
    (m,) = a.migrations
    assert m.why_unknown("duration_s")
    text = render_report(a, "text")
    assert re.search(r"UTC \(unknown\)", text), text
