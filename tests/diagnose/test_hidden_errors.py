"""Errors that hide (issue 12): every failure is in a finding or listed as unrecognised, in a move or not.

Built from faithful lines (tests/diagnose/scenarios/*.yaml name the nova code they follow, and the
signature fixtures of tests/signatures/ name theirs):

* a failure line with no opening line still makes a (one-line) move when it names the operation:
  `Live migration failed.`, `Pre live migration failed at X`, a resize traceback through
  migrate_disk_and_power_off, Kilo's `Falling back to legacy live migrate flow. Error: … apparmor`;
* a conductor pre-check failure only live migration has makes a live migration, not a cold one;
* WARNINGs nova uses for failures are listed as unrecognised when no signature names them;
* ERRORs outside any move are listed as unrecognised in `diagnose`, `report` and a `list` line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migtrace.diagnose._failures import failure_severity, warning_rules
from migtrace.diagnose.catalog import load_catalog
from tests.conftest import make_event
from tests.diagnose._scenario import scenario
from tests.signatures.harness import analyse, load_fixtures

CATALOG = load_catalog()
FIXTURES = {f.name: f for f in load_fixtures()}

#: signatures whose texts only live migration logs, seen at the conductor alone (before: a "cold migration")
LIVE_ONLY_AT_THE_CONDUCTOR = [
    "conductor/precheck-lack-of-memory", "conductor/hypervisor-type-mismatch", "conductor/destination-hypervisor-too-old",
    "conductor/numa-live-migration-refused", "conductor/migration-unexpectedly-failed",
    "conductor/live-migration-unsupported-feature", "libvirt/precheck-disk-too-large",
    "libvirt/block-migration-with-mapped-volumes", "libvirt/invalid-local-storage",
    "libvirt/cpu-incompatible__conductor_forced_host",
    "compute/invalid-shared-storage",
]


@pytest.mark.parametrize("name", LIVE_ONLY_AT_THE_CONDUCTOR)
def test_hidden_live_only_precheck_at_the_conductor_is_a_live_migration_with_its_finding(name: str) -> None:
    fixture = FIXTURES[name]
    analysis = analyse(fixture, CATALOG)
    moves = [m for m in analysis.migrations if fixture.signature_id in m.finding_ids]
    assert moves, f"{name}: the finding is not on a move"
    assert {m.kind for m in moves} == {"live-migration"}
    assert fixture.signature_id not in {f.signature_id for f in analysis.orphan_findings}


def test_hidden_live_only_signatures_no_longer_list_cold_migration() -> None:
    for name in LIVE_ONLY_AT_THE_CONDUCTOR:
        sig = CATALOG.get(name.split("/")[1].split("__")[0])
        assert sig is not None and "migration" not in sig.flows, name


def test_hidden_live_migration_failed_alone_is_a_failed_live_migration(tmp_path: Path) -> None:
    [move] = scenario("caracal-live-migration-failed-alone").load(tmp_path).migrations
    assert (move.kind, move.status, move.source_host, move.dest_host) == (
        "live-migration", "failed", "compute-1", "compute-2")
    assert move.finding_ids == ("libvirt-remote-connection-refused",)


def test_hidden_pre_live_migration_failed_alone_names_the_destination_without_the_summary(tmp_path: Path) -> None:
    [move] = scenario("queens-pre-live-migration-failed-alone").load(tmp_path).migrations
    assert (move.kind, move.status, move.dest_host) == ("live-migration", "failed", "compute2")
    assert move.finding_ids == ("rpc-messaging-timeout",)


def test_hidden_resize_traceback_through_migrate_disk_and_power_off_is_a_failed_move(tmp_path: Path) -> None:
    [move] = scenario("queens-resize-traceback-alone").load(tmp_path).migrations
    assert (move.kind, move.status, move.source_host) == ("migration", "failed", "compute1")
    assert move.finding_ids == ("cold-migrate-ssh-failed",)


def test_hidden_kilo_legacy_fallback_warning_alone_names_apparmor(tmp_path: Path) -> None:
    [move] = scenario("kilo-live-migrate-legacy-fallback-apparmor").load(tmp_path).migrations
    assert move.kind == "live-migration" and move.source_host == "compute1"
    assert move.finding_ids == ("apparmor-seclabel-mismatch",)


def test_hidden_conductor_warning_no_signature_names_is_listed_as_unrecognised(tmp_path: Path) -> None:
    [move] = scenario("queens-conductor-scheduler-rpc-error").load(tmp_path).migrations
    assert move.status == "failed"
    [finding] = move.findings
    assert (finding.signature_id, finding.recognised, finding.severity) == ("unrecognised", False, "warning")
    assert finding.title.startswith("Failed to compute_task_migrate_server: Migration select destinations error:")


def test_hidden_error_outside_any_move_is_an_unrecognised_orphan(tmp_path: Path) -> None:
    analysis = scenario("queens-error-outside-any-move").load(tmp_path)
    assert analysis.migrations == ()
    [orphan] = analysis.orphan_findings
    assert (orphan.signature_id, orphan.recognised, orphan.count, orphan.migration_id) == ("unrecognised", False, 2, None)
    assert "AMQP server on controller:<n> is unreachable" in orphan.title


def test_hidden_outside_failures_show_in_diagnose_report_and_list(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = str(scenario("queens-error-outside-any-move").write(tmp_path / "logs"))
    diagnosed = cli("diagnose", root)
    assert "Outside any migration" in diagnosed.output and "AMQP server on controller" in diagnosed.output
    report = json.loads(cli("report", root, "-f", "json", "-o", "-").stdout)
    assert [f["signature_id"] for f in report["orphan_findings"]] == ["unrecognised"]
    listed = cli("list", root, "-f", "json")
    assert json.loads(listed.stdout) == []  # stdout stays a pure JSON array
    assert "1 failure outside any migration — see `migtrace diagnose`" in listed.stderr


def test_hidden_a_file_whose_only_content_is_a_failure_lists_a_move(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = str(scenario("caracal-live-migration-failed-alone").write(tmp_path))
    rows = json.loads(cli("list", root, "-f", "json").stdout)
    assert [(r["kind"], r["status"], r["findings"]) for r in rows] == [
        ("live-migration", "failed", ["libvirt-remote-connection-refused"])]


@pytest.mark.parametrize(("level", "logger", "message", "expected"), [
    ("ERROR", "nova.compute.manager", "anything at all", "error"),
    ("CRITICAL", "nova", "anything at all", "error"),
    ("WARNING", "nova.scheduler.utils", "Failed to compute_task_migrate_server: No valid host was found. ", "warning"),
    ("WARNING", "nova.virt.libvirt.driver", "Error monitoring migration: internal error: qemu unexpectedly closed the monitor", "warning"),
    ("WARNING", "nova.compute.manager", "Timed out waiting for events: [('network-vif-plugged', 'a1')]. If these timeouts", "warning"),
    # retries and operator actions are not failures
    ("WARNING", "nova.virt.libvirt.driver", "plug_vifs() failed 1. Retry up to 5.", None),
    ("WARNING", "nova.virt.libvirt.driver", "Migration operation was cancelled", None),
    ("WARNING", "nova.scheduler.utils", "Setting instance to ACTIVE state.", None),
    ("INFO", "nova.scheduler.utils", "Failed to compute_task_migrate_server: No valid host was found. ", None),
])
def test_hidden_failure_severity_of_a_record(level: str, logger: str, message: str, expected: str | None) -> None:
    assert failure_severity(make_event(level=level, logger=logger, message=message)) == expected


def test_hidden_failure_warning_rules_load_and_are_unique() -> None:
    ids = [r.id for r in warning_rules()]
    assert len(ids) == len(set(ids)) >= 20
