"""The per-record tests of pass 1 made cheaper give the very answers of the tests they replace (issue 13 P2).

`uuids_in` is `_UUID.findall` (the text tests of every record a worker notes);
`decisions_hold` checks the split decisions with numpy where it is loaded and
bisects otherwise: both say the same; `MarkerSet.match_each` is `match` per
record with the marker texts of a whole run searched at once.
"""

from __future__ import annotations

import io
import random
import sys
import uuid
from array import array
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.correlate.markers import load_markers
from migtrace.model import Event, FileStats
from migtrace.pipeline import _per_input
from migtrace.pipeline._clues import _cover_scan, first_clue_terms
from migtrace.pipeline._keep import _UUID, uuids_in
from migtrace.pipeline._per_input import decisions_hold
from migtrace.sources._literals import LiteralSet
from migtrace.sources._open import Peekable
from migtrace.sources._scan import ENGINE_VARIABLE, Counted, _hyperscan, _window_hit_finder, targeted_windows
from migtrace.sources._window import WindowedTerms
from tests.conftest import SAMPLE_LOGS, cached_load

U = "0f0f0f0f-1234-4abc-8def-0123456789ab"
#: pieces that make uuids, uuid-shaped runs overlapping them, hex runs and dashes next to them
PIECES = [U, U.upper(), U[:8], U[8:], U[:-1], "-", "--", "0", "abcdef", "ABCDEF12", "deadbeef-dead-beef-dead-beef",
          "x", " ", "g", "\u0130", "\u212a", "req-", "\n"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_uuids_in_is_findall(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert uuids_in(text) == tuple(_UUID.findall(text))


def test_uuids_in_random_uuids_glued() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(0, 8)):
            r = rng.random()
            parts.append(str(uuid.UUID(int=rng.getrandbits(128))) if r < 0.4 else
                         "".join(rng.choice("0123456789abcdefABC-") for _ in range(rng.randint(1, 12))))
        text = "".join(parts)
        assert uuids_in(text) == tuple(_UUID.findall(text)), text


def _sample_events() -> list[Event]:
    events: list[Event] = []
    for name in sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir()):
        events.extend(cached_load(SAMPLE_LOGS / name).events)
    return events


def test_uuids_in_on_the_sample_records() -> None:
    events = _sample_events()
    assert len(events) > 500
    for e in events:
        text = e.message if not e.extra else "\n".join((e.message, *e.extra))
        assert uuids_in(text) == tuple(_UUID.findall(text))


