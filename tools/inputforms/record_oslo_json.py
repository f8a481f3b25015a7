"""Record what oslo.log's real JSONFormatter writes for nova records; check ojson.py against it.

Run with a Python that has oslo.log (5.0.2 = Zed) and oslo.context installed,
from the repository root (this module needs only the standard library besides):

    /path/to/venv/bin/python -m tools.inputforms.record_oslo_json OUT_FILE

For every record of the Zed excerpt a LogRecord is built with the record's
time, pid, level, logger, message and (for lines nova logs with an instance)
`instance_uuid` passed the way oslo_log's KeywordArgumentAdapter passes extra
keywords, and the request context as nova's RequestContext gives it
(nova/context.py to_dict() of nova 26 is re-stated in NovaContext below).
The real formatter's output is written to OUT_FILE and compared with
ojson.oslo_json_line(); exit 1 on any difference.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from oslo_context import context as oslo_context  # type: ignore[import-not-found]
from oslo_log import formatters  # type: ignore[import-not-found]

from tools.inputforms import ojson
from tools.inputforms.excerpts import EXCERPTS, excerpt_files


class NovaContext(oslo_context.RequestContext):  # type: ignore[misc]
    """nova.context.RequestContext's logging view (nova 26.2.0 nova/context.py to_dict)."""

    def __init__(self, *a: object, timestamp: datetime, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.timestamp = timestamp
        self.read_deleted = "no"
        self.remote_address = kw.get("remote_address")
        self.quota_class = None
        self.service_catalog = []

    def to_dict(self) -> dict[str, object]:
        values = super().to_dict()
        values.update({
            "user_id": getattr(self, "user_id", None),
            "project_id": getattr(self, "project_id", None),
            "is_admin": getattr(self, "is_admin", None),
            "read_deleted": getattr(self, "read_deleted", "no"),
            "remote_address": getattr(self, "remote_address", None),
            "timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"),   # nova.utils.strtime
            "request_id": getattr(self, "request_id", None),
            "quota_class": getattr(self, "quota_class", None),
            "user_name": getattr(self, "user_name", None),
            "service_catalog": getattr(self, "service_catalog", None),
            "project_name": getattr(self, "project_name", None),
        })
        values.update({"is_admin_project": getattr(self, "is_admin_project", True)})
        return values


def real_line(rec: ojson.Parsed, host: str) -> str:
    """Format one parsed record with the real JSONFormatter."""
    fmt = formatters.JSONFormatter(datefmt="%Y-%m-%d %H:%M:%S")   # nova: log_date_format default
    fmt.hostname = host
    lr = logging.LogRecord(rec.logger, ojson.LEVELNO[rec.level], rec.pathname, rec.lineno, rec.message, (), None,
                           func=rec.funcname)
    lr.created = rec.created
    lr.msecs = rec.msecs
    lr.relativeCreated = rec.relative_created
    lr.thread, lr.threadName, lr.processName, lr.process = rec.thread, "MainThread", "MainProcess", rec.pid
    keys = ["project", "version"]
    lr.project, lr.version = "unknown", "unknown"
    if rec.instance:
        lr.instance_uuid = rec.instance
        keys.append("instance_uuid")
    lr.extra_keys = sorted(keys)
    if rec.ctx is not None:
        c = rec.ctx
        lr.context = NovaContext(user_id=c["user_id"], project_id=c["project_id"], request_id=c["request_id"],
                                 global_request_id=c["global_request_id"], user_domain_id=c["user_domain"],
                                 project_domain_id=c["project_domain"], is_admin=c["is_admin"],
                                 timestamp=datetime.fromtimestamp(rec.created, UTC).replace(tzinfo=None),
                                 overwrite=False)
    oslo_context._request_store.context = None   # `[-]` means no context in the thread's store
    out = fmt.format(lr)
    if rec.traceback:   # the exception text is given, not raised: put it where formatException would
        obj = json.loads(out)
        obj["traceback"] = list(rec.traceback)
        obj["error_summary"] = rec.traceback[-1]
        out = json.dumps(obj)
    return out


def main(argv: list[str]) -> int:
    """Write the real formatter's lines for the excerpt and compare with ojson's."""
    bad = 0
    lines = []
    for lf, recs in excerpt_files(EXCERPTS["zed-z-web-01"]):
        for i, parsed in enumerate(ojson.parse_records(recs)):
            real = real_line(parsed, lf.host)
            ours = ojson.render(parsed, lf.host)
            lines.append(real)
            if real != ours:
                bad += 1
                r, o = json.loads(real), json.loads(ours)
                diff = {k: (r.get(k), o.get(k)) for k in set(r) | set(o) if r.get(k) != o.get(k)}
                order = "" if list(r) == list(o) else f" key order real={list(r)} ours={list(o)}"
                sys.stderr.write(f"{lf.rel} #{i}: {str(diff)[:600]}{order}\n")
    if argv:
        with open(argv[0], "w", encoding="utf-8") as fh:
            fh.write("".join(ln + "\n" for ln in lines))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
