"""Sources: expansion, rotated sets, compression, host and service naming, stdin, defaults."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from pathlib import Path

import pytest

from migtrace import LoadOptions, load, read_events
from migtrace._naming import host_from_path, service_from_logger, service_from_name
from migtrace.sources import FileReader, InputFile, default_paths, expand_paths

U = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
LINE = ("2018-03-01 10:00:{s:02d}.000 3001 INFO nova.compute.manager "
        "[req-11111111-1111-4111-8111-111111111111 u p - default default] [instance: " + U + "] line {s}")


def lines(*seconds: int) -> bytes:
    return "".join(LINE.format(s=s) + "\n" for s in seconds).encode()


@pytest.mark.parametrize("name, service", [
    ("nova-compute.log", "n-cpu"), ("n-cpu.log", "n-cpu"), ("screen-n-cpu.txt", "n-cpu"),
    ("devstack@n-cpu.service", "n-cpu"), ("nova-compute.log.2.gz", "n-cpu"),
    ("nova-api.log-20240101", "n-api"), ("screen-n-super-cond.txt", "n-cond"),
    ("nova-conductor.log.1", "n-cond"), ("nova-scheduler.log", "n-sch"), ("n-sch.log", "n-sch"),
    ("notes.txt", None),
])
def test_service_from_name(name: str, service: str | None) -> None:
    assert service_from_name(name) == service


def test_service_from_logger_names() -> None:
    assert service_from_logger("nova.virt.libvirt.driver") == "n-cpu"
    assert service_from_logger("nova.compute.api") == "n-api"
    assert service_from_logger("nova.scheduler.utils") == "n-cond"
    assert service_from_logger("nova.scheduler.filter_scheduler") == "n-sch"
    assert service_from_logger("oslo_messaging.rpc.server") is None


def test_host_from_path_layouts(tmp_path: Path) -> None:
    sos = tmp_path / "sosreport-compute7-2023-03-07-abcdef"
    (sos / "var/log/nova").mkdir(parents=True)
    (sos / "sos_commands").mkdir()
    (sos / "hostname").write_text("compute7.example.org\n")
    assert host_from_path(str(sos / "var/log/nova/nova-compute.log")) == "compute7"
    assert host_from_path(str(tmp_path / "compute2/var/log/nova/nova-compute.log")) == "compute2"
    assert host_from_path(str(tmp_path / "incident/nova-compute.log")) is None


def test_expand_rotated_set_oldest_first_and_dirs_skip_non_logs(tmp_path: Path) -> None:
    d = tmp_path / "c1/var/log/nova"
    d.mkdir(parents=True)
    (d / "nova-compute.log").write_bytes(lines(3))
    (d / "nova-compute.log.1").write_bytes(lines(2))
    with gzip.open(d / "nova-compute.log.2.gz", "wb") as fh:
        fh.write(lines(1))
    (tmp_path / "README.md").write_text("# not a log\n")
    (tmp_path / "expected.json").write_text("[]\n")
    names = [os.path.basename(f.path) for f in expand_paths([str(tmp_path)], print)]
    assert names == ["nova-compute.log.2.gz", "nova-compute.log.1", "nova-compute.log"]


def test_expand_glob_and_directory_loop(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/nova-compute.log").write_bytes(lines(1))
    os.symlink(tmp_path, tmp_path / "a/loop")
    warnings: list[str] = []
    found = expand_paths([str(tmp_path), str(tmp_path / "*/nova-*.log")], warnings.append)
    assert len(found) == 1
    assert any("directory loop" in w for w in warnings)


@pytest.mark.parametrize("opener, suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_files_read_transparently_by_content(tmp_path: Path, opener, suffix: str) -> None:
    path = tmp_path / f"nova-compute.log.1{suffix}"
    with opener(path, "wb") as fh:
        fh.write(lines(1, 2, 3))
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), print)
    assert [e.message for e in reader.events()] == ["line 1", "line 2", "line 3"]
    assert reader.stats.lines_read == 3 and reader.stats.service == "n-cpu"


def test_compressed_content_with_misleading_name_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    with gzip.open(path, "wb") as fh:
        fh.write(lines(1))
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), print)
    assert len(list(reader.events())) == 1


def test_inputs_opened_read_only_and_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(lines(1, 2))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load(str(path))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_host_alias_overrides_path(tmp_path: Path) -> None:
    path = tmp_path / "compute2/var/log/nova/nova-compute.log"
    path.parent.mkdir(parents=True)
    path.write_bytes(lines(1))
    events = read_events(str(tmp_path), options=LoadOptions(host_aliases={str(tmp_path / "compute2"): "cmp-real-02"}))
    assert {e.host for e in events} == {"cmp-real-02"}


def test_stdin_dash(cli) -> None:
    result = cli("merge", "-", input=lines(1, 2).decode())
    assert result.exit_code == 0
    assert result.output.count("line ") == 2


def test_default_paths_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MIGTRACE_LOGS", f"{tmp_path}/a{os.pathsep}{tmp_path}/b")
    assert default_paths() == [f"{tmp_path}/a", f"{tmp_path}/b"]


def test_targeted_scan_parses_only_records_with_the_id(tmp_path: Path) -> None:
    other = LINE.replace("req-11111111-1111-4111-8111-111111111111", "req-33333333-3333-4333-8333-333333333333").replace(U, "9" * 8 + U[8:])
    text = "\n".join([other.format(s=1), LINE.format(s=2), "2018-03-01 10:00:02.000 3001 ERROR nova.compute.manager [instance: " + U + "] Traceback (most recent call last):", other.format(s=3), other.format(s=4)]) + "\n"
    path = tmp_path / "nova-compute.log"
    path.write_text(text)
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), print, frozenset({U}))
    events = list(reader.events())
    assert [e.message for e in events] == ["line 2"] and events[0].extra == ("Traceback (most recent call last):",)
    s = reader.stats
    assert (s.lines_read, s.skipped_lines, s.record_lines, s.continuation_lines) == (5, 3, 1, 1) and s.balanced


def test_default_paths_include_the_local_journal(monkeypatch: pytest.MonkeyPatch) -> None:
    from migtrace.sources import LOCAL_JOURNAL

    monkeypatch.delenv("MIGTRACE_LOGS", raising=False)
    assert default_paths()[-1] == LOCAL_JOURNAL
    reader = FileReader(expand_paths([LOCAL_JOURNAL], print)[0], LoadOptions(), print)
    list(reader.events())  # this machine's journal may hold no nova unit: no crash, balanced
    assert reader.stats.fmt == "journal-local" and reader.stats.balanced
