"""Release awareness (issue 12): the logs' release from their wording or --release, remedies that fit it.

Queens logs were told to set live_migration_timeout_action, an option that exists since Stein; now a
remedy a release does not have is not suggested, and one only some releases of an uncertain range
have keeps its bounds ("(Stein+)").  The release comes from the wording (data/releases.yaml clues,
each from the reference docs/nova-migration-logs.md) or from `--release NAME`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migtrace import LoadOptions, load
from migtrace._release import release_named, releases
from migtrace.diagnose import all_findings
from migtrace.diagnose._release import clues, logs_release
from migtrace.diagnose._remedy import ReleaseRange, Remedy, applicable, compose
from migtrace.diagnose.catalog import load_catalog, parse_signature
from migtrace.errors import SignatureError
from tests.conftest import SAMPLE_LOGS
from tests.diagnose._scenario import scenario

TIMEOUT_ACTION = "live_migration_timeout_action = force_complete"


def _range(text: str) -> ReleaseRange:
    low, _, high = text.partition("..")
    return ReleaseRange(release_named(low) if low else None, release_named(high) if high else None)


@pytest.mark.parametrize(("name", "expected"), [
    ("kilo-files", "Kilo"), ("queens-files", "Mitaka–Queens"), ("devstack-2024.1", "Xena onward"),
    ("zed-mixed", "Xena onward"),
])
def test_release_inferred_from_the_wording_of_each_sample_set(name: str, expected: str) -> None:
    analysis = load(str(SAMPLE_LOGS / name), options=LoadOptions(diagnose=False))
    assert logs_release(analysis.events).range.label() == expected


def test_release_lifecycle_numbers_say_grizzly_to_havana(tmp_path: Path) -> None:
    analysis = scenario("havana-live-migration-lifecycle-numbers").load(tmp_path)
    assert analysis.release is not None and analysis.release.range.label() == "Grizzly–Havana"
    assert analysis.release.basis == ("lifecycle-event-number",)


def test_release_given_wins_and_is_said_so() -> None:
    analysis = load(str(SAMPLE_LOGS / "queens-files"), options=LoadOptions(release="stein"))
    assert analysis.release is not None and analysis.release.given
    assert analysis.release.describe() == "Stein (--release)"


def _completion_timeout_remedies(options: LoadOptions) -> list[str]:
    analysis = load(str(SAMPLE_LOGS / "queens-files"), options=options)
    return [f.remedy for m in analysis.migrations for f in m.findings
            if f.signature_id == "live-migration-completion-timeout"]


def test_release_queens_logs_are_not_told_to_set_a_stein_option() -> None:
    [remedy] = _completion_timeout_remedies(LoadOptions())
    assert TIMEOUT_ACTION not in remedy
    assert "live_migration_completion_timeout" in remedy and "live_migration_permit_post_copy" in remedy


def test_release_stein_logs_are_told_to_set_it() -> None:
    [remedy] = _completion_timeout_remedies(LoadOptions(release="stein"))
    assert f"- Set {TIMEOUT_ACTION}, so that" in remedy and "(Stein+)" not in remedy


def test_release_unknown_keeps_the_remedy_with_its_minimum_release(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    log.write_text(load_catalog().get("live-migration-completion-timeout").example + "\n")  # type: ignore[union-attr]
    analysis = load(str(log))
    assert analysis.release is not None and not analysis.release.range.bounded
    [finding] = [f for f in all_findings(analysis.migrations, analysis.orphan_findings)
                 if f.signature_id == "live-migration-completion-timeout"]
    assert f"{TIMEOUT_ACTION}, so that the completion timeout switches to post-copy or pauses the guest " \
           "rather than aborting. (Stein+)" in finding.remedy


@pytest.mark.parametrize(("logs", "first", "last", "verdict"), [
    ("queens..queens", "stein", None, False), ("stein..stein", "stein", None, True),
    ("mitaka..queens", "newton", None, None), ("..", "stein", None, None), ("train..", "stein", None, True),
    ("..rocky", None, "rocky", True), ("stein..", None, "rocky", False), ("pike..stein", "liberty", "rocky", None),
    ("..", None, None, True),
])
def test_release_remedy_applies_when_every_possible_release_has_it(logs: str, first: str | None, last: str | None,
                                                                   verdict: bool | None) -> None:
    remedy = Remedy("x", release_named(first) if first else None, release_named(last) if last else None)
    assert applicable(remedy, _range(logs)) is verdict


def test_release_compose_writes_bounds_only_when_unsure() -> None:
    items = (Remedy("A.", release_named("stein")), Remedy("B.", None, release_named("rocky")))
    assert compose("Base.", items, _range("queens..queens")) == "Base.\n\n- B."
    assert compose("Base.", items, _range("..")) == "Base.\n\n- A. (Stein+)\n\n- B. (up to Rocky)"


def test_release_names_aliases_and_versions() -> None:
    assert [r.name for r in releases()][:3] == ["folsom", "grizzly", "havana"]
    assert release_named("Antelope") == release_named("2023.1") == release_named("27")
    with pytest.raises(ValueError, match="unknown OpenStack release 'quens'"):
        release_named("quens")
    with pytest.raises(ValueError, match="unknown OpenStack release"):
        LoadOptions(release="quens")


def test_release_clues_are_ordered_ranges() -> None:
    for clue in clues():
        assert clue.low is None or clue.high is None or clue.low <= clue.high, clue.id


def test_release_every_shipped_signature_names_its_releases_and_valid_remedies() -> None:
    for sig in load_catalog():
        assert sig.releases, sig.id
        assert sig.remedy or sig.remedies, sig.id


_SIG = """id: my-sig
title: T
severity: error
match: 'message:"x" AND level>=ERROR'
explanation: E
remedy: R
"""


@pytest.mark.parametrize(("extra", "message"), [
    ("releases: {from: pike, to: 2099.1}\n", "unknown OpenStack release '2099.1'"),
    ("releases: {from: stein, to: pike}\n", "'releases' ends (Pike) before it starts (Stein)"),
    ("releases: {since: pike}\n", "'releases' has unknown keys ['since']"),
    ("remedies: [{text: 'Set x.', min_release: stien}]\n", "unknown OpenStack release 'stien'"),
    ("remedies: [{txt: 'Set x.'}]\n", "remedies[0] must be a mapping with a 'text'"),
    ("remedies: [{text: 'Set x.', since: stein}]\n", "remedies[0] has unknown keys ['since']"),
])
def test_release_bad_release_data_in_a_signature_names_file_and_key(extra: str, message: str) -> None:
    with pytest.raises(SignatureError) as info:
        parse_signature(_SIG + extra, path="my-sig.yaml")
    assert message in str(info.value) and "(line " in str(info.value)


def test_release_remedies_alone_are_enough_and_free_text_releases_still_load() -> None:
    sig = parse_signature(_SIG.replace("remedy: R\n", "") + "remedies: [{text: 'Set x.', min_release: stein}]\n"
                          "releases: any, as written by hand\n", path="my-sig.yaml")
    assert sig.remedy == "" and sig.remedies[0].bounds() == "Stein+"
    assert sig.releases == "any, as written by hand"


def test_release_cli_option_and_json(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bad = cli("diagnose", str(SAMPLE_LOGS / "kilo-files"), "--release", "quens")
    assert bad.exit_code == 2 and "unknown OpenStack release 'quens'" in bad.output
    doc = json.loads(cli("diagnose", str(SAMPLE_LOGS / "kilo-files"), "-f", "json").stdout)
    assert (doc["release"]["from"], doc["release"]["to"], doc["release"]["given"]) == ("kilo", "kilo", False)
    assert "migrate-data-dict" in doc["release"]["basis"]
    given = json.loads(cli("diagnose", str(SAMPLE_LOGS / "kilo-files"), "-f", "json", "--release", "liberty").stdout)
    assert given["release"]["text"] == "Liberty (--release)"
