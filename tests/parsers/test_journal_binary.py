"""Binary journals: real files written by systemd-journal-remote, read back through systemd-python."""

from __future__ import annotations

import gzip
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from migtrace import read_events
from migtrace.parsers import journal_binary
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.journal_binary import PARSER, read_journal_path, read_local_journal

REMOTE = "/lib/systemd/systemd-journal-remote"
REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"
UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

# in CI a missing systemd-journal-remote is a failed set-up, not a reason to skip
pytestmark = pytest.mark.skipif(not os.access(REMOTE, os.X_OK) and not os.environ.get("CI"),
                                reason="systemd-journal-remote not installed (run ./setup.sh)")


def entry(message: str | bytes, usec: int, seq: int, **extra: str | bytes) -> dict[str, str | bytes]:
    fields: dict[str, str | bytes] = {
        "__CURSOR": f"s=0123456789abcdef0123456789abcdef;i={seq}", "__REALTIME_TIMESTAMP": str(usec),
        "__MONOTONIC_TIMESTAMP": str(1000 + seq), "_BOOT_ID": "0123456789abcdef0123456789abcdef",
        "_MACHINE_ID": "fedcba9876543210fedcba9876543210", "_HOSTNAME": "compute-1",
        "_SYSTEMD_UNIT": "devstack@n-cpu.service", "SYSLOG_IDENTIFIER": "nova-compute", "_PID": "4242",
        "PRIORITY": "6", "MESSAGE": message,
    }
    fields.update(extra)
    return fields


def write_journal(tmp_path: Path, journal_export, entries, name: str = "x.journal") -> Path:
    """Write entries as export data and convert them into a real journal file."""
    export = tmp_path / (name + ".export")
    export.write_bytes(journal_export(entries))
    out = tmp_path / name
    subprocess.run([REMOTE, f"--output={out}", str(export)], check=True, capture_output=True, timeout=60)
    export.unlink()
    return out


@pytest.fixture
def migration_journal(tmp_path, journal_export) -> Path:
    base = 1715680923000000
    return write_journal(tmp_path, journal_export, [
        entry(f"INFO nova.compute.manager [None {REQ} proj user] [instance: {UUID}] VM Paused", base, 1,
              REQUEST_ID=REQ, USER_ID="uid-1"),
        entry(f"ERROR nova.virt.libvirt.driver [None {REQ} proj user] [instance: {UUID}] "
              "Live Migration failure: End of file while reading data", base + 500_000, 2, PRIORITY="3"),
        entry("ERROR nova.virt.libvirt.driver Traceback (most recent call last):", base + 510_000, 3, PRIORITY="3"),
        entry(b"ERROR nova.virt.libvirt.driver libvirt.libvirtError: caf\xff\n", base + 520_000, 4, PRIORITY="3"),
        entry("Started Devstack devstack@n-api.service.", base + 3_000_000, 5, SYSLOG_IDENTIFIER="systemd",
              _PID="1", _SYSTEMD_UNIT="init.scope", _HOSTNAME="controller"),
    ])


def test_journal_binary_round_trip(journal_ctx, migration_journal):
    ctx = journal_ctx(str(migration_journal))
    paused, failure, started = list(read_journal_path(str(migration_journal), ctx))
    assert paused.time == datetime(2024, 5, 14, 10, 2, 3, tzinfo=UTC)
    assert (paused.host, paused.service, paused.pid) == ("compute-1", "n-cpu", 4242)
    assert (paused.request_id, paused.instance, paused.logger) == (REQ, UUID, "nova.compute.manager")
    assert paused.fmt == "journal-binary" and paused.source == str(migration_journal)
    assert failure.level == "ERROR"
    assert failure.extra == ("Traceback (most recent call last):", "libvirt.libvirtError: caf\ufffd")
    assert failure.line_count == 3
    assert (started.host, started.service, started.level, started.logger) == ("controller", "systemd", "INFO", None)
    assert ctx.stats.balanced and (ctx.stats.lines_read, ctx.stats.records) == (5, 3)


def test_journal_binary_reads_directories(tmp_path, journal_ctx, journal_export):
    later = write_journal(tmp_path, journal_export, [entry("INFO a.b [-] second", 2_000_000_000_000_000, 1,
                                                          _HOSTNAME="cmp-b")], "b.journal")
    write_journal(tmp_path, journal_export, [entry("INFO a.b [-] first", 1_000_000_000_000_000, 1,
                                                   _HOSTNAME="cmp-a")], "a.journal")
    ctx = journal_ctx(str(tmp_path))
    events = list(read_journal_path(str(later.parent), ctx))
    assert [(e.message, e.host) for e in events] == [("first", "cmp-a"), ("second", "cmp-b")]


def test_journal_binary_parse_reads_the_input_through_a_local_file(journal_ctx, migration_journal):
    ctx = journal_ctx("journal.gz")
    assert len(list(PARSER.parse(MemoryInput(migration_journal.read_bytes()), ctx))) == 3


def test_journal_binary_gz_is_read_through_the_sources(tmp_path, migration_journal):
    packed = tmp_path / "system.journal.gz"
    packed.write_bytes(gzip.compress(migration_journal.read_bytes()))
    events = read_events(str(packed))
    assert len(events) == 3


def test_journal_binary_corrupt_and_truncated_files_warn(tmp_path, journal_ctx, migration_journal):
    garbage = tmp_path / "garbage.journal"
    garbage.write_bytes(journal_binary.MAGIC + os.urandom(4096))
    truncated = tmp_path / "cut.journal"
    truncated.write_bytes(migration_journal.read_bytes()[:300])
    for path in (garbage, truncated, tmp_path / "missing.journal"):
        warnings: list[str] = []
        ctx = journal_ctx(str(path), warnings=warnings)
        assert list(read_journal_path(str(path), ctx)) == []
        assert ctx.stats.errors and warnings and ctx.stats.balanced


def test_journal_binary_empty_journal(tmp_path, journal_ctx):
    empty = tmp_path / "empty.journal"
    export = tmp_path / "empty.export"
    export.write_bytes(b"")
    subprocess.run([REMOTE, f"--output={empty}", str(export)], check=False, capture_output=True, timeout=60)
    ctx = journal_ctx(str(empty))
    assert list(read_journal_path(str(empty), ctx)) == []
    assert ctx.stats.lines_read == 0


def test_journal_binary_local_journal_never_raises(journal_ctx):
    ctx = journal_ctx("journal")
    events = list(read_local_journal(ctx, units=("devstack@n-*", "nova-*")))
    assert all(e.service is not None for e in events)
    assert ctx.stats.balanced


def test_journal_binary_garbage_after_the_magic_is_an_error_not_events(journal_ctx):
    warnings: list[str] = []
    ctx = journal_ctx(warnings=warnings)
    assert list(PARSER.parse(MemoryInput(b"LPKSHHRH\x00\x00\nx\n"), ctx)) == []
    assert ctx.stats.errors and warnings and ctx.stats.balanced


def test_journal_binary_sniffs_the_magic_bytes():
    assert PARSER.sniff(MemoryInput(b"LPKSHHRH\x00").head) == 1.0
    assert PARSER.sniff(MemoryInput(b"hello").head) == 0.0
    assert PARSER.sniff(MemoryInput(b"").head) == 0.0

