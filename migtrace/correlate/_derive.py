"""Derive a Migration's facts (hosts, status, phases, downtime, progress) from its events.

Only what the markers say is used: which side logged a line, which status a
line implies, where the guest stopped and where it ran again.  Times are
aligned with the clock-skew offsets first when `--skew auto` found any; the
events keep their raw text so nothing is silently reordered.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from migtrace.correlate._resolution import coarsest
from migtrace.correlate.markers import Marker, MarkerSet, Match
from migtrace.correlate.skew import relative, zone_like
from migtrace.model import Event, HostAttempt, Migration, Phase, ProgressSample

_STATUS_OF_OUTCOME = {
    "success": "completed", "failure": "failed", "cancelled": "cancelled",
    "confirmed": "confirmed", "reverted": "reverted", "finished": "completed",
    "confirm_failed": "confirm_failed",  # not a status: `_status` turns it into unknown, with the error
}
_STICKY = {"confirmed", "reverted"}
#: a move with no outcome whose last line is this close to the end of the logs is still running
IN_PROGRESS_HORIZON = timedelta(minutes=10)


@dataclass(slots=True)
class _Facts:
    """What a move's markers say, gathered in one pass over its events."""

    src_votes: Counter[str] = field(default_factory=Counter)
    dst_votes: Counter[str] = field(default_factory=Counter)
    dst_candidates: Counter[str] = field(default_factory=Counter)
    #: the destination logged a step of the move proper (past the scheduling pre-checks)
    dst_past_checks: bool = False
    src_past_checks: bool = False
    captured_dest: list[str] = field(default_factory=list)
    requested_dest: str | None = None
    captured_source: str | None = None
    flags: set[str] = field(default_factory=set)
    block: bool | None = None
    outcomes: list[tuple[datetime, str]] = field(default_factory=list)
    progress: list[ProgressSample] = field(default_factory=list)
    attempts: list[HostAttempt] = field(default_factory=list)
    migration_uuid: str | None = None
    migration_number: int | None = None
    phase_of: dict[int, str] = field(default_factory=dict)
    #: the move's instance: a periodic line about another instance (same request id) says nothing of it
    instance: str | None = None
    #: the error of the last failed auto-confirm (`Error auto-confirming resize: …`)
    confirm_error: str | None = None

    def take(self, e: Event, m: Match) -> None:
        """Record what one marker match on one event says."""
        mk, g = m.marker, m.groups
        # only a compute is a side of a move; a traceback of a remote exception (`…_Remote`) holds the
        # frames of the host that raised it, not of the one logging it
        votes = e.host and e.service not in _NOT_A_SIDE and not (mk.traceback and "_Remote" in e.message)
        if mk.side == "src" and votes:
            self.src_votes[e.host] += 1  # type: ignore[index]
            if mk.phase not in (None, "api", "scheduling"):
                self.src_past_checks = True
        elif mk.side == "dst" and votes:
            (self.dst_candidates if mk.candidate else self.dst_votes)[e.host] += 1  # type: ignore[index]
            if mk.phase not in (None, "api", "scheduling"):
                self.dst_past_checks = True
        named = g.get("dest")
        if named and named not in ("another", "None"):
            if mk.api:
                self.requested_dest = named  # what was asked for, not where it went
            elif mk.attempt != "skipped":
                self.captured_dest.append(named)
        if g.get("source"):
            self.captured_source = g["source"]
        if mk.flag:
            self.flags.add(mk.flag)
        if "block" in g:
            self.block = _BLOCK_WORDS.get(g["block"], self.block)
        about = g.get("instance") or e.instance
        if mk.outcome and not (self.instance and about and about != self.instance):
            self.outcomes.append((e.time, mk.outcome))
            if mk.outcome == "confirm_failed":
                self.confirm_error = (g.get("reason") or e.message).strip()
        if mk.progress and "pct" in g:
            self.progress.append(_progress_sample(e, g))
        if mk.attempt and (named or e.host):
            host = (named or e.host) if mk.attempt != "rescheduled" else (e.host or named)
            self.attempts.append(HostAttempt(host=host or "?", outcome=mk.attempt, reason=g.get("reason", ""),
                                             time=e.time))
        if g.get("uuid") and self.migration_uuid is None:
            self.migration_uuid = g["uuid"]
        if g.get("number") and self.migration_number is None:
            self.migration_number = int(g["number"])
        if mk.phase and id(e) not in self.phase_of:
            self.phase_of[id(e)] = mk.phase


#: services that run the API, scheduling and conductor: never the source or destination of a move
_NOT_A_SIDE = frozenset({"n-api", "n-cond", "n-sch", "placement", "n-novnc", "n-api-meta"})
_BLOCK_WORDS = {"true": True, '"true"': True, "false": False, '"false"': False}


