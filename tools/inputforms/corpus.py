"""Read a sample set of sample_logs/ as hosts, files and records, the raw material of every form.

The forms re-dress records the way real transports do, so they need to know
where a record starts (an oslo header), which host and program wrote it, and
its time.  This reader is deliberately independent of migtrace's own parsers:
the test data must not inherit the product's blind spots.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

#: an oslo.log file header: time, pid, level, logger (every release the sets cover)
OSLO_HEADER = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (?P<pid>\d+) "
    r"(?P<level>TRACE|DEBUG|INFO|AUDIT|WARNING|ERROR|CRITICAL) (?P<logger>\S+) (?P<rest>.*)$"
)
#: oslo.log context block right after the logger: `[req-… …]`, `[None req-… …]` or `[-]`
CONTEXT = re.compile(r"^\[(?P<ctx>[^\]]*)\] ?(?P<msg>.*)$", re.S)
INSTANCE = re.compile(r"^\[instance: (?P<uuid>[0-9a-f-]{36})\] ?")

#: file-name stem -> the program name nova's packaging gives the service
PROGRAMS = {
    "nova-compute": "nova-compute", "nova-api": "nova-api", "nova-scheduler": "nova-scheduler",
    "nova-conductor": "nova-conductor",
}


@dataclass(frozen=True, slots=True)
class Record:
    """One oslo.log record: its header line and any continuation lines below it."""

    lines: tuple[str, ...]
    time: datetime | None
    pid: int | None
    level: str | None
    logger: str | None

    @property
    def text(self) -> str:
        """The record as one string, continuation lines joined with newlines."""
        return "\n".join(self.lines)

    def fields(self) -> dict[str, str | None]:
        """Split the header into what structured transports carry as fields."""
        m = OSLO_HEADER.match(self.lines[0])
        if not m:
            return {"message": self.text}
        rest = m.group("rest")
        out: dict[str, str | None] = {"context": None, "instance": None}
        c = CONTEXT.match(rest)
        if c:
            out["context"] = c.group("ctx")
            rest = c.group("msg")
        i = INSTANCE.match(rest)
        if i:
            out["instance"] = i.group("uuid")
        out["message"] = "\n".join((rest, *self.lines[1:]))
        return out


@dataclass(slots=True)
class LogFile:
    """One clean log file of a set, with the host and program it belongs to."""

    set_name: str
    rel: str            # path inside the set, POSIX form
    host: str
    program: str
    gz: bool
    lines: list[str] = field(default_factory=list)

    @property
    def is_oslo(self) -> bool:
        """True for oslo.log text files (the forms that re-dress records need them)."""
        head = [ln for ln in self.lines[:20] if ln]
        return bool(head) and sum(1 for ln in head if OSLO_HEADER.match(ln)) * 2 > len(head)

    def records(self) -> Iterator[Record]:
        """Yield records: a header line opens one, other lines continue the one above."""
        cur: list[str] = []
        meta: re.Match[str] | None = None
        for line in self.lines:
            m = OSLO_HEADER.match(line)
            if m and cur:
                yield _record(cur, meta)
                cur = []
            if m or not cur:
                meta = m
            cur.append(line)
        if cur:
            yield _record(cur, meta)


def _record(lines: list[str], m: re.Match[str] | None) -> Record:
    if m is None:
        return Record(tuple(lines), None, None, None, None)
    when = datetime.fromisoformat(m.group("ts")).replace(tzinfo=UTC)
    return Record(tuple(lines), when, int(m.group("pid")), m.group("level"), m.group("logger"))


def program_of(name: str) -> str:
    """Name the program from a file name (`nova-compute.log.1` -> nova-compute)."""
    stem = re.sub(r"^screen-", "", name.split(".", maxsplit=1)[0])
    return PROGRAMS.get(stem, {"n-cpu": "nova-compute", "n-api": "nova-api", "n-sch": "nova-scheduler",
                               "n-super-cond": "nova-conductor"}.get(stem, stem))


def read_set(root: Path) -> list[LogFile]:
    """Return every log file of a sample set (truth, README and journal exports excluded)."""
    files: list[LogFile] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in ("README.md", "truth.json", "expected.json", "hostname"):
            continue
        if path.name.endswith(".journal.export"):
            continue
        rel = path.relative_to(root).as_posix()
        top = rel.split("/")[0]
        host = top
        if top.startswith("sosreport-"):
            host = (root / top / "hostname").read_text().strip()
        gz = path.suffix == ".gz"
        data = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
        text = data.decode("utf-8")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if "/" not in rel:  # a file at the set's root: no folder names its host, its own lines may
            host = self_named_host(lines) or root.name
        files.append(LogFile(root.name, rel, host, program_of(path.name), gz, lines))
    return files


#: lines a compute writes about itself: the resource tracker's periodic report of its own node
SELF_NAMING = re.compile(r"Compute_service record updated for (?P<host>[^\s:]+):|Final resource view: name=(?P<node>\S+)")


def self_named_host(lines: list[str]) -> str | None:
    """Return the one host a file's resource-tracker lines name, else None (none, or several)."""
    names = {m.group("host") or m.group("node") for ln in lines if (m := SELF_NAMING.search(ln))}
    return names.pop() if len(names) == 1 else None


def read_truth(root: Path) -> list[dict[str, object]]:
    """Return the set's ground truth (one object per migration)."""
    return list(json.loads((root / "truth.json").read_text()))
