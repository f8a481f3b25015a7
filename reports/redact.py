"""Remove secrets (always) and identifying names (on request) from what migtrace writes.

Reports end up in public bug trackers, read by people who have never seen the
hosts, so redaction runs on the way out, on every format:

* **secrets, always**: cephx keys (`key=AQ…`), passwords in URLs
  (`transport_url`, `connection`: `scheme://user:PASSWORD@host`),
  `auth_token`, `X-Auth-Token`, `X-Subject-Token`, `password`-like fields and
  bare Fernet tokens.  A secret becomes `***` (oslo's own mask) and is never
  written to the mapping file.
* **hosts, ips, users, on request** (`--redact hosts,ips,users`): each distinct
  value gets a stable pseudonym (`host-1`, `ip-1`, `user-1`, `project-1`) so
  the story still reads right; a mapping saved with `--redact-map FILE` makes
  the pseudonyms identical across reports.

UUIDs and request ids are never touched: they are what correlates a report
with the logs and with other reports.  After rendering, `verify()` re-scans
the output for every original it replaced — raw and in each escaped form the
renderer declares (`Renderer.escapes`) — and raises `RenderError` if one
survived.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import html
import json
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from migtrace.errors import RenderError
from migtrace.model import Event, FileStats, Finding, HostAttempt, Migration, Phase
from migtrace.sources._literals import trie_pattern
from migtrace.sources._scan import engine_name, holds_any, literal_database

if TYPE_CHECKING:  # the pipeline (correlate, diagnose) is imported only where an analysis is redacted
    from migtrace.pipeline import Analysis

#: Categories that `--redact` accepts (secrets need no asking).
CATEGORIES: frozenset[str] = frozenset({"hosts", "ips", "users"})

#: What a secret is replaced with (oslo.utils `mask_password` uses the same).
MASK = "***"

#: Secrets shorter than this are replaced where a pattern finds them but not
#: hunted as bare words elsewhere, nor re-scanned: "nova" as a password would
#: otherwise flag every logger name.
MIN_BARE_SECRET_LEN = 6

#: Longer secrets are hunted by substring search, not inside the one alternation regex (compiling a
#: 200 k-character literal takes seconds, and matching it at every position of a long token is quadratic).
MAX_PATTERN_SECRET_LEN = 256

#: Shorter host/user/project values are not pseudonymised (see `Redactor.add`).
MIN_NAME_LEN = 3

#: Values that are already masks; replacing them again would only make
#: `verify()` chase `***` through the whole report.
_ALREADY_MASKED = re.compile(r"^(?:\*+|<REMOVED>|<redacted>|\*+REDACTED\*+|\{SHA256\}[0-9a-f]*|None|null|-)$", re.I)

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: Tokens kept verbatim whatever the categories: request ids and dashed uuids.
_PROTECTED = re.compile(rf"(req-{_UUID}|{_UUID})")

#: Keys whose value is a secret: oslo.utils `mask_password`'s list (`_SANITIZE_KEYS`, less
#: `secret_uuid` and `cephclusterfsid`, which name things rather than unlock them) plus the
#: spellings nova logs carry (`passwd`, `auth_token`, `secret_key`, `X-Auth-Token`…).
SECRET_KEYS: tuple[str, ...] = (
    "adminpass", "admin_pass", "password", "passwd", "admin_password", "auth_token", "new_pass",
    "auth_password", "secret", "secret_key", "sys_pswd", "pswd", "token", "configdrive", "chappassword",
    "encrypted_key", "private_key", "fernetkey", "sslkey", "passphrase", "octaviaheartbeatkey", "rabbitcookie",
    "cephmanilaclientkey", "pacemakerremoteauthkey", "designaterndckey", "cephadminkey", "heatauthencryptionkey",
    "cephclientkey", "keystonecredential", "barbicansimplecryptokek", "cephrgwkey", "swifthashsuffix",
    "migrationsshkey", "cephmdskey", "cephmonkey", "chapsecret", "credential", "cookie",
)
#: A key that ends with one of SECRET_KEYS (`auth_password`, `os-password`, `X-Subject-Token`,
#: `node.session.auth.password`): the pattern matches the ending only, whatever comes before it, so
#: no scan starts inside a run of word characters and runs back over it (linear on any input).


def _spellings(words: Iterable[str]) -> set[str]:
    """The cases a key is written in: password, Password, PASSWORD, adminPass / authToken (camelCase).
    Listed rather than matched with (?i), which makes the engine compare every character twice."""
    out: set[str] = set()
    for word in words:
        out |= {word, word.capitalize(), word.upper()}
        if "_" in word:
            head, *rest = word.split("_")
            out.add(head + "".join(r.capitalize() for r in rest))
    out.add("adminPass")
    return out


_KEY = r"(?P<k>" + trie_pattern(_spellings(SECRET_KEYS)) + r")"
_KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
#: Keys that end like a secret key but name public or non-secret things.
_NOT_SECRET_KEY = re.compile(r"(?i)(?:public[_-]?key|_token_file|_password_file|token_expiration|cookie_name)$")
#: a value: quoted (may hold spaces) or bare (up to a separator); groups v, q1/q2 take it
_VALUE = r"""(?:(?P<q1>')(?P<v1>[^'\n]*)'|(?P<q2>")(?P<v2>[^"\n]*)"|(?P<v>(?:\{SHA256\})?[^\s'",;{}\[\]<>]+))"""

