"""One spelling for durations, times and escapes, and one listing formatter for every table."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from migtrace.reports._format import code_span, duration, html_text, json_script, markdown_text, md_escape, relative
from migtrace.reports._listing import listing


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, "–"), (0.12, "120 ms"), (12.44, "12.4 s"), (119.9, "119.9 s"), (185, "3 min 05 s"),
    (3720, "1 h 02 min"),
])
def test_format_duration(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_format_relative_time() -> None:
    t0 = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
    assert relative(datetime(2024, 5, 14, 10, 1, 2, 345000, tzinfo=UTC), t0) == "+01:02.345"
    assert relative(t0, datetime(2024, 5, 14, 10, 0, 1, tzinfo=UTC)) == "-00:01.000"


def test_format_escapes_each_format_its_own_way() -> None:
    text = "<b>|a_b`"
    assert md_escape(text) == "&lt;b&gt;\\|a\\_b\\`"
    assert markdown_text("a_b<") == "a\\_b&lt;"
    assert html_text(text) == "&lt;b&gt;|a_b`"
    assert json_script("<&>") == "\\u003c\\u0026\\u003e"
    assert code_span("a`b") == "``a`b``"


ROWS = [{"id": "m1", "duration_s": 1.5, "findings": ["x", "y"], "dest": None, "ok": True}]


def test_listing_same_rows_every_format() -> None:
    table = listing(ROWS, ("id", "duration_s", "findings", "dest"))
    assert table.splitlines()[2].split() == ["m1", "1.500", "x,y", "-"]
    assert json.loads(listing(ROWS, ("id",), "json")) == ROWS
    rows = list(csv.reader(io.StringIO(listing(ROWS, ("id", "findings"), "csv"))))
    assert rows == [["id", "findings"], ["m1", "x,y"]]
    assert listing(ROWS, ("id", "dest"), "markdown").splitlines() == ["| id | dest |", "|---|---|", "| m1 | - |"]
