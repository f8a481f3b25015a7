"""libvirtd.log and QEMU instance-log records join the move of their instance (issue 11, item 4).

The queens-files sample set with its hypervisor logs (tests/fixtures/inputs/libvirt/queens, faithful to
libvirt 4.0.0's `virLogFormatString` layout): the source's and destination's libvirtd errors name no guest
at all and join their move by host and time; a libvirtd line naming only the domain
(`no domain with matching name 'instance-0000002c'`) and a QEMU log known only by its file name get the uuid
nova paired with that domain name in its own domain XML (`Error launching a defined domain with XML`).
One load of one tree (module scope): the tests read different parts of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from migtrace import Analysis, load
from migtrace.correlate._domains import domain_pairs, qemu_log_domain, with_domain_instances
from tests.conftest import REPO, SAMPLE_LOGS, make_event

LIBVIRT = REPO / "tests" / "fixtures" / "inputs" / "libvirt" / "queens"
LIVE_SECLABEL = "a23f1959-5c09-4f20-a586-37bbaf386386"  # compute1 -> compute3, seclabel mismatch
LIVE_REFUSED = "c8b50c4f-0857-46c9-b613-0609e779f1f5"  # compute1 -> compute2, libvirt URI refused
COLD_EPERM = "319fb3fd-e3b3-4616-8848-004f82a8bbaf"  # compute2 -> compute3, RBD EPERM; domain instance-0000002c

#: libvirtd on the destination after the failed start, as libvirt 4.0 words it (qemuDomainLookupByName,
#: virDomainObjListAddLocked): one names the move's domain only, one another guest
DOMAIN_ONLY = ("2018-03-14 08:30:54.102+0000: 2051: error : qemuDomainLookupByName:1523 : Domain not found: "
               "no domain with matching name 'instance-0000002c'\n")
OTHER_GUEST = ("2018-03-14 08:30:54.130+0000: 2051: error : virDomainObjListAddLocked:282 : Requested operation "
               "is not valid: domain 'instance-00000031' is already active\n")
#: the QEMU log's tail only (no command line, so no `-uuid`): its file name is the domain
QEMU_TAIL = ("2018-03-14 08:30:52.871+0000: Domain id=3 is tainted: high-privileges\n"
             "2018-03-14 08:30:53.470+0000: shutting down, reason=failed\n")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analysis]:
    tree = tmp_path_factory.mktemp("queens-libvirt")
    shutil.copytree(SAMPLE_LOGS / "queens-files", tree, dirs_exist_ok=True)
    shutil.copytree(LIBVIRT, tree, dirs_exist_ok=True)
    libvirtd = tree / "compute3/var/log/libvirt/libvirtd.log"
    with open(libvirtd, "a", encoding="utf-8") as fh:
        fh.write(DOMAIN_ONLY + OTHER_GUEST)
    (tree / "compute3/var/log/libvirt/qemu/instance-0000002c.log").write_text(QEMU_TAIL, encoding="utf-8")
    yield load(str(tree), tz="UTC")


def _move(analysis: Analysis, instance: str) -> list[str]:
    """The hypervisor records of the instance's move, as `service host: message`."""
    (move,) = [m for m in analysis.migrations if m.instance == instance]
    return [f"{e.service} {e.host}: {e.message}" for e in move.events if e.service in ("libvirtd", "qemu")]


def test_errors_naming_no_guest_join_the_move_of_their_host_and_time(analysis: Analysis) -> None:
    seclabel = _move(analysis, LIVE_SECLABEL)
    assert any(s.startswith("libvirtd compute1: ") and "Unable to find security driver for label apparmor" in s
               for s in seclabel)
    assert any(s.startswith("libvirtd compute3: ") and "Unable to find security driver for label apparmor" in s
               for s in seclabel)
    refused = _move(analysis, LIVE_REFUSED)
    assert sum("Connection refused" in s for s in refused) == 2
    assert all(s.startswith("libvirtd compute1: ") for s in refused)


def test_a_line_naming_the_domain_gets_the_uuid_nova_paired_it_with(analysis: Analysis) -> None:
    (line,) = [e for e in analysis.events if "matching name 'instance-0000002c'" in e.message]
    assert line.instance is None  # as read: the join is correlate's
    cold = _move(analysis, COLD_EPERM)
    assert any("no domain with matching name 'instance-0000002c'" in s for s in cold)
    assert any(s == "qemu compute3: shutting down, reason=failed" for s in cold)  # by the QEMU log's name
    assert any(s == "qemu compute3: Domain id=3 is tainted: high-privileges" for s in cold)
    assert any("Operation not permitted" in s for s in cold)


def test_a_line_naming_another_guest_joins_no_move(analysis: Analysis) -> None:
    for move in analysis.migrations:
        assert not any("instance-00000031" in e.message for e in move.events), move.id


