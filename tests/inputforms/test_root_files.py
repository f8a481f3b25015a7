"""A set whose log sits at its root (a bug ticket's one nova-compute.log): its host comes from its own lines."""

from __future__ import annotations

from pathlib import Path

from tools.inputforms.corpus import read_set, self_named_host
from tools.inputforms.excerpts import SAMPLE_LOGS
from tools.inputforms.forms import SetData, _sos_rel, grep_r_sosreport

TRACKER = ("2020-11-24 13:49:10.512 2711 INFO nova.compute.resource_tracker [req-5d0e2f9a-3f7e-4c0b-9a51-"
           "2c8f8f0e4b11 - - - - -] Compute_service record updated for compute2:compute2")


def test_the_resource_tracker_names_the_host_of_a_root_file() -> None:
    assert self_named_host([TRACKER]) == "compute2"
    assert self_named_host([TRACKER, TRACKER.replace("compute2:compute2", "compute3:compute3")]) is None
    assert self_named_host(["2020-11-24 13:49:10.512 2711 INFO nova.compute.manager [-] hello"]) is None


def test_a_root_file_gets_a_sosreport_path_under_its_host(tmp_path: Path) -> None:
    files = read_set(SAMPLE_LOGS / "train-single-host")
    (lf,) = files
    assert lf.rel == "nova-compute.log" and lf.host == "compute2"
    s = SetData("train-single-host", files, 2020)
    assert _sos_rel(s, lf) == "sosreport-compute2-2020-11-24-abcdef/var/log/nova/nova-compute.log"
    (out,) = grep_r_sosreport(s, tmp_path)
    first = (tmp_path / out).read_text().splitlines()[0]
    assert first.startswith("sosreport-compute2-2020-11-24-abcdef/var/log/nova/nova-compute.log:2020-11-24 ")


def test_files_in_host_folders_keep_their_folder_as_host() -> None:
    hosts = {lf.host for lf in read_set(SAMPLE_LOGS / "kilo-files")}
    assert hosts == {"compute1", "compute2", "controller"}
