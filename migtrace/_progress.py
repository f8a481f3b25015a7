"""Show a progress line on stderr while logs are read, only when stderr is a terminal.

Reading a sosreport of gigabytes takes a while and silence looks like a hang,
but progress output must never reach a pipe or a CI log, so the indicator
draws only on a TTY and erases itself when done.  The pipeline has no
progress hook, so by default the indicator observes the process itself: on
Linux `/proc/self/io` counts the bytes read (compressed bytes for `.gz`
inputs), which is honest throughput without touching the readers.  Callers
that know the total size pass `total_bytes` and get a bar with a percentage;
callers that can count call `advance()`.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

#: Width of the bar itself, in characters.
BAR_WIDTH = 30
_SPINNER = "|/-\\"
_PROC_IO = Path("/proc/self/io")


def human_bytes(n: float) -> str:
    """Format a byte count as `12.3 MB`."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover - loop always returns


def _bytes_read_by_process() -> int | None:
    """Return the bytes this process has read so far (Linux), else None."""
    try:
        for line in _PROC_IO.read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Progress:
    """A one-line progress indicator; inert unless its stream is a TTY."""

    def __init__(self, label: str = "reading logs", total_bytes: int | None = None,
                 stream: TextIO | None = None, interval: float | None = 0.2) -> None:
        self.label = label
        self.total = total_bytes if total_bytes and total_bytes > 0 else None
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._frame = 0
        self._base = _bytes_read_by_process()
        self._counted = False  # once advance() is used, it is the truth, not /proc
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        if self.enabled and interval:
            self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True,
                                            name="migtrace-progress")
            self._thread.start()

    def advance(self, n: int) -> None:
        """Count `n` more bytes as processed."""
        with self._lock:
            self._counted = True
            self.done += n

    def _observe(self) -> None:
        if self._counted or self._base is None:
            return
        now = _bytes_read_by_process()
        if now is not None:
            self.done = max(now - self._base, 0)

    def line(self) -> str:
        """Return the current progress line (without carriage return)."""
        with self._lock:
            self._observe()
            elapsed = time.monotonic() - self._started
            if self.total:
                frac = min(self.done / self.total, 1.0)
                filled = int(frac * BAR_WIDTH)
                bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                return (f"{self.label} [{bar}] {frac * 100:3.0f}% "
                        f"{human_bytes(self.done)}/{human_bytes(self.total)} {elapsed:.1f}s")
            self._frame = (self._frame + 1) % len(_SPINNER)
            return f"{self.label} {_SPINNER[self._frame]} {human_bytes(self.done)} read, {elapsed:.1f}s"

    def draw(self) -> None:
        """Redraw the line in place (no-op when the stream is not a TTY)."""
        if self.enabled:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.draw()

    def close(self) -> None:
        """Stop drawing and erase the line so the command's own output starts clean."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def total_size(paths: list[str] | tuple[str, ...]) -> int:
    """Return the total size of files under `paths` (what a full read will consume)."""
    total = 0
    for p in map(Path, paths):
        try:
            if p.is_file():
                total += p.stat().st_size
            elif p.is_dir():
                total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        except OSError:
            continue
    return total


def start_progress(label: str = "reading logs", total_bytes: int | None = None,
                   stream: TextIO | None = None) -> Progress:
    """Start a progress indicator on stderr (inert when stderr is not a TTY); call `.close()`."""
    return Progress(label, total_bytes, stream)
