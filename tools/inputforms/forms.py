"""Every form an operator hands migtrace, as a function that re-dresses one sample set.

A form takes the clean files of a set and writes what the same records look
like after a transport, a container runtime, an export, a paste or a tarball.
The records themselves are never edited (except where the form *is* the
damage, and then only the way that damage really happens), so the migrations
of the set's truth.json must still be found; `Form.compare` says which
migration fields the form can still reveal (a raw Loki dump names no host).

Forms are registered in FORMS in the order of the issue's list.  Each returns
the paths it wrote, relative to its output directory.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from tools.inputforms import formats, ojson
from tools.inputforms.corpus import LogFile, Record
from tools.inputforms.excerpts import _journal_records

ALL_FIELDS = ("kind", "instance", "status", "source_host", "dest_host")
NO_HOSTS = ("kind", "instance", "status")


@dataclass(frozen=True, slots=True)
class SetData:
    """A sample set read once: its name, files and the year its journal text omits."""

    name: str
    files: list[LogFile]
    year: int

    @property
    def oslo(self) -> bool:
        """True when the set's files are oslo.log text (not devstack journal text)."""
        return all(f.is_oslo for f in self.files)

    def units(self) -> Iterator[tuple[LogFile, list[Record]]]:
        """Each file with its records (journal text files: one record per line, MESSAGE only)."""
        for lf in self.files:
            recs = list(lf.records()) if lf.is_oslo else list(_journal_records(lf, self.year))
            yield lf, recs

    def timeline(self, host: str | None = None) -> list[tuple[LogFile, Record]]:
        """All records of the set (or of one host) in time order, as a collector receives them."""
        out = [(lf, r) for lf, recs in self.units() if host in (None, lf.host) for r in recs]
        out.sort(key=lambda p: (p[1].time or datetime.min.replace(tzinfo=UTC)))
        return out

    @property
    def hosts(self) -> list[str]:
        """Hosts of the set, sorted."""
        return sorted({f.host for f in self.files})


@dataclass(frozen=True, slots=True)
class Form:
    """One way the set can reach migtrace."""

    name: str
    family: str
    build: Callable[[SetData, Path], list[str]]
    note: str
    compare: tuple[str, ...] = ALL_FIELDS
    oslo_only: bool = True      # needs oslo.log file records (not devstack journal text)


def _write(out: Path, rel: str, text: str | bytes) -> str:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return rel


