"""n-api lines: action bodies, access log lines in the eventlet and uwsgi eras."""

from __future__ import annotations

from datetime import datetime

from tools.samplegen import sites
from tools.samplegen.core import Ctx, at
from tools.samplegen.env import Env

_CONTROLLERS = {
    "os-migrateLive": ("MigrateServerController._migrate_live", "nova.api.openstack.compute.migrate_server.MigrateServerController"),
    "migrate": ("MigrateServerController._migrate", "nova.api.openstack.compute.migrate_server.MigrateServerController"),
    "resize": ("ServersController._action_resize", "nova.api.openstack.compute.servers.ServersController"),
    "confirmResize": ("ServersController._action_confirm_resize", "nova.api.openstack.compute.servers.ServersController"),
    "revertResize": ("ServersController._action_revert_resize", "nova.api.openstack.compute.servers.ServersController"),
    "evacuate": ("EvacuateController._evacuate", "nova.api.openstack.compute.evacuate.EvacuateController"),
    "force_complete": ("ServerMigrationsController._force_complete", "nova.api.openstack.compute.server_migrations.ServerMigrationsController"),
}
_KILO_CONTROLLERS = {
    "os-migrateLive": ("AdminActionsController._migrate_live", "nova.api.openstack.compute.contrib.admin_actions.AdminActionsController"),
    "migrate": ("AdminActionsController._migrate", "nova.api.openstack.compute.contrib.admin_actions.AdminActionsController"),
}


def _addr(env: Env, key: str) -> str:
    return f"0x7f{env.sim.rng.getrandbits(36):09x}"


def path_prefix(env: Env) -> str:
    """Return the URL prefix the compute API is served under in this deployment."""
    era = env.sim.release.era
    if era == "caracal":
        return "/compute/v2.1"
    if era == "kilo":
        return f"/v2/{env.admin_project}"
    if era == "queens":
        return f"/v2.1/{env.admin_project}"
    return "/v2.1"


def action(env: Env, t: datetime, ctx: Ctx, inst: str, verb: str, body: str, *, url: str | None = None) -> datetime:
    """Log the DEBUG ``Action: 'action'`` line of a server action request."""
    era = env.sim.release.era
    table = _KILO_CONTROLLERS if era == "kilo" and verb in _KILO_CONTROLLERS else _CONTROLLERS
    meth, cls = table[verb]
    addr = _addr(env, verb)
    return env.sim.emit(
        t, env.controller, "n-api", "DEBUG", "nova.api.openstack.wsgi",
        f"Action: 'action', calling method: <bound method {meth} of <{cls} object at {addr}>>, body: {body}",
        ctx, site=sites.API_ACTION, pid=_worker(env, ctx),
    )


def _worker(env: Env, ctx: Ctx) -> int | None:
    """Pick a uwsgi worker pid (devstack) for a request, stable per request id."""
    workers = env.sim.pids[env.controller].get("n-api-workers")
    if not workers or ctx.request_id is None:
        return None
    return workers[sum(map(ord, ctx.request_id)) % len(workers)]


def access(env: Env, t: datetime, ctx: Ctx, method: str, path: str, status: int, length: int,
           elapsed: float, *, microversion: str = "2.1", client: str | None = None) -> datetime:
    """Log the access line of a finished request, written when the response is sent."""
    rel = env.sim.release
    ip = client or env.client_ip
    end = at(t, elapsed)
    if rel.api_log == "requestlog":
        return env.sim.emit(
            end, env.controller, "n-api", "INFO", "nova.api.openstack.requestlog",
            f'{ip} "{method} {path}" status: {status} len: {length} microversion: {microversion} time: {elapsed:.6f}',
            ctx, pid=_worker(env, ctx),
        )
    return env.sim.emit(
        end, env.controller, "n-api", "INFO", "nova.osapi_compute.wsgi.server",
        f'{ip} "{method} {path} HTTP/1.1" status: {status} len: {length} time: {elapsed + 0.0000213:.7f}',
        ctx,
    )


def server_action(env: Env, t: datetime, ctx: Ctx, inst: str, verb: str, body: str,
                  extra: list[tuple[float, str, str, tuple[str, str, int, int] | None]] = (),
                  *, status: int = 202, elapsed: float = 0.21, microversion: str = "2.90",
                  length: int = 0) -> datetime:
    """Log a full POST /servers/{id}/action: action line, API debug lines, access line."""
    action(env, t, ctx, inst, verb, body)
    for offset, level, text, site in extra:
        env.sim.emit(at(t, offset), env.controller, "n-api", level, "nova.compute.api", text, ctx,
                     inst=inst, site=site, pid=_worker(env, ctx))
    return access(env, t, ctx, "POST", f"{path_prefix(env)}/servers/{inst}/action", status, length,
                  elapsed, microversion=microversion)


def get_server(env: Env, t: datetime, inst: str, *, microversion: str = "2.90") -> datetime:
    """Log a client polling GET /servers/{id} (e.g. ``openstack ... --wait``)."""
    ctx = env.user(env.sim.req())
    return access(env, t, ctx, "GET", f"{path_prefix(env)}/servers/{inst}", 200,
                  env.sim.rng.randint(1780, 2140), env.sim.rng.uniform(0.08, 0.31), microversion=microversion)


def external_event(env: Env, t: datetime, inst: str, host: str, name: str, tag: str) -> Ctx:
    """Log neutron's POST /os-server-external-events and return its context."""
    ctx = env.neutron()
    rel = env.sim.release
    text = f"Creating event {name}:{tag} for instance {inst} on {host}"
    env.sim.emit(at(t, 0.004), env.controller, "n-api", "INFO",
                 "nova.api.openstack.compute.server_external_events", text, ctx, pid=_worker(env, ctx))
    access(env, t, ctx, "POST", f"{path_prefix(env) if rel.era != 'queens' else '/v2.1/' + env.service_project}/os-server-external-events",
           200, 183, env.sim.rng.uniform(0.02, 0.06), client=env.ips[env.controller])
    return ctx
