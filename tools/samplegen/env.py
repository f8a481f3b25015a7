"""One deployment: hosts, addresses, identities and the contexts nova's threads run under."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Concatenate, ParamSpec

from tools.samplegen.core import NOCTX, Ctx, Record, Sim

P = ParamSpec("P")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="microseconds")


@dataclass
class Truth:
    """Ground truth for one migration, as written to truth.json."""

    kind: str
    instance: str
    name: str
    request_ids: list[str]
    source_host: str
    dest_host: str | None
    status: str
    block_migration: bool | None = None
    post_copy: bool | None = None
    down_start: datetime | None = None
    down_end: datetime | None = None
    #: a revert's second outage (the destination stops the guest, the source starts it): counted in downtime_s
    revert_down: tuple[datetime, datetime] | None = None
    findings: list[str] = field(default_factory=list)
    story: str = ""
    #: fields the logs of this set cannot support, with the reason (their value above is None)
    unknown: dict[str, str] = field(default_factory=dict)
    #: ids that may be listed with the move but need not be (the periodic task that auto-confirmed it)
    request_ids_optional: list[str] = field(default_factory=list)
    #: every record the move logged (own steps, follow-ups, delayed events), filled by `move`
    records: list[Record] = field(default_factory=list)

    def absorb(self, records: Sequence[Record]) -> None:
        """Attach records a flow (or a follow-up of it) emitted."""
        self.records.extend(records)

    @property
    def started(self) -> datetime:
        """The first own step: the API request's arrival (or the earliest step nova logged)."""
        return min(r.t for r in self.records if r.part == "")

    @property
    def ended(self) -> datetime:
        """The last own step; follow-ups (confirm, revert, clean-up) and delayed events excluded."""
        return max(r.t for r in self.records if r.part == "")

    def phases(self) -> list[str]:
        """Return the phases the move went through, in the order they started."""
        first: dict[str, datetime] = {}
        for r in self.records:
            if r.phase and r.part != "delayed":
                first[r.phase] = min(r.t, first.get(r.phase, r.t))
        return sorted(first, key=lambda p: first[p])

    def phase_levels(self) -> dict[str, dict[str, list[str]]]:
        """Return, per phase, which hosts logged it at which levels (what a partial view can still show)."""
        out: dict[str, dict[str, set[str]]] = {}
        for r in self.records:
            if r.phase and r.part != "delayed":
                out.setdefault(r.phase, {}).setdefault(r.host, set()).add(r.level)
        return {p: {h: sorted(lv, key=LEVELS.index) for h, lv in sorted(hosts.items())}
                for p, hosts in sorted(out.items(), key=lambda kv: self.phases().index(kv[0]))}

    def as_json(self) -> dict[str, object]:
        """Return the truth.json object (downtime rounded to milliseconds, times to microseconds)."""
        downtime = None
        if self.down_start is not None and self.down_end is not None:
            seconds = (self.down_end - self.down_start).total_seconds()
            if self.revert_down is not None:
                seconds += (self.revert_down[1] - self.revert_down[0]).total_seconds()
            downtime = round(seconds, 3)
        return {
            "kind": self.kind,
            "instance": self.instance,
            "request_ids": self.request_ids,
            "source_host": self.source_host,
            "dest_host": self.dest_host,
            "status": self.status,
            "block_migration": self.block_migration,
            "post_copy": self.post_copy,
            "downtime_s": downtime,
            "findings": self.findings,
            "started": _iso(self.started),
            "ended": _iso(self.ended),
            "down_start": _iso(self.down_start),
            "down_end": _iso(self.down_end),
            "phases": self.phases(),
            "phase_levels": self.phase_levels(),
            "request_ids_optional": self.request_ids_optional,
            "unknown": self.unknown,
        }


def move(flow: Callable[Concatenate[Env, P], Truth]) -> Callable[Concatenate[Env, P], Truth]:
    """Decorate a flow: every record it emits belongs to the truth it returns."""
    @functools.wraps(flow)
    def run(env: Env, *args: P.args, **kwargs: P.kwargs) -> Truth:
        sim = env.sim
        start = len(sim.records)
        sim.phase, sim.part = "api", ""
        truth = flow(env, *args, **kwargs)
        sim.phase, sim.part = "", ""
        truth.absorb(sim.records[start:])
        return truth
    return run


def followup(env: Env, truth: Truth, phase: str, action: Callable[[], object]) -> None:
    """Run `action` as a follow-up of an earlier move (its records join that move's truth)."""
    sim = env.sim
    start = len(sim.records)
    sim.phase, sim.part = phase, "followup"
    action()
    sim.phase, sim.part = "", ""
    truth.absorb(sim.records[start:])


@dataclass
class Env:
    """A deployment being simulated: where each service runs and who calls it."""

    sim: Sim
    controller: str
    computes: list[str]
    ips: dict[str, str]
    admin_user: str
    admin_project: str
    client_ip: str
    #: (host, service) -> periodic-task context
    periodic: dict[tuple[str, str], Ctx] = field(default_factory=dict)
    #: compute host -> context of the libvirt event dispatch thread
    lifecycle: dict[str, Ctx] = field(default_factory=dict)
    rp: dict[str, str] = field(default_factory=dict)
    cell: str = ""
    neutron_user: str = ""
    service_project: str = ""
    truths: list[Truth] = field(default_factory=list)
    debug: bool = True
    #: instance uuid -> (name, flavor name, memory MB)
    flavors: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)

    def user(self, req: str, global_id: str | None = None) -> Ctx:
        """Return the admin user's context for an API request."""
        return Ctx(req, self.admin_user, self.admin_project, "admin", "admin", global_id)

    def neutron(self) -> Ctx:
        """Return a fresh context for a neutron → nova external-event call."""
        gid = self.sim.req()
        return Ctx(self.sim.req(), self.neutron_user, self.service_project, "nova", "service", gid)

    def periodic_ctx(self, host: str, service: str) -> Ctx:
        """Return (creating once) the long-lived periodic-task context of a service."""
        key = (host, service)
        if key not in self.periodic:
            self.periodic[key] = Ctx(self.sim.req())
        return self.periodic[key]

    def lifecycle_ctx(self, host: str) -> Ctx:
        """Return the event-dispatch thread's context: ``[-]`` or a service-internal id."""
        return self.lifecycle.get(host, NOCTX)
