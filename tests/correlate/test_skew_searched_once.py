"""`estimate_clocks` searches the events once for each kind of bound and hands the result on.

The zones and the births' bounds share `file_upper_bounds`; the pairs' bounds and their violations
share `_pair_texts` when no host is skipped.  Each function given the search's result answers as it
does searching itself, and the estimate is the one made from the functions searching apart.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from migtrace.correlate import skew
from migtrace.correlate.skew import (
    _pair_texts,
    _pair_violations,
    estimate_clocks,
    file_upper_bounds,
    intervals,
    pair_bounds,
    upper_bounds,
)
from migtrace.model import Event
from tests.conftest import SAMPLE_LOGS, cached_load
from tests.correlate.test_skew_interval import _cold, _move


def _sets() -> list[list[Event]]:
    utc = _move(0.0, dest_file="devstack.journal.export")
    local = [e.replace(time=e.time + timedelta(hours=5, minutes=30), source="compute1/screen-n-cpu.txt")
             for e in utc if e.host == "compute1"]
    made = [_move(7.5, source_ahead=-2.0) + _cold(7.5) + _move(0.3), _move(-3600.0 * 3), utc + local]
    loaded = [list(cached_load(SAMPLE_LOGS / name).events) for name in ("zed-mixed", "queens-files", "yoga-info")]
    return [sorted(events, key=lambda e: e.time) for events in made + loaded]


@pytest.mark.parametrize("index", range(6))
def test_given_searches_answer_as_the_searches_made_apart(index: int) -> None:
    events = _sets()[index]
    reference = skew._reference(events, None)
    assert reference is not None
    files = file_upper_bounds(events, reference)
    assert upper_bounds(events, reference, files) == upper_bounds(events, reference)
    for skip in (frozenset(), frozenset({"compute1"})):
        texts = _pair_texts(events, skip)
        assert pair_bounds(events, skip, texts) == pair_bounds(events, skip)
        pairs = pair_bounds(events, skip)
        assert (intervals(events, reference, skip, pairs=pairs, files=files)
                == intervals(events, reference, skip))
    offsets = {"compute1": 2.5}
    assert _pair_violations(events, offsets, _pair_texts(events, frozenset())) == _pair_violations(events, offsets)


def test_each_search_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One estimate: one search of each kind when no host is skipped, the skipped hosts' own pair search else."""
    calls: dict[str, int] = {"files": 0, "pairs": 0}
    files_of, pairs_of = skew.file_upper_bounds, skew._pair_texts

    def files(*args: object) -> object:
        calls["files"] += 1
        return files_of(*args)  # type: ignore[arg-type]

    def pairs(*args: object) -> object:
        calls["pairs"] += 1
        return pairs_of(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(skew, "file_upper_bounds", files)
    monkeypatch.setattr(skew, "_pair_texts", pairs)
    est = estimate_clocks(_sets()[0])
    assert est.offsets and calls == {"files": 1, "pairs": 1}
    calls.update(files=0, pairs=0)
    est = estimate_clocks(_sets()[1])  # a host in the wrong zone: the pairs without it, then all of them
    assert est.zone_errors and calls == {"files": 1, "pairs": 2}
