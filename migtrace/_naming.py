"""Decide a record's service and host from the names around it.

Users rarely tell us which host or service a file came from; the file name,
the path (`<host>/var/log/nova/…`, a sosreport root), the journald unit or
the logger name usually do.  These tables are data so they can be reviewed.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from migtrace._layouts import host_from_layout

#: file-name stems / unit names / identifiers -> nova's short service names
SERVICE_NAMES: dict[str, str] = {
    "nova-compute": "n-cpu", "n-cpu": "n-cpu", "nova_compute": "n-cpu",
    "nova-api": "n-api", "n-api": "n-api", "nova-api-wsgi": "n-api", "nova-osapi_compute": "n-api",
    "nova_api": "n-api", "nova-api-os-compute": "n-api", "nova-placement-api": "placement",
    "nova-scheduler": "n-sch", "n-sch": "n-sch", "nova_scheduler": "n-sch",
    "nova-conductor": "n-cond", "n-cond": "n-cond", "n-super-cond": "n-cond",
    "n-cond-cell1": "n-cond", "nova_conductor": "n-cond", "nova-super-conductor": "n-cond",
    "nova-novncproxy": "n-novnc", "n-novnc": "n-novnc", "n-novnc-cell1": "n-novnc",
    "nova-manage": "nova-manage", "nova-metadata-api": "n-api-meta", "n-api-meta": "n-api-meta",
    "nova-api-metadata": "n-api-meta", "nova_metadata": "n-api-meta",
}

#: RDO/Packstack's older names inside /var/log/nova/ (`compute.log`, `api.log`…): other projects use
#: the same stems in their own directories (cinder's api.log, scheduler.log), so they count only in a
#: `nova` directory — except `compute.log`, which no other OpenStack service writes
RDO_SERVICE_NAMES: dict[str, str] = {
    "compute": "n-cpu", "api": "n-api", "scheduler": "n-sch", "conductor": "n-cond", "novncproxy": "n-novnc",
    "metadata-api": "n-api-meta",
}
_RDO_ANYWHERE = frozenset({"compute"})

#: logger-name prefixes -> service, for records whose file says nothing (first match wins)
LOGGER_SERVICES: tuple[tuple[str, str], ...] = (
    ("nova.compute.api", "n-api"),
    ("nova.api.", "n-api"),
    ("nova.osapi_compute", "n-api"),
    ("nova.scheduler.utils", "n-cond"),
    ("nova.scheduler.client", ""),
    ("nova.scheduler.", "n-sch"),
    ("nova.filters", "n-sch"),
    ("nova.conductor.", "n-cond"),
    ("nova.compute.", "n-cpu"),
    ("nova.virt.", "n-cpu"),
    ("os_brick.", "n-cpu"),
)

_STEM = re.compile(r"^(?:screen-)?(?:devstack@)?(?P<stem>[\w@.-]+?)(?:\.service)?(?:\.log|\.txt)?"
                   r"(?:[.-]\d+|[.-]\d{8})?(?:\.log|\.txt)?(?:\.gz|\.bz2|\.xz)?$")

#: directory names that never name a host
GENERIC_DIRS = frozenset({
    "", "log", "logs", "nova", "var", "kolla", "tmp", "opt", "stack", "journal", "sos_commands",
    "sample_logs", "home", "root", "data", "old", "archive", "rotated", "files", "compute",
    "controller-logs", "etc", "incident",
})


def service_from_name(name: str) -> str | None:
    """Map a file name, unit or SYSLOG_IDENTIFIER to nova's short service name."""
    base = os.path.basename(name.rstrip("/"))
    m = _STEM.match(base)
    stem = m.group("stem") if m else base
    for candidate in (stem, stem.removeprefix("devstack@"), re.sub(r"\[\d+\]$", "", stem)):
        if candidate in SERVICE_NAMES:
            return SERVICE_NAMES[candidate]
    for key, svc in SERVICE_NAMES.items():
        if stem.startswith(key + "."):
            return svc
    return _rdo_service(name, stem)


def _rdo_service(name: str, stem: str) -> str | None:
    """Map RDO's `/var/log/nova/compute.log`-style names (see RDO_SERVICE_NAMES)."""
    if stem not in RDO_SERVICE_NAMES:
        return None
    parent = os.path.basename(os.path.dirname(os.path.normpath(name)))
    return RDO_SERVICE_NAMES[stem] if parent == "nova" or stem in _RDO_ANYWHERE else None


