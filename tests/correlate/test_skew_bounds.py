"""A duration's or downtime's ± comes from the proven offset interval of the hosts it spans (issue 10 leftovers).

The ± was the sum of each host's first-line gap after the move's birth (`0.121 ± 1.103` on kilo-files'
live migration, whose two computes the causal pairs hold within 47 ms of each other).  Now a span
whose two hosts the bounds hold from both sides (causal_pairs.yaml pairs, seen whole by `list` and
`timeline`, plus the move's own births) gets the farther end of their relative interval; a span on one
host's clock none; a reverted cold move's two outages (the same two clocks read both ways) none.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from migtrace.correlate.skew import relative
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"


def _move(name: str, request: str):  # type: ignore[no-untyped-def]
    return next(m for m in cached_load(str(ROOT / name)).migrations if m.id.startswith(request))


def test_a_downtime_between_two_computes_paired_both_ways_gets_their_relative_interval() -> None:
    m = _move("kilo-files", "req-8e3e5a2e")  # compute2 → compute1; pairs: c1 − c2 ∈ [-0.041, 0.047]
    assert m.downtime_s is not None
    assert m.downtime_uncertainty_s == 0.047


def test_a_span_through_the_controller_takes_the_shortest_proven_path() -> None:
    # devstack: c1 vs the controller [-0.040, 0.055], c2 [-0.084, 0.099]; c2 → c1 directly ≤ 2.04 s,
    # through the controller ≤ 0.084 + 0.055 = 0.139
    m = _move("devstack-2024.1", "req-c7ae8128")
    assert m.downtime_uncertainty_s == 0.139
    assert m.duration_uncertainty_s == 0.1  # API (controller) → the source's last step: c2's 0.099, rounded up


def test_a_reverted_move_s_two_outages_cancel_the_clocks_error() -> None:
    m = _move("devstack-2024.1", "req-0441b83d")  # compute1 → compute2, then the revert compute2 → compute1
    assert m.downtime_s is not None and "revert" in m.downtime_basis
    assert m.downtime_uncertainty_s == 0.0


def test_without_a_two_sided_bound_the_move_s_own_gaps_are_kept() -> None:
    # yoga-info (INFO only): no causal pair is logged, births bound the computes from above only
    m = _move("yoga-info", "req-40e4d388")
    assert m.downtime_s is not None and m.downtime_uncertainty_s > 1.0


def test_relative_reads_both_directions_and_refuses_contradictions() -> None:
    bounds = {("a", "b"): 0.3, ("b", "a"): 0.1, ("b", "c"): 0.2, ("c", "b"): 0.05}
    assert relative(bounds, "a", "c") == (-0.15000000000000002, 0.5)
    assert relative(bounds, "a", "a") == (0.0, 0.0)
    assert relative({("a", "b"): 0.3}, "a", "b") == (None, 0.3)
    assert relative({("a", "b"): -0.5, ("b", "a"): 0.1}, "a", "b") == (None, None)


@given(st.dictionaries(st.sampled_from("abcde"), st.floats(-50, 50), min_size=2),
       st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("abcde"), st.floats(0, 3)), max_size=12))
def test_the_relative_interval_always_holds_the_true_offset(offsets: dict[str, float],
                                                            pairs: list[tuple[str, str, float]]) -> None:
    """Bounds built from true offsets and positive latencies never exclude the true relative offset."""
    bounds: dict[tuple[str, str], float] = {}
    for x, y, latency in pairs:
        if x != y and x in offsets and y in offsets:
            # effect on y `latency` after its cause on x: t_y - t_x = latency + off_y - off_x
            w = latency + offsets[y] - offsets[x]
            bounds[(x, y)] = min(bounds.get((x, y), w), w)
    a, b = sorted(offsets)[:2]
    lo, hi = relative(bounds, a, b)
    truth = offsets[b] - offsets[a]
    assert lo is None or lo <= truth + 1e-6
    assert hi is None or truth <= hi + 1e-6


def test_a_pair_still_violated_after_the_shifts_widens_the_proven_interval() -> None:
    """A clock that jumped leaves a causal pair violated: its gap is added, as the global estimate adds it."""
    from migtrace.correlate._derive import _MoveClocks

    bounds = {("a", "b"): 0.05, ("b", "a"): 0.04}
    assert _MoveClocks({}, bounds).pm("a", "b") == 0.05
    assert _MoveClocks({}, bounds, {"b": 0.3}).pm("a", "b") == 0.35
    assert _MoveClocks({}, bounds).span_pm([("a", "b"), ("b", "a")]) == 0.0  # a revert: read both ways
    assert _MoveClocks({"a": 0.5, "b": 0.25}, {}).pm("a", "b") == 0.75  # no proven bound: the gaps
