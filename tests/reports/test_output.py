"""`-o` targets (issue 15, item 1): regular files replaced atomically, devices and FIFOs written
through, never replaced; every write error one RenderError line, no partial file left."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from migtrace.errors import RenderError
from migtrace.reports._output import refuse_inputs, write_stdout, write_text_to


def test_new_and_existing_regular_files_are_written_whole_with_no_temp_left(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_text_to(out, "first\n")
    out.chmod(0o640)
    write_text_to(out, "second é\n")
    assert out.read_text(encoding="utf-8") == "second é\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # an old report keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_missing_parent_directory_is_made(tmp_path: Path) -> None:
    write_text_to(tmp_path / "a" / "b" / "r.json", "{}\n")
    assert (tmp_path / "a" / "b" / "r.json").read_text() == "{}\n"


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path: Path) -> None:
    (tmp_path / "real.html").write_text("old\n")
    link = tmp_path / "link.html"
    link.symlink_to("real.html")
    write_text_to(link, "new\n")
    assert link.is_symlink() and (tmp_path / "real.html").read_text() == "new\n"


def test_a_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("keep")
    with pytest.raises(RenderError, match="is a directory"):
        write_text_to(tmp_path / "d", "x")
    assert os.listdir(tmp_path / "d") == ["keep.txt"]


def test_a_fifo_is_written_through_when_read_and_refused_at_once_when_not(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(RenderError, match="no reader"):
        write_text_to(fifo, "x" * 100)
    got: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        ready.set()
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        while sum(map(len, chunks)) < 200_000:
            chunks.append(os.read(fd, 65536))  # before the writer opens, a FIFO reads as empty
        os.close(fd)
        got.append(b"".join(chunks))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(5)
    write_text_to(fifo, "y" * 200_000)
    reader.join(10)
    assert got == [b"y" * 200_000]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dev_null_is_written_through_and_dev_full_is_one_clean_error() -> None:
    write_text_to(Path("/dev/null"), "discarded\n")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        with pytest.raises(RenderError, match="No space left on device"):
            write_text_to(Path("/dev/full"), "x")
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_stdout_on_a_full_device_is_an_error_not_a_silent_truncation() -> None:
    with open("/dev/full", "w", encoding="utf-8") as full, pytest.raises(RenderError, match="standard output"):
        write_stdout("x" * 100_000, full)


def test_an_input_log_named_as_output_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    log.write_text("2018-03-01 10:00:00.100 12345 DEBUG nova x\n")
    with pytest.raises(RenderError, match="input logs"):
        refuse_inputs(log, [str(log)])
    refuse_inputs(tmp_path / "other.html", [str(log)])


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_a_read_only_directory_is_one_error_and_nothing_left(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(RenderError, match="cannot write"):
            write_text_to(ro / "r.html", "x")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)
