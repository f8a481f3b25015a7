"""libvirtd.log and QEMU instance logs become Events with their instance, level and host."""

from __future__ import annotations

from pathlib import Path

import migtrace

LIBVIRT = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "libvirt"


def test_qemu_log_records_carry_the_instance_of_their_command_line() -> None:
    got = migtrace.load(str(LIBVIRT / "zed" / "compute2"), tz="UTC")
    assert {e.instance for e in got.events} == {"1b8789a8-7c9e-4f78-81d7-9d78947b67c8"}
    assert {e.host for e in got.events} == {"compute2"}
    assert got.events[-1].message == "shutting down, reason=migrated"
    assert all(st.balanced and st.unparsed_lines == 0 for st in got.stats)


def test_libvirtd_errors_are_error_events_with_their_function() -> None:
    got = migtrace.load(str(LIBVIRT / "queens" / "compute1" / "var" / "log" / "libvirt" / "libvirtd.log"), tz="UTC")
    errors = [e for e in got.events if e.level == "ERROR"]
    assert any("Unable to find security driver for label apparmor" in e.message for e in errors)
    assert {e.service for e in got.events} == {"libvirtd"}
    assert errors[0].logger == "libvirtd.virNetClientProgramDispatchError"


def test_libvirt_lines_in_a_nova_paste_are_records_of_their_own(tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text(
        "2017-03-04 11:36:50.484+0000: 171461: error : virNetSocketReadWire:1568 : End of file while reading data: "
        ": Input/output error\n"
        "2017-03-04 17:03:52.842 171181 ERROR nova.virt.libvirt.driver [req-35e04dac-fc4a-44e5-a8fb-d297e9dc2b49 "
        "03c4073dda924464a60b7fd88ad94e8e 2cae75f18d594a0ea93b6cbf1d23f435 - - -] [instance: "
        "96213241-7a4b-4ee2-b5b0-2ab8c4a1e0d3] Live Migration failure: End of file while reading data\n")
    got = migtrace.load(str(paste), tz="UTC")
    assert [e.service for e in got.events] == ["libvirtd", "n-cpu"]
    assert got.stats[0].unparsed_lines == 0 and got.stats[0].balanced


def test_empty_and_malformed_libvirt_logs(tmp_path: Path) -> None:
    empty = tmp_path / "libvirtd.log"
    empty.write_text("")
    assert len(migtrace.load(str(empty), tz="UTC").events) == 0
    bad = tmp_path / "libvirtd-1.log"
    bad.write_text("2018-03-14 06:13:02.118+0000: 1874: info : hostname: compute1\n"
                   "2018-02-30 06:13:02.118+0000: 1874: error : x:1 : impossible\n")
    got = migtrace.load(str(bad), tz="UTC")
    assert got.stats[0].balanced
