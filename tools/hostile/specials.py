"""Special files (FIFOs, sockets, device nodes, symlinks) and what this machine allows.

Device nodes need CAP_MKNOD and private mounts need CAP_SYS_ADMIN; CI may
have neither.  Each probe answers once, and a case that needs a missing
capability is skipped with the reason instead of faking the file (a regular
file named like a device tests nothing).
"""

from __future__ import annotations

import ctypes
import functools
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

#: (major, minor) of the Linux memory devices (Documentation/admin-guide/devices.txt)
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "urandom": (1, 9)}


def make_fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path, 0o644)


def make_socket(path: Path) -> None:
    """Leave a bound (then closed) unix socket inode, as a dead daemon does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # sun_path holds 108 bytes; reach deep directories through /proc/self/fd instead of chdir (threads)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(f"/proc/self/fd/{fd}/{path.name}")
    finally:
        os.close(fd)


def make_device(path: Path, name: str) -> None:
    """A private character device with the numbers of /dev/<name> (needs CAP_MKNOD)."""
    major, minor = DEVICES[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))


@functools.cache
def can_mknod() -> str | None:
    """None when device nodes can be made here, else why not."""
    with tempfile.TemporaryDirectory() as d:
        try:
            make_device(Path(d) / "null", "null")
        except OSError as exc:
            return f"cannot create device nodes here (mknod: {exc.strerror})"
    return None


@functools.cache
def can_unshare_mount() -> str | None:
    """None when a private mount namespace with its own tmpfs can be made, else why not."""
    try:
        probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                                "mount -t tmpfs -o size=64k none /mnt && test -d /mnt"],
                               capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare unavailable ({exc})"
    if probe.returncode != 0:
        return f"no private mount namespace here: {probe.stderr.strip() or probe.returncode}"
    return None


def drop_dac_capabilities() -> None:
    """Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set (child, before exec).

    Root ignores file modes; after this exec the child really gets EACCES on
    a mode-000 file, as an unprivileged user would (see tests/test_bad_input.py).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@functools.cache
def can_honour_modes() -> str | None:
    """None when mode-000 files are really unreadable to the product, else why not."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=drop_dac_capabilities,
                           capture_output=True, check=False)
    return None if probe.returncode == 0 else "running as root without CAP_SETPCAP: mode 000 means nothing"


def kind(path: str | Path) -> str:
    """File type of a path itself (symlinks not followed): file, dir, fifo, socket, chr, blk, symlink, missing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    for test, name in ((stat.S_ISLNK, "symlink"), (stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "chr"),
                       (stat.S_ISBLK, "blk")):
        if test(mode):
            return name
    return "other"