#: Secret patterns: group "v" (or "v1"/"v2", quoted) is the secret, the rest of the match stays.
#: Every one is linear: each repeat is anchored by a look-behind, bounded, or stopped by a
#: character class that excludes what follows it (tests/reports/test_redaction_linear.py).
_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # scheme://user:PASSWORD@host: the password may hold '@' and '/' (the last '@' of the run ends it)
    re.compile(r"(?<![\w+.:/@-])[A-Za-z][\w+.-]*://[^\s:/@'\",]*:(?P<v>[^\s'\",]+)@"),
    # the ",user:PASSWORD@host2" of multi-host transport_urls
    re.compile(r",[^\s:/@,'\"]*:(?P<v>[^\s'\",]+)@"),
    # cephx keys: key=AQ…, 'key': 'AQ…', key = AQ… (keyring files), --key=AQ…
    re.compile(r"\bkey['\"]?\s*[=:]\s*['\"]?(?P<v>[A-Za-z0-9+/]{16,}={0,2})"),
    # key = value, 'key': 'value', "key": "value", key: value (dicts, JSON, headers, kwargs, XML-ish)
    re.compile(_KEY + r"""['"]?\s*[=:]\s*u?""" + _VALUE),
    # --key value / --key=value / -key value on command lines
    re.compile(r"(?<![\w-])--?(?:[\w.]+[_.-])?" + _KEY + r"""(?:=|\s+)(?!-)""" + _VALUE),
    # <key>value</key> (libvirt secret XML, rootwrap filters) and <value>…</value> of a libvirt secret
    re.compile(r"(?i)<(?:[\w.]+[_.-])?(?P<k>" + trie_pattern([*SECRET_KEYS, "value"]) + r")>(?P<v>[^<\n]+)<"),
    # Authorization: Basic/Bearer/Digest/Negotiate <credentials>
    re.compile(r"(?i)\bauthorization['\"]?\s*[=:]\s*['\"]?(?:basic|bearer|digest|negotiate|token)\s+"
               r"(?P<v>[^\s'\",]+)"),
    # sshpass -p PW / -pPW, mysql … -pPW, iscsiadm -n …password -v PW, virsh secret-set-value … --base64 PW
    re.compile(r"""\bsshpass\s+-p\s*(?:'(?P<v1>[^'\n]*)'|"(?P<v2>[^"\n]*)"|(?P<v>[^\s'"]+))"""),
    re.compile(r"""\bmysql(?:dump|admin)?\b[^\n]{0,200}?\s-p(?P<v>[^\s'"]+)"""),
    re.compile(r"""(?i)\s-n\s+[\w.]*(?:password|secret)\w*\s+-v\s+(?:'(?P<v1>[^'\n]*)'|"(?P<v2>[^"\n]*)"|"""
               r"""(?P<v>[^\s'"]+))"""),
    # virsh secret-set-value … --base64 VALUE (a uuid between them splits the text: the flag alone decides)
    re.compile(r"""(?<![\w-])--base64\s+(?P<v>[^\s'"-][^\s'"]*)"""),
    # keystone token bodies: {"token": {… "id": "TOKEN"}} (v2 uuid and PKI tokens live there)
    re.compile(r"""(?i)['"]token['"]\s*:\s*\{[^{}]{0,600}?['"]id['"]\s*:\s*u?['"](?P<v>[^'"\s]+)['"]"""),
    # private key blocks written on one line (a repr with \n): everything after the BEGIN line
    re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----(?P<v>[^\n]+)"),
    # bare Fernet tokens, cephx keys, AWS access key ids and JWTs wherever they appear
    re.compile(r"(?<![\w/+])(?P<v>gAAAAA[\w-]{40,}={0,2}|AQ[A-Za-z0-9+/]{36,38}==|AKIA[0-9A-Z]{16}(?![0-9A-Z])"
               r"|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+)"),
)

#: A line that opens a private key block whose body follows on the next lines.
_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----")


def _keywords() -> list[str]:
    """The lower-case words one of which every secret pattern needs to match (and `mask_key_blocks`).

    Each `_SECRET_PATTERNS` entry is listed here by the literal it cannot
    match without: the keys in every spelling (lowered), `://` and `@` of
    URLs, `value` of libvirt secrets, `authorization`, `sshpass`, `mysql`,
    `--base64`, `private key`, and the starts of the bare shapes (`==` for a
    cephx key).  Words containing another one are dropped (`password` covers
    `admin_password`).  tests/reports/test_redact_prefilter.py checks every
    pattern's own examples against the list.
    """
    words = {s.lower() for s in _spellings(SECRET_KEYS)} | {
        "://", "@", "key", "value", "authorization", "sshpass", "mysql", "--base64", "token", "private key",
        "gaaaaa", "==", "akia", "eyj"}
    return sorted((w for w in words if not any(o != w and o in w for o in words)), key=len, reverse=True)


#: `Redactor.events`' prefilter: an ASCII record whose lowered text holds none of these cannot match a
#: secret pattern (non-ASCII text always gets the full redactor: `(?i)` folds `ſ` to `s`, lower() does not)
_KEYWORD_LIST = tuple(_keywords())
SECRET_KEYWORDS = re.compile("|".join(map(re.escape, _KEYWORD_LIST)))

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?=\d)(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?=[0-9A-Fa-f:])(?<![\w:.])(?:"  # the cheap look-ahead first: most characters fail there
    r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"  # full form
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}"  # with ::
    r"|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?![0-9A-Fa-f])"  # trailing ::
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}"  # leading ::
    r")(?![\w:])"
)

