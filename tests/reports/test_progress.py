"""The stderr progress indicator: silent off a TTY, a bar or a counter on one, erased at the end."""

from __future__ import annotations

import io
from pathlib import Path

from migtrace._progress import Progress, human_bytes, start_progress, total_size


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_stderr_is_not_a_tty() -> None:
    stream = io.StringIO()
    p = start_progress(stream=stream)
    p.advance(10)
    p.draw()
    p.close()
    assert stream.getvalue() == ""


def test_progress_bar_with_total_and_erase_on_close() -> None:
    stream = _Tty()
    p = Progress("reading logs", total_bytes=1000, stream=stream, interval=None)
    p.advance(500)
    p.draw()
    assert "\rreading logs [###############---------------]  50% 500 B/1.0 kB" in stream.getvalue()
    p.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_counter_without_total_counts_bytes_read() -> None:
    p = Progress(stream=_Tty(), interval=None)
    p.advance(2_500_000)
    assert p.line().startswith("reading logs ") and "2.5 MB read" in p.line()
    p.close()


def test_progress_total_size_and_human_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 10)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b").write_bytes(b"x" * 5)
    assert total_size([str(tmp_path / "a"), str(tmp_path / "d"), str(tmp_path / "missing")]) == 15
    assert human_bytes(999) == "999 B" and human_bytes(1_234_567) == "1.2 MB"
