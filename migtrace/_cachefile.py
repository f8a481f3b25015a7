"""Private cache files: read only when this user's alone and intact, written atomically, mode 0600.

migtrace keeps a few things derived from its own installed files in the cache
directory (the packed plotly bundle, the compiled signature catalog, the
templates' bytecode) so that a report does not rebuild them on every run.
Some of them are code (a pickle is unpickled, bytecode is run, the bundle runs
in a browser): a file planted by another user, made writable by others, put
there as a symlink, or cut short is never used.  Every problem on reading is
"no cache" (the caller rebuilds), every problem on writing is ignored: a
cache never changes an answer and never fails a command.

Format: the SHA-256 hex digest of the payload, a newline, the payload.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

#: read at most this much (the largest payload today is the ~2 MB plotly bundle)
MAX_BYTES = 64 << 20
#: the files of the cache directory derived from migtrace's own code and data (never from logs), by the module
#: that writes them: a version writes its own set beside the others' (the catalog replaces older ones, the
#: templates and the bundle do not), each is rebuilt on its next use when removed (`migtrace cache clear --compiled`)
DERIVED = {"catalog-*.pickle": "diagnose/_compiled.py", "jinja-*.code": "reports/_bytecode.py",
           "plotly-*.b64": "reports/html_report.py"}


def derived_files(directory: Path) -> list[Path]:
    """The derived files (`DERIVED`) in `directory`: regular files only, a symlink is never followed."""
    return sorted(p for pattern in DERIVED for p in directory.glob(pattern) if p.is_file() and not p.is_symlink())


def _ours_alone(st: os.stat_result) -> bool:
    """True when owned by this user and writable by nobody else."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


def trusted_dir(directory: Path) -> bool:
    """True when `directory` is a real directory (not a symlink), this user's alone."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _ours_alone(st)


def read_private(path: Path) -> bytes | None:
    """The payload of a cache file, or None: missing, a symlink, not a regular file, not ours alone
    (file or directory), larger than MAX_BYTES, or not matching its digest line."""
    if not trusted_dir(path.parent):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with open(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or not _ours_alone(st) or st.st_size > MAX_BYTES:
                return None
            data = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    digest, newline, payload = data.partition(b"\n")
    if not newline or hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
        return None
    return payload


def write_private(path: Path, payload: bytes, *, stale: str | None = None) -> bool:
    """Store `payload` (digest line first) atomically in a private directory; False when it could not.

    `stale` is a glob of older files of the same kind in that directory (another
    key) to remove after the write, so the cache does not grow with every upgrade.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not trusted_dir(path.parent):
            return False
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with open(fd, "wb") as fh:
            fh.write(hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    if stale:
        for old in path.parent.glob(stale):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    return True