def _lines(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _base(lf: LogFile) -> str:
    """The file's own name with rotation, without .gz (the content is written uncompressed)."""
    return lf.rel.removesuffix(".gz")


def _stamp(rec: Record, key: str, micros: int = 900) -> datetime:
    assert rec.time is not None
    return formats.later(rec.time, 50 + formats.jitter(key, micros))


def _tag(lf: LogFile, rec: Record) -> str:
    return f"{lf.program}[{rec.pid or 1}]:"


# --- syslog ---------------------------------------------------------------------------------


def syslog_traditional(s: SetData, out: Path) -> list[str]:
    """Each host's /var/log/syslog as rsyslog writes it (RSYSLOG_TraditionalFileFormat)."""
    return [_write(out, f"{h}/var/log/syslog", _lines(
        formats.rsyslog_traditional(_stamp(r, f"{lf.rel}{i}"), h, _tag(lf, r), r.text)
        for i, (lf, r) in enumerate(s.timeline(h)))) for h in s.hosts]


def syslog_fileformat(s: SetData, out: Path) -> list[str]:
    """Each host's /var/log/syslog in RSYSLOG_FileFormat (Debian 12+, Ubuntu 24.04+ default)."""
    return [_write(out, f"{h}/var/log/syslog", _lines(
        formats.rsyslog_fileformat(_stamp(r, f"{lf.rel}{i}"), h, _tag(lf, r), r.text)
        for i, (lf, r) in enumerate(s.timeline(h)))) for h in s.hosts]


def syslog_wire_nohost(s: SetData, out: Path) -> list[str]:
    """oslo.log use_syslog datagrams captured at /dev/log: `<PRI>Mmm dd hh:mm:ss nova-compute: …`, no host, no pid."""
    return [_write(out, f"{h}/dev-log-capture.txt", _lines(
        formats.rfc3164_wire(_stamp(r, f"{lf.rel}{i}"), None, f"{lf.program}:",
                             formats.rsyslog_escape(r.text), r.level or "INFO")
        for i, (lf, r) in enumerate(s.timeline(h)))) for h in s.hosts]


def syslog_wire_host(s: SetData, out: Path) -> list[str]:
    """RFC 3164 datagrams relayed to a collector that stores them raw (`%rawmsg%`), one file for all hosts."""
    return [_write(out, "collector/var/log/remote/raw.log", _lines(
        formats.rfc3164_wire(_stamp(r, f"{lf.rel}{i}"), lf.host, f"{lf.program}:",
                             formats.rsyslog_escape(r.text), r.level or "INFO")
        for i, (lf, r) in enumerate(s.timeline())))]


def syslog_5424(s: SetData, out: Path) -> list[str]:
    """RFC 5424 (RSYSLOG_SyslogProtocol23Format) on a central collector, all hosts in one file."""
    return [_write(out, "collector/var/log/remote/openstack.log", _lines(
        formats.rfc5424(_stamp(r, f"{lf.rel}{i}"), lf.host, lf.program, str(r.pid or "-"), r.text,
                        r.level or "INFO")
        for i, (lf, r) in enumerate(s.timeline())))]


def syslog_5424_sd(s: SetData, out: Path) -> list[str]:
    """RFC 5424 with structured data, as syslog-ng relays it (`[meta sequenceId="N"]`) after logger's timeQuality."""
    lines = []
    for i, (lf, r) in enumerate(s.timeline()):
        sd = f'[timeQuality tzKnown="1" isSynced="1" syncAccuracy="{1000 + formats.jitter(lf.host, 9000)}"][meta sequenceId="{i + 1}"]'
        lines.append(formats.rfc5424(_stamp(r, f"{lf.rel}{i}"), lf.host, lf.program, str(r.pid or "-"),
                                     r.text, r.level or "INFO", sd=sd))
    return [_write(out, "collector/var/log/remote/openstack.log", _lines(lines))]


# --- grep -----------------------------------------------------------------------------------


def _plain(lf: LogFile) -> list[str]:
    return lf.lines


def grep_H(s: SetData, out: Path) -> list[str]:
    """`grep -H '' */var/log/nova/*` run at the set's root: `PATH:LINE` (zgrep for the .gz ones)."""
    return [_write(out, "grep-H.txt", _lines(f"{lf.rel}:{ln}" for lf in s.files for ln in _plain(lf)))]


def grep_n(s: SetData, out: Path) -> list[str]:
    """`grep -n '' FILE > FILE.txt` per file: `LINENO:LINE`, the file name kept beside it."""
    return [_write(out, f"{_base(lf)}.grep-n.txt", _lines(f"{i}:{ln}" for i, ln in enumerate(_plain(lf), 1)))
            for lf in s.files]


def grep_Hn(s: SetData, out: Path) -> list[str]:
    """`grep -Hn '' …`: `PATH:LINENO:LINE`, all files in one output."""
    return [_write(out, "grep-Hn.txt", _lines(
        f"{lf.rel}:{i}:{ln}" for lf in s.files for i, ln in enumerate(_plain(lf), 1)))]


def _sos_rel(s: SetData, lf: LogFile) -> str:
    """The file's path inside a sosreport root named for its host."""
    if lf.rel.startswith("sosreport-"):
        return lf.rel
    inner = lf.rel.split("/", 1)[-1]  # a file at the set's root has no host folder to drop
    if not inner.startswith("var/"):
        inner = f"var/log/nova/{inner.rsplit('/', 1)[-1]}"
    return f"sosreport-{lf.host}-{_day(s)}-abcdef/{inner}"


def _day(s: SetData) -> str:
    t = next(r.time for _, recs in s.units() for r in recs if r.time is not None)
    return f"{t:%Y-%m-%d}"


def grep_r_sosreport(s: SetData, out: Path) -> list[str]:
    """`grep -r '' sosreport-*/var/log/nova/` over unpacked sosreports: `sosreport-HOST-…/var/log/nova/F:LINE`."""
    return [_write(out, "grep-r.txt", _lines(
        f"{_sos_rel(s, lf).removesuffix('.gz')}:{ln}" for lf in s.files for ln in _plain(lf)))]


def grep_C2(s: SetData, out: Path, truth: list[dict[str, object]] | None = None) -> list[str]:
    """`grep -Hn -C2 -e REQ … -e UUID …`: matches `F:N:`, context `F-N-`, groups split by `--`."""
    terms = _truth_terms(s)
    lines: list[str] = []
    for lf in s.files:
        src = _plain(lf)
        hit = [any(t in ln for t in terms) for ln in src]
        keep = [any(hit[max(0, i - 2):i + 3]) for i in range(len(src))]
        last = -10
        for i, ln in enumerate(src):
            if not keep[i]:
                continue
            if lines and i != last + 1:
                lines.append("--")
            sep = ":" if hit[i] else "-"
            lines.append(f"{lf.rel}{sep}{i + 1}{sep}{ln}")
            last = i
    return [_write(out, "grep-C2.txt", _lines(lines))]


def _truth_terms(s: SetData) -> list[str]:
    from tools.inputforms.excerpts import SAMPLE_LOGS
    truth = json.loads((SAMPLE_LOGS / s.name / "truth.json").read_text())
    terms = {str(m["instance"]) for m in truth}
    terms |= {str(r) for m in truth for r in m["request_ids"]}  # type: ignore[attr-defined]
    return sorted(terms)


def zgrep_H(s: SetData, out: Path) -> list[str]:
    """`zgrep -H '' …` over the rotated files as they are (plain and .gz): the .gz name stays in the prefix."""
    return [_write(out, "zgrep-H.txt", _lines(f"{lf.rel}:{ln}" for lf in s.files for ln in _plain(lf)))]


# --- container runtimes ---------------------------------------------------------------------

POD = {"nova-compute": "nova-compute-default-{h}", "nova-api": "nova-api-osapi-6d9c8b7f5-{h}",
       "nova-scheduler": "nova-scheduler-7c6b9f8d4-{h}", "nova-conductor": "nova-conductor-5f7d6c9b8-{h}"}


def _pod(lf: LogFile) -> str:
    return POD.get(lf.program, lf.program + "-{h}").format(h=formats.es_id(lf.host)[:5].lower().replace("_", "x").replace("-", "z"))


def _cid(lf: LogFile) -> str:
    import hashlib
    return hashlib.sha256(f"{lf.host}/{lf.program}".encode()).hexdigest()


def _stream_lines(s: SetData, host: str, program: str) -> list[tuple[str, datetime, str]]:
    """The physical lines one container wrote to stdout, in time order, with their stamps."""
    out: list[tuple[str, datetime, str]] = []
    for i, (lf, r) in enumerate(s.timeline(host)):
        if lf.program != program:
            continue
        t = _stamp(r, f"{lf.rel}{i}")
        for j, ln in enumerate(r.lines):
            out.append((ln, t + timedelta(microseconds=j), f"{lf.rel}{i}/{j}"))
    return out


def _containers(s: SetData) -> list[tuple[str, str, LogFile]]:
    seen: dict[tuple[str, str], LogFile] = {}
    for lf in s.files:
        seen.setdefault((lf.host, lf.program), lf)
    return [(h, p, lf) for (h, p), lf in sorted(seen.items())]


def docker_json(s: SetData, out: Path) -> list[str]:
    """Docker json-file logs: /var/lib/docker/containers/ID/ID-json.log, the name only in config.v2.json."""
    paths = []
    for h, p, lf in _containers(s):
        cid = _cid(lf)
        base = f"{h}/var/lib/docker/containers/{cid}"
        paths.append(_write(out, f"{base}/{cid}-json.log", _lines(
            formats.docker_json_file(ln, "stdout", t, formats.jitter(k, 1000))
            for ln, t, k in _stream_lines(s, h, p))))
        paths.append(_write(out, f"{base}/config.v2.json", json.dumps(
            {"ID": cid, "Name": "/" + p.replace("-", "_"), "Config": {"Hostname": h, "Image": f"kolla/{p}:zed"}},
            separators=(",", ":"))))
    return paths


def _cri(s: SetData, out: Path, stamp: Callable[[datetime, int], str], max_len: int) -> list[str]:
    paths = []
    for h, p, lf in _containers(s):
        pod = _pod(lf)
        uid = _cid(lf)[:8] + "-" + _cid(lf)[8:12] + "-4" + _cid(lf)[13:16] + "-8" + _cid(lf)[17:20] + "-" + _cid(lf)[20:32]
        rel = f"{h}/var/log/pods/openstack_{pod}_{uid}/{p}/0.log"
        lines: list[str] = []
        for ln, t, k in _stream_lines(s, h, p):
            lines.extend(formats.cri_lines(ln, "stdout", stamp(t, formats.jitter(k, 1000)), max_len))
        paths.append(_write(out, rel, _lines(lines)))
    return paths


def cri_containerd(s: SetData, out: Path) -> list[str]:
    """containerd's CRI file /var/log/pods/NS_POD_UID/CONTAINER/0.log: `RFC3339Nano(Z) stdout F LINE`."""
    return _cri(s, out, formats.go_rfc3339nano, 16384)


def cri_crio(s: SetData, out: Path) -> list[str]:
    """CRI-O (conmon) writes the same format with nine fraction digits and `+00:00`."""
    return _cri(s, out, formats.conmon_k8s_time, 8192)


def cri_partial(s: SetData, out: Path) -> list[str]:
    """CRI lines split into `P` parts every 120 bytes: real splits happen past 8/16 KiB; this forces many."""
    return _cri(s, out, formats.go_rfc3339nano, 120)


def _kubectl(s: SetData, out: Path, prefix: bool, timestamps: bool, one_file: bool) -> list[str]:
    chunks: dict[str, list[str]] = {}
    for h, p, lf in _containers(s):
        pod = _pod(lf)
        target = "kubectl-logs-nova.txt" if one_file else f"{h}/{pod}.log"
        chunks.setdefault(target, []).extend(
            formats.kubectl_line(ln, pod=pod if prefix else None, container=p,
                                 stamp=formats.go_rfc3339nano(t, formats.jitter(k, 1000)) if timestamps else None)
            for ln, t, k in _stream_lines(s, h, p))
    return [_write(out, rel, _lines(lines)) for rel, lines in chunks.items()]


def kubectl_timestamps(s: SetData, out: Path) -> list[str]:
    """`kubectl logs --timestamps POD > POD.log`, one file per pod under its node's directory."""
    return _kubectl(s, out, prefix=False, timestamps=True, one_file=False)


def kubectl_prefix(s: SetData, out: Path) -> list[str]:
    """`kubectl logs --prefix -l application=nova --all-containers`: one file, `[pod/P/C] LINE`, pods one after another."""
    return _kubectl(s, out, prefix=True, timestamps=False, one_file=True)


def kubectl_prefix_timestamps(s: SetData, out: Path) -> list[str]:
    """Both flags: `[pod/P/C] RFC3339Nano LINE`."""
    return _kubectl(s, out, prefix=True, timestamps=True, one_file=True)


def podman_journal_short(s: SetData, out: Path) -> list[str]:
    """`journalctl -o short-precise` of podman containers logging to journald with tag = name (EDPM): `nova_compute[CONMON_PID]:`."""
    paths = []
    for h in s.hosts:
        merged = []
        for h2, p, _lf in _containers(s):
            if h2 != h:
                continue
            conmon = 10000 + formats.jitter(f"{h}{p}", 50000)
            merged.extend((t, f"{t:%b %d %H:%M:%S}.{t.microsecond:06d} {h} {p.replace('-', '_')}[{conmon}]: {ln}")
                          for ln, t, _ in _stream_lines(s, h, p))
        merged.sort(key=lambda x: x[0])
        lines = [m[1] for m in merged]
        paths.append(_write(out, f"{h}/journal-nova.txt", _lines(lines)))
    return paths


def podman_journal_json(s: SetData, out: Path) -> list[str]:
    """`journalctl -o json` of the same: MESSAGE plus conmon's CONTAINER_* fields and journald's trusted fields."""
    paths = []
    for h in s.hosts:
        merged = []
        for h2, p, lf in _containers(s):
            if h2 != h:
                continue
            cid = _cid(lf)
            conmon = 10000 + formats.jitter(f"{h}{p}", 50000)
            for ln, t, k in _stream_lines(s, h, p):
                usec = int(t.timestamp()) * 1_000_000 + t.microsecond
                merged.append((t, {
                    "__CURSOR": f"s=6c1f0e3a;i={formats.jitter(k, 10**6):x};b=0e7c;m={usec % 10**9:x};t={usec:x};x=1",
                    "__REALTIME_TIMESTAMP": str(usec), "__MONOTONIC_TIMESTAMP": str(usec % 10**11),
                    "_BOOT_ID": "0e7c4d2b5a6f4e0c9b1a2d3e4f5a6b7c", "_MACHINE_ID": "5a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "_HOSTNAME": h, "PRIORITY": "6", "_TRANSPORT": "journal", "_UID": "0", "_GID": "0",
                    "_COMM": "conmon", "_EXE": "/usr/bin/conmon", "_PID": str(conmon),
                    "_SYSTEMD_CGROUP": f"/machine.slice/libpod-conmon-{cid}.scope",
                    "_SYSTEMD_UNIT": f"libpod-conmon-{cid}.scope", "_SYSTEMD_SLICE": "machine.slice",
                    "CONTAINER_ID": cid[:12], "CONTAINER_ID_FULL": cid, "CONTAINER_NAME": p.replace("-", "_"),
                    "CONTAINER_TAG": p.replace("-", "_"), "SYSLOG_IDENTIFIER": p.replace("-", "_"),
                    "MESSAGE": ln,
                }))
        merged.sort(key=lambda x: x[0])
        paths.append(_write(out, f"{h}/journal-nova.json", _lines(json.dumps(m[1]) for m in merged)))
    return paths


def kolla_files(s: SetData, out: Path) -> list[str]:
    """kolla-ansible's bind mount: /var/log/kolla/nova/nova-compute.log on the host, plain oslo.log text."""
    return [_write(out, f"{lf.host}/var/log/kolla/nova/{_base(lf).rsplit('/', 1)[-1]}", _lines(lf.lines))
            for lf in s.files]


# --- exports --------------------------------------------------------------------------------


def _hits(s: SetData) -> list[dict[str, object]]:
    hits = []
    for i, (lf, r) in enumerate(s.timeline()):
        src = ojson.kolla_fluentd_source(r, lf.host, lf.program)
        assert r.time is not None
        hits.append({"_index": f"flog-{r.time:%Y.%m.%d}", "_id": formats.es_id(f"{s.name}{lf.rel}{i}"),
                     "_source": src, "_t": r.time})
    return hits


def opensearch_elasticdump(s: SetData, out: Path) -> list[str]:
    """`elasticdump --input=…/flog-* --output=dump.json --type=data`: one hit per line, ES 7 (`_type: _doc`)."""
    lines = [json.dumps({"_index": h["_index"], "_type": "_doc", "_id": h["_id"], "_score": 1,
                         "_source": h["_source"]}, ensure_ascii=False) for h in _hits(s)]
    return [_write(out, "export/flog-dump.ndjson", _lines(lines))]


def opensearch_scroll(s: SetData, out: Path) -> list[str]:
    """`POST flog-*/_search?scroll=1m` sorted by @timestamp, each page saved as the response body."""
    hits = _hits(s)
    paths = []
    size = 500
    for n in range(0, len(hits), size):
        page = [{"_index": h["_index"], "_id": h["_id"], "_score": None, "_source": h["_source"],
                 "sort": [int(h["_t"].timestamp() * 1000)]} for h in hits[n:n + size]]  # type: ignore[attr-defined]
        body = {"_scroll_id": "FGluY2x1ZGVfY29udGV4dF91dWlkDXF1ZXJ5QW5kRmV0Y2gBFk" + formats.es_id(str(n)),
                "took": 7 + n % 5, "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": None, "hits": page}}
        paths.append(_write(out, f"export/search-page-{n // size + 1}.json", json.dumps(body, indent=2, ensure_ascii=False) + "\n"))
    return paths