@pytest.mark.parametrize("engine", ["python", pytest.param("hyperscan", marks=pytest.mark.skipif(
    _hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed"))])
def test_match_each_is_match(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_VARIABLE, engine)
    load_markers.cache_clear()
    try:
        markers = load_markers()
        events = _sample_events()
        want = [markers.match(e) for e in events]
        assert sum(1 for found in want if found) > 50  # the samples hold marker records
        assert markers.match_each(events) == want
        assert [markers.match_each(events[i:i + 7]) for i in range(0, len(events), 7)] == \
            [want[i:i + 7] for i in range(0, len(events), 7)]
        assert markers.match_each([]) == []
    finally:
        load_markers.cache_clear()


def _bisected(check: array[int], hits: dict[int, list[int]], sets: int) -> bool:
    for i in range(0, len(check), 3):
        lo, hi = check[i], check[i + 1]
        main = any(lines[j] < hi for lines in [hits.get(0, [])] if (j := bisect_left(lines, lo)) < len(lines))
        evidence = any(any(lines[j] < hi for _ in [0] if (j := bisect_left(lines, lo)) < len(lines))
                       for lines in (hits.get(k, []) for k in range(1, sets + 1)))
        if main * 2 + evidence != check[i + 2]:
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.tuples(st.integers(1, 400), st.integers(1, 4), st.integers(0, 3)), min_size=0, max_size=700),
       lines=st.lists(st.lists(st.integers(1, 420), max_size=120), min_size=1, max_size=3), right=st.booleans())
def test_decisions_hold_with_and_without_numpy(records: list[tuple[int, int, int]], lines: list[list[int]],
                                               right: bool) -> None:
    import numpy  # noqa: F401 - loaded: the array path is taken where it is long enough

    hits = {k: sorted(found) for k, found in enumerate(lines)}
    sets = len(lines) - 1
    check = array("q")
    for lo, n, decided in sorted(records):
        if right:  # the decisions the hit lines give (then a few flipped by `decided`)
            main = any(lo <= x < lo + n for x in hits[0])
            evidence = any(lo <= x < lo + n for k in range(1, sets + 1) for x in hits[k])
            decided = main * 2 + evidence if decided else (main * 2 + evidence) ^ 1
        check.extend((lo, lo + n, decided))
    want = _bisected(check, hits, sets)
    assert decisions_hold(check, hits, sets) == want  # numpy loaded: arrays for 256 records and up
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_per_input, "_VECTOR_CHECK", 1)
        assert decisions_hold(check, hits, sets) == want
        mp.delitem(sys.modules, "numpy")
        assert decisions_hold(check, hits, sets) == want  # no numpy: one by one


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abcdeé \x00", max_size=12), max_size=9))
def test_occurring_each_is_occurring(messages: list[str]) -> None:
    """Messages joined for one search: no text is found across two of them, a NUL in a message included."""
    texts = ["abc", "bcd", "cde", "abcde", "b", "e", "ab", "dea", "aé", "é "]
    for name in ("python", "hyperscan") if _hyperscan() is not None else ("python",):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(ENGINE_VARIABLE, name)
            found = LiteralSet(texts)
            assert found.occurring_each(messages) == [found.occurring(m) for m in messages]
            with_nul = LiteralSet([*texts, "a\x00b"])  # a text holding the joint: each message alone
            assert with_nul.occurring_each(messages) == [with_nul.occurring(m) for m in messages]


@pytest.mark.skipif(_hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed")
def test_the_id_scan_hands_its_counted_lines_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pass 2's line test counts to the lines it places by number: the scan gets those numbers (`Counted`) and
    numbers each line as counting the window from its start does."""
    monkeypatch.setenv(ENGINE_VARIABLE, "hyperscan")
    lines = [f"2024-05-02 10:00:{i % 60:02d}.000 7 INFO nova.compute.manager [- - - - -] line {i}"
             + (f" {U}" if i % 3 == 0 else "") for i in range(1, 400)]
    data = ("\n".join(lines) + "\n").encode()
    terms = WindowedTerms(set(), windowed=frozenset({U}), ranges={"x": {U: [(30, 60), (200, 210)]}})
    hits = _window_hit_finder(terms, FileStats(path="x"))
    got = hits(bytearray(data), len(data), 0)
    assert isinstance(got, Counted) and got.offsets
    for at, no in zip(got.offsets, got.numbers, strict=True):
        assert no == data.count(b"\n", 0, at) + 1
        assert got.number(data, 0, 1, at) == no
    for pos in (0, got.offsets[0], got.offsets[-1]):
        pos_no = data.count(b"\n", 0, pos) + 1
        assert got.number(data, pos, pos_no, len(data)) == data.count(b"\n") + 1
    kept = [no for no, _ in targeted_windows(Peekable(io.BufferedReader(io.BytesIO(data))).windows(4096),
                                                      terms, FileStats(path="x"))]
    assert kept == [i for i in range(1, 400) if i % 3 == 0 and (30 <= i <= 60 or 200 <= i <= 210)]


@pytest.mark.skipif(_hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["lifecycle event", "(Lifecycle Event)", "LIFECYCLE", " req-", "Selected host: ",
                                 "% remaining (bytes processed=", "'is_volume_backed':", "é", "x", " ", "\u0130"]),
                max_size=8))
def test_the_cover_scan_finds_the_covers_the_substring_tests_find(pieces: list[str]) -> None:
    """`_FirstShown`'s clues of a line from one hyperscan search: the substring tests' answer, case-folded as
    `bytes.lower` folds (ASCII only), with the first covers' database for the covers left (a cover not among
    them: a database of its own)."""
    first = first_clue_terms().line_test("x")._covers  # type: ignore[attr-defined]
    assert first
    raw = "".join(pieces).encode()
    for covers in (first, first[::2], first[1:2], [(b"another cover", True, (99,))]):  # the first ones, some left
        want: set[int] = set()
        for cover, caseless, covered in covers:
            if cover in (raw.lower() if caseless else raw):
                want.update(covered)
        scan = _cover_scan(covers, first)
        assert scan is not None
        assert scan.covered(raw) == want


def test_first_shown_answers_alike_with_either_engine() -> None:
    """The clue test of sample header lines (one test per engine, each in file order: it keeps state)."""
    raws = [line for path in sorted(SAMPLE_LOGS.rglob("*.log"))[:8] for line in path.read_bytes().splitlines(True)]
    answers = []
    for name in ("python", "hyperscan") if _hyperscan() is not None else ("python",):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(ENGINE_VARIABLE, name)
            test = first_clue_terms().line_test("x")
            answers.append([test(no, raw) for no, raw in enumerate(raws, 1)])
    assert any(answers[0])
    assert all(a == answers[0] for a in answers)
