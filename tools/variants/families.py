"""The variant families and how each one re-shapes a sample set on disk.

Every variant is one transformation of the set as collected (never a
combination), so a wrong answer points at one cause:

- ``layout``: the same records laid out differently — as collected
  (``as-is``), flat per-host folders, host-prefixed file names, devstack's
  ``<host>/opt/stack/logs``, one sosreport tarball per host, one concatenated
  stream on stdin (and the journal export alone on stdin), and every file
  passed on the command line in a shuffled order;
- ``info-only``: what ``debug = False`` would have logged (DEBUG records
  dropped with their continuation lines);
- ``removal``: one host's logs missing, in turn, and the controller alone;
- ``skew``: one compute's clock 5 s or 45 s ahead or behind (every time it
  writes is shifted, epochs included);
- ``tz``: one compute writing naive times in +05:30, once without and once
  with the ``--tz`` that tells migtrace.

`build` writes a variant and returns its `View`: which records survive, which
of them migtrace can attribute to their host, and how each host's clock reads.
"""

from __future__ import annotations

import gzip
import io
import os
import random
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tools.variants import sosreport
from tools.variants.records import SELF_NAMING, LogFile, Rec, SampleSet, export_bytes
from tools.variants.timeshift import Clock, export_entry, journal_line, oslo_line

LAYOUTS = ("as-is", "flat", "prefixed", "devstack", "sosreport", "stdin", "stdin-export", "shuffled")
SKEWS_S = (5, -5, 45, -45)
WRONG_ZONE = ("Asia/Kolkata", timedelta(hours=5, minutes=30), "IST")
DEVSTACK_NAMES = {"n-api": "screen-n-api", "n-cond": "screen-n-super-cond", "n-sch": "screen-n-sch",
                  "n-cpu": "screen-n-cpu"}
UNITS = {"n-api": "devstack@n-api.service", "n-cond": "devstack@n-super-cond.service",
         "n-sch": "devstack@n-sch.service", "n-cpu": "devstack@n-cpu.service"}


@dataclass(frozen=True, slots=True)
class Variant:
    """One re-shaping of one sample set."""

    family: str
    name: str
    params: tuple[tuple[str, object], ...] = ()

    def param(self, key: str, default: object = None) -> object:
        """Return a parameter."""
        return dict(self.params).get(key, default)


@dataclass(slots=True)
class View:
    """What a variant keeps of the set, as the truth rules need to see it."""

    layout: str
    retained: set[int] = field(default_factory=set)
    #: retained records whose host migtrace can know (path, journal field, or the log naming its own host)
    attributed: set[int] = field(default_factory=set)
    clocks: dict[str, Clock] = field(default_factory=dict)
    #: offsets the invocation tells migtrace (--tz), per host
    told: dict[str, timedelta] = field(default_factory=dict)

    def offset(self, host: str | None) -> timedelta:
        """Return how far the host's written times are from the truth, after what migtrace was told."""
        if host is None:
            return timedelta(0)
        clock = self.clocks.get(host, Clock())
        return clock.skew + clock.local - self.told.get(host, timedelta(0))


@dataclass(slots=True)
class Invocation:
    """How to run migtrace on a variant (paths relative to the variant directory)."""

    paths: list[str]
    stdin: str | None = None
    flags: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """Return the variant.json form."""
        return {"cwd": ".", "paths": self.paths, "stdin": self.stdin, "flags": self.flags}


def variants_for(sset: SampleSet) -> list[Variant]:
    """Return every variant of a set, in a stable order."""
    has_export = any(f.fmt == "journal-export" for f in sset.files)
    out = [Variant("layout", f"layout-{name}", (("layout", name),))
           for name in LAYOUTS if name != "stdin-export" or has_export]
    if any(r.level == "DEBUG" for r in sset.records):
        out.append(Variant("info-only", "info-only"))
    hosts, computes, controllers = sset.hosts(), sset.computes(), sset.controllers()
    if len(hosts) < 2:
        return out  # one host: nothing to remove, no other clock to be off against
    out += [Variant("removal", f"without-{h}", (("remove", (h,)),)) for h in hosts]
    if controllers and computes:
        out.append(Variant("removal", "controller-only", (("remove", tuple(computes)),)))
    for host in computes:
        for secs in SKEWS_S:
            sign = "plus" if secs > 0 else "minus"
            out.append(Variant("skew", f"skew-{host}-{sign}{abs(secs)}", (("host", host), ("skew_s", secs))))
    first = computes[0]
    out.append(Variant("tz", f"tz-{first}", (("host", first), ("zone", WRONG_ZONE[0]), ("flag", False))))
    out.append(Variant("tz", f"tz-{first}-flagged", (("host", first), ("zone", WRONG_ZONE[0]), ("flag", True))))
    return out


