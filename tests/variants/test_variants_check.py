"""The checker's verdicts: known, lost, wrong (incl. unsupported), unknowable; row matching."""

from __future__ import annotations

from typing import Any

import pytest

from tools.variants.bugs import classify
from tools.variants.check import Outcome, Run, compare, judge, match_rows, says_unknown


def _num(value: float | None, lo: float, hi: float, tol: float = 0.002, uncertain: bool = False) -> dict[str, Any]:
    f: dict[str, Any] = {"value": value, "interval": [lo, hi], "tolerance": tol}
    if uncertain:
        f["uncertain"] = "clocks disagree"
    return f


@pytest.mark.parametrize(("truth", "value", "result"), [
    ({"value": "compute1"}, "compute1", "known"),
    ({"value": "compute1"}, None, "lost"),
    ({"value": "compute1"}, "compute2", "wrong"),
    ({"value": None, "why": "none chosen"}, None, "known"),
    ({"value": None, "why": "none chosen"}, "compute2", "wrong"),
    ({"unknown": "no logs", "actual": "compute1"}, None, "unknowable"),
    ({"unknown": "no logs", "actual": "compute1"}, "unknown", "unknowable"),
    ({"unknown": "no logs", "actual": "compute1"}, "compute1", "wrong"),
    ({"unknown": "no logs", "actual": "compute1"}, "compute2", "wrong"),
])
def test_check_judges_a_host(truth: dict[str, Any], value: object, result: str) -> None:
    assert judge("source_host", truth, value, {})[0] == result


def test_check_tells_unsupported_from_contradicted() -> None:
    truth = {"unknown": "no logs", "actual": "compute1"}
    assert judge("source_host", truth, "compute1", {})[1].startswith("unsupported")
    assert "really 'compute1'" in judge("source_host", truth, "compute2", {})[1]


def test_check_kind_hedge_is_unknown() -> None:
    truth = {"unknown": "alike", "one_of": ["migration", "resize"], "actual": "resize"}
    assert says_unknown("kind", "migration-or-resize")
    assert judge("kind", truth, "migration-or-resize", {})[0] == "unknowable"
    assert judge("kind", truth, "resize", {})[0] == "wrong"


@pytest.mark.parametrize(("truth", "value", "row", "result"), [
    (_num(27.7, 27.5, 27.7), 27.6, {}, "known"),
    (_num(27.7, 27.5, 27.7), 39.2, {}, "wrong"),
    (_num(27.7, 27.5, 27.7), None, {}, "lost"),
    (_num(27.7, 27.5, 27.7, 0.5, uncertain=True), None, {}, "unknowable"),
    (_num(27.7, 27.5, 27.7, 0.5, uncertain=True), 28.1, {}, "known"),
    (_num(27.7, 27.5, 27.7, 0.5, uncertain=True), 72.7, {}, "wrong"),
    (_num(0.12, 0.12, 0.12), 3.0, {"downtime_uncertainty_s": 3.0}, "known"),
    ({"value": None, "why": "no outage"}, 0.5, {}, "wrong"),
    ({"unknown": "gone", "actual": 2.0}, 2.0, {}, "wrong"),
])
def test_check_judges_numbers_against_bounds(truth: dict[str, Any], value: object, row: dict[str, Any],
                                             result: str) -> None:
    assert judge("downtime_s", truth, value, row)[0] == result


def test_check_judges_request_ids_and_phases() -> None:
    ids = {"value": ["req-a"], "optional": ["req-p"]}
    assert judge("request_ids", ids, ["req-a", "req-p"], {})[0] == "known"
    assert judge("request_ids", ids, [], {})[0] == "lost"
    assert judge("request_ids", ids, ["req-a", "req-x"], {})[0] == "wrong"
    assert judge("request_ids", {"unknown": "gone", "optional": ["req-p"]}, ["req-p"], {})[0] == "unknowable"
    phases = {"value": ["api", "finish"], "happened": ["api", "scheduling", "finish"]}
    assert judge("phases", phases, ["api", "scheduling", "finish"], {})[0] == "known"
    assert judge("phases", phases, ["api"], {})[0] == "lost"
    assert judge("phases", phases, ["api", "finish", "memory_copy"], {})[0] == "wrong"


def _move(index: int, inst: str, rids: list[str], started: str) -> dict[str, Any]:
    fields = {name: {"value": None} for name in ("kind", "instance", "source_host", "dest_host", "status",
                                                  "request_ids", "duration_s", "downtime_s", "phases")}
    fields["request_ids"] = {"value": rids, "optional": []}
    fields["phases"] = {"value": [], "happened": []}
    return {"index": index, "instance": inst, "request_ids": rids, "request_ids_optional": [],
            "started": started, "ended": started, "visible": True, "fields": fields}


def test_check_matches_rows_by_request_id_then_instance_and_start() -> None:
    moves = [_move(0, "i1", ["req-a"], "2024-01-01T10:00:00+00:00"),
             _move(1, "i1", ["req-b"], "2024-01-01T11:00:00+00:00"),
             _move(2, "i2", ["req-c"], "2024-01-01T12:00:00+00:00")]
    rows = [{"id": "req-a", "request_ids": ["req-a"], "instance": "i1"},
            {"id": "i1@x", "request_ids": [], "instance": "i1", "started": "2024-01-01T11:00:05+00:00"},
            {"id": "req-b", "request_ids": ["req-b"], "instance": "i1"},
            {"id": "req-z", "request_ids": ["req-z"], "instance": "i9"}]
    by_move, phantoms = match_rows(moves, rows)
    assert by_move == {0: [0], 1: [1, 2], 2: []} and phantoms == [3]
    out = compare({"set": "s", "variant": "v", "family": "f", "migrations": moves}, Run(0, rows, ""))
    verdicts = {(o.move, o.field): o.result for o in out}
    assert verdicts[(None, "rows")] == "wrong"  # the phantom
    assert verdicts[(0, "rows")] == "known" and verdicts[(1, "rows")] == "wrong" and verdicts[(2, "rows")] == "lost"


def test_check_merged_row_is_wrong() -> None:
    moves = [_move(0, "i1", ["req-a"], "2024-01-01T10:00:00+00:00"),
             _move(1, "i1", ["req-b"], "2024-01-01T11:00:00+00:00")]
    rows = [{"id": "req-a", "request_ids": ["req-a", "req-b"], "instance": "i1"}]
    out = compare({"set": "s", "variant": "v", "family": "f", "migrations": moves}, Run(0, rows, ""))
    assert [o.detail for o in out if o.field == "rows"] == ["merged with move(s) [1]", "merged with move(s) [0]"]


def test_check_names_the_bug_of_a_wrong_field() -> None:
    def o(field: str, detail: str, family: str = "layout") -> Outcome:
        return Outcome("s", "v", family, 0, field, "wrong", detail)
    assert classify(o("dest_host", "'WeighedHost', truth 'compute3'")) == "B04"
    assert classify(o("duration_s", "39.2 s, truth 27.7 s (accepted 27.5..27.7)")) == "B01"
    assert classify(o("duration_s", "row x: 0.7 s, truth 1.3 s (accepted 1.1..1.3)")) == "B15"
    assert classify(o("duration_s", "72.7 s ...; its steps come from hosts whose clocks disagree (compute1 +45 s)",
                      "skew")) == "B02"
    assert classify(o("rows", "split into 2 rows: [...]")) == "B07"
    assert classify(o("status", "'completed', truth 'confirmed'")) == "B08"
    assert classify(o("status", "'in-progress', truth 'completed'")) == "B10"
    assert classify(o("instance", "'x', truth 'y'")) == "B00"
