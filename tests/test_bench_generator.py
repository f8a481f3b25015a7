"""The benchmark input generator writes the same bytes for the same arguments, and migtrace reads back its moves.

The benchmarks' figures are only worth something if their input is nova's
real text: this checks that the moves it plants are the moves migtrace finds
(kind, status, hosts, instance), on a small set.  No timing is asserted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import migtrace
from benchmarks.gen_big_log import generate


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.log")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", size=2 << 20, computes=2, moves=3, seed=5, quiet=True)
    generate(tmp_path / "b", size=2 << 20, computes=2, moves=3, seed=5, quiet=True)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    files = {p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*.log")}
    assert files == {"controller/var/log/nova/nova-api.log", "controller/var/log/nova/nova-conductor.log",
                     "controller/var/log/nova/nova-scheduler.log", "compute-01/var/log/nova/nova-compute.log",
                     "compute-02/var/log/nova/nova-compute.log"}


def test_planted_moves_are_found(tmp_path: Path) -> None:
    truth = generate(tmp_path, size=4 << 20, computes=3, moves=5, seed=2, quiet=True)
    analysis = migtrace.load(str(tmp_path))
    found = {m.id: m for m in analysis.migrations}
    planted = truth["migrations"]
    assert [m["template"] for m in planted] == ["live-ok", "cold-confirm", "live-block", "live-refused",
                                                 "resize-confirm"]
    assert set(found) == {m["request_id"] for m in planted}
    for m in planted:
        got = found[m["request_id"]]
        assert (got.kind, got.status, got.instance, got.source_host, got.dest_host) == (
            m["kind"], m["status"], m["instance"], m["source_host"], m["dest_host"]), m["template"]
    assert json.loads((tmp_path / "truth.json").read_text())["migrations"] == planted
