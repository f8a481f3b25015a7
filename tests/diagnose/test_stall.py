"""Stalls: a move stuck on a command that never returned while its host kept logging (issue 12).

Built from faithful lines (tests/diagnose/scenarios/*.yaml name the nova code they follow):
a Havana cold migration whose `ssh <dest> mkdir -p` (no BatchMode) waits for a password on
nova-compute's terminal — before, "UNKNOWN, 1.2 s" — and a Queens cold migration whose `scp`
of the disk never returns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace.diagnose._stall import duration, stall_rules
from migtrace.model import STATUSES
from tests.diagnose._scenario import scenario


def test_stall_ssh_waiting_for_a_password_is_stalled_with_the_command_and_how_long(tmp_path: Path) -> None:
    analysis = scenario("havana-cold-migrate-ssh-password-hang").load(tmp_path)
    [move] = analysis.migrations
    assert (move.kind, move.status, move.source_host, move.dest_host) == ("migration", "stalled", "compute1", "compute2")
    [finding] = [f for f in move.findings if f.signature_id == "stalled-remote-command"]
    assert finding.severity == "error"
    assert "`ssh 10.0.0.12 mkdir -p /var/lib/nova/instances/2b7c5e1a-9d3f-4a6b-8c2e-1f0a9b8c7d6e`" in finding.title
    assert "on compute1" in finding.title and "16 min 4 s" in finding.title
    assert finding.events[0].message.startswith("Running cmd (subprocess): ssh 10.0.0.12 mkdir")
    assert any(n.startswith("stalled: `ssh 10.0.0.12 mkdir") and "16 min 4 s" in n for n in move.notes)


def test_stall_scp_of_the_disk_that_never_returns_is_a_stalled_disk_copy(tmp_path: Path) -> None:
    [move] = scenario("queens-cold-migrate-scp-hang").load(tmp_path).migrations
    assert move.status == "stalled"
    [finding] = [f for f in move.findings if f.signature_id == "stalled-disk-copy"]
    assert "`scp -r /var/lib/nova/instances/7e4f2b19-0c6d-4a8e-b3f1-5d9a2c7e6b40_resize/disk 198.51.100.12:" in finding.title
    assert "43 min 5 s" in finding.title


def test_stall_a_disk_copy_still_running_after_ten_minutes_is_not_called_stalled(tmp_path: Path) -> None:
    """A copy of a big disk can take many minutes without a line: 10 minutes is not proof."""
    [move] = scenario("queens-cold-migrate-scp-hang", until="2018-03-14 11:52:15.802000").load(tmp_path).migrations
    assert move.status in ("in-progress", "unknown")
    assert not [f for f in move.findings if f.signature_id.startswith("stalled-")]


def test_stall_logs_that_end_right_after_the_command_are_not_a_stall(tmp_path: Path) -> None:
    """Without the host logging on, the logs may just have been cut: nothing is claimed."""
    [move] = scenario("havana-cold-migrate-ssh-password-hang", until="").load(tmp_path).migrations
    assert move.status != "stalled"
    assert not [f for f in move.findings if f.signature_id.startswith("stalled-")]


def test_stall_a_command_that_returned_is_not_a_stall(tmp_path: Path) -> None:
    """The `mv` before the hang returned (`Result was 0`): only the ssh after it is the stall."""
    [move] = scenario("havana-cold-migrate-ssh-password-hang").load(tmp_path).migrations
    [finding] = [f for f in move.findings if f.signature_id.startswith("stalled-")]
    assert "mv /var/lib" not in finding.title


def test_stall_is_a_status_value_and_rules_load() -> None:
    assert "stalled" in STATUSES
    assert {r.id for r in stall_rules()} == {"stalled-remote-command", "stalled-disk-copy", "stalled-libvirt-job"}


@pytest.mark.parametrize(("seconds", "text"), [(1.2, "1 s"), (59.6, "1 min"), (964, "16 min 4 s"), (7500, "2 h 5 min")])
def test_stall_durations_read_like_an_operator_says_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_stall_cli_list_shows_the_status_and_filters_on_it(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = scenario("havana-cold-migrate-ssh-password-hang").write(tmp_path)
    result = cli("list", str(root), "--status", "stalled", "-f", "json")
    assert '"status": "stalled"' in result.output
