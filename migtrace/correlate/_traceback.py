"""Markers found in a record's traceback: the frames a failure passed through name the operation.

A resize that fails while copying disks logs `Setting instance vm_state to
ERROR` (or the RPC server's `Exception during message handling`) — a first
line nova also writes for failures of boots and rebuilds — followed by a
traceback through `migrate_disk_and_power_off`.  Markers with `traceback:
true` (migtrace/data/phases.yaml) are searched in those continuation lines,
so such a record alone still makes a (one-line) move of the right kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from migtrace.model import Event, level_rank


class TracebackMarker(Protocol):
    """What this module reads of a marker (markers.Marker has it)."""

    @property
    def text(self) -> str: ...
    @property
    def regex(self) -> re.Pattern[str] | None: ...
    @property
    def logger(self) -> str | None: ...
    @property
    def level(self) -> str | None: ...


def traceback_hits(markers: Sequence[TracebackMarker], event: Event) -> list[tuple[int, dict[str, str]]]:
    """Return (index in `markers`, captured groups) of the markers found in the event's traceback."""
    if not event.extra:
        return []
    tail = "\n".join(event.extra)
    hits: list[tuple[int, dict[str, str]]] = []
    for i, marker in enumerate(markers):
        if marker.text not in tail:
            continue
        if marker.logger and not (event.logger or "").startswith(marker.logger):
            continue
        if marker.level and level_rank(event.level) < level_rank(marker.level):
            continue
        groups: dict[str, str] = {}
        if marker.regex is not None:
            m = marker.regex.search(tail)
            if m is None:
                continue
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
        hits.append((i, groups))
    return hits
