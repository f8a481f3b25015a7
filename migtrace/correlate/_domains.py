"""Join libvirtd and QEMU records to the move of the nova instance they are about.

libvirt names a guest by its *domain name* (nova's `instance_name_template`,
`instance-%08x` by default), not by nova's uuid, and many of its errors
(`End of file while reading data`, `Unable to find security driver for label
…`, a QEMU `error connecting: Operation not permitted`) name neither.  Yet
that is where the cause of a failed move is written.  Two general rules, in
this order (docs/derivation.md, "libvirt and QEMU records"):

1. **Domain name ↔ uuid** (`with_domain_instances`, before grouping).  Records
   that show a domain name *and* its uuid teach the pair: a domain XML
   (`<name>D</name>` and `<uuid>U</uuid>` in one record: nova's `Error
   launching a defined domain with XML`, `End _get_guest_xml xml=…`),
   libvirt's `name=D, uuid=U` / `name='D' uuid=U` (`(VM: name=…, uuid=…)`,
   `Domain id=3 name='…' uuid=… is tainted`), `no domain with matching uuid
   'U' (D)`, and a QEMU command line (`-name guest=D,…` with `-uuid U`).  A
   record without an instance that names a learned domain as a whole word
   (`domain 'instance-0000002c' is already active`, `no domain with matching
   name '…'`), and every record of a QEMU instance log named for a learned
   domain (`/var/log/libvirt/qemu/<domain>.log`), gets that uuid; it then
   joins its move by instance and time window like nova's own lines.  Names
   repeat across cells (`instance-00000001` in each), so pairs are learned
   per host: a record takes its host's pair, or the input's only pair for
   that name when that instance has records on its host; a name a host
   learned with two uuids gives nothing.
2. **Host and time** (`with_host_evidence`, after the moves are built).  A
   libvirtd/QEMU record that names no guest at all (no domain name, no uuid,
   not in a QEMU instance log), at WARNING or above, joins
   the move whose source, destination or tried host is its host — or, for a
   record whose host is unknown, the one host of the analysis its file or
   folder name names (`compute2-libvirtd.log`, `compute2/libvirtd.log`), else
   a move with records from the same input file (a paste) — and whose span
   (start to end + GRACE) holds its time,
   only when exactly one move qualifies; otherwise it stays outside every
   move (an orphan finding), never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta

from migtrace.model import Event, Migration, level_rank

#: services the libvirt parser gives its records (parsers/libvirt.py)
HYPERVISOR_SERVICES = frozenset({"libvirtd", "qemu"})

_U = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: forms that show a domain name and its uuid side by side (one pair per match)
_PAIRS = (
    re.compile(r"\bname='?(?P<domain>[^\s',()]+)'?,? uuid='?(?P<uuid>" + _U + ")"),
    re.compile(r"matching uuid '(?P<uuid>" + _U + r")' \((?P<domain>[^\s)]+)\)"),
)
#: a domain XML: one `<name>` and one `<uuid>` element in the same record
_XML_NAME = re.compile(r"<name>(?P<domain>[^<\s]+)</name>")
_XML_UUID = re.compile(r"<uuid>(?P<uuid>" + _U + r")</uuid>")
#: a QEMU command line: `-name guest=D,debug-threads=on` (libvirt ≥ 1.3) or `-name D` and `-uuid U`
_QEMU_NAME = re.compile(r"\s-name (?:guest=)?(?P<domain>[^\s,]+)")
_QEMU_UUID = re.compile(r"\s-uuid (?P<uuid>" + _U + r")")
#: a QEMU instance log: `<domain>.log`, rotated `<domain>.log.1` / `.log.2.gz`
_QEMU_LOG = re.compile(r"(?P<domain>[^/!\\]+?)\.log(?:[.-]\d+)?(?:\.(?:gz|xz|bz2))?$")

#: a record naming some guest (domain name, uuid): only rule 1 may join it, never host and time
_NAMES_A_GUEST = re.compile(r"domain '|name '|\bname='?[\w.-]|guest=|<name>|" + _U)

#: a record before a move's first line can still be its own (clocks of two hosts, rounding)
LEAD = timedelta(seconds=2)
#: how long after a move's last step a hypervisor error may still be about it (as _group.GRACE)
GRACE = timedelta(seconds=90)
_WARNING = level_rank("WARNING")
#: how many trailing parts of an input's path may name its host (`compute2/libvirt/libvirtd.log`)
PATH_PARTS = 3


def domain_pairs(events: Iterable[Event]) -> dict[str, str]:
    """Return domain name -> instance uuid for the names the records pair with one uuid only."""
    seen: dict[str, set[str]] = defaultdict(set)
    for e in events:
        text = e.text
        if "uuid" not in text:
            continue
        for domain, uuid in _pairs_in(text):
            seen[domain].add(uuid.lower())
    return {domain: next(iter(uuids)) for domain, uuids in seen.items() if len(uuids) == 1}


def _pairs_in(text: str) -> list[tuple[str, str]]:
    found = [(m.group("domain"), m.group("uuid")) for pattern in _PAIRS for m in pattern.finditer(text)]
    if "<name>" in text:
        names = {m.group("domain") for m in _XML_NAME.finditer(text)}
        uuids = {m.group("uuid") for m in _XML_UUID.finditer(text)}
        if len(names) == 1 and len(uuids) == 1:
            found.append((names.pop(), uuids.pop()))
    if " -uuid " in text:
        qnames = {m.group("domain") for m in _QEMU_NAME.finditer(text)}
        quuids = {m.group("uuid") for m in _QEMU_UUID.finditer(text)}
        if len(qnames) == 1 and len(quuids) == 1:
            found.append((qnames.pop(), quuids.pop()))
    return found


def qemu_log_domain(e: Event) -> str | None:
    """Return the domain a QEMU instance log is named for (`…/qemu/instance-0000002c.log`), if any."""
    if e.service != "qemu":
        return None
    base = re.split(r"[/\\!]", e.source)[-1]
    m = _QEMU_LOG.match(base)
    return m.group("domain") if m else None


def with_domain_instances(events: Sequence[Event]) -> Sequence[Event]:
    """Return the events, those without an instance that name a learned domain copied with its uuid.

    Domain names repeat across cells (`instance-%08x` counts per cell
    database), so the pairs are per host: a record takes the uuid its own
    host paired with the name; failing that, the one uuid the whole input
    paired with it, only if that instance has records on the record's host
    (it lived there).  A record whose host is unknown takes its own file's
    pair, else the input's one pair (documented limit, docs/derivation.md).
    """
    learned = _learned_pairs(events)
    if not learned.anywhere:
        return events
    names = sorted(learned.anywhere, key=len, reverse=True)
    named = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    prefix = _common_prefix(names)
    out: list[Event] | None = None
    for i, e in enumerate(events):
        if e.instance is not None:
            continue
        domain = qemu_log_domain(e)
        if domain is not None:
            uuid = learned.resolve(e, domain)
        else:
            text = e.text
            if prefix not in text:
                continue
            uuids = {learned.resolve(e, m.group(1)) for m in named.finditer(text)}
            if len(uuids) != 1:
                continue  # none, or a record naming two guests: not one instance's
            uuid = uuids.pop()
        if uuid is None:
            continue
        if out is None:
            out = list(events)
        out[i] = e.replace(instance=uuid)
    return events if out is None else out


class _Learned:
    """Domain name -> uuid pairs as the records taught them: per host, per input file, anywhere."""

    __slots__ = ("anywhere", "by_host", "by_source", "lived")

    def __init__(self) -> None:
        self.by_host: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_source: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.anywhere: dict[str, set[str]] = defaultdict(set)
        #: instance -> the hosts where some record of it was written
        self.lived: dict[str, set[str]] = defaultdict(set)

    def resolve(self, e: Event, domain: str) -> str | None:
        """The one uuid `domain` names for a record of this host (or file), None when unknown or ambiguous."""
        if e.host is not None:
            here = self.by_host.get((e.host, domain))
            if here:
                return _one(here)
            uuid = _one(self.anywhere.get(domain, set()))
            return uuid if uuid is not None and e.host in self.lived.get(uuid, ()) else None
        here = self.by_source.get((e.source, domain))
        return _one(here) if here else _one(self.anywhere.get(domain, set()))


def _one(uuids: set[str]) -> str | None:
    return next(iter(uuids)) if len(uuids) == 1 else None


def _learned_pairs(events: Iterable[Event]) -> _Learned:
    learned = _Learned()
    for e in events:
        if e.instance is not None and e.host is not None:
            learned.lived[e.instance].add(e.host)
        text = e.text
        if "uuid" not in text:
            continue
        for domain, uuid in _pairs_in(text):
            uuid = uuid.lower()
            learned.anywhere[domain].add(uuid)
            learned.by_source[(e.source, domain)].add(uuid)
            if e.host is not None:
                learned.by_host[(e.host, domain)].add(uuid)
                learned.lived[uuid].add(e.host)
    return learned


def _common_prefix(names: Sequence[str]) -> str:
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def with_host_evidence(migrations: Sequence[Migration], events: Sequence[Event]) -> list[Migration]:
    """Return the moves, each with the hypervisor errors of its hosts and span that no instance claims."""
    claimed = {id(e) for m in migrations for e in m.events}
    loose = [e for e in events if e.instance is None and e.service in HYPERVISOR_SERVICES
             and id(e) not in claimed and level_rank(e.level) >= _WARNING and not _names_a_guest(e)]
    if not loose:
        return list(migrations)
    known = frozenset(h for m in migrations for h in _hosts_of(m))
    path_hosts: dict[str, str | None] = {}
    added: dict[int, list[Event]] = defaultdict(list)
    for e in loose:
        host = e.host
        if host is None:
            if e.source not in path_hosts:
                path_hosts[e.source] = host_named_by_path(e.source, known)
            host = path_hosts[e.source]
        # differences, not sums: a time near year 9999 plus GRACE overflows datetime
        owners = [i for i, m in enumerate(migrations)
                  if m.started - e.time <= LEAD and e.time - m.ended <= GRACE and _touches(m, e, host)]
        if len(owners) == 1:
            added[owners[0]].append(e)
    return [m.replace(events=tuple(sorted((*m.events, *added[i]), key=lambda e: e.time))) if i in added else m
            for i, m in enumerate(migrations)]


def _names_a_guest(e: Event) -> bool:
    """True when the record says which guest it is about (then it is that guest's, not any move's of the host)."""
    return qemu_log_domain(e) is not None or _NAMES_A_GUEST.search(e.text) is not None


def _hosts_of(m: Migration) -> Iterator[str]:
    for h in (m.source_host, m.dest_host, *(a.host for a in m.attempts)):
        if h:
            yield h


def host_named_by_path(source: str, known: frozenset[str]) -> str | None:
    """The one host of the analysis that an input's file or folder name names (`compute2-libvirtd.log`).

    Only the last PATH_PARTS parts of the path are read, a host counts as a
    whole name (`compute1` is not in `compute10`), and two hosts named is
    no answer.  Used for hypervisor records whose input gave no host.
    """
    tail = "/".join(re.split(r"[/\\!]", source)[-PATH_PARTS:])
    found = {h for h in known if h in tail
             and re.search(r"(?<![A-Za-z0-9])" + re.escape(h) + r"(?![A-Za-z0-9])", tail)}
    return found.pop() if len(found) == 1 else None


def _touches(m: Migration, e: Event, host: str | None) -> bool:
    """True when the record's host is one of the move's hosts (or, host unknown, it shares an input file)."""
    if host is not None:
        return host in (m.source_host, m.dest_host) or any(a.host == host for a in m.attempts)
    return any(x.source == e.source for x in m.events)
