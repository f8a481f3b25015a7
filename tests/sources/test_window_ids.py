"""Pass 2's window test by the ids the scan found keeps exactly the lines `_inside` keeps.

With hyperscan, `_scan._id_finder` gives every windowed id a match id of
its own and tests a line only for the ids found in it
(`_window.WindowTest`), falling back to `_inside` where an id may be
hidden from its uuid search (a uuid-shaped run overlapping it).  The
reference is the line-by-line scan (`targeted_raw_lines`), which tests each
line holding a windowed text with `line_test` (`_inside`).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.model import FileStats
from migtrace.sources import _scan
from migtrace.sources._open import Peekable
from migtrace.sources._window import WindowedTerms, _inside, seen_ids

pytestmark = pytest.mark.skipif(_scan._hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed")

ROOT = Path(__file__).resolve().parents[2]
A = "11111111-2222-3333-4444-555555555555"
B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
C = "0f0f0f0f-1234-4abc-8def-0123456789ab"
REQ = "req-0f0f0f0f-2222-3333-4444-555555555555"
#: texts a line may hold around the ids: uuid-shaped prefixes that overlap a following id, hex runs, upper case
PIECES = [A, B, C, "deadbeef-dead-beef-dead-beef", "deadbeef-dead-beef-dead-beefcafe", "abc", "-", "0",
          A.upper(), "instance ", " ", "x", REQ, "[", "]", "\x1b[0m"]
STAMPS = ["2024-05-02 10:00:00.000", "2024-05-02 10:15:30.123", "2024-05-02 11:00:00.000",
          "2024-05-02 12:30:00.000"]


def _terms(kind: int, windowed: frozenset[str]) -> WindowedTerms:
    ranges = {"x": {A: [(1, 3), (8, 12)], B: [(5, 30)], C: [(40, 50)]}}
    stamps = {"x": {A: [("2024-05-02 10:10:00", "2024-05-02 10:20:00")], B: [("2024-05-02 11:00:00",
                                                                               "2024-05-02 11:00:00")]}}
    if kind == 0:
        return WindowedTerms({REQ}, tail=True, windowed=windowed, ranges=ranges)
    if kind == 1:
        return WindowedTerms({REQ}, windowed=windowed, stamps=stamps)
    if kind == 2:
        return WindowedTerms({REQ}, tail=True, windowed=windowed, ranges=ranges, stamps=stamps)
    return WindowedTerms({REQ}, windowed=windowed, ranges={"other": ranges["x"]})  # no window in this file


def _read(data: bytes, terms: WindowedTerms, windows: bool, size: int) -> tuple[object, ...]:
    peek = Peekable(io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type]
    stats = FileStats(path="x")
    if windows:
        got = list(_scan.targeted_windows(peek.windows(size), terms, stats))
    else:
        got = list(_scan.targeted_raw_lines(peek.lines(), terms, stats))
    return got, stats.lines_read, stats.skipped_lines, stats.tail_line


line = st.tuples(
    st.sampled_from(["header", "header", "continuation", "syslog"]),
    st.sampled_from(STAMPS),
    st.lists(st.sampled_from(PIECES), max_size=8),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=60), kind=st.integers(0, 3), size=st.sampled_from([200, 1 << 20]),
       extra=st.booleans())
def test_the_id_scan_keeps_the_lines_of_the_line_test(lines: list[tuple[str, str, list[str]]], kind: int,
                                                      size: int, extra: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, "hyperscan")
    out = []
    for shape, stamp, pieces in lines:
        text = "".join(pieces)
        if shape == "header":
            out.append(f"{stamp} 7 INFO nova.compute.manager [- - - - -] {text}")
        elif shape == "syslog":
            out.append(f"May  2 10:00:00 host nova-compute[7]: {stamp} 7 INFO nova.virt [-] {text}")
        else:
            out.append(f"  {text}")
    data = "\n".join(out).encode() + b"\n"
    # a windowed text `_inside` never names (not uuid-shaped, or upper case) is searched too
    windowed = frozenset({A, B, C} | ({"abc", A.upper()} if extra else set()))
    terms = _terms(kind, windowed)
    assert _read(data, terms, True, size) == _read(data, terms, False, size)


def test_the_hyperscan_scan_takes_the_id_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, "hyperscan")
    finder = _scan._window_hit_finder(_terms(2, frozenset({A})), FileStats(path="x"))
    assert finder.__qualname__.startswith("_id_finder")


def test_seen_ids_is_the_uuid_search_or_says_it_cannot_tell() -> None:
    ids = frozenset({A.encode(), B.encode()})
    ranges = {A.encode(): ((1,), (5,)), B.encode(): ((10,), (20,))}
    for text, named in [
        (f"x {A} y", {A}),
        (f"{A}", {A}),
        (f"deadbeef-dead-beef-dead-beef{A}", None),  # an earlier uuid-shaped run may hide it
        (f"0{A}", None),
        (f"-{B} {A}", None),
        (f"({B}) [{A}]", {A, B}),
    ]:
        raw = text.encode()
        found = []
        for ident in ids:
            at = raw.find(ident)
            while at >= 0:
                found.append((at, ident))
                at = raw.find(ident, at + 1)
        got = seen_ids(raw, 0, found)
        assert got == (None if named is None else {n.encode() for n in named}), text
        if got is not None:  # where it tells, the ids it names decide as `_inside` does, at every line number
            for lineno in (1, 7, 15, 30):
                keep = any(lineno in range(ranges[i][0][0], ranges[i][1][0] + 1) for i in got)
                assert keep == _inside(ranges, None, ids, lineno, raw)


def test_sample_sets_select_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sample file read with windows of the uuids it names: the id scan keeps what the line test keeps."""
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, "hyperscan")
    uuid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    checked = 0
    for path in sorted((ROOT / "sample_logs").rglob("*.log")):
        data = path.read_bytes()
        ids = sorted({m.group().decode() for m in uuid.finditer(data)})[:12]
        if not ids:
            continue
        n = data.count(b"\n") + 1
        ranges = {"x": {i: [(1 + k * 7 % max(n, 1), 1 + k * 7 % max(n, 1) + n // 5)] for k, i in enumerate(ids)}}
        stamps = {"x": {i: [("2000-01-01 00:00:00", "2016-06-01 00:00:00")] for i in ids[::2]}}
        for terms in (WindowedTerms(set(), tail=True, windowed=frozenset(ids), ranges=ranges),
                      WindowedTerms(set(), windowed=frozenset(ids), ranges=ranges, stamps=stamps)):
            for size in (4096, 1 << 20):
                assert _read(data, terms, True, size) == _read(data, terms, False, size), path
        checked += 1
    assert checked >= 5
