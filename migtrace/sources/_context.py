"""Decide what a record cannot say about itself: host, service, time zone and year of its input.

The user's word wins (`--host-alias`, `--tz PATH=ZONE`, `--year`), then what
the path says (`<host>/var/log/…`, a sosreport root, the file name), then the
file's modification time for the year journalctl leaves out.  The context
remembers where its host came from, so that a host a record or its wrapper
names (syslog HOSTNAME, a Loki label, OpenSearch's Hostname, journald's
`_HOSTNAME`) replaces one read from the path but never one the user gave:
user > record > path.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo

from migtrace._naming import host_from_path, service_from_name
from migtrace._timeutil import zone_named
from migtrace.model import FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext


def _last_match(path: str, table: Mapping[str, str]) -> str | None:
    """Return the value of the last entry whose path, directory prefix or glob covers `path`."""
    found = None
    for prefix, value in table.items():
        if path == prefix or path.startswith(prefix.rstrip("/") + "/") or fnmatch.fnmatch(path, prefix):
            found = value
    return found


def _year_of(path: str) -> int | None:
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).year
    except OSError:
        return None


def parse_context(path: str, display: str, stats: FileStats, options: LoadOptions,
                  terms: frozenset[str], warn: Callable[[str], None], named: str | None = None) -> ParseContext:
    """Return the context a parser reads one input with, and note host/service in its stats.

    `named`: the path as the command named it, when `path` was made absolute for another process to open
    (`InputFile.sent_elsewhere`): the user's `PATH=` options name it as they typed it.
    """
    on_disk = os.path.exists(path)
    as_named = path if named is None else named
    host = _last_match(as_named, options.host_aliases)
    host_from = "user" if host is not None else None
    if host is None and on_disk:
        host = host_from_path(path)
        host_from = "path" if host is not None else None
    service = service_from_name(path) if on_disk else None
    zone_name = _last_match(as_named, options.tz_by_path) or options.tz
    tz: tzinfo = zone_named(zone_name) if zone_name else UTC
    year = options.year if options.year is not None else (_year_of(path) if on_disk else None)
    stats.host, stats.service = host, service
    return ParseContext(path=display, stats=stats, tz=tz, host=host, service=service, year=year,
                        strict=options.strict, terms=terms, warn=warn, host_from=host_from)
