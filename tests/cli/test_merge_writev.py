"""`merge` writes a gathered round's runs from their windows (`os.writev`), not from a copy of the round.

The bytes must be those the copy (`BulkBlock.data`) would print: checked
on the blocks a merge gives written to a real file descriptor, on `_writev`'s
partial writes (a signal, a pipe's limit) and more buffers than one call
takes, and through `merge` in a process whose stdout is a pipe (the
descriptor way) against the same merge in memory (no descriptor: part by
part) and the record-by-record text path, with a leak literal (a narrowed
block) and a learnt secret (a block redacted run by run), at `-j 1` and `-j 2`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import _merge as cli_merge
from migtrace.cli import cli as group
from migtrace.options import LoadOptions
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE, BulkBlock, merged_bulk
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _gather
from tests.conftest import REPO
from tests.pipeline.test_bulk_gather_jit import _interleaved, _learnt_secret

needs_gather = pytest.mark.skipif(not _gather.available(), reason="numba is not installed")


def _buffers() -> list[bytes | memoryview]:
    data = b"".join(f"record {i} ".encode() * (i % 5) + b"\n" for i in range(4000))
    view = memoryview(data)
    return [view[a:a + n] for a, n in zip(range(0, len(data), 37), [37] * len(data), strict=False)] + [b"", b"end\n"]


@pytest.mark.parametrize("limit", [1, 5, 36, 37, 38, 1000])
def test_writev_writes_the_rest_of_a_partial_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   limit: int) -> None:
    """An `os.writev` that writes at most `limit` bytes a call (cut inside a buffer or at its end)."""
    real = os.writev
    calls: list[int] = []

    def short(fd: int, buffers: list[bytes | memoryview]) -> int:
        calls.append(len(buffers))
        assert len(buffers) <= cli_merge._IOV_MAX
        return real(fd, [b"".join(buffers)[:limit]])

    monkeypatch.setattr(os, "writev", short)
    buffers = _buffers()
    path = tmp_path / "out"
    with path.open("wb") as out:
        for at in range(0, len(buffers), cli_merge._IOV_MAX):
            cli_merge._writev(out.fileno(), buffers[at:at + cli_merge._IOV_MAX])
    assert path.read_bytes() == b"".join(buffers)
    assert len(calls) > 3


def test_parts_beyond_one_writev_call(tmp_path: Path) -> None:
    """More buffers than `os.writev` takes at once (IOV_MAX), through a real descriptor and in memory."""
    buffers = _buffers()
    assert len(buffers) > 2 * cli_merge._IOV_MAX
    path = tmp_path / "out"
    with path.open("wb") as out:
        out.write(b"first\n")  # held by the stream: written before the parts
        cli_merge._write_parts(out, list(buffers))
    assert path.read_bytes() == b"first\n" + b"".join(buffers)


@needs_gather
def test_blocks_written_from_their_windows_are_their_bytes(tmp_path: Path) -> None:
    """Each gathered block written to a file (its runs from their windows) is `BulkBlock.data` (the copy)."""
    (tmp_path / "logs").mkdir()
    _interleaved(tmp_path / "logs")
    stream = merged_bulk([str(tmp_path / "logs")], LoadOptions(), lambda e: "", _KEYWORD_LIST)
    assert stream is not None
    expected: list[bytes] = []
    path = tmp_path / "out"
    with path.open("wb") as out:
        for pieces in stream.rounds:
            blocks = [p for p in pieces if isinstance(p, BulkBlock)]
            cli_merge._write_parts(out, list(blocks))
            expected.extend(b.data.tobytes() for b in blocks)
            assert all(len(b.views()) == b.stop - b.start for b in blocks)
    assert len(expected) > 20
    assert path.read_bytes() == b"".join(expected)


def _logs(root: Path) -> Path:
    """Interleaved hosts with text records, a leak literal in bulk lines (a narrowed block) and a secret
    learnt from a keyword line reappearing in another host's bulk lines (a block redacted run by run)."""
    _interleaved(root, lines=1200)
    _learnt_secret(root, keyword_line=600, again_line=900, stamp=1800, extra={300: " fine & well"})
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_merge_to_a_pipe_prints_as_in_memory(tmp_path: Path, jobs: str) -> None:
    root = _logs(tmp_path)
    args = ["merge", "--full", "-j", jobs, str(root)]
    env = {**os.environ, BULK_PATH_VARIABLE: "1"}
    piped = subprocess.run([sys.executable, "-m", "migtrace", *args], capture_output=True, env=env, cwd=REPO,
                           check=False, timeout=300)
    in_memory = CliRunner().invoke(group, args, env={BULK_PATH_VARIABLE: "1"}, catch_exceptions=False)
    text_way = CliRunner().invoke(group, args, env={BULK_PATH_VARIABLE: "0"}, catch_exceptions=False)
    assert piped.returncode == in_memory.exit_code == text_way.exit_code == 0
    assert piped.stdout == in_memory.stdout_bytes == text_way.stdout_bytes
    assert piped.stderr == in_memory.stderr_bytes == text_way.stderr_bytes
    out = piped.stdout.decode()
    assert "Qw8#zR4!nB7x" not in out and "then " in out and "fine & well" in out and out.count("\n") > 3600
