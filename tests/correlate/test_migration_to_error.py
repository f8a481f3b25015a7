"""`Setting migration %(migration_id)s to error: %(reason)s` is a failure of the move it names (issue 10).

nova's periodic `_poll_unconfirmed_resizes` does not auto-confirm a finished cold move whose instance is
in ERROR, in another state than RESIZED/None, or gone: it logs this WARNING and sets the migration
record to `error` (nova/compute/manager.py `_set_migration_to_error`).  The periodic task logs under a
long-lived request id that also carries other instances' lines (info-cache heals, other auto-confirms):
the line joins the move of the instance it names, never another one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migtrace import load
from migtrace.model import Migration
from tests.conftest import SAMPLE_LOGS

AUTO_CONFIRMED = "32343f2f-8698-4f39-9d9f-eed9820b7831"  # yoga-info: the move the periodic task confirmed
OTHER = "5d0c1f0e-8a53-4c1e-9d3b-0f2e7c6a9b14"  # an instance that never moved


def _with_line(tmp: Path, make: str) -> dict[str, Migration]:
    root = tmp / "yoga-info"
    shutil.copytree(SAMPLE_LOGS / "yoga-info", root)
    log = root / "compute2/var/log/nova/nova-compute.log"
    lines = log.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "Automatically confirming migration" in line)
    ctx = lines[at][lines[at].index("[req-"):lines[at].index("]") + 1]
    heal = (f"2023-01-17 10:13:30.100 3318 DEBUG nova.compute.manager {ctx} [instance: {OTHER}] Updated the network "
            "info_cache for instance _heal_instance_info_cache "
            "/usr/lib/python3/dist-packages/nova/compute/manager.py:9360\n")
    lines[at:at + 1] = [heal, make.format(ctx=ctx)]
    log.write_text("".join(lines))
    return {m.instance or "": m for m in load(str(root)).migrations}


@pytest.mark.parametrize("line", [
    "2023-01-17 10:13:32.162 3318 WARNING nova.compute.manager {ctx} [instance: " + AUTO_CONFIRMED + "] "
    "Setting migration 25 to error: In ERROR state\n",
    "2023-01-17 10:13:32.162 3318 WARNING nova.compute.manager {ctx} [instance: " + AUTO_CONFIRMED + "] "
    "Setting migration 25 to error: In states stopped/None, not RESIZED/None\n",
    "2023-01-17 10:13:32.162 3318 WARNING nova.compute.manager {ctx} "
    "Setting migration 25 to error: Instance " + AUTO_CONFIRMED + " not found\n",
], ids=["error-state", "other-state", "instance-gone"])
def test_migration_set_to_error_by_the_periodic_task_is_a_failure(tmp_path: Path, line: str) -> None:
    moves = _with_line(tmp_path, line)
    m = moves[AUTO_CONFIRMED]
    assert m.status == "failed"
    assert any(e.message.startswith("Setting migration 25 to error") for e in m.events)
    assert OTHER not in moves  # the periodic id's other lines make no move of their own
