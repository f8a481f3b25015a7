"""`timeline` reads the control plane's inputs first and every later input once (`pipeline/_one_read.py`).

The related pass's ids are learned from the API, conductor and scheduler
logs; every other input is then read once with pass 1's and the related
pass's terms together and split into what each pass would have read.  The
result must be the two full passes' (`MIGTRACE_ONE_READ=0`) to the byte:
the events, their accounting, the warnings, the moves, the release clues
and the clock offsets.  When ids are learned from a later input too (an
instance id: a compute's records of it name other requests), the later
inputs are read again for those ids alone and their records added: the
same result again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migtrace.options import LoadOptions
from migtrace.pipeline import _one_read, load
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
#: sets with API/conductor logs beside the computes' (the one read applies) and one without (it does not)
SETS = ("queens-files", "zed-mixed", "kilo-files", "train-single-host")


def _ids(name: str) -> list[str]:
    """The first two moves' first request id and instance."""
    moves = cached_load(str(ROOT / name)).migrations[:2]
    out = [m.request_ids[0] for m in moves if m.request_ids] + [m.instance for m in moves if m.instance]
    return list(dict.fromkeys(out))


def _seen(a: Any) -> tuple[object, ...]:
    """Everything a targeted load hands the commands."""
    return (a.events, a.stats, a.warnings, a.migrations, a.release_clues, a.skew, a.last_seen)


@pytest.fixture(scope="module")
def paths_taken() -> dict[str, int]:
    return {"one read": 0, "ids learned late, added": 0}


@pytest.mark.parametrize("name", SETS)
def test_one_read_gives_the_two_passes(name: str, monkeypatch: pytest.MonkeyPatch,
                                       paths_taken: dict[str, int]) -> None:
    paths = [str(ROOT / name)]
    given = _one_read.Learned.given

    def spy(self: _one_read.Learned, ids: set[str]) -> Any:
        found = given(self, ids)
        if found is not None:
            paths_taken["ids learned late, added" if self.ids is not None and set(ids) - self.ids else "one read"] += 1
        return found
    monkeypatch.setattr(_one_read.Learned, "given", spy)
    for ident in _ids(name):
        options = LoadOptions(focus=ident, jobs=1, diagnose=False)
        now = load(paths, options)
        monkeypatch.setenv(_one_read.ONE_READ_VARIABLE, "0")
        before = load(paths, options)
        monkeypatch.delenv(_one_read.ONE_READ_VARIABLE)
        assert _seen(now) == _seen(before), (name, ident)


def test_both_ways_were_taken(paths_taken: dict[str, int]) -> None:
    """The sets above exercise the one read, and ids learned from the later inputs added by a read for them alone."""
    if not any(paths_taken.values()):
        pytest.skip("run with the parametrized test above")
    assert paths_taken["one read"] and paths_taken["ids learned late, added"], paths_taken


@pytest.mark.parametrize(("display", "first"), [
    ("controller/var/log/nova/nova-api.log", True),
    ("ctl/nova-conductor.log.1", True),
    ("logs/n-sch.log", True),
    ("compute-01/var/log/nova/nova-compute.log", False),
    ("compute.txt", False),
])
def test_control_plane_inputs_are_read_first(display: str, first: bool) -> None:
    assert _one_read.learns_first(display) is first


@pytest.mark.parametrize("name", ("queens-files", "zed-mixed"))
def test_the_control_plane_is_not_read_after_the_later_inputs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control plane's related records come from the later inputs' read (`Learned.early`): when no id is
    learned late, the related pass is given every input and reads none (and gives the two passes' result)."""
    learned: list[_one_read.Learned] = []
    learn = _one_read.learn

    def spy(*args: Any, **kwargs: Any) -> _one_read.Learned:
        learned.append(learn(*args, **kwargs))
        return learned[-1]
    monkeypatch.setattr(_one_read, "learn", spy)
    paths = [str(ROOT / name)]
    moves = cached_load(paths[0]).migrations
    stood_in = 0
    for ident in [r for m in moves for r in m.request_ids][:4]:
        learned.clear()
        options = LoadOptions(focus=ident, jobs=1, diagnose=False)
        now = load(paths, options)
        got = learned[0]
        assert got.early and all(_one_read.learns_first(p) for p in got.early)
        assert got.ids is not None
        stand = got.given(set(got.ids))
        assert stand is not None and got.early <= set(stand.found)
        stood_in += 1
        monkeypatch.setenv(_one_read.ONE_READ_VARIABLE, "0")
        assert _seen(load(paths, options)) == _seen(now), (name, ident)
        monkeypatch.delenv(_one_read.ONE_READ_VARIABLE)
    assert stood_in
