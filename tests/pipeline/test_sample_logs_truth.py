"""sample_logs/ is the committed output of tools.samplegen, and its ground truth is well formed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools.samplegen.__main__ import main as generate

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"
SETS = ("devstack-2024.1", "queens-files", "kilo-files", "zed-mixed", "yoga-info", "train-single-host")
FINDINGS = {
    "apparmor-seclabel-mismatch", "libvirt-remote-connection-refused", "rbd-operation-not-permitted",
    "unable-to-migrate-to-self", "live-migration-completion-timeout", "cpu-incompatible",
    "iscsi-no-session-exit-21", "cold-migrate-ssh-failed", "evacuate-compute-service-in-use",
    "invalid-shared-storage", "no-valid-host", "libvirt-eof-while-reading",
}
KINDS = {"live-migration", "migration", "resize", "evacuation"}
STATUSES = {"completed", "failed", "cancelled", "confirmed", "reverted", "in-progress"}
KEYS = {"kind", "instance", "request_ids", "source_host", "dest_host", "status", "block_migration",
        "post_copy", "downtime_s", "findings", "started", "ended", "down_start", "down_end", "phases",
        "phase_levels", "request_ids_optional", "unknown"}
PHASES = {"api", "scheduling", "pre_live_migration", "memory_copy", "disk_copy", "switchover", "post_migration", "rollback",
          "prep_resize", "disk_copy_power_off", "finish", "confirm", "revert", "rebuild", "source_cleanup"}


def _files(root: Path) -> dict[str, bytes]:
    # expected.json is the tool's answer (tools/update_expected.py), not the generator's output
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "expected.json"}


def test_samplegen_regenerates_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generate(["--out", str(tmp_path)])
    for name in SETS:
        fresh, committed = _files(tmp_path / name), _files(SAMPLES / name)
        assert sorted(fresh) == sorted(committed), name
        for rel, data in fresh.items():
            assert data == committed[rel], f"{name}/{rel} differs from a fresh generation"


@pytest.mark.parametrize("name", SETS)
def test_sample_truth_is_valid(name: str) -> None:
    truth = json.loads((SAMPLES / name / "truth.json").read_text())
    assert truth, name
    for mig in truth:
        assert set(mig) == KEYS
        # a field the set's logs cannot support is null, and `unknown` says why
        for field, value in mig.items():
            if value is None or value == []:
                assert field in mig["unknown"] or field not in ("kind", "request_ids", "source_host"), (field, mig)
        assert mig["kind"] in KINDS or "kind" in mig["unknown"]
        assert mig["status"] in STATUSES
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", mig["instance"])
        assert mig["request_ids"] or "request_ids" in mig["unknown"]
        assert all(re.fullmatch(r"req-[0-9a-f-]{36}", r) for r in mig["request_ids"] + mig["request_ids_optional"])
        assert mig["started"] <= mig["ended"] and set(mig["phases"]) <= PHASES
        assert set(mig["phase_levels"]) == set(mig["phases"])
        assert set(mig["findings"]) <= FINDINGS
        if mig["kind"] == "live-migration" and "block_migration" not in mig["unknown"]:
            # None only where the logs never show nova's decision (block_migration "auto", failed early)
            assert mig["block_migration"] is None or isinstance(mig["block_migration"], bool)
        elif mig["kind"] != "live-migration":
            assert mig["block_migration"] is None
        assert mig["downtime_s"] is None or 0 < mig["downtime_s"] < 120
        if mig["downtime_s"] is not None:
            assert mig["down_start"] < mig["down_end"]


@pytest.mark.parametrize("name", SETS)
def test_sample_truth_request_ids_appear_in_the_logs(name: str) -> None:
    text = b"".join(p.read_bytes() for p in (SAMPLES / name).rglob("*")
                    if p.is_file() and p.suffix not in (".gz", ".json", ".md"))
    for mig in json.loads((SAMPLES / name / "truth.json").read_text()):
        assert mig["instance"].encode() in text
        for rid in mig["request_ids"]:
            assert rid.encode() in text


def test_sample_logs_stay_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file() and p.name != "expected.json")
    assert total < 3 * 1024 * 1024
