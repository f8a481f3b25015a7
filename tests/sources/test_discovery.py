"""Discovery by content: unnamed logs are read, known non-logs are skipped quietly and listed."""

from __future__ import annotations

from pathlib import Path

import pytest

import migtrace
from migtrace.sources._sniff import known_nonlog, nonlogs

HEADER = ("2023-03-07 09:51:43.692 4392 INFO nova.compute.manager [None req-08357a7e-04a4-4e55-9275-c795459c9881"
          " - - - - - -] [instance: 1b8789a8-7c9e-4f78-81d7-9d78947b67c8] VM Migration completed (Lifecycle Event)\n")


def _samples() -> list[object]:
    import yaml

    from migtrace._datafile import read_text
    doc = yaml.safe_load(read_text("nonlogs.yaml")[0])
    return [pytest.param(e["name"], s, id=f"{e['name']}-{i}") for e in doc["nonlogs"]
            for i, s in enumerate(e["samples"])]


@pytest.mark.parametrize(("name", "sample"), _samples())
def test_every_nonlog_sample_is_recognised_by_its_entry(name: str, sample: str) -> None:
    assert known_nonlog(sample) == name
    assert len(nonlogs()) >= 4


def test_a_nova_log_is_no_known_nonlog() -> None:
    assert known_nonlog(HEADER * 5) is None


def test_unnamed_log_is_read_and_nonlogs_are_listed_skipped(tmp_path: Path) -> None:
    pods = tmp_path / "sos_commands" / "kubernetes" / "pods"
    pods.mkdir(parents=True)
    (pods / "kubectl_logs_-n_openstack_nova-compute-0_-c_nova-compute").write_text(HEADER * 3)
    (tmp_path / "job-output.txt").write_text("2024-05-14 07:40:02.129871 | Job console starting\n" * 5)
    (tmp_path / "dpkg_-l").write_text("Desired=Unknown/Install/Remove/Purge/Hold\n||/ Name Version\n")
    (tmp_path / "notes").write_text("what I did on tuesday\n")
    warnings: list[str] = []
    got = migtrace.load(str(tmp_path), tz="UTC", missing="warn")
    by_name = {Path(st.path).name: st for st in got.stats}
    assert by_name["kubectl_logs_-n_openstack_nova-compute-0_-c_nova-compute"].records == 3
    assert by_name["job-output.txt"].fmt == "skipped: not a log (zuul job-output)"
    assert by_name["dpkg_-l"].fmt == "skipped: not a log (dpkg -l)"
    assert by_name["notes"].fmt.startswith("skipped")
    assert not [w for w in got.warnings if "job-output" in w or "dpkg" in w]
    assert warnings == []