#: Hostnames named by URLs in messages: qemu+tcp://compute2/system, qemu+ssh://nova@compute2/…
_URL_HOST = re.compile(r"(?<![\w+.:/@-])[A-Za-z][\w+.-]*://(?:(?P<user>[^\s:/@'\"]+)(?::[^\s@/'\"]*)?@)?(?P<host>[A-Za-z][\w.-]*+)(?!@)(?!:[^\s@,'\"]*@)")
#: The user of any URL with userinfo, even when its host is an address: mysql://nova:pw@10.0.0.5/
_URL_USER = re.compile(r"(?<![\w+.:/@-])[A-Za-z][\w+.-]*://(?P<user>[^\s:/@'\"]+)(?::[^\s@/'\"]*)?@")
#: The further hosts of a multi-host URL: rabbit://u:p@ctl1:5672,u:p@ctl2:5672/
_URL_MORE_HOSTS = re.compile(r",[^\s:/@,'\"]*(?::[^\s@,'\"/]*)?@(?P<host>[A-Za-z][\w.-]*\w)")
#: `ssh user@host` style mentions (remotefs cold migration).
_USER_AT_HOST = re.compile(r"(?<![\w./:@-])(?P<user>[a-z_][\w-]{0,31})@(?P<host>[A-Za-z][\w.-]*[A-Za-z0-9])(?![\w@-])")
_SYSTEMD_UNIT = re.compile(r"\.(?:service|socket|target|timer|mount|scope|slice|path)$")
#: Addresses that identify no machine: wildcard, loopback, network zero.
_NOT_IPS = re.compile(r"^(?:0\.0\.0\.0|127\.\d+\.\d+\.\d+|::1?|255\.255\.255\.255)$")
#: Public sites that messages and signature references link to: never pseudonymised.
_PUBLIC_HOSTS = re.compile(r"(?i)(^|\.)(openstack\.org|launchpad\.net|github\.com|opendev\.org|redhat\.com"
                           r"|ubuntu\.com|python\.org|libvirt\.org|qemu\.org|example\.(com|org|net))$")
#: Names that appear in URLs but are not hosts anyone needs to hide.
_NOT_HOSTS = frozenset({"localhost", "system", "session"})

#: Default service and system accounts: naming them identifies nobody, and they are
#: also package and logger names (`nova.compute.manager`) that must stay readable.
_GENERIC_USERS = frozenset({
    "admin", "service", "openstack", "nova", "neutron", "cinder", "glance", "placement", "keystone",
    "heat", "swift", "ironic", "barbican", "octavia", "manila", "designate", "aodh", "gnocchi",
    "root", "stack", "ubuntu", "centos", "cloud-user", "zuul", "demo", "tempest", "libvirt", "qemu",
    "rabbit", "guest", "mysql", "ceph", "admin_user", "default",
})

#: Fields that hold fixed vocabulary or times, never log text: not worth scanning.
_SKIP_FIELDS = frozenset({
    "time", "time_text", "level", "fmt", "kind", "logger", "status", "severity", "outcome",
    "recognised", "started", "ended", "first_seen", "last_seen", "skew_mode",
})

#: Fields whose text is migtrace's own (signature explanations, remedies, reference links): names
#: the logs revealed are still replaced there, but nothing is learnt from them and no secret
#: pattern rewrites them (a remedy's `docs.ceph.com` link is no host to hide).
_OWN_FIELDS = frozenset({"explanation", "remedy", "references"})

T = TypeVar("T")

#: `Redactor.event` drops its cache of `text()` results past this many strings (memory stays bounded)
_DONE_LIMIT = 50_000


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}

#: the Event fields redaction may change: all but the skipped ones and the numbers (pid, line numbers)
_EVENT_TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(Event)
                           if f.name not in _SKIP_FIELDS and f.name not in ("pid", "lineno", "line_count"))


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class (`dataclasses.fields` is slow per record)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def parse_categories(spec: str | Iterable[str] | None) -> set[str]:
    """Turn `hosts,ips` (or an iterable of names) into a validated category set."""
    if spec is None:
        return set()
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    cats = {c.strip().lower() for c in items if c.strip()}
    if "all" in cats:
        cats = (cats - {"all"}) | set(CATEGORIES)
    cats.discard("secrets")  # always on; accepted so `--redact secrets` is not an error
    unknown = cats - CATEGORIES
    if unknown:
        raise RenderError(
            f"unknown redaction categories: {', '.join(sorted(unknown))} "
            f"(choose from {', '.join(sorted(CATEGORIES))}, all)"
        )
    return cats


def _variants(s: str, escapes: Sequence[Callable[[str], str]]) -> set[str]:
    """Return the forms an original may take in an output: itself and each escaped form."""
    return {s, *(escape(s) for escape in escapes)}


