"""Prototype (not the package): the two-pass selective read for whole-set commands, checked against `list`.

Pass 1 scans the raw bytes of every file for the vocabulary (benchmarks/vocab.py)
with the fastest available multi-literal engine.  Only the hit lines are
decoded; each is checked against the phase markers (migtrace's own
MarkerSet) and is *evidence of a move* when a matching marker opens one,
acts on one (follow-up) or implies a kind.  Evidence under a user's request
makes that request a move request; every vocabulary line of a move request
gives its instances and time span.  Evidence under a service-internal
context (`[req-… - - - - -]`: periodic tasks, the lifecycle thread) gives
only its instance and time: pulling such a request would pull the whole
service.

Pass 2 scans again for the move requests and their instances, keeps every
line of a move request and the lines of a move instance inside its windows
(first line of the request − 1 s to last + 30 min), and extends each hit
to its whole record (header above a traceback line, continuation lines
below a header).  The selected records are written, file by file under
the same relative paths (hosts come from the path), to a temporary tree,
and `migtrace list -f json` runs on it: its output is compared with the
full run's.

Run: python -m benchmarks proto [--set main] [--engine auto|hyperscan|re2|…] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from benchmarks import datasets, engines, vocab
from benchmarks.measure import Run, run_once, table

#: a line that starts a record (oslo header with its context block); others continue the record above.
#: No `^`: the patterns are used with match(buffer, pos), which anchors at pos (and `^` would not match there)
RECORD_START = re.compile(
    rb"(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\s+(?:\d+\s+)?)?"
    rb"(?:DEBUG|INFO|AUDIT|WARNING|ERROR|CRITICAL|TRACE)\s+\S+\s+\[(?!instance:)")
HEADER = re.compile(
    rb"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \d+ (?P<level>[A-Z]+) (?P<logger>\S+) \[(?P<ctx>[^\]]*)\] "
    rb"(?:\[instance: (?P<inst>[0-9a-f-]{36})\] )?(?P<msg>.*)$")
DEBUG_SUFFIX = re.compile(r" \S+ /\S+\.py:\d+$")
IDS = re.compile(rb"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|"
                 rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SERVERS_UUID = re.compile(r"/servers/([0-9a-f-]{36})/")
BEFORE = timedelta(seconds=1)
AFTER = timedelta(minutes=30)
ORPHAN = timedelta(minutes=30)


def record_chunks(path: Path, size: int = engines.CHUNK):
    """Yield (offset, chunk) with every chunk ending where a record ends (tracebacks stay whole)."""
    with open(path, "rb") as fh:
        carry = b""
        base = 0
        while True:
            block = fh.read(size)
            if not block:
                if carry:
                    yield base, carry
                return
            data = carry + block
            cut = data.rfind(b"\n") + 1
            # move the cut back until the next line starts a record
            while 0 < cut < len(data) and not RECORD_START.match(data, cut):
                cut = data.rfind(b"\n", 0, cut - 1) + 1
            if cut <= 0:
                carry = data
                continue
            yield base, data[:cut]
            base += cut
            carry = data[cut:]


def pick_engine(name: str) -> str:
    """The engine to use: the first installed of hyperscan, re2, ahocorasick, else bytes.find loops."""
    if name != "auto":
        return name
    for cand, mod in (("hyperscan", "hyperscan"), ("re2", "re2"), ("ahocorasick", "ahocorasick")):
        if importlib.util.find_spec(mod) is not None:
            return cand
    return "find-loop"


@dataclass
class Pass1:
    """What the first pass learned."""

    move_requests: set[str] = field(default_factory=set)
    #: request -> (first, last) time of its vocabulary lines, and the instances they name
    span: dict[str, list[datetime]] = field(default_factory=dict)
    instances: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: instance -> times of evidence lines under a service-internal context
    internal: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    hit_lines: int = 0


def _time(ts: bytes) -> datetime:
    return datetime.fromisoformat(ts.decode())


def pass1(files: list[Path], engine: str, needles: list[bytes]) -> Pass1:
    """Scan for the vocabulary; classify the hit lines with the phase markers."""
    from migtrace.markers import load_markers  # the product's own marker data and matching

    markers = load_markers()
    with open(files[0], "rb") as fh:
        sample = fh.read(1 << 20)
    scan = engines.build(engine, needles, sample)
    out = Pass1()
    for fi, path in enumerate(files):
        for base, chunk in record_chunks(path):
            hits: engines.Hits = set()
            scan(fi, base, chunk, hits)
            out.hit_lines += len(hits)
            for _, off in sorted(hits):
                rel = off - base
                end = chunk.find(b"\n", rel)
                m = HEADER.match(chunk, rel, end if end >= 0 else len(chunk))
                if m is None:
                    continue  # a traceback line: markers only look at a record's first line
                _classify(out, markers, m)
    return out


def _classify(out: Pass1, markers: object, m: re.Match[bytes]) -> None:
    ctx = m.group("ctx").decode(errors="replace").split()
    req = ctx[0] if ctx and ctx[0].startswith("req-") else None
    internal = req is None or len(ctx) < 2 or ctx[1] == "-"
    msg = m.group("msg").decode("utf-8", "replace")
    level = m.group("level").decode()
    if level == "DEBUG":
        msg = DEBUG_SUFFIX.sub("", msg)
    inst = m.group("inst").decode() if m.group("inst") else None
    if inst is None:
        su = SERVERS_UUID.search(msg)
        inst = su.group(1) if su else None
    when = _time(m.group("ts"))
    if req and not internal:
        span = out.span.get(req)
        if span is None:
            out.span[req] = [when, when]
        else:
            span[0], span[1] = min(span[0], when), max(span[1], when)
        if inst:
            out.instances[req].add(inst)
    event = SimpleNamespace(message=msg, logger=m.group("logger").decode(), level=level)
    found = markers.match(event)  # type: ignore[attr-defined]
    if not any(x.marker.opens or x.marker.followup or x.marker.implies for x in found):
        return
    if req and not internal:
        out.move_requests.add(req)
    elif inst:
        out.internal[inst].append(when)


def windows(p1: Pass1, after: timedelta | None = AFTER) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per move instance, the time windows whose lines pass 2 keeps (`after` None: to the end of the logs)."""
    out: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for req in p1.move_requests:
        first, last = p1.span[req]
        end = datetime.max.replace(tzinfo=last.tzinfo) if after is None else last + after
        for inst in p1.instances.get(req, ()):
            out[inst].append((first - BEFORE, end))
    for inst, times in p1.internal.items():
        for t in times:
            out[inst].append((t - ORPHAN, t + ORPHAN))
    return out


