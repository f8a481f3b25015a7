"""Bounded reading (issue 15, item 3): lines cut while read, special files bounded or skipped,
the walk kept inside its trees, open files bounded whatever the number of inputs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from migtrace.sources import _open
from migtrace.sources._discover import expand_paths
from migtrace.sources._open import SpecialInputBound, bounded_lines, open_raw

LINE = b"2018-03-01 10:00:00.100 12345 INFO nova.compute.manager [-] x\n"


def test_a_line_without_end_is_cut_and_the_rest_skipped_without_holding_it() -> None:
    data = LINE + b"A" * 5000 + b"\n" + LINE + b"B" * 3000
    lines = list(bounded_lines(io.BufferedReader(io.BytesIO(data)), limit=1000))  # type: ignore[arg-type]
    assert lines == [LINE, b"A" * 1000, LINE, b"B" * 1000]


def test_lines_at_the_limit_are_whole() -> None:
    data = b"x" * 9 + b"\n" + b"y" * 10
    assert list(bounded_lines(io.BytesIO(data), limit=10)) == [b"x" * 9 + b"\n", b"y" * 10]


def test_peekable_counts_cut_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_open, "MAX_LINE_BYTES", 100)
    peek = _open.Peekable(io.BytesIO(LINE + b"Z" * 1000 + b"\n" + LINE))  # type: ignore[arg-type]
    got = list(_open.bounded_lines(io.BytesIO(LINE + b"Z" * 1000 + b"\n" + LINE), 100))
    assert len(got) == 3
    assert len(list(peek.lines())) == 3


def test_a_fifo_with_no_writer_ends_after_its_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_open, "FIFO_WAIT_S", 0.2)
    fifo = tmp_path / "nova-compute.log"
    os.mkfifo(fifo)
    start = time.monotonic()
    with open_raw(str(fifo)) as raw, pytest.raises(SpecialInputBound, match="no writer"):
        raw.read(10)
    assert time.monotonic() - start < 5


def test_a_device_is_read_up_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_open, "DEVICE_MAX_BYTES", 1 << 16)
    got = 0
    with open_raw("/dev/zero") as raw, pytest.raises(SpecialInputBound, match="no end"):
        while chunk := raw.read(4096):
            got += len(chunk)
    assert got == 1 << 16


def test_a_regular_file_is_opened_read_only_and_blocking(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(LINE)
    with open_raw(str(log)) as raw:
        assert raw.read() == LINE
        assert os.get_blocking(raw.fileno())


def test_the_walk_skips_special_files_and_links_out_of_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "nova").mkdir(parents=True)
    (tree / "nova" / "nova-compute.log").write_bytes(LINE)
    os.mkfifo(tree / "nova" / "nova-compute.log.1")
    outside = tmp_path / "outside" / "nova-api.log"
    outside.parent.mkdir()
    outside.write_bytes(LINE)
    (tree / "nova" / "nova-api.log").symlink_to(outside)
    (tree / "escape").symlink_to("/")
    (tree / "loop").symlink_to(".")
    (tree / "nova" / "nova-conductor.log").symlink_to("nova-compute.log")  # inside: same file, read once
    warnings: list[str] = []
    found = [f.path for f in expand_paths([str(tree)], warnings.append)]
    assert found == [str(tree / "nova" / "nova-compute.log")]
    joined = "\n".join(warnings)
    assert "nova-compute.log.1: not a regular file" in joined
    assert "escape: a symlink out of the given trees" in joined
    assert "nova-api.log: a symlink out of the given trees" in joined
    followed = [f.path for f in expand_paths([str(tree / "nova")], warnings.append, follow_symlinks=True)]
    assert str(tree / "nova" / "nova-api.log") in followed


def test_a_special_file_named_explicitly_is_taken(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert sorted(f.path for f in expand_paths([str(fifo), "/dev/null"], lambda _: None)) == ["/dev/null", str(fifo)]


def test_every_file_is_read_with_few_descriptors_allowed(tmp_path: Path) -> None:
    """300 inputs under RLIMIT_NOFILE 64, in a subprocess: every record is read."""
    for i in range(300):
        d = tmp_path / f"compute{i:03d}"
        d.mkdir()
        stamp = f"2018-03-01 10:{i // 60:02d}:{i % 60:02d}.000"
        (d / "nova-compute.log").write_text(f"{stamp} 4242 INFO nova.compute.manager [-] record {i}\n")
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        from migtrace.options import LoadOptions
        from migtrace.sources import open_inputs, read_all
        warnings = []
        readers = open_inputs([{str(tmp_path)!r}], LoadOptions(), warnings.append)
        events = list(read_all(readers, warnings.append))
        print(len(events), sum(r.stats.records for r in readers), [w for w in warnings if "record" not in w][:3])
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split()[:2] == ["300", "300"], out.stdout + out.stderr
