"""Collection layouts name the host of a file (data/host_layouts.yaml): every sample, and each layout end to end.

The layouts an operator's logs arrive in — `kolla-logs-HOST.tar.gz`, docker's
`<host>/var/lib/docker/containers/<id>/<id>-json.log`, `<host>/var/log/kolla/nova/…`,
a Zuul job's `<node>/logs/screen-*.txt(.gz)`, on disk or in its `logs.tar.gz` —
give each file its host in the sources layer, before any line is read; the
record here names no host, so nothing else could supply it.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
import yaml

import migtrace
from migtrace._datafile import read_text
from migtrace._layouts import host_from_layout, layouts
from migtrace._naming import GENERIC_DIRS

LINE = ("2023-03-07 09:51:10.100 4392 INFO nova.compute.manager [req-08357a7e-04a4-4e55-9275-c795459c9881 "
        "2a2c0d3f1b8a4c0e9d7f6a5b4c3d2e1f 7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b - default default] "
        "[instance: 1b8789a8-7c9e-4f78-81d7-9d78947b67c8] Took 1.21 seconds to build instance.\n")


def _samples() -> list[object]:
    doc = yaml.safe_load(read_text("host_layouts.yaml")[0])
    return [pytest.param(e["name"], s["path"], s["host"], id=f"{e['name']}-{i}")
            for e in doc["layouts"] for i, s in enumerate(e["samples"])]


@pytest.mark.parametrize(("layout", "path", "host"), _samples())
def test_every_layout_sample_gives_its_host(layout: str, path: str, host: str | None) -> None:
    assert layout in {entry.name for entry in layouts()}
    assert host_from_layout(path, GENERIC_DIRS) == host


def _tar(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _hosts(path: Path) -> dict[str, str | None]:
    analysis = migtrace.load(str(path), tz="UTC", missing="warn")
    assert all(st.balanced for st in analysis.stats)
    return {st.path.removeprefix(str(path) + "/"): st.host for st in analysis.stats if st.records}


def test_kolla_archive_names_its_host(tmp_path: Path) -> None:
    _tar(tmp_path / "kolla-logs-compute1.tar.gz", [("var/log/kolla/nova/nova-compute.log", LINE.encode())])
    assert _hosts(tmp_path) == {"kolla-logs-compute1.tar.gz!var/log/kolla/nova/nova-compute.log": "compute1"}


def test_docker_and_kolla_trees_name_their_host(tmp_path: Path) -> None:
    cid = "4f6c" * 16
    docker = tmp_path / "compute2/var/lib/docker/containers" / cid / f"{cid}-json.log"
    docker.parent.mkdir(parents=True)
    docker.write_text(json.dumps({"log": LINE, "stream": "stdout", "time": "2023-03-07T09:51:10.1002Z"}) + "\n")
    kolla = tmp_path / "compute3/var/log/kolla/nova/nova-compute.log"
    kolla.parent.mkdir(parents=True)
    kolla.write_text(LINE)
    got = _hosts(tmp_path)
    assert got == {f"compute2/var/lib/docker/containers/{cid}/{cid}-json.log": "compute2",
                   "compute3/var/log/kolla/nova/nova-compute.log": "compute3"}


def test_zuul_node_folders_name_their_host_on_disk_and_in_the_archive(tmp_path: Path) -> None:
    on_disk = tmp_path / "build/compute1/logs/screen-n-cpu.txt"
    on_disk.parent.mkdir(parents=True)
    on_disk.write_text(LINE)
    _tar(tmp_path / "logs.tar.gz", [("job-output.txt", b"2024-05-14 07:40:02.129871 | Job console starting\n"),
                                    ("controller/logs/screen-n-cpu.txt.gz", gzip.compress(LINE.encode()))])
    assert _hosts(tmp_path) == {"build/compute1/logs/screen-n-cpu.txt": "compute1",
                                "logs.tar.gz!controller/logs/screen-n-cpu.txt.gz": "controller"}


def test_a_build_id_or_an_archive_name_is_no_host(tmp_path: Path) -> None:
    gate = tmp_path / "2a3f9c1/logs/screen-n-cpu.txt"
    gate.parent.mkdir(parents=True)
    gate.write_text(LINE)
    _tar(tmp_path / "backup.tar.gz", [("var/log/nova/nova-compute.log", LINE.encode())])
    assert set(_hosts(tmp_path).values()) == {None}
