"""Write a generated set to disk the way users collect logs (files, rotation, journal exports)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from tools.samplegen.core import Record
from tools.samplegen.readme import readme_text
from tools.samplegen.render import JournalEntry, journal_entries, render_devstack, render_oslo, short_precise
from tools.samplegen.sets import SampleSet

FILE_NAMES = {"n-api": "nova-api.log", "n-cond": "nova-conductor.log", "n-sch": "nova-scheduler.log",
              "n-cpu": "nova-compute.log"}
UNITS = {"n-api": ("devstack@n-api.service", "devstack@n-api.service", "uwsgi", "screen-n-api.txt"),
         "n-cond": ("devstack@n-super-cond.service", "nova-conductor", "nova-conductor", "screen-n-super-cond.txt"),
         "n-sch": ("devstack@n-sch.service", "nova-scheduler", "nova-scheduler", "screen-n-sch.txt"),
         "n-cpu": ("devstack@n-cpu.service", "nova-compute", "nova-compute", "screen-n-cpu.txt")}


def _by_file(records: Iterable[Record]) -> dict[tuple[str, str], list[Record]]:
    out: dict[tuple[str, str], list[Record]] = {}
    for rec in records:
        out.setdefault((rec.host, rec.service), []).append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: r.t)
    return out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _gzip(data: bytes, name: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def write_set(sset: SampleSet, root: Path) -> None:
    """Write one sample set (logs, truth.json, README.md) under root/<name>."""
    base = root / sset.name
    if sset.env.sim.release.era == "caracal":
        _write_devstack(sset, base)
    else:
        _write_oslo(sset, base)
    truths = sorted(sset.env.truths, key=lambda tr: tr.started)
    doc = [tr.as_json() for tr in truths]
    _write(base / "truth.json", (json.dumps(doc, indent=2) + "\n").encode())
    _write(base / "README.md", readme_text(sset, truths).encode())


# ---- oslo file layouts ---------------------------------------------------------------------

ROTATION = {
    "queens-files": ("compute1", "n-cpu", (7, 15), (8, 20)),
    "kilo-files": ("compute2", "n-cpu", (13, 35), (14, 5)),
}


def _oslo_path(sset: SampleSet, host: str, service: str) -> Path | None:
    paths = sset.extra.get("paths")
    if isinstance(paths, dict):
        # only these files were collected (e.g. one compute's log attached to a ticket)
        named = paths.get((host, service))
        return None if named is None else Path(named)
    if sset.name == "zed-mixed" and host == "compute1":
        return Path("sosreport-compute1-2023-03-07-abcdef") / "var/log/nova" / FILE_NAMES[service]
    return Path(host) / "var/log/nova" / FILE_NAMES[service]


def _write_oslo(sset: SampleSet, base: Path) -> None:
    rel = sset.env.sim.release
    pids = sset.env.sim.pids
    restart = sset.extra.get("restart")
    for (host, service), recs in sorted(_by_file(sset.env.sim.records).items()):
        where = _oslo_path(sset, host, service)
        if where is None:
            continue
        if not sset.env.debug:
            # debug = False: nova never formats a DEBUG record at all
            recs = [r for r in recs if r.level != "DEBUG"]

        def pid_of(r: Record, host: str = host, service: str = service) -> int:
            if r.pid:
                return r.pid
            if isinstance(restart, tuple) and host == restart[0] and r.t >= restart[1]:
                return int(restart[2])
            return int(pids[host][service])

        lines = [(r.t, line) for r in recs for line in render_oslo(r, rel, pid_of(r))]
        path = base / where
        rot = ROTATION.get(sset.name)
        if rot and rot[0] == host and rot[1] == service:
            day = sset.start
            cut2 = day.replace(hour=rot[2][0], minute=rot[2][1], second=0, microsecond=0)
            cut1 = day.replace(hour=rot[3][0], minute=rot[3][1], second=0, microsecond=0)
            older = "".join(f"{ln}\n" for t, ln in lines if t < cut2).encode()
            old = "".join(f"{ln}\n" for t, ln in lines if cut2 <= t < cut1).encode()
            cur = "".join(f"{ln}\n" for t, ln in lines if t >= cut1).encode()
            _write(path.with_name(path.name + ".2.gz"), _gzip(older, path.name + ".2"))
            _write(path.with_name(path.name + ".1"), old)
            _write(path, cur)
        else:
            _write(path, "".join(f"{ln}\n" for _, ln in lines).encode())
    if sset.name == "zed-mixed":
        _write(base / "sosreport-compute1-2023-03-07-abcdef" / "hostname", b"compute1\n")


# ---- devstack / journald -------------------------------------------------------------------

def _hex(seed: str, n: int = 32) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _banner(start: datetime, end: datetime) -> str:
    fmt = "%a %Y-%m-%d %H:%M:%S UTC"
    return f"-- Journal begins at {start.strftime(fmt)}, ends at {end.strftime(fmt)}. --"


def _devstack_entries(sset: SampleSet) -> list[tuple[JournalEntry, str]]:
    """Return every journal entry of the set with the service key it came from."""
    pids = sset.env.sim.pids
    restart = sset.extra.get("restart")
    out: list[tuple[JournalEntry, str]] = []
    for (host, service), recs in _by_file(sset.env.sim.records).items():
        unit, ident, _, _ = UNITS[service]
        for rec in recs:
            pid = pids[host]["n-api" if service == "n-api" else service]
            if restart and host == restart[0] and rec.t >= restart[1]:
                pid = restart[2]
            suffix_pid = rec.pid or pid
            text = render_devstack(rec, suffix_pid)
            for entry in journal_entries(rec, text, unit, ident, pid):  # type: ignore[arg-type]
                out.append((entry, service))
    out.sort(key=lambda e: (e[0].t, e[0].host))
    return out


def _write_devstack(sset: SampleSet, base: Path) -> None:
    entries = _devstack_entries(sset)
    banner = _banner(sset.start, sset.end)
    restart = sset.extra.get("restart")
    per_file: dict[tuple[str, str], list[str]] = {}
    booted: set[str] = set()
    for entry, service in entries:
        key = (entry.host, service)
        lines = per_file.setdefault(key, [banner])
        if restart and entry.host == restart[0] and entry.t >= restart[1] and key not in booted:
            booted.add(key)
            lines.append(f"-- Boot {_hex(entry.host + 'boot2')} --")
        lines.append(short_precise(entry))
    for (host, service), lines in sorted(per_file.items()):
        _write(base / host / UNITS[service][3], ("\n".join(lines) + "\n").encode())
    _write(base / "devstack.journal.export", export_bytes(sset, entries))


def _boot(sset: SampleSet, host: str, t: datetime) -> tuple[str, datetime]:
    restart = sset.extra.get("restart")
    if restart and host == restart[0] and t >= restart[1]:
        return _hex(host + "boot2"), restart[1].replace(minute=restart[1].minute - 1, second=7)
    return _hex(host + "boot1"), sset.start.replace(hour=7, minute=41, second=2, microsecond=315000)


def export_bytes(sset: SampleSet, entries: list[tuple[JournalEntry, str]]) -> bytes:
    """Serialize entries in the ``journalctl -o export`` format (binary MESSAGE fields)."""
    out = bytearray()
    seq: dict[str, int] = {}
    for entry, service in entries:
        host = entry.host
        seq[host] = seq.get(host, 1000) + 1
        boot_id, boot_t = _boot(sset, host, entry.t)
        real = int(entry.t.timestamp() * 1_000_000)
        mono = real - int(boot_t.timestamp() * 1_000_000)
        seqnum_id = _hex(host + "seqnum")
        xor = _hex(f"{host}{seq[host]}", 16)
        unit, ident, _, _ = UNITS[service]
        fields: list[tuple[str, str | bytes]] = [
            ("__CURSOR", f"s={seqnum_id};i={seq[host]:x};b={boot_id};m={mono:x};t={real:x};x={xor}"),
            ("__REALTIME_TIMESTAMP", str(real)),
            ("__MONOTONIC_TIMESTAMP", str(mono)),
            ("_BOOT_ID", boot_id),
            ("_TRANSPORT", "stdout"),
            ("PRIORITY", "6"),
            ("SYSLOG_IDENTIFIER", ident),
            ("MESSAGE", entry.message.encode()),
            ("_PID", str(entry.pid)),
            ("_SYSTEMD_UNIT", unit),
            ("_HOSTNAME", host),
        ]
        for name, value in fields:
            if isinstance(value, bytes) and any(b < 0x20 and b != 0x09 for b in value):
                out += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
            else:
                raw = value if isinstance(value, bytes) else value.encode()
                out += name.encode() + b"=" + raw + b"\n"
        out += b"\n"
    return bytes(out)
