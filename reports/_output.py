"""Put a finished output where the user asked, without ever replacing what is not a regular file.

`-o PATH` meets more than new files: an old report (replace it atomically, so
a reader never sees half of one), a symlink to a report (write its target,
the link stays), `/dev/null`, a FIFO or a terminal device (write through
them: renaming a temp file over `/dev/null` as root turns it into a plain
file for the whole machine), a directory or a socket (refuse).  Every write
error — a full disk, a read-only directory, a FIFO nobody reads — becomes one
`RenderError` line and a non-zero exit, and no temp file or partial report is
left behind looking complete.  A broken pipe on stdout is the one error the
CLI treats apart (`migtrace … | head` is not a failure).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from migtrace.errors import RenderError


def describe(exc: OSError) -> str:
    """Return an OSError's reason without the Python dressing (`No space left on device`)."""
    return exc.strerror or str(exc)


def refuse_inputs(target: Path, inputs: Iterable[str]) -> None:
    """Refuse to write over a file that was read as an input log (it would destroy the evidence)."""
    try:
        st = os.stat(target)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode):
        return
    for path in inputs:
        try:
            other = os.stat(path)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            raise RenderError(f"{target}: is one of the input logs; choose another output file")


def write_stdout(text: str, stream: TextIO | None = None) -> None:
    """Write to stdout and flush, so a full disk or closed device fails here, not silently at exit."""
    out = stream if stream is not None else sys.stdout
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        if stream is None:  # what is still buffered would fail again at exit, with a traceback-like notice
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise RenderError(f"cannot write to standard output: {describe(exc)}") from None


def write_text_to(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`: atomically for a regular file, through a device or FIFO.

    What `path` is decides how: absent or a regular file — a temp file in the
    same directory, fsynced, renamed over it; a symlink — the same for the
    file it points to (the link is kept); a character device or FIFO —
    opened for writing as is (a FIFO nobody reads is refused, not waited on);
    anything else — refused.
    """
    data = text.encode("utf-8", "surrogateescape")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise RenderError(f"{path}: cannot write: {describe(exc)}") from None
    if st is None or stat.S_ISREG(st.st_mode):
        _replace_atomically(path, target, data)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        _write_through(path, target, data, fifo=stat.S_ISFIFO(st.st_mode))
    elif stat.S_ISDIR(st.st_mode):
        raise RenderError(f"{path}: is a directory; give a file name (e.g. {path}/report.html)")
    else:
        raise RenderError(f"{path}: not a regular file, device or FIFO; refusing to write to it")


def _replace_atomically(shown: Path, target: Path, data: bytes) -> None:
    """Write a temp file beside `target`, flush it to disk, then rename it over `target`."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=parent)
    except OSError as exc:
        raise RenderError(f"{shown}: cannot write: {describe(exc)}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            mode = os.stat(target).st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)  # mkstemp makes 0600; a report is an ordinary file (or keeps the old mode)
            os.replace(tmp, target)
        except OSError as exc:
            raise RenderError(f"{shown}: cannot write: {describe(exc)}; nothing written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(shown: Path, target: Path, data: bytes, *, fifo: bool) -> None:
    """Write into an existing device or FIFO without creating, truncating or renaming anything."""
    flags = os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        # non-blocking open: a FIFO with no reader fails with ENXIO at once instead of hanging
        fd = os.open(target, flags | os.O_NONBLOCK)
    except OSError as exc:
        if fifo and exc.errno == errno.ENXIO:
            raise RenderError(f"{shown}: a FIFO with no reader; start the reader first") from None
        raise RenderError(f"{shown}: cannot write: {describe(exc)}") from None
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BrokenPipeError:
        raise RenderError(f"{shown}: the reader of the FIFO went away before the end") from None
    except OSError as exc:
        raise RenderError(f"{shown}: cannot write: {describe(exc)}") from None
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