def _progress_sample(e: Event, g: Mapping[str, str]) -> ProgressSample:
    return ProgressSample(
        time=e.time, elapsed_s=float(g.get("secs", 0)), memory_remaining_pct=int(g["pct"]),
        memory_remaining_bytes=int(g["remaining"]) if g.get("remaining") else None,
        memory_total_bytes=int(g["total"]) if g.get("total") else None,
        disk_remaining_pct=int(g["disk_pct"]) if g.get("disk_pct") else None)


def _refined_kind(kind: str, events: Sequence[Event], marks: Callable[[Event], list[Match]]) -> str:
    """Return the kind the markers settle: a stated kind, or resize vs migration by the flavors."""
    for e in events:
        for m in marks(e):
            if m.marker.flavor_change and kind in ("migration", "resize"):
                kind = "resize" if m.groups.get("old") != m.groups.get("new") else "migration"
            elif m.marker.kind:
                kind = m.marker.kind
    return kind


_COLD = ("migration", "resize")


@dataclass(frozen=True, slots=True)
class _MoveClocks:
    """The ± the hosts' clocks leave on the move's cross-host times (docs/derivation.md "Clocks")."""

    #: host -> the conventional ± (the move's own first-line gap from its birth; inf: a wrong time zone)
    gaps: Mapping[str, float]
    #: proven bounds ``(a, b) -> w`` (b's aligned clock at most w ahead of a's) among the move's hosts
    bounds: Mapping[tuple[str, str], float]
    #: host -> a causal pair's gap still violated after the shifts (a clock that jumped: bounds that disagree)
    violations: Mapping[str, float] = field(default_factory=dict)

    def pm(self, a: str | None, b: str | None) -> float:
        """Return the ± on a time measured from a line of `a` to a line of `b` (0 on one host's clock).

        When the bounds hold b's clock against a's from both sides (causal pairs, the move's births),
        the ± is the farther end of that relative interval: proven, and often far tighter than the
        gaps.  Else each host's own gap, summed (a host with only an upper bound is taken as not
        behind: the convention of `skew._shift`).
        """
        if a is None or b is None or a == b:
            return 0.0
        if math.isinf(self.gaps.get(a, 0.0)) or math.isinf(self.gaps.get(b, 0.0)):
            return math.inf
        lo, hi = relative(dict(self.bounds), a, b)
        if lo is not None and hi is not None:
            jumped = max(self.violations.get(a, 0.0), self.violations.get(b, 0.0))
            return math.ceil((max(hi, -lo, 0.0) + jumped) * 1000 - 1e-6) / 1000
        return round(self.gaps.get(a, 0.0) + self.gaps.get(b, 0.0), 3)

    def span_pm(self, spans: Sequence[tuple[str | None, str | None]]) -> float:
        """Return the ± on a sum of spans: a span and its reverse (a revert's outage) cancel out exactly."""
        left = list(spans)
        if any(math.isinf(self.pm(a, b)) for a, b in left):
            return math.inf  # a host hours off: the two readings may have been cut at 0, nothing cancels
        total = 0.0
        while left:
            a, b = left.pop(0)
            if (b, a) in left and a != b:
                left.remove((b, a))  # the same two clocks, read the other way: their errors cancel
                continue
            total += self.pm(a, b)
        return round(total, 3)


def _move_clocks(own: Sequence[Event], marks: Callable[[Event], list[Match]],
                 clocks: Mapping[str, float], requests: frozenset[str] = frozenset()) -> _MoveClocks:
    """Return the move's clocks: per host its own first-line gap, and the bounds proven on its hosts.

    The move's request is born on the API host (its access line says when): another host's first
    line of it comes later, so that host's clock is at most that gap ahead (a bound of this move
    alone, so `list` and a targeted `timeline` agree); a host in the wrong time zone (`clocks` says
    inf) stays infinite.  The proven bounds are those births plus the causal pairs' bounds of the
    whole read (`skew.HostClocks.pairs`, seen whole by both reads) among the move's hosts and the API's.
    """
    api = [e for e in own if e.service == "n-api" and e.host]
    zone = {h: v for h, v in clocks.items() if math.isinf(v)}
    pairs: Mapping[tuple[str, str], float] = getattr(clocks, "pairs", {})
    violations: Mapping[str, float] = getattr(clocks, "violations", {})
    hosts = {e.host for e in own if e.host} | {h for e in api[:1] for h in (e.host,) if h}
    # the move's few hosts looked up pairwise: a fleet's pair bounds are many, a move's hosts a handful
    bounds = {(a, b): pairs[(a, b)] for a in sorted(hosts) for b in sorted(hosts) if (a, b) in pairs}
    if not api:
        return _MoveClocks({**{e.host: clocks.get(e.host, 0.0) for e in own if e.host}, **zone}, bounds, violations)
    birth = began(api, marks) or api[0].time
    first: dict[str, datetime] = {}
    proven: dict[str, datetime] = {}
    born_here = {e.request_id for e in api if e.request_id in requests}
    for e in own:
        if e.host and e.host != api[0].host and e.request_id:
            first.setdefault(e.host, e.time)
            if e.request_id in born_here:  # a line of the move's own request comes after its birth
                proven.setdefault(e.host, e.time)
    gaps = dict(zone)
    for host, t in sorted(first.items()):
        # a first line before the birth (after the shifts): the host is still behind by at least that
        # much (the shift came from bounds that left it behind), and by an unknown amount more
        gap = round(abs((t - birth).total_seconds()), 3)
        # the host's first line a whole number of quarter hours after the birth: the estimate's zone
        # rule on this move's own lines, which a targeted read sees as the whole-set read does
        # (the whole-set read may have flagged the zone from other requests: both end up unknown)
        gaps.setdefault(host, math.inf if zone_like(gap) else gap)
    ref = api[0].host
    assert ref is not None
    for host, t in sorted(proven.items()):
        key = (ref, host)
        bounds[key] = min(bounds.get(key, math.inf), (t - birth).total_seconds())
    return _MoveClocks(gaps, bounds, violations)