def dashboards_csv(s: SetData, out: Path) -> list[str]:
    """OpenSearch Dashboards Discover → Reporting → CSV: chosen columns, time in the UI's dateFormat."""
    import csv
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["@timestamp", "Hostname", "programname", "log_level", "request_id", "Payload"])
    for h in reversed(_hits(s)):   # Discover sorts newest first
        src = h["_source"]
        assert isinstance(src, dict)
        w.writerow([formats.dashboards_time(h["_t"]), src["Hostname"], src["programname"],  # type: ignore[arg-type]
                    src.get("log_level", ""), src.get("request_id", ""), src["Payload"]])
    return [_write(out, "export/discover.csv", buf.getvalue())]


def _loki_streams(s: SetData) -> list[tuple[datetime, dict[str, str], str]]:
    entries = []
    for h, p, _lf in _containers(s):
        labels = {"job": "nova", "host": h, "service_name": p,
                  "filename": f"/var/log/kolla/nova/{p}.log"}
        for ln, t, _ in _stream_lines(s, h, p):
            entries.append((t, labels, ln))
    entries.sort(key=lambda e: e[0], reverse=True)   # logcli's default --direction backward
    return entries


def _common(entries: list[tuple[datetime, dict[str, str], str]]) -> dict[str, str]:
    first = entries[0][1]
    return {k: v for k, v in first.items() if all(e[1].get(k) == v for e in entries)}


