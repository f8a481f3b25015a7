"""`timeline`'s late ids' read lets go, while it streams, what the related pass's `Prefilter` would let go.

An instance's compute records name requests the control plane never saw: a
compute's periodic-task context among them (`[req-… - - - - -]`, on every
minute's `Running periodic task` record: 0.5 M records on a 1 GiB set).
The one read (`pipeline/_one_read.py`) reads the later inputs again for
such ids alone (`_add_late`) and held every record found until the related
pass let most of them go.  The late read now puts its merged stream through
the same `Prefilter`, and a record of a new request (or of none) it lets go
is never held (`_LetGo`).  The result must be the two full passes'
(`MIGTRACE_ONE_READ=0`) to the byte.  The benchmark generator writes
nova's real text, periodic tasks included.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.gen_big_log import generate
from migtrace.cli import cli
from migtrace.correlate.markers import load_markers
from migtrace.correlate.skew import evidence_texts
from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline import _one_read, load
from migtrace.pipeline._keep import Keeper, Prefilter

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
CONTEXT = "req-77777777-1111-4222-8333-444444444444"
OTHER = "req-0a0a0a0a-1111-4222-8333-444444444444"
PERIODIC = "Running periodic task ComputeManager._check_instance_build_time"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one-read-lean") / "set"
    generate(root, size=1 << 20, computes=2, moves=3, seed=11, quiet=True)
    return root


def _instances(root: Path) -> list[str]:
    return [m["instance"] for m in json.loads((root / "truth.json").read_text())["migrations"]]


def _seen(a: Any) -> tuple[object, ...]:
    """Everything a targeted load hands the commands.

    Each input's `tail_line` aside: when an input's last record holds a late
    id, the one read notes it as the tail and the two passes do not (0): so
    before this change too (main 5c1ae31), and no command shows it.
    """
    return (a.events, tuple(replace(st, tail_line=0) for st in a.stats), a.warnings, a.migrations,
            a.release_clues, a.skew, a.last_seen)


def test_late_read_lets_go_and_gives_the_two_passes(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    let_go: list[dict[str, datetime]] = []
    add_late = _one_read._add_late

    def spy(*args: Any, **kwargs: Any) -> _one_read.Stand | None:
        found = add_late(*args, **kwargs)
        if found is not None:
            let_go.append(found.let_go)
        return found
    monkeypatch.setattr(_one_read, "_add_late", spy)
    for ident in _instances(fleet):
        options = LoadOptions(focus=ident, jobs=1, diagnose=False)
        now = load([str(fleet)], options)
        monkeypatch.setenv(_one_read.ONE_READ_VARIABLE, "0")
        before = load([str(fleet)], options)
        monkeypatch.delenv(_one_read.ONE_READ_VARIABLE)
        assert _seen(now) == _seen(before), ident
    assert any(let_go), "the generated set's instances learn a periodic context late: records let go"


def test_timeline_output_is_the_two_passes(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ident = _instances(fleet)[0]

    def run(one_read: str) -> str:
        monkeypatch.setenv(_one_read.ONE_READ_VARIABLE, one_read)
        result = CliRunner().invoke(cli, ["timeline", ident, "--no-cache", "-j", "1", "--color", "never", str(fleet)])
        return f"{result.exit_code}\n{result.output}"
    assert run("1") == run("0")


def _event(message: str, *, seconds: float, request_id: str | None = CONTEXT, lineno: int = 1,
           source: str = "nova-compute.log") -> Event:
    t = T0 + timedelta(seconds=seconds)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=message, host="compute-1",
                 service="n-cpu", level="DEBUG", logger="nova.compute.manager", request_id=request_id,
                 source=source, lineno=lineno, fmt="oslo")


def _let_go(new: frozenset[str]) -> _one_read._LetGo:
    return _one_read._LetGo({"c.log"}, new, Prefilter(Keeper(load_markers()), [evidence_texts()]))


def _stream(late: _one_read._LetGo, path: str, events: list[Event]) -> list[Event]:
    """Each record through the tap then the merged stream's test, as `_load._read` does for one input."""
    return [e for e in late.tap(path, iter(events)) if late.keep(e)]


def test_a_new_request_record_is_let_go_at_once_and_its_line_kept() -> None:
    late = _let_go(frozenset({CONTEXT}))
    assert _stream(late, "c.log", [_event(PERIODIC, seconds=3, lineno=7)]) == []
    assert late.own["c.log"] == []  # not held: left its input's list as soon as the merge gave it
    assert list(late.found("c.log")) == [(7, 1, None)]  # its line still counted and checked
    assert late.let_go == {"compute-1": T0 + timedelta(seconds=3)}


def test_records_of_requests_read_before_are_held() -> None:
    """The requests of the earlier read (not new) may have opened a move in records this read did not see."""
    late = _let_go(frozenset({CONTEXT}))
    e = _event(PERIODIC, seconds=1, request_id=OTHER, lineno=3)
    _stream(late, "c.log", [e])
    assert late.own["c.log"] == [e] and not late.gone and not late.let_go


def test_control_plane_records_are_seen_not_held() -> None:
    late = _let_go(frozenset({CONTEXT}))
    opening = Event(time=T0, time_text="x", message='Action: \'action\', calling method: ..., body: '
                    '{"os-migrateLive": {"host": null}}', host="api-1", service="n-api", level="INFO",
                    logger="nova.api.openstack.wsgi", request_id=CONTEXT, source="api.log", lineno=1, fmt="oslo")
    later = _event(PERIODIC, seconds=2, lineno=9)
    _stream(late, "api.log", [opening])
    _stream(late, "c.log", [later])
    assert "api.log" not in late.own  # an input read for the stream's order only
    assert late.own["c.log"] == [later]  # its request opened a move before it: the related pass keeps it


def test_an_input_whose_times_go_back_is_noticed() -> None:
    late = _let_go(frozenset({CONTEXT}))
    _stream(late, "c.log", [_event(PERIODIC, seconds=5, lineno=1), _event(PERIODIC, seconds=4, lineno=2)])
    assert late.unordered and late.gone  # `_add_late` then reads again: the merge's order is not the related pass's


@pytest.mark.parametrize(("a", "b", "out"), [
    ([1, 3, 5], [2, 3, 6], [1, 2, 3, 5, 6]),
    ([], [4, 4, 9], [4, 9]),
    ([5, 1], [3], [1, 3, 5]),  # not sorted: sorted as a set
])
def test_union_of_hit_lines(a: list[int], b: list[int], out: list[int]) -> None:
    assert _one_read._union(a, b) == out