def _states_cold_kind(mk: Marker) -> bool:
    """True when a line tells a cold migration from a resize: the API's body, its flavors, a stated kind."""
    return mk.flavor_change or mk.kind in _COLD or (mk.api and mk.opens in _COLD)


def _block_migration(facts: _Facts, kind: str) -> bool | None:
    if kind != "live-migration":
        return None
    if facts.block is not None:
        return facts.block
    if "block_migration" in facts.flags:
        return True
    return False if "shared_storage" in facts.flags else None


def _hosts(facts: _Facts, kind: str) -> tuple[str | None, str | None]:
    """Return (source, destination): the hosts that logged their side, else what lines named."""
    source = facts.src_votes.most_common(1)[0][0] if facts.src_votes else facts.captured_source
    dest: str | None = facts.dst_votes.most_common(1)[0][0] if facts.dst_votes else None
    if dest is None and facts.captured_dest:
        dest = facts.captured_dest[-1]
    if dest is None and len(facts.dst_candidates) == 1:
        dest = next(iter(facts.dst_candidates))
    if dest is None and facts.requested_dest and any(p != "api" for p in facts.phase_of.values()):
        dest = facts.requested_dest
    if dest is not None and dest == source and kind != "evacuation":
        # never the same host on both sides: keep the side its own lines speak for, name the other
        # only when a line names another host (a refused move to itself is UnableToMigrateToSelf, a failure)
        others = [d for d in facts.captured_dest if d != source]
        if others:
            dest = others[-1]
        elif facts.dst_votes[dest] > facts.src_votes[dest]:
            source = facts.captured_source if facts.captured_source != dest else None
        elif facts.src_votes[dest] > 0:
            dest = None
    return source, dest


def _missing_sides(kind: str, source: str | None, dest: str | None, events: Sequence[Event],
                   facts: _Facts) -> tuple[str, ...]:
    """Return the sides (`source`, `destination`) of the move whose logs are not in the input.

    A side is missing when its host is known but logged nothing about the move, or when the host is
    unknown and the other side's lines of the move proper (past the pre-checks) are there without any
    of its own.  An evacuation's source is
    down by definition: not missing.
    """
    hosts_seen = {e.host for e in events if e.host}
    missing: list[str] = []
    if kind != "evacuation" and ((source and source not in hosts_seen)
                                 or (not source and not facts.src_votes and facts.dst_past_checks)):
        missing.append("source")
    if (dest and dest not in hosts_seen) or (not dest and not facts.dst_votes and facts.src_past_checks):
        missing.append("destination")
    return tuple(missing)


def own_steps(events: Sequence[Event], marks: Callable[[Event], list[Match]], phase_of: Mapping[int, str],
              followup_ids: frozenset[str], followup_phases: frozenset[str]) -> list[Event]:
    """Return the events that are steps of the move itself, in time order.

    Not its follow-ups (the confirm/revert requests, an evacuated host's clean-up: they have their own
    times, after an idle wait of any length) and not lines nova logs long after what they report
    (the 15 s-delayed STOPPED lifecycle event).  The move ends at the last of these.
    """
    def followup(e: Event) -> bool:
        return bool((e.request_id and e.request_id in followup_ids) or phase_of.get(id(e)) in followup_phases
                    or any(m.marker.late for m in marks(e)))

    # what is logged once a follow-up has begun (a lifecycle event of the revert…) is not the move's
    later = [followup(e) for e in events]  # each event asked once: the cut and the filter both need it
    cut = next((e.time for e, f in zip(events, later, strict=True) if f), None)
    return [e for e, f in zip(events, later, strict=True)
            if (cut is None or e.time < cut) and not f
            and not any(m.marker.delayed for m in marks(e))]


