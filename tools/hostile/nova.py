"""Faithful nova log text for the hostile corpus (oslo.log file lines, journalctl JSON).

Hostile content only tests something if it reaches every output, so it is
wrapped in records the product really parses: the Queens oslo.log file
format (`[req-… user project - default default]`, DEBUG suffix, ERROR
traceback prefix; docs/nova-migration-logs.md §1.1-1.3) and `journalctl -o json`
entries (§1.5).  The ids are fixed so a case's migration can always be
named (`timeline REQ`) and found in the outputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

#: the migration of every good file (the same ids as tests/test_bad_input.py)
REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"
INSTANCE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
USER = "4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e"
PROJECT = "9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1"
PID = 12345
#: when the good migration starts; hostile records are placed around it
T0 = datetime(2018, 3, 1, 10, 0, 0, 100000)

PY = "/usr/lib/python2.7/site-packages"
DRIVER = f"{PY}/nova/virt/libvirt/driver.py"


def stamp(t: datetime) -> str:
    """oslo.log's `%(asctime)s.%(msecs)03d` (local time, no zone)."""
    return t.strftime("%Y-%m-%d %H:%M:%S") + f".{t.microsecond // 1000:03d}"


def context(req: str | None = REQ, user: str = USER, project: str = PROJECT) -> str:
    """The Queens request block; `[-]` when the thread has no context."""
    return f"[{req} {user} {project} - default default]" if req else "[-]"


def oslo(t: datetime | str, level: str, logger: str, message: str, *, req: str | None = REQ,
         instance: str | None = INSTANCE, pid: int = PID, site: tuple[str, str, int] | None = None,
         user: str = USER, project: str = PROJECT) -> str:
    """One Queens oslo.log line; `t` may be a pre-formatted (impossible) timestamp text."""
    ts = t if isinstance(t, str) else stamp(t)
    inst = f"[instance: {instance}] " if instance else ""
    suffix = f" {site[0]} {site[1]}:{site[2]}" if site and level == "DEBUG" else ""
    return f"{ts} {pid} {level} {logger} {context(req, user, project)} {inst}{message}{suffix}"


def traceback(t: datetime, logger: str, frames: Sequence[tuple[str, int, str, str]], exc: str,
              *, instance: str | None = INSTANCE, pid: int = PID) -> list[str]:
    """The ERROR-prefixed traceback oslo.log appends, ending with the bare prefix line."""
    inst = f"[instance: {instance}] " if instance else ""
    prefix = f"{stamp(t)} {pid} ERROR {logger} {inst}"
    body = ["Traceback (most recent call last):"]
    for path, line, func, code in frames:
        body += [f'  File "{path}", line {line}, in {func}', f"    {code}"]
    body.append(exc)
    return [prefix + b for b in (*body, "")]


def good_lines(t0: datetime = T0, *, req: str = REQ, instance: str = INSTANCE, dest: str = "compute2") -> list[str]:
    """A Queens source-compute log of one successful live migration (6 records)."""
    at = lambda s: t0 + timedelta(seconds=s)  # noqa: E731 - a local shorthand reads better here
    return [
        oslo(at(0), "DEBUG", "nova.virt.libvirt.driver", "Starting monitoring of live migration",
             req=req, instance=instance, site=("_live_migration", DRIVER, 7000)),
        oslo(at(5), "DEBUG", "nova.virt.libvirt.driver",
             "Migration running for 5 secs, memory 50% remaining; (bytes processed=100, remaining=100, total=200)",
             req=req, instance=instance, site=("_live_migration_monitor", DRIVER, 7429)),
        oslo(at(8), "INFO", "nova.compute.manager", "VM Paused (Lifecycle Event)", req=None, instance=instance),
        oslo(at(9), "INFO", "nova.virt.libvirt.driver", "Migration operation has completed", req=req, instance=instance),
        oslo(at(9.1), "INFO", "nova.compute.manager", "_post_live_migration() is started..", req=req, instance=instance),
        oslo(at(10.1), "INFO", "nova.compute.manager", f"Migrating instance to {dest} finished successfully.",
             req=req, instance=instance),
    ]


GOOD_RECORDS = 6


def text(lines: Sequence[str]) -> bytes:
    """Join lines as a file handler writes them (UTF-8, `\\n` after every line)."""
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def good_log() -> bytes:
    """The good file placed beside every bad input."""
    return text(good_lines())


def failure_lines(t: datetime, message: str, *, req: str = REQ, instance: str = INSTANCE,
                  logger: str = "nova.virt.libvirt.driver") -> list[str]:
    """A live-migration failure record as the source compute logs it (ERROR, error_summary suffix)."""
    return [oslo(t, "ERROR", logger, f"Live Migration failure: {message}", req=req, instance=instance)]


def journal_json(t: datetime, message: str, *, host: str = "compute1", unit: str = "devstack@n-cpu.service",
                 ident: str = "nova-compute", pid: int = 4242, cursor: int = 1, raw_fields: str = "") -> str:
    """One `journalctl -o json` line; `raw_fields` is spliced in verbatim (for hostile JSON)."""
    realtime = int((t - datetime(1970, 1, 1)).total_seconds() * 1_000_000)
    fields = {
        "__CURSOR": f"s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i={cursor:x};b=1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f;"
                    f"m={cursor:x};t={realtime:x};x={cursor:016x}",
        "__REALTIME_TIMESTAMP": str(realtime),
        "_HOSTNAME": host,
        "_SYSTEMD_UNIT": unit,
        "SYSLOG_IDENTIFIER": ident,
        "_PID": str(pid),
        "PRIORITY": "6",
        "MESSAGE": message,
    }
    body = json.dumps(fields, separators=(",", ":"))
    return body[:-1] + ("," + raw_fields if raw_fields else "") + "}"


def devstack_message(level: str, logger: str, message: str, *, req: str | None = REQ,
                     instance: str | None = INSTANCE) -> str:
    """A devstack journald MESSAGE (no time, no pid; names as identity) without colours."""
    inst = f"[instance: {instance}] " if instance else ""
    ident = f"[None {req} admin admin]" if req else "[-]"
    return f"{level} {logger} {ident} {inst}{message}"
