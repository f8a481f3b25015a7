"""A block migration's disk copy is a phase of its own (issue 10 item 6).

From Train on, the source's monitor reports the disk too: `Migration running for N secs, memory 100%
remaining (bytes processed=0, …); disk 89% remaining (bytes processed=…, remaining=…, total=…)`.  A
block migration copies the disks before the memory, so those lines (memory untouched, disk bytes
left) are `disk_copy`, inside the migration job that `memory_copy` starts with; a migration on shared
storage (disk total 0) has none.  Pike–Stein log the memory only: their disk copy stays in memory_copy.
"""

from __future__ import annotations

from migtrace.model import Migration
from tests.conftest import SAMPLE_LOGS, cached_load

BLOCK = "req-5e615bd9-9029-4474-8a44-9601f76c4b71"  # devstack-2024.1: the block migration


def _moves() -> dict[str, Migration]:
    return {m.id: m for m in cached_load(SAMPLE_LOGS / "devstack-2024.1").migrations}


def test_block_migration_disk_copy_is_its_own_phase_before_the_memory() -> None:
    m = _moves()[BLOCK]
    assert m.block_migration is True
    phases = {p.name: p for p in m.phases}
    assert [p.name for p in m.phases][:5] == ["api", "scheduling", "pre_live_migration", "memory_copy", "disk_copy"]
    disk, memory = phases["disk_copy"], phases["memory_copy"]
    lines = [e.message for e in disk.events]
    assert lines and all("; disk " in t and "memory 100% remaining (bytes processed=0," in t for t in lines)
    assert "disk 1% remaining" in lines[-1]
    # the memory is copied once the disks are: its progress lines come after the disk copy
    assert max(e.time for e in memory.events if "Migration running for" in e.message) > disk.ended
    assert disk.duration_s > 35  # 5 s … 45 s into the job


def test_live_migration_on_shared_storage_has_no_disk_copy() -> None:
    for m in _moves().values():
        if m.kind == "live-migration" and m.block_migration is False:
            assert "disk_copy" not in [p.name for p in m.phases], m.id
