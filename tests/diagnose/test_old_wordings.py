"""Old wordings nova used before the lines migtrace was first built on (issue 12), each from faithful lines.

* pre-Rocky `Re-scheduling resize_instance: attempt 1` (the Queens sample set, tools/samplegen's nova 17
  wording): the move counts the retry, lists every host tried with its outcome, and the failure it
  recovered from is information, not an error;
* Grizzly/Havana `Lifecycle event N on VM <uuid>` (no instance prefix): the move gets its downtime;
* Kilo/Liberty's migrate_data dict `'is_volume_backed': True|False` (the Kilo sample set): volume_backed
  is true or false, never left unknown when nova said it;
* RDO's `/var/log/nova/compute.log` and `api.log`: the file gets its service.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace._naming import service_from_name
from tests.conftest import SAMPLE_LOGS, cached_load
from tests.diagnose._scenario import scenario


@pytest.fixture(scope="module")
def queens():  # type: ignore[no-untyped-def]
    return cached_load(SAMPLE_LOGS / "queens-files")


def test_old_re_scheduling_counts_a_retry_and_lists_each_host_with_its_outcome(queens) -> None:  # type: ignore[no-untyped-def]
    [move] = queens.find("req-0680ad12-90a0-42fc-9969-78fe9cab74a5")
    assert move.retries == 1
    assert [(a.host, a.outcome) for a in move.attempts] == [
        ("compute1", "selected"), ("compute1", "rescheduled"), ("compute2", "selected")]
    assert (move.status, move.dest_host) == ("confirmed", "compute2")


def test_old_recovered_reschedule_is_information_naming_where_it_went(queens) -> None:  # type: ignore[no-untyped-def]
    [move] = queens.find("req-0680ad12-90a0-42fc-9969-78fe9cab74a5")
    [finding] = move.findings
    assert (finding.signature_id, finding.severity) == ("unable-to-migrate-to-self", "info")
    assert finding.title.startswith("Retried on compute2 after compute1 failed: ")
    assert "UnableToMigrateToSelf" in finding.title
    assert finding.explanation.startswith("Recovered: this failure happened on compute1")


def test_old_a_failed_move_keeps_its_error(queens) -> None:  # type: ignore[no-untyped-def]
    """Only a move that went on is "recovered": the failed ones keep their severity."""
    failed = [m for m in queens.migrations if m.status == "failed"]
    assert failed and all(f.severity != "info" for m in failed for f in m.findings)


def test_old_lifecycle_event_numbers_give_the_downtime(tmp_path: Path) -> None:
    analysis = scenario("havana-live-migration-lifecycle-numbers").load(tmp_path)
    [move] = analysis.migrations
    assert (move.kind, move.status, move.source_host, move.dest_host) == (
        "live-migration", "completed", "compute1", "compute2")
    assert move.downtime_s == pytest.approx(0.276, abs=0.0015)
    assert "compute1 → compute2" in move.downtime_basis
    lifecycle = [e for e in move.events if e.message.startswith("Lifecycle event")]
    assert len(lifecycle) == 4 and all(e.instance == "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a" for e in lifecycle)


def test_old_rdo_file_names_get_their_service(tmp_path: Path) -> None:
    analysis = scenario("havana-live-migration-lifecycle-numbers").load(tmp_path)
    services = {Path(s.path).name + "@" + (s.host or "?"): s.service for s in analysis.stats}
    assert services == {"api.log@controller": "n-api", "compute.log@compute1": "n-cpu", "compute.log@compute2": "n-cpu"}


@pytest.mark.parametrize(("name", "service"), [
    ("/var/log/nova/compute.log", "n-cpu"), ("compute.log", "n-cpu"), ("/srv/ctl/var/log/nova/api.log", "n-api"),
    ("/var/log/nova/scheduler.log.1", "n-sch"), ("/var/log/nova/conductor.log-20140301.gz", "n-cond"),
    ("/var/log/cinder/api.log", None), ("/var/log/cinder/scheduler.log", None), ("api.log", None),
])
def test_old_rdo_names_only_in_a_nova_directory(name: str, service: str | None) -> None:
    assert service_from_name(name) == service


def test_old_kilo_migrate_data_dict_sets_volume_backed_true_and_false() -> None:
    analysis = cached_load(SAMPLE_LOGS / "kilo-files")
    by_request = {m.id: m.volume_backed for m in analysis.migrations}
    assert by_request == {"req-a2ca325d-4201-4cff-9ba8-99fe5d473351": True,
                          "req-8e3e5a2e-3ba8-4b49-a260-ec28cc84eb59": False}
