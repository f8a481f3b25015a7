"""Tarballs are read member by member: host and rotation order per member, nothing extracted."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from migtrace.sources import expand_paths
from migtrace.sources._tar import is_tarball, list_members

HEADER = ("2023-03-07 09:51:{s:02d}.{ms:03d} 4392 INFO nova.compute.manager [None req-08357a7e-04a4-4e55-9275-"
          "c795459c9881 - - - - - -] [instance: 1b8789a8-7c9e-4f78-81d7-9d78947b67c8] line {n}\n")


def _log(first: int, count: int) -> bytes:
    return "".join(HEADER.format(s=(first + i) % 60, ms=i, n=first + i) for i in range(count)).encode()


def _tar(path: Path, mode: str, members: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


SOS = "sosreport-compute2-2023-03-07-abcdef"
MEMBERS = [
    (f"{SOS}/hostname", b"compute2\n"),
    (f"{SOS}/var/log/nova/nova-compute.log", _log(20, 3)),
    (f"{SOS}/var/log/nova/nova-compute.log.1", _log(10, 3)),
    (f"{SOS}/etc/nova/nova.conf", b"[DEFAULT]\nhost = compute2\n"),
    (f"{SOS}/sos_commands/kubernetes/kubectl_logs_nova-compute-x", _log(40, 2)),
]


@pytest.mark.parametrize("suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                         (".tar.xz", "w:xz"), (".tar.bz2", "w:bz2")])
def test_each_log_member_is_an_input_with_its_host_in_rotation_order(tmp_path: Path, suffix: str, mode: str) -> None:
    archive = _tar(tmp_path / f"{SOS}{suffix}", mode, MEMBERS)
    assert is_tarball(str(archive))
    before = set(os.listdir(tmp_path))
    warnings: list[str] = []
    items = expand_paths([str(archive)], warnings.append)
    read = [i for i in items if i.skip is None]
    names = [i.member for i in read]
    assert names.index(f"{SOS}/var/log/nova/nova-compute.log.1") < names.index(f"{SOS}/var/log/nova/nova-compute.log")
    assert f"{SOS}/sos_commands/kubernetes/kubectl_logs_nova-compute-x" in names  # sniffed, no log-like name
    assert {i.host for i in read} == {"compute2"}
    assert [i.member for i in items if i.skip] == [f"{SOS}/etc/nova/nova.conf"]

    import migtrace
    # every record kept (a selective read would keep none: the instance never moves)
    analysis = migtrace.load(str(archive), tz="UTC", select=False)
    assert {e.host for e in analysis.events} == {"compute2"}
    assert len(analysis.events) == 8
    assert all(st.balanced for st in analysis.stats)
    assert any(st.fmt.startswith("skipped") for st in analysis.stats)
    assert set(os.listdir(tmp_path)) == before  # nothing extracted


def test_an_empty_archive_warns_and_gives_nothing(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "empty.tar.gz", "w:gz", [])
    warnings: list[str] = []
    members, skipped = list_members(str(archive), warnings.append)
    assert members == [] and skipped == []
    import migtrace
    analysis = migtrace.load(str(archive), tz="UTC")  # all zero blocks: read as a (binary) file, no records
    assert analysis.events == () or len(analysis.events) == 0
    assert all(st.balanced for st in analysis.stats)


def test_a_truncated_archive_keeps_the_members_before_the_damage(tmp_path: Path) -> None:
    whole = _tar(tmp_path / "whole.tar", "w", MEMBERS)
    data = whole.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: len(data) - 3000])
    warnings: list[str] = []
    members, _ = list_members(str(cut), warnings.append)
    assert [m.name for m in members][:1] == [f"{SOS}/var/log/nova/nova-compute.log"]
