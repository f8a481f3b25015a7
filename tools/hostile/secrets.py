"""Planted secrets (and near-misses that must survive) inside realistic nova log lines.

The set is deliberately broader than migtrace's own redaction patterns
(migtrace/redact.py): besides the cephx keys, URL passwords, token headers
and `password=` fields it knows, nova logs leak `adminPass` in API bodies,
private keys in remote-error output, `Authorization: Basic/Bearer` headers,
command lines (`sshpass -p`, `--os-password`, `mysql -p…`, `iscsiadm … -v`),
keystone token bodies, passwords with `@`, `/` or spaces, and every key of
oslo.utils' `mask_password` list.  Each value sits where a real nova, oslo or
keystoneauth log call would put it, on a record of the corpus's one live
migration so that it reaches timeline, diagnose and reports too.

Near-misses are values next to secret-looking keys that are *not* secrets
(`rbd_secret_uuid`, `{SHA256}` token hashes, public keys, checksums): a
redactor that hides them destroys the evidence a report exists for.

Everything is derived from fixed seeds: the same corpus, byte for byte, on
every run.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tools.hostile.nova import oslo, text

#: oslo.utils `strutils._SANITIZE_KEYS` as of oslo.utils 10.2.0: the keys `mask_password` masks.
OSLO_SANITIZE_KEYS: tuple[str, ...] = (
    "adminpass", "admin_pass", "password", "admin_password", "auth_token", "new_pass", "auth_password",
    "secret_uuid", "secret", "sys_pswd", "token", "configdrive", "chappassword", "encrypted_key",
    "private_key", "fernetkey", "sslkey", "passphrase", "cephclusterfsid", "octaviaheartbeatkey",
    "rabbitcookie", "cephmanilaclientkey", "pacemakerremoteauthkey", "designaterndckey", "cephadminkey",
    "heatauthencryptionkey", "cephclientkey", "keystonecredential", "barbicansimplecryptokek", "cephrgwkey",
    "swifthashsuffix", "migrationsshkey", "cephmdskey", "cephmonkey", "chapsecret",
)
#: keys of that list whose values are uuids (identifiers that correlate, not secrets)
UUID_KEYS = frozenset({"secret_uuid", "cephclusterfsid"})

REQ = "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a"
INSTANCE = "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f"
USER = "5e4d3c2b1a0949f8e7d6c5b4a3928170"
PROJECT = "8170f6e5d4c34b2a1a09f8e7d6c5b4a3"
T0 = datetime(2019, 5, 14, 9, 0, 0, 250000)
DEST = "cmpsecret01"
SOS_ROOT = f"sosreport-{DEST}-2019-05-14-qzkvbw"
#: where each log of the secrets corpus lives (relative to its root)
FILES = {
    "api": "controller/var/log/nova/nova-api.log",
    "conductor": "controller/var/log/nova/nova-conductor.log",
    "source": "compute1/var/log/nova/nova-compute.log",
    "dest": f"{SOS_ROOT}/var/log/nova/nova-compute.log",
}
#: names that `--redact all` must hide everywhere (paths and sosreport names included)
HOST_NAMES = ("compute1", DEST, "controller")
#: migtrace's own text that redaction must leave alone (the rbd signature's reference)
OWN_TEXT = ("https://docs.ceph.com/en/latest/rbd/rbd-openstack/",)

KEYSTONEAUTH = "/usr/lib/python2.7/site-packages/keystoneauth1/session.py"
PROCESSUTILS = "/usr/lib/python2.7/site-packages/oslo_concurrency/processutils.py"
CFG = "/usr/lib/python2.7/site-packages/oslo_config/cfg.py"


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted value: where it is and every literal form that betrays it."""

    id: str
    kind: str  # "secret" or "near-miss"
    shape: str
    value: str
    file: str
    line: int
    #: further literal forms (decoded, other lines of a key block) that leak it just as well
    forms: tuple[str, ...] = ()
    #: for near-misses: the text right before the value, and a fragment only this line has; an output
    #: showing the context but not `anchor` + the value's first characters has masked the value
    anchor: str = ""
    context: str = ""
    #: the oslo mask_password key the value sits under, if any
    oslo_key: str = ""
    #: its record belongs to the migration, so reports (which show migrations) can show it; the rest
    #: (service-start option dumps, no request id) only reach `merge`
    in_migration: bool = True


