"""Which host a collection layout names in a file's path, from the table in data/host_layouts.yaml.

Logs arrive as copies of a host's /var/log, sosreports, `kolla-logs-HOST.tar.gz`,
docker's per-container files, a Zuul job's per-node folders…  Each layout
names the host in a known place of the path; the table says where, with the
sources cited and sample paths, so a new layout is a data entry, not code.
Only layouts that name the host for sure are listed: a folder a user picked
is left to the pipeline, which takes it only when the logs confirm it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from migtrace._datafile import Key, entries, load_document, read_text

_SCHEMA: Mapping[str, Key] = {
    "name": Key(required=True), "source": Key(required=True), "path": Key(required=True, regex=True),
    "samples": Key(kind=list, required=True),
}

#: a build id, a commit or a container id: hex only, never a node's name
_HEX_ID = re.compile(r"[0-9a-f]{7,}")
_HOSTNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")
#: a file's or an archive's name (`backup.tar.gz/var/log/…` is an archive of some host's /var/log,
#: `nova-compute.log/…` a folder named after a file): no host name ends like a file
_FILE_NAME = re.compile(r"\.(?:log|txt|json|gz|xz|bz2|zip|tgz|tar)$", re.I)


@dataclass(frozen=True, slots=True)
class Layout:
    """One collection layout: where its paths name the host."""

    name: str
    path: re.Pattern[str]


@lru_cache(maxsize=1)
def layouts() -> tuple[Layout, ...]:
    """The shipped table, in the order its entries are tried."""
    text, where = read_text("host_layouts.yaml")
    return tuple(Layout(e["name"], re.compile(e["path"]))
                 for e in entries(load_document(text, where), "layouts", _SCHEMA, where))


def host_from_layout(path: str, generic: frozenset[str] = frozenset()) -> str | None:
    """Return the host the first matching layout names in `path` (`/`-separated), or None.

    `generic` are folder names that never name a host (`logs`, `nova`…); a
    candidate that is one of them, a hex id or a file's name does not count and the next
    layout is tried.
    """
    if "/" not in path:
        return None
    for layout in layouts():
        for m in layout.path.finditer(path):
            host = m.group("host")
            if is_host_name(host, generic):
                return host
    return None


def is_host_name(name: str, generic: frozenset[str] = frozenset()) -> bool:
    """True when `name` can be a host's name: no generic folder, hex id or file name (see host_layouts.yaml)."""
    return bool(_HOSTNAME.fullmatch(name)) and name.lower() not in generic and not _HEX_ID.fullmatch(name) \
        and not _FILE_NAME.search(name)
