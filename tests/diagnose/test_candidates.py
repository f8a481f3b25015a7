"""The level floor of a query and the signature candidates picked by it (diagnosis speed, issue 13 P2).

`Candidates.matching` must return exactly what testing every signature's
prefilter and query on the record returns, in catalog order: the floor and the
needle union only skip work.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.diagnose._candidates import Candidates, could_match
from migtrace.diagnose.catalog import load_catalog
from migtrace.diagnose.query import compile_query
from migtrace.model import KINDS, LEVELS, Event, level_rank
from tests.conftest import SAMPLE_LOGS, cached_load, make_event


def _brute(signatures: object, event: Event) -> list[object]:
    lowered = event.text.lower()
    return [s for s in signatures if could_match(s, lowered) and s.match.matches(event)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "floor"), [
    ("level>=WARNING", level_rank("WARNING")),
    ("level>WARNING", level_rank("WARNING") + 1),
    ("level:ERROR", level_rank("ERROR")),
    ("level=ERROR", level_rank("ERROR")),
    ("level<ERROR", None),
    ("level<=ERROR", None),
    ('message:"x"', None),
    ("NOT level>=ERROR", None),
    ('message:"x" AND level>=WARNING AND level>=ERROR', level_rank("ERROR")),
    ('(message:"x" AND level>=ERROR) OR (message:"y" AND level>=WARNING)', level_rank("WARNING")),
    ('(message:"x" AND level>=ERROR) OR message:"y"', None),
])
def test_floor(text: str, floor: int | None) -> None:
    assert compile_query(text).floor == floor


_QUERIES = [
    "level>=WARNING", "level>INFO", "level:ERROR", "level<WARNING", "NOT level>=ERROR",
    '"boom" AND level>=WARNING', '("boom" AND level>=ERROR) OR ("bang" AND level>=INFO)',
    '("boom" AND level>=ERROR) OR "bang"', 'NOT ("boom" AND level>=ERROR)', '"boom" OR level>=ERROR',
]


@settings(max_examples=300, deadline=None)
@given(query=st.sampled_from(_QUERIES), level=st.sampled_from([*LEVELS, "WARN", "weird", None]),
       message=st.sampled_from(["boom", "bang", "nothing", "BOOM bang"]))
def test_no_match_below_the_floor(query: str, level: str | None, message: str) -> None:
    """A record under a query's floor never matches it (the floor only skips work)."""
    q = compile_query(query)
    event = make_event(level=level, message=message)
    if q.floor is not None and level_rank(level) < q.floor:
        assert not q.matches(event)


def test_shipped_floors() -> None:
    """Most shipped signatures ask for WARNING or worse: that is what makes the floor worth it."""
    sigs = load_catalog(()).signatures
    floored = [s for s in sigs if s.match.floor is not None and s.match.floor >= level_rank("WARNING")]
    assert len(floored) > len(sigs) / 2


@pytest.fixture(scope="module")
def events() -> list[Event]:
    """Every kept record of the sample sets, plus copies at every level (one load per set, cached)."""
    found: list[Event] = []
    for name in ("queens-files", "kilo-files", "yoga-info", "zed-mixed", "devstack-2024.1", "train-single-host"):
        found += cached_load(SAMPLE_LOGS / name).events
    relevelled = [e.replace(level=level) for e in found[::7] for level in (*LEVELS, None, "WARN")]
    return found + relevelled


@pytest.mark.parametrize("fallbacks", [True, False])
def test_candidates_equal_every_signature_tested(events: list[Event], fallbacks: bool) -> None:
    sigs = [s for s in load_catalog(()).signatures if fallbacks or not s.fallback]
    candidates = Candidates(sigs)
    matched = 0
    for event in events:
        expected = _brute(sigs, event)
        assert candidates.matching(event) == expected, event.origin
        matched += bool(expected)
    assert matched > 0


def test_per_kind_lists() -> None:
    """The per-kind signature lists diagnosis uses give the same answer as the whole catalog filtered."""
    sigs = load_catalog(()).signatures
    event = make_event(level="ERROR", message="No valid host was found. There are not enough hosts available.")
    for kind in KINDS:
        own = [s for s in sigs if s.applies_to(kind)]
        assert Candidates(own).matching(event) == _brute(own, event)


@pytest.mark.parametrize("engine", ["hyperscan", "python"])
@pytest.mark.parametrize("fallbacks", [True, False])
def test_matching_each_equals_matching(events: list[Event], fallbacks: bool, engine: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch form gives each record exactly `matching`'s list (a move's records, the loose ones)."""
    monkeypatch.setenv("MIGTRACE_SCAN_ENGINE", engine)
    sigs = [s for s in load_catalog(()).signatures if fallbacks or not s.fallback]
    candidates = Candidates(sigs)
    together = candidates.matching_each(events)
    assert together == [candidates.matching(e) for e in events]
    assert any(together)
    assert candidates.matching_each([]) == []
    assert candidates.matching_each(events[:1]) == [candidates.matching(events[0])]


@pytest.mark.parametrize("hints", [("",), ("", "anything"), ("anything",), ("nothing here",)])
def test_matching_each_odd_needles(hints: tuple[str, ...]) -> None:
    """Empty needles pass what `_union`'s regex passes: every text beside another needle, none alone."""
    sig = load_catalog(()).signatures[0]
    odd = [replace(sig, id=f"odd{i}", hint=hint, match=compile_query("level>=INFO")) for i, hint in enumerate(hints)]
    candidates = Candidates(odd)
    events = [make_event(level="INFO", message="Anything at all"), make_event(level="DEBUG", message="anything"),
              make_event(level="ERROR", message="nothing here")]
    assert candidates.matching_each(events) == [candidates.matching(e) for e in events]
