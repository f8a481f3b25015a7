"""Group events into migrations: by request id, then instance and time window, then migration id.

The API request id travels over RPC to the conductor, the scheduler and the
computes, so it gathers most of a move.  The source compute's migration
monitor, lifecycle events and (Rocky–Zed) its whole `_do_live_migration`
thread log `[-]` or an unrelated id, so events of the move's instance inside
its time window join too — but never events that belong to another move's
request.  Follow-up requests (confirm, revert, force-complete, abort) join
the latest earlier move of the same instance.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from migtrace.correlate._derive import build_migration
from migtrace.correlate._domains import with_domain_instances, with_host_evidence
from migtrace.correlate._hints import with_named_instances
from migtrace.correlate.markers import MarkerSet, Match, MatchNote, load_markers
from migtrace.model import Event, Migration, level_rank

#: how long after a move's last marker an un-tagged instance event may still belong to it
GRACE = timedelta(seconds=90)
#: un-claimed instance lines further apart than this are separate moves
ORPHAN_GAP = timedelta(minutes=10)

_UUID_IN_TEXT = re.compile(r"/servers/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/|"
                           r"instances: \['([0-9a-f-]{36})'\]|instance ID '([0-9a-f-]{36})'|"
                           r"Unable to migrate instance \(([0-9a-f-]{36})\)|for instance ([0-9a-f-]{36})")
_FOLLOWUP_KINDS = {
    "confirm": ("migration", "resize"), "revert": ("migration", "resize"),
    "force-complete": ("live-migration",), "abort": ("live-migration",), "cleanup": ("evacuation",),
}

#: follow-ups that act on a finished move (its duration ends before them); force-complete and abort act
#: on a running live migration and are part of it
_AFTER_THE_MOVE = frozenset({"confirm", "revert", "cleanup"})


@dataclass
class Operation:
    """A move being assembled: its requests, instance and the events gathered so far."""

    kind: str
    instance: str | None
    request_ids: list[str]
    started: datetime
    events: list[Event] = field(default_factory=list)
    event_ids: set[int] = field(default_factory=set)
    followups: list[str] = field(default_factory=list)
    #: every follow-up request joined to the move (also those not driven by the API): not its own steps
    followup_requests: list[str] = field(default_factory=list)

    def add(self, event: Event) -> None:
        if id(event) not in self.event_ids:
            self.event_ids.add(id(event))
            self.events.append(event)


def instance_of(events: Iterable[Event]) -> str | None:
    """Return the instance a group of events is about (field first, then message text)."""
    for e in events:
        if e.instance:
            return e.instance
    for e in events:
        m = _UUID_IN_TEXT.search(e.message)
        if m:
            return next(g for g in m.groups() if g)
    return None


#: a request's events, as (action or kind, request id, events)
_RequestGroup = tuple[str, str, list[Event]]


def correlate(events: Sequence[Event], markers: MarkerSet | None = None,
              clocks: Mapping[str, float] | None = None, last_seen: datetime | None = None, *,
              noted: Mapping[tuple[str, int], tuple[str, MatchNote | None]] | None = None) -> list[Migration]:
    """Return the migrations found in time-ordered events, oldest first.

    `clocks`: host -> ± seconds its clock leaves on cross-host times (`skew.estimate_clocks`).
    `last_seen`: the time of the logs' last record when later than the last event given (a read that
    dropped records it did not need still knows when the logs end).
    `noted`: (input, line) -> (message, `MarkerSet.note`) of records whose shipped markers' matches were
    made where they were read (`pipeline._keep.Keeper.noted`); used only with the shipped markers.
    """
    markers = markers or load_markers()
    events = with_named_instances(events, markers)  # hook: Grizzly/Havana lifecycle lines (_hints)
    events = with_domain_instances(events)  # hook: libvirt/QEMU records naming a domain (_domains)
    matches: dict[int, list[Match]] = {}
    for e, found in zip(events, _matched(events, markers, noted), strict=True):
        if found:
            matches[id(e)] = found
    moves = _Moves(matches)
    implied, followups = moves.open_by_request(_by_request(events))
    moves.add_implied(implied)
    moves.index_by_instance()
    moves.attach_followups(followups)
    # un-tagged events (or events of requests that are no move) join by instance and window
    taken = _join_by_instance(events, moves.by_instance, moves.owner, matches)
    _join_by_migration_uuid(events, moves.ops, moves.owner, matches)
    moves.ops.extend(_orphan_operations(events, moves.owner, matches, taken))
    moves.ops = _joined_halves(moves.ops, matches, markers)
    if events and (last_seen is None or events[-1].time > last_seen):
        last_seen = events[-1].time
    migrations = [build_migration(op.kind, op.instance, op.request_ids + op.followups, op.events,
                                  matches, markers, last_seen=last_seen, followup_ids=op.followup_requests,
                                  clocks=clocks)
                  for op in moves.ops if op.events]
    migrations = with_host_evidence(migrations, events)  # hook: hypervisor errors of a move's hosts (_domains)
    migrations.sort(key=lambda m: m.started)
    return migrations


def _matched(events: Sequence[Event], markers: MarkerSet,
             noted: Mapping[tuple[str, int], tuple[str, MatchNote | None]] | None) -> list[list[Match]]:
    """`markers.match` of each event: read back from its note when it has one, else made here.

    A note is this very record's (its message object, which the hooks' `Event.replace` keeps, is the
    one noted) and was made by the shipped markers from what the hooks do not change (message, logger,
    level, extra lines).  The others' marker texts are found in one search (`match_each`).
    """
    if not noted or markers is not load_markers():
        return markers.match_each(events)
    out: list[list[Match]] = []
    todo: list[int] = []
    for i, e in enumerate(events):
        got = noted.get((e.source, e.lineno))
        if got is not None and got[0] is e.message:
            out.append(markers.from_note(got[1]) if got[1] is not None else [])
        else:
            out.append([])
            todo.append(i)
    for i, found in zip(todo, markers.match_each([events[i] for i in todo]), strict=True):
        out[i] = found
    return out


def _by_request(events: Sequence[Event]) -> dict[str, list[Event]]:
    by_request: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.request_id:
            by_request[e.request_id].append(e)
    return by_request


class _Moves:
    """The operations being assembled, who owns which request, and each instance's moves."""

    def __init__(self, matches: dict[int, list[Match]]) -> None:
        self.matches = matches
        self.ops: list[Operation] = []
        self.owner: dict[str, Operation] = {}
        self.by_instance: dict[str, list[Operation]] = defaultdict(list)

    def _open(self, kind: str, req: str, group: list[Event], instance: str | None) -> None:
        op = Operation(kind=kind, instance=instance, request_ids=[req], started=group[0].time)
        for e in group:
            op.add(e)
        self.ops.append(op)
        self.owner[req] = op

    def open_by_request(self, by_request: dict[str, list[Event]]) -> tuple[list[_RequestGroup], list[_RequestGroup]]:
        """Open a move for each request that says it is one; return the implied moves and the follow-ups."""
        implied: list[_RequestGroup] = []
        followups: list[_RequestGroup] = []
        for req, group in by_request.items():
            opens = _first(group, self.matches, "opens")
            follow = _first(group, self.matches, "followup")
            if opens is not None and follow is None:
                self._open(opens, req, group, instance_of(group))
            elif follow is not None:
                followups.append((follow, req, group))
            elif _single_instance(group):
                # a long-lived thread's id (lifecycle dispatch, periodic tasks) spans many instances: not a move
                kind_or_action, is_followup = _implied_by_markers(group, self.matches)
                if kind_or_action is not None:
                    (followups if is_followup else implied).append((kind_or_action, req, group))
        return implied, followups

    def add_implied(self, implied: list[_RequestGroup]) -> None:
        """Open the moves only implied by their lines, unless an opened move of the instance covers them.

        A thread's id seen on one instance alone (e.g. in a targeted read) must not split a move in two.
        """
        for kind, req, group in implied:
            instance = instance_of(group)
            first = group[0].time
            if any(op.instance == instance and op.started <= first and first - op.events[-1].time <= GRACE
                   for op in self.ops if op.events):
                continue
            self._open(kind, req, group, instance)

    def index_by_instance(self) -> None:
        self.ops.sort(key=lambda o: o.started)
        for op in self.ops:
            if op.instance:
                self.by_instance[op.instance].append(op)

    def attach_followups(self, followups: list[_RequestGroup]) -> None:
        """Join each follow-up request to the latest earlier move of its instance (or a move of its own).

        A request not driven by the API may be a periodic task's long-lived id (auto-confirm, a migration
        set to error) whose lines are about many instances: each instance its follow-up lines name gets
        its part, never the first instance the id happened to log about.
        """
        for action, req, group in sorted(followups, key=lambda f: f[2][0].time):
            api_driven = any(e.service == "n-api" for e in group)
            for instance in self._followup_instances(group, api_driven):
                self._attach(action, req, group, instance, api_driven)

    def _followup_instances(self, group: Sequence[Event], api_driven: bool) -> list[str]:
        if not api_driven:
            marked = [e for e in group if any(m.marker.followup for m in self.matches.get(id(e), ()))]
            named = [_instance_from_groups([e], self.matches) or instance_of([e]) for e in marked]
            found = list(dict.fromkeys(i for i in named if i))
            if found:
                return found
        instance = instance_of(group) or _instance_from_groups(group, self.matches)
        return [instance] if instance else []

    def _attach(self, action: str, req: str, group: Sequence[Event], instance: str, api_driven: bool) -> None:
        chosen = [e for e in group if api_driven or e.instance == instance or _mentions(e, instance)]
        # a periodic task's id (auto-confirm) spans hours: the follow-up is when its own lines are
        when = chosen[0].time if chosen else group[0].time
        candidates = [o for o in self.by_instance.get(instance, ())
                      if o.started <= when and o.kind in _FOLLOWUP_KINDS[action]]
        if not candidates:
            kind = _FOLLOWUP_KINDS[action][0]  # the kind of move this follow-up can only act on
            op = Operation(kind=kind, instance=instance, request_ids=[],
                           started=chosen[0].time if chosen else group[0].time)
            self.ops.append(op)
            self.by_instance[instance].append(op)
            self.by_instance[instance].sort(key=lambda o: o.started)
            candidates = [op]
        target = candidates[-1]
        if action in _AFTER_THE_MOVE and req not in target.followup_requests:
            target.followup_requests.append(req)
        if api_driven:
            target.followups.append(req)
            self.owner[req] = target
        for e in chosen:
            target.add(e)