def end_step(own: Sequence[Event], marks: Callable[[Event], list[Match]], requests: frozenset[str]) -> Event | None:
    """Return the move's last own step: the line its end (`ended`, the duration) is taken from.

    A step is a line of the move's own requests (not its follow-ups') or a line with a marker only moves
    write.  Lines joined by instance and time alone that say nothing of the move — an info-cache heal,
    a power-state sync, a lifecycle event or a claim nova also logs outside moves (`implies: none`,
    `Marker.anywhere`) — are shown with it but never make it longer: the instance lives on after the
    move, and its periodic tasks log about it at any time (docs/derivation.md "Duration").
    None when no line qualifies (the caller falls back to the last own line).
    """
    return next((e for e in reversed(own) if _is_step(e, marks, requests)), None)


def _is_step(e: Event, marks: Callable[[Event], list[Match]], requests: frozenset[str]) -> bool:
    """True when a line is a step of the move: of one of its requests, or with a marker only moves write."""
    return bool((e.request_id and e.request_id in requests) or any(not m.marker.anywhere for m in marks(e)))


def began(own: Sequence[Event], marks: Callable[[Event], list[Match]]) -> datetime | None:
    """Return when the move began: its first own line, or earlier when a line says how long it had run.

    The API's access line is written as the response goes out, `time:` seconds after the request came
    in; with `debug = False` it is often the API's only line.
    """
    if not own:
        return None
    first = own[0].time
    for e in own:
        for m in marks(e):
            lead = m.marker.began_lead
            if lead and m.groups.get(lead):
                began_at = e.time - timedelta(seconds=float(m.groups[lead]))
                if e.time.microsecond % 1000 == 0:  # millisecond stamps: no finer than the log's resolution
                    us = began_at.microsecond
                    began_at += timedelta(microseconds=round(us, -3) - us)
                first = min(first, began_at)
    return first


def _unknown_kind_and_duration(kind: str, events: Sequence[Event], own: Sequence[Event],
                               all_marks: Callable[[Event], list[Match]], facts: _Facts,
                               markers: MarkerSet) -> list[tuple[str, str]]:
    """Return (field, why) for a kind or duration the move's lines cannot tell (docs/derivation.md)."""
    marks = all_marks
    unknown: list[tuple[str, str]] = []
    if kind in _COLD and not any(_states_cold_kind(m.marker) for e in events for m in all_marks(e)):
        unknown.append(("kind", "a cold migration and a resize log alike on the computes; only the API's request "
                                "body and flavor lines (DEBUG) tell them apart, and they are not in the logs"))
    first_phase = (markers.phases_for(kind) or ("api",))[0]
    if not own:
        unknown.append(("duration_s", "none of the move's own steps is in the logs (only its follow-ups)"))
    elif not any(facts.phase_of.get(id(e)) == first_phase for e in own):
        unknown.append(("duration_s", f"its start is not in the logs (no line of its {first_phase} phase)"))
    elif not any(m.marker.outcome for e in own for m in marks(e)):
        unknown.append(("duration_s", "its end is not in the logs (no line says how its own steps ended)"))
    return unknown


#: the matches of an event that has none (shared: the steps of `build_migration` only read what `marks` gives)
_NONE: list[Match] = []


def _looked_up(kind: str, events: Sequence[Event], matches: Mapping[int, list[Match]]
               ) -> tuple[str, Callable[[Event], list[Match]], Callable[[Event], list[Match]]]:
    """The move's kind (`_refined_kind`), then each event's matches of that kind and all its matches.

    Each event's matches are looked up and filtered once: the steps of `build_migration` ask for them
    again and again (and only read them).
    """
    found = {id(e): got for e in events if (got := matches.get(id(e)))}
    kind = _refined_kind(kind, events, lambda e: [m for m in found[id(e)] if m.marker.applies_to(kind)]
                         if id(e) in found else _NONE)
    of_kind = {key: [m for m in got if m.marker.applies_to(kind)] for key, got in found.items()}

    def marks(e: Event) -> list[Match]:
        return of_kind.get(id(e), _NONE)

    def all_marks(e: Event) -> list[Match]:
        return found.get(id(e), _NONE)
    return kind, marks, all_marks


