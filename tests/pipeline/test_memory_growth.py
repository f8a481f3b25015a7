"""What a whole-set read keeps grows with the moves and the findings, not with the bytes of the logs.

The benchmark generator writes nova's real text: the same few moves among
more or less of the fleet's everyday records (builds, lifecycle events,
periodic tasks).  Beyond the moves' own records, a read keeps only what a
clock bound or an orphan finding uses (`_keep.Unmoved`); with the
instances that never moved kept (`MIGTRACE_KEEP_UNMOVED=1`, the read
before) the count grew with the bytes.  Counts, not timings or RSS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.gen_big_log import generate
from migtrace.correlate.skew import evidence_texts
from migtrace.diagnose.catalog import load_catalog
from migtrace.diagnose.orphans import orphan_test
from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline.analysis import Analysis
from migtrace.serialize import migration_summary

SIZES = {"small": 1 << 20, "big": 4 << 20}


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("growth")
    for name, size in SIZES.items():
        generate(root / name, size=size, computes=2, moves=3, seed=11, quiet=True)
    return {name: root / name for name in SIZES}


def _load_set(path: Path, keep_unmoved: bool, monkeypatch: pytest.MonkeyPatch) -> Analysis:
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1" if keep_unmoved else "0")
    return _load.load([str(path)], LoadOptions(jobs=1))


def _outside(a: Analysis) -> list[Event]:
    owned = {id(e) for m in a.migrations for e in m.events}
    return [e for e in a.events if id(e) not in owned]


def test_kept_records_beyond_the_moves_are_what_clocks_and_findings_use(
        sets: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    could_find = orphan_test(load_catalog(()))
    clock = evidence_texts()
    for path in sets.values():
        lean = _load_set(path, False, monkeypatch)
        moved = {m.instance for m in lean.migrations} | {r for m in lean.migrations for r in m.request_ids}
        for e in _outside(lean):
            assert (e.instance in moved or e.request_id in moved or could_find(e)
                    or any(t in e.message for t in clock) or any(i in e.text for i in moved if i)), e.message


def test_four_times_the_bytes_same_moves_same_output(sets: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    lean = {name: _load_set(path, False, monkeypatch) for name, path in sets.items()}
    full = {name: _load_set(path, True, monkeypatch) for name, path in sets.items()}
    for name in SIZES:
        assert ([migration_summary(m) for m in lean[name].migrations]
                == [migration_summary(m) for m in full[name].migrations])
        assert lean[name].orphan_findings == full[name].orphan_findings
    grown_full = len(_outside(full["big"])) - len(_outside(full["small"]))
    grown_lean = len(_outside(lean["big"])) - len(_outside(lean["small"]))
    assert grown_full > 0
    assert grown_lean < grown_full / 4  # what still grows: clock lines and failures of the unmoved