def _implied_by_markers(group: Sequence[Event], matches: dict[int, list[Match]]) -> tuple[str | None, bool]:
    """Return (kind, False) when a request's lines imply a move, (action, True) when they act on one."""
    kind = _implied(group, matches, by_request=True)
    if kind is None:
        return None, False
    phases = {m.marker.phase for e in group for m in matches.get(id(e), ()) if m.marker.phase}
    if phases and phases <= {"confirm", "revert"}:
        return ("confirm" if "confirm" in phases else "revert"), True
    if _only_late(group, matches):
        # e.g. the evacuated source coming back and cleaning up, under its start-up context
        return "cleanup", True
    return kind, False


def _first(group: Sequence[Event], matches: dict[int, list[Match]], key: str) -> str | None:
    """Return the first `opens`/`followup` value the group's markers carry (API body first)."""
    best: str | None = None
    for e in group:
        for m in matches.get(id(e), ()):
            value = getattr(m.marker, key)
            if value:
                if m.marker.api:
                    return str(value)
                best = best or str(value)
    return best


def _only_late(group: Sequence[Event], matches: dict[int, list[Match]]) -> bool:
    """True when the group's only markers are ones logged long after their move (source clean-up)."""
    found = [m.marker for e in group for m in matches.get(id(e), ()) if m.marker.phase]
    return bool(found) and all(mk.late for mk in found)