def pass2(files: list[Path], engine: str, p1: Pass1, out_root: Path, root: Path,
          after: timedelta | None = AFTER) -> tuple[int, int]:
    """Keep the records of move requests, and of move instances inside their windows; write them."""
    wins = windows(p1, after)
    reqs = {r.encode() for r in p1.move_requests}
    insts = {i.encode() for i in wins}
    needles = sorted(reqs | insts)
    with open(files[0], "rb") as fh:
        sample = fh.read(1 << 20)
    scan = engines.build(engine, needles, sample)
    lines = nbytes = 0
    for fi, path in enumerate(files):
        target = out_root / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for base, chunk in record_chunks(path):
                hits: engines.Hits = set()
                scan(fi, base, chunk, hits)
                keep: list[int] = []
                for _, off in sorted(hits):
                    rel = off - base
                    end = chunk.find(b"\n", rel)
                    line = chunk[rel:end if end >= 0 else len(chunk)]
                    ids = set(IDS.findall(line))
                    if ids & reqs or _in_window(line, ids & insts, wins):
                        keep.append(rel)
                for start, stop in _records(chunk, keep):
                    piece = chunk[start:stop]
                    out.write(piece)
                    lines += piece.count(b"\n")
                    nbytes += len(piece)
    return lines, nbytes


def _in_window(line: bytes, found: set[bytes], wins: dict[str, list[tuple[datetime, datetime]]]) -> bool:
    if not found:
        return False
    try:
        when = _time(line[:23])
    except ValueError:
        return True  # no time to judge by: keep it (cheap, and the keeper decides)
    return any(a <= when <= b for inst in found for a, b in wins[inst.decode()])


def _records(chunk: bytes, hits: list[int]) -> list[tuple[int, int]]:
    """Merge the hit lines into whole records: [start, stop) ranges in chunk order, no overlaps."""
    ranges: list[tuple[int, int]] = []
    for rel in hits:
        start = rel
        while start > 0 and not RECORD_START.match(chunk, start):
            start = chunk.rfind(b"\n", 0, start - 1) + 1
        stop = chunk.find(b"\n", rel) + 1 or len(chunk)
        while stop < len(chunk) and not RECORD_START.match(chunk, stop):
            stop = chunk.find(b"\n", stop) + 1 or len(chunk)
        if ranges and start < ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], stop))
        else:
            ranges.append((start, stop))
    return ranges


def child(root: Path, engine: str, out_json: Path, keep: Path | None, after: timedelta | None) -> int:
    """The measured process: both passes, then `migtrace list -f json` on the selection."""
    files = datasets.log_files(root)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    p1 = pass1(files, engine, vocab.needles())
    timings["pass1_s"] = time.perf_counter() - t
    tmp = Path(tempfile.mkdtemp(prefix="proto-select-")) if keep is None else keep
    try:
        t = time.perf_counter()
        lines, nbytes = pass2(files, engine, p1, tmp, root, after)
        timings["pass2_s"] = time.perf_counter() - t
        t = time.perf_counter()
        import subprocess

        with open(out_json, "wb") as fh:
            subprocess.run([sys.executable, "-m", "migtrace", "list", "-f", "json", str(tmp)], stdout=fh,
                           stderr=subprocess.DEVNULL, check=True, env={**os.environ, "CI": "1"})
        timings["list_s"] = time.perf_counter() - t
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    info = {**timings, "pass1_hit_lines": p1.hit_lines, "move_requests": len(p1.move_requests),
            "instances": len(windows(p1, after)), "selected_lines": lines, "selected_bytes": nbytes}
    print(json.dumps(info))
    return 0


