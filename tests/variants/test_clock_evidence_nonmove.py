"""A request that is not a move but logs a clock text bounds the clocks alike on every path.

`timeline`'s related pass finds the clock texts of every request (`EVIDENCE_SETS`); a stop also
goes through `/action` and logs `Instance shutdown successfully after`, a birth text.  The
selective read searches the same texts in its clue pass (`_note_clues(clock_evidence=…)`), so
both paths bound the clocks with the same lines by construction, not only while every clock text
happens to be a vocabulary text that makes pass 1 read its request (three are not: `Creating
tmpfile`, `Stashing vm_state`, `exists to indicate shared storage is being used`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migtrace import LoadOptions, load
from migtrace.serialize import migration_summary

_STOPPED = "0b9e2c7a-1d53-4f4e-9a51-3c2d7f00e1aa"
_REQ = "req-5d0c6a57-9f1e-4d3b-8e0a-77c1b2a4e9f0"
_CTX = "1cf46fc118efc085e215a251ce37c86b f3f160b4a66496e2e62d37ce6dd94ce2 - default default"


def _insert(path: Path, line: str) -> None:
    """Put `line` before the first record stamped after it (not last: a file's last record is read anyway)."""
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, old in enumerate(lines) if old[:4].isdigit() and old[:23] > line[:23])
    path.write_text("".join([*lines[:at], line, *lines[at:]]))


def _with_a_stop(variants_root: Path, tmp_path: Path) -> Path:
    """The yoga-info set with compute1 45 s behind, plus a stop of an instance that never moved between the
    moves: received at 09:30:00.050 (controller clock), powered off on compute1 0.3 s later (its clock: -45 s)."""
    logs = tmp_path / "logs"
    shutil.copytree(variants_root / "yoga-info" / "skew-compute1-minus45" / "logs", logs)
    for p in logs.rglob("*.log"):
        p.chmod(0o644)
    _insert(logs / "controller/var/log/nova/nova-api.log",
            f"2023-01-17 09:30:00.200 2214 INFO nova.api.openstack.requestlog [{_REQ} {_CTX}] 203.0.113.40 "
            f'"POST /v2.1/servers/{_STOPPED}/action" status: 202 len: 0 microversion: 2.90 time: 0.150000\n')
    _insert(logs / "compute1/var/log/nova/nova-compute.log",
            f"2023-01-17 09:29:15.350 3305 INFO nova.virt.libvirt.driver [{_REQ} {_CTX}] "
            f"[instance: {_STOPPED}] Instance shutdown successfully after 0 seconds.\n")
    return logs


def test_a_stop_bounds_list_and_timeline_alike(variants_root: Path, tmp_path: Path) -> None:
    logs = _with_a_stop(variants_root, tmp_path)
    listed = [migration_summary(m) for m in load(str(logs)).migrations]
    assert listed and all(row["instance"] != _STOPPED for row in listed)  # the stop is no move
    for row in listed:
        focused = load(str(logs), options=LoadOptions(focus=row["id"])).find(row["id"])
        assert [migration_summary(m) for m in focused] == [row], row["id"]


@pytest.mark.parametrize("reuse", ["1", "0"])
def test_the_stop_line_reaches_the_selective_reads_clock_evidence(variants_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, reuse: str) -> None:
    from migtrace.pipeline import _load

    monkeypatch.setenv(_load.REUSE_VARIABLE, reuse)
    logs = _with_a_stop(variants_root, tmp_path)
    seen: list[list[str]] = []
    real = _load.estimate_clocks

    def spy(events, correct=True, **more):  # type: ignore[no-untyped-def]
        seen.append([e.request_id or "" for e in events])
        return real(events, correct=correct, **more)

    monkeypatch.setattr(_load, "estimate_clocks", spy)
    load(str(logs))
    assert any(_REQ in ids for ids in seen)