def _single_instance(group: Sequence[Event]) -> bool:
    """True when every instance-tagged event of the group is about the same instance."""
    return len({e.instance for e in group if e.instance}) <= 1


def _implied(group: Sequence[Event], matches: dict[int, list[Match]], *, by_request: bool = False) -> str | None:
    """Return the kind most of the group's markers can only come from (live markers win ties).

    For a request's group (`by_request`), a line logged under another thread's request id
    (`foreign_context`: the lifecycle dispatcher's id, reused for every instance of the host) says
    nothing about that id: had it implied a move, a
    read that sees the id on one instance only (a targeted `timeline`, a selective read that dropped
    the instances that never moved) would make the dispatcher's id a move, and `list` would not.
    """
    votes: Counter[str] = Counter()
    for e in group:
        for m in matches.get(id(e), ()):
            if m.marker.implies and not (by_request and m.marker.foreign_context):
                votes[m.marker.implies] += 2 if m.marker.implies == "live-migration" else 1
    return votes.most_common(1)[0][0] if votes else None


def _orphan_operations(events: Sequence[Event], owner: dict[str, Operation],
                       matches: dict[int, list[Match]], taken: set[int]) -> list[Operation]:
    """Build moves from instance lines no request claimed (source-only logs, `[-]` threads)."""
    loose: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if id(e) in taken or (e.request_id and e.request_id in owner) or not e.instance:
            continue
        loose[e.instance].append(e)
    ops: list[Operation] = []
    for instance, evs in loose.items():
        chunk: list[Event] = []
        for e in evs:
            if chunk and e.time - chunk[-1].time > ORPHAN_GAP:
                ops.extend(_op_from_chunk(instance, chunk, matches))
                chunk = []
            chunk.append(e)
        ops.extend(_op_from_chunk(instance, chunk, matches))
    return ops


