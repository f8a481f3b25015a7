"""`stats` over the generated 200-move fleet set: every figure against the generator's truth.json."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from migtrace.diagnose.fleet import percentile
from migtrace.reports.fleet import stats_document
from tests.diagnose._fleet_set import fleet

FAILED = {"failed", "stalled"}
OPEN = {"in-progress", "unknown"}
TOLERANCE_S = 0.0025


def _document() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    analysis, truth = fleet()
    return stats_document(analysis.migrations), truth


def _rate(moves: list[dict[str, Any]]) -> float | None:
    known = [m for m in moves if m["status"] not in OPEN]
    return round(sum(m["status"] in FAILED for m in known) / len(known), 4) if known else None


def _check(rows: list[dict[str, Any]], groups: dict[Any, list[dict[str, Any]]]) -> None:
    assert {r["group"] for r in rows} == set(groups)
    for row in rows:
        moves = groups[row["group"]]
        assert row["moves"] == len(moves), row["group"]
        assert row["failed"] + row["stalled"] == sum(m["status"] in FAILED for m in moves), row["group"]
        assert row["failure_rate"] == _rate(moves), row["group"]
        downs = [m["downtime_s"] for m in moves if m["downtime_s"] is not None]
        assert row["downtime_known"] == len(downs), row["group"]
        if downs:
            assert row["downtime_max_s"] == pytest.approx(max(downs), abs=TOLERANCE_S)
            assert row["downtime_p50_s"] == pytest.approx(percentile(downs, 50), abs=TOLERANCE_S)


def test_stats_fleet_by_kind_pair_host_day_match_truth() -> None:
    doc, truth = _document()
    assert doc["total"]["moves"] == len(truth)
    kinds, pairs, hosts, days = (defaultdict(list) for _ in range(4))
    for m in truth:
        kinds[m["kind"]].append(m)
        pairs[f"{m['source_host'] or '?'} → {m['dest_host'] or '?'}"].append(m)
        for h in {m["source_host"], m["dest_host"]}:
            hosts[h].append(m)
        days[m["started"][:10]].append(m)
    _check(doc["by_kind"], kinds)
    _check(doc["by_pair"], pairs)
    _check(doc["by_host"], hosts)
    _check(doc["by_day"], days)
    for row in doc["by_host"]:
        assert row["as_source"] == sum(m["source_host"] == row["group"] for m in truth)
        assert row["as_dest"] == sum(m["dest_host"] == row["group"] for m in truth)


def test_stats_fleet_failures_by_signature_and_hosts_match_truth() -> None:
    doc, truth = _document()
    expected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in truth:
        for sig in m["findings"]:
            expected[sig].append(m)
    rows = {r["group"]: r for r in doc["by_signature"] if r["group"] != "unrecognised"}
    assert set(rows) == set(expected)
    for sig, moves in expected.items():
        assert rows[sig]["moves"] == len(moves), sig
        assert rows[sig]["hosts"] == sorted({h for m in moves for h in (m["source_host"], m["dest_host"]) if h})


def test_stats_fleet_convergence_and_bandwidth_per_pair_match_the_generator() -> None:
    doc, truth = _document()
    pairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in truth:
        pairs[f"{m['source_host'] or '?'} → {m['dest_host'] or '?'}"].append(m)
    for row in doc["by_pair"]:
        physics = [m["physics"] for m in pairs[row["group"]] if m["physics"]]
        assert row["not_converging"] == sum(p["verdict"] in ("stalled", "diverging") for p in physics)
        rates = [p["bandwidth_mib_s"] for p in physics]
        if rates:
            assert row["bandwidth_p50_mib_s"] == pytest.approx(percentile(rates, 50), abs=0.1)
        else:
            assert row["bandwidth_p50_mib_s"] is None
    assert doc["total"]["not_converging"] == sum(
        1 for m in truth if m["physics"] and m["physics"]["verdict"] != "converging")
    by_id = {p["migration_id"]: p for p in doc["physics"]}
    for m in truth:
        if m["physics"]:
            assert by_id[m["request_id"]]["verdict"] == m["physics"]["verdict"]
