"""A round's bulk runs gathered into one buffer (`sources/_gather`, numba) and printed as `BulkBlock`s;
the worker's window flags from the scans it shares.

The gather must print exactly the bytes the runs would one by one: checked
on the copy itself against slicing, on the blocks a merge gives (their runs
joined are their bytes), and through `merge` on interleaved inputs with text
records, a learnt secret reappearing, copies across inputs (a switch), at
`-j 1` and `-j 2`, against the same merge without the gather (the env
switch `MIGTRACE_BULK_KERNEL=0`: no numba) and the text path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from migtrace.cli import cli as group
from migtrace.cli._merge import _leak_literals
from migtrace.options import LoadOptions
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE, BulkBlock, BulkRun, merged_bulk
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _bulk, _gather
from migtrace.sources._bulk import Literals, bulk_window, set_leak_prefilter
from migtrace.sources._bulk_kernel import KERNEL_VARIABLE
from migtrace.sources._scan import engine_name
from migtrace.sources._textpath import TextRecord
from tests.pipeline.test_bulk_merge import _header

_LITERALS = Literals(_KEYWORD_LIST)
needs_gather = pytest.mark.skipif(not _gather.available(), reason="numba is not installed")
#: bulk forced with the gather; bulk forced without numba (no gather, the numpy way); the text path
WAYS = ({BULK_PATH_VARIABLE: "1"}, {BULK_PATH_VARIABLE: "1", KERNEL_VARIABLE: "0"}, {BULK_PATH_VARIABLE: "0"})


def _run(args: list[str], env: dict[str, str]) -> tuple[str, str, int]:
    result = CliRunner().invoke(group, ["merge", *args], env=env, catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


def _same(*args: str) -> str:
    """Every way gives the same stdout, stderr and exit code, at `-j 1` and `-j 2`; return the stdout."""
    first = _run(list(args), WAYS[0])
    for jobs in ("1", "2"):
        for env in WAYS:
            assert _run(["-j", jobs, *args], env) == first, (jobs, env)
    return first[0]


def _interleaved(root: Path, hosts: int = 3, lines: int = 400) -> None:
    """Hosts whose records interleave every few lines, with a traceback (text records) now and then."""
    for h in range(hosts):
        (root / f"compute{h}").mkdir()
        out = []
        for i in range(lines):
            out.append(_header(i * hosts + h, f"compute{h} step {i} " + "z" * (i % 11), pid=str(4000 + h)))
            if i % 37 == 5:
                out += ["Traceback (most recent call last):", '  File "x.py", line 1, in f', "ValueError: no"]
        (root / f"compute{h}" / "nova-compute.log").write_text("\n".join(out) + "\n", encoding="utf-8")


def _learnt_secret(root: Path, keyword_line: int, again_line: int, stamp: int, extra: dict[int, str] | None = None) -> None:
    """A keyword line on compute0 (`password=…`, line `keyword_line`, header number `stamp`) and the same secret
    again on compute1's line `again_line` (plus `extra` texts appended to compute1's lines): the secret is
    learnt from one input and must be redacted in another's bulk lines."""
    log = root / "compute0" / "nova-compute.log"
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[keyword_line] = _header(stamp, "password=Qw8#zR4!nB7x", pid="4000")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    other = root / "compute1" / "nova-compute.log"
    lines = other.read_text(encoding="utf-8").splitlines()
    for at, text in {**(extra or {}), again_line: " then Qw8#zR4!nB7x again"}.items():
        lines[at] += text
    other.write_text("\n".join(lines) + "\n", encoding="utf-8")


@needs_gather
def test_gather_copies_each_run_where_it_goes() -> None:
    rng = np.random.default_rng(7)
    blobs, ends = [], []
    for _ in range(4):
        records = [b"r" * int(n) + b"\n" for n in rng.integers(0, 40, 50)]
        blobs.append(b"".join(records))
        ends.append(np.cumsum([len(r) for r in records]) - 1)
    window = rng.integers(0, 4, 60)
    first = rng.integers(0, 50, 60)
    last = np.minimum(first + rng.integers(0, 5, 60), 49)
    buffer, at = _gather.gather(blobs, ends, window, first, last)
    expected = [blobs[w][(ends[w][f - 1] + 1 if f else 0):ends[w][lst] + 1]
                for w, f, lst in zip(window, first, last, strict=True)]
    assert buffer.tobytes() == b"".join(expected)
    assert at.tolist() == np.cumsum([0, *map(len, expected)]).tolist()


