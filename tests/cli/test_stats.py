"""`migtrace stats`: every figure over the sample sets checked against their truth.json, and the CLI contract.

The expected figures are computed here from truth.json (what the generator
wrote into the logs), not from migtrace's own answer; the rules they follow
are the ones migtrace.diagnose.fleet documents (unknown hosts stay unknown,
failure rate over known outcomes, nearest-rank percentiles).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from migtrace.diagnose.fleet import ROW_KEYS, percentile
from migtrace.reports.fleet import SCHEMA, SCHEMA_VERSION, stats_document
from migtrace.serialize import UNKNOWN_COLD_KIND, migration_summary
from tests.conftest import SAMPLE_LOGS, cached_load, sample_set_params
from tests.pipeline.test_golden import truth_of

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if (p / "truth.json").is_file())
#: oslo timestamps have millisecond precision; durations cross two of them
TOLERANCE_S = 0.0025
FAILED = {"failed", "stalled"}
OPEN = {"in-progress", "unknown"}


@functools.cache
def _truth(name: str) -> list[dict[str, Any]]:
    """The true moves, each field the product rightly leaves unknown set to that unknown.

    The golden truth test (tests/pipeline/test_golden.py) holds every printed
    field to the truth or unknown; the fleet figures are then checked
    against that: an INFO-only set's cold move whose kind the logs cannot
    tell is counted as `migration-or-resize`, a move whose start one host's
    logs cannot show has no duration, an outcome they cannot show is open.
    """
    truth = json.loads((SAMPLE_LOGS / name / "truth.json").read_text())
    supported = []
    for row in (migration_summary(m) for m in cached_load(SAMPLE_LOGS / name).migrations):
        t = dict(truth_of(truth, row))
        if row["kind"] == UNKNOWN_COLD_KIND:
            t["kind"] = UNKNOWN_COLD_KIND
        t.update({k: None for k in ("source_host", "dest_host", "downtime_s") if row[k] is None})
        if row["status"] in OPEN:
            t["status"] = row["status"]
        t["duration_known"] = row["duration_s"] is not None
        t["duration_pm"] = row["duration_uncertainty_s"] or 0.0
        t["downtime_pm"] = row["downtime_uncertainty_s"] or 0.0
        supported.append(t)
    assert len({id(truth_of(truth, r)) for r in supported}) == len(truth) == len(supported)
    return supported


@functools.cache
def _document(name: str) -> dict[str, Any]:
    return stats_document(cached_load(SAMPLE_LOGS / name).migrations)


def _rate(moves: list[dict[str, Any]]) -> float | None:
    known = [m for m in moves if m["status"] not in OPEN]
    return round(sum(m["status"] in FAILED for m in known) / len(known), 4) if known else None


def _duration(m: dict[str, Any]) -> float:
    return (datetime.fromisoformat(m["ended"]) - datetime.fromisoformat(m["started"])).total_seconds()


def _counts(rows: list[dict[str, Any]]) -> dict[Any, tuple[Any, ...]]:
    return {r["group"]: (r["moves"], r["failed"] + r["stalled"], r["failure_rate"]) for r in rows}


def _expected(moves_by: dict[Any, list[dict[str, Any]]]) -> dict[Any, tuple[Any, ...]]:
    return {k: (len(v), sum(m["status"] in FAILED for m in v), _rate(v)) for k, v in moves_by.items()}


@pytest.mark.parametrize("name", sample_set_params(SETS))
def test_stats_kinds_and_statuses_match_truth(name: str) -> None:
    truth, doc = _truth(name), _document(name)
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert doc["total"]["moves"] == len(truth)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in truth:
        by_kind[m["kind"]].append(m)
    assert _counts(doc["by_kind"]) == _expected(by_kind)
    for row in doc["by_kind"]:
        statuses = Counter(m["status"].replace("-", "_") for m in by_kind[row["group"]])
        assert {s: row[s] for s in statuses} == dict(statuses)
        assert sum(row[s] for s in ("completed", "failed", "cancelled", "in_progress", "confirmed", "reverted",
                                    "unknown", "stalled")) == row["moves"]


@pytest.mark.parametrize("name", sample_set_params(SETS))
def test_stats_pairs_and_hosts_match_truth_unknown_hosts_stay_unknown(name: str) -> None:
    truth, doc = _truth(name), _document(name)
    pairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    hosts: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for m in truth:
        pairs[f"{m['source_host'] or '?'} → {m['dest_host'] or '?'}"].append(m)
        for h in {m["source_host"], m["dest_host"]}:
            hosts[h].append(m)
    assert _counts(doc["by_pair"]) == _expected(pairs)
    assert _counts(doc["by_host"]) == _expected(hosts)
    for row in doc["by_host"]:
        assert row["as_source"] == sum(m["source_host"] == row["group"] for m in truth)
        assert row["as_dest"] == sum(m["dest_host"] == row["group"] for m in truth)
    # the unknown host is its own row (null), never merged into a known one
    assert (None in hosts) == any(r["group"] is None for r in doc["by_host"])


@pytest.mark.parametrize("name", sample_set_params(SETS))
def test_stats_downtimes_match_truth(name: str) -> None:
    """Each downtime figure lies within the true downtimes moved by each move's own ± (as the durations)."""
    truth, doc = _truth(name), _document(name)
    for row in doc["by_kind"] + doc["by_pair"]:
        moves = [m for m in truth if row["group"] in (m["kind"], f"{m['source_host'] or '?'} → {m['dest_host'] or '?'}")]
        known = [m for m in moves if m["downtime_s"] is not None]
        assert row["downtime_known"] == len(known), row["group"]
        if not known:
            assert row["downtime_max_s"] is None and row["downtime_p50_s"] is None
            continue
        low = [m["downtime_s"] - m["downtime_pm"] for m in known]
        high = [m["downtime_s"] + m["downtime_pm"] for m in known]
        for p, key in ((50, "downtime_p50_s"), (100, "downtime_max_s")):
            assert percentile(low, p) - TOLERANCE_S <= row[key] <= percentile(high, p) + TOLERANCE_S, (row["group"], key)


