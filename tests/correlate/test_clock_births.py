"""Births bound a host's clock only through clock-text lines, which every read holds (issue 10, one story).

A request's birth (its `/action` access line minus `time:`) bounds another host's offset through
that host's first line of the request *holding a clock text* (causal_pairs.yaml ``births`` and the
pairs' texts).  A targeted `timeline` searches exactly those texts in every input
(`skew.evidence_texts`), so it shifts the clocks as `list` does: the estimate over a whole set
equals the estimate over one move plus every clock-text line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from migtrace.correlate import skew
from migtrace.model import Event

T0 = datetime(2023, 1, 17, 9, 0, 0)
REQS = [f"req-{i:08d}-0000-4000-8000-000000000000" for i in range(1, 4)]


def _ev(t: float, host: str, service: str, msg: str, req: str | None) -> Event:
    when = T0 + timedelta(seconds=t)
    return Event(time=when, time_text=when.isoformat(), message=msg, host=host, service=service,
                 request_id=req, source=f"{host}/{service}.log")


def _access(t: float, req: str, took: float = 0.2) -> Event:
    return _ev(t, "controller", "n-api", f'10.0.0.1 "POST /v2.1/servers/u/action HTTP/1.1" status: 202 len: 0 '
               f'microversion: 2.90 time: {took}', req)


def _move(start: float, req: str, dest_lines: list[tuple[float, str]]) -> list[Event]:
    """One request: its API access line, the destination's lines (times on compute2's own clock)."""
    return [_access(start + 0.2, req), *(_ev(start + dt, "compute2", "n-cpu", msg, req) for dt, msg in dest_lines)]


def test_birth_texts_load_and_are_searched_by_a_targeted_read() -> None:
    api, texts = skew.birth_texts()
    assert api == "/action" and texts
    assert {api, *texts} <= skew.evidence_texts()
    assert {t for pair in skew.causal_texts() for t in pair} <= skew.evidence_texts()


def test_a_line_without_a_clock_text_bounds_nothing() -> None:
    # compute2 is 5 s behind: its lock line (no clock text) shows it, its claim line too
    events = _move(0.0, REQS[0], [(-4.9, 'Lock "compute_resources" acquired by "claim"'),
                                  (-4.5, "Claim successful on node compute2")])
    assert skew.upper_bounds(sorted(events, key=lambda e: e.time), "controller") == {"compute2": pytest.approx(-4.5)}
    # an access line without `time:` is no birth (written when the response went out: too late)
    late = [e.replace(message=e.message.replace(" time: 0.2", "")) if e.service == "n-api" else e for e in events]
    assert skew.upper_bounds(sorted(late, key=lambda e: e.time), "controller") == {}


def test_one_move_and_every_clock_text_line_give_the_whole_sets_shifts() -> None:
    """What a targeted read holds (its own move, every clock-text line) shifts compute2 as the whole set does."""
    moves = [
        _move(0.0, REQS[0], [(-4.95, 'Lock "compute_resources" acquired by "claim"'),
                             (-4.4, "Claim successful on node compute2"), (3.0, "Stashing vm_state: active")]),
        # the tightest birth of the set: another move's request, through a clock text
        _move(60.0, REQS[1], [(-4.8, "pre_live_migration data is LibvirtLiveMigrateData()")]),
        # a line with no clock text, earlier still: the whole set holds it, a targeted read does not
        _move(120.0, REQS[2], [(-4.99, "Migrating instance to compute2"), (1.0, "Took 1 seconds to spawn")]),
    ]
    whole = sorted((e for m in moves for e in m), key=lambda e: e.time)
    texts = skew.evidence_texts()
    targeted = sorted({*moves[0], *(e for e in whole if any(t in e.message for t in texts))},
                      key=lambda e: (e.time, e.message))
    est_whole, est_targeted = skew.estimate_clocks(whole), skew.estimate_clocks(targeted)
    assert est_whole.offsets == est_targeted.offsets == {"compute2": pytest.approx(4.801)}
    assert est_whole.uncertainty == est_targeted.uncertainty
    assert est_whole.intervals == est_targeted.intervals
