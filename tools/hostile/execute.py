"""Run one product command under limits and capture what it did (pipes or a pseudo-terminal).

The product runs as `prlimit --as --nofile --fsize -- timeout -k 5 T migtrace …`
in its own session, so a hang costs at most T (+ grace) and the whole
process group is killed by its id if `timeout` itself does not end it.
Commands that print for a person run on a raw pseudo-terminal: that is
where terminal escapes in log text do harm, and where the product decides
to colour.
"""

from __future__ import annotations

import fcntl
import os
import pty
import shlex
import signal
import struct
import subprocess
import termios
import threading
import time
import tty
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: the most of stdout/stderr kept for analysis (a runaway product may print gigabytes)
CAPTURE_LIMIT = 64 << 20
#: exit status of `timeout` when it had to stop the command
TIMEOUT_EXITS = frozenset({124, 137})


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds for every run of the product."""

    address_space: int
    nofile: int
    fsize: int
    timeout: float

    def prefix(self, nofile: int | None = None, slow: bool = False) -> list[str]:
        t = self.timeout * (4 if slow else 1)
        return ["prlimit", f"--as={self.address_space}", f"--nofile={nofile or self.nofile}",
                f"--fsize={self.fsize}", "--", "timeout", "-k", "5", f"{t:g}"]


@dataclass(slots=True)
class Outcome:
    """What one run did."""

    argv: list[str]
    rc: int
    seconds: float
    timed_out: bool
    stdout: str
    stderr: str


def _read_capped(path: Path) -> str:
    with open(path, "rb") as fh:
        return fh.read(CAPTURE_LIMIT).decode("utf-8", "replace")


def _drain(fd: int, sink: Path) -> None:
    """Copy a pty master to a file until the slave side is gone (EIO), keeping at most CAPTURE_LIMIT."""
    kept = 0
    with open(sink, "wb") as out:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            if kept < CAPTURE_LIMIT:
                out.write(chunk[: CAPTURE_LIMIT - kept])
                kept += len(chunk)


def run(argv: Sequence[str], *, cwd: Path, scratch: Path, timeout: float, stdin: str | None = None,
        stdout_to: str | None = None, use_tty: bool = False, preexec: Callable[[], None] | None = None,
        env: dict[str, str] | None = None) -> Outcome:
    """Run argv (already wrapped in prlimit/timeout) and wait at most `timeout` + grace seconds."""
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "stdout", scratch / "stderr"
    master = slave = -1
    reader: threading.Thread | None = None
    start = time.monotonic()
    with open(stdin or os.devnull, "rb") as si, open(err_path, "wb") as se:
        if use_tty:
            master, slave = pty.openpty()
            tty.setraw(slave)  # no CR/LF translation: what the product writes is what is read
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
            so: int | object = slave
            reader = threading.Thread(target=_drain, args=(master, out_path), daemon=True)
        else:
            so = open(stdout_to or out_path, "wb")  # noqa: SIM115 - closed below, after the child starts
        try:
            proc = subprocess.Popen(list(argv), cwd=cwd, stdin=si, stdout=so, stderr=se, env=env,
                                    preexec_fn=preexec, start_new_session=True)  # noqa: PLW1509 - single-threaded runner
        finally:
            if use_tty:
                os.close(slave)
            else:
                so.close()  # type: ignore[attr-defined]
        if reader is not None:
            reader.start()
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout + 20)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)  # our own session, by its id
            rc = proc.wait()
        if reader is not None:
            reader.join(timeout=10)
            os.close(master)
    seconds = time.monotonic() - start
    stdout = _read_capped(out_path) if (use_tty or stdout_to is None) and out_path.exists() else ""
    return Outcome(list(argv), rc, seconds, timed_out or rc in TIMEOUT_EXITS, stdout, _read_capped(err_path))


def display(argv: Sequence[str], cwd: str, *, exe: Sequence[str], stdin: str | None = None,
            stdout_to: str | None = None) -> str:
    """A shell line that reproduces a run by hand (`migtrace` for the product's own command)."""
    words = list(argv)
    n = len(exe)
    for i in range(len(words) - n + 1):
        if words[i:i + n] == list(exe):
            words[i:i + n] = ["migtrace"]
            break
    # "$CORPUS/…" placeholders must still expand when pasted
    where = f'"{cwd}"' if cwd.startswith("$") else shlex.quote(cwd)
    line = f"cd {where} && {shlex.join(words)}"
    if stdin:
        line += f" < {shlex.quote(stdin)}"
    if stdout_to:
        line += f" > {shlex.quote(stdout_to)}"
    return line