@pytest.mark.parametrize("name", sample_set_params(SETS))
def test_stats_failure_signatures_and_their_hosts_match_truth(name: str) -> None:
    truth, doc = _truth(name), _document(name)
    expected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in truth:
        for sig in m["findings"]:
            expected[sig].append(m)
    rows = {r["group"]: r for r in doc["by_signature"] if r["group"] != "unrecognised"}
    assert set(rows) == set(expected)
    for sig, moves in expected.items():
        assert rows[sig]["moves"] == len(moves)
        assert rows[sig]["hosts"] == sorted({h for m in moves for h in (m["source_host"], m["dest_host"]) if h})
        assert rows[sig]["unknown_hosts"] == sum((m["source_host"] is None) + (m["dest_host"] is None) for m in moves)
    failures = [r["failed"] + r["stalled"] for r in doc["by_signature"]]
    assert failures == sorted(failures, reverse=True), "top failures first"


@pytest.mark.parametrize("name", sample_set_params(SETS))
def test_stats_durations_match_truth(name: str) -> None:
    """Each percentile lies between the percentiles of the true durations moved by each move's own ±.

    A move's duration is printed with the ± its clock bounds allow; the
    nearest-rank percentile is monotonic, so the figure over values inside
    those bounds is inside the figures over the bounds' ends.
    """
    truth, doc = _truth(name), _document(name)
    for row in doc["by_kind"]:
        moves = [m for m in truth if m["kind"] == row["group"] and m["status"] not in OPEN and m["duration_known"]]
        low = [_duration(m) - m["duration_pm"] for m in moves]
        high = [_duration(m) + m["duration_pm"] for m in moves]
        for p, key in ((50, "duration_p50_s"), (95, "duration_p95_s"), (100, "duration_max_s")):
            if not moves:
                assert row[key] is None, (row["group"], key)
                continue
            assert percentile(low, p) - TOLERANCE_S <= row[key] <= percentile(high, p) + TOLERANCE_S, (row["group"], key)


def test_stats_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile(values, 100) == 20.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None
    assert all(percentile(values, p) in values for p in range(1, 101))
    assert percentile(values, 95) == values[math.ceil(0.95 * 20) - 1]


def test_stats_of_no_moves_is_empty_but_complete() -> None:
    doc = stats_document([])
    assert doc["total"]["moves"] == 0 and doc["total"]["failure_rate"] is None
    assert set(doc["total"]) == set(ROW_KEYS)
    assert all(doc[f"by_{g}"] == [] for g in ("kind", "pair", "host", "signature", "day"))


