"""Private cache files: read only when this user's alone and intact, written atomically, mode 0600.

migtrace keeps a few things derived from its own installed files in the cache
directory (the packed plotly bundle, the compiled signature catalog, the
templates' bytecode, the shipped data files parsed) so that a run does not
rebuild them every time.
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
import pickle
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: where the cache lives: this variable, else $XDG_CACHE_HOME/migtrace, else ~/.cache/migtrace
DIR_VARIABLE = "MIGTRACE_CACHE_DIR"
#: set (non-empty, not "0") to neither read nor write the caches derived from migtrace's own files
#: (the compiled catalog, the parsed data files: debugging a shipped file's change in place)
OFF_VARIABLE = "MIGTRACE_NO_CODE_CACHE"

#: read at most this much (the largest payload today is the ~2 MB plotly bundle)
MAX_BYTES = 64 << 20
#: the files of the cache directory derived from migtrace's own code and data (never from logs), by the module
#: that writes them: a version writes its own set beside the others' (the catalog replaces older ones, the
#: templates and the bundle do not), each is rebuilt on its next use when removed (`migtrace cache clear --compiled`)
DERIVED = {"catalog-*.pickle": "diagnose/_compiled.py", "data-*.pickle": "_datafile.py",
           "jinja-*.code": "reports/_bytecode.py", "plotly-*.b64": "reports/html_report.py"}


def cache_dir() -> Path:
    """The cache directory (the index's, `sources._index`): $MIGTRACE_CACHE_DIR, else
    ${XDG_CACHE_HOME:-~/.cache}/migtrace.  Here, in the ground layer, so that data files can be cached too."""
    explicit = os.environ.get(DIR_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "migtrace"


def code_cache_enabled() -> bool:
    """False when $MIGTRACE_NO_CODE_CACHE asks for no caches derived from migtrace's own files."""
    return os.environ.get(OFF_VARIABLE, "") in ("", "0")


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


def pickled(path: Path, stale: str, build: Callable[[], T], valid: Callable[[object], bool]) -> T:
    """`build()`'s result, unpickled from `path` when `read_private` trusts the file and `valid` takes what it
    holds, else built and written there (older files matching `stale` removed); a `build` that raises writes
    nothing.  The compiled catalog and the parsed data files are kept this way."""
    payload = read_private(path)
    if payload is not None:
        try:
            found = pickle.loads(payload)  # only a file read_private trusts: ours alone, intact
        except Exception:  # a corrupt cache of any kind is rebuilt, never trusted
            found = None
        if found is not None and valid(found):
            return found  # type: ignore[no-any-return]
    result = build()
    write_private(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), stale=stale)
    return result
