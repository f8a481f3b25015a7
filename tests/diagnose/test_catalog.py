"""Tests for loading and validating signature files (migtrace.catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace.diagnose.catalog import SEVERITIES, load_catalog, parse_signature
from migtrace.errors import SignatureError
from tests.signatures.harness import parse_events

#: Ids the sample_logs ground truth relies on (fixed by the brief).
REQUIRED_IDS = {
    "apparmor-seclabel-mismatch", "selinux-seclabel-mismatch", "apparmor-qemu-memfd-denied",
    "libvirt-remote-connection-refused", "libvirt-remote-ssh-auth-failed",
    "iscsi-no-session-exit-21", "iscsi-login-failed", "volume-device-not-found",
    "rbd-operation-not-permitted", "unable-to-migrate-to-self", "invalid-shared-storage",
    "block-migration-disk-exists", "cpu-incompatible", "no-valid-host", "max-retries-exceeded",
    "live-migration-completion-timeout", "live-migration-progress-stuck",
    "live-migration-cancelled", "live-migration-aborted", "pre-live-migration-failed",
    "live-migration-failure-generic", "post-live-migration-at-destination-failed",
    "vif-plug-timeout", "qemu-closed-monitor", "libvirt-eof-while-reading",
    "postcopy-not-supported", "unsafe-migration-cache", "graphics-listen-address",
    "domain-not-running", "rpc-messaging-timeout", "evacuate-compute-service-in-use",
    "evacuate-same-host", "cold-migrate-ssh-failed", "resize-confirm-another-host",
    "revert-leaked-allocation",
}
FALLBACK_IDS = {"live-migration-aborted", "pre-live-migration-failed", "live-migration-failure-generic",
                "migration-precheck-failed", "migration-unexpectedly-failed", "move-failed-instance-error",
                "guest-start-failed-on-destination", "live-migration-abort-failed"}

GOOD = """\
id: my-site-nfs-stale
title: Stale NFS handle on the instances path
severity: warning
flows: [live-migration]
match: >
  message:"Stale file handle" AND level>=ERROR
