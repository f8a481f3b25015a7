"""One deployment: hosts, addresses, identities and the contexts nova's threads run under."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tools.samplegen.core import NOCTX, Ctx, Sim


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
    findings: list[str] = field(default_factory=list)
    story: str = ""

    def as_json(self) -> dict[str, object]:
        """Return the truth.json object (downtime rounded to milliseconds)."""
        downtime = None
        if self.down_start is not None and self.down_end is not None:
            downtime = round((self.down_end - self.down_start).total_seconds(), 3)
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
        }


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