# --------------------------------------------------------------------------- the command

QUEENS = str(SAMPLE_LOGS / "queens-files")
KILO = str(SAMPLE_LOGS / "kilo-files")


def test_stats_overview_shows_every_section(cli: Callable[..., Result]) -> None:
    result = cli("stats", QUEENS)
    assert result.exit_code == 0, result.output
    for title in ("Moves by kind and status", "Duration and downtime by kind", "Host pairs", "Hosts",
                  "Top failures"):
        assert title in result.stdout
    assert "? → compute3" in result.stdout and "(unknown)" in result.stdout


def test_stats_json_is_the_versioned_document(cli: Callable[..., Result]) -> None:
    result = cli("stats", KILO, "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert [r["group"] for r in doc["by_kind"]] == ["live-migration"]


@pytest.mark.parametrize("grouping", ["kind", "pair", "host", "signature", "day"])
def test_stats_group_by_every_format(cli: Callable[..., Result], grouping: str) -> None:
    for fmt in ("table", "value", "csv", "markdown", "yaml"):
        result = cli("stats", QUEENS, "--group-by", grouping, "-f", fmt)
        assert result.exit_code == 0, (fmt, result.output)
    rows = json.loads(cli("stats", QUEENS, "--group-by", grouping, "-f", "json").stdout)
    assert rows and all(list(r) == list(ROW_KEYS) for r in rows)
    parsed = list(csv.DictReader(io.StringIO(cli("stats", QUEENS, "--group-by", grouping, "-f", "csv").stdout)))
    assert [r["group"] for r in parsed] == [r["group"] or "" for r in rows]


def test_stats_columns_and_sort_like_list(cli: Callable[..., Result]) -> None:
    result = cli("stats", QUEENS, "--group-by", "host", "-c", "group", "-c", "fail%", "-f", "value",
                 "--sort-column", "failure_rate", "--sort-descending")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rates = [float(line.split()[-1]) for line in lines]
    assert rates == sorted(rates, reverse=True) and lines[0].split()[0] == "compute3"


def test_stats_columns_without_group_by_is_a_usage_error(cli: Callable[..., Result]) -> None:
    result = cli("stats", QUEENS, "-c", "group")
    assert result.exit_code == 2 and "--group-by" in result.output


def test_stats_unknown_column_is_a_usage_error(cli: Callable[..., Result]) -> None:
    result = cli("stats", QUEENS, "--group-by", "kind", "-c", "nope")
    assert result.exit_code == 2 and "valid:" in result.output


def test_stats_since_until_narrow_the_moves(cli: Callable[..., Result]) -> None:
    everything = json.loads(cli("stats", QUEENS, "-f", "json").stdout)["total"]["moves"]
    late = json.loads(cli("stats", QUEENS, "-f", "json", "--since", "2099-01-01").stdout)["total"]
    assert everything == len(_truth("queens-files")) and late["moves"] == 0 and late["failure_rate"] is None


def test_stats_no_input_exits_2(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("stats", str(tmp_path / "missing")).exit_code == 2


# --------------------------------------------------------------------------- the library frame


@pytest.mark.parametrize("grouping", ["kind", "pair", "host", "signature", "day"])
def test_stats_frame_has_stable_columns_and_dtypes_even_empty(grouping: str) -> None:
    from migtrace.pipeline import Analysis

    full = cached_load(QUEENS).stats_frame(grouping)
    empty = Analysis().stats_frame(grouping)
    assert list(full.columns) == list(empty.columns) == list(ROW_KEYS)
    assert full.dtypes.equals(empty.dtypes) and len(empty) == 0 and len(full) > 0


def test_stats_frame_every_scalar_column_has_a_dtype() -> None:
    from migtrace.pipeline.analysis import STATS_DTYPES

    assert set(STATS_DTYPES) == set(ROW_KEYS) - {"hosts", "signatures"}


def test_stats_frame_rows_equal_the_json_rows() -> None:
    frame = cached_load(QUEENS).stats_frame("host")
    rows = _document("queens-files")["by_host"]
    assert frame["group"].tolist()[:-1] == [r["group"] for r in rows][:-1]
    assert frame["group"].isna().tolist()[-1] and rows[-1]["group"] is None
    assert frame["moves"].tolist() == [r["moves"] for r in rows]
