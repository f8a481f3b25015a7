"""An `InputData` over bytes or lines held in memory: the parsers' test double, and for text in hand.

The sources layer reads files; tests, fixtures and notebook users often have
the text already.  This gives every parser the same three views of it.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from migtrace.parsers._base import Head, Line, LineBlock

#: How many lines a memory input shows as its head.
_HEAD_LINES = 200


class MemoryInput:
    """An input whose whole content is in memory."""

    def __init__(self, data: bytes, path: str = "<memory>", lines: Iterable[Line] | None = None) -> None:
        self._data = data
        self._lines = list(lines) if lines is not None else [
            (n, text) for n, text in enumerate(data.decode("utf-8", "replace").splitlines(), 1)]
        head_text = tuple(text for _, text in self._lines[:_HEAD_LINES])
        self._head = Head(path=path, data=data[:64 * 1024], lines=head_text)

    @classmethod
    def from_text(cls, text: str, path: str = "<memory>") -> MemoryInput:
        """Return an input holding this text."""
        return cls(text.encode("utf-8"), path)

    @classmethod
    def from_lines(cls, lines: Iterable[Line | str], path: str = "<memory>") -> MemoryInput:
        """Return an input of these lines (plain strings are numbered from 1)."""
        numbered: list[Line] = [(n, x) if isinstance(x, str) else x for n, x in enumerate(lines, 1)]
        data = "\n".join(t for _, t in numbered).encode("utf-8", "surrogatepass")
        return cls(data, path, numbered)

    @property
    def head(self) -> Head:
        """The first bytes and lines."""
        return self._head

    def lines(self) -> Iterator[Line]:
        """Yield the lines, numbered."""
        return iter(self._lines)

    def blocks(self) -> Iterator[LineBlock] | None:
        """None: the lines (given as they are, possibly numbered apart) are read through `lines()`."""
        return None

    def stream(self) -> BinaryIO:
        """Return the bytes as a stream."""
        return io.BytesIO(self._data)

    @contextmanager
    def local_file(self) -> Iterator[str | None]:
        """Yield a temporary file holding the bytes."""
        with tempfile.TemporaryDirectory(prefix="migtrace-") as tmp:
            path = os.path.join(tmp, "input")
            with open(path, "wb") as out:
                out.write(self._data)
            yield path
