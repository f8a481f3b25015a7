"""The P2 floor scripts measure the real thing: the records `p2_records` turns into tuples are the ones the real
`list` selected, with the fields migtrace's parser gives them, and `p2_tail` replays the real tail.

These scripts argue what any implementation of the two-pass design must spend (benchmarks/README.md,
"P2 floor with its per-record minimum"): the argument holds only if the recorded records are the real
run's and the per-record minimum reads the same fields the parser reads.  Checked on a small generated
set; no timing is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import migtrace
from benchmarks import p2_records, p2_tail
from benchmarks.gen_big_log import generate
from benchmarks.measure import ROOT
from migtrace.parsers.oslo import _FAST_HEADER


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("p2set") / "set"
    generate(root, size=3 << 20, computes=2, moves=4, seed=7, quiet=True)
    return root


@pytest.fixture(scope="module")
def spec(small_set: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("p2spec") / "spec.pickle"
    return path, p2_records.record(str(small_set), str(path))


def test_byte_ranges_of_records(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_bytes(b"a\nbb\nccc\ndddd")  # the last line without its newline
    starts, ends = p2_records.byte_ranges(str(log), [(2, 2), (1, 1), (4, 1)])
    assert starts.tolist() == [0, 2, 9]
    assert ends.tolist() == [2, 9, 13]
    with pytest.raises(ValueError, match="outside the file"):
        p2_records.byte_ranges(str(log), [(4, 2)])


def test_records_are_the_real_runs_with_the_parsers_fields(small_set: Path,
                                                           spec: tuple[Path, dict[str, Any]]) -> None:
    recorded = spec[1]
    assert recorded["header"] == _FAST_HEADER.pattern
    events = {(os.path.realpath(e.source), e.lineno): e for e in migtrace.read_events(small_set)}
    p2_records._SPEC.clear()
    p2_records._SPEC.update(recorded)
    p2_records._HEADER.clear()
    seen = 0
    for kind in ("p1", "p2"):
        inputs = recorded[kind]
        assert isinstance(inputs, dict)
        assert {os.path.realpath(p) for p in inputs} == {str(p.resolve()) for p in small_set.rglob("*.log")}
        for path, (_texts, _caseless, starts, _ends) in inputs.items():
            records, lines, matches, matched, refused = p2_records.read_records(kind, path)
            assert lines == Path(path).read_bytes().count(b"\n")
            assert refused == 0
            assert len(records) == len(starts)
            assert matched <= len(records) <= matches or not records
            for when, lineno, level, request, instance, message in records:
                e = events[(os.path.realpath(path), lineno)]  # a record the full parse also starts there
                assert (when, level, request, instance) == (e.time.timestamp(), e.level, e.request_id, e.instance)
                assert e.message[:20] in message  # (the minimum keeps the instance tag in the text)
            seen += len(records)
            bare = p2_records.read_records(kind, path, p2_records.BARE)
            assert bare[0] == [] and bare[1:3] == (lines, matches)
    assert seen > 0


def test_the_run_merges_every_record(spec: tuple[Path, dict[str, Any]]) -> None:
    path, recorded = spec
    want = sum(len(v[2]) for k in ("p1", "p2") for v in recorded[k].values())
    done = subprocess.run([sys.executable, "-m", "benchmarks.p2_records", "run", str(path)], capture_output=True,
                          check=True, cwd=ROOT)
    assert int(done.stdout) == want
    assert b"0 refused" in done.stderr


def test_the_tail_replays_the_real_output(small_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    captured = p2_tail.capture(str(small_set), str(tmp_path / "tail.pickle"))
    assert p2_tail.run(captured, 2) == 0  # raises when the render differs from the real run's stdout
    out = capsys.readouterr().out
    assert "output identical to the real run's" in out
    assert "_built: hosts, clocks, align, correlate" in out
