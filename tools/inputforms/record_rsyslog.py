"""Record what a real rsyslogd writes for nova records, and check formats.py against it.

Usage (needs `rsyslogd` on PATH; Debian: `apt-get install rsyslog`):

    python -m tools.inputforms.record_rsyslog OUT_DIR

A private rsyslogd (its own config, UDP on a loopback port, no /dev/log) is
started, every record of the fixture excerpt is sent as an RFC 5424 datagram
(so rsyslog keeps the record's own time and host), rsyslogd is stopped by its
pid, and its three file templates are compared line by line with
formats.rsyslog_traditional / rsyslog_fileformat / rfc5424.  Exit 1 on any
difference.  The fixture files under tests/fixtures/inputs/syslog/ come from
the same renderers, so this is how they were checked.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.inputforms import formats
from tools.inputforms.excerpts import EXCERPTS, excerpt_records

CONF = """\
global(workDirectory="{d}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{port}")
"""
ACTION = '*.* action(type="omfile" file="{d}/{name}.log" template="{template}")\n'

#: output file -> (rsyslog built-in template, how the datagram is sent)
OUTPUTS = {
    "traditional": ("RSYSLOG_TraditionalFileFormat", "3164"),
    "fileformat": ("RSYSLOG_FileFormat", "3164"),
    "rfc5424": ("RSYSLOG_SyslogProtocol23Format", "5424"),
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_rsyslog(datagrams: list[bytes], names: list[str], fake_time: str | None) -> dict[str, list[str]]:
    """Feed datagrams to a private rsyslogd and return what each output file got.

    RFC 3164 carries no year: rsyslog takes the receiver's, so the 3164 run is
    started under faketime at the excerpt's date, as a receiver of the time would be.
    """
    rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        conf = Path(tmp, "rsyslog.conf")
        conf.write_text(CONF.format(d=tmp, port=port) + "".join(
            ACTION.format(d=tmp, name=n, template=OUTPUTS[n][0]) for n in names))
        cmd = [rsyslogd, "-n", "-f", str(conf), "-i", f"{tmp}/pid"]
        if fake_time:
            cmd = ["faketime", fake_time, *cmd]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for d in datagrams:
                    s.sendto(d, ("127.0.0.1", port))
                    time.sleep(0.002)   # keep arrival order = send order
            time.sleep(1.5)
        finally:
            # faketime runs rsyslogd as its child: stop rsyslogd by its own pid file, then the wrapper
            pidfile = Path(tmp, "pid")
            if pidfile.is_file():
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGTERM)
                time.sleep(0.5)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        return {n: Path(tmp, f"{n}.log").read_text().splitlines() for n in names}


def main(argv: list[str]) -> int:
    """Run rsyslogd on the excerpts, keep its files in OUT_DIR, compare with the renderers."""
    out = Path(argv[0]) if argv else Path("rsyslog-recorded")
    out.mkdir(parents=True, exist_ok=True)
    bad = 0
    for ex_name in ("queens-app-g", "kilo-a42b3ff1", "devstack-ansi"):
        ex = EXCERPTS[ex_name]
        wire: dict[str, list[bytes]] = {"3164": [], "5424": []}
        expected: dict[str, list[str]] = {n: [] for n in OUTPUTS}
        for lf, rec in excerpt_records(ex):
            assert rec.time is not None
            msg, pid, level = rec.text, str(rec.pid or "-"), rec.level or "INFO"
            tag = f"{lf.program}[{pid}]:"
            wire["3164"].append((formats.rfc3164_wire(rec.time, lf.host, tag, "", level) + msg).encode())
            wire["5424"].append((formats.rfc5424(rec.time, lf.host, lf.program, pid, "", level) + msg).encode())
            expected["traditional"].append(formats.rsyslog_traditional(rec.time, lf.host, tag, msg))
            expected["fileformat"].append(formats.rsyslog_fileformat(rec.time, lf.host, tag, msg, fraction=False))
            expected["rfc5424"].append(formats.rfc5424(rec.time, lf.host, lf.program, pid, msg, level))
        got = run_rsyslog(wire["3164"], ["traditional", "fileformat"], ex.start)
        got.update(run_rsyslog(wire["5424"], ["rfc5424"], None))
        for name, lines in expected.items():
            (out / f"{ex_name}.{name}.log").write_text("\n".join(got[name]) + "\n")
            for i, (g, e) in enumerate(zip(got[name], lines, strict=False)):
                if g != e:
                    bad += 1
                    sys.stderr.write(f"{ex_name}.{name}:{i + 1}\n  rsyslog: {g[:200]}\n  ours:    {e[:200]}\n")
            if len(got[name]) != len(lines):
                bad += 1
                sys.stderr.write(f"{ex_name}.{name}: rsyslog wrote {len(got[name])} lines, we expect {len(lines)}\n")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
