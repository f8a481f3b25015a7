"""Render records the way real transports, runtimes and exporters write them.

Each function names the upstream code or document whose output it imitates;
tests/fixtures/inputs/*/README.md quote the same sources with the exact field
names.  Where a real tool was run to check a form (rsyslog 8.2302, libvirt
9.0.0, oslo.log 5.0.2, journalctl 252) the fixture README says so.
All functions are pure and deterministic: the same record gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import quopri
from datetime import UTC, datetime, timedelta

# --- time stamps --------------------------------------------------------------------------


def bsd_time(t: datetime) -> str:
    """RFC 3164 TIMESTAMP: `Mmm dd hh:mm:ss`, day space-padded (`Mar  4`)."""
    return f"{t:%b} {t.day:2d} {t:%H:%M:%S}"


def rfc3339_micro(t: datetime) -> str:
    """rsyslog's `date-rfc3339` with microseconds and a `+00:00` offset (RSYSLOG_FileFormat)."""
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def go_rfc3339nano(t: datetime, nanos: int = 0) -> str:
    """Go's time.RFC3339Nano in UTC: fraction with trailing zeros trimmed, `Z` for zero offset."""
    t = t.astimezone(UTC)
    frac = f"{t.microsecond * 1000 + nanos:09d}".rstrip("0")
    return f"{t:%Y-%m-%dT%H:%M:%S}" + (f".{frac}" if frac else "") + "Z"


def conmon_k8s_time(t: datetime, nanos: int = 0) -> str:
    """CRI-O/conmon's CRI timestamp: always nine fraction digits and a numeric offset."""
    t = t.astimezone(UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond * 1000 + nanos:09d}+00:00"


def later(t: datetime, micros: int) -> datetime:
    """A transport stamps a line when it reads it, a little after the writer's own stamp."""
    return t + timedelta(microseconds=micros)


def jitter(key: str, span: int) -> int:
    """A deterministic pseudo-random number in [0, span) derived from `key`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % span


# --- syslog -------------------------------------------------------------------------------

#: syslog PRI for facility user (1) by oslo level, as OSSysLogHandler's SYSLOG_MAP maps them
SEVERITY = {"CRITICAL": 2, "ERROR": 3, "WARNING": 4, "AUDIT": 5, "INFO": 6, "DEBUG": 7, "TRACE": 7}


def rsyslog_escape(msg: str) -> str:
    """rsyslog's parser.escapeControlCharactersOnReceive: a control char becomes `#` + 3 octal digits.

    So a multi-line record arrives as one line with `#012` for each newline
    and devstack's colour codes as `#033[00;32m`.
    """
    return "".join(f"#{ord(c):03o}" if ord(c) < 32 or ord(c) == 127 else c for c in msg)


def rsyslog_traditional(t: datetime, host: str, tag: str, msg: str) -> str:
    """RSYSLOG_TraditionalFileFormat: `%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%`."""
    return f"{bsd_time(t)} {host} {tag} {rsyslog_escape(msg)}"


def rsyslog_fileformat(t: datetime, host: str, tag: str, msg: str, fraction: bool = True) -> str:
    """RSYSLOG_FileFormat (Debian 12 / Ubuntu 24.04 default): RFC 3339 time.

    A record received locally (imuxsock, imjournal) is stamped with
    microseconds; one relayed as RFC 3164 keeps the sender's whole seconds.
    """
    stamp = rfc3339_micro(t) if fraction else t.astimezone(UTC).isoformat(timespec="seconds")
    return f"{stamp} {host} {tag} {rsyslog_escape(msg)}"


def rfc3164_wire(t: datetime, host: str | None, tag: str, msg: str, level: str, facility: int = 1) -> str:
    """An RFC 3164 datagram as captured raw; glibc's syslog(3) sends it without a HOSTNAME."""
    pri = facility * 8 + SEVERITY.get(level, 6)
    head = f"<{pri}>{bsd_time(t)} " + (f"{host} " if host else "")
    return head + f"{tag} {msg}"