def loki_jsonl(s: SetData, out: Path) -> list[str]:
    """`logcli query --output=jsonl --limit=100000 '{job="nova"}'`: labels (common ones subtracted), line, timestamp."""
    entries = _loki_streams(s)
    common = _common(entries)
    lines = []
    for t, labels, ln in entries:
        own = {k: v for k, v in labels.items() if k not in common}
        obj: dict[str, object] = {}
        if own:
            obj["labels"] = dict(sorted(own.items()))
        obj["line"] = ln
        obj["timestamp"] = formats.go_rfc3339nano(t)
        lines.append(formats.go_json(obj))
    return [_write(out, "loki/query.jsonl", _lines(lines))]


def loki_default(s: SetData, out: Path) -> list[str]:
    """`logcli query --output=default`: `RFC3339 {labels} line`, labels padded to the widest, newest first."""
    entries = _loki_streams(s)
    common = _common(entries)
    rendered = [(t, formats.loki_labels({k: v for k, v in lab.items() if k not in common}), ln)
                for t, lab, ln in entries]
    width = max(len(r[1]) for r in rendered)
    return [_write(out, "loki/query.txt", _lines(
        f"{formats.go_rfc3339(t)} {lab.ljust(width)} {ln.strip()}" for t, lab, ln in rendered))]