class Redactor:
    """Redact strings and whole analyses with one consistent pseudonym mapping.

    `mapping` is `{"hosts": {original: pseudonym}, "ips": …, "users": …,
    "projects": …}`; pass a saved one to keep pseudonyms stable across runs.
    """

    _PREFIX: ClassVar[dict[str, str]] = {"hosts": "host", "ips": "ip", "users": "user", "projects": "project"}

    def __init__(self, categories: Iterable[str] = frozenset(),
                 mapping: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.categories: frozenset[str] = frozenset(parse_categories(list(categories)))
        self.mapping: dict[str, dict[str, str]] = {k: {} for k in self._PREFIX}
        for kind, table in (mapping or {}).items():
            if kind in self.mapping and isinstance(table, Mapping):
                self.mapping[kind].update({str(k): str(v) for k, v in table.items()})
        self._secrets: set[str] = set()
        self._names_re: re.Pattern[str] | None = None
        self._sos_re: re.Pattern[str] | None = None
        self._long_secrets: list[str] = []
        self._names_dirty = True
        self._memo: dict[int, Any] = {}
        self._seen: set[str] = set()  # strings already scanned by discover()
        self._done: dict[str, str] = {}  # text() results, valid while no name is added
        #: ids of the events of the analysis being redacted that hold no secret keyword (no categories only)
        self._clean: set[int] = set()

    # ----------------------------------------------------------- bookkeeping
    @property
    def originals(self) -> frozenset[str]:
        """Every secret and identifying string this redactor has replaced (or will)."""
        names: set[str] = set()
        for kind, table in self.mapping.items():
            if self._kind_enabled(kind):
                names.update(table)
        return frozenset(self._secrets | names)

    def _kind_enabled(self, kind: str) -> bool:
        return (kind if kind != "projects" else "users") in self.categories

    def _pseudonym(self, kind: str, original: str) -> str:
        table = self.mapping[kind]
        if original not in table:
            prefix = self._PREFIX[kind]
            used = {int(v.rsplit("-", 1)[1]) for v in table.values() if re.fullmatch(rf"{prefix}-\d+", v)}
            table[original] = f"{prefix}-{max(used, default=0) + 1}"
            self._names_dirty = True
        return table[original]

    def add(self, kind: str, original: str | None) -> None:
        """Register an identifying value (host, ip, user, project) to be pseudonymised."""
        if not original or not self._kind_enabled(kind):
            return
        original = original.strip()
        # "7", "-", "42": too short or too generic to identify anyone, and replacing
        # them would rewrite every number in the report
        if len(original) < MIN_NAME_LEN or original.isdigit() or _PROTECTED.fullmatch(original):
            return
        if kind in ("users", "projects") and original.lower() in _GENERIC_USERS:
            return
        if kind == "hosts" and (original.lower() in _NOT_HOSTS or original.lower() in _GENERIC_USERS
                                or _PUBLIC_HOSTS.search(original)):
            return
        if kind == "hosts" and (_IPV4.fullmatch(original) or _IPV6.fullmatch(original)):
            kind = "ips"
            if not self._kind_enabled(kind):
                return
        if kind == "ips" and _NOT_IPS.match(original):
            return
        if original in self.mapping[kind].values():
            return  # already a pseudonym (a saved mapping re-applied to redacted text)
        if kind == "hosts" and "." in original:
            short = original.split(".", 1)[0]
            # an FQDN shares the pseudonym of its short name when that is known
            if short in self.mapping["hosts"] and original not in self.mapping["hosts"]:
                self.mapping["hosts"][original] = self.mapping["hosts"][short]
                self._names_dirty = True
                return
        self._pseudonym(kind, original)

    # ------------------------------------------------------------- discovery
    def _discover_secrets(self, s: str) -> None:
        for pat in _SECRET_PATTERNS:
            for m in pat.finditer(s):
                name = _value_group(m)
                if name is not None and m.group(name) not in self._secrets:
                    self._secrets.add(m.group(name))
                    self._names_dirty = True

    def discover(self, s: str | None) -> None:
        """Learn secrets, and the hosts/ips/users a message names, from one string."""
        if not s or s in self._seen:
            return
        self._seen.add(s)
        self._discover_secrets(s)
        if not self.categories:
            return
        for m in _URL_HOST.finditer(s):
            self.add("hosts", m.group("host").rstrip(".-"))
        for m in _URL_USER.finditer(s):
            self.add("users", m.group("user"))
        for m in _URL_MORE_HOSTS.finditer(s):
            self.add("hosts", m.group("host"))
        for m in _USER_AT_HOST.finditer(s):
            if _SYSTEMD_UNIT.search(m.group("host")):
                continue  # devstack@n-cpu.service is a unit, not a login
            self.add("hosts", m.group("host"))
            self.add("users", m.group("user"))
        if "ips" in self.categories:
            for pat in (_IPV4, _IPV6):
                for m in pat.finditer(s):
                    if not _is_mac(m.group(0)):
                        self.add("ips", m.group(0))
        if "hosts" in self.categories and self.mapping["hosts"]:
            # FQDNs of known short names: compute2.cloud.internal
            for m in re.finditer(r"(?<![\w.-])([A-Za-z][\w-]*)((?:\.[A-Za-z][\w-]*){2,})(?![\w-])", s):
                if m.group(1) in self.mapping["hosts"]:
                    self.add("hosts", m.group(0))

    # ----------------------------------------------------------- replacement
    def _names_pattern(self) -> re.Pattern[str] | None:
        if self._names_dirty:
            names = [n for kind, table in self.mapping.items() if self._kind_enabled(kind) for n in table]
            bare = [s for s in self._secrets if MIN_BARE_SECRET_LEN <= len(s) <= MAX_PATTERN_SECRET_LEN]
            self._long_secrets = sorted((s for s in self._secrets if len(s) > MAX_PATTERN_SECRET_LEN),
                                        key=len, reverse=True)
            alts = sorted({*names, *bare}, key=len, reverse=True)
            self._names_re = (
                re.compile("(?<![\\w-])(?:" + "|".join(map(re.escape, alts)) + ")(?![\\w-])") if alts else None
            )
            self._lookup = {n: p for kind, t in self.mapping.items() if self._kind_enabled(kind) for n, p in t.items()}
            hosts = sorted(self.mapping["hosts"], key=len, reverse=True) if self._kind_enabled("hosts") else []
            # sosreport-HOST-[CASE-]DATE-RANDOM: the host sits between dashes, where names are not matched
            self._sos_re = (re.compile("(?<=sosreport-)(?:" + "|".join(map(re.escape, hosts)) + ")(?=-)")
                            if hosts else None)
            self._names_dirty = False
        return self._names_re

    def _replace_piece(self, s: str) -> str:
        for pat in _SECRET_PATTERNS:
            s = pat.sub(_mask_group, s)
        names = self._names_pattern()
        for secret in self._long_secrets:  # plain substring search: linear, and no 200 k-character regex
            if secret in s:
                s = s.replace(secret, MASK)
        if names is not None:
            s = names.sub(lambda m: self._lookup.get(m.group(0), MASK), s)
        if self._sos_re is not None and "sosreport-" in s:
            s = self._sos_re.sub(lambda m: self._lookup.get(m.group(0), MASK), s)
        if "ips" in self.categories:
            s = _IPV4.sub(self._ip_sub, s)
            s = _IPV6.sub(self._ip_sub, s)
        return s

    def _ip_sub(self, m: re.Match[str]) -> str:
        if _is_mac(m.group(0)) or _NOT_IPS.match(m.group(0)):
            return m.group(0)
        return self._pseudonym("ips", m.group(0))

    def text(self, s: str) -> str:
        """Redact one string: secrets always, enabled categories by pseudonym; ids kept."""
        if not s:
            return s
        before = len(self._secrets)
        self.discover(s)
        if len(self._secrets) != before:
            self._names_dirty = True
        if self._names_dirty:
            self._done.clear()  # a new name or secret may change earlier answers
        hit = self._done.get(s)
        if hit is None:
            parts = _PROTECTED.split(s)
            # odd indexes are the protected ids captured by split()
            hit = "".join(p if i % 2 else self._replace_piece(p) for i, p in enumerate(parts))
            self._done[s] = hit
        return hit

    # --------------------------------------------------- structured objects
    def _collect(self, a: Analysis) -> None:
        """Register every host/user the analysis knows and discover names in its text."""
        for m in a.migrations:
            self.add("hosts", m.source_host)
            self.add("hosts", m.dest_host)
            self.add("users", m.user)
            self.add("projects", m.project)
            for p in m.phases:
                for h in p.hosts:
                    self.add("hosts", h)
            for att in m.attempts:
                self.add("hosts", att.host)
        for st in a.stats:
            self.add("hosts", st.host)
        for h in a.skew:
            self.add("hosts", h)
        events = _all_events(a)
        for e in events:
            self.add("hosts", e.host)
            self.add("users", e.user)
            self.add("projects", e.project)
        # short host names first, so FQDN discovery can pair them up
        for e in events:
            if id(e) in self._clean:
                continue  # no keyword, no category: nothing to discover
            self.discover(e.message)
            for line in e.extra:
                self.discover(line)
        for m in a.migrations:
            for note in m.notes:
                self.discover(note)
        for w in a.warnings:
            self.discover(w)
        self._names_dirty = True

    def _value(self, name: str, value: T) -> T:
        if name in _SKIP_FIELDS or value is None:
            return value
        if isinstance(value, str):
            if name in _OWN_FIELDS:
                return self._names_only(value)  # type: ignore[return-value]
            return self.text(value)  # type: ignore[return-value]
        if isinstance(value, tuple):
            return tuple(self._value(name, v) for v in value)  # type: ignore[return-value]
        if isinstance(value, list):
            return [self._value(name, v) for v in value]  # type: ignore[return-value]
        if isinstance(value, (Event, Phase, Finding, HostAttempt, Migration)):
            return self._object(value)
        return value

    def _object(self, obj: T) -> T:
        key = id(obj)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]  # type: ignore[no-any-return]
        new = self._fields(obj)
        self._memo[key] = (obj, new)  # keep obj alive so its id is not reused
        return new

    def _event_fields(self, e: Event) -> Event:
        """`_fields` for an Event: only its text fields can change (numbers and skipped fields stay)."""
        if id(e) in self._clean and not (self._secrets and self._mentions_secret(_event_text(e))):
            return e  # no keyword, no learnt secret, no category: `text()` changes none of its fields
        changes: dict[str, Any] = {}
        for name in _EVENT_TEXT_FIELDS:
            value = getattr(e, name)
            if value is not None:
                new = self._value(name, value)
                if new != value:
                    changes[name] = new
        extra = changes.get("extra", e.extra)
        if extra:
            message, *rest = mask_key_blocks([changes.get("message", e.message), *extra])
            for name, new, old in (("message", message, e.message), ("extra", tuple(rest), e.extra)):
                if new != old:
                    changes[name] = new
                else:
                    changes.pop(name, None)
        return dataclasses.replace(e, **changes) if changes else e

    def _fields(self, obj: T) -> T:
        """Redact every field of one record; the record itself when nothing in it changes (no copy)."""
        if type(obj) is Event:
            return self._event_fields(obj)  # type: ignore[arg-type,return-value]
        names = _field_names(type(obj))
        changes = {name: self._value(name, getattr(obj, name)) for name in names}
        if isinstance(obj, Event) and changes["extra"]:
            message, *extra = mask_key_blocks([changes["message"], *changes["extra"]])
            changes["message"], changes["extra"] = message, tuple(extra)
        if all(changes[name] == getattr(obj, name) for name in names):
            return obj
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]

    def _names_only(self, s: str) -> str:
        """Replace the names already known (never learn from, nor mask secrets in, migtrace's own text)."""
        names = self._names_pattern()
        if names is None or not s:
            return s
        return names.sub(lambda m: self._lookup.get(m.group(0), m.group(0)), s)

    def event(self, e: Event) -> Event:
        """Return a redacted copy of one event (streaming commands: `merge`), or the event when nothing changes.

        Nothing is kept per event: a merge of millions of records remembers
        the names and secrets it learnt, not the records (cached `text()`
        results are dropped past `_DONE_LIMIT` strings; they are only a cache).
        """
        self.discover(e.message)
        for line in e.extra:
            self.discover(line)
        self.add("hosts", e.host)
        self.add("users", e.user)
        self.add("projects", e.project)
        if len(self._done) > _DONE_LIMIT:
            self._done.clear()
        return self._fields(e)

    def events(self, batch: Sequence[Event]) -> list[Event]:
        """`event()` of each record of a block read in order, with the same results, at a fraction of the cost.

        Without categories (secrets only) a record can change only where a
        secret pattern matches or a secret learnt earlier reappears: one
        keyword search over the whole block (`SECRET_KEYWORDS`, on lowered
        ASCII text) and a substring test per learnt secret pick the records
        that go through `event()`; the others are returned as they are, which
        is what `event()` returns for them.  Records are taken in order, so a
        secret learnt from one is looked for in every later one.  With
        categories every record goes through `event()` (names are learnt
        from all of them).
        """
        if self.categories:
            return [self.event(e) for e in batch]
        texts = [_event_text(e) for e in batch]
        flagged = keyword_hits(texts)
        out: list[Event] = []
        for i, e in enumerate(batch):
            if i in flagged or (self._secrets and self._mentions_secret(texts[i])):
                out.append(self.event(e))
            else:
                out.append(e)
        return out

    def _mentions_secret(self, text: str) -> bool:
        """Whether a text holds a learnt secret that `text()` replaces wherever it stands (bare or long)."""
        return any(s in text for s in self._secrets if len(s) >= MIN_BARE_SECRET_LEN)

    def migration(self, m: Migration) -> Migration:
        """Return a redacted copy of one migration, its events and findings (`timeline`)."""
        from migtrace.pipeline.analysis import Analysis  # noqa: PLC0415 - pipeline's imports: only timelines

        self._collect(Analysis(migrations=(m,)))
        return self._object(m)

    def lines(self, lines: Sequence[str]) -> list[str]:
        """Redact raw log lines read together (key blocks span lines): `timeline --context`."""
        return [self.text(x) for x in mask_key_blocks(list(lines))]

    def _stats(self, st: FileStats) -> FileStats:
        return dataclasses.replace(
            st,
            path=self.text(st.path),
            host=self.text(st.host) if st.host else st.host,
            errors=[self.text(x) for x in st.errors],
            unparsed_examples=[(n, self.text(x)) for n, x in st.unparsed_examples],
        )

    def analysis(self, a: Analysis, *, shown_only: bool = False) -> Analysis:
        """Return a redacted deep copy of an analysis; the input is left untouched.

        `shown_only` (reports): only the events a report can show — those of
        the migrations, their phases and findings, and of orphan findings —
        are redacted and kept in the copy's `events`; the others are dropped.
        Names and secrets are still learnt from every event, in the same
        order, so what is shown is redacted exactly as with a full copy.
        Without categories, events holding no secret keyword nor a secret
        learnt earlier are taken as they are (`Redactor.events`' rule).
        """
        self._clean = set() if self.categories else _clean_ids(_all_events(a))
        try:
            self._collect(a)
            # unparsed examples are raw log text too: they may carry secrets
            for st in a.stats:
                for _, line in st.unparsed_examples:
                    self.discover(line)
            self._names_dirty = True
            shown = _shown_ids(a) if shown_only else None
            events: list[Event] = []
            for e in a.events:
                if shown is None or id(e) in shown:
                    events.append(self._object(e))
                else:
                    self._learn(e)
            # replace(): every other field (the release found, …) is kept as it is
            return dataclasses.replace(
                a,
                events=tuple(events),
                migrations=tuple(self._object(m) for m in a.migrations),
                orphan_findings=tuple(self._object(f) for f in a.orphan_findings),
                stats=tuple(self._stats(st) for st in a.stats),
                skew={self.text(h): off for h, off in a.skew.items()},
                skew_mode=a.skew_mode,
                warnings=tuple(self.text(w) for w in a.warnings),
                inputs=tuple(self.text(p) for p in a.inputs),
                last_seen={self.text(h): t for h, t in a.last_seen.items()},
            )
        finally:
            self._clean = set()

    def _learn(self, e: Event) -> None:
        """Learn from an event that is not shown what redacting it would have taught (`text()` discovers)."""
        if id(e) in self._clean:
            return  # no keyword, no category: discovery would find nothing
        for name in _EVENT_TEXT_FIELDS:
            value = getattr(e, name)
            for text in (value if isinstance(value, tuple) else (value,)):
                if isinstance(text, str):
                    self.discover(text)

    # --------------------------------------------------------- verification
    def verify(self, output_text: str, escapes: Sequence[Callable[[str], str]] = (),
               ignore: Collection[str] = frozenset()) -> None:
        """Raise `RenderError` naming the first original secret or name found in the output.

        `ignore` holds the words a renderer writes on its own (`:root` in CSS,
        `status` as a JSON key): a host or user that happens to be called like
        one cannot be told apart from the renderer's text, so it is not
        re-scanned.  Secrets are always re-scanned.
        """
        checks: dict[str, tuple[str, str]] = {}
        for kind, table in self.mapping.items():
            if self._kind_enabled(kind):
                for n in table:
                    if n not in ignore:
                        checks.update(dict.fromkeys(_variants(n, escapes), (kind, n)))
        for secret in self._secrets:
            if len(secret) > MAX_PATTERN_SECRET_LEN:
                if any(v in output_text for v in _variants(secret, escapes)):
                    raise RenderError(f"redaction failed: a secret ({secret[:3]!r}…) survived in the output")
            elif len(secret) >= MIN_BARE_SECRET_LEN:
                checks.update(dict.fromkeys(_variants(secret, escapes), ("secret", secret)))
        if not checks:
            return
        # one pass over the output whatever the number of originals (reports are megabytes)
        alternation = "|".join(map(re.escape, sorted(checks, key=len, reverse=True)))
        hits = [checks[m.group(0)] for m in _standalone(re.compile(rf"(?:{alternation})(?![\w-])"), output_text)]
        if hits:
            kind, original = sorted(hits, key=lambda kv: (kv[0] != "secret", kv[1]))[0]
            shown = original if kind != "secret" else original[:3] + "…"
            raise RenderError(f"redaction failed: a {kind.rstrip('s')} ({shown!r}) survived in the output")

    # ------------------------------------------------------------ map files
    def save_mapping(self, path: str | os.PathLike[str]) -> None:
        """Write the pseudonym mapping (never the secrets) as JSON for `--redact-map`."""
        Path(path).write_text(json.dumps(self.mapping, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @staticmethod
    def load_mapping(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
        """Read a mapping saved by `save_mapping`; a missing file is an empty mapping."""
        p = Path(path)
        if not p.exists():
            return {}
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RenderError(f"{p}: cannot read redaction map: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise RenderError(f"{p}: a redaction map is a JSON object of objects")
        return data


def _standalone(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    r"""The matches `(?<![\w-])` + `pattern` gives in `text`, found without that look-behind.

    A pattern that starts with a look-behind is tried at every position of the text; without it
    `re` jumps from one possible first character to the next (a 2.9 MB report: 0.067 → 0.002 CPU s).
    The look-behind is checked here instead, on the same character with the same classes (`\w` is
    `str.isalnum()` or `_`), and a rejected match is retried one position later, so the matches, their
    order and which alternative matched are those of the pattern with the look-behind.
    """
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            pos = start + 1
            continue
        yield m
        pos = m.end()


def _value_group(m: re.Match[str]) -> str | None:
    """Name the group holding a secret pattern's value (bare or quoted); None: not a secret after all."""
    groups = m.groupdict()
    if groups.get("k") is not None:
        start = m.start("k")
        before = m.string[max(0, start - 40):start]
        key = before[len(before.rstrip(_KEY_CHARS)):] + groups["k"]
        if _NOT_SECRET_KEY.search(key):
            return None
    for name in ("v", "v1", "v2"):
        value = groups.get(name)
        if value:
            if _ALREADY_MASKED.match(value) or _PROTECTED.fullmatch(value):
                return None
            return name
    return None


def _mask_group(m: re.Match[str]) -> str:
    name = _value_group(m)
    if name is None:
        return m.group(0)
    start, end = m.span(name)
    base = m.start(0)
    whole = m.group(0)
    return whole[: start - base] + MASK + whole[end - base:]


def mask_key_blocks(lines: Sequence[str]) -> list[str]:
    """Mask the body lines of private key blocks that span several lines (BEGIN … END markers kept)."""
    out: list[str] = []
    inside = False
    for line in lines:
        if inside:
            end = _KEY_END.search(line)
            if end is None:
                out.append(MASK)
                continue
            out.append(MASK + line[end.start():])
            inside = False
            continue
        begin = _KEY_BEGIN.search(line)
        if begin is not None and _KEY_END.search(line, begin.end()) is None and not line[begin.end():].strip("'\" ,"):
            inside = True
        out.append(line)
    return out


#: the Event fields `Redactor.event` reads, as `_event_text` spells them out (checked at import)
_EVENT_TEXT_ORDER = ("message", "host", "service", "request_id", "global_request_id", "user", "project",
                     "instance", "extra", "source")
if set(_EVENT_TEXT_ORDER) != set(_EVENT_TEXT_FIELDS):  # pragma: no cover - a new Event text field
    raise AssertionError(f"redact._event_text misses Event fields: {set(_EVENT_TEXT_FIELDS) ^ set(_EVENT_TEXT_ORDER)}")


def _event_text(e: Event) -> str:
    """Every text of an Event that `Redactor.event` reads, one per line (`None` spelled out: no keyword in it)."""
    head = f"{e.message}\n{e.host}\n{e.service}\n{e.request_id}\n{e.global_request_id}\n{e.user}\n{e.project}\n" \
           f"{e.instance}\n{e.source}"
    return "\n".join((head, *e.extra)) if e.extra else head


def keyword_hits(texts: Sequence[str]) -> set[int]:
    """The indexes of the texts that hold a `SECRET_KEYWORDS` word (or any non-ASCII character).

    One `str.find` per keyword over the lowered block (C speed; a regex
    alternation tries every keyword at every position, ten times slower);
    the records holding a hit are found by bisecting the texts' offsets.
    """
    block = "\n".join(texts)  # no keyword holds a newline: a hit lies inside one text
    if not block.isascii():
        return {i for i, t in enumerate(texts) if not t.isascii() or SECRET_KEYWORDS.search(t.lower())}
    hits: list[int] = []
    db = _caseless_literals(_KEYWORD_LIST)
    if db is not None:
        # hyperscan (the `fast` extra): every keyword in one pass; ASCII caseless is what lower() does here
        db.scan(block.encode("ascii"), match_event_handler=lambda _id, _start, end, _flags, _ctx: hits.append(end - 1))
    else:
        low = block.lower()
        for word in _KEYWORD_LIST:
            at = low.find(word)
            while at >= 0:
                hits.append(at)
                at = low.find(word, at + 1)
    if not hits:
        return set()
    starts: list[int] = []
    pos = 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    return {bisect.bisect_right(starts, h) - 1 for h in hits}


@functools.lru_cache(maxsize=4)
def _caseless_literals(words: tuple[str, ...]) -> Any:
    """A hyperscan database finding any of `words` (ASCII, any case), or None without hyperscan
    (or with `MIGTRACE_SCAN_ENGINE=python`, which tests use to compare)."""
    if engine_name() != "hyperscan":
        return None
    return literal_database([w.encode("ascii") for w in words], [True] * len(words))


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether `text` may hold one of `words` in some case: False only when hyperscan shows it holds none."""
    db = _caseless_literals(words)
    if db is None:
        return True
    return holds_any(db, text.encode("utf-8", "surrogatepass"))


def _clean_ids(events: Sequence[Event]) -> set[int]:
    """The ids of the events whose texts hold no `SECRET_KEYWORDS` word (and are ASCII)."""
    hits = keyword_hits([_event_text(e) for e in events])
    return {id(e) for i, e in enumerate(events) if i not in hits}


def _shown_ids(a: Analysis) -> set[int]:
    """The ids of the events a report can show: the migrations' (their phases', findings') and orphan findings'."""
    shown: set[int] = set()
    for m in a.migrations:
        shown.update(map(id, m.events))
        for p in m.phases:
            shown.update(map(id, p.events))
        for f in m.findings:
            shown.update(map(id, f.events))
    for f in a.orphan_findings:
        shown.update(map(id, f.events))
    return shown


def _is_mac(s: str) -> bool:
    return bool(re.fullmatch(r"(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", s))


def _all_events(a: Analysis) -> list[Event]:
    """Return the analysis events plus any only reachable from migrations and findings."""
    seen: set[int] = set()
    out: list[Event] = []

    def take(events: Iterable[Event]) -> None:
        for e in events:
            if id(e) not in seen:
                seen.add(id(e))
                out.append(e)

    take(a.events)
    for m in a.migrations:
        take(m.events)
        for p in m.phases:
            take(p.events)
        for f in m.findings:
            take(f.events)
    for f in a.orphan_findings:
        take(f.events)
    return out


# ------------------------------------------------------------------ the independent final check

#: A key that names a secret, spelled any way (the detectors' list is not consulted: this check must
#: catch what they miss), then a separator, then the value.
_LEAK_KEY_NAMES = ("pass", "pwd", "pswd", "secret", "token", "credential", "cookie", "private_key", "privatekey",
                   "auth_key", "authkey", "api_key", "apikey", "access_key")
#: every spelling `_LEAK_KEYED` starts with, lowered (its prefilter searches them in any case)
_LEAK_KEY_WORDS = tuple(sorted({w.lower() for w in _spellings(_LEAK_KEY_NAMES)}))
_LEAK_KEYED = re.compile(
    trie_pattern(_spellings(_LEAK_KEY_NAMES))
    + r"""[\w.-]{0,24}+['"]?\s{0,3}[=:]\s{0,3}u?['"]?(?P<v>[^\s'",;<>{}\[\]()]{8,200})""")
#: Shapes that are secrets wherever they stand; each starts with a literal (the engine then jumps from
#: one occurrence of it to the next), the boundary before it is checked apart.
_LEAK_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("fernet", re.compile(r"gAAAAA[\w-]{40,}")),
    ("cephx", re.compile(r"AQ[A-Za-z0-9+/]{36,38}==")),
    ("aws", re.compile(r"AKIA[0-9A-Z]{16}(?![0-9A-Z])")),
    ("jwt", re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.")),
    ("authorization", re.compile(r"""(?:authorization|Authorization|AUTHORIZATION)['"]?\s{0,3}[=:]\s{0,3}['"]?"""
                                 r"""(?:[Bb]asic|[Bb]earer|BASIC|BEARER)\s+(?!\*\*\*)[A-Za-z0-9+/=._-]{8,}""")),
    ("private key", re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?:\\n|\\r|[\s'\"]){0,8}"
                               r"[A-Za-z0-9+/=]{16,}")),
)
#: what each of the authorization shape's spellings holds from its second character on
_AUTH_ANCHORS = ("uthorization", "UTHORIZATION")


def _after_anchors(pattern: re.Pattern[str], text: str, anchors: Sequence[str], back: int) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match holds one of `anchors` `back` characters
    after its start: the pattern is tried only there (`str.find`), in order, never inside a match found."""
    starts: set[int] = set()
    for anchor in anchors:
        i = text.find(anchor, back)
        while i != -1:
            starts.add(i - back)
            i = text.find(anchor, i + 1)
    end = 0
    for p in sorted(starts):
        if p >= end and (m := pattern.match(text, p)) is not None:
            yield m
            end = m.end()


_MARKDOWN_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~'\"])")


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(value: str) -> bool:
    """A value that reads like a generated secret: long, varied, not a mask, id, path or plain URL."""
    if MASK in value or _PROTECTED.search(value) or value.startswith(("/", "{SHA256}", "http", "file:")):
        return False
    if re.fullmatch(r"(?:host|ip|user|project)-\d+", value) or value.isdigit() or value.isalpha():
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w]"))
    return classes >= 2 and _entropy(value) >= 3.0


def leak_check(output_text: str) -> list[str]:
    """Find secrets in a finished output by shape alone, independently of the detectors that masked it.

    HTML entities, JSON string escapes and Markdown backslashes are undone first; then any
    high-entropy value after a secret-like key, a private key body, an unmasked Authorization
    credential, a Fernet token, cephx key, AWS key id or JWT is a leak.  Returns short
    descriptions (never the secret itself); empty when nothing was found.
    """
    text = _MARKDOWN_ESCAPED.sub(r"\1", html.unescape(output_text).replace('\\"', '"').replace("\\/", "/"))
    found: list[str] = []
    # each pattern only where the literal it starts with can be (a scan of those literals is many times
    # cheaper than the patterns' own walk over every position of a megabyte of log text)
    for m in _LEAK_KEYED.finditer(text) if _holds_any(text, _LEAK_KEY_WORDS) else ():
        value = m.group("v")
        if _looks_random(value):
            found.append(f"a random-looking value after {m.group(0)[:m.start('v') - m.start(0)].strip()!r}")
    for name, pattern in _LEAK_SHAPES:
        # the shapes start with a literal `re` jumps to; authorization's three spellings share none
        matches = _after_anchors(pattern, text, _AUTH_ANCHORS, 1) if name == "authorization" else pattern.finditer(text)
        for m in matches:
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_/+-"):
                continue  # inside a longer word: not this shape
            found.append(f"a {name} shape ({m.group(0)[:12]}…)")
    return found


def check_no_leak(output_text: str, what: str = "the output") -> None:
    """Raise RenderError when `leak_check` finds anything: the command fails rather than print a secret."""
    found = leak_check(output_text)
    if found:
        raise RenderError(f"redaction check failed: {len(found)} possible secret(s) left in {what}, "
                          f"first: {found[0]}; nothing was written")