def full_listing(root: Path, name: str) -> tuple[Path, Run]:
    """`migtrace list -f json` on the whole set, cached beside the set (it takes minutes on 1 GB)."""
    cache = datasets.DATA / f"{name}.list.json"
    meta = datasets.DATA / f"{name}.list.run.json"
    if cache.exists() and meta.exists():
        saved = json.loads(meta.read_text())
        if saved.get("stamp") == (root / "truth.json").stat().st_mtime:
            return cache, Run(saved["wall_s"], saved["cpu_s"], saved["rss_mib"])
    run = run_once([sys.executable, "-m", "migtrace", "list", "-f", "json", str(root)], stdout_path=cache)
    save_listing(root, name, run)
    return cache, run


def save_listing(root: Path, name: str, run: Run) -> None:
    """Remember how long the full `list` (already written to _data/NAME.list.json) took, for the set as it is."""
    meta = datasets.DATA / f"{name}.list.run.json"
    meta.write_text(json.dumps({"stamp": (root / "truth.json").stat().st_mtime, "wall_s": run.wall_s,
                                "cpu_s": run.cpu_s, "rss_mib": run.rss_mib}))


def main(argv: list[str] | None = None) -> int:
    """Run the prototype in a measured child, compare its listing with the full run's."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks proto", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="main")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--keep", type=Path, help="keep the selected records in this directory")
    ap.add_argument("--after", type=float, default=AFTER.total_seconds() / 60,
                    help="minutes of a move instance's lines kept after its request's last line "
                         "(0: to the end of the logs, which is what today's correlator can reach)")
    ap.add_argument("--child", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    engine = pick_engine(args.engine)
    after = timedelta(minutes=args.after) if args.after else None
    if args.child:
        return child(Path(args.child[0]), engine, Path(args.child[1]), args.keep, after)
    root = datasets.ensure(args.set)
    files = datasets.log_files(root)
    size = sum(f.stat().st_size for f in files)
    print(f"input: {root} ({len(files)} files, {size / 2**20:,.0f} MiB); engine {engine}; instance lines kept "
          f"{args.after:g} min after a move request's last line" if args.after else
          f"input: {root} ({len(files)} files, {size / 2**20:,.0f} MiB); engine {engine}; instance lines kept "
          "to the end of the logs", flush=True)
    full_json, full = full_listing(root, args.set)
    with tempfile.TemporaryDirectory(prefix="proto-") as tmp:
        out_json = Path(tmp) / "proto.json"
        info_path = Path(tmp) / "info.json"
        cmd = [sys.executable, "-m", "benchmarks", "proto", "--set", args.set, "--engine", engine,
               "--after", str(args.after), "--child", str(root), str(out_json)]
        if args.keep:
            cmd += ["--keep", str(args.keep)]
        proto = run_once(cmd, stdout_path=info_path)
        info = json.loads(info_path.read_text())
        ours = json.loads(out_json.read_text())
    theirs = json.loads(full_json.read_text())
    print(table(["run", "wall s", "CPU s", "peak RSS MiB"], [
        ["migtrace list -f json DIR (full load)", full.wall_s, full.cpu_s, full.rss_mib],
        ["prototype: pass 1 + pass 2 + list on the selection", proto.wall_s, proto.cpu_s, proto.rss_mib],
    ]))
    print(f"pass 1 {info['pass1_s']:.2f} s ({info['pass1_hit_lines']:,} vocabulary lines, "
          f"{info['move_requests']} move requests, {info['instances']} instances); pass 2 {info['pass2_s']:.2f} s "
          f"({info['selected_lines']:,} lines, {info['selected_bytes'] / 2**20:.1f} MiB selected); "
          f"list on the selection {info['list_s']:.2f} s")
    if ours == theirs:
        print(f"output: IDENTICAL ({len(ours)} migrations)")
        return 0
    print(f"output: DIFFERENT ({len(ours)} migrations vs {len(theirs)})")
    a = {m["id"]: m for m in ours}
    b = {m["id"]: m for m in theirs}
    for mid in sorted(set(a) | set(b)):
        if a.get(mid) != b.get(mid):
            diff = {k for k in set(a.get(mid, {})) | set(b.get(mid, {}))
                    if a.get(mid, {}).get(k) != b.get(mid, {}).get(k)}
            print(f"  {mid}: {'missing' if mid not in a else 'extra' if mid not in b else sorted(diff)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
