"""Truth rules: what each variant can still support, field by field (and why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_LOGS
from tests.variants.conftest import variant_doc
from tools.variants import evidence
from tools.variants.expected import expected_rows
from tools.variants.families import View, _attribute
from tools.variants.records import SampleSet
from tools.variants.rules import SKEW_TOLERANCE_S, Rules


def _fields(root: Path, set_name: str, variant: str, move: int) -> dict[str, Any]:
    fields: dict[str, Any] = variant_doc(root, set_name, variant)["migrations"][move]["fields"]
    return fields


def test_rules_removed_source_is_unknown_but_the_destination_its_own_lines_show(variants_root: Path) -> None:
    f = _fields(variants_root, "kilo-files", "without-compute1", 0)  # compute1 -> compute2, pre-live failure
    assert "no logs from compute1" in f["source_host"]["unknown"] and f["source_host"]["actual"] == "compute1"
    assert f["dest_host"] == {"value": "compute2", "why": "compute2's own lines about the move"}
    assert f["status"] == {"value": "failed"}  # the destination's RPC error says so


def test_rules_controller_only_knows_what_api_and_conductor_name(variants_root: Path) -> None:
    live = _fields(variants_root, "zed-mixed", "controller-only", 1)
    assert live["source_host"]["value"] == "compute2" and "Creating event" in live["source_host"]["why"]
    assert live["dest_host"]["value"] == "compute1"
    assert "unknown" in live["status"] and "unknown" in live["downtime_s"]
    cold = _fields(variants_root, "zed-mixed", "controller-only", 0)
    assert "unknown" in cold["source_host"] and cold["dest_host"]["value"] == "compute2"
    assert live["duration_s"]["uncertain"].startswith("its first or last steps are not in this variant")


def test_rules_stdin_loses_attribution_not_what_lines_say(variants_root: Path) -> None:
    f = _fields(variants_root, "kilo-files", "layout-stdin", 1)  # compute2 -> compute1, healthy
    assert "cannot be attributed" in f["source_host"]["unknown"]
    assert "finished successfully" in f["dest_host"]["why"]
    journal = _fields(variants_root, "devstack-2024.1", "layout-stdin", 0)  # journal lines carry the host
    assert journal["source_host"]["value"] == "compute2"


def test_rules_info_only_cold_kind_is_unknown_and_downtime_bounded(variants_root: Path) -> None:
    doc = variant_doc(variants_root, "devstack-2024.1", "info-only")
    cold = doc["migrations"][3]["fields"]  # the confirmed cold migration
    assert cold["kind"]["one_of"] == ["migration", "resize"] and cold["kind"]["actual"] == "migration"
    lo, hi = cold["downtime_s"]["interval"]
    assert hi - lo == pytest.approx(1.0) and lo <= cold["downtime_s"]["value"] <= hi
    assert "shutdown successfully after" in cold["downtime_s"]["uncertain"]
    assert cold["status"] == {"value": "confirmed"}  # the confirm request's `status: 204` access line
    live = doc["migrations"][0]["fields"]
    assert live["kind"] == {"value": "live-migration"} and "uncertain" not in live["downtime_s"]
    assert "scheduling" not in live["phases"]["value"] and "scheduling" in live["phases"]["happened"]


def test_rules_skew_makes_cross_host_numbers_uncertain_only_where_the_host_takes_part(variants_root: Path) -> None:
    touched = _fields(variants_root, "queens-files", "skew-compute3-plus5", 2)  # compute2 -> compute3
    assert touched["duration_s"]["tolerance"] >= SKEW_TOLERANCE_S and "compute3 +5 s" in touched["duration_s"]["uncertain"]
    untouched = _fields(variants_root, "queens-files", "skew-compute3-plus5", 3)  # compute1 -> compute2
    assert "uncertain" not in untouched["duration_s"] and "uncertain" not in untouched["downtime_s"]
    assert untouched["duration_s"]["tolerance"] < 0.01


def test_rules_told_zone_is_exact_untold_zone_uncertain(variants_root: Path) -> None:
    told = variant_doc(variants_root, "kilo-files", "tz-compute1-flagged")
    untold = variant_doc(variants_root, "kilo-files", "tz-compute1")
    assert not any("uncertain" in f for m in told["migrations"] for f in m["fields"].values())
    assert "+19800 s" in untold["migrations"][1]["fields"]["downtime_s"]["uncertain"]


def test_rules_unknown_in_the_set_stays_unknown_in_every_variant(variants_root: Path) -> None:
    for variant in sorted(p.name for p in (variants_root / "queens-files").iterdir()):
        f = _fields(variants_root, "queens-files", variant, 5)  # forced to compute3, CPU check failed
        assert "source compute is never called" in f["source_host"]["unknown"], variant


def test_rules_as_collected_agree_with_truth_json_unknowns(variants_root: Path, sets: dict[str, SampleSet]) -> None:
    """The rules, run on the sets as collected, find unknown at least what truth.json declares unknown."""
    for name, sset in sets.items():
        doc = variant_doc(variants_root, name, "layout-as-is")
        for truth, move in zip(sset.truth, doc["migrations"], strict=True):
            for field in (truth.get("unknown") or {}):
                if field in move["fields"]:
                    assert "unknown" in move["fields"][field], (name, move["index"], field)


def test_rules_evacuated_host_clean_up_alone_shows_kind_not_duration(variants_root: Path) -> None:
    move = variant_doc(variants_root, "train-single-host", "layout-as-is")["migrations"][3]
    f = move["fields"]
    assert f["kind"] == {"value": "evacuation"} and f["source_host"]["value"] == "compute2"
    assert "none of the move's own steps" in f["duration_s"]["unknown"]
    assert "start-up context" in f["request_ids"]["unknown"] and move["visible"]


def test_rules_power_off_and_destroy_lines_alone_are_no_move(variants_root: Path) -> None:
    """INFO lines of a source's power-off could be any stop: no row is asked for."""
    move = variant_doc(variants_root, "train-single-host", "info-only")["migrations"][2]
    assert not move["visible"]