def loki_raw(s: SetData, out: Path) -> list[str]:
    """`logcli query --output=raw`: the stored lines only, newest first, no labels and no Loki time."""
    return [_write(out, "loki/query.raw.txt", _lines(ln for _, _, ln in _loki_streams(s)))]


def oslo_json(s: SetData, out: Path) -> list[str]:
    """nova with `[DEFAULT] use_json = True`: one JSONFormatter object per record in the same files."""
    return [_write(out, _base(lf), _lines(ojson.oslo_json_lines(recs, lf.host))) for lf, recs in s.units()]


# --- mixtures -------------------------------------------------------------------------------

KERNEL = ("[{up:.6f}] br-int: port 3(tap{t}) entered forwarding state",
          "[{up:.6f}] audit: type=1400 audit({epoch}.{ms:03d}:{n}): apparmor=\"STATUS\" operation=\"profile_replace\" profile=\"unconfined\" name=\"libvirt-{t}\" pid={n} comm=\"apparmor_parser\"",
          "[{up:.6f}] kvm: {n}: cpu0 unhandled rdmsr: 0x140 data 0x0")
OTHERS = ("systemd[1]: Started Session {n} of user root.",
          "CRON[{n}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
          "ovs-vswitchd[1187]: ovs|{n:05d}|bridge|INFO|bridge br-int: added interface tap{t} on port 3",
          "libvirtd[2051]: internal error: Unable to get session bus connection: Cannot spawn a message bus without a machine-id")