@lru_cache(maxsize=1024)  # few loggers, millions of records
def service_from_logger(logger: str | None) -> str | None:
    """Guess the service of a record from its logger name."""
    if not logger:
        return None
    for prefix, svc in LOGGER_SERVICES:
        if logger.startswith(prefix):
            return svc or None
    return None


_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")


def looks_like_host(name: str) -> bool:
    """True when a path component could be a host name."""
    return bool(_HOSTNAME.match(name)) and name.lower() not in GENERIC_DIRS


def host_from_path(path: str) -> str | None:
    """Find the host a path names: a sosreport root's `hostname` file, then a collection layout.

    Only layouts that really name a host count; a plain parent directory
    does not (it is too often `incident/` or `Downloads/`).
    """
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)
    # sosreport root (has a `hostname` file) anywhere above the file
    for i in range(len(parts) - 1, 0, -1):
        root = os.sep.join(parts[:i])
        hostname_file = os.path.join(root, "hostname")
        if root and os.path.isfile(hostname_file) and os.path.isdir(os.path.join(root, "var")):
            try:
                with open(hostname_file, encoding="utf-8", errors="replace") as fh:
                    first = fh.readline().strip()
            except OSError:
                first = ""
            if first and looks_like_host(first.split(".")[0]):
                return first.split(".")[0]
            break
    # <host>/var/log/…, sosreport-HOST-…, kolla-logs-HOST.tar.gz, Zuul's <node>/logs/… (data/host_layouts.yaml)
    return host_from_layout("/".join(parts), GENERIC_DIRS)


#: lines a nova-compute writes about itself, naming its own host (resource tracker, periodic audit)
_SELF_NAMED = re.compile(r"Compute_service record updated for (?P<a>[A-Za-z0-9][\w.-]*?):"
                         r"|Final resource view: name=(?P<b>[A-Za-z0-9][\w.-]*)"
                         r"|Auditing locally available compute resources for (?:node )?(?P<c>[A-Za-z0-9][\w.-]*)"
                         r"|Claim successful on node (?P<d>[A-Za-z0-9][\w.-]*)")
#: the substrings of those lines (a targeted read scans for them too, so that it names hosts alike)
SELF_NAMING_TEXTS = _SELF_NAMED_TEXTS = frozenset({
    "Compute_service record updated for", "Final resource view: name=",
    "Auditing locally available compute resources for", "Claim successful on node"})
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\[\d+m")


def host_named_by_line(message: str) -> str | None:
    """Return the host a nova-compute line names as its own (resource tracker lines), if it is one."""
    if not any(t in message for t in _SELF_NAMED_TEXTS):
        return None
    m = _SELF_NAMED.search(_ANSI.sub("", message))
    if m is None:
        return None
    name = (m.group("a") or m.group("b") or m.group("c") or m.group("d") or "").rstrip(".")
    return name if looks_like_host(name) and name != "node" else None


def host_candidate_from_name(path: str) -> tuple[str, str, str] | None:
    """Return (host, how, parent) a file's name or folders suggest, without reading it.

    `how` is "prefix" for a host-prefixed file name (`compute1-nova-compute.log`) and "folder" for
    the nearest folder that is not a generic one (`incident/compute1/nova-compute.log`,
    `compute1/opt/stack/logs/screen-n-cpu.log`); `parent` is the folder holding that folder, so
    that a layout of per-host folders can be trusted as a whole once one of them is confirmed.
    """
    parts = [p for p in re.split(r"[/\\!]", path) if p and p != "."]
    if not parts:
        return None
    base = parts[-1]
    m = _STEM.match(base)
    stem = m.group("stem") if m else base
    for key in sorted(SERVICE_NAMES, key=len, reverse=True):
        for sep in ("-", "_", "."):
            if stem.endswith(sep + key):
                head = stem[: -len(key) - 1]
                if looks_like_host(head) and head not in SERVICE_NAMES:
                    return head, "prefix", ""
    for i in range(len(parts) - 2, -1, -1):
        name = parts[i]
        if name.lower() in GENERIC_DIRS or name.startswith("."):
            continue
        if looks_like_host(name) and service_from_name(name) is None:
            return name, "folder", "/".join(parts[:i])
        return None
    return None