explanation: The NFS export behind instances_path went away.
remedy: Remount /var/lib/nova/instances on the compute.
references: [https://example.org/runbook/nfs]
example: "2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [-] Stale file handle"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_catalog_ships_every_required_signature() -> None:
    catalog = load_catalog()
    ids = [s.id for s in catalog.signatures]
    assert len(ids) == len(set(ids)) >= 30
    assert set(ids) >= REQUIRED_IDS
    assert {s.id for s in catalog.signatures if s.fallback} == FALLBACK_IDS


def test_catalog_signatures_are_complete_and_live_in_their_component() -> None:
    for sig in load_catalog().signatures:
        assert sig.severity in SEVERITIES, sig.id
        assert sig.explanation and sig.remedy and sig.references and sig.example, sig.id
        assert Path(sig.path).parent.name == sig.component, sig.id
        assert Path(sig.path).stem == sig.id


@pytest.mark.parametrize("sig", load_catalog().signatures, ids=lambda s: s.id)
def test_catalog_example_line_parses_and_matches_its_signature(sig) -> None:  # type: ignore[no-untyped-def]
    events = parse_events(sig.example)
    assert len(events) == 1, f"{sig.id}: example must be one oslo.log record"
    assert sig.match.matches(events[0]), f"{sig.id}: example does not match"
    if sig.hint:
        assert sig.hint in events[0].text.lower()


def test_catalog_get_returns_signature_or_none() -> None:
    catalog = load_catalog()
    sig = catalog.get("no-valid-host")
    assert sig is not None and sig.component == "scheduler"
    assert catalog.get("no-such-signature") is None


def test_catalog_adds_user_file_and_directory(tmp_path: Path) -> None:
    _write(tmp_path, "my-site-nfs-stale.yaml", GOOD)
    shipped = len(load_catalog())
    by_file = load_catalog([str(tmp_path / "my-site-nfs-stale.yaml")])
    by_dir = load_catalog([str(tmp_path)])
    for catalog in (by_file, by_dir):
        assert len(catalog) == shipped + 1
        sig = catalog.get("my-site-nfs-stale")
        assert sig is not None and sig.severity == "warning" and sig.flows == ("live-migration",)
        assert sig.hint == "stale file handle"


def test_catalog_user_signature_replaces_shipped_one(tmp_path: Path) -> None:
    text = GOOD.replace("my-site-nfs-stale", "no-valid-host").replace(
        'example: "2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [-] Stale file handle"\n', "")
    _write(tmp_path, "no-valid-host.yaml", text)
    catalog = load_catalog([str(tmp_path)])
    sig = catalog.get("no-valid-host")
    assert sig is not None and sig.title == "Stale NFS handle on the instances path"
    assert len(catalog) == len(load_catalog())


@pytest.mark.parametrize("mutate, expected", [
    (lambda t: t.replace("severity: warning", "severity: loud"),
     "signature 'my-site-nfs-stale': severity 'loud' is not one of info, warning, error, critical (line 3, column 11)"),
    (lambda t: t.replace("title: Stale", "titel: Stale"),
     "signature 'my-site-nfs-stale': unknown key 'titel'"),
    (lambda t: t.replace("remedy: Remount /var/lib/nova/instances on the compute.\n", ""),
     "signature 'my-site-nfs-stale': missing required key 'remedy' (line 1, column 1)"),
    (lambda t: t.replace('message:"Stale file handle" AND level>=ERROR', 'message:"Stale file handle" AND modul:x'),
     "signature 'my-site-nfs-stale': bad match expression: unknown field 'modul'"),
    (lambda t: t.replace("flows: [live-migration]", "flows: [teleport]"),
     "signature 'my-site-nfs-stale': unknown flow 'teleport'"),
    (lambda t: t.replace("id: my-site-nfs-stale", "id: other-name"),
     "signature 'other-name': id 'other-name' does not match the file name"),
    (lambda t: t.replace("flows: [live-migration]", "flows: [live-migration]\nhint: Stale"),
     "hint 'Stale' must be lower-case"),
    (lambda t: t.replace("flows: [live-migration]", "flows: [live-migration]\nhint: nfs gone"),
     "hint 'nfs gone' does not occur in the example line"),
    (lambda t: t.replace("references: [https://example.org/runbook/nfs]", "references: 3"),
     "'references' must be a list of strings"),
    (lambda t: t + "  bad: [indent\n",
     "invalid YAML"),
])
def test_catalog_invalid_user_file_gives_one_line_error(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "my-site-nfs-stale.yaml", mutate(GOOD))
    with pytest.raises(SignatureError) as info:
        load_catalog([str(path)])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: signature '")
    assert expected in message
    assert message.endswith(")") and "(line " in message


def test_catalog_bad_match_points_at_the_token_in_the_file(tmp_path: Path) -> None:
    text = GOOD.replace('  message:"Stale file handle" AND level>=ERROR',
                        '  message:"Stale file handle"\n  AND levl>=ERROR')
    path = _write(tmp_path, "my-site-nfs-stale.yaml", text)
    with pytest.raises(SignatureError) as info:
        load_catalog([str(path)])
    # line 7 of the file is "  AND levl>=ERROR"; the unknown field starts at column 7
    assert str(info.value).endswith("unknown field 'levl' (known fields: host, instance, level, "
                                    "logger, message, project, request_id, service, source, user) "
                                    "(line 7, column 7)")


def test_catalog_bad_inline_match_position(tmp_path: Path) -> None:
    text = GOOD.replace('match: >\n  message:"Stale file handle" AND level>=ERROR',
                        'match: \'message:"Stale" AND (level>=ERROR\'')
    path = _write(tmp_path, "my-site-nfs-stale.yaml", text)
    with pytest.raises(SignatureError, match=r"expected '\)' to close the group \(line 5, column 42\)"):
        load_catalog([str(path)])


def test_catalog_duplicate_user_ids_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a", "my-site-nfs-stale.yaml", GOOD)
    _write(tmp_path / "b", "my-site-nfs-stale.yaml", GOOD)
    with pytest.raises(SignatureError, match="duplicate id"):
        load_catalog([str(tmp_path / "a"), str(tmp_path / "b")])


def test_catalog_missing_path_and_empty_directory_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SignatureError, match="no such signature file or directory"):
        load_catalog([str(tmp_path / "nope.yaml")])
    with pytest.raises(SignatureError, match=r"no \*\.yaml signature files"):
        load_catalog([str(tmp_path)])


def test_catalog_parse_signature_without_file_name_check() -> None:
    sig = parse_signature(GOOD.replace("my-site-nfs-stale", "renamed"), path="<memory>")
    assert sig.id == "renamed" and not sig.fallback and sig.phases == ()


def test_catalog_non_mapping_document_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yaml", "- just\n- a list\n")
    with pytest.raises(SignatureError, match=r"x.yaml: signature 'x': expected a mapping of keys \(line 1, column 1\)"):
        load_catalog([str(path)])
