"""Tests for matching signatures over correlated events (migtrace.diagnose)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from migtrace.diagnose import Diagnosis, all_findings, diagnose, template, worst_severity
from migtrace.diagnose.catalog import Catalog, load_catalog, parse_signature
from migtrace.model import Event, Migration, Phase
from tests.conftest import PENDING_SETS, REAL_LOGS, SAMPLE_LOGS, make_event, needs_shared
from tests.signatures.harness import Fixture, analyse, fired, load_fixtures

CATALOG = load_catalog()
FIXTURES = load_fixtures()
T0 = datetime(2019, 5, 6, 12, 0, 0, tzinfo=UTC)
INSTANCE = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"


def _ev(message: str, *, seconds: float = 0, level: str = "ERROR", lineno: int = 1,
        logger: str = "nova.virt.libvirt.driver", **kw: object) -> Event:
    fields: dict[str, object] = {"instance": INSTANCE, **kw}
    return make_event(message=message, level=level, logger=logger, lineno=lineno,
                      time=T0 + timedelta(seconds=seconds), **fields)


def _migration(events: list[Event], *, kind: str = "live-migration",
               phases: tuple[Phase, ...] = ()) -> Migration:
    return Migration(id="req-1", kind=kind, instance=INSTANCE, status="failed",  # type: ignore[arg-type]
                     started=min(e.time for e in events), ended=max(e.time for e in events),
                     source_host="compute1", dest_host="compute2", events=tuple(events),
                     phases=phases)


def _run(migration_events: list[Event], loose: list[Event] = (), **kw: object) -> Diagnosis:  # type: ignore[assignment]
    migrations = [_migration(migration_events, **kw)] if migration_events else []
    return diagnose(migrations, [*migration_events, *loose], CATALOG)


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_diagnose_fixture_fires_exactly_expected_signatures(fixture: Fixture) -> None:
    assert fired(analyse(fixture, CATALOG)) == sorted(fixture.expect)


def test_diagnose_every_shipped_signature_has_a_positive_fixture() -> None:
    positive = {f.signature_id for f in FIXTURES if f.signature_id in f.expect}
    missing = sorted(s.id for s in CATALOG.signatures if s.id not in positive)
    assert not missing, f"signatures without a positive fixture in tests/signatures/: {missing}"


@needs_shared
def test_diagnose_fixtures_name_a_shipped_signature_and_their_source() -> None:
    for fixture in FIXTURES:
        sig = CATALOG.get(fixture.signature_id)
        assert sig is not None, f"{fixture.path}: no signature {fixture.signature_id}"
        assert sig.component == fixture.component, fixture.path
        assert fixture.release and fixture.source, fixture.path
        if not fixture.source.startswith("synthetic"):
            real = fixture.source.split(" ", 1)[0]
            assert (REAL_LOGS / real).exists(), real


# --------------------------------------------------------------------------- grouping


def test_diagnose_groups_repeats_into_one_finding_with_count_and_span() -> None:
    events = [_ev("Live migration not completed after 800 sec", level="WARNING",
                  logger="nova.virt.libvirt.migration", seconds=i, lineno=i + 1) for i in range(50)]
    analysis = _run(events)
    [finding] = analysis.migrations[0].findings
    assert finding.signature_id == "live-migration-completion-timeout"
    assert finding.count == 50
    assert finding.first_seen == T0 and finding.last_seen == T0 + timedelta(seconds=49)
    assert len(finding.events) == 5 and finding.events[0] is events[0]
    assert finding.migration_id == "req-1" and finding.recognised
    assert finding.remedy and finding.explanation and finding.references


def test_diagnose_specific_signature_silences_fallbacks() -> None:
    events = [
        _ev("Live Migration failure: unsupported configuration: Unable to find security driver "
            "for label apparmor", lineno=1),
        _ev("Migration operation has aborted", seconds=1, lineno=2),
    ]
    analysis = _run(events)
    assert analysis.migrations[0].finding_ids == ("apparmor-seclabel-mismatch",)
    # the aborted line is explained, so it is not an unrecognised error either
    assert all(f.recognised for f in analysis.migrations[0].findings)


def test_diagnose_fallbacks_speak_when_nothing_specific_matched() -> None:
    events = [
        _ev("Live Migration failure: internal error: something new", lineno=1),
        _ev("Migration operation has aborted", seconds=1, lineno=2),
    ]
    analysis = _run(events)
    assert analysis.migrations[0].finding_ids == ("live-migration-aborted",
                                                  "live-migration-failure-generic")


def test_diagnose_attaches_phase_of_first_matching_event() -> None:
    failure = _ev("Live Migration failure: End of file while reading data: : Input/output error")
    other = _ev("Migration running for 5 secs, memory 50% remaining", level="DEBUG", lineno=2)
    phase = Phase(name="memory_copy", started=T0, ended=T0, events=(other, failure))
    analysis = _run([other, failure], phases=(phase,))
    [finding] = analysis.migrations[0].findings
    assert finding.phase == "memory_copy"


def test_diagnose_respects_signature_flows() -> None:
    event = _ev("HTTP exception thrown: The target host can't be the same one.", level="INFO",
                logger="nova.api.openstack.wsgi")
    assert _run([event], kind="evacuation").migrations[0].finding_ids == ("evacuate-same-host",)
    assert _run([event], kind="live-migration").migrations[0].finding_ids == ()


# --------------------------------------------------------------------------- unrecognised


def test_diagnose_lists_unrecognised_errors_grouped_by_template() -> None:
    events = [
        _ev("Failed to frobnicate port 1a2b3c4d-0000-4000-8000-000000000001 on compute2 "
            "at /var/lib/nova/instances/x after 3 tries", lineno=1),
        _ev("Failed to frobnicate port 1a2b3c4d-0000-4000-8000-000000000002 on compute2 "
            "at /var/lib/nova/instances/y after 4 tries", seconds=2, lineno=2),
        _ev("Something harmless", level="WARNING", lineno=3),
        _ev("Something harmless but loud", level="CRITICAL", lineno=4),
    ]
    findings = _run(events).migrations[0].findings
    unrecognised = [f for f in findings if not f.recognised]
    assert [(f.title, f.count) for f in unrecognised] == [
        ("Failed to frobnicate port <uuid> on <host> at <path> after <n> tries", 2),
        ("Something harmless but loud", 1),
    ]
    first = unrecognised[0]
    assert first.signature_id == "unrecognised" and first.severity == "error"
    assert first.last_seen - first.first_seen == timedelta(seconds=2)
    assert _run(events).migrations[0].finding_ids == ()


def test_diagnose_template_masks_ids_hosts_numbers_and_paths() -> None:
    event = make_event(message=(
        "Error req-0cac612b-8d20-4b2a-9e3e-5f1a2b3c4d5e on 10.0.0.5:3260 iqn.2010-10.org.openstack:volume-1 "
        "instance-0000002a user 691a581c7b3f4a6e9d2c1b0a9f8e7d6c took 0.25s on cmp-7\nsecond line"))
    assert template(event, ["cmp-7"]) == (
        "Error req-<uuid> on <ip> <iqn> <domain> user <id> took <n>s on <host>")


# --------------------------------------------------------------------------- orphans


def test_diagnose_orphan_findings_for_events_outside_migrations() -> None:
    inside = [_ev("Migration operation has aborted", lineno=1)]
    loose = [
        _ev("Failed to compute_task_migrate_server: No valid host was found.", level="WARNING",
            logger="nova.scheduler.utils", lineno=10 + i, seconds=i, instance=None) for i in range(3)
    ] + [_ev("Migration operation has aborted", lineno=20)]
    analysis = _run(inside, loose)
    assert analysis.migrations[0].finding_ids == ("live-migration-aborted",)
    # a fallback never speaks outside a move: its record is listed as an unrecognised failure instead
    orphan, echo = analysis.orphan_findings
    assert orphan.signature_id == "no-valid-host" and orphan.count == 3
    assert orphan.migration_id is None
    assert (echo.signature_id, echo.title, echo.recognised) == ("unrecognised", "Migration operation has aborted", False)
    assert [f.signature_id for f in all_findings(analysis.migrations, analysis.orphan_findings)] == [
        "live-migration-aborted", "no-valid-host", "unrecognised"]


def test_diagnose_event_copied_after_correlation_is_not_an_orphan() -> None:
    event = _ev("Live Migration failure: Requested operation is not valid: domain is not running")
    found = diagnose([_migration([event])], [event.replace(service="n-cpu")], CATALOG)
    assert found.migrations[0].finding_ids == ("domain-not-running",)
    assert found.orphan_findings == ()


def test_diagnose_empty_analysis_has_no_findings() -> None:
    found = diagnose([], [], CATALOG)
    assert found.migrations == () and found.orphan_findings == ()
    assert worst_severity(all_findings(found.migrations, found.orphan_findings)) is None


def test_diagnose_worst_severity_ranks_findings() -> None:
    events = [_ev("Migration operation was cancelled", level="WARNING", lineno=1)]
    assert worst_severity(_run(events).migrations[0].findings) == "warning"
    events.append(_ev("brand new failure", lineno=2))
    assert worst_severity(_run(events).migrations[0].findings) == "error"


def test_diagnose_user_catalog_signature_fires() -> None:
    sig = parse_signature(
        "id: my-nfs\ntitle: NFS\nseverity: critical\nmatch: '\"Stale file handle\"'\n"
        "explanation: x\nremedy: y\n", path="<memory>")
    found = diagnose([_migration([_ev("Stale file handle on /x")])], [], Catalog((sig,)))
    assert found.migrations[0].finding_ids == ("my-nfs",)
    assert found.migrations[0].findings[0].severity == "critical"


# --------------------------------------------------------------------------- sample logs


def _sample_sets() -> list[object]:
    if not SAMPLE_LOGS.is_dir():
        return []
    found = sorted(p for p in SAMPLE_LOGS.iterdir() if (p / "truth.json").is_file())
    return [pytest.param(p, marks=pytest.mark.xfail(strict=False, reason=PENDING_SETS[p.name]))
            if p.name in PENDING_SETS else p for p in found]


@pytest.mark.parametrize("scenario", _sample_sets(), ids=lambda p: p.name)
def test_diagnose_sample_logs_give_exactly_the_truth_findings(scenario: Path) -> None:
    """Healthy moves get no finding at all; each failure gets exactly its expected ids; nothing orphaned."""
    import json

    from migtrace import LoadOptions, load

    loaded = load(str(scenario), options=LoadOptions(diagnose=False))
    analysis = diagnose(loaded.migrations, loaded.events, CATALOG)
    from tests.pipeline.test_golden import truth_of

    truth = json.loads((scenario / "truth.json").read_text())
    assert len(analysis.migrations) == len(truth)
    for m in analysis.migrations:
        expected = truth_of(truth, {"request_ids": list(m.request_ids), "instance": m.instance})["findings"]
        assert list(m.finding_ids) == sorted(expected), m.id
        if not expected:
            assert [f.title for f in m.findings] == [], m.id  # not even an unrecognised error
    assert [f.signature_id for f in analysis.orphan_findings] == []


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def incident(tmp_path: Path) -> Path:
    """Write two fixture excerpts as the n-cpu and n-cond logs of one incident."""
    by_name = {f.name: f for f in FIXTURES}
    (tmp_path / "n-cpu.log").write_text(by_name["libvirt/apparmor-seclabel-mismatch"].log)
    (tmp_path / "n-cond.log").write_text(by_name["conductor/max-retries-exceeded"].log)
    return tmp_path


def test_cli_diagnose_table_names_finding_and_fix(cli, incident: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("diagnose", str(incident))
    assert result.exit_code == 0
    assert "apparmor-seclabel-mismatch" in result.output and "max-retries-exceeded" in result.output
    assert "fix: Make the security driver identical" in result.output


def test_cli_diagnose_json_is_the_format_of_record(cli, incident: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    doc = json.loads(cli("diagnose", str(incident), "-f", "json").stdout)
    ids = sorted(f["signature_id"] for m in doc["migrations"] for f in m["findings"])
    ids += [f["signature_id"] for f in doc["orphan_findings"]]
    assert sorted(ids) == ["apparmor-seclabel-mismatch", "max-retries-exceeded"]
    assert doc["summary"]["worst_severity"] == "error"


def test_cli_diagnose_markdown_has_fix_section(cli, incident: Path) -> None:  # type: ignore[no-untyped-def]
    output = cli("diagnose", str(incident), "-f", "markdown").stdout
    assert output.startswith("# migtrace diagnosis") and "## What to do" in output


def test_cli_diagnose_fail_on_sets_exit_code(cli, incident: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("diagnose", str(incident), "--fail-on", "error").exit_code == 1
    assert cli("diagnose", str(incident), "--fail-on", "critical").exit_code == 0


def test_cli_diagnose_bad_user_signature_is_one_line_error(cli, incident: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "sigs" / "mine.yaml"
    bad.parent.mkdir()
    bad.write_text("id: mine\ntitle: t\nseverity: error\nmatch: 'modul:x'\nexplanation: e\nremedy: r\n")
    from click.testing import CliRunner

    from migtrace.cli import cli as group

    result = CliRunner().invoke(group, ["diagnose", str(incident), "--signatures", str(bad)])
    assert result.exit_code == 2
    [line] = [ln for ln in result.output.splitlines() if "error:" in ln]
    assert f"{bad}: signature 'mine': bad match expression: unknown field 'modul'" in line
    assert line.endswith("(line 4, column 9)")


def test_cli_signatures_list_show_and_test(cli, incident: Path) -> None:  # type: ignore[no-untyped-def]
    listing = cli("signatures", "list").output
    assert all(s.id in listing for s in CATALOG.signatures)
    shown = cli("signatures", "show", "iscsi-no-session-exit-21").output
    for part in ("Why:", "Fix:", "References:", "Example:", "Exit code: 21"):
        assert part in shown
    tested = cli("signatures", "test", str(incident)).output
    assert "apparmor-seclabel-mismatch" in tested and "max-retries-exceeded" in tested


def test_cli_signatures_show_unknown_id_exits_1_with_suggestion(cli) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from migtrace.cli import cli as group

    result = CliRunner().invoke(group, ["signatures", "show", "no-valid-hots"])
    assert result.exit_code == 1
    assert "did you mean: no-valid-host" in result.output


# --------------------------------------------------------------------------- real excerpts

#: Real excerpts of ../shared/real_logs and the signatures they must fire, whole file as input.
REAL_EXPECTED = {
    "blog_cn_livemig_selinux_seclabel_mismatch_ncpu.log": ["selinux-seclabel-mismatch"],
    "blog_kr_grizzly_livemig_unsafe_cache_markdown_escaped.log": ["unsafe-migration-cache"],
    "blog_vn_livemig_postcopy_unsupported_ncpu.log": ["postcopy-not-supported"],
    "gh_cinder_kilo_volmigrate_iscsiadm_no_session_exit21_cinder-volume.log":
        ["iscsi-login-failed", "iscsi-no-session-exit-21"],
    "gh_novaoperator1001_edpm_journal_MigrationPreCheckError_cpu_compare.log": ["cpu-incompatible"],
    "gh_novaoperator480_antelope_coldmigrate_resize_refers_to_another_host_ncpu.log":
        ["resize-confirm-another-host"],
    "gh_novaoperator621_antelope_livemig_paused_EOF_failure_ncpu.log": ["libvirt-eof-while-reading"],
    "gh_puppetlabs162_icehouse_resize_novalidhost_conductor_wrapped.log": ["no-valid-host"],
    "gh_rcbops262_folsom_block_migration_failed_ncpu.log": ["block-migration-disk-exists"],
    "pastebin_Ly9kT60T_liberty_devstack_pre_live_migration_failed_wrapped.txt": ["pre-live-migration-failed"],
    "pastebin_ix6q0xL3_mitaka_MigrationError_graphics_listen_conductor.txt": ["graphics-listen-address"],
    "pastebin_zptiw5jn_stein_osbrick_iscsi_login_failed_no_active_sessions_ncpu.txt":
        ["iscsi-login-failed", "volume-device-not-found"],
    "pastebin_zrBSLtMn_livemig_qemu_closed_monitor_cpu_ncpu.txt": ["qemu-closed-monitor"],
    # healthy or not-nova excerpts: the catalog must stay silent
    "pastebin_cY82PP34_queens_livemig_postcopy_success_src_ncpu.txt": [],
    "gh_qeas_devstack_journal_n-cpu_volume_boot.log": [],
    "gist_mnaser_ocata_osbrick_iscsi_rescan_ncpu_gisttable.txt": [],
    "pastebin_sQiRg0eD_kolla_ceph_librados_EPERM_NOT_NOVA.txt": [],
    "gh_openstackforensics_havana_nova-compute_excerpt_L100-200.log": [],
}


@needs_shared
@pytest.mark.parametrize("name", sorted(REAL_EXPECTED))
def test_diagnose_real_excerpt_fires_its_signatures(name: str) -> None:
    from migtrace import LoadOptions, load
    from tests.conftest import REAL_LOGS

    loaded = load(str(REAL_LOGS / name), options=LoadOptions(diagnose=False))
    analysis = diagnose(loaded.migrations, loaded.events, CATALOG)
    assert fired(analysis) == sorted(REAL_EXPECTED[name])


def test_diagnose_a_warning_does_not_silence_an_error_fallback() -> None:
    """A clean-up warning on the rollback must not hide the fallback that names the failure itself."""
    found = _run([
        _ev("Migration operation has aborted", seconds=1, lineno=1),
        _ev("Network cleanup failed for destination host compute2 during live migration rollback. You may need "
            "to manually clean up resources in the network service. Error: Port binding not found",
            seconds=2, lineno=2, logger="nova.compute.manager"),
    ])
    ids = {f.signature_id: f.severity for f in found.migrations[0].findings}
    assert ids == {"live-migration-aborted": "error", "network-cleanup-failed": "warning"}


def test_diagnose_a_specific_error_still_silences_an_error_fallback() -> None:
    found = _run([
        _ev("Live Migration failure: unsupported configuration: Unable to find security driver for label apparmor",
            seconds=1, lineno=1),
        _ev("Migration operation has aborted", seconds=2, lineno=2),
    ])
    assert found.migrations[0].finding_ids == ("apparmor-seclabel-mismatch",)
