"""Turn what the user names (files, directories, globs, `-`) into an ordered list of inputs.

Directories are walked recursively, following links that stay inside the
given trees (all links with `--follow-symlinks`) without looping, and only
regular files named like logs are taken (a sosreport root: only its log
trees); FIFOs, sockets and devices inside a tree are skipped with a warning.
Rotated sets are ordered oldest first so records arrive in time order.
"""

from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources._sniff import classify
from migtrace.sources._tar import is_tarball, list_members
from migtrace.sources._url import is_url

#: directories searched when no path is given (DESIGN.md)
DEFAULT_LOCATIONS: tuple[str, ...] = ("/opt/stack/logs", "/var/log/nova", "/var/log/kolla/nova")

#: inside a directory only files named like nova / devstack / journal logs are read
_LOG_NAME = re.compile(
    r"^(?:screen-)?(?:nova[-_]|n-|devstack|.*journal|syslog|messages)"
    r"|\.(?:tar|tgz|tar\.gz|tar\.xz|tar\.bz2)$"
    r"|\.(?:log|txt|export|json)(?:[.-]\d+)*(?:\.gz|\.bz2|\.xz)?$|\.log[.-]\d+.*$|[.-]\d{8}(?:\.gz|\.bz2|\.xz)?$"
)
#: inside a sosreport only these subtrees hold logs worth reading
_SOSREPORT_LOG_DIRS = ("var/log/nova", "var/log/kolla/nova", "var/log/containers/nova", "var/log/journal",
                       "sos_commands/logs")
_NOT_LOGS = re.compile(r"\.(?:md|ya?ml|toml|py|html|png|conf|ini|pid|lock|sh)$|^(?:expected|truth)\.json$", re.I)
_ROTATION = re.compile(r"^(?P<base>.+?)(?:\.(?P<num>\d+)|-(?P<date>\d{8}))?(?P<comp>\.gz|\.bz2|\.xz)?$")


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input: a path on disk, `-` for stdin, or the local journal's pseudo path."""

    path: str
    display: str
    rotation_rank: tuple[str, int] = ("", 0)
    #: a member of a tarball at `path`: its name, data offset and size in the uncompressed archive
    member: str | None = None
    offset: int = 0
    size: int = 0
    #: the host the member's archive names (a sosreport's `hostname`)
    host: str | None = None
    #: why this input is listed but not read (a non-log member of an archive)
    skip: str | None = None
    #: the path as the command named it, where `path` was made absolute to be opened by another process
    #: (`sent_elsewhere`): `--tz PATH=ZONE` and `--host-alias PATH=HOST` match the path as named
    named: str | None = None

    def sent_elsewhere(self) -> InputFile:
        """This input as a worker process opens it: a relative path made absolute, the path as typed in `named`.

        A Dask worker has its own working directory, and a local pool's worker the one its process had when
        the worker started: a relative path would open another file there, or none.  The display name stays
        the one given.
        """
        if self.path in ("-", LOCAL_JOURNAL) or is_url(self.path) or os.path.isabs(self.path):
            return self
        return replace(self, path=os.path.abspath(self.path), named=self.path)


def rotation_key(path: str) -> tuple[str, int]:
    """Order a rotated set oldest first: x.log.2.gz, x.log.1, x.log; dated members by date."""
    name = os.path.basename(path)
    m = _ROTATION.match(name)
    if not m:
        return (path, 0)
    base = os.path.join(os.path.dirname(path), m.group("base"))
    if m.group("num"):
        return (base, -int(m.group("num")))
    if m.group("date"):
        return (base, -10**9 + int(m.group("date")) - 10**8)
    return (base, 0)