def build_migration(kind: str, instance: str | None, request_ids: Sequence[str], events: Sequence[Event],
                    matches: Mapping[int, list[Match]], markers: MarkerSet,
                    last_seen: datetime | None, followup_ids: Sequence[str] = (),
                    clocks: Mapping[str, float] | None = None) -> Migration:
    """Assemble one Migration from its correlated (already skew-aligned) events.

    `clocks`: host -> the ± its clock leaves on times measured against another host's
    (`skew.ClockEstimate.uncertainty`; infinite for a host in the wrong time zone).
    """
    events = sorted(events, key=lambda e: (e.time, e.lineno))
    kind, marks, all_marks = _looked_up(kind, events, matches)
    facts = _Facts(instance=instance)
    for e in events:
        for m in marks(e):
            facts.take(e, m)
    source, dest = _hosts(facts, kind)
    missing_sides = _missing_sides(kind, source, dest, events, facts)
    own = own_steps(events, all_marks, facts.phase_of, frozenset(followup_ids), markers.followup_phases)
    unknown = _unknown_kind_and_duration(kind, events, own, all_marks, facts, markers)
    downtime, basis, down_spans, down_step = _outages(kind, events, marks, source, dest, facts, unknown, clocks)
    ident, req_ids, gids, user, project = _identity(instance, request_ids, events, facts)
    status = _status(facts.outcomes, events, last_seen, kind, unknown, missing_sides, own, source, dest,
                     facts.confirm_error)
    started = began(own, all_marks) or events[0].time
    own_requests = frozenset(request_ids) - frozenset(followup_ids)
    last = end_step(own, marks, own_requests) or (own or events)[-1]
    start_host = next((e.host for e in own if e.time <= started), own[0].host) if own else None
    move_clocks = _move_clocks(own, all_marks, clocks or {}, own_requests)
    duration_pm = move_clocks.pm(start_host, last.host if own else None)
    downtime_pm = move_clocks.span_pm(down_spans)
    _zone_unknown(unknown, duration_pm, downtime_pm)
    below = _below_resolution(downtime, down_step, downtime_pm, unknown)
    downtime = None if below is not None else downtime
    return Migration(
        id=ident, kind=kind, instance=instance, status=status,  # type: ignore[arg-type]
        started=started, ended=last.time,
        source_host=source, dest_host=dest,
        request_ids=req_ids, global_request_ids=gids, migration_uuid=facts.migration_uuid,
        migration_number=facts.migration_number, block_migration=_block_migration(facts, kind),
        volume_backed=True if "volume_backed" in facts.flags else False if "not_volume_backed" in facts.flags else None,
        post_copy="post_copy" in facts.flags,
        phases=_with_wait(kind, _phases(kind, events, facts.phase_of, markers, matches, own_requests,
                                        lambda e: _is_step(e, marks, frozenset(request_ids))), last.time),
        downtime_s=downtime, downtime_basis=basis,
        progress=tuple(facts.progress), attempts=tuple(facts.attempts),
        retries=sum(1 for a in facts.attempts if a.outcome in ("skipped", "rescheduled")),
        events=tuple(events), missing_sides=missing_sides,
        user=user, project=project,
        unknown=(*unknown, *_unknown_post_copy(kind, missing_sides, facts)),
        duration_uncertainty_s=0.0 if math.isinf(duration_pm) else duration_pm,
        downtime_uncertainty_s=0.0 if math.isinf(downtime_pm) or downtime is None else downtime_pm,
        downtime_resolution_s=down_step, downtime_below_s=below,
    )


def _identity(instance: str | None, request_ids: Sequence[str], events: Sequence[Event], facts: _Facts
              ) -> tuple[str, tuple[str, ...], tuple[str, ...], str | None, str | None]:
    """Return the move's id, request ids, global request ids, and the user and project who asked for it."""
    users = [e for e in events if e.request_id in request_ids and e.user]
    gids = sorted({e.global_request_id for e in events if e.global_request_id and e.request_id in request_ids})
    req_ids = tuple(dict.fromkeys(request_ids))
    ident = req_ids[0] if req_ids else (
        facts.migration_uuid or f"{instance or 'unknown'}@{events[0].time:%Y%m%dT%H%M%S}")
    return (ident, req_ids, tuple(g for g in gids if g), users[0].user if users else None,
            users[0].project if users else None)


def _unknown_post_copy(kind: str, missing_sides: Sequence[str], facts: _Facts) -> list[tuple[str, str]]:
    """Post-copy is unknown when the source's logs are missing: only the source logs the switch (hook, i10s)."""
    if kind == "live-migration" and "source" in missing_sides and "post_copy" not in facts.flags:
        return [("post_copy", "the switch to post-copy is logged by the source, whose logs are missing")]
    return []


def _zone_unknown(unknown: list[tuple[str, str]], duration_pm: float, downtime_pm: float) -> None:
    """Mark a duration/downtime unknown when its two ends are on hosts hours apart (a wrong time zone)."""
    for name, pm in (("duration_s", duration_pm), ("downtime_s", downtime_pm)):
        if math.isinf(pm) and not any(f == name for f, _ in unknown):
            unknown.append((name, "its two ends are on hosts whose clocks differ by hours "
                                  "(a host logging local time? see the warning and --tz PATH=ZONE)"))


