"""libvirt joins by host: a hypervisor file's host from its content or name; domain names per host (cells).

Issue 11 leftovers.  (1) The host-and-time join needed the record's host from a
`<host>/var/log` layout (or a file shared with nova's records); a libvirtd.log saved
anywhere now has its host from its own `info : hostname: H` line, or from a file or
folder name naming one of the analysis's hosts.  (2) `instance-%08x` names repeat
across cells: the name <-> uuid pairs are learned per host, so two cells'
`instance-00000001` never join each other's move.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from migtrace import Analysis, load
from migtrace.correlate._domains import host_named_by_path, with_domain_instances, with_host_evidence
from migtrace.model import Event, Migration
from tests.conftest import REPO, SAMPLE_LOGS, make_event

LIBVIRT = REPO / "tests" / "fixtures" / "inputs" / "libvirt" / "queens"
LIVE_SECLABEL = "a23f1959-5c09-4f20-a586-37bbaf386386"  # compute1 -> compute3, seclabel mismatch
LIVE_REFUSED = "c8b50c4f-0857-46c9-b613-0609e779f1f5"  # compute1 -> compute2, libvirt URI refused
COLD_EPERM = "319fb3fd-e3b3-4616-8848-004f82a8bbaf"  # compute2 -> compute3
#: a libvirtd error naming no guest, in a file whose host nothing says
NOWHERE = "2018-03-14 06:41:14.270+0000: 1999: error : virNetSocketReadWire:1568 : End of file while reading data\n"

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
T0 = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analysis]:
    tree = tmp_path_factory.mktemp("queens-hv")
    shutil.copytree(SAMPLE_LOGS / "queens-files", tree, dirs_exist_ok=True)
    hv = tree / "hypervisors"
    hv.mkdir()
    # compute1's libvirtd.log without its `hostname:` line, saved under a name that says compute1
    lines = (LIBVIRT / "compute1/var/log/libvirt/libvirtd.log").read_text(encoding="utf-8").splitlines(keepends=True)
    (hv / "compute1-libvirtd.log").write_text("".join(x for x in lines if "hostname:" not in x), encoding="utf-8")
    # compute3's as it is (it says `hostname: compute3`), under a name that says nothing
    (hv / "saved").mkdir()
    shutil.copy(LIBVIRT / "compute3/var/log/libvirt/libvirtd.log", hv / "saved" / "libvirtd.log")
    # a libvirtd.log whose host nothing says: its error joins no move (the documented limit)
    (hv / "unknown").mkdir()
    (hv / "unknown" / "libvirtd.log").write_text(
        "2018-03-14 06:13:02.118+0000: 1874: info : libvirt version: 4.0.0\n" + NOWHERE, encoding="utf-8")
    yield load(str(tree), tz="UTC")


def _hv(analysis: Analysis, instance: str) -> list[str]:
    (move,) = [m for m in analysis.migrations if m.instance == instance]
    return [f"{e.host} {e.source.rsplit('/', 2)[-2]}: {e.message}" for e in move.events if e.service == "libvirtd"]


def test_libvirtd_host_from_its_hostname_line(analysis: Analysis) -> None:
    saved = [e for e in analysis.events if e.source.endswith("saved/libvirtd.log")]
    assert saved and {e.host for e in saved if e.lineno > 2} == {"compute3"}
    seclabel = _hv(analysis, LIVE_SECLABEL)
    assert any(s.startswith("compute3 saved: ") and "Unable to find security driver" in s for s in seclabel)
    assert any(s.startswith("compute3 saved: ") and "qemu unexpectedly closed the monitor" in s
               for s in _hv(analysis, COLD_EPERM))


def test_libvirtd_host_from_its_file_name_joins_by_host_and_time(analysis: Analysis) -> None:
    named = [e for e in analysis.events if e.source.endswith("compute1-libvirtd.log")]
    assert named and {e.host for e in named} == {None}  # the record's host stays unknown: only the join uses it
    seclabel = _hv(analysis, LIVE_SECLABEL)
    assert any(s.startswith("None hypervisors: ") and "Unable to find security driver" in s for s in seclabel)
    refused = _hv(analysis, LIVE_REFUSED)
    assert sum("Connection refused" in s for s in refused) == 2


def test_libvirtd_file_with_no_host_joins_nothing(analysis: Analysis) -> None:
    for move in analysis.migrations:
        assert not any(e.source.endswith("unknown/libvirtd.log") for e in move.events), move.id


@pytest.mark.parametrize(("source", "host"), [
    ("logs/compute1-libvirtd.log", "compute1"),
    ("logs/libvirtd.log.compute1", "compute1"),
    ("compute1/libvirt/libvirtd.log", "compute1"),
    ("logs/compute10-libvirtd.log", None),  # compute1 is not compute10
    ("compute1/compute2-libvirtd.log", None),  # two hosts named: no answer
    ("compute1/a/b/libvirtd.log", None),  # too far up the path
    ("bundle.tar.gz!compute2_libvirtd.log", "compute2"),
])
def test_host_named_by_path(source: str, host: str | None) -> None:
    assert host_named_by_path(source, frozenset({"compute1", "compute2", "compute10x"})) == host


def _move(instance: str, src: str, dst: str) -> Migration:
    return Migration(id=f"req-{instance[:8]}", kind="live-migration", instance=instance, status="failed",
                     started=T0, ended=T0 + timedelta(seconds=30), source_host=src, dest_host=dst)


def test_host_evidence_by_file_name_is_one_move_or_none() -> None:
    err = make_event(service="libvirtd", host=None, level="ERROR", logger="libvirtd.x",
                     message="End of file while reading data", source="saved/cmp-a-libvirtd.log",
                     time=T0 + timedelta(seconds=10))
    one = with_host_evidence([_move(U1, "cmp-a", "cmp-c"), _move(U2, "cmp-b", "cmp-d")], [err])
    assert [len(m.events) for m in one] == [1, 0]
    both = with_host_evidence([_move(U1, "cmp-a", "cmp-c"), _move(U2, "cmp-a", "cmp-d")], [err])
    assert [len(m.events) for m in both] == [0, 0]  # two moves of that host at that time: never guessed


# --------------------------------------------------------------------------- cells


def _xml(host: str, uuid: str, domain: str = "instance-00000001") -> Event:
    return make_event(host=host, instance=uuid, level="ERROR", logger="nova.virt.libvirt.guest",
                      message=f"Error launching a defined domain with XML: <domain type='kvm'><name>{domain}</name>"
                              f"<uuid>{uuid}</uuid></domain>")


def _libvirtd(host: str | None, source: str = "libvirtd.log") -> Event:
    return make_event(host=host, service="libvirtd", level="ERROR", logger="libvirtd.qemuDomainLookupByName",
                      source=source, message="Domain not found: no domain with matching name 'instance-00000001'")


def test_two_cells_instance_00000001_never_join_the_other_cell() -> None:
    # cell1: cmp-a learned instance-00000001 = U1; cell2: cmp-b runs U2, whose domain is also instance-00000001
    events = [_xml("cmp-a", U1), make_event(host="cmp-b", instance=U2), _libvirtd("cmp-b"), _libvirtd("cmp-a")]
    got = with_domain_instances(events)
    assert got[2].instance is None  # cmp-b never paired the name, and U1 never lived there
    assert got[3].instance == U1


def test_per_host_pairs_resolve_a_name_two_cells_share() -> None:
    qemu_b = make_event(host="cmp-b", service="qemu", logger="qemu", instance=None,
                        message=f"starting up libvirt version: 4.0.0 … -name guest=instance-00000001,debug-threads=on"
                                f" -uuid {U2} -smbios type=1")
    events = [_xml("cmp-a", U1), qemu_b, _libvirtd("cmp-b"), _libvirtd("cmp-a")]
    got = with_domain_instances(events)
    assert (got[2].instance, got[3].instance) == (U2, U1)  # ambiguous in the whole input, one per host


def test_a_name_learned_elsewhere_joins_where_that_instance_lived() -> None:
    # the destination of U1's move has nova records of U1 but never paired the name itself
    events = [_xml("cmp-a", U1), make_event(host="cmp-c", instance=U1), _libvirtd("cmp-c")]
    assert with_domain_instances(events)[2].instance == U1


def test_a_hostless_record_takes_its_own_file_pair_else_the_one_pair() -> None:
    qemu = make_event(host=None, service="qemu", logger="qemu", source="paste.txt",
                      message=f"LC_ALL=C /usr/bin/qemu-system-x86_64 -name guest=instance-00000001 -uuid {U2}")
    events = [_xml("cmp-a", U1), qemu, _libvirtd(None, source="paste.txt"), _libvirtd(None, source="other.txt")]
    got = with_domain_instances(events)
    assert got[2].instance == U2  # its own file paired it
    assert got[3].instance is None  # two uuids for the name in the input, none in its file: nothing
    alone = with_domain_instances([_xml("cmp-a", U1), _libvirtd(None, source="other.txt")])
    assert alone[1].instance == U1  # one pair in the whole input: taken (documented limit for hostless files)
