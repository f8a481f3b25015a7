"""Precision of the whole catalog: healthy moves and healthy real excerpts give no finding.

A signature that fires on a healthy move tells the operator something broke when it
did not (STYLE/DESIGN: never a wrong value).  Three checks, each independent of how
the pipeline filters or groups lines, because every event is matched against every
signature directly:

* every event of the sample sets that does not belong to a failed move (healthy moves,
  background noise) matches no signature;
* every event of the real excerpts that PROVENANCE.md describes as healthy (or not a
  nova failure) matches no signature;
* every near-miss fixture (one whose `expect` does not list its own signature) has no
  event its own signature matches, even before correlation.

The real excerpts live in ../shared/real_logs, which a fresh clone may not have: the
test skips with the reason, except under CI=true, where a missing directory fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migtrace import LoadOptions, load, read_events
from migtrace.diagnose import all_findings
from migtrace.diagnose.catalog import Catalog, Signature, load_catalog
from migtrace.model import Event
from tests.conftest import REAL_LOGS, SAMPLE_LOGS, needs_shared
from tests.signatures.harness import load_fixtures, parse_events

CATALOG = load_catalog()

#: Real excerpts with no nova move failure in them, and why (PROVENANCE.md rows).
HEALTHY_REAL = {
    "pastebin_cY82PP34_queens_livemig_postcopy_success_src_ncpu.txt": "#20 successful post-copy live migration",
    "ml_yahooengteam_lp1414065_kilo_devstack_livemig_wrapped72.log": "#31 lifecycle lines of a completing live migration",
    "gh_qeas_devstack_journal_n-cpu_volume_boot.log": "#33 boot from volume, no failure",
    "osloganalyze_pike_devstack_journal_c-api_sample.txt": "#35 cinder-api, no failure",
    "gh_openstackforensics_havana_nova-compute_excerpt_L100-200.log": "#36 boot and AMQP reconnects, no move",
    "pastebin_2WxVCbGT_folsom_ncpu_terminal_escape_residue.txt": "#37 volume attach, no failure",
    "pastebin_1sdyYNZ5_ocata_grep_uuid_claims_64hex_userid.txt": "#38 successful claims",
    "gist_mnaser_ocata_osbrick_iscsi_rescan_ncpu_gisttable.txt": "#28 os-brick rescan-and-retry, benign",
    "pastebin_sQiRg0eD_kolla_ceph_librados_EPERM_NOT_NOVA.txt": "#30 ansible output, not nova",
}



def _matches(event: Event, catalog: Catalog) -> list[str]:
    return [s.id for s in catalog if s.match.matches(event)]


def _describe(event: Event, ids: list[str]) -> str:
    return f"{event.source}:{event.lineno} {event.level} {event.logger}: {event.message[:160]} -> {ids}"


# --------------------------------------------------------------------------- sample sets


def _sample_sets() -> list[Path]:
    if not SAMPLE_LOGS.is_dir():
        return []
    return sorted(p for p in SAMPLE_LOGS.iterdir() if (p / "truth.json").is_file())


@pytest.mark.parametrize("scenario", _sample_sets(), ids=lambda p: p.name)
def test_precision_no_signature_matches_outside_the_failed_moves_of_a_sample_set(scenario: Path) -> None:
    truth = json.loads((scenario / "truth.json").read_text(encoding="utf-8"))
    failed_requests = {rid for t in truth if t["findings"] for rid in t["request_ids"]}
    analysis = load(str(scenario), options=LoadOptions(diagnose=False))
    failed_events: set[tuple[str, int]] = set()
    for migration in analysis.migrations:
        if failed_requests & set(migration.request_ids):
            failed_events.update((e.source, e.lineno) for e in migration.events)
    healthy_moves = [m for m in analysis.migrations if not failed_requests & set(m.request_ids)]
    assert healthy_moves or not [t for t in truth if not t["findings"]], "healthy moves were not found"
    offenders = [_describe(e, ids) for e in read_events(str(scenario)) if (e.source, e.lineno) not in failed_events
                 for ids in [_matches(e, CATALOG)] if ids]
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize("scenario", _sample_sets(), ids=lambda p: p.name)
def test_precision_healthy_moves_of_a_sample_set_get_no_finding_at_all(scenario: Path) -> None:
    """The whole diagnosis, not only the catalog: no unrecognised failure, stall or downtime warning either."""
    truth = json.loads((scenario / "truth.json").read_text(encoding="utf-8"))
    healthy = {r for t in truth if not t["findings"] for r in t["request_ids"]}
    analysis = load(str(scenario))
    found = [(m.id, f.signature_id, f.title) for m in analysis.migrations if healthy & set(m.request_ids)
             for f in m.findings]
    assert found == []
    assert analysis.orphan_findings == ()


# --------------------------------------------------------------------------- real excerpts


@needs_shared
@pytest.mark.parametrize("name", sorted(HEALTHY_REAL))
def test_precision_healthy_real_excerpt_matches_no_signature(name: str) -> None:
    path = REAL_LOGS / name
    assert path.is_file(), f"{path} listed as healthy but missing ({HEALTHY_REAL[name]})"
    events = read_events(str(path))
    if "not nova" not in HEALTHY_REAL[name]:
        assert events, f"{name}: nothing parsed"
    offenders = [_describe(e, ids) for e in events for ids in [_matches(e, CATALOG)] if ids]
    assert offenders == [], "\n".join(offenders)


@needs_shared
@pytest.mark.parametrize("name", sorted(HEALTHY_REAL))
def test_precision_healthy_real_excerpt_gets_no_recognised_finding(name: str) -> None:
    """Through the whole pipeline: no signature, stall or downtime finding (real ERRORs such as AMQP
    reconnects may be listed as unrecognised: they are failures, of something else than a move)."""
    analysis = load(str(REAL_LOGS / name))
    found = [(f.signature_id, f.title) for f in all_findings(analysis.migrations, analysis.orphan_findings)
             if f.recognised]
    assert found == []
    assert not [m.id for m in analysis.migrations if m.status == "stalled"]


@needs_shared
def test_precision_healthy_real_excerpts_are_described_in_provenance() -> None:
    provenance = (REAL_LOGS / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in HEALTHY_REAL:
        assert name in provenance, name


# --------------------------------------------------------------------------- near misses


def _near_misses() -> list[tuple[str, Signature, list[Event]]]:
    cases = []
    for fixture in load_fixtures():
        if fixture.signature_id in fixture.expect:
            continue
        sig = CATALOG.get(fixture.signature_id)
        assert sig is not None, fixture.path
        events = parse_events(fixture.log, host=fixture.host, service=fixture.service, name=str(fixture.path))
        cases.append((fixture.name, sig, events))
    return cases


@pytest.mark.parametrize("name, sig, events", _near_misses(), ids=lambda v: v if isinstance(v, str) else "")
def test_precision_near_miss_lines_do_not_match_their_signature(name: str, sig: Signature,
                                                                events: list[Event]) -> None:
    assert events, name
    assert [e.message for e in events if sig.match.matches(e)] == []


def test_precision_every_new_style_signature_names_its_origin() -> None:
    """Signatures carry their nova origin in a leading '# origin:' comment (file + release)."""
    missing = [s.id for s in CATALOG
               if not Path(s.path).read_text(encoding="utf-8").startswith("# origin: ")]
    assert missing == [], f"signatures without a '# origin:' header: {missing}"