def _outages(kind: str, events: Sequence[Event], marks: Callable[[Event], list[Match]], source: str | None,
             dest: str | None, facts: _Facts, unknown: list[tuple[str, str]], clocks: Mapping[str, float] | None
             ) -> tuple[float | None, str, tuple[tuple[str | None, str | None], ...], float | None]:
    """Return (downtime, basis, the hosts of each outage's two ends, resolution): the move's, plus a revert's.

    `clocks`: `skew.HostClocks` — its `shifts` place lifecycle epochs on the aligned timeline.
    """
    shifts: Mapping[str, float] = getattr(clocks, "shifts", {})
    downtime, basis, hosts, step, end = _downtime(kind, events, marks, source, dest, shifts)
    if downtime is None or end is None or kind not in _COLD:
        return downtime, basis, (hosts,), step
    # a revert stops the guest again (destination) and starts it on the source: counted too, never only the first
    revert = _revert_outage(events, marks, end, hosts[1], hosts[0])
    first = downtime
    downtime, basis, step, outages = _with_revert(downtime, basis, step, revert, status_is_reverted(facts.outcomes),
                                                  unknown)
    # the revert's outage is read across the same two clocks the other way: the clocks' errors cancel,
    # unless a reading was cut at 0 (a clock error larger than the outage)
    exact = outages == 2 and revert is not None and (revert.seconds or 0.0) > 0 and first > 0
    spans = (hosts, revert.hosts if exact and revert is not None else hosts) if outages == 2 else (hosts,)
    return downtime, basis, spans, step


def seconds_text(x: float) -> str:
    """Return seconds as a short exact text: `1 s`, `0.001 s`, `1.5 s`."""
    return f"{x:g} s"


def _below_resolution(downtime: float | None, step: float | None, pm: float,
                      unknown: list[tuple[str, str]]) -> float | None:
    """Return the bound of a downtime the timestamps cannot resolve (its two ends within one step), else None.

    Both ends are truncated to the step: a measured 0 (pause and resume in the same second of a
    whole-second log) means anything below one step, never 0 s.  The bound also takes the clocks' ±.
    """
    if downtime is None or step is None or downtime >= step or any(f == "downtime_s" for f, _ in unknown):
        return None
    clocks = 0.0 if math.isinf(pm) else pm
    below = round(downtime + step + clocks, 6)
    unknown.append(("downtime_s", f"< {seconds_text(below)} ({seconds_text(step)} resolution"
                                  f"{f', clocks ±{seconds_text(clocks)}' if clocks else ''}): the guest stopped "
                                  "and ran again within one step of the timestamps"))
    return below


def status_is_reverted(outcomes: Sequence[tuple[datetime, str]]) -> bool:
    """True when a line of the move says it was reverted."""
    return any(o == "reverted" for _, o in outcomes)


def _status(outcomes: list[tuple[datetime, str]], events: Sequence[Event], last_seen: datetime | None,
            kind: str, unknown: list[tuple[str, str]], missing: Sequence[str], own: Sequence[Event],
            source: str | None, dest: str | None, confirm_error: str | None = None) -> str:
    """Return the status the move's lines prove; `in-progress` only when every side's logs are there.

    A move with no outcome is running only if the logs end while it runs *and* nothing of it is
    missing: with a side's logs gone, its end may simply be in the logs we do not have.
    """
    status: str | None = None
    for _, outcome in sorted(outcomes, key=lambda o: o[0]):
        new = _STATUS_OF_OUTCOME[outcome]
        if status in _STICKY and new in ("completed",):
            continue
        status = new
    if status == "confirm_failed":
        # the periodic task logs the error and tries again later: the move is still in VERIFY_RESIZE
        unknown.append(("status", f"the periodic auto-confirm failed ({confirm_error}); nova retries it later, "
                                  "and no later line shows the move confirmed or reverted"))
        return "unknown"
    if status == "completed" and kind in _COLD:
        # a cold move that finished waits in VERIFY_RESIZE for a confirm or a revert (by the user or the
        # periodic auto-confirm): without those lines its end state is not in the logs
        unknown.append(("status", "the move finished (VERIFY_RESIZE), but no line shows whether it was "
                                  "confirmed or reverted"))
        return "unknown"
    if status is not None:
        return status
    if not own:
        unknown.append(("status", "only the move's follow-ups are in the logs: it is over, how it ended is not there"))
        return "unknown"
    if missing:
        unknown.append(("status", f"no line shows how the move ended (no logs from its {' or '.join(missing)})"))
        return "unknown"
    hosts_known = dest is not None and (source is not None or kind == "evacuation")
    if hosts_known and last_seen is not None and last_seen - events[-1].time <= IN_PROGRESS_HORIZON:
        return "in-progress"
    unknown.append(("status", "no line shows how the move ended"))
    return "unknown"


