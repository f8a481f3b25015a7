"""Show a progress line on stderr while logs are read, only when stderr is a terminal.

Reading a sosreport of gigabytes takes a while and silence looks like a hang,
but progress output must never reach a pipe or a CI log, so the indicator
draws only on a TTY and erases itself when done.  The pipeline reports bytes
done / bytes in total through `LoadOptions.progress`; this module only draws
(a bar with a percentage when the total is known, a spinner otherwise).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Width of the bar itself, in characters.
BAR_WIDTH = 30
#: Least time between two redraws, in seconds.
INTERVAL = 0.2
_SPINNER = "|/-\\"


def human_bytes(n: float) -> str:
    """Format a byte count as `12.3 MB`."""
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class Progress:
    """A one-line progress indicator fed by the pipeline's progress hook; inert unless on a TTY."""

    def __init__(self, label: str = "reading logs", stream: TextIO | None = None,
                 interval: float = INTERVAL) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self.done = 0
        self.total = 0
        self._frame = 0
        self._started = time.monotonic()
        self._drawn_at = float("-inf")
        self._visible = False

    def update(self, done: int, total: int) -> None:
        """Take the pipeline's latest figures; redraw when the last drawing is old enough."""
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._drawn_at >= self.interval:
            self._drawn_at = now
            self.draw()

    def line(self) -> str:
        """Return the current progress line (without carriage return)."""
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
            self._visible = True

    def clear(self) -> None:
        """Erase the line so that a warning (or the command's output) starts on a clean line."""
        if self.enabled and self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False

    close = clear

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()