def _rng(seed: str) -> random.Random:
    return random.Random("hostile-secret:" + seed)


def _token(seed: str, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    r = _rng(seed)
    return "".join(r.choice(alphabet) for _ in range(n))


def _b64(seed: str, n_bytes: int, urlsafe: bool = False) -> str:
    r = _rng(seed)
    raw = bytes(r.getrandbits(8) for _ in range(n_bytes))
    return (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()


def _uuid(seed: str) -> str:
    return str(uuid.UUID(int=_rng(seed).getrandbits(128), version=4))


def _hex(seed: str, n: int) -> str:
    return _token(seed, n, "0123456789abcdef")


def cephx(seed: str) -> str:
    """A cephx key: base64 of a 28-byte blob that starts 0x01 0x00 (so it reads `AQ…`)."""
    r = _rng(seed)
    return base64.b64encode(b"\x01\x00" + bytes(r.getrandbits(8) for _ in range(26))).decode()


def fernet(seed: str) -> str:
    """A Fernet token: version 0x80, timestamp, iv, ciphertext, hmac, url-safe base64."""
    r = _rng(seed)
    raw = b"\x80" + (1557824400).to_bytes(8, "big") + bytes(r.getrandbits(8) for _ in range(16 + 96 + 32))
    return base64.urlsafe_b64encode(raw).decode()


def jwt(seed: str) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(
        f'{{"sub":"{_hex(seed + "s", 32)}","iss":"https://idp.example.org","exp":1557828000}}'.encode()
    ).rstrip(b"=").decode()
    return f"{head}.{body}.{_b64(seed + 'sig', 96, urlsafe=True).rstrip('=')}"


def password(seed: str, n: int = 18) -> str:
    """A human-ish password with punctuation that survives JSON and shell quoting."""
    return _token(seed, n, string.ascii_letters + string.digits + "!#%^*-_+")


def key_block(kind: str, seed: str, n_lines: int = 6) -> list[str]:
    """A PEM / OpenSSH private key block (header, base64 body lines, footer)."""
    head = {"rsa": "RSA PRIVATE KEY", "openssh": "OPENSSH PRIVATE KEY", "ec": "EC PRIVATE KEY"}[kind]
    body = _b64(seed, 48 * n_lines)
    return [f"-----BEGIN {head}-----", *(body[i:i + 64] for i in range(0, len(body), 64)), f"-----END {head}-----"]


@dataclass
class _File:
    """Lines of one log being written, with the values planted in them."""

    key: str
    lines: list[str] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def plant(self, line: str | list[str], pid: str, shape: str, value: str, *, forms: tuple[str, ...] = (),
              oslo_key: str = "") -> None:
        """Append line(s) holding a secret; the manifest gets the first line that contains a form."""
        block = [line] if isinstance(line, str) else line
        at = next(i for i, ln in enumerate(block) if value in ln or any(f in ln for f in forms))
        self.planted.append(Planted(pid, "secret", shape, value, FILES[self.key], len(self.lines) + at + 1,
                                    forms, oslo_key=oslo_key))
        self.lines.extend(block)

    def near(self, line: str, pid: str, shape: str, value: str, anchor: str, context: str = "") -> None:
        assert anchor + value in line and (context or anchor) in line, (pid, line)
        self.planted.append(Planted(pid, "near-miss", shape, value, FILES[self.key], len(self.lines) + 1,
                                    anchor=anchor, context=context or anchor))
        self.lines.append(line)


class _Clock:
    """Monotonic record times, 37 ms apart, from T0."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self, step: float = 0.037) -> datetime:
        self.t += timedelta(seconds=step)
        return self.t


def _rec(t: datetime, level: str, logger: str, message: str, *, instance: str | None = INSTANCE,
         req: str | None = REQ, site: tuple[str, str, int] | None = None, pid: int = 2311) -> str:
    return oslo(t, level, logger, message, req=req, instance=instance, pid=pid, site=site,
                user=USER, project=PROJECT)


def _cmd(t: datetime, command: str, pid: int = 2311) -> str:
    """oslo.concurrency's `Running cmd (subprocess): …` DEBUG line."""
    return _rec(t, "DEBUG", "oslo_concurrency.processutils", f"Running cmd (subprocess): {command}",
                instance=None, site=("execute", PROCESSUTILS, 372), pid=pid)


def _curl(t: datetime, method: str, url: str, headers: list[str], pid: int = 2311, data: str = "") -> str:
    """keystoneauth's `REQ: curl …` DEBUG line."""
    hdrs = " ".join(f'-H "{h}"' for h in ["Accept: application/json", *headers,
                                           "User-Agent: nova/17.0.9 keystoneauth1/3.4.0 python-requests/2.19.1"])
    body = f" -d '{data}'" if data else ""
    return _rec(t, "DEBUG", "keystoneauth.session", f"REQ: curl -g -i -X {method} {url} {hdrs}{body}",
                instance=None, site=("_http_log_request", KEYSTONEAUTH, 372), pid=pid)


def _resp_body(t: datetime, body: str, pid: int = 1874) -> str:
    return _rec(t, "DEBUG", "keystoneauth.session", f"RESP BODY: {body}", instance=None,
                site=("_http_log_response", KEYSTONEAUTH, 419), pid=pid)


def _opt(t: datetime, name: str, value: str, pid: int) -> str:
    """oslo.config's `log_opt_values` DEBUG line at service start (no request context)."""
    return _rec(t, "DEBUG", "oslo_service.service", f"{name} = {value}", instance=None, req=None,
                site=("log_opt_values", CFG, 2898), pid=pid)


def _mask_key_line(t: datetime, i: int, key: str, value: str) -> str:
    """Put `key`/`value` in one of the shapes mask_password handles, in a real log call of that shape."""
    shape = i % 6
    if shape == 0:  # "k": "v" in an API action body
        return _rec(t, "DEBUG", "nova.api.openstack.wsgi",
                    "Action: 'action', calling method: <bound method ServersController._action_rebuild of "
                    "<nova.api.openstack.compute.servers.ServersController object at 0x7f61c4d2a650>>, body: "
                    f'{{"rebuild": {{"imageRef": "{_uuid(f"ctx-{key}")}", "{key}": "{value}"}}}}',
                    site=("_process_stack", "/usr/lib/python2.7/site-packages/nova/api/openstack/wsgi.py", 615),
                    pid=1874)
    if shape == 1:  # 'k': 'v' in a dict repr
        return _rec(t, "DEBUG", "nova.virt.libvirt.volume.net",
                    f"Connecting volume with connection_info {{'driver_volume_type': 'rbd', 'data': "
                    f"{{'name': 'volumes/volume-{_uuid(f'ctx-{key}')}', '{key}': '{value}', 'auth_enabled': True}}}}",
                    site=("connect_volume", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/volume/net.py", 98))
    if shape == 2:  # k = v (as log_opt_values prints options; here in a record of the migration)
        return _rec(t, "DEBUG", "nova.virt.libvirt.driver", f"Migration option {key} = {value}",
                    site=("_live_migration_operation", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/driver.py",
                          6990))
    if shape == 3:  # k=v on a command line
        return _cmd(t, f"sudo nova-rootwrap /etc/nova/rootwrap.conf /usr/local/bin/hostile-helper {key}={value}")
    if shape == 4:  # --k v on a command line
        return _cmd(t, f"sudo nova-rootwrap /etc/nova/rootwrap.conf /usr/local/bin/hostile-helper --{key} {value}")
    return _rec(t, "DEBUG", "nova.virt.libvirt.host",  # <k>v</k> in XML
                f"Secret XML: <secret ephemeral='no' private='yes'><{key}>{value}</{key}></secret>",
                site=("create_secret", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/host.py", 1080))


def _remote_error_with_key(t: datetime, kind: str, seed: str) -> tuple[list[str], list[str]]:
    """A RemoteError whose command output holds a private key; its unprefixed lines follow the header."""
    block = key_block(kind, seed)
    header = _rec(t, "ERROR", "nova.compute.manager",
                  "Exception during live migration cleanup: Remote error: ProcessExecutionError Unexpected error "
                  "while running command.\nCommand: ssh -o BatchMode=yes compute2 cat /var/lib/nova/.ssh/id_"
                  f"{kind}\nExit code: 1\nStdout: u'" + "\n".join(block) + "\n'\nStderr: u''")
    return header.split("\n"), block[1:-1]


def _compose() -> dict[str, _File]:
    """Every line of the secrets corpus, file by file, with what is planted where."""
    files = {k: _File(k) for k in FILES}
    api, cond, src, dst = files["api"], files["conductor"], files["source"], files["dest"]
    clock = _Clock(T0)

    # --- controller: service start dumps options (no request context), then the API call
    for name, pid_ in (("transport", "transport-multi-host"),):
        pws = [password(f"{pid_}-{i}", 16) for i in range(3)]
        url = ",".join(f"nova:{pw}@ctl{i + 1}:5672" for i, pw in enumerate(pws))
        line = _opt(clock(), "DEFAULT.transport_url", f"rabbit://{url}/", pid=1874)
        for i, pw in enumerate(pws):
            # one line, three secrets: each is its own manifest entry
            api.planted.append(Planted(f"{pid_}-{i + 1}", "secret", f"{name}_url with 3 hosts, host {i + 1}", pw,
                                       FILES["api"], len(api.lines) + 1))
        api.add(line)
    pw = password("mysql-plain")
    api.plant(_opt(clock(), "api_database.connection", f"mysql+pymysql://nova_api:{pw}@192.0.2.10/nova_api", 1874),
              "mysql-connection", "connection = mysql+pymysql://user:PW@host/db", pw)
    # a secret with a random core: any surviving piece of it (the core) is a leak
    core = _token("mysql-at", 10)
    pw = "Pa@" + core + "@x"
    api.plant(_opt(clock(), "database.connection", f"mysql+pymysql://nova:{pw}@192.0.2.10/nova?charset=utf8", 1874),
              "password-with-at", "URL password containing '@'", pw, forms=(core,))
    core = _token("rabbit-slash", 12)
    pw = "ab/" + core + "/cd"
    api.plant(_opt(clock(), "oslo_messaging_notifications.transport_url", f"rabbit://nova:{pw}@ctl1:5672/", 1874),
              "password-with-slash", "URL password containing '/'", pw, forms=(core,))
    core = _token("urlenc", 10)
    raw = "s3cr/t:" + core + "@!"
    enc = raw.replace("%", "%25").replace("/", "%2F").replace(":", "%3A").replace("@", "%40").replace("!", "%21")
    api.plant(_opt(clock(), "placement_database.connection", f"mysql+pymysql://placement:{enc}@192.0.2.10/placement",
                   1874), "url-encoded-password", "percent-encoded URL password", enc, forms=(raw, core))
    ak, sk = "AKIA" + _token("aws-id", 16, string.ascii_uppercase + string.digits), _b64("aws-secret", 30)
    api.plant(_opt(clock(), "DEFAULT.s3_access_key", ak, 1874), "aws-access-key-id", "AWS access key id (AKIA…)", ak)
    api.plant(_opt(clock(), "DEFAULT.s3_secret_key", sk, 1874), "aws-secret-key", "AWS secret key (40 chars)", sk)
    rbd_uuid = _uuid("rbd-secret-uuid")
    api.near(_opt(clock(), "libvirt.rbd_secret_uuid", rbd_uuid, 1874), "near-rbd-secret-uuid",
             "rbd_secret_uuid (a libvirt secret's uuid)", rbd_uuid, "libvirt.rbd_secret_uuid = ")
    api.near(_opt(clock(), "keystone_authtoken.auth_type", "password", 1874), "near-auth-type-password",
             "auth_type = password (a plugin name)", "password", "keystone_authtoken.auth_type = ")

    clock(5.0)
    tok = _hex("v2-token", 32)
    api.plant(_resp_body(clock(), '{"access": {"token": {"issued_at": "2019-05-14T09:00:05.000000Z", "expires": '
                                  f'"2019-05-14T10:00:05Z", "id": "{tok}", "tenant": {{"id": "{PROJECT}", '
                                  '"name": "admin"}}, "serviceCatalog": []}}'),
              "keystone-v2-token-body", "keystone v2 token body (uuid token id)", tok)
    pki = "MIIDXQYJKoZIhvcNAQcCoIIDTjCCA0oCAQExDTALBglghkgBZQMEAgEwggGr" + _b64("pki", 120).replace("/", "-")
    api.plant(_resp_body(clock(), f'{{"access": {{"token": {{"id": "{pki}", "expires": "2019-05-14T10:00:05Z"}}}}}}'),
              "keystone-pki-token-body", "keystone PKI token (MII…) in a token body", pki)
    fer = fernet("subject-token")
    api.plant(_rec(clock(), "DEBUG", "keystoneauth.session",
                   f"RESP: [201] Content-Type: application/json Content-Length: 6810 X-Subject-Token: {fer} "
                   "Vary: X-Auth-Token", instance=None, site=("_http_log_response", KEYSTONEAUTH, 419), pid=1874),
              "x-subject-token-fernet", "X-Subject-Token: Fernet", fer)
    sha = "{SHA256}" + hashlib.sha256(fer.encode()).hexdigest()
    api.near(_curl(clock(), "GET", "http://192.0.2.10/identity/v3/auth/tokens",
                   [f"X-Auth-Token: {sha}", f"X-Subject-Token: {sha}"], pid=1874),
             "near-sha256-token", "keystoneauth's {SHA256} token hash", sha, "X-Auth-Token: ",
             context="/identity/v3/auth/tokens -H")
    api.add(_rec(clock(), "INFO", "nova.osapi_compute.wsgi.server",
                 f'198.51.100.23 "POST /v2.1/{PROJECT}/servers/{INSTANCE}/action HTTP/1.1" status: 202 len: 0 '
                 "time: 0.4127330", instance=None, pid=1874))
    apw = password("adminpass-evacuate", 14)
    api.plant(_rec(clock(), "DEBUG", "nova.api.openstack.wsgi",
                   "Action: 'action', calling method: <bound method EvacuateController._evacuate of "
                   "<nova.api.openstack.compute.evacuate.EvacuateController object at 0x7f61c4d3b690>>, body: "
                   f'{{"evacuate": {{"host": "compute2", "adminPass": "{apw}", "onSharedStorage": false}}}}',
                   site=("_process_stack", "/usr/lib/python2.7/site-packages/nova/api/openstack/wsgi.py", 615),
                   pid=1874, instance=None),
              "adminpass-evacuate-body", "adminPass in an evacuate action body", apw, oslo_key="adminpass")
    apw = password("adminpass-create", 12)
    api.plant(_resp_body(clock(), f'{{"server": {{"security_groups": [{{"name": "default"}}], "OS-DCF:diskConfig": '
                                  f'"MANUAL", "id": "{INSTANCE}", "adminPass": "{apw}"}}}}'),
              "adminpass-create-response", "adminPass in a create-server response body", apw,
              oslo_key="adminpass")
    api.add(_rec(clock(), "DEBUG", "nova.api.openstack.wsgi",
                 "Action: 'action', calling method: <bound method MigrateServerController._migrate_live of "
                 "<nova.api.openstack.compute.migrate_server.MigrateServerController object at 0x7f61c4d2a68>>, "
                 'body: {"os-migrateLive": {"block_migration": "auto", "host": "cmpsecret01"}}',
                 site=("_process_stack", "/usr/lib/python2.7/site-packages/nova/api/openstack/wsgi.py", 615),
                 pid=1874, instance=None))

    # --- conductor: the live migration is scheduled
    cond.add(_rec(clock(0.2), "DEBUG", "nova.conductor.tasks.live_migrate",
                  "Requesting cell 4df78809-4896-40c5-93ae-68ca8ebd0455(cell1) while live migrating",
                  site=("_get_request_spec_for_select_destinations",
                        "/usr/lib/python2.7/site-packages/nova/conductor/tasks/live_migrate.py", 410), pid=1903))
    # the URL-shaped secrets again, this time in records of the migration (the startup dumps above carry no
    # request id, so only `merge` shows them): a cell connection failure the conductor logs while scheduling
    core = _token("mig-at", 10)
    pw_at, pw_slash = "Pa@" + core + "@x", "ab/" + _token("mig-slash", 12) + "/cd"
    core2 = _token("mig-urlenc", 10)
    enc = ("s3cr/t:" + core2 + "@!").replace("/", "%2F").replace(":", "%3A").replace("@", "%40").replace("!", "%21")
    pws = [password(f"mig-transport-{i}", 16) for i in range(2)]
    cell = "Failed to connect to cell 4df78809-4896-40c5-93ae-68ca8ebd0455(cell1) at {}: DBConnectionError"
    cond.plant(_rec(clock(), "WARNING", "nova.context", cell.format(f"mysql+pymysql://nova:{pw_at}@192.0.2.11/nova_cell1"),
                    pid=1903), "password-with-at-in-migration", "URL password containing '@' (migration record)",
               pw_at, forms=(core,))
    cond.plant(_rec(clock(), "WARNING", "nova.context", cell.format(f"rabbit://nova:{pw_slash}@ctl1:5672/cell1"),
                    pid=1903), "password-with-slash-in-migration", "URL password containing '/' (migration record)",
               pw_slash, forms=(pw_slash.split("/")[1],))
    cond.plant(_rec(clock(), "WARNING", "nova.context",
                    cell.format(f"mysql+pymysql://nova:{enc}@192.0.2.11/nova_cell1"), pid=1903),
               "url-encoded-password-in-migration", "percent-encoded URL password (migration record)", enc,
               forms=(core2,))
    line = _rec(clock(), "WARNING", "nova.context",
                cell.format(f"rabbit://nova:{pws[0]}@ctl1:5672,nova:{pws[1]}@ctl2:5672/cell1"), pid=1903)
    for i, pw in enumerate(pws):
        cond.planted.append(Planted(f"transport-multi-host-in-migration-{i + 1}", "secret",
                                    f"transport_url with 2 hosts, host {i + 1} (migration record)", pw,
                                    FILES["conductor"], len(cond.lines) + 1))
    cond.add(line)
    bearer = jwt("bearer")
    cond.plant(_curl(clock(), "GET", "http://192.0.2.10/placement/allocation_candidates?limit=1000&resources=VCPU:1",
                     [f"Authorization: Bearer {bearer}"], pid=1903),
               "authorization-bearer", "Authorization: Bearer <JWT>", bearer)
    basic = base64.b64encode(f"nova:{password('basic-auth', 14)}".encode()).decode()
    cond.plant(_curl(clock(), "GET", "http://192.0.2.11:6385/v1/nodes/detail", [f"Authorization: Basic {basic}"],
                     pid=1903), "authorization-basic", "Authorization: Basic <base64 user:password>", basic,
               forms=(base64.b64decode(basic).decode().split(":", 1)[1],))
    raw_tok = _hex("x-auth-token", 32)
    cond.plant(_curl(clock(), "GET", "http://192.0.2.10:9696/v2.0/ports?device_id=" + INSTANCE,
                     [f"X-Auth-Token: {raw_tok}"], pid=1903),
               "x-auth-token-raw", "X-Auth-Token: <uuid token> (not hashed)", raw_tok)

    # --- source compute: the migration, with everything its helpers logged
    src.add(_rec(clock(0.5), "DEBUG", "nova.virt.libvirt.driver", "Starting monitoring of live migration",
                 site=("_live_migration", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/driver.py", 7000)))
    spw = password("sshpass", 13)
    src.plant(_cmd(clock(), f"sshpass -p '{spw}' ssh -o StrictHostKeyChecking=no nova@{DEST} mkdir -p "
                            f"/var/lib/nova/instances/{INSTANCE}"), "sshpass-p", "sshpass -p '<pw>'", spw)
    spw = password("sshpass-nospace", 11)
    src.plant(_cmd(clock(), f"sshpass -p{spw} scp /var/lib/nova/instances/{INSTANCE}/disk.info nova@{DEST}:/tmp/"),
              "sshpass-p-attached", "sshpass -p<pw> (no space)", spw)
    opw = password("os-password", 15)
    src.plant(_cmd(clock(), f"openstack --os-auth-url http://192.0.2.10/identity --os-username nova "
                            f"--os-password {opw} server show {INSTANCE}"), "os-password-flag",
              "--os-password <pw> on a command line", opw)
    mpw = password("mysql-p", 12)
    src.plant(_cmd(clock(), f"mysql -u nova -p{mpw} -h 192.0.2.10 nova -e 'select 1'"), "mysql-p-flag",
              "mysql -p<pw>", mpw)
    chap = password("iscsi-chap", 16)
    src.plant(_cmd(clock(), "iscsiadm -m node -T iqn.2010-10.org.openstack:volume-" + _uuid("vol") +
                   " -p 192.0.2.20:3260 --op update -n node.session.auth.password -v " + chap),
              "iscsiadm-chap-password", "iscsiadm … -n node.session.auth.password -v <pw>", chap)
    luks = _b64("luks-passphrase", 32)
    src.plant(_cmd(clock(), f"virsh secret-set-value --secret {_uuid('luks-secret')} --base64 {luks}"),
              "libvirt-secret-value", "virsh secret-set-value --base64 <LUKS passphrase>", luks)
    luks2 = _hex("luks-xml", 64)
    src.plant(_rec(clock(), "DEBUG", "nova.virt.libvirt.host",
                   f"Secret XML: <secret ephemeral='no' private='no'><usage type='volume'><volume>{_uuid('vol2')}"
                   f"</volume></usage><value>{luks2}</value></secret>",
                   site=("create_secret", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/host.py", 1080)),
              "libvirt-secret-xml-value", "libvirt <secret> XML carrying its <value>", luks2)
    core = _token("spaced", 10)
    spaced = "correct horse " + core + " staple"
    sec_uuid = _uuid("conn-secret-uuid")
    line = _rec(clock(), "DEBUG", "nova.virt.libvirt.volume.iscsi",
                "Connecting volume with connection_info {'driver_volume_type': 'iscsi', 'data': {'auth_method': "
                f"'CHAP', 'auth_username': 'nova', 'auth_password': '{spaced}', 'target_lun': 1, "
                f"'secret_uuid': '{sec_uuid}', 'volume_id': '{_uuid('vol')}'}}}}",
                site=("connect_volume", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/volume/iscsi.py", 64))
    src.plant(line, "password-with-spaces", "dict password containing spaces", spaced, forms=(core,),
              oslo_key="auth_password")
    src.planted.append(Planted("near-secret-uuid", "near-miss", "'secret_uuid': uuid (identifier)", sec_uuid,
                               FILES["source"], len(src.lines), anchor="'secret_uuid': '",
                               context="'auth_method': 'CHAP'"))
    pub = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + _b64("public-key", 180).replace("+", "x")
    src.near(_rec(clock(), "DEBUG", "nova.compute.manager", f"Injecting public key: {pub} nova@{DEST}"),
             "near-public-key", "ssh public key", pub, "Injecting public key: ")
    md5 = hashlib.md5(b"hostile-image").hexdigest()
    src.near(_rec(clock(), "DEBUG", "nova.virt.libvirt.imagebackend",
                  f"Image checksum: {md5}, os_hash_algo: sha512",
                  site=("_verify_checksum", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/imagebackend.py", 512)),
             "near-image-checksum", "image md5 checksum", md5, "Image checksum: ")
    src.add(_rec(clock(5.0), "DEBUG", "nova.virt.libvirt.driver",
                 "Migration running for 5 secs, memory 50% remaining; (bytes processed=100, remaining=100, total=200)",
                 site=("_live_migration_monitor", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/driver.py", 7429)))
    # key material in remote-error output (unprefixed continuation lines)
    for kind in ("rsa", "openssh", "ec"):
        lines, body = _remote_error_with_key(clock(), kind, f"key-{kind}")
        src.plant(lines, f"private-key-{kind}", f"{kind.upper()} private key block in a multi-line record",
                  body[len(body) // 2], forms=tuple(body))
    for i, key in enumerate(OSLO_SANITIZE_KEYS):
        t = clock()
        if key in UUID_KEYS:
            value = _uuid(f"mask-{key}")
            line = _mask_key_line(t, i, key, value)
            anchor = line[line.index(key): line.index(value)]
            src.near(line, f"near-mask-{key}", f"mask_password key {key!r} holding a uuid", value, anchor,
                     context=_uuid(f"ctx-{key}"))
            continue
        value = password(f"mask-{key}", 20)
        src.plant(_mask_key_line(t, i, key, value), f"mask-{key}", f"mask_password key {key!r}", value,
                  oslo_key=key)
    # the failure: librados refused the destination (rbd-operation-not-permitted, remedy links docs.ceph.com)
    src.add(_rec(clock(1.0), "ERROR", "nova.virt.libvirt.driver",
                 "Live Migration failure: internal error: qemu unexpectedly closed the monitor: "
                 f"2019-05-14T09:00:12.318502Z qemu-kvm: -drive file=rbd:vms/{INSTANCE}_disk:id=nova,if=none: "
                 "error connecting: Operation not permitted"))
    src.add(_rec(clock(), "ERROR", "nova.virt.libvirt.driver", "Migration operation has aborted"))

    # --- destination (a sosreport): pre_live_migration and the rbd calls that carried keys
    key = cephx("rbd-key")
    dst.plant(_cmd(clock(-3.0), f"rbd import --pool vms /var/lib/nova/instances/_base/x {INSTANCE}_disk "
                               f"--image-format=2 --id nova --key={key} --conf /etc/ceph/ceph.conf", pid=3120),
              "cephx-key-flag", "cephx key in --key=AQ…", key)
    key = cephx("rbd-key-bare")
    dst.plant(_rec(clock(), "DEBUG", "nova.virt.libvirt.storage.rbd_utils",
                   f"ceph auth get-key client.nova returned {key}", pid=3120,
                   site=("_connect_to_rados", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/storage/rbd_utils.py",
                         150)), "cephx-key-bare", "bare cephx key", key)
    fer = fernet("bare-fernet")
    dst.plant(_rec(clock(), "DEBUG", "keystonemiddleware.auth_token", f"Authenticating user token {fer}",
                   pid=3120, instance=None), "fernet-bare", "bare Fernet token", fer)
    dpw = password("dst-password-kv", 16)
    dst.plant(_rec(clock(), "DEBUG", "nova.virt.libvirt.driver",
                   f"Calling os-brick with password={dpw} for volume {_uuid('vol')}", pid=3120),
              "password-kv", "password=<pw> (the pattern's own shape)", dpw, oslo_key="password")
    dst.add(_rec(clock(), "ERROR", "nova.compute.manager",
                 "Pre live migration failed at cmpsecret01: error connecting: Operation not permitted", pid=3120))
    # a long token after secret-like keys is data too; quadratic regexes meet it in the regex cases

    return files


def plan() -> list[Planted]:
    """The manifest of planted values without writing anything (for test parametrisation)."""
    return _mark(_compose())


def _mark(files: dict[str, _File]) -> list[Planted]:
    """Planted values, each told whether its record (header line) carries the migration's request id."""
    out = []
    for f in files.values():
        for p in f.planted:
            header = next(ln for ln in reversed(f.lines[:p.line]) if ln[:4].isdigit())
            out.append(dataclasses.replace(p, in_migration=REQ in header))
    return out


def build(root: Path) -> list[Planted]:
    """Write the secrets corpus under `root`; return the manifest of what is planted where."""
    files = _compose()
    for k, f in files.items():
        path = root / FILES[k]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text(f.lines))
    (root / SOS_ROOT / "hostname").write_text(f"{DEST}.cloud.example.internal\n")
    return _mark(files)