def _phases(kind: str, events: Sequence[Event], phase_of: dict[int, str], markers: MarkerSet,
            m_of: Mapping[int, list[Match]], own_requests: frozenset[str] = frozenset(),
            step: Callable[[Event], bool] = lambda e: True) -> tuple[Phase, ...]:
    """Group the move's events into its phases, each from its first to its last step.

    Once a follow-up has begun (confirm, revert, the evacuated host's clean-up), a line of none of the
    move's own requests belongs to it — the revert's `Instance running successfully.` on the source,
    its lifecycle events — not back to the move's `finish`.  A phase ends at its last step (`step`: a
    line of the move's requests or with a marker only moves write): a periodic heal during the
    VERIFY_RESIZE wait is shown in the phase but does not stretch it; the wait is idle time, between
    the move's end and its follow-up (docs/derivation.md "Duration").
    """
    order = markers.phases_for(kind)
    followup_phases = frozenset(markers.followup_phases)
    grouped: dict[str, list[Event]] = {}
    current = order[0] if order else "api"
    # an unmarked line belongs where its own request last was (the API's access line is logged
    # after the conductor has started), else where the move as a whole is
    current_of_request: dict[str, str] = {}
    under_way: str | None = None  # the follow-up phase that has begun
    for e in events:
        name = phase_of.get(id(e))
        if name in followup_phases:
            under_way = name
        elif under_way is not None and name is not None and not (e.request_id and e.request_id in own_requests):
            name = under_way
        if name is None or (order and name not in order):
            name = current_of_request.get(e.request_id or "", current)
        else:
            current = name
            if e.request_id:
                current_of_request[e.request_id] = name
        grouped.setdefault(name, []).append(e)
    phases: list[Phase] = []
    for name, evs in grouped.items():
        failed = any(m.marker.outcome in ("failure", "cancelled") for e in evs for m in m_of.get(id(e), ()))
        steps = [e for e in evs if step(e)] or evs
        phases.append(Phase(name=name, started=steps[0].time, ended=steps[-1].time,
                            hosts=tuple(dict.fromkeys(e.host for e in evs if e.host)),
                            events=tuple(evs), outcome="failed" if failed else "ok"))
    phases.sort(key=lambda p: (p.started, order.index(p.name) if p.name in order else 99))
    return tuple(phases)


def _with_wait(kind: str, phases: tuple[Phase, ...], ended: datetime) -> tuple[Phase, ...]:
    """Say on a cold move's confirm/revert how long the move waited for it in VERIFY_RESIZE (idle, no phase)."""
    if kind not in _COLD:
        return phases
    out: list[Phase] = []
    for p in phases:
        wait = (p.started - ended).total_seconds()
        if p.name in ("confirm", "revert") and wait > 0 and not p.detail:
            p = replace(p, detail=f"after {seconds_text(round(wait, 3))} idle in VERIFY_RESIZE (the move ended "
                                  f"{ended.isoformat(timespec='milliseconds')})")
        out.append(p)
    return tuple(out)


def _downtime(kind: str, events: Sequence[Event], marks: Callable[[Event], list[Match]], source: str | None,
              dest: str | None, shifts: Mapping[str, float]
              ) -> tuple[float | None, str, tuple[str | None, str | None], float | None, datetime | None]:
    """Estimate how long the guest was not running, say on what basis, the hosts of its two ends and its step.

    The step (resolution) is the coarsest of the two ends' timestamps, and 1 s when the start is
    moved back by `Instance shutdown successfully after N seconds` (nova prints whole seconds).
    """
    start: Event | None = None
    shutdown_seconds: float | None = None
    for e in events:
        for m in marks(e):
            if m.marker.downtime == "start" and start is None:
                if kind == "live-migration" and source and e.host and e.host != source:
                    continue
                start = e
                lead = m.marker.downtime_lead
                if lead and m.groups.get(lead):
                    shutdown_seconds = float(m.groups[lead])
    if start is None:
        return None, "", (None, None), None, None
    # an end stamped in the same timestamp step as the start may be listed before it (whole seconds), and a
    # fractional clock shift of one host may even put it up to one step earlier: still the same outage
    for e in events:
        if e is start or (e.time < start.time and (e.host == start.host or e.time <= start.time - timedelta(
                seconds=coarsest(start, e)))):
            continue
        for m in marks(e):
            if m.marker.downtime == "end":
                if dest and e.host and e.host != dest:
                    continue
                if kind == "live-migration" and source and e.host == source:
                    continue
                begin = start.time - timedelta(seconds=shutdown_seconds or 0.0)
                seconds = (e.time - begin).total_seconds()
                what = "source pause → destination resume" if kind == "live-migration" else \
                    "source shutdown → destination running"
                step = max(coarsest(start, e), 0.0 if shutdown_seconds is None else 1.0)
                basis = "log timestamps"
                epochs = ((_epoch_time(start, events, marks, shifts), _epoch_time(e, events, marks, shifts))
                          if step >= 1.0 else (None, None))
                if epochs[0] is not None and epochs[1] is not None and shutdown_seconds is None:
                    seconds, step, basis = (epochs[1] - epochs[0]).total_seconds(), 1e-06, "lifecycle event epochs"
                return (max(seconds, 0.0), f"{what} ({basis}, {start.host} → {e.host})", (start.host, e.host),
                        step, e.time)
    return None, "", (None, None), None, None


