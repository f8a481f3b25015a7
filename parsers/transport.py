"""Peel what wraps a record on its way to migtrace, line by line, from the table in data/transports.yaml.

Operators hand migtrace records inside syslog headers (RFC 3164/5424, with or
without host), `grep -H/-n/-C` prefixes, container runtime lines (CRI, kubectl
timestamps and pod prefixes, docker json-file), export lines (Loki logcli,
OpenSearch hits, oslo.log's JSON formatter).  Which wrappers exist, what they
look like and what they reveal is data, checked by its own samples: the code
only applies the table.  Each line is peeled on its own (a syslog file mixes
nova with kernel lines, `grep -r` mixes files), repeatedly (grep over syslog),
and what a wrapper reveals — host, program, file, time — is kept: the host and
service of the record, and its origin, which tells a continuation of a record
from a line of another program written between two of its lines.

Only `scope: line` wrappers are peeled here: they are self-evident on any one
line.  `scope: file` entries (paste decorations, a bare `grep -n` number) are
only trusted when most of a file shows them (`wrappers.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from migtrace._datafile import Key, entries, load_document, read_text

TABLE_FILE = "transports.yaml"

_SCHEMA: Mapping[str, Key] = {
    "name": Key(required=True),
    "kind": Key(required=True, choices=("line", "meta", "json", "inline")),
    "family": Key(required=True),
    "source": Key(required=True),
    "scope": Key(choices=("line", "file")),
    "peel": Key(kind=int),
    "threshold": Key(kind=(float, int)),
    "needs_header": Key(kind=bool),
    "regex": Key(regex=True),
    "replace": Key(),
    "prefilter": Key(kind=list),
    "partial": Key(kind=dict),
    "labels": Key(kind=dict),
    "order": Key(choices=("newest-first",)),
    "fields": Key(kind=dict),
    "record": Key(kind=dict),
    "id_prefix": Key(),
    "notes": Key(),
    "samples": Key(kind=list, required=True),
}

#: the revealed fields that name where a line came from (lines of one origin fold into one record)
ORIGIN_FIELDS = ("file", "host", "program", "pod", "container")

#: one physical line may carry at most this many wrappers (grep over CRI over …)
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class LineWrapper:
    """A `line` or `meta` entry: a regex over a whole physical line."""

    name: str
    pattern: re.Pattern[str]
    prefilter: tuple[str, ...]
    meta: bool
    labels: Mapping[str, str]
    partial: tuple[str, str] | None
    newest_first: bool


@dataclass(frozen=True, slots=True)
class JsonWrapper:
    """A `json` entry: one object per line; fields by dotted path, or a record to rebuild."""

    name: str
    fields: Mapping[str, str]
    record: Mapping[str, str]
    id_prefix: str
    newest_first: bool


@dataclass(slots=True)
class Peeled:
    """One physical line after peeling: the record text (maybe several lines) and what wrapped it."""

    lines: list[str]
    reveal: dict[str, str] = field(default_factory=dict)
    wrappers: list[str] = field(default_factory=list)
    #: a whole line that is no record but is understood (grep's `--`, a tail header)
    meta: bool = False
    #: a piece of a line the runtime split (CRI `P`): joined to the next piece of its origin
    partial: bool = False
    newest_first: bool = False

    @property
    def origin(self) -> tuple[str | None, ...] | None:
        """Where the line came from, when a wrapper said so."""
        if not self.reveal:
            return None
        return tuple(self.reveal.get(k) for k in ORIGIN_FIELDS)


@dataclass(frozen=True, slots=True)
class Table:
    """The transport table, compiled."""

    line: tuple[LineWrapper, ...]
    json: tuple[JsonWrapper, ...]
    entries: tuple[Mapping[str, Any], ...]


@lru_cache(maxsize=1)
def table() -> Table:
    """Load and compile the shipped table (once)."""
    text, where = read_text(TABLE_FILE)
    items = entries(load_document(text, where), "transports", _SCHEMA, where)
    line: list[LineWrapper] = []
    jsons: list[JsonWrapper] = []
    for e in items:
        newest = e.get("order") == "newest-first"
        if e["kind"] in ("line", "meta") and e.get("scope", "line") == "line":
            part = e.get("partial")
            line.append(LineWrapper(
                name=e["name"], pattern=re.compile(e["regex"]), prefilter=tuple(e.get("prefilter") or ()),
                meta=e["kind"] == "meta", labels=dict(e.get("labels") or {}),
                partial=(str(part["field"]), str(part["value"])) if part else None, newest_first=newest))
        elif e["kind"] == "json":
            jsons.append(JsonWrapper(name=e["name"], fields=dict(e.get("fields") or {}),
                                     record=dict(e.get("record") or {}), id_prefix=e.get("id_prefix") or "",
                                     newest_first=newest))
    return Table(line=tuple(line), json=tuple(jsons), entries=tuple(items))


def _dig(obj: Any, path: str) -> Any:
    """The value at a dotted path; `a|b` tries each path in turn (exports name one field several ways)."""
    for alternative in path.split("|"):
        found = obj
        for key in alternative.split("."):
            if not isinstance(found, dict) or key not in found:
                found = None
                break
            found = found[key]
        if found is not None:
            return found
    return None


_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _looks_plain(text: str) -> bool:
    """The fast path: an oslo header (`2018-03-14 06:41:14…`) or an indented traceback line."""
    return (text[10:11] == " " and text[4:5] == "-" and text[:1].isdigit()) or text[:1] in (" ", "\t")


def peel(text: str, tbl: Table | None = None) -> Peeled:
    """Peel every line-scope wrapper off one line (already free of colour codes)."""
    if not text or _looks_plain(text):
        return Peeled([text])
    tbl = tbl or table()
    out = Peeled([text])
    for _ in range(MAX_DEPTH):
        if text[:1] == "{" and tbl.json:
            got = _peel_json(text, tbl.json, out)
            if got is None:
                break
            out.lines = got
            return out
        matched = _peel_line(text, tbl.line, out)
        if matched is None:
            break
        text = matched
        out.lines = [text]
        if out.meta or _looks_plain(text):
            break
    if "#012" in text:
        # rsyslog escapes the newlines of a multi-line record (table entry rsyslog-escaped-newline)
        out.lines = text.split("#012")
    return out


def _peel_line(text: str, wrappers: Sequence[LineWrapper], out: Peeled) -> str | None:
    for w in wrappers:
        if w.prefilter:
            # (a plain loop: `any(<genexpr>)` cost more than the regexes on lines no wrapper takes)
            for needle in w.prefilter:
                if needle in text:
                    break
            else:
                continue
        m = w.pattern.fullmatch(text)
        if m is None:
            continue
        out.wrappers.append(w.name)
        out.newest_first = out.newest_first or w.newest_first
        groups = m.groupdict()
        for key, value in groups.items():
            if key != "keep" and value is not None and key not in out.reveal:
                out.reveal[key] = value
        labels = groups.get("labels")
        if labels and w.labels:
            found = dict(_LABEL.findall(labels))
            for revealed, label in w.labels.items():
                if label in found and revealed not in out.reveal:
                    out.reveal[revealed] = found[label]
        if w.partial is not None and groups.get(w.partial[0]) == w.partial[1]:
            out.partial = True
        if w.meta:
            out.meta = True
            return ""
        return groups.get("keep") or ""
    return None


def _peel_json(text: str, wrappers: Sequence[JsonWrapper], out: Peeled) -> list[str] | None:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        # not JSON, or nested deeper than the decoder goes (a hostile line): no wrapper of ours
        return None
    if not isinstance(obj, dict):
        return None
    for w in wrappers:
        keep = _dig(obj, w.fields.get("keep", ""))
        if not isinstance(keep, str):
            continue
        out.wrappers.append(w.name)
        out.newest_first = w.newest_first
        for revealed, path in w.fields.items():
            value = _dig(obj, path)
            if revealed != "keep" and value is not None and not isinstance(value, (dict, list)):
                out.reveal[revealed] = str(value)
        if w.record:
            return rebuild(obj, w)
        if keep.endswith("\n"):
            keep = keep[:-1]
        return keep.split("\n")
    return None


def rebuild(obj: Mapping[str, Any], w: JsonWrapper) -> list[str]:
    """Write an exported record's fields back as the oslo.log line they were cut from (and its traceback)."""
    def get(name: str) -> str | None:
        path = w.record.get(name)
        value = _dig(obj, path) if path else None
        if value is None or value in ("-", ""):
            return None
        return str(value)

    time = get("time") or ""
    msecs = get("msecs")
    if msecs and "." not in time[10:]:
        time += f".{int(float(msecs)):03d}"
    prefix = w.id_prefix

    def req(value: str | None) -> str | None:
        return None if value is None else (value if value.startswith(prefix) else prefix + value)

    request_id, global_id = req(get("request_id")), req(get("global_request_id"))
    ident = " ".join(v or "-" for v in (get("user"), get("project")))
    block = f"[{global_id or 'None'} {request_id} {ident} - - -]" if request_id else "[-]"
    message = (_dig(obj, w.record["message"]) if "message" in w.record else "") or ""
    message = str(message).strip(" ")
    instance = get("instance")
    if instance and not message.startswith("[instance: "):
        message = f"[instance: {instance}] {message}"
    pid = get("pid")
    head = " ".join(p for p in (time, pid, get("level") or "INFO", get("logger") or "-", block) if p)
    lines = f"{head} {message}".rstrip("\n").split("\n")
    trace = _dig(obj, w.record["traceback"]) if "traceback" in w.record else None
    if isinstance(trace, list):
        lines.extend(str(t).rstrip("\n") for t in trace)
    elif isinstance(trace, str) and trace:
        lines.extend(trace.rstrip("\n").split("\n"))
    return lines


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), 1)}


def wrapper_time(text: str, year: int | None) -> datetime | None:
    """Read the time a wrapper wrote (RFC 3339 with or without zone, or syslog's yearless `Mar 14 06:41:14`)."""
    if text[:1].isdigit():
        t = text.replace("Z", "+00:00") if text.endswith("Z") else text
        if "." in t:
            # nanoseconds (CRI, Go): fromisoformat takes at most six digits
            head, _, rest = t.partition(".")
            digits = len(rest) - len(rest.lstrip("0123456789"))
            t = head + "." + rest[:min(digits, 6)] + rest[digits:]
        try:
            return datetime.fromisoformat(t)
        except ValueError:
            return None
    if year is None or text[:3] not in _MONTHS:
        return None
    try:
        day, clock = text[4:].split(None, 1)
        return datetime.fromisoformat(f"{year:04d}-{_MONTHS[text[:3]]:02d}-{int(day):02d} {clock}")
    except ValueError:
        return None
