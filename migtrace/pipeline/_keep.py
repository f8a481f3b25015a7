"""Decide while streaming which events an analysis keeps.

Only the events a migration story can use are kept (markers, instance-tagged
lines, warnings and errors, lines of requests that opened a move), so memory
grows with what is kept, not with the size of the logs.  What is dropped
still says one thing diagnosis needs: that a host was alive and logging
(`last_seen`, the time of each host's last record), which tells a move stuck
on a command from logs that simply end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from migtrace._naming import host_named_by_line
from migtrace.correlate._domains import HYPERVISOR_SERVICES
from migtrace.correlate.markers import MarkerSet
from migtrace.model import Event, level_rank

_WARNING = level_rank("WARNING")
_INFO = level_rank("INFO")
#: texts whose lines are kept whatever else they say (the vocabulary of a selective read includes them)
MIGRATION_WORD = "igration"
ACTION_PATH = "/action"
KEEP_TEXTS = (MIGRATION_WORD, ACTION_PATH)


class Keeper:
    """A predicate over the event stream that remembers the requests that opened a move."""

    def __init__(self, markers: MarkerSet) -> None:
        self.markers = markers
        self.requests: set[str] = set()
        #: host (or source path, for records without a host) -> time of its latest record
        self.last_seen: dict[str, datetime] = {}
        #: input without a host -> the hosts its own lines name (pipeline/_hosts.py)
        self.named: dict[str, Counter[str]] = defaultdict(Counter)

    def __call__(self, e: Event) -> bool:
        key = e.host or e.source
        if e.host is None and e.service in (None, "n-cpu"):
            named = host_named_by_line(e.message)
            if named:
                self.named[e.source][named] += 1
        seen = self.last_seen.get(key)
        if seen is None or e.time > seen:
            self.last_seen[key] = e.time
        if e.request_id and e.request_id in self.requests:
            return True
        if e.request_id and self.markers.starts_request(e):
            self.requests.add(e.request_id)
            return True
        # a cheap text test only: correlate matches the kept events in full, once
        if self.markers.could_match(e.message):
            return True
        if e.instance or level_rank(e.level) >= _WARNING:
            return True
        if e.request_id and ACTION_PATH in e.message and '" status: ' in e.message:
            return True  # the API's access line of a server action: when the move began (`began_lead`)
        if e.service in HYPERVISOR_SERVICES and level_rank(e.level) >= _INFO:
            return True  # libvirt/QEMU lines (not libvirtd's debug flood): correlate joins them by domain
        return MIGRATION_WORD in e.message
