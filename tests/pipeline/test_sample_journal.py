"""The devstack set's `journalctl -o export` file, made a real binary journal, tells the same story."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from migtrace import load, read_events
from migtrace.serialize import migration_summary
from tests.conftest import SAMPLE_LOGS

REMOTE = "/lib/systemd/systemd-journal-remote"
SET = SAMPLE_LOGS / "devstack-2024.1"


@pytest.fixture(scope="module")
def binary_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.access(REMOTE, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("systemd-journal-remote missing: setup.sh must install it")
        pytest.skip("systemd-journal-remote not installed (run ./setup.sh)")
    out = tmp_path_factory.mktemp("journal") / "devstack.journal"
    subprocess.run([REMOTE, f"--output={out}", str(SET / "devstack.journal.export")], check=True,
                   capture_output=True)
    return out


def _comparable(rows: list[dict]) -> list[dict]:
    return [dict(r.items()) for r in rows]


def test_binary_journal_gives_the_same_migrations_as_the_screen_files(binary_journal: Path) -> None:
    from_journal = load(str(binary_journal))
    assert {s.fmt for s in from_journal.stats} == {"journal-binary"}
    assert from_journal.unparsed_lines == 0
    expected = json.loads((SET / "expected.json").read_text())
    got = [migration_summary(m) for m in from_journal.migrations]
    assert _comparable(got) == _comparable(expected)


def test_binary_journal_events_carry_journal_fields(binary_journal: Path) -> None:
    events = read_events(str(binary_journal))
    assert {e.host for e in events} == {"controller", "compute1", "compute2"}
    assert {e.service for e in events} >= {"n-api", "n-cond", "n-sch", "n-cpu"}
    assert all(e.time.tzinfo is not None for e in events)
