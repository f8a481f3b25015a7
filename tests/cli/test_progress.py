"""The stderr progress indicator: silent off a TTY, a bar or a counter on one, erased at the end."""

from __future__ import annotations

import io

from migtrace import LoadOptions, load
from migtrace.cli._progress import Progress, human_bytes
from tests.conftest import SAMPLE_LOGS


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_stderr_is_not_a_tty() -> None:
    stream = io.StringIO()
    p = Progress(stream=stream, interval=0)
    p.update(10, 100)
    p.clear()
    assert stream.getvalue() == ""


def test_progress_bar_with_total_and_erase_on_clear() -> None:
    stream = _Tty()
    p = Progress("reading logs", stream=stream, interval=0)
    p.update(500, 1000)
    assert "\rreading logs [###############---------------]  50% 500 B/1.0 kB" in stream.getvalue()
    p.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_counter_without_total_counts_bytes_read() -> None:
    p = Progress(stream=_Tty(), interval=0)
    p.update(2_500_000, 0)
    assert p.line().startswith("reading logs ") and "2.5 MB read" in p.line()


def test_progress_redraws_at_most_once_per_interval() -> None:
    stream = _Tty()
    p = Progress(stream=stream, interval=3600)
    p.update(1, 10)
    p.update(2, 10)
    assert stream.getvalue().count("\r") == 1


def test_progress_human_bytes() -> None:
    assert human_bytes(999) == "999 B" and human_bytes(1_234_567) == "1.2 MB"
    assert human_bytes(3_200_000_000) == "3.2 GB"


def test_pipeline_reports_every_byte_of_compressed_and_plain_inputs() -> None:
    seen: list[tuple[int, int]] = []
    load(str(SAMPLE_LOGS / "kilo-files"), options=LoadOptions(progress=lambda done, total: seen.append((done, total))))
    total = sum(p.stat().st_size for p in (SAMPLE_LOGS / "kilo-files").rglob("*.log*"))
    assert seen, "the pipeline never called the progress hook"
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