def expand_paths(paths: Sequence[str], warn: Callable[[str], None], *,
                 follow_symlinks: bool = False) -> list[InputFile]:
    """Turn files, directories (recursive), globs and `-` into an ordered list of inputs.

    What is named explicitly is taken whatever it is (a FIFO, `/dev/stdin`:
    the reader bounds it).  Inside a walked directory only regular files are
    taken (FIFOs, sockets and devices are skipped with a warning) and a
    symlink is followed only when it stays inside the trees named on the
    command line, unless `follow_symlinks`.
    """
    found: list[InputFile] = []
    seen: set[str] = set()

    def add(path: str, explicit: bool) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            reason = None
            if _regular(path):
                # only regular files are sniffed here: a FIFO or a device is left to the reader's guards
                if is_tarball(path):
                    found.extend(_archive_inputs(path, warn))
                    return
                read, reason = classify(path, explicit or _named_like_log(path))
                if not read:
                    reason = reason or "no log format recognised"
            found.append(InputFile(path=path, display=path, rotation_rank=rotation_key(path), skip=reason))

    roots = tuple(os.path.realpath(p) for raw in paths if raw not in ("-", LOCAL_JOURNAL)
                  for p in _globbed(raw) if os.path.isdir(p))
    for raw in paths:
        if raw == "-":
            found.append(InputFile(path="-", display="<stdin>"))
        elif raw == LOCAL_JOURNAL:
            found.append(InputFile(path=LOCAL_JOURNAL, display="<local journal>"))
        else:
            for path in _matches(raw, warn):
                if os.path.isdir(path):
                    for file_path in _walk(path, warn, roots, follow_symlinks):
                        add(file_path, explicit=False)
                else:
                    add(path, explicit=True)
    found.sort(key=lambda f: f.rotation_rank if f.path != "-" else ("", 0))
    return found


def _archive_inputs(path: str, warn: Callable[[str], None]) -> list[InputFile]:
    """One input per log member of a tarball (in rotation order), plus its skipped members."""
    members, skipped = list_members(path, warn)
    out = [InputFile(path=path, display=f"{path}!{m.name}", rotation_rank=rotation_key(f"{path}/{m.name}"),
                     member=m.name, offset=m.offset, size=m.size, host=m.host) for m in members]
    out += [InputFile(path=path, display=f"{path}!{k.name}", rotation_rank=rotation_key(f"{path}/{k.name}"),
                      member=k.name, skip=k.reason) for k in skipped]
    if not members:
        warn(f"{path}: no log member in the archive ({len(skipped)} members skipped)")
    return out


def _matches(raw: str, warn: Callable[[str], None]) -> list[str]:
    """Return the existing paths a name or glob stands for; warn when there are none."""
    matches = sorted(glob.glob(raw)) if glob.has_magic(raw) else [raw]
    existing = [p for p in matches if os.path.exists(p)]
    for missing in (matches if glob.has_magic(raw) else [raw]):
        if not os.path.exists(missing):
            warn(f"{missing}: no such file or directory")
    if not matches:
        warn(f"{raw}: no such file or directory")
    return existing


def _globbed(raw: str) -> list[str]:
    return sorted(glob.glob(raw)) if glob.has_magic(raw) else [raw]