def _noise(h: str, t: datetime, n: int) -> tuple[str, str]:
    """A kernel line and another program's syslog line, deterministic in (host, time, n)."""
    k = KERNEL[n % len(KERNEL)].format(up=86400 + t.timestamp() % 86400, t=formats.es_id(h + str(n))[:8].lower(),
                                        epoch=int(t.timestamp()), ms=t.microsecond // 1000, n=1000 + n)
    o = OTHERS[n % len(OTHERS)].format(n=100 + n, t=formats.es_id(h + str(n))[:8].lower())
    return k, o


def syslog_mixed(s: SetData, out: Path) -> list[str]:
    """/var/log/syslog as it really is: nova records among kernel, systemd, cron, ovs and libvirtd lines."""
    paths = []
    for h in s.hosts:
        lines = []
        for i, (lf, r) in enumerate(s.timeline(h)):
            t = _stamp(r, f"{lf.rel}{i}")
            if i % 7 == 3:
                k, o = _noise(h, t, i)
                lines.append(formats.rsyslog_traditional(t, h, "kernel:", k))
                lines.append(formats.rsyslog_traditional(t, h, o.split(" ", 1)[0], o.split(" ", 1)[1]))
            lines.append(formats.rsyslog_traditional(t, h, _tag(lf, r), r.text))
        paths.append(_write(out, f"{h}/var/log/syslog", _lines(lines)))
    return paths


def paste_mixed(s: SetData, out: Path) -> list[str]:
    """A ticket paste: nova lines as in the file, with `dmesg` and other programs' syslog lines between them."""
    paths = []
    for lf, recs in s.units():
        lines = []
        for i, r in enumerate(recs):
            if i % 9 == 4 and r.time is not None:
                k, o = _noise(lf.host, r.time, i)
                lines.append(k)
                lines.append(f"{formats.bsd_time(r.time)} {lf.host} {o}")
            lines.extend(r.lines)
        paths.append(_write(out, f"{_base(lf)}.paste.txt", _lines(lines)))
    return paths


def ansible_stdout(s: SetData, out: Path) -> list[str]:
    """Ansible 1.x output of a failed `cat` task per file: banner, result, `stdout: ` before its first line.

    (lib/ansible/callbacks.py on_failed: `failed: [HOST] => {result}`, then `stderr: `/`stdout: ` + the
    stream, only its first line prefixed; `FATAL: all hosts have already failed -- aborting` ends the play.)
    """
    paths = []
    for lf in s.files:
        result = json.dumps({"changed": True, "cmd": f"cat /{_base(lf)} && false", "rc": 1,
                             "delta": "0:00:00.012391", "stderr": "", "warnings": []})
        lines = [f"TASK: [collect | Show {lf.program} log] " + "*" * 40, f"failed: [{lf.host}] => {result}",
                 "stdout: " + lf.lines[0], *lf.lines[1:], "", "FATAL: all hosts have already failed -- aborting"]
        paths.append(_write(out, f"{_base(lf)}.ansible.txt", _lines(lines)))
    return paths


# --- damage ---------------------------------------------------------------------------------


def _wrapped(width: int) -> Callable[[SetData, Path], list[str]]:
    def build(s: SetData, out: Path) -> list[str]:
        return [_write(out, _base(lf), _lines(p for ln in lf.lines for p in formats.hard_wrap(ln, width)))
                for lf in s.files]
    build.__doc__ = f"Every line hard-wrapped at {width} columns (terminal copy, fixed-width paste, mail)."
    return build


def cr_only(s: SetData, out: Path) -> list[str]:
    """Classic-Mac / some Windows-tool line ends: `\\r` only, no `\\n` anywhere."""
    return [_write(out, _base(lf), "".join(ln + "\r" for ln in lf.lines)) for lf in s.files]


def utc_offset(s: SetData, out: Path) -> list[str]:
    """Headers re-rendered in +05:30 local time with the offset: `2018-03-14 12:11:13.148+05:30`."""
    from tools.inputforms.corpus import OSLO_HEADER
    ist = timezone(timedelta(hours=5, minutes=30))

    def conv(ln: str) -> str:
        m = OSLO_HEADER.match(ln)
        if not m:
            return ln
        t = datetime.fromisoformat(m.group("ts")).replace(tzinfo=UTC).astimezone(ist)
        return f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d}+05:30" + ln[len(m.group("ts")):]
    return [_write(out, _base(lf), _lines(conv(ln) for ln in lf.lines)) for lf in s.files]


def impossible_date(s: SetData, out: Path) -> list[str]:
    """One record per file dated Feb 30 (a clock or editing accident); every other record intact."""
    from tools.inputforms.corpus import OSLO_HEADER
    paths = []
    for lf in s.files:
        lines = list(lf.lines)
        # a periodic-task line in the middle: losing it must not change any migration
        cands = [i for i, ln in enumerate(lines) if OSLO_HEADER.match(ln) and "periodic_task" in ln]
        cands = cands or [i for i, ln in enumerate(lines) if OSLO_HEADER.match(ln)]
        if cands:
            i = cands[len(cands) // 2]
            lines[i] = lines[i][:5] + "02-30" + lines[i][10:]
        paths.append(_write(out, _base(lf), _lines(lines)))
    return paths


def nul_runs(s: SetData, out: Path) -> list[str]:
    """logrotate copytruncate residue: a 4 KiB NUL head, and a 512-byte NUL run between two lines mid-file."""
    paths = []
    for lf in s.files:
        mid = len(lf.lines) // 2
        body = _lines(lf.lines[:mid]).encode() + b"\0" * 512 + _lines(lf.lines[mid:]).encode()
        paths.append(_write(out, _base(lf), b"\0" * 4096 + body))
    return paths


def quoted_printable(s: SetData, out: Path) -> list[str]:
    """The file pasted into a mail body sent quoted-printable: `=3D`, soft breaks `=` at 76 columns."""
    return [_write(out, _base(lf) + ".eml.txt", formats.quoted_printable(_lines(lf.lines))) for lf in s.files]


# --- tarballs -------------------------------------------------------------------------------

MTIME = 1_700_000_000


def _tar(members: list[tuple[str, bytes]], mode: str) -> bytes:
    """A deterministic tar (fixed mtime/owner, given order) compressed per mode ('w:xz', 'w:gz', 'w')."""
    buf = io.BytesIO()
    if mode == "w:gz":
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tf:
            _add(tf, members)
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=MTIME) as gz:
            gz.write(raw.getvalue())
        return buf.getvalue()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.GNU_FORMAT) as tf:  # type: ignore[call-overload]
        _add(tf, members)
    return buf.getvalue()


def _add(tf: tarfile.TarFile, members: list[tuple[str, bytes]]) -> None:
    dirs: set[str] = set()
    for name, data in members:
        parts = name.split("/")
        for k in range(1, len(parts)):
            d = "/".join(parts[:k])
            if d not in dirs:
                dirs.add(d)
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, MTIME
                tf.addfile(ti)
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode, ti.mtime = len(data), 0o640, MTIME
        tf.addfile(ti, io.BytesIO(data))


def _raw(lf: LogFile) -> bytes:
    data = _lines(lf.lines).encode()
    return gzip.compress(data, mtime=MTIME) if lf.gz else data


