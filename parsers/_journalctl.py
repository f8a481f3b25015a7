"""Read binary journals through `journalctl -o export` when systemd-python is not installed.

systemd-python is a C extension without wheels (the `migtrace[journal]`
extra), so a plain `pip install migtrace` does not have it.  A machine with
journal files nearly always has journalctl, and its export output is the
journal's own lossless serialisation: the export parser reads it as it reads
an exported file.  Accounting therefore follows the export format (one line
per field, one meta line per entry separator) instead of sd-journal's one
line per entry; the events are the same.

journalctl's diagnostics go to a temporary file, not a pipe, so a chatty
stderr can never block its stdout; a non-zero exit is noted like a read error.
"""

from __future__ import annotations

import fnmatch
import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, BinaryIO

from migtrace.errors import SourceError
from migtrace.model import Event
from migtrace.parsers._base import Head, Line, LineBlock, ParseContext
from migtrace.parsers.journal_export import PARSER as EXPORT

#: The program asked for the export stream.
JOURNALCTL = "journalctl"
#: Bytes of the stream the export parser sees as its head (it sniffs the first fields).
_HEAD_BYTES = 64 * 1024
#: Longest wait for journalctl to exit once its output is read (it is killed after).
_EXIT_TIMEOUT_S = 30.0


def available() -> str | None:
    """Return the path of journalctl when it is on PATH."""
    return shutil.which(JOURNALCTL)


class _Prefixed(io.RawIOBase):
    """Bytes already read (the head), then the rest of a stream: the stream as if unread."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read1(len(buffer)) if hasattr(self._rest, "read1") else self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class PipeInput:
    """journalctl's stdout as an `InputData` (the export parser reads `head` and `stream()`)."""

    def __init__(self, stdout: IO[bytes], path: str) -> None:
        first = stdout.read(_HEAD_BYTES)
        self._stream: BinaryIO = io.BufferedReader(_Prefixed(first, stdout))
        self._head = Head(path=path, data=first,
                          lines=tuple(first.decode("utf-8", "replace").splitlines()[:200]))

    @property
    def head(self) -> Head:
        """The first bytes of the export stream."""
        return self._head

    def lines(self) -> Iterator[Line]:
        """Yield the stream's lines (only read when the output is not an export stream)."""
        for n, raw in enumerate(self._stream, 1):
            yield n, raw.decode("utf-8", "replace").rstrip("\r\n")

    def blocks(self) -> Iterator[LineBlock] | None:
        """None: an export stream is read as bytes (`stream()`), never in line blocks."""
        return None

    def stream(self) -> BinaryIO:
        """Return the export stream from its first byte."""
        return self._stream

    @contextmanager
    def local_file(self) -> Iterator[str | None]:
        """Yield None: a pipe is no file (the export parser never asks for one)."""
        yield None


def _note_failure(ctx: ParseContext, proc: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
    """Turn journalctl's non-zero exit into a read error of the input (a SourceError under --strict)."""
    errors.seek(0)
    said = [line.strip() for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
    reason = f"journalctl exited with status {proc.returncode}" + (f": {said[0]}" if said else "")
    ctx.stats.errors.append(reason)
    ctx.warn(f"{ctx.path}: {reason}")
    if ctx.strict:
        raise SourceError(ctx.path, reason)


def export_events(args: Sequence[str], ctx: ParseContext, fmt: str) -> Iterator[Event]:
    """Yield the events of `journalctl -o export ARGS`, labelled with the format that asked for them."""
    binary = available()
    if binary is None:
        raise SourceError(ctx.path, f"{JOURNALCTL} is not on PATH")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen([binary, "--no-pager", "-o", "export", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errors)
        stdout: IO[bytes] = proc.stdout  # type: ignore[assignment]  # stdout=PIPE: never None
        finished = False
        try:
            for event in EXPORT.parse(PipeInput(stdout, ctx.path), ctx):
                yield event if event.fmt == fmt else event.replace(fmt=fmt)
            finished = True
        finally:
            stdout.close()
            if not finished:
                proc.kill()  # the reader stopped early (or failed): nothing more is wanted
            try:
                proc.wait(timeout=_EXIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.returncode:
            _note_failure(ctx, proc, errors)


def unit_names(ctx: ParseContext, patterns: Iterable[str]) -> list[str]:
    """Return the local journal's units matching the glob patterns (`journalctl -F _SYSTEMD_UNIT`)."""
    binary = available()
    if binary is None:
        raise SourceError(ctx.path, f"{JOURNALCTL} is not on PATH")
    done = subprocess.run([binary, "--no-pager", "-F", "_SYSTEMD_UNIT"], stdin=subprocess.DEVNULL,
                          capture_output=True, check=False, timeout=120)
    if done.returncode:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(ctx.path, f"journalctl exited with status {done.returncode}"
                                    + (f": {said[0]}" if said else ""))
    names = done.stdout.decode("utf-8", "replace").split()
    wanted = tuple(patterns)
    return sorted(n for n in set(names) if any(fnmatch.fnmatchcase(n, p) for p in wanted))


__all__ = ["JOURNALCTL", "PipeInput", "available", "export_events", "unit_names"]
