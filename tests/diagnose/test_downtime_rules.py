"""Long downtime is a warning (issue 12): a cold migration that kept the guest off for 94 s is flagged.

The rule is data (migtrace/data/downtime_rules.yaml: kinds, threshold, wording); the scenario is the
Queens sample set's cold migration with a slower disk copy (tests/diagnose/scenarios).
"""

from __future__ import annotations

import json
from pathlib import Path

from migtrace import load
from migtrace.diagnose._downtime import downtime_rules
from tests.conftest import SAMPLE_LOGS
from tests.diagnose._scenario import scenario


def test_downtime_long_cold_migration_is_a_warning_with_the_measured_seconds(tmp_path: Path) -> None:
    [move] = scenario("queens-cold-migration-long-downtime").load(tmp_path).migrations
    # finished, no confirm or revert in the logs: the outcome is unknown (docs/derivation.md), the outage is not
    assert (move.kind, move.status) == ("migration", "unknown")
    assert move.downtime_s is not None and 94 < move.downtime_s < 95
    [finding] = move.findings
    assert (finding.signature_id, finding.severity) == ("long-downtime-cold-move", "warning")
    assert "94.3 s (warning from 60 s)" in finding.title
    assert "source shutdown → destination running" in finding.explanation
    messages = [e.message for e in finding.events]
    assert messages[0].startswith("Shutting down instance from state") and messages[-1] == "Instance running successfully."


def test_downtime_healthy_moves_of_the_sample_sets_get_no_downtime_finding() -> None:
    for name in ("devstack-2024.1", "queens-files", "kilo-files", "zed-mixed"):
        analysis = load(str(SAMPLE_LOGS / name))
        rule_ids = {r.id for r in downtime_rules()}
        assert not [f for m in analysis.migrations for f in m.findings if f.signature_id in rule_ids], name


def test_downtime_rules_are_data_with_thresholds() -> None:
    by_id = {r.id: r for r in downtime_rules()}
    assert by_id["long-downtime-cold-move"].kinds == {"migration", "resize"}
    assert by_id["long-downtime-cold-move"].min_downtime_s == 60
    assert by_id["long-downtime-live-migration"].kinds == {"live-migration"}


def test_downtime_finding_reaches_diagnose_json(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = scenario("queens-cold-migration-long-downtime").write(tmp_path)
    doc = json.loads(cli("diagnose", str(root), "-f", "json").stdout)
    [move] = doc["migrations"]
    assert [f["signature_id"] for f in move["findings"]] == ["long-downtime-cold-move"]
    assert doc["summary"]["worst_severity"] == "warning"