def _inside(real: str, roots: Sequence[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _walk(top: str, warn: Callable[[str], None], roots: Sequence[str] = (),
          follow_symlinks: bool = False, excluded: list[tuple[str, str]] | None = None) -> Iterator[str]:
    """Walk a directory tree without looping, yielding log-like regular files.

    Links are followed while they lead inside `roots` (or always, with
    `follow_symlinks`); a directory reached twice (a link loop) is skipped.
    """
    roots = roots or (os.path.realpath(top),)
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            st = os.stat(current)
            key = (st.st_dev, st.st_ino)
            if key in visited:
                warn(f"{current}: directory loop, skipped")
                continue
            visited.add(key)
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            warn(f"{current}: {exc.strerror or exc}")
            continue
        names = {e.name for e in entries}
        if "sos_commands" in names and "hostname" in names:
            # a sosreport root: only its log trees, not the thousands of command outputs
            stack.extend(p for p in (os.path.join(current, d) for d in reversed(_SOSREPORT_LOG_DIRS))
                         if os.path.isdir(p))
            continue
        subdirs, files = _split_entries(entries, warn, roots, follow_symlinks, excluded)
        yield from files
        stack.extend(reversed(subdirs))


def _split_entries(entries: Sequence[os.DirEntry[str]], warn: Callable[[str], None] = lambda _: None,
                   roots: Sequence[str] = (), follow_symlinks: bool = True,
                   excluded: list[tuple[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """Return (sub-directories worth walking, log-like regular files) of one directory listing.

    `excluded` collects (path, reason) of the files left out by their name alone.
    """
    subdirs: list[str] = []
    files: list[str] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
            is_link = entry.is_symlink()
        except OSError:
            continue
        if is_dir:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
        elif _NOT_LOGS.search(entry.name) or not (_LOG_NAME.search(entry.name) or _sniffable(entry)):
            # a file without a log-like name (a sosreport's kubectl pod logs) is read if its content is one
            if excluded is not None and is_file:
                excluded.append((entry.path, _excluded_reason(entry.name)))
            continue
        if is_link and not follow_symlinks and roots:
            real = os.path.realpath(entry.path)
            if not _inside(real, roots):
                warn(f"{entry.path}: a symlink out of the given trees (to {real}), skipped; "
                     "name it, or give --follow-symlinks, to read it")
                continue
        if is_dir:
            subdirs.append(entry.path)
        elif is_file:
            files.append(entry.path)
        elif is_link and not os.path.exists(entry.path):
            warn(f"{entry.path}: a dangling symlink, skipped")
        else:
            warn(f"{entry.path}: not a regular file (FIFO, socket or device), skipped; name it to read it")
    return subdirs, files


def _excluded_reason(name: str) -> str:
    """Why a file of a walked directory is not read, from its name alone (`merge --stats` lists it)."""
    m = _NOT_LOGS.search(name)
    if m is None:
        return "not a log by its name"
    what = m.group(0).lower() if m.group(0).startswith(".") else "a sample set's answer file"
    return f"not a log by its name ({what})"


def skipped_by_name(paths: Sequence[str], *, follow_symlinks: bool = False) -> list[tuple[str, str]]:
    """Return (path, reason) of the files the walk of the named directories leaves out by name.

    Configuration, documentation and scripts (`.conf`, `.md`, `.yaml`, `.py` …) and a sample set's
    `expected.json` / `truth.json` are not read and not sniffed; `merge --stats` lists them as skipped
    so that nothing a user gave disappears without a word.  A second walk of directory listings only
    (no file is opened): it costs what `ls -R` costs, and only `--stats` pays it.  A sosreport's
    command outputs are not listed (only its log trees are walked).
    """
    excluded: list[tuple[str, str]] = []
    roots = tuple(os.path.realpath(p) for raw in paths if raw not in ("-", LOCAL_JOURNAL)
                  for p in _globbed(raw) if os.path.isdir(p))
    for raw in paths:
        if raw in ("-", LOCAL_JOURNAL):
            continue
        for path in _globbed(raw):
            if os.path.isdir(path):
                for _ in _walk(path, lambda _: None, roots, follow_symlinks, excluded):
                    pass
    return sorted(set(excluded))


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _named_like_log(path: str) -> bool:
    name = os.path.basename(path)
    return bool(_LOG_NAME.search(name)) and not _NOT_LOGS.search(name)


def _sniffable(entry: os.DirEntry[str]) -> bool:
    """A regular file with no log-like name: `add` reads its head and keeps it, or lists it skipped."""
    try:
        return entry.is_file() and entry.name != "hostname"
    except OSError:
        return False


def input_size(path: str) -> int:
    """Return an input's size in bytes for progress (0 when unknown: stdin, pipes, the journal)."""
    try:
        return os.stat(path).st_size if path not in ("-", LOCAL_JOURNAL) else 0
    except OSError:
        return 0


def default_paths() -> list[str]:
    """Return `$MIGTRACE_LOGS` or the standard log locations that exist here, plus the local journal."""
    env = os.environ.get("MIGTRACE_LOGS")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [p for p in DEFAULT_LOCATIONS if os.path.isdir(p)] + [LOCAL_JOURNAL]