def _op_from_chunk(instance: str, chunk: list[Event], matches: dict[int, list[Match]]) -> list[Operation]:
    kind = _implied(chunk, matches)
    if kind is None:
        return []
    op = Operation(kind=kind, instance=instance, request_ids=[], started=chunk[0].time)
    for e in chunk:
        op.add(e)
    return [op]


def _joined_halves(ops: list[Operation], matches: dict[int, list[Match]], markers: MarkerSet) -> list[Operation]:
    """Join a move's two halves that nothing else joins: one move stays one row.

    With `debug = False` and no API/conductor logs, a Rocky–Zed source logs its migration thread as
    `[-]` (an instance-only move) and the request id shows up only on the destination's late lines:
    an instance-only move followed, within `GRACE`, by a move of the same instance and kind that has
    no line of the kind's opening phases (api, scheduling) is the same move.
    """
    ops = sorted(ops, key=lambda o: o.started)
    dropped: set[int] = set()
    for i, head in enumerate(ops):
        if head.request_ids or not head.events or id(head) in dropped:
            continue
        end = max(e.time for e in head.events)
        opening = set(markers.phases_for(head.kind)[:2])
        for tail in ops[i + 1:]:
            if tail.started - end > GRACE:
                break
            phases = {m.marker.phase for e in tail.events for m in matches.get(id(e), ()) if m.marker.phase}
            if tail.instance == head.instance and tail.kind == head.kind and not phases & opening:
                for e in head.events:
                    tail.add(e)
                tail.events.sort(key=lambda e: e.time)
                tail.started = min(tail.started, head.started)
                dropped.add(id(head))
                break
    return [o for o in ops if id(o) not in dropped]


def _mentions(event: Event, instance: str) -> bool:
    return instance in event.message


def _instance_from_groups(group: Sequence[Event], matches: dict[int, list[Match]]) -> str | None:
    for e in group:
        for m in matches.get(id(e), ()):
            if "instance" in m.groups:
                return m.groups["instance"]
    return None


def _join_by_instance(events: Sequence[Event], by_instance: dict[str, list[Operation]],
                      owner: dict[str, Operation], matches: dict[int, list[Match]]) -> set[int]:
    last_marker: dict[int, datetime] = {}
    ended: set[int] = set()  # moves whose own lines already gave an outcome
    for ops in by_instance.values():
        for op in ops:
            marked = [e.time for e in op.events if id(e) in matches]
            last_marker[id(op)] = max(marked) if marked else op.started
            if any(m.marker.outcome for e in op.events for m in matches.get(id(e), ())):
                ended.add(id(op))
    taken: set[int] = set()
    for e in events:
        if not e.instance or e.instance not in by_instance:
            continue
        if e.request_id and e.request_id in owner:
            continue  # belongs to a move's own request (maybe another move)
        owner_op = _window_owner(by_instance[e.instance], e, matches, last_marker, ended)
        if owner_op is not None:
            op = owner_op
            op.add(e)
            taken.add(id(e))
            if id(e) in matches:
                last_marker[id(op)] = max(last_marker[id(op)], e.time)
                if any(m.marker.outcome for m in matches[id(e)]):
                    ended.add(id(op))  # the source's `[-]` thread logs the outcome: it joins here
    return taken