NONLOG_NOVA_CONF = """[DEFAULT]
debug = True
log_dir = /var/log/nova
transport_url = rabbit://openstack:****@controller:5672/
[libvirt]
virt_type = kvm
live_migration_uri = qemu+tcp://%s/system
"""
DPKG_L = """Desired=Unknown/Install/Remove/Purge/Hold
| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
||/ Name                         Version                   Architecture Description
+++-============================-=========================-============-=================================
ii  libvirt-daemon               8.0.0-1ubuntu7.5          amd64        Virtualization daemon
ii  nova-compute                 3:25.1.0-0ubuntu1~cloud0  all          OpenStack Compute - compute node base
ii  python3-nova                 3:25.1.0-0ubuntu1~cloud0  all          OpenStack Compute Python 3 libraries
ii  qemu-system-x86              1:6.2+dfsg-2ubuntu6.6     amd64        QEMU full system emulation binaries (x86)
"""


def sosreport_tar_xz(s: SetData, out: Path) -> list[str]:
    """One `sosreport-HOST-DATE-abcdef.tar.xz` per host: hostname, var/log/nova/*, sos_commands/*, never a .log name for command output."""
    paths = []
    day = _day(s)
    for h in s.hosts:
        root = f"sosreport-{h}-{day}-abcdef"
        members = [(f"{root}/hostname", f"{h}\n".encode())]
        for lf in s.files:
            if lf.host == h:
                members.append((f"{root}/var/log/nova/{lf.rel.rsplit('/', 1)[-1]}", _raw(lf)))
        members += [(f"{root}/etc/nova/nova.conf", (NONLOG_NOVA_CONF % "%s").encode()),
                    (f"{root}/sos_commands/dpkg/dpkg_-l", DPKG_L.encode()),
                    (f"{root}/sos_commands/libvirt/virsh_-r_list_--all", b" Id   Name                State\n-----------------------------------\n"),
                    (f"{root}/version.txt", b"sosreport: 4.5.6\n")]
        paths.append(_write(out, f"{root}.tar.xz", _tar(members, "w:xz")))
    return paths


def sosreport_k8s_pods(s: SetData, out: Path) -> list[str]:
    """A sosreport of a Kubernetes node: pod logs under sos_commands/kubernetes/ with no .log in their names."""
    paths = []
    day = _day(s)
    for h in s.hosts:
        root = f"sosreport-{h}-{day}-abcdef"
        members = [(f"{root}/hostname", f"{h}\n".encode())]
        for h2, p, lf in _containers(s):
            if h2 == h:
                body = _lines(ln for ln, _, _ in _stream_lines(s, h, p)).encode()
                members.append((f"{root}/sos_commands/kubernetes/pods/kubectl_logs_-n_openstack_{_pod(lf)}_-c_{p}", body))
        paths.append(_write(out, f"{root}.tar.xz", _tar(members, "w:xz")))
    return paths


def kolla_tarball(s: SetData, out: Path) -> list[str]:
    """`tar czf kolla-logs-HOST.tar.gz /var/log/kolla` (kolla's collect-logs habit), with the config dump beside it."""
    paths = []
    for h in s.hosts:
        members = [(f"var/log/kolla/nova/{lf.rel.rsplit('/', 1)[-1]}", _raw(lf)) for lf in s.files if lf.host == h]
        members.append(("etc/kolla/nova-compute/nova.conf", (NONLOG_NOVA_CONF % "%s").encode()))
        paths.append(_write(out, f"kolla-logs-{h}.tar.gz", _tar(members, "w:gz")))
    return paths


JOB_OUTPUT = """2024-05-14 07:40:02.129871 | Job console starting
2024-05-14 07:40:02.146630 | Updating git repos
2024-05-14 07:40:12.803210 | PRE-RUN START: [trusted : opendev.org/opendev/base-jobs/playbooks/base/pre.yaml@master]
2024-05-14 07:40:13.901542 | TASK [Gathering Facts]
2024-05-14 07:40:15.004412 | controller | ok
2024-05-14 10:29:40.552610 | POST-RUN END RESULT_NORMAL: [untrusted : opendev.org/openstack/devstack/playbooks/post.yaml@master]
"""


def devstack_logs_tar(s: SetData, out: Path) -> list[str]:
    """A Zuul devstack job's `logs.tar.gz`: HOST/logs/screen-n-*.txt (.gz), job-output.txt, dpkg-l.txt."""
    members = [("job-output.txt", JOB_OUTPUT.encode())]
    for lf in s.files:
        name = lf.rel.rsplit("/", 1)[-1]
        members.append((f"{lf.host}/logs/{name}.gz", gzip.compress(_lines(lf.lines).encode(), mtime=MTIME)))
        members.append((f"{lf.host}/logs/dpkg-l.txt", DPKG_L.encode()))
    uniq = dict(members)
    return [_write(out, "logs.tar.gz", _tar(list(uniq.items()), "w:gz"))]


def with_nonlogs(s: SetData, out: Path) -> list[str]:
    """The clean set plus what collections carry that is no log: Zuul job-output.txt, nova.conf, `dpkg -l`."""
    paths = [_write(out, lf.rel, _raw(lf)) for lf in s.files]
    paths.append(_write(out, "job-output.txt", JOB_OUTPUT))
    for h in s.hosts:
        paths.append(_write(out, f"{h}/etc/nova/nova.conf", NONLOG_NOVA_CONF % "%s"))
        paths.append(_write(out, f"{h}/dpkg-l.txt", DPKG_L))
    return paths