def test_rules_long_lived_contexts_do_not_tie_instances_together(sets: dict[str, SampleSet]) -> None:
    sset = sets["devstack-2024.1"]
    view = View("as-is", {r.seq for r in sset.records})
    _attribute(sset, view, sset.records, {f.rel for f in sset.files})
    rules = Rules(sset, view)
    lifecycle = {rid for r in sset.records if "VM Started (Lifecycle Event)" in r.text
                 for rid in evidence.REQUEST_ID.findall(r.text)}
    assert lifecycle
    assert not lifecycle & set().union(*rules._instance_rids.values())


def test_rules_auto_confirm_id_is_optional(variants_root: Path) -> None:
    move = variant_doc(variants_root, "yoga-info", "layout-as-is")["migrations"][3]
    assert len(move["request_ids_optional"]) == 1 and move["fields"]["status"] == {"value": "confirmed"}
    assert move["fields"]["request_ids"]["optional"] == move["request_ids_optional"]


@pytest.mark.parametrize("name", ["yoga-info", "train-single-host"])
def test_rules_expected_json_is_what_the_truth_supports(name: str) -> None:
    """expected.json of the new sets (migtrace's answer, a golden) says what the truth supports or "unknown".

    tools.variants.expected writes what the truth supports; every field of the committed file is that
    value, or unknown (a field the product does not read yet: lost, never another value).  Times and
    durations are judged by the variant matrix (intervals, ±), phases as a subset.
    """
    committed = json.loads((SAMPLE_LOGS / name / "expected.json").read_text())
    supported = expected_rows(SAMPLE_LOGS / name)
    assert len(committed) == len(supported)
    for got, want in zip(committed, supported, strict=True):
        for key in ("kind", "instance", "source_host", "dest_host", "status", "block_migration", "post_copy",
                    "findings", "missing_sides"):
            unknown = got[key] in (None, "unknown", []) or (key == "kind" and got[key] == "migration-or-resize")
            assert unknown or got[key] == want[key], (name, got["id"], key)
        assert set(got["request_ids"]) <= set(want["request_ids"] or got["request_ids"]), (name, got["id"])
        assert set(got["phases"]) <= set(want["phases"]), (name, got["id"])
        if got["downtime_s"] is not None:
            assert want["downtime_s"] is None or abs(got["downtime_s"] - want["downtime_s"]) <= (
                got["downtime_uncertainty_s"] or 0.0) + 0.0015, (name, got["id"])
