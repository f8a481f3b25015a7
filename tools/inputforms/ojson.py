"""Structured renderings of an oslo.log record: oslo.log's JSONFormatter and kolla's fluentd `_source`.

JSONFormatter (oslo_log/formatters.py, checked against the real 5.0.2
formatter by record_oslo_json.py) writes one JSON object per log call with
the keys below.  What the text record cannot reveal is filled the way the
formatter would fill it from a record that carries no more: `msg` equals
`message` (the format string is lost in text), `args` is empty, `funcname`,
`pathname` and `lineno` come from the DEBUG suffix when the text has one.

kolla-ansible's fluentd (ansible/roles/common/templates/conf/input/
00-global.conf.j2) parses each /var/log/kolla/<svc>/*.log record with one
regex whose named groups become the `_source` fields; the record_transformer
filter adds Hostname, Logger and programname; the opensearch/elasticsearch
output adds `@timestamp`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from tools.inputforms import formats
from tools.inputforms.corpus import CONTEXT, INSTANCE, OSLO_HEADER, Record

LEVELNO = {"DEBUG": 10, "INFO": 20, "AUDIT": 21, "WARNING": 30, "ERROR": 40, "CRITICAL": 50, "TRACE": 5}
_SUFFIX = re.compile(r" (?P<func>[\w<>.]+) (?P<path>/\S+\.py):(?P<line>\d+)$")
_REQ = re.compile(r"^req-[0-9a-f-]{36}$")
_TB_LINE = re.compile(r"^(Traceback \(most recent call last\):|  File \"|    |\S+(Error|Exception|Failure|Fault|Timeout)\b.*:)")


@dataclass(slots=True)
class Parsed:
    """An oslo.log text record split into what a LogRecord holds."""

    logger: str
    level: str
    pid: int
    created: float
    msecs: float
    relative_created: float
    thread: int
    message: str
    pathname: str
    lineno: int
    funcname: str | None
    instance: str | None
    ctx: dict[str, object] | None
    traceback: tuple[str, ...] = ()


def _context(ctx: str | None) -> dict[str, object] | None:
    """The request context a `[…]` block shows, as nova's RequestContext would carry it (None for `[-]`)."""
    if ctx is None or ctx.strip() in ("-", ""):
        return None
    tok = [None if t in ("-", "None") else t for t in ctx.split()]
    if len(tok) >= 2 and tok[1] and _REQ.match(tok[1]):
        glob, req, rest = tok[0], tok[1], tok[2:]
    else:
        glob, req, rest = None, tok[0], tok[1:]
    rest += [None] * (6 - len(rest))
    user, project = rest[0], rest[1]
    if len(ctx.split()) >= 8:       # [global local user project domain system_scope user_domain project_domain]
        user_domain, project_domain = rest[4], rest[5]
    else:                           # [local user project domain user_domain project_domain]
        user_domain, project_domain = rest[3], rest[4]
    return {"request_id": req, "global_request_id": glob, "user_id": user, "project_id": project,
            "user_domain": user_domain, "project_domain": project_domain, "is_admin": True}


