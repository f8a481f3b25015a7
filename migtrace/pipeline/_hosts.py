"""Attribute a host to inputs that did not say which host wrote them.

The sources layer takes a host from what the user said (`--host-alias`) and from layouts that
name one for sure (`<host>/var/log/…`, a sosreport root, journald's `_HOSTNAME`).  Operators
collect logs in many other ways, so an input still without a host gets one here, in this order:

1. the host its own lines name: nova-compute's resource tracker writes its node name every minute
   (`Compute_service record updated for compute1:compute1`, `Final resource view: name=compute1`);
   a stream naming several hosts (one concatenated stdin) is not one host's and gets none;
2. a host-prefixed file name (`compute1-nova-compute.log`), unless its lines say otherwise;
3. the nearest non-generic folder (`incident/compute1/nova-compute.log`,
   `compute1/opt/stack/logs/screen-n-cpu.log`) — only when the logs name it as a host somewhere
   (a sibling folder confirmed by its own lines, or any line naming it as a whole word: the
   scheduler's `Selected host: compute1`, `Claim successful on node compute1`…), since a lone
   folder is too often `Downloads/` or a ticket number.

Otherwise the input stays without a host: its moves then show the host as unknown, never a guess.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from migtrace._naming import host_candidate_from_name
from migtrace.model import Event, FileStats


def hosts_of_inputs(sources: Sequence[str], named: Mapping[str, Counter[str]],
                    mentioned: Callable[[str], bool] = lambda name: False) -> dict[str, str]:
    """Return source -> host for the inputs without one (rules in the module docstring)."""
    chosen: dict[str, str] = {}
    folders: dict[str, tuple[str, str]] = {}
    confirmed_parents: set[str] = set()
    for source in sorted(set(sources)):
        own = named.get(source) or Counter()
        candidate = host_candidate_from_name(source)
        if len(own) == 1:
            host = next(iter(own))
            chosen[source] = host
            if candidate and candidate[1] == "folder" and candidate[0] == host:
                confirmed_parents.add(candidate[2])
        elif len(own) > 1:
            continue  # several hosts' lines in one stream: none of them is its writer
        elif candidate and candidate[1] == "prefix":
            chosen[source] = candidate[0]
        elif candidate and candidate[1] == "folder":
            folders[source] = (candidate[0], candidate[2])
    for source, (host, parent) in sorted(folders.items()):
        if parent in confirmed_parents or mentioned(host):
            chosen[source] = host
    return chosen


def with_hosts(events: list[Event], stats: Sequence[FileStats], named: Mapping[str, Counter[str]],
               last_seen: dict[str, object]) -> list[Event]:
    """Return the events with the hosts of their inputs filled in (stats and last-seen keys too)."""
    without = [s.path for s in stats if not s.host]
    if not without:
        return events
    def mentioned(name: str) -> bool:
        word = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
        return any(name in e.message and word.search(e.message) for e in events)

    chosen = hosts_of_inputs(without, named, mentioned)
    if not chosen:
        return events
    for s in stats:
        if not s.host and s.path in chosen:
            s.host = chosen[s.path]
    moved: dict[str, list[object]] = defaultdict(list)
    for source, host in chosen.items():
        if source in last_seen:
            moved[host].append(last_seen.pop(source))
    for host, times in moved.items():
        last_seen[host] = max([*times, *([last_seen[host]] if host in last_seen else [])])  # type: ignore[type-var]
    return [e.replace(host=chosen[e.source]) if e.host is None and e.source in chosen else e for e in events]