@needs_gather
def test_gather_of_no_run_is_empty() -> None:
    buffer, at = _gather.gather([], [], *(np.zeros(0, np.int64),) * 3)
    assert buffer.tobytes() == b"" and at.tolist() == [0]


def test_the_kernel_switch_turns_the_gather_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KERNEL_VARIABLE, "0")
    assert not _gather.available()


@needs_gather
def test_rounds_come_as_blocks_of_runs(tmp_path: Path) -> None:
    """A block's runs, printed one by one, are its bytes; text records stand between blocks."""
    _interleaved(tmp_path)
    stream = merged_bulk([str(tmp_path)], LoadOptions(), lambda e: "", _KEYWORD_LIST)
    assert stream is not None
    blocks = texts = 0
    for pieces in stream.rounds:
        for piece in pieces:
            if isinstance(piece, BulkBlock):
                blocks += 1
                runs = piece.runs()
                assert b"".join(r.data for r in runs) == piece.data.tobytes()
                assert sum(r.count for r in runs) == piece.count == piece.data.tobytes().count(b"\n")
                assert piece.clean in (True, False)
            else:
                assert not isinstance(piece, BulkRun)  # every run comes gathered here
                texts += isinstance(piece, TextRecord)
    assert blocks > 20 and texts > 20


def test_interleaved_inputs_with_text_records(tmp_path: Path) -> None:
    _interleaved(tmp_path)
    assert _same("--full", str(tmp_path)).count("ValueError: no") == 3 * 11
    _same("--no-full", str(tmp_path))


def test_a_learnt_secret_in_a_gathered_block(tmp_path: Path) -> None:
    """A secret learnt from one input's keyword line, reappearing in bulk lines of the others later."""
    _interleaved(tmp_path)
    _learnt_secret(tmp_path, keyword_line=3, again_line=200, stamp=9)
    out = _same("--full", str(tmp_path))
    assert "Qw8#zR4!nB7x" not in out and "then " in out


def test_copies_across_inputs_and_text_records(tmp_path: Path) -> None:
    """Two inputs of one host sharing a pid (switched: the copy filter, record by record), beside gathered
    inputs with text records (the filter's eviction between blocks)."""
    _interleaved(tmp_path, hosts=2, lines=300)
    log = tmp_path / "compute0" / "nova-compute.log"
    (tmp_path / "compute0" / "nova-compute.log.1").write_text(log.read_text(encoding="utf-8"), encoding="utf-8")
    out = _same("--full", str(tmp_path))
    assert out.count("compute0 step 150 ") == 1


_SECRET = b"Xy7kQ2mZ9pW"


@pytest.mark.skipif(engine_name() != "hyperscan", reason="one scan for both where hyperscan runs")
@pytest.mark.parametrize("leak", ["", " a & b"])
@pytest.mark.parametrize("where", ["printed", "raw", "none"])
def test_one_scan_gives_the_leak_flag_and_the_learnt_answer(leak: str, where: str) -> None:
    """`bulk_window`'s flags where a secret is learnt and the prefilter is set (the scans it shares: the
    window's literal scan, the blob's leak scan) are the flags of separate scans."""
    message = "step" + leak + (f" with {_SECRET.decode()}" if where == "printed" else "")
    window = ("\n".join(_header(i, message if i == 3 else f"Took {i} seconds") for i in range(8)) + "\n").encode()
    if where == "raw":  # in a request block the printed record cuts
        window = window.replace(b"- default default]", b"- " + _SECRET + b" default]", 1)
    before = (_bulk._learnt, _bulk._leak_literals)
    try:
        set_leak_prefilter(*_leak_literals())
        _bulk.set_learnt(frozenset({_SECRET}))
        win = bulk_window(window, b"[compute1/nova-compute]", _LITERALS)
    finally:
        _bulk._learnt, _bulk._leak_literals = before
    assert len(win.lines) == 7
    assert win.clean is (leak == "")
    assert win.learnt == (frozenset({_SECRET}), where != "none")
    assert _LITERALS.with_learnt(window, frozenset({_SECRET}))[0].tolist() == _LITERALS(window).tolist()