# ---------------------------------------------------------------------------------------- building


def build(sset: SampleSet, variant: Variant, out: Path) -> tuple[View, Invocation]:
    """Write the variant's logs under `out` and return what it keeps and how to run migtrace on it."""
    layout = str(variant.param("layout", "as-is"))
    view = View(layout)
    removed = set(variant.param("remove", ()) or ())  # type: ignore[arg-type]
    for rec in sset.records:
        if rec.host in removed or (rec.meta and rec.file.host in removed):
            continue
        if variant.family == "info-only" and rec.level == "DEBUG":
            continue
        view.retained.add(rec.seq)
    if variant.family == "skew":
        host = str(variant.param("host"))
        view.clocks[host] = Clock(skew=timedelta(seconds=int(variant.param("skew_s"))))  # type: ignore[arg-type]
    if variant.family == "tz":
        host = str(variant.param("host"))
        view.clocks[host] = Clock(local=WRONG_ZONE[1], zone_abbrev=WRONG_ZONE[2])
    kept = [r for r in sset.records if r.seq in view.retained]
    writer = _Writer(sset, view, out)
    inv = writer.write(kept, layout, random.Random(f"{sset.name}/{variant.name}"))
    if variant.family == "tz" and variant.param("flag"):
        host = str(variant.param("host"))
        prefixes = sorted({f"logs/{f.rel.split('/')[0]}" for f in sset.files if f.host == host and "/" in f.rel})
        inv.flags += [arg for p in prefixes for arg in ("--tz", f"{p}={WRONG_ZONE[0]}")]
        view.told[host] = WRONG_ZONE[1]
    _attribute(sset, view, kept, writer.path_named)
    return view, inv


