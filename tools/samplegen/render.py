"""Turn `Record`s into the bytes a release and deployment really writes.

Two families:
- oslo.log file handlers (`/var/log/nova/*.log`): Kilo (oslo.log 1.0, ``- - -``
  identity, TRACE traceback prefix), Queens (``- default default``, ERROR
  prefix, error_summary suffix) and Zed (``[None req-…]`` / global id first);
- devstack's systemd/journald setup (no time or pid in the record, ANSI
  colours hard-coded in the format, one journal entry per physical line).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tools.samplegen.core import Record, Release

LEVEL_COLORS = {
    "DEBUG": "\x1b[00;32m",
    "INFO": "\x1b[00;36m",
    "AUDIT": "\x1b[01;36m",
    "WARNING": "\x1b[01;33m",
    "ERROR": "\x1b[01;31m",
    "CRITICAL": "\x1b[01;31m",
}
RESET = "\x1b[00m"


def _dash(value: str | None) -> str:
    return value if value else "-"


def oslo_identity(rec: Record, release: Release) -> str:
    """Return the bracketed request block for an oslo file log line."""
    ctx = rec.ctx
    if ctx.request_id is None:
        return "[-]"
    user, project = _dash(ctx.user_id), _dash(ctx.project_id)
    style = release.identity or release.era
    if style == "kilo":
        return f"[{ctx.request_id} {user} {project} - - -]"
    if style == "queens":
        tail = "- default default" if ctx.user_id else "- - -"
        return f"[{ctx.request_id} {user} {project} {tail}]"
    tail = "- - default default" if ctx.user_id else "- - - -"
    return f"[{ctx.global_id or 'None'} {ctx.request_id} {user} {project} {tail}]"


def _message_with_suffixes(rec: Record, error_summary: bool) -> str:
    msg = rec.message
    if error_summary and rec.summary and rec.level in ("WARNING", "ERROR", "CRITICAL"):
        msg = f"{msg}: {rec.summary}"
    return msg


def render_oslo(rec: Record, release: Release, pid: int) -> list[str]:
    """Render one record as oslo.log file lines (header, continuation, traceback)."""
    ts = rec.t.strftime("%Y-%m-%d %H:%M:%S") + f".{rec.t.microsecond // 1000:03d}"
    inst = f"[instance: {rec.instance}] " if rec.instance else ""
    msg = _message_with_suffixes(rec, release.error_summary)
    if rec.site is not None:
        func, path, line = rec.site
        msg = f"{msg} {func} {path}:{line}"
    head = f"{ts} {pid} {rec.level} {rec.logger} {oslo_identity(rec, release)} {inst}{msg}"
    lines = head.split("\n")
    if rec.tb:
        prefix = f"{ts} {pid} {release.trace_word} {rec.logger} {inst}"
        for tb_line in (*rec.tb, ""):
            lines.append(prefix + tb_line)
    return lines


def render_devstack(rec: Record, pid: int) -> str:
    """Render one record as devstack's colourised stdout text (may contain newlines)."""
    color = LEVEL_COLORS[rec.level]
    inst = f"[instance: {rec.instance}] " if rec.instance else ""
    msg = _message_with_suffixes(rec, True)
    ctx = rec.ctx
    if ctx.request_id is None:
        text = f"{color}{rec.level} {rec.logger} [\x1b[00;36m-{color}] \x1b[01;35m{inst}{color}{msg}{RESET}"
    else:
        text = (
            f"{color}{rec.level} {rec.logger} [\x1b[01;36m{ctx.global_id or 'None'} {ctx.request_id} "
            f"\x1b[00;36m{ctx.project_name or 'None'} {ctx.user_name or 'None'}{color}] "
            f"\x1b[01;35m{inst}{color}{msg}{RESET}"
        )
    if rec.site is not None:
        func, path, line = rec.site
        text += f" \x1b[00;33m{{{{(pid={pid}) {func} {path}:{line}}}}}{RESET}"
    if rec.tb:
        prefix = f"ERROR {rec.logger} \x1b[01;35m{inst}{RESET}"
        text += "\n" + "\n".join(prefix + line for line in (*rec.tb, ""))
    return text + RESET


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journald entry produced from a line of a service's stdout."""

    t: datetime
    host: str
    unit: str
    identifier: str
    pid: int
    message: str


def journal_entries(rec: Record, text: str, unit: str, identifier: str, pid: int) -> Iterator[JournalEntry]:
    """Split a record's text into per-line journal entries, a few µs apart as journald stamps them."""
    for i, line in enumerate(text.split("\n")):
        yield JournalEntry(rec.t + timedelta(microseconds=3 * i), rec.host, unit, identifier, pid, line)


def short_precise(entry: JournalEntry) -> str:
    """Format an entry as ``journalctl -a -o short-precise`` prints it (host in UTC)."""
    stamp = entry.t.strftime("%b %d %H:%M:%S") + f".{entry.t.microsecond:06d}"
    return f"{stamp} {entry.host} {entry.identifier}[{entry.pid}]: {entry.message}"
