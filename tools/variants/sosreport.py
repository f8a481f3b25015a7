"""A sosreport tarball, as `sos report` writes one, deterministic byte for byte.

Only what a nova incident needs, laid out like sos 4.x: the report root
``sosreport-<host>-<date>-<tag>/`` with ``hostname``, ``date``, ``uname``,
``version.txt``, ``sos_commands/{host,date,kernel,logs}/…``,
``etc/nova/nova.conf`` and ``var/log/nova/…``.  Every member has a fixed
mtime, owner and mode, so regenerating gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from datetime import datetime
from pathlib import Path


def report_name(host: str, when: datetime) -> str:
    """Return ``sosreport-<host>-<date>-<tag>`` (the tag is stable per host and date)."""
    tag = hashlib.sha256(f"{host}{when:%Y%m%d}".encode()).hexdigest()
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in tag[:7])
    return f"sosreport-{host}-{when:%Y-%m-%d}-{letters}"


def standard_files(host: str, when: datetime, debug: bool) -> dict[str, bytes]:
    """Return the small files every report has (relative to its root)."""
    date = when.strftime("%a %b %d %H:%M:%S UTC %Y") + "\n"
    uname = f"Linux {host} 5.15.0-91-generic #101-Ubuntu SMP x86_64 x86_64 x86_64 GNU/Linux\n"
    return {
        "hostname": f"{host}\n".encode(),
        "date": date.encode(),
        "uname": uname.encode(),
        "version.txt": b"sosreport: 4.5.6\n",
        "sos_commands/host/hostname": f"{host}\n".encode(),
        "sos_commands/date/date": date.encode(),
        "sos_commands/kernel/uname_-a": uname.encode(),
        "etc/nova/nova.conf": f"[DEFAULT]\nhost = {host}\ndebug = {debug}\nlog_dir = /var/log/nova\n".encode(),
    }


def write_tarball(path: Path, root: str, files: dict[str, bytes], mtime: datetime) -> None:
    """Write `files` under `root/` as a reproducible .tar.xz."""
    stamp = int(mtime.timestamp())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs: set[str] = set()
        for rel in sorted(files):
            parts = f"{root}/{rel}".split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    tar.addfile(_info(d, tarfile.DIRTYPE, 0o755, stamp, 0))
            data = files[rel]
            tar.addfile(_info(f"{root}/{rel}", tarfile.REGTYPE, 0o644, stamp, len(data)), io.BytesIO(data))
    import lzma

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(buf.getvalue(), format=lzma.FORMAT_XZ, preset=6))


def _info(name: str, kind: bytes, mode: int, mtime: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = mtime
    info.size = size
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info
