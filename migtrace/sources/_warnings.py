"""Collect the one-line warnings of a read, each distinct text once, and pass them on."""

from __future__ import annotations

from collections.abc import Callable


class Warnings:
    """Collects one-line warnings; each distinct text is kept (and passed to the sink) once."""

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self._sink = sink

    def __call__(self, message: str) -> None:
        if message in self._seen:
            return
        self._seen.add(message)
        self.lines.append(message)
        if self._sink is not None:
            self._sink(message)