FORMS: tuple[Form, ...] = (
    Form("syslog-traditional", "transport", syslog_traditional, "rsyslog RSYSLOG_TraditionalFileFormat, per host", oslo_only=False),
    Form("syslog-fileformat", "transport", syslog_fileformat, "rsyslog RSYSLOG_FileFormat (RFC 3339 µs)", oslo_only=False),
    Form("syslog-3164-wire-nohost", "transport", syslog_wire_nohost, "use_syslog datagrams from /dev/log, no host",
         compare=NO_HOSTS, oslo_only=False),
    Form("syslog-3164-wire-host", "transport", syslog_wire_host, "RFC 3164 with host, one collector file", oslo_only=False),
    Form("syslog-5424", "transport", syslog_5424, "RFC 5424, SD '-'", oslo_only=False),
    Form("syslog-5424-sd", "transport", syslog_5424_sd, "RFC 5424 with structured data", oslo_only=False),
    Form("grep-H", "grep", grep_H, "PATH:LINE", oslo_only=False),
    Form("grep-n", "grep", grep_n, "LINENO:LINE per file", oslo_only=False),
    Form("grep-Hn", "grep", grep_Hn, "PATH:LINENO:LINE", oslo_only=False),
    Form("grep-r-sosreport", "grep", grep_r_sosreport, "grep -r over unpacked sosreports", oslo_only=False),
    Form("grep-C2", "grep", grep_C2, "grep -Hn -C2 on the truth's ids: ':' matches, '-' context, '--' gaps", oslo_only=False),
    Form("zgrep-H", "grep", zgrep_H, "zgrep -H over plain and .gz rotations", oslo_only=False),
    Form("docker-json-file", "container", docker_json, "docker json-file + config.v2.json"),
    Form("cri-containerd", "container", cri_containerd, "CRI log, containerd timestamps"),
    Form("cri-crio", "container", cri_crio, "CRI log, CRI-O/conmon timestamps"),
    Form("cri-partial", "container", cri_partial, "CRI log with forced P/F splits every 120 bytes"),
    Form("kubectl-timestamps", "container", kubectl_timestamps, "kubectl logs --timestamps, one file per pod"),
    Form("kubectl-prefix", "container", kubectl_prefix, "kubectl logs --prefix, all pods in one file", compare=NO_HOSTS),
    Form("kubectl-prefix-timestamps", "container", kubectl_prefix_timestamps, "both flags, one file", compare=NO_HOSTS),
    Form("podman-journal-short", "container", podman_journal_short, "journalctl short-precise, tag nova_compute"),
    Form("podman-journal-json", "container", podman_journal_json, "journalctl -o json, conmon fields"),
    Form("kolla-files", "container", kolla_files, "/var/log/kolla/nova/*.log"),
    Form("opensearch-elasticdump", "export", opensearch_elasticdump, "elasticdump NDJSON hits, kolla fluentd _source"),
    Form("opensearch-scroll", "export", opensearch_scroll, "_search?scroll pages"),
    Form("dashboards-csv", "export", dashboards_csv, "Discover CSV report, newest first"),
    Form("loki-jsonl", "export", loki_jsonl, "logcli --output=jsonl, newest first"),
    Form("loki-default", "export", loki_default, "logcli default output, whole seconds"),
    Form("loki-raw", "export", loki_raw, "logcli --output=raw: no host, no label", compare=NO_HOSTS),
    Form("oslo-json", "export", oslo_json, "oslo.log JSONFormatter (use_json)"),
    Form("syslog-mixed", "mixture", syslog_mixed, "nova among kernel/systemd/cron/ovs/libvirtd in /var/log/syslog", oslo_only=False),
    Form("paste-mixed", "mixture", paste_mixed, "oslo lines with dmesg and syslog lines between them"),
    *(Form(f"wrap-{w}", "damage", _wrapped(w), f"hard wrap at {w} columns", oslo_only=False)
      for w in (60, 72, 80, 100, 120, 150)),
    Form("cr-only", "damage", cr_only, "CR-only line ends", oslo_only=False),
    Form("utc-offset", "damage", utc_offset, "headers in +05:30 with the offset written"),
    Form("impossible-date", "damage", impossible_date, "one Feb-30 record per file (a periodic task)"),
    Form("nul-runs", "damage", nul_runs, "4 KiB NUL head + 512 NULs mid-file", oslo_only=False),
    Form("quoted-printable", "damage", quoted_printable, "mail body, quoted-printable", oslo_only=False),
    Form("sosreport-tar-xz", "tarball", sosreport_tar_xz, "sosreport-HOST-DATE-abcdef.tar.xz per host", oslo_only=False),
    Form("sosreport-k8s-pods", "tarball", sosreport_k8s_pods, "pod logs in sos_commands/kubernetes, no .log names"),
    Form("kolla-tarball", "tarball", kolla_tarball, "kolla-logs-HOST.tar.gz of /var/log/kolla"),
    Form("devstack-logs-tar", "tarball", devstack_logs_tar, "Zuul logs.tar.gz with job-output.txt", oslo_only=False),
    Form("with-nonlogs", "tarball", with_nonlogs, "clean set + job-output.txt, nova.conf, dpkg -l", oslo_only=False),
    # (last: a new form appended keeps every earlier form on the set the rotating default run gave it)
    Form("ansible-stdout", "mixture", ansible_stdout, "ansible 1.x failed-task output quoting each file",
         oslo_only=False),
)
