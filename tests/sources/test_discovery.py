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


def test_an_input_sent_to_another_process_carries_an_absolute_path(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker has its own working directory: a relative path is sent absolute, the name as given kept."""
    from migtrace.parsers.journal_local import PSEUDO_PATH
    from migtrace.sources._discover import InputFile

    monkeypatch.chdir(tmp_path)
    sent = InputFile(path="logs/nova-compute.log", display="logs/nova-compute.log").sent_elsewhere()
    assert (sent.path, sent.named, sent.display) == (str(tmp_path / "logs/nova-compute.log"),
                                                     "logs/nova-compute.log", "logs/nova-compute.log")
    for path in (str(tmp_path / "x.log"), "-", PSEUDO_PATH, "file:///var/log/nova/nova-compute.log"):
        item = InputFile(path=path, display=path)
        assert item.sent_elsewhere() is item


def test_path_options_match_the_path_as_named(tmp_path: Path) -> None:
    """`--tz PATH=ZONE` and `--host-alias PATH=HOST` name the path as typed, also where it was made absolute."""
    from migtrace.model import FileStats
    from migtrace.options import LoadOptions
    from migtrace.sources._context import parse_context

    log = tmp_path / "compute2" / "nova-compute.log"
    log.parent.mkdir()
    log.write_text("")
    options = LoadOptions(tz_by_path={"compute2": "Europe/Paris"}, host_aliases={"compute2": "cmp-2"})
    ctx = parse_context(str(log), "compute2/nova-compute.log", FileStats(path="x"), options, frozenset(),
                        lambda _: None, named="compute2/nova-compute.log")
    assert (str(ctx.tz), ctx.host) == ("Europe/Paris", "cmp-2")
    unnamed = parse_context(str(log), "compute2/nova-compute.log", FileStats(path="x"), options, frozenset(),
                            lambda _: None)
    assert (str(unnamed.tz), unnamed.host) == ("UTC", None)