def test_errors_outside_every_move_stay_outside(analysis: Analysis) -> None:
    early = [e for m in analysis.migrations for e in m.events if "disables default policy" in e.message]
    assert early == []  # compute3's daemon start at 05:58, no move running


def test_signatures_match_the_joined_hypervisor_lines(analysis: Analysis) -> None:
    (move,) = [m for m in analysis.migrations if m.instance == LIVE_SECLABEL]
    (finding,) = [f for f in move.findings if f.signature_id == "apparmor-seclabel-mismatch"]
    assert {e.service for e in finding.events} >= {"libvirtd", "n-cpu"}


def test_the_moves_of_the_clean_set_are_unchanged(analysis: Analysis) -> None:
    clean = load(str(SAMPLE_LOGS / "queens-files"), tz="UTC")
    assert [(m.id, m.status, m.started, m.ended, m.source_host, m.dest_host) for m in analysis.migrations] == [
        (m.id, m.status, m.started, m.ended, m.source_host, m.dest_host) for m in clean.migrations]


# ---- the pairing rules on single records --------------------------------------------------------------

U1 = "319fb3fd-e3b3-4616-8848-004f82a8bbaf"
U2 = "96213241-7c98-4ef1-88e8-bb461e573c82"


@pytest.mark.parametrize("text", [
    # libvirt's virDomainMigratePerform3Params debug line
    f"dom=0x7f2c1c001230, (VM: name=instance-0000002c, uuid={U1}), dconnuri=qemu+tcp://compute3/system",
    # qemuDomainObjTaintMsg
    f"Domain id=3 name='instance-0000002c' uuid={U1} is tainted: high-privileges",
    # qemuDomObjFromDomain
    f"Domain not found: no domain with matching uuid '{U1}' (instance-0000002c)",
    # a QEMU command line (continuation line of `starting up`)
    f"starting up\n/usr/bin/qemu-system-x86_64 -name guest=instance-0000002c,debug-threads=on -S -uuid {U1} -smbios",
    # nova's domain XML
    f"Error launching a defined domain with XML: <domain type='kvm'>\n  <name>instance-0000002c</name>\n"
    f"  <uuid>{U1}</uuid>",
])
def test_each_pairing_form_teaches_the_domain(text: str) -> None:
    message, *extra = text.split("\n")
    assert domain_pairs([make_event(message=message, extra=tuple(extra))]) == {"instance-0000002c": U1}


def test_a_name_seen_with_two_uuids_is_ambiguous_and_joins_nothing() -> None:
    events = [make_event(message=f"(VM: name=instance-00000001, uuid={U1})"),
              make_event(message=f"(VM: name=instance-00000001, uuid={U2})"),
              make_event(message="no domain with matching name 'instance-00000001'", service="libvirtd")]
    assert domain_pairs(events) == {}
    assert with_domain_instances(events) is events


def test_a_name_is_matched_as_a_whole_word_only() -> None:
    events = [make_event(message=f"(VM: name=instance-0000002c, uuid={U1})", instance=U1),
              make_event(message="domain 'instance-0000002cb' is already active", service="libvirtd"),
              make_event(message="domain 'instance-0000002c' is already active", service="libvirtd")]
    got = with_domain_instances(events)
    assert [e.instance for e in got] == [U1, None, U1]


@pytest.mark.parametrize(("source", "domain"), [
    ("compute3/var/log/libvirt/qemu/instance-0000002c.log", "instance-0000002c"),
    ("sosreport-compute3.tar.xz!var/log/libvirt/qemu/instance-0000002c.log.1", "instance-0000002c"),
    ("/tmp/instance-0000002c.log.2.gz", "instance-0000002c"),
])
def test_a_qemu_log_is_named_for_its_domain(source: str, domain: str) -> None:
    assert qemu_log_domain(make_event(service="qemu", source=source)) == domain
    assert qemu_log_domain(make_event(service="libvirtd", source=source)) is None


def test_the_daemons_own_wording_of_a_refused_connection_is_the_same_finding(analysis: Analysis) -> None:
    (move,) = [m for m in analysis.migrations if m.instance == LIVE_REFUSED]
    assert [f.signature_id for f in move.findings] == ["libvirt-remote-connection-refused"]
    assert move.findings[0].count == 3  # nova's `Live Migration failure` + libvirtd's two lines


def test_a_finding_keeps_the_phase_of_its_first_record_in_a_phase(analysis: Analysis) -> None:
    (move,) = [m for m in analysis.migrations if m.instance == LIVE_SECLABEL]
    (finding,) = [f for f in move.findings if f.signature_id == "apparmor-seclabel-mismatch"]
    assert finding.events[0].service == "libvirtd"  # the destination's daemon wrote it first, in no phase
    assert finding.phase == "memory_copy"  # where nova's own line of it is