def rfc5424(t: datetime, host: str, app: str, procid: str, msg: str, level: str,
            sd: str = "-", msgid: str = "-", facility: int = 1) -> str:
    """RSYSLOG_SyslogProtocol23Format: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`."""
    pri = facility * 8 + SEVERITY.get(level, 6)
    return f"<{pri}>1 {rfc3339_micro(t)} {host} {app} {procid} {msgid} {sd} {rsyslog_escape(msg)}"


# --- container runtimes ---------------------------------------------------------------------


def go_json_string(text: str) -> str:
    """Encode a string as Go's encoding/json does: HTML-safe `\\u003c \\u003e \\u0026`, `\\u2028`."""
    out = json.dumps(text, ensure_ascii=False)
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def go_json(obj: object) -> str:
    """Marshal like Go's encoding/json (compact, HTML-safe escapes); map keys are already in Go's order."""
    out = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def docker_json_file(line: str, stream: str, t: datetime, nanos: int = 0) -> str:
    """moby daemon/logger/jsonfilelog: `{"log":"…\\n","stream":"stdout","time":"RFC3339Nano"}`, keys in that order."""
    return f'{{"log":{go_json_string(line + chr(10))},"stream":"{stream}","time":"{go_rfc3339nano(t, nanos)}"}}'


def cri_lines(line: str, stream: str, stamp: str, max_len: int = 16384) -> list[str]:
    """CRI log format `TIMESTAMP STREAM P|F CONTENT`: lines longer than the runtime's buffer are split, all but the last tagged P."""
    parts = [line[i:i + max_len] for i in range(0, len(line), max_len)] or [""]
    return [f"{stamp} {stream} {'F' if i == len(parts) - 1 else 'P'} {p}" for i, p in enumerate(parts)]


def kubectl_line(line: str, *, pod: str | None = None, container: str | None = None,
                 stamp: str | None = None) -> str:
    """`kubectl logs [--prefix] [--timestamps]`: `[pod/NAME/CONTAINER] ` then `RFC3339Nano ` then the line."""
    out = line
    if stamp:
        out = f"{stamp} {out}"
    if pod:
        out = f"[pod/{pod}/{container}] {out}"
    return out


# --- exports --------------------------------------------------------------------------------


def es_id(key: str) -> str:
    """An Elasticsearch/OpenSearch auto-generated `_id` look-alike: 20 url-safe base64 chars."""
    return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()[:15]).decode()


def fluentd_es_timestamp(t: datetime) -> str:
    """fluent-plugin-elasticsearch/opensearch `@timestamp` (logstash_format, time_precision 9)."""
    t = t.astimezone(UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond * 1000:09d}+00:00"


def dashboards_time(t: datetime) -> str:
    """OpenSearch Dashboards / Kibana default dateFormat `MMM D, YYYY @ HH:mm:ss.SSS`."""
    return f"{t:%b} {t.day}, {t.year} @ {t:%H:%M:%S}.{t.microsecond // 1000:03d}"


def loki_labels(labels: dict[str, str]) -> str:
    """Loki's LabelSet.String(): `{a="x", b="y"}`, keys sorted."""
    return "{" + ", ".join(f'{k}={json.dumps(v)}' for k, v in sorted(labels.items())) + "}"


def go_rfc3339(t: datetime) -> str:
    """Go's time.RFC3339 in UTC: whole seconds (logcli's default output drops the fraction)."""
    return f"{t.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


# --- damage ---------------------------------------------------------------------------------


def hard_wrap(line: str, width: int) -> list[str]:
    """Cut a line every `width` characters, as a terminal copy or a fixed-width paste does."""
    return [line[i:i + width] for i in range(0, len(line), width)] or [""]


def quoted_printable(text: str) -> str:
    """Encode a mail body quoted-printable (RFC 2045): `=3D` for `=`, soft breaks `=` at 76 columns."""
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")