def parse_records(recs: Iterable[Record]) -> Iterator[Parsed]:
    """Turn text records into log calls; a traceback printed line by line folds into the call above it."""
    start: float | None = None
    current: Parsed | None = None
    for rec in recs:
        m = OSLO_HEADER.match(rec.lines[0])
        if not m or rec.time is None:
            continue
        created = rec.time.timestamp()
        start = created - 61.25 if start is None else start
        rest = m.group("rest")
        c = CONTEXT.match(rest)
        ctx_text = c.group("ctx") if c else None
        body = c.group("msg") if c else rest
        inst = INSTANCE.match(body)
        if inst:
            body = body[inst.end():]
        body = "\n".join((body, *rec.lines[1:]))
        if (current is not None and _TB_LINE.match(body) and current.level == rec.level
                and current.logger == m.group("logger") and abs(current.created - created) < 0.0005):
            current.traceback += (body,)
            continue
        if current is not None:
            yield current
        func, path, line = None, "", 0
        s = _SUFFIX.search(body)
        if s and rec.level == "DEBUG":
            func, path, line = s.group("func"), s.group("path"), int(s.group("line"))
            body = body[:s.start()]
        if not path:
            path = "/usr/lib/python3/dist-packages/" + m.group("logger").replace(".", "/") + ".py"
        current = Parsed(m.group("logger"), m.group("level"), int(m.group("pid")), created,
                         float(rec.time.microsecond // 1000), round((created - start) * 1000, 3),
                         140_000_000_000_000 + int(m.group("pid")) * 4096, body, path, line, func,
                         inst.group("uuid") if inst else None, _context(ctx_text))
    if current is not None:
        yield current


def _ctx_values(p: Parsed) -> dict[str, object]:
    """nova's RequestContext.get_logging_values() (oslo.context 6 + nova 26 to_dict), key order kept."""
    c = p.ctx
    assert c is not None
    user, project = c["user_id"], c["project_id"]
    ident = " ".join(str(x or "-") for x in (user, project, None, c["user_domain"], c["project_domain"]))
    from datetime import datetime
    ts = datetime.fromtimestamp(p.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return {
        "user_name": None, "project_name": None, "domain_name": None, "user_domain_name": None,
        "project_domain_name": None, "user": user, "project_id": project, "system_scope": None,
        "project": project, "domain": None, "user_domain": c["user_domain"], "project_domain": c["project_domain"],
        "is_admin": c["is_admin"], "read_only": False, "show_deleted": False, "auth_token": None,
        "request_id": c["request_id"], "global_request_id": c["global_request_id"], "resource_uuid": None,
        "roles": [], "user_identity": ident, "is_admin_project": True, "user_id": user,
        "read_deleted": "no", "remote_address": None, "timestamp": ts, "quota_class": None,
        "service_catalog": [],
    }


def render(p: Parsed, host: str) -> str:
    """One JSONFormatter line (oslo.log 5.0.2 key order; traceback a list of lines as before 6.0)."""
    from datetime import datetime
    asctime = datetime.fromtimestamp(p.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
    extra: dict[str, object] = {}
    if p.instance:
        extra["instance_uuid"] = p.instance
    # _update_record_with_context copies the context's values onto the record, so
    # extra["project"] (KeywordArgumentAdapter's 'unknown') becomes the project id
    extra.update({"project": p.ctx["project_id"] if p.ctx else "unknown", "version": "unknown"})
    tb = list(p.traceback) if p.traceback else None
    summary = ""
    if tb:
        summary = tb[-1]
    obj = {
        "message": p.message, "asctime": asctime, "name": p.logger, "msg": p.message, "args": [],
        "levelname": p.level, "levelno": LEVELNO[p.level], "pathname": p.pathname,
        "filename": p.pathname.rsplit("/", 1)[-1], "module": p.pathname.rsplit("/", 1)[-1].removesuffix(".py"),
        "lineno": p.lineno, "funcname": p.funcname, "created": p.created, "msecs": p.msecs,
        "relative_created": p.relative_created, "thread": p.thread, "thread_name": "MainThread",
        "process_name": "MainProcess", "process": p.pid, "traceback": tb, "hostname": host,
        "error_summary": summary, "context": _ctx_values(p) if p.ctx else {}, "extra": extra,
    }
    return json.dumps(obj)


def oslo_json_lines(recs: Iterable[Record], host: str) -> Iterator[str]:
    """Every log call of a file as a JSONFormatter line."""
    for p in parse_records(recs):
        yield render(p, host)


# --- kolla fluentd -------------------------------------------------------------------------

#: kolla-ansible 20.x (2025.1) input/00-global.conf.j2 format1, Ruby named groups made Python
KOLLA_FORMAT1_2025 = re.compile(
    r"^(?P<Timestamp>\S+ \S+) (?P<Pid>\d+) (?P<log_level>\S+) (?P<python_module>\S+) "
    r"((?:\[)(?:None|req-)(?P<global_request_id>\S+)? (?:None|req-)(?P<request_id>\S+) (?P<user_id>\S+) "
    r"(?P<tenant_id>\S+) (?P<domain_id>\S+) (?P<system_scope>\S+) (?P<user_domain>\S+) (?P<project_domain>\S+)"
    r"(?:\]))?(?P<Payload>.*)?$", re.S)
#: kolla-ansible 6.x (Queens) input/00-global.conf.j2 format1
KOLLA_FORMAT1_QUEENS = re.compile(
    r"^(?P<Timestamp>\S+ \S+) (?P<Pid>\d+) (?P<log_level>\S+) (?P<python_module>\S+) "
    r"(\[(req-(?P<request_id>\S+) (?P<user_id>\S+) (?P<tenant_id>\S+) (?P<domain_id>\S+) (?P<user_domain>\S+) "
    r"(?P<project_domain>\S+)|-)\])? (?P<Payload>.*)?$", re.S)


def kolla_fluentd_source(rec: Record, host: str, program: str) -> dict[str, object]:
    """The `_source` kolla's fluentd stores for one record (unmatched optional groups are left out)."""
    text = rec.text
    first = rec.lines[0]
    m8 = re.search(r"\[(?:None|req-\S+) req-\S+ \S+ \S+ \S+ \S+ \S+ \S+\]", first)
    rx = KOLLA_FORMAT1_2025 if m8 else KOLLA_FORMAT1_QUEENS
    m = rx.match(text)
    src: dict[str, object] = {}
    if m:
        src = {k: v for k, v in m.groupdict().items() if v is not None}
    else:
        src = {"Payload": text}     # fluentd would not emit it at all; kept so no record is lost
    src["Hostname"] = host
    src["Logger"] = "openstack.nova"
    src["programname"] = program
    assert rec.time is not None
    src["@timestamp"] = formats.fluentd_es_timestamp(rec.time)
    return src
