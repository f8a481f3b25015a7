"""Derive a Migration's facts (hosts, status, phases, downtime, progress) from its events.

Only what the markers say is used: which side logged a line, which status a
line implies, where the guest stopped and where it ran again.  Times are
aligned with the clock-skew offsets first when `--skew auto` found any; the
events keep their raw text so nothing is silently reordered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from migtrace.correlate.markers import MarkerSet, Match
from migtrace.model import Event, HostAttempt, Migration, Phase, ProgressSample

_STATUS_OF_OUTCOME = {
    "success": "completed", "failure": "failed", "cancelled": "cancelled",
    "confirmed": "confirmed", "reverted": "reverted", "finished": "completed",
}
_STICKY = {"confirmed", "reverted"}
#: a move with no outcome whose last line is this close to the end of the logs is still running
IN_PROGRESS_HORIZON = timedelta(minutes=10)


def build_migration(kind: str, instance: str | None, request_ids: Sequence[str], events: Sequence[Event],
                    matches: Mapping[int, list[Match]], markers: MarkerSet,
                    last_seen: datetime | None) -> Migration:
    """Assemble one Migration from its correlated (already skew-aligned) events."""
    events = sorted(events, key=lambda e: (e.time, e.lineno))
    def marks(e: Event) -> list[Match]:
        return [m for m in matches.get(id(e), []) if m.marker.applies_to(kind)]

    # kind refinement: a resize is a migration whose flavor changed
    for e in events:
        for m in marks(e):
            if m.marker.id == "api-old-new-instance-type" and kind in ("migration", "resize"):
                kind = "resize" if m.groups.get("old") != m.groups.get("new") else "migration"
            elif m.marker.id == "api-assuming-migration":
                kind = "migration"

    src_votes: Counter[str] = Counter()
    dst_votes: Counter[str] = Counter()
    captured_dest: list[str] = []
    requested_dest: str | None = None
    captured_source: str | None = None
    flags: set[str] = set()
    block: bool | None = None
    outcomes: list[tuple[datetime, str]] = []
    progress: list[ProgressSample] = []
    attempts: list[HostAttempt] = []
    migration_uuid: str | None = None
    migration_number: int | None = None
    phase_of: dict[int, str] = {}
    for e in events:
        for m in marks(e):
            mk, g = m.marker, m.groups
            if mk.side == "src" and e.host:
                src_votes[e.host] += 1
            elif mk.side == "dst" and e.host:
                dst_votes[e.host] += 1
            named = g.get("dest")
            if named and named not in ("another", "None"):
                if mk.id.startswith("api-"):
                    requested_dest = named
                elif mk.attempt == "skipped":
                    pass
                else:
                    captured_dest.append(named)
            if g.get("source"):
                captured_source = g["source"]
            if mk.flag:
                flags.add(mk.flag)
            if "block" in g:
                block = {"true": True, '"true"': True, "false": False, '"false"': False}.get(g["block"], block)
            if mk.outcome:
                outcomes.append((e.time, mk.outcome))
            if mk.progress and "pct" in g:
                progress.append(ProgressSample(
                    time=e.time, elapsed_s=float(g.get("secs", 0)), memory_remaining_pct=int(g["pct"]),
                    memory_remaining_bytes=int(g["remaining"]) if g.get("remaining") else None,
                    memory_total_bytes=int(g["total"]) if g.get("total") else None,
                    disk_remaining_pct=int(g["disk_pct"]) if g.get("disk_pct") else None))
            if mk.attempt and (named or e.host):
                host = named if mk.attempt != "rescheduled" else (e.host or named or "?")
                attempts.append(HostAttempt(host=host or "?", outcome=mk.attempt,
                                            reason=g.get("reason", ""), time=e.time))
            if g.get("uuid") and migration_uuid is None:
                migration_uuid = g["uuid"]
            if g.get("number") and migration_number is None:
                migration_number = int(g["number"])
            if mk.phase and id(e) not in phase_of:
                phase_of[id(e)] = mk.phase

    if block is None and kind == "live-migration":
        if "block_migration" in flags:
            block = True
        elif "shared_storage" in flags:
            block = False
    source = src_votes.most_common(1)[0][0] if src_votes else captured_source
    dest: str | None = dst_votes.most_common(1)[0][0] if dst_votes else None
    if dest is None and captured_dest:
        dest = captured_dest[-1]
    if dest is None and requested_dest and any(p not in ("api",) for p in phase_of.values()):
        dest = requested_dest
    if dest is not None and dest == source and kind != "evacuation":
        # a move to the same host only when nova said so (UnableToMigrateToSelf): keep the last other
        others = [d for d in captured_dest if d != source]
        dest = others[-1] if others else dest

    status = _status(outcomes, events, last_seen)
    phases = _phases(kind, events, phase_of, markers, matches)
    downtime, basis = _downtime(kind, events, marks, source, dest)
    hosts_seen = {e.host for e in events if e.host}
    missing: list[str] = []
    if source and source not in hosts_seen and kind != "evacuation":
        missing.append(f"no logs from source {source}")
    if dest and dest not in hosts_seen:
        missing.append(f"no logs from destination {dest}")
    users = [e for e in events if e.request_id in request_ids and e.user]
    gids = sorted({e.global_request_id for e in events
                   if e.global_request_id and e.request_id in request_ids})
    req_ids = tuple(dict.fromkeys(request_ids))
    ident = req_ids[0] if req_ids else (migration_uuid or f"{instance or 'unknown'}@{events[0].time:%Y%m%dT%H%M%S}")
    return Migration(
        id=ident, kind=kind, instance=instance, status=status,  # type: ignore[arg-type]
        started=events[0].time, ended=events[-1].time, source_host=source, dest_host=dest,
        request_ids=req_ids, global_request_ids=tuple(gids), migration_uuid=migration_uuid,
        migration_number=migration_number, block_migration=block if kind == "live-migration" else None,
        volume_backed=True if "volume_backed" in flags else None, post_copy="post_copy" in flags,
        phases=phases, downtime_s=downtime, downtime_basis=basis, progress=tuple(progress),
        attempts=tuple(attempts), retries=sum(1 for a in attempts if a.outcome in ("skipped", "rescheduled")),
        events=tuple(events), missing_sides=tuple(missing),
        user=users[0].user if users else None, project=users[0].project if users else None,
    )


def _status(outcomes: list[tuple[datetime, str]], events: Sequence[Event], last_seen: datetime | None) -> str:
    status: str | None = None
    for _, outcome in sorted(outcomes, key=lambda o: o[0]):
        new = _STATUS_OF_OUTCOME[outcome]
        if status in _STICKY and new in ("completed",):
            continue
        status = new
    if status is not None:
        return status
    if last_seen is not None and last_seen - events[-1].time <= IN_PROGRESS_HORIZON:
        return "in-progress"
    return "unknown"


def _phases(kind: str, events: Sequence[Event], phase_of: dict[int, str], markers: MarkerSet,
            m_of: Mapping[int, list[Match]]) -> tuple[Phase, ...]:
    order = markers.phases_for(kind)
    grouped: dict[str, list[Event]] = {}
    current = order[0] if order else "api"
    # an unmarked line belongs where its own request last was (the API's access line is logged
    # after the conductor has started), else where the move as a whole is
    current_of_request: dict[str, str] = {}
    for e in events:
        name = phase_of.get(id(e))
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
        phases.append(Phase(name=name, started=evs[0].time, ended=evs[-1].time,
                            hosts=tuple(dict.fromkeys(e.host for e in evs if e.host)),
                            events=tuple(evs), outcome="failed" if failed else "ok"))
    phases.sort(key=lambda p: (p.started, order.index(p.name) if p.name in order else 99))
    return tuple(phases)


def _downtime(kind: str, events: Sequence[Event], marks: Callable[[Event], list[Match]], source: str | None,
              dest: str | None) -> tuple[float | None, str]:
    """Estimate how long the guest was not running, and say on what basis."""
    start: Event | None = None
    shutdown_seconds = 0.0
    for e in events:
        for m in marks(e):
            if m.marker.downtime == "start" and start is None:
                if kind == "live-migration" and source and e.host and e.host != source:
                    continue
                start = e
                if m.marker.id == "src-shutdown-successfully" and m.groups.get("seconds"):
                    shutdown_seconds = float(m.groups["seconds"])
            elif m.marker.downtime == "end" and start is not None:
                if dest and e.host and e.host != dest:
                    continue
                if kind == "live-migration" and source and e.host == source:
                    continue
                begin = start.time - timedelta(seconds=shutdown_seconds)
                seconds = (e.time - begin).total_seconds()
                what = "source pause → destination resume" if kind == "live-migration" else \
                    "source shutdown → destination running"
                return max(seconds, 0.0), f"{what} (log timestamps, {start.host} → {e.host})"
    return None, ""
