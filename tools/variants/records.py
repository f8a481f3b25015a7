"""Read a sample set into files and records, independently of migtrace.

The variants must be derived, and their truth computed, without trusting the
product under test, so this module has its own small readers for the three
formats the sample sets use: oslo.log text files (rotated, gzip), journalctl
``short-precise`` text (devstack's coloured format) and ``journalctl -o
export`` streams.  A record is what nova's logger wrote once: its header line
(or journal entry) plus every continuation line (multi-line messages,
tracebacks, journald's one-entry-per-line split), so that dropping a DEBUG
record drops its continuation lines with it.

Times are kept as the true UTC time of the record; transforms decide how the
variant writes them.
"""

from __future__ import annotations

import gzip
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

LEVELS = ("TRACE", "DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: oslo.log line prefix: time, pid, level, logger
OSLO_PREFIX = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (?P<pid>\d+) (?P<level>[A-Z]+) (?P<logger>\S+) ")
#: a record header (not a traceback/exception-prefix line): the request block follows the logger
OSLO_HEADER_REST = re.compile(r"^\[(?!instance: )")
#: journalctl -o short-precise line
JOURNAL_LINE = re.compile(r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{6}) (?P<host>\S+) (?P<ident>[^\[\s]+)\[(?P<pid>\d+)\]: (?P<msg>.*)$")
#: devstack record start inside a journal message (after colours are stripped)
DEVSTACK_LEVEL = re.compile(r"^(?P<level>TRACE|DEBUG|INFO|AUDIT|WARNING|ERROR|CRITICAL) \S+ \[")

SERVICE_BY_NAME = (
    ("nova-compute", "n-cpu"), ("n-cpu", "n-cpu"), ("nova-api", "n-api"), ("n-api", "n-api"),
    ("nova-conductor", "n-cond"), ("n-super-cond", "n-cond"), ("n-cond", "n-cond"),
    ("nova-scheduler", "n-sch"), ("n-sch", "n-sch"),
)
SERVICE_BY_UNIT = {"devstack@n-cpu.service": "n-cpu", "devstack@n-api.service": "n-api",
                   "devstack@n-super-cond.service": "n-cond", "devstack@n-sch.service": "n-sch"}
#: lines in which a compute names the host it runs on (its resource tracker, also at INFO: the claim)
SELF_NAMING = re.compile(r"Compute_service record updated for (?P<h>[\w.-]+):|Final resource view: name=(?P<h2>[\w.-]+)"
                         r"|Claim successful on node (?P<h3>[\w-]+(?:\.[\w-]+)*)")
ROTATED = re.compile(r"^(?P<base>.+?)(?:\.(?P<num>\d+))?(?P<gz>\.gz)?$")


@dataclass(frozen=True, slots=True)
class LogFile:
    """One input file of a sample set."""

    rel: str
    fmt: str  # oslo | journal-text | journal-export
    #: file name without rotation suffix (nova-compute.log, screen-n-cpu.txt)
    base: str
    #: rotation rank: 0 = current file, 1 = .1, 2 = .2.gz (oldest first when written back)
    member: int
    host: str | None
    service: str | None
    year: int


@dataclass(slots=True)
class Rec:
    """One record: its raw lines (or journal entries) and what the rules need to know about it."""

    file: LogFile
    seq: int
    host: str | None
    time: datetime | None  # None for journal banners and boot markers (meta lines)
    level: str | None
    service: str | None = None
    #: oslo/journal text: raw lines; export: one list of (field, value) per entry
    lines: list[str] = field(default_factory=list)
    entries: list[list[tuple[str, bytes]]] = field(default_factory=list)
    text: str = ""

    @property
    def meta(self) -> bool:
        """True for lines that are no log record (journal banner, boot marker)."""
        return self.time is None


@dataclass(slots=True)
class SampleSet:
    """A sample set on disk: files, records in file order, ground truth."""

    name: str
    root: Path
    files: list[LogFile]
    records: list[Rec]
    truth: list[dict[str, object]]
    #: when the logs were collected (file mtimes of written variants)
    collected: datetime

    def hosts(self) -> list[str]:
        """Return every host that logged something, sorted (controller-like hosts first)."""
        hosts = {r.host for r in self.records if r.host}
        return sorted(hosts, key=lambda h: (not h.startswith("controller"), h))

    def computes(self) -> list[str]:
        """Return the hosts that run nova-compute."""
        return sorted({r.host for r in self.records if r.host and r.service == "n-cpu"})

    def controllers(self) -> list[str]:
        """Return hosts that run no nova-compute (API, conductor, scheduler)."""
        computes = set(self.computes())
        return [h for h in self.hosts() if h not in computes]


def service_from_name(name: str) -> str | None:
    """Return the nova service a log file name stands for."""
    for key, svc in SERVICE_BY_NAME:
        if key in name:
            return svc
    return None


def load_set(root: Path) -> SampleSet:
    """Read every log file of a sample set directory."""
    import json

    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    year = int(str(truth[0]["started"])[:4]) if truth and truth[0].get("started") else 1970
    files: list[LogFile] = []
    records: list[Rec] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in ("truth.json", "expected.json", "README.md", "hostname"):
            continue
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        m = ROTATED.match(path.name)
        assert m is not None
        base, member = m.group("base"), int(m.group("num") or 0)
        if path.name.endswith(".export"):
            lf = LogFile(rel, "journal-export", path.name, 0, None, None, year)
            recs = list(_read_export(lf, data))
        elif data.startswith(b"-- Journal") or JOURNAL_LINE.match(data.split(b"\n", 1)[0].decode("utf-8", "replace")):
            lf = LogFile(rel, "journal-text", base, member, _dir_host(root, rel), service_from_name(base), year)
            recs = list(_read_journal_text(lf, data.decode("utf-8")))
        else:
            host = _dir_host(root, rel) or _content_host(data.decode("utf-8"))
            lf = LogFile(rel, "oslo", base, member, host, service_from_name(base), year)
            recs = list(_read_oslo(lf, data.decode("utf-8")))
        files.append(lf)
        for rec in recs:
            rec.seq = len(records)
            records.append(rec)
    ends = [t for t in (r.time for r in records) if t is not None]
    return SampleSet(root.name, root, files, records, truth, max(ends))


def _dir_host(root: Path, rel: str) -> str | None:
    """Return the host a path names: `<host>/…` or a sosreport root with a `hostname` file."""
    parts = rel.split("/")
    if len(parts) < 2:
        return None
    if parts[0].startswith("sosreport-"):
        hostname = root / parts[0] / "hostname"
        if hostname.is_file():
            return hostname.read_text(encoding="utf-8").strip().split(".")[0]
        return parts[0].removeprefix("sosreport-").split("-")[0]
    return parts[0]


def _content_host(text: str) -> str | None:
    """Return the one host a compute log names as its own (resource tracker lines), if exactly one."""
    names = {m.group("h") or m.group("h2") or m.group("h3") for m in SELF_NAMING.finditer(text)}
    return names.pop() if len(names) == 1 else None


def parse_oslo_time(ts: str) -> datetime:
    """Parse an oslo.log timestamp (naive, written in UTC in every sample set)."""
    return datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def parse_journal_time(ts: str, year: int) -> datetime:
    """Parse a short-precise timestamp (no year; the sample sets' hosts run in UTC)."""
    return datetime.strptime(f"{year} {ts}", "%Y %b %d %H:%M:%S.%f").replace(tzinfo=UTC)


def _read_oslo(lf: LogFile, text: str) -> Iterator[Rec]:
    current: Rec | None = None
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        m = OSLO_PREFIX.match(line)
        if m and OSLO_HEADER_REST.match(line[m.end():]):
            if current is not None:
                yield _finish(current)
            current = Rec(lf, 0, lf.host, parse_oslo_time(m.group("ts")), m.group("level"), lf.service, [line])
        elif current is None:
            # a file starting with continuation lines (cut by rotation): its own record
            t = parse_oslo_time(m.group("ts")) if m else None
            current = Rec(lf, 0, lf.host, t, m.group("level") if m else "INFO", lf.service, [line])
        else:
            current.lines.append(line)
    if current is not None:
        yield _finish(current)


def _finish(rec: Rec) -> Rec:
    # journal text: only the messages (the host in the line prefix is attribution, not something a line says)
    lines = [m.group("msg") if (m := JOURNAL_LINE.match(ln)) else ln for ln in rec.lines] \
        if rec.file.fmt == "journal-text" else rec.lines
    rec.text = ANSI.sub("", "\n".join(lines))
    return rec


def _read_journal_text(lf: LogFile, text: str) -> Iterator[Rec]:
    current: Rec | None = None
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        m = JOURNAL_LINE.match(line)
        if not m:
            if current is not None:
                yield _finish(current)
                current = None
            yield _finish(Rec(lf, 0, lf.host, None, None, lf.service, [line]))
            continue
        msg = ANSI.sub("", m.group("msg"))
        lm = DEVSTACK_LEVEL.match(msg)
        t = parse_journal_time(m.group("ts"), lf.year)
        if lm or current is None or current.host != m.group("host"):
            if current is not None:
                yield _finish(current)
            current = Rec(lf, 0, m.group("host"), t, lm.group("level") if lm else "INFO", lf.service, [line])
        else:
            current.lines.append(line)
    if current is not None:
        yield _finish(current)


def parse_export(data: bytes) -> Iterator[list[tuple[str, bytes]]]:
    """Yield the entries of a ``journalctl -o export`` stream as ordered (field, value) lists."""
    pos, n = 0, len(data)
    entry: list[tuple[str, bytes]] = []
    while pos < n:
        nl = data.index(b"\n", pos)
        line = data[pos:nl]
        if not line:
            if entry:
                yield entry
            entry = []
            pos = nl + 1
            continue
        if b"=" in line:
            name, value = line.split(b"=", 1)
            entry.append((name.decode(), value))
            pos = nl + 1
        else:
            (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            entry.append((line.decode(), data[nl + 9:nl + 9 + size]))
            pos = nl + 9 + size + 1
    if entry:
        yield entry


def export_bytes(entries: list[list[tuple[str, bytes]]]) -> bytes:
    """Serialize entries back to the export format (binary-safe MESSAGE fields)."""
    out = bytearray()
    for entry in entries:
        for name, value in entry:
            if any(b < 0x20 and b != 0x09 for b in value):
                out += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
            else:
                out += name.encode() + b"=" + value + b"\n"
        out += b"\n"
    return bytes(out)


def _read_export(lf: LogFile, data: bytes) -> Iterator[Rec]:
    # continuation entries belong to the last record of the same stream (host, identifier, pid)
    open_recs: dict[tuple[bytes, bytes, bytes], Rec] = {}
    out: list[Rec] = []
    for entry in parse_export(data):
        fields = dict(entry)
        key = (fields.get("_HOSTNAME", b""), fields.get("SYSLOG_IDENTIFIER", b""), fields.get("_PID", b""))
        msg = ANSI.sub("", fields.get("MESSAGE", b"").decode("utf-8", "replace"))
        lm = DEVSTACK_LEVEL.match(msg)
        prev = open_recs.get(key)
        if lm or prev is None:
            t = epoch_us(int(fields["__REALTIME_TIMESTAMP"]))
            level = lm.group("level") if lm else "INFO"
            if fields.get("PRIORITY") == b"7":
                level = "DEBUG"
            unit = fields.get("_SYSTEMD_UNIT", b"").decode()
            rec = Rec(lf, 0, fields.get("_HOSTNAME", b"").decode() or None, t, level, SERVICE_BY_UNIT.get(unit),
                      [], [entry])
            open_recs[key] = rec
            out.append(rec)
        else:
            prev.entries.append(entry)
    for rec in out:
        rec.text = "\n".join(ANSI.sub("", dict(e).get("MESSAGE", b"").decode("utf-8", "replace")) for e in rec.entries)
        yield rec


def epoch_us(us: int) -> datetime:
    """Return the UTC time of a microsecond epoch, exactly (no float rounding)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
