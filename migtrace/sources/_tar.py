"""Read tarballs (.tar, .tar.gz/.tgz, .tar.xz, .tar.bz2, sosreport-*.tar.xz) member by member, never extracted.

A sosreport or a `kolla-logs-HOST.tar.gz` is how logs often arrive.  Each
log member becomes an input of its own — with its host (the sosreport's
`hostname` member, or a `<host>/var/log/…` path inside the archive), its
service and its place in its rotated set — so records of different files are
merged in time like those of files on disk.  Members are found in one
streaming pass that also sniffs each member's head (pod logs in a sosreport
have no log-like name); reading a member later streams the archive again up
to it.  Nothing is written to disk.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from migtrace._layouts import host_from_layout, is_host_name
from migtrace._naming import GENERIC_DIRS
from migtrace.parsers._base import Head
from migtrace.parsers.opensearch import readable_head
from migtrace.sources._open import (
    HEAD_BYTES,
    READ_ERRORS,
    decompressing,
    head_lines,
    is_compressed,
    open_raw,
    peek_magic,
)
from migtrace.sources._sniff import known_nonlog

#: a tar header's magic, at this offset of the (decompressed) first block
USTAR_AT = 257

#: members named like this are never logs (configuration, scripts, pictures)
_NEVER_LOGS = (".conf", ".ini", ".yaml", ".yml", ".py", ".sh", ".html", ".png", ".pid", ".lock", ".md")


#: what reading a head that is no (readable) tarball raises
_NOT_TAR: tuple[type[BaseException], ...] = (*READ_ERRORS, ValueError)


@dataclass(frozen=True, slots=True)
class Member:
    """One log member of an archive, as discovery lists it."""

    archive: str
    name: str
    offset: int
    size: int
    host: str | None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A member (or file) that is not read, and why."""

    name: str
    reason: str


def is_tarball(path: str) -> bool:
    """True when the file (after decompression) is a tar archive; never raises."""
    try:
        with open_raw(path) as raw:
            stream = decompressing(raw, peek_magic(raw))
            block = stream.read(512)
    except _NOT_TAR:
        # a corrupt compressed head is no tarball: the reader reports the damage
        return False
    return len(block) >= USTAR_AT + 5 and block[USTAR_AT:USTAR_AT + 5] == b"ustar"


def list_members(archive: str, warn: Callable[[str], None]) -> tuple[list[Member], list[Skipped]]:
    """Return the archive's log members (sniffed by content) and the members skipped, in one pass."""
    members: list[Member] = []
    skipped: list[Skipped] = []
    hosts: dict[str, str] = {}
    try:
        with open_raw(archive) as raw, tarfile.open(fileobj=decompressing(raw, peek_magic(raw)), mode="r|") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                fh = tar.extractfile(info)
                head = fh.read(min(info.size, HEAD_BYTES)) if fh is not None else b""
                root, _, rest = info.name.partition("/")
                if rest == "hostname":
                    name = head.decode("utf-8", "replace").strip().split("\n")[0]
                    if is_host_name(name, GENERIC_DIRS):
                        hosts[root] = name
                    continue
                reason = _not_a_log(info.name, head)
                if reason:
                    skipped.append(Skipped(info.name, reason))
                    continue
                members.append(Member(archive, info.name, info.offset_data, info.size, None))
    except (OSError, EOFError, tarfile.TarError) as exc:
        warn(f"{archive}: damaged archive ({exc}); {len(members)} members found before it")
    return [_with_host(m, hosts) for m in members], skipped


def _plain_head(head: bytes) -> bytes:
    """The decompressed start of a compressed member (a rotated `.gz` log), as far as its head reaches."""
    if not is_compressed(head[:8]):
        return head
    stream = decompressing(io.BytesIO(head), head[:8])
    out = b""
    try:
        while len(out) < HEAD_BYTES:
            chunk = stream.read1(HEAD_BYTES)  # type: ignore[attr-defined]
            if not chunk:
                break
            out += chunk
    except READ_ERRORS:
        pass  # the head ends inside the compressed stream: what was decompressed is enough to sniff
    return out


def _not_a_log(name: str, head: bytes) -> str | None:
    base = os.path.basename(name)
    if base.lower().endswith(_NEVER_LOGS):
        return "not a log (by name)"
    head = _plain_head(head)
    if not head.strip():
        return "empty"
    kind = known_nonlog(head.decode("utf-8", "replace"))
    if kind is not None:
        return f"not a log ({kind})"
    from migtrace.parsers import registry  # noqa: PLC0415 - every parser: only when a tarball's members are listed

    lines = readable_head(head_lines(head))
    if registry.sniff(Head(path=base, data=head, lines=lines)) is None:
        return "no log format recognised"
    return None


def _with_host(m: Member, hosts: dict[str, str]) -> Member:
    root = m.name.split("/", 1)[0]
    # the sosreport's `hostname` member, else the layout of the archive's path and the member's name
    # (`kolla-logs-HOST.tar.gz`, `<host>/var/log/…`, Zuul's `<node>/logs/…`: data/host_layouts.yaml)
    host = hosts.get(root) or host_from_layout(f"{os.path.abspath(m.archive)}/{m.name}", GENERIC_DIRS)
    return Member(m.archive, m.name, m.offset, m.size, host)


def open_member(archive: str, offset: int, size: int) -> BinaryIO:
    """Return a stream of one member's bytes: the archive decompressed and read up to it, never extracted."""
    raw = open_raw(archive)
    stream = decompressing(raw, peek_magic(raw))
    if stream is raw and raw.seekable():
        raw.seek(offset)
    else:
        _skip(stream, offset)
    return io.BufferedReader(_Slice(stream, size, raw), buffer_size=1 << 20)


def _skip(stream: BinaryIO, count: int) -> None:
    while count > 0:
        got = stream.read(min(count, 1 << 20))
        if not got:
            raise EOFError("archive ends before the member")
        count -= len(got)


class _Slice(io.RawIOBase):
    """`size` bytes of a stream, then end of file; closing closes the archive."""

    def __init__(self, stream: BinaryIO, size: int, raw: BinaryIO) -> None:
        self._stream = stream
        self._left = size
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        data = self._stream.read(min(len(buffer), self._left))
        n = len(data)
        buffer[:n] = data
        self._left -= n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def iter_names(members: list[Member]) -> Iterator[str]:
    """The members' names (for messages)."""
    return (m.name for m in members)
