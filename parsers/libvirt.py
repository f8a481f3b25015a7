"""libvirtd.log and QEMU instance logs (/var/log/libvirt/qemu/<domain>.log): the hypervisor's side of a migration.

Much of a failed migration's evidence is here, not in nova: the seclabel
mismatch, `End of file while reading data`, an RBD `Operation not permitted`.

- libvirtd.log (virlog.c virLogFormatString): `2018-03-14 06:41:14.265+0000: 1880: error :
  virNetClientProgramDispatchError:177 : MESSAGE`; the daemon's start lines (`info : libvirt
  version: …`, `info : hostname: H`) have no FUNCTION:LINE.
- QEMU instance log: libvirt's own lines `2018-03-14 08:30:53.401+0000: starting up …` /
  `shutting down, reason=migrated` / `initiating migration`, QEMU's stderr with `-msg
  timestamp=on` (`2018-03-14T08:30:53.401882Z qemu-system-x86_64: …`), and the environment
  and command line after `starting up`, which are continuation lines of that record.  The
  command line's `-uuid` is the nova instance: every record of the file carries it.
- The host: libvirtd writes `info : hostname: H` when it opens its log (after a
  restart, a rotation); in a file whose host nothing else gave (no
  `--host-alias`, no `<host>/var/log/libvirt/…` layout) the records from that
  line on are H's.  A host already known is kept: the daemon may print a
  longer name (FQDN) than the one nova's records use.

A libvirt line inside another input (a paste of nova and libvirt lines) is
read by `record()` from the oslo parser, so format is decided per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from migtrace._timeutil import localize
from migtrace.model import Event
from migtrace.parsers._base import Head, InputData, ParseContext, Sample

_TS = r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d{4})"
patterns: dict[str, re.Pattern[str]] = {
    "libvirtd": re.compile(_TS + r": (?P<pid>\d+): (?P<level>debug|info|warning|error) : "
                           r"(?:(?P<func>[A-Za-z_]\w*):(?P<line>\d+) : )?(?P<message>.*)$"),
    "qemu-libvirt": re.compile(_TS + r": (?P<message>(?:starting up|shutting down|initiating migration"
                               r"|Domain id=|domain is tainted|migration )[^\n]*)$"),
    "qemu": re.compile(r"(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (?P<func>qemu-(?:system-\w+|kvm)): "
                       r"(?P<message>.*)$"),
}
_LEVELS = {"debug": "DEBUG", "info": "INFO", "warning": "WARNING", "error": "ERROR"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_QEMU_UUID = re.compile(r"\s-uuid (?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def match(text: str) -> tuple[str, re.Match[str]] | None:
    """Return (variant, match) when the line opens a libvirt or QEMU record with a possible date."""
    if not text[:1].isdigit() or text[4:5] != "-":
        return None
    for variant, pattern in patterns.items():
        m = pattern.match(text)
        if m is not None:
            try:
                _time(m.group("ts"))
            except ValueError:
                return None  # an impossible date: not a record (counted unparsed by the caller)
            return variant, m
    return None


def _time(ts: str) -> datetime:
    if ts.endswith("Z"):
        ts = ts[:-1] + "+00:00"
    return datetime.fromisoformat(ts)


def record(variant: str, m: re.Match[str], ctx: ParseContext, lineno: int, fmt: str,
           instance: str | None = None) -> Event:
    """Build the Event of one libvirt/QEMU header line."""
    groups = m.groupdict()
    message = groups["message"]
    level = _LEVELS.get(groups.get("level") or "", "ERROR" if "error" in message.lower() else "INFO")
    found = _UUID.search(message)
    service = "libvirtd" if variant == "libvirtd" else "qemu"
    return Event(
        time=localize(_time(groups["ts"]), ctx.tz), time_text=groups["ts"], message=message,
        host=ctx.host, service=service, pid=int(groups["pid"]) if groups.get("pid") else None, level=level,
        logger=f"{service}.{groups['func']}" if groups.get("func") else service,
        instance=found.group(0) if found else instance, source=ctx.path, lineno=lineno, fmt=fmt)


class LibvirtParser:
    """Parser for libvirtd.log and QEMU instance logs."""

    name = "libvirt"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        Sample("2017-03-04 11:36:50.484+0000: 171461: error : virNetSocketReadWire:1568 : End of file while "
               "reading data: Input/output error", "libvirtd",
               {"level": "error", "func": "virNetSocketReadWire", "pid": "171461"}),
        Sample("2018-03-14 06:13:02.118+0000: 1874: info : hostname: compute1", "libvirtd",
               {"level": "info", "message": "hostname: compute1"}),
        Sample("2023-03-07 09:51:58.946+0000: shutting down, reason=migrated", "qemu-libvirt",
               {"message": "shutting down, reason=migrated"}),
        Sample("2023-03-07T09:51:58.913107Z qemu-system-x86_64: terminating on signal 15 from pid 1821 "
               "(/usr/sbin/libvirtd)", "qemu", {"func": "qemu-system-x86_64"}),
    )

    def sniff(self, head: Head) -> float:
        """Score the share of head lines that open a libvirt/QEMU record (command lines continue them)."""
        filled = [h for h in head.lines if h.strip()]
        if not filled:
            return 0.0
        hits = sum(1 for h in filled if match(h) is not None)
        if hits == 0:
            return 0.0
        # a QEMU log has few headers and long command-line continuations: its first line is enough
        first = match(filled[0])
        return max(hits / len(filled), 0.6 if first is not None and first[0] == "qemu-libvirt" else 0.0)

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Yield one Event per record; the lines after a header (environment, command line) continue it."""
        instance: str | None = None
        pending: tuple[str, re.Match[str], int, list[str]] | None = None
        for lineno, text in data.lines():
            ctx.stats.lines_read += 1
            if instance is None and " -uuid " in text:
                um = _QEMU_UUID.search(text)
                instance = um.group("uuid") if um else None
            found = match(text)
            if found is not None:
                if pending is not None:
                    yield self._emit(pending, ctx, instance)
                if (ctx.host is None and found[0] == "libvirtd"
                        and found[1].group("message").startswith("hostname: ")):
                    # the daemon names its host when it opens its log: the host of the file's records
                    ctx.host = found[1].group("message")[10:].strip() or None
                pending = (found[0], found[1], lineno, [])
                ctx.stats.record_lines += 1
            elif pending is not None:
                pending[3].append(text)
                ctx.stats.continuation_lines += 1
            elif text.strip():
                ctx.unparsed(lineno, text)
            else:
                ctx.stats.meta_lines += 1
        if pending is not None:
            yield self._emit(pending, ctx, instance)

    def _emit(self, pending: tuple[str, re.Match[str], int, list[str]], ctx: ParseContext,
              instance: str | None) -> Event:
        variant, m, lineno, extra = pending
        ctx.stats.records += 1
        event = record(variant, m, ctx, lineno, self.name, instance)
        return event.replace(extra=tuple(extra), line_count=1 + len(extra)) if extra else event


PARSER = LibvirtParser()