def _window_owner(ops: Sequence[Operation], e: Event, matches: dict[int, list[Match]],
                  last_marker: dict[int, datetime], ended: Set[int] = frozenset()) -> Operation | None:
    """Return the move whose window holds this event, if any.

    A line nova also logs outside moves (a lifecycle event: `implies: none` in phases.yaml) joins a
    move that already has its outcome only within GRACE of the move's last marker: the instance's
    stop or delete hours later is not the move's last step (it made a 40 s live migration 6 h long).
    """
    current: Operation | None = None
    for op in ops:
        if op.started <= e.time + timedelta(seconds=2):
            current = op
        else:
            break
    if current is None:
        return None
    found = matches.get(id(e), ())
    if any(m.marker.late and m.marker.applies_to(current.kind) for m in found):
        return current
    if id(current) in ended and found and e.time - last_marker[id(current)] > GRACE and all(
            _ambiguous(m) for m in found):
        return None
    relevant = any(m.marker.applies_to(current.kind) and (m.marker.phase or m.marker.outcome)
                   for m in found)
    if relevant:
        return current
    # differences, not sums: a time near year 9999 plus GRACE overflows datetime
    if e.time - last_marker[id(current)] <= GRACE:
        return current
    if level_rank(e.level) >= level_rank("ERROR") and e.time - last_marker[id(current)] <= 4 * GRACE:
        return current
    return None


def _ambiguous(m: Match) -> bool:
    """A marker that says nothing of a move by itself (nova logs it outside moves as well)."""
    k = m.marker
    return not (k.implies or k.opens or k.followup or k.outcome or k.late or k.kind)


def _join_by_migration_uuid(events: Sequence[Event], ops: Sequence[Operation],
                            owner: dict[str, Operation], matches: dict[int, list[Match]]) -> None:
    uuids: dict[str, Operation] = {}
    for op in ops:
        for e in op.events:
            for m in matches.get(id(e), ()):
                if "uuid" in m.groups:
                    uuids[m.groups["uuid"]] = op
    if not uuids:
        return
    for e in events:
        if e.instance or (e.request_id and e.request_id in owner):
            continue
        if "igration" not in e.message:
            continue
        for uuid, op in uuids.items():
            if uuid in e.message:
                op.add(e)
                break


#: the shortest id prefix `timeline` accepts: shorter ones name too many moves to be meant
MIN_PREFIX = 4


def match_migrations(migrations: Sequence[Migration], ident: str) -> list[Migration]:
    """Return the migrations an ID names (request id with or without `req-`, instance, migration uuid/number)."""
    ident = ident.strip().lower()
    if not ident:
        return []
    bare = ident.removeprefix("req-")
    found: list[Migration] = []
    for m in migrations:
        ids = {r.lower().removeprefix("req-") for r in (*m.request_ids, *m.global_request_ids)}
        if (bare in ids or m.id.lower() == ident or m.instance == ident
                or (m.migration_uuid and m.migration_uuid == ident)
                or (ident.isdigit() and m.migration_number == int(ident))):
            found.append(m)
    if not found and "@" in bare:
        # the short form `list` prints for a move known only by its instance and start: `<uuid prefix>@<stamp>`
        head, _, stamp = bare.partition("@")
        found = [m for m in migrations if len(head) >= MIN_PREFIX and m.id.lower().endswith("@" + stamp)
                 and m.id.lower().startswith(head)]
    elif not found and len(bare) >= MIN_PREFIX:
        # a shortened id, as people paste them in chat: a unique prefix of a request id or uuid
        found = [m for m in migrations
                 if any(r.lower().removeprefix("req-").startswith(bare) for r in m.request_ids)
                 or (m.instance or "").startswith(bare) or (m.migration_uuid or "").startswith(bare)]
    return found