class _Writer:
    """Place, render and write a variant's files."""

    def __init__(self, sset: SampleSet, view: View, out: Path) -> None:
        self.sset, self.view, self.out = sset, view, out
        #: output path -> [(member rank, LogFile, records)]
        self.groups: dict[str, list[tuple[int, LogFile, list[Rec]]]] = {}
        #: LogFiles whose output path names their host
        self.path_named: set[str] = set()

    def clock(self, host: str | None) -> Clock:
        return self.view.clocks.get(host or "", Clock())

    def render(self, lf: LogFile, recs: list[Rec]) -> bytes:
        if lf.fmt == "journal-export":
            entries = [export_entry(e, self.clock(r.host)) for r in recs for e in r.entries]
            return export_bytes(entries)
        if lf.fmt == "journal-text":
            lines = [journal_line(line, self.clock(r.host or lf.host), lf.year) for r in recs for line in r.lines]
        else:
            lines = [oslo_line(line, self.clock(lf.host)) for r in recs for line in r.lines]
        return ("\n".join(lines) + "\n").encode() if lines else b""

    def write(self, kept: list[Rec], layout: str, rng: random.Random) -> Invocation:
        by_file: dict[str, list[Rec]] = {}
        for rec in kept:
            by_file.setdefault(rec.file.rel, []).append(rec)
        files = [f for f in self.sset.files if f.rel in by_file]
        if layout == "sosreport":
            return self._sosreport(files, by_file)
        if layout in ("stdin", "stdin-export"):
            return self._stdin(files, by_file, layout)
        root = "incident" if layout in ("flat", "prefixed") else "logs"
        for lf in files:
            path = self._place(lf, layout, root)
            self.groups.setdefault(path, []).append((lf.member, lf, by_file[lf.rel]))
        written = self._flush()
        if layout == "shuffled":
            order = sorted(written)
            rng.shuffle(order)
            return Invocation(order)
        return Invocation([root])

    def _place(self, lf: LogFile, layout: str, root: str) -> str:
        name = lf.rel.rsplit("/", 1)[-1]
        host = lf.host or "unknown-host"
        if lf.fmt == "journal-export":
            return f"{root}/{name}"
        if layout in ("as-is", "shuffled"):
            if "/" in lf.rel:
                self.path_named.add(lf.rel)
            return f"{root}/{lf.rel}"
        self.path_named.add(lf.rel)
        if layout == "flat":
            return f"{root}/{host}/{name}"
        if layout == "prefixed":
            return f"{root}/{host}-{name}"
        # devstack: one file per service (no rotation), named as devstack names them
        ext = "txt" if lf.fmt == "journal-text" else "log"
        return f"{root}/{host}/opt/stack/logs/{DEVSTACK_NAMES.get(lf.service or '', lf.base)}.{ext}"

    def _flush(self) -> list[str]:
        for path, members in self.groups.items():
            members.sort(key=lambda m: -m[0])  # oldest rotation member first
            data = b"".join(self.render(lf, recs) for _, lf, recs in members)
            if path.endswith(".gz"):
                data = _gzip(data, os.path.basename(path)[:-3])
            self._put(path, data)
        return list(self.groups)

    def _put(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        stamp = self.sset.collected.timestamp()
        os.utime(path, (stamp, stamp))

    def _stdin(self, files: list[LogFile], by_file: dict[str, list[Rec]], layout: str) -> Invocation:
        want_export = layout == "stdin-export"
        chosen = [f for f in files if (f.fmt == "journal-export") == want_export]
        # `zcat -f` of every file, rotation members oldest first: time order only within a file
        chosen.sort(key=lambda f: (f.rel.rsplit("/", 1)[0] if "/" in f.rel else "", f.base, -f.member))
        data = b"".join(self.render(lf, by_file[lf.rel]) for lf in chosen)
        self._put("stdin.log", data)
        self.stdin_files = {f.rel for f in chosen}
        return Invocation(["-"], stdin="stdin.log")

    def _sosreport(self, files: list[LogFile], by_file: dict[str, list[Rec]]) -> Invocation:
        debug = any(r.level == "DEBUG" for rel in by_file for r in by_file[rel])
        per_host: dict[str, dict[str, bytes]] = {}
        for lf in files:
            if lf.fmt == "journal-export":
                continue  # each host's sosreport carries its own journal, as text below
            host = lf.host or "unknown-host"
            name = lf.rel.rsplit("/", 1)[-1]
            data = self.render(lf, by_file[lf.rel])
            if lf.fmt == "journal-text":
                rel = f"sos_commands/logs/journalctl_--no-pager_--unit_{UNITS.get(lf.service or '', lf.base)}"
            else:
                rel = f"var/log/nova/{name}"
                if name.endswith(".gz"):
                    data = _gzip(data, name[:-3])
            per_host.setdefault(host, {})[rel] = data
            self.path_named.add(lf.rel)
        paths = []
        for host, logs in sorted(per_host.items()):
            root = sosreport.report_name(host, self.sset.collected)
            content = {**sosreport.standard_files(host, self.sset.collected, debug), **logs}
            target = self.out / "incident" / f"{root}.tar.xz"
            sosreport.write_tarball(target, root, content, self.sset.collected)
            stamp = self.sset.collected.timestamp()
            os.utime(target, (stamp, stamp))
            paths.append(f"incident/{root}.tar.xz")
        return Invocation(paths)


def _gzip(data: bytes, name: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _attribute(sset: SampleSet, view: View, kept: list[Rec], path_named: set[str]) -> None:
    """Decide which kept records migtrace can attribute to their host.

    Journal formats carry the host in every line.  An oslo.log file is
    attributed by its path (a host directory, a host-prefixed name, a
    sosreport) or, when the path names nothing, by the log itself: a compute's
    resource tracker (or its INFO `Claim successful on node`) names its own host, and a stream whose retained lines
    name exactly one host that way belongs to that host.  A stream mixing
    several hosts (stdin) cannot be attributed.
    """
    streams: dict[str, list[Rec]] = {}
    for rec in kept:
        if rec.file.fmt != "oslo" or (rec.file.rel in path_named and view.layout not in ("stdin",)):
            view.attributed.add(rec.seq)
            continue
        key = "<stdin>" if view.layout == "stdin" else rec.file.rel
        streams.setdefault(key, []).append(rec)
    for recs in streams.values():
        named = {m.group("h") or m.group("h2") or m.group("h3") for r in recs for m in SELF_NAMING.finditer(r.text)}
        if len(named) == 1:
            view.attributed.update(r.seq for r in recs if r.host in named)
