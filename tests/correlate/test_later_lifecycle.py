"""A lifecycle line nova also logs outside moves does not stretch a finished move (issue 10: never wrong).

Hours after a live migration the tenant deletes the instance: nova logs `Terminating instance` under the
delete's request and, from the lifecycle thread (`[-]`), `VM Stopped (Lifecycle Event)` — a marker of the
source's post-migration step.  Joined to the finished move, it made a 40 s live migration six hours long
(27 of the 53 moves of the 1 GiB benchmark set).  The move must end where its own lines end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migtrace import load
from tests.conftest import SAMPLE_LOGS

#: the delete request and the lifecycle thread of the benchmark set's lines (any ids do)
_REQ = "[req-3c97d7f8-fcc0-4b8f-aafb-75aae2362047 56befa395e3c536c415ac400d7547080 3c35612e4a8d15d81d296588571ceeee - default default]"
_LIFE = "[req-f47569e2-7cc1-4283-8a17-7921ce53ae4b - - - - -]"


def _delete(day: str, instance: str) -> str:
    """nova-compute's lines of a tenant deleting the instance (as the 1 GiB benchmark set logs them)."""
    return "".join(f"{day} {line}\n" for line in (
        f"13:51:20.185 5604 INFO nova.compute.manager {_REQ} [instance: {instance}] Terminating instance",
        f"13:51:20.852 5604 INFO nova.compute.manager {_LIFE} [instance: {instance}] VM Stopped (Lifecycle Event)",
        f"13:51:20.861 5604 INFO nova.virt.libvirt.driver {_REQ} [instance: {instance}] Instance destroyed successfully.",
        f"13:51:21.051 5604 INFO nova.virt.libvirt.driver {_REQ} [instance: {instance}] Deleting instance files "
        f"/var/lib/nova/instances/{instance}_del",
        f"13:51:21.061 5604 INFO nova.virt.libvirt.driver {_REQ} [instance: {instance}] Deletion of "
        f"/var/lib/nova/instances/{instance}_del complete",
        f"13:51:21.063 5604 INFO nova.compute.manager {_REQ} [instance: {instance}] Took 1.31 seconds to destroy "
        "the instance on the hypervisor.",
    ))


CASES = [("yoga-info", "f216df00-2876-4019-b888-64aec7ddda03", "2023-01-17"),
         ("kilo-files", "8ba33361-d1e1-4141-9db2-9544eda8bd22", "2015-09-22")]


@pytest.mark.parametrize(("name", "instance", "day"), CASES)
def test_a_later_delete_of_the_instance_is_not_the_moves_last_step(tmp_path: Path, name: str, instance: str,
                                                                    day: str) -> None:
    tree = tmp_path / name
    shutil.copytree(SAMPLE_LOGS / name, tree)
    clean = {m.instance: m for m in load(str(tree), tz="UTC").migrations}[instance]
    dest = tree / clean.dest_host / "var/log/nova/nova-compute.log"  # type: ignore[operator]
    with open(dest, "a", encoding="utf-8") as fh:
        fh.write(_delete(day, instance))
    later = load(str(tree), tz="UTC")
    moves = [m for m in later.migrations if m.instance == instance]
    assert len(moves) == 1, [(m.kind, m.started) for m in moves]
    assert (moves[0].ended, moves[0].duration_s, moves[0].status) == (clean.ended, clean.duration_s, clean.status)
