"""Time and size of the reports of 50 migrations (targets: ≤ 2 s and ≤ 5 MB per format).

Run: .venv/bin/python benchmarks/bench_report.py [--migrations 50] [--events 60]

The analysis is synthetic but shaped like real ones: each live migration has
API/conductor/both-compute events, DEBUG monitor lines with progress samples,
five phases, and every fifth one fails with a finding and a traceback.  Each
format is rendered through `write_report`, i.e. with redaction and the
re-scan of the written file, as `migtrace report` does it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from migtrace.model import Event, FileStats, Finding, Migration, Phase, ProgressSample
from migtrace.pipeline import Analysis
from migtrace.reports import write_report

T0 = datetime(2024, 3, 5, 0, 0, tzinfo=UTC)
TARGET_S = 2.0
TARGET_BYTES = 5_000_000


def _migration(n: int, events_per: int) -> Migration:
    start = T0 + timedelta(minutes=10 * n)
    req = f"req-{n:08x}-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    inst = f"{n:08x}-1111-4222-8333-444455556666"
    src, dst = f"compute{n % 7}", f"compute{(n + 3) % 7}"
    failed = n % 5 == 4
    events: list[Event] = []
    for i in range(events_per):
        t = start + timedelta(seconds=i * 0.8)
        host, service = ((("controller", "n-api"), ("controller", "n-cond"), (dst, "n-cpu"))[i] if i < 3
                         else (src, "n-cpu"))
        level = "DEBUG" if i % 3 else "INFO"
        msg = (f"Migration running for {i} secs, memory {max(100 - i * 2, 0)}% remaining "
               f"(bytes processed={i * 1000}, remaining={10_000_000 - i}, total=10000000)" if level == "DEBUG"
               else f"Step {i} of the live migration to {dst} via qemu+tcp://{dst}/system")
        extra: tuple[str, ...] = ()
        if failed and i == events_per - 1:
            level, msg = "ERROR", f"Live Migration failure: operation failed: Failed to connect to remote libvirt URI qemu+tcp://{dst}/system"
            extra = ("Traceback (most recent call last):",
                     *(f'  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/f{k}.py", line {k}, in f'
                       for k in range(20)),
                     "libvirt.libvirtError: Connection refused")
        events.append(Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=msg, host=host,
                            service=service, pid=1000 + n, level=level, logger="nova.virt.libvirt.driver",
                            request_id=req, user="4b2e6a0c9d8f4e3a8b7c6d5e4f3a2b1c",
                            project="9a8f7e6d5c4b4a398877665544332211", instance=inst, extra=extra,
                            source=f"/logs/{host}/nova-compute.log", lineno=n * 1000 + i))
    end = events[-1].time
    span = (end - start) / 5
    phases = tuple(Phase(name, start + span * k, start + span * (k + 1), (src, dst), tuple(events[k::5][:3]),
                         "failed" if failed and k == 4 else "ok")
                   for k, name in enumerate(("api", "conductor", "pre_live_migration", "migration job", "post")))
    progress = tuple(ProgressSample(e.time, float(i), max(100 - i * 2, 0)) for i, e in enumerate(events) if i % 3)
    findings: tuple[Finding, ...] = ()
    if failed:
        findings = (Finding("libvirt-remote-uri-refused", "Cannot reach the destination libvirtd", "error",
                            end, end, 1, "migration job", req, "The source libvirtd could not open qemu+tcp.",
                            "Check libvirtd TCP listening and the firewall.",
                            ("https://bugs.launchpad.net/nova/+bug/1234567",), (events[-1],)),)
    return Migration(id=req, kind="live-migration", instance=inst, status="failed" if failed else "completed",
                     started=start, ended=end, source_host=src, dest_host=dst, request_ids=(req,),
                     phases=phases, downtime_s=None if failed else 0.4, progress=progress, findings=findings,
                     events=tuple(events))


def build(migrations: int, events_per: int) -> Analysis:
    """Build the synthetic analysis."""
    migs = [_migration(n, events_per) for n in range(migrations)]
    events = [e for m in migs for e in m.events]
    stats = [FileStats(path=f"/logs/compute{k}/nova-compute.log", fmt="oslo", host=f"compute{k}", service="n-cpu",
                       lines_read=100_000, records=90_000, record_lines=90_000, continuation_lines=10_000)
             for k in range(7)]
    return Analysis(events=tuple(events), migrations=tuple(migs), stats=tuple(stats), skew={"compute1": 0.25},
                    skew_mode="auto")


def main(argv: list[str] | None = None) -> int:
    """Render every format, print time and size, return 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--migrations", type=int, default=50)
    ap.add_argument("--events", type=int, default=60, help="events per migration")
    ap.add_argument("--redact", default="hosts,ips,users")
    args = ap.parse_args(argv)
    analysis = build(args.migrations, args.events)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, suffix in (("html", ".html"), ("markdown", ".md"), ("json", ".json")):
            out = Path(tmp) / f"report{suffix}"
            t0 = time.perf_counter()
            write_report(analysis, out, fmt, redact=args.redact)
            elapsed = time.perf_counter() - t0
            size = out.stat().st_size
            verdict = "ok" if elapsed <= TARGET_S and size <= TARGET_BYTES else "OVER TARGET"
            ok = ok and verdict == "ok"
            sys.stdout.write(f"{fmt:9s} {args.migrations} migrations × {args.events} events: "
                             f"{elapsed:6.2f} s  {size / 1e6:6.2f} MB  {verdict}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