_LIFECYCLE_LINE = re.compile(r"^VM (?P<state>[A-Za-z ]+) \(Lifecycle Event\)")


def _epoch_time(e: Event, events: Sequence[Event], marks: Callable[[Event], list[Match]],
                shifts: Mapping[str, float]) -> datetime | None:
    """Return the µs time of a lifecycle line from nova's `Emitting event <LifecycleEvent: <epoch>, …>`.

    With whole-second timestamps a pause and a resume in the same second measure 0 s; the DEBUG line
    nova writes as it dispatches the event carries the epoch libvirt reported it at.  It is used only
    when it is certain: the same host, instance and event name, logged at most one second before the
    lifecycle line, and the epoch falls in the very second the Emitting line is stamped with on the
    host's own clock (so no time zone is lost; a STOPPED event, held back 15 s, never is).  The epoch
    was read on that clock too: a skew shift of the host (`shifts`, `ClockEstimate.offsets`, whole or
    fractional) applies to it exactly as to the stamp.  The Emitting line is read by its marker in
    migtrace/data/phases.yaml (the one capturing `epoch`, `instance` and `state`).
    """
    found = _LIFECYCLE_LINE.match(e.message)
    if found is None or found["state"] == "Stopped" or not e.instance:
        return None
    for x in events:
        if x.host != e.host or not timedelta(0) <= e.time - x.time <= timedelta(seconds=1):
            continue
        emitted = next((m.groups for m in marks(x) if "epoch" in m.groups), None)
        if emitted is None or emitted.get("instance") != e.instance or emitted.get("state") != found["state"]:
            continue
        epoch = emitted["epoch"]
        shift = timedelta(seconds=shifts.get(x.host, 0.0) if x.host else 0.0)
        stamped = x.time - shift  # as the host wrote it
        if stamped.microsecond or int(stamped.timestamp()) != int(float(epoch)):
            continue
        seconds, _, fraction = epoch.partition(".")
        micro = round(float(f"0.{fraction or 0}") * 1e6)
        return datetime.fromtimestamp(int(seconds), tz=UTC) + timedelta(microseconds=micro) + shift
    return None


@dataclass(frozen=True, slots=True)
class _Outage:
    """The revert's outage: the destination stops the guest, the source runs it again (None: not logged)."""

    seconds: float | None
    basis: str
    step: float | None = None
    #: the hosts of its two ends (the destination's stop, the source's start)
    hosts: tuple[str | None, str | None] = (None, None)


def _with_revert(downtime: float, basis: str, step: float | None, revert: _Outage | None, reverted: bool,
                 unknown: list[tuple[str, str]]) -> tuple[float, str, float | None, int]:
    """Return (downtime, basis, step, number of outages) with a revert's outage added, or say why it is unknown."""
    if revert is not None and revert.seconds is None:
        unknown.append(("downtime_s", f"{revert.basis}: the revert's outage has no end in the logs"))
    elif revert is not None and revert.seconds is not None:
        second = max(revert.seconds, 0.0)
        return (downtime + second, f"{basis} + {revert.basis}; {downtime:.3f} s + {second:.3f} s",
                max(step or 0.0, revert.step or 0.0), 2)
    elif reverted:
        unknown.append(("downtime_s", "the move was reverted, and the revert's outage (the destination stopping "
                                      "the guest, the source starting it) is not in the logs"))
    return downtime, basis, step, 1


def _revert_outage(events: Sequence[Event], marks: Callable[[Event], list[Match]], after: datetime,
                   guest_host: str | None, home: str | None) -> _Outage | None:
    """Return the second outage of a reverted cold move (None when the logs show no revert stopping the guest).

    After the move's own outage ended on `guest_host` (the destination), a revert destroys the guest
    there (`downtime: revert_start`) and the source (`home`) starts it again (its next `end` line).
    """
    stop = next((e for e in events if e.time >= after and (guest_host is None or e.host == guest_host)
                 and any(m.marker.downtime == "revert_start" for m in marks(e))), None)
    if stop is None:
        return None
    run = next((e for e in events if e.time >= stop.time and e is not stop and e.host != stop.host
                and (home is None or e.host == home) and any(m.marker.downtime == "end" for m in marks(e))), None)
    if run is None:
        return _Outage(None, f"the revert stopped the guest on {stop.host} ({stop.origin}); no line shows it "
                             "running again on the source")
    return _Outage((run.time - stop.time).total_seconds(),
                   f"revert: destination stop → source running (log timestamps, {stop.host} → {run.host})",
                   coarsest(stop, run), (stop.host, run.host))
