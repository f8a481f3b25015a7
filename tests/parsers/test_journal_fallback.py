"""Binary journals without systemd-python: read through `journalctl -o export`, else one line naming the extra.

systemd-python is made unimportable for each test (`sys.modules["systemd"] =
None` makes `from systemd import journal` raise ImportError, as on a machine
where it was never installed); the journals are real files written by
systemd-journal-remote and read by the real journalctl.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
from pathlib import Path

import pytest

from migtrace import read_events
from migtrace.parsers import _journalctl
from migtrace.parsers.journal_binary import INSTALL_HINT, PARSER, read_journal_path, read_local_journal
from tests.parsers.test_journal_binary import REMOTE, REQ, UUID, entry, write_journal

pytestmark = pytest.mark.skipif(
    (not os.access(REMOTE, os.X_OK) or shutil.which("journalctl") is None) and not os.environ.get("CI"),
    reason="systemd-journal-remote or journalctl not installed (run ./setup.sh)")


@pytest.fixture
def no_systemd_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make systemd-python unimportable, as on a plain `pip install migtrace`."""
    monkeypatch.setitem(sys.modules, "systemd", None)
    monkeypatch.setitem(sys.modules, "systemd.journal", None)


@pytest.fixture
def journal(tmp_path: Path, journal_export) -> Path:
    base = 1715680923000000
    return write_journal(tmp_path, journal_export, [
        entry(f"INFO nova.compute.manager [None {REQ} proj user] [instance: {UUID}] VM Paused", base, 1),
        entry(f"ERROR nova.virt.libvirt.driver [None {REQ} proj user] [instance: {UUID}] "
              "Live Migration failure: End of file while reading data", base + 500_000, 2, PRIORITY="3"),
        entry("ERROR nova.virt.libvirt.driver Traceback (most recent call last):", base + 510_000, 3, PRIORITY="3"),
        entry(b"ERROR nova.virt.libvirt.driver libvirt.libvirtError: caf\xff\n", base + 520_000, 4, PRIORITY="3"),
    ])


def _story(events) -> list[tuple]:
    return [(e.time, e.host, e.service, e.pid, e.level, e.logger, e.request_id, e.instance, e.message, e.extra,
             e.fmt) for e in events]


def test_journal_fallback_reads_the_same_events_as_systemd_python(journal, journal_ctx, monkeypatch) -> None:
    pytest.importorskip("systemd.journal")
    through_sd = list(read_journal_path(str(journal), journal_ctx(str(journal))))
    monkeypatch.setitem(sys.modules, "systemd", None)
    monkeypatch.setitem(sys.modules, "systemd.journal", None)
    ctx = journal_ctx(str(journal))
    through_journalctl = list(read_journal_path(str(journal), ctx))
    assert _story(through_journalctl) == _story(through_sd)
    assert through_journalctl[0].fmt == PARSER.name
    assert ctx.stats.balanced and ctx.stats.records == 2 and not ctx.stats.errors


def test_journal_fallback_reads_directories_and_compressed_files(tmp_path, journal, no_systemd_python) -> None:
    packed = tmp_path / "packed" / "system.journal.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(journal.read_bytes()))
    events = read_events(str(packed))
    assert len(events) == 2 and events[0].message.endswith("VM Paused")
    assert len(read_events(str(journal.parent))) == 2


def test_journal_fallback_corrupt_file_is_one_warning(tmp_path, journal_ctx, no_systemd_python) -> None:
    bad = tmp_path / "bad.journal"
    bad.write_bytes(b"LPKSHHRH" + b"\0" * 64)
    warnings: list[str] = []
    ctx = journal_ctx(str(bad), warnings=warnings)
    assert list(read_journal_path(str(bad), ctx)) == []
    assert len(warnings) == 1 and "journalctl exited with status" in warnings[0] and str(bad) in warnings[0]
    assert ctx.stats.errors and ctx.stats.balanced


def test_journal_fallback_without_journalctl_names_the_extra(journal, cli, monkeypatch, tmp_path,
                                                             no_systemd_python) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert _journalctl.available() is None
    result = cli("list", str(journal))
    assert result.exit_code == 2  # nothing else was readable
    assert "migtrace[journal]" in result.stderr and "journalctl" in result.stderr
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr
    assert INSTALL_HINT in result.stderr


def test_journal_fallback_local_journal_never_raises(journal_ctx, no_systemd_python) -> None:
    ctx = journal_ctx("journal:local")
    events = list(read_local_journal(ctx, units=("devstack@n-*", "nova-*")))
    assert all(e.service is not None for e in events)
    assert ctx.stats.balanced


def test_journal_fallback_local_journal_without_any_reader(journal_ctx, monkeypatch, tmp_path,
                                                           no_systemd_python) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    warnings: list[str] = []
    ctx = journal_ctx("journal:local", warnings=warnings)
    assert list(read_local_journal(ctx)) == []
    has_journald = any(os.path.isdir(d) for d in ("/var/log/journal", "/run/log/journal"))
    assert warnings == ([f"journal:local: {INSTALL_HINT}"] if has_journald else [])
