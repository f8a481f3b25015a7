"""Fuzz the oslo.log parser and the whole FileReader with realistic and hostile lines.

The strategies are built from the line shapes real nova logs have
(docs/nova-migration-logs.md §1): the header of every release variant, TRACE and
ERROR exception-prefix lines, unprefixed remote-traceback lines, blank
lines, devstack ANSI colours, CRLF ends, pastebin numbering and headers
hard-wrapped by a terminal or mail client; then mixed with arbitrary text
and bytes.  Whatever comes in: no exception escapes, every line is accounted
for (`stats.balanced`) and `stats.records` equals the events yielded.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.errors import ParseError
from migtrace.model import FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.oslo import PARSER
from migtrace.sources import FileReader, InputFile

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

hexs = st.text("0123456789abcdef", min_size=32, max_size=32)
uuids = st.uuids().map(str)
req_ids = uuids.map(lambda u: f"req-{u}")
timestamps = st.datetimes(min_value=datetime(2012, 1, 1), max_value=datetime(2030, 1, 1))
levels = st.sampled_from(["DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL", "TRACE", "WARN"])
loggers = st.sampled_from(["nova.compute.manager", "nova.virt.libvirt.driver", "nova.conductor.tasks.live_migrate",
                           "nova.scheduler.manager", "oslo_messaging.rpc.server", "nova.api.openstack.wsgi",
                           "nova.virt.libvirt.migration", "oslo_service.periodic_task", "os_brick.initiator"])
messages = st.sampled_from([
    "Migration running for 5 secs, memory 62% remaining; (bytes processed=1, remaining=2, total=3)",
    "VM Paused (Lifecycle Event)", "Migration operation has completed", "_post_live_migration() is started..",
    "Live Migration failure: operation failed: migration job: unexpectedly failed",
    "Exception during message handling", "Took 12.3 seconds to build instance.",
    "Final resource view: name=compute-1 phys_ram=64000MB used_ram=2048MB",
    "Running periodic task ComputeManager._poll_unconfirmed_resizes run_periodic_tasks "
    "/usr/lib/python2.7/site-packages/oslo_service/periodic_task.py:215",
    "", "[", "]", "[-]", "{{(pid=1) f /x.py:1}}", "Unexpected error: [Errno 32] Broken pipe",
]) | st.text(max_size=80)
instances = st.none() | uuids.map(lambda u: f"[instance: {u}] ")


@st.composite
def ts_text(draw: st.DrawFn, msecs: bool = True) -> str:
    t = draw(timestamps)
    sep = draw(st.sampled_from([" ", "T"]))
    text = t.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    if msecs:
        text += draw(st.sampled_from([".", ","])) + f"{t.microsecond // 1000:03d}"
    return text


@st.composite
def request_block(draw: st.DrawFn) -> str:
    """The context block of each oslo.log era (Folsom … Zed+, devstack, no context)."""
    req, user, proj = draw(req_ids), draw(hexs), draw(hexs)
    return draw(st.sampled_from([
        f"[{req} {user} {proj}]",                                # Folsom … Icehouse
        f"[{req} None None]",                                    # periodic tasks, Havana
        f"[{req} None]",                                         # Juno
        f"[{req} {user} {proj} - - -]",                          # Kilo, Liberty
        f"[{req} {user} {proj} - default default]",              # Mitaka … Yoga, keystone v3
        f"[None {req} {user} {proj} - - default default]",       # Zed+
        f"[{draw(req_ids)} {req} {user} {proj} - - default default]",  # Zed+ with a global id
        f"[None {req} admin admin]",                             # devstack names
        "[-]",                                                   # no context
    ]))


@st.composite
def header(draw: st.DrawFn) -> str:
    """One record's first line, in a release's file format (or devstack's bare journald one)."""
    msg = draw(messages)
    inst = draw(instances) or ""
    block = draw(request_block())
    level, logger = draw(levels), draw(loggers)
    variant = draw(st.sampled_from(["folsom", "grizzly", "std", "bare", "debug-suffix"]))
    if variant == "folsom":
        return f"{draw(ts_text(msecs=False))} {level} {logger} {block} {inst}{msg}"
    if variant == "grizzly":
        return f"{draw(ts_text())} {level} {logger} {block} {inst}{msg}"
    if variant == "bare":
        return f"{level} {logger} {block} {inst}{msg}"
    pid = draw(st.integers(1, 4_000_000))
    line = f"{draw(ts_text())} {pid} {level} {logger} {block} {inst}{msg}"
    if variant == "debug-suffix":
        line += draw(st.sampled_from([f" {{{{(pid={pid}) _live_migration_monitor /opt/stack/nova/nova/virt/libvirt/driver.py:"
                                      "7429}}", " run_periodic_tasks /usr/lib/python2.7/site-packages/"
                                      "oslo_service/periodic_task.py:215", f" from (pid={pid}) f /x.py:3"]))
    return line


@st.composite
def prefix_line(draw: st.DrawFn) -> str:
    """An exception-prefix line: `TRACE` before Liberty, `ERROR` after; with or without `[instance: …]`."""
    word = draw(st.sampled_from(["TRACE", "ERROR"]))
    inst = draw(instances) or ""
    body = draw(st.sampled_from(["Traceback (most recent call last):",
                                 '  File "/usr/lib/python2.7/site-packages/nova/compute/manager.py", line 5, in f',
                                 "    raise exception.MigrationPreCheckError(reason=msg)",
                                 "MigrationPreCheckError: Migration pre-check error: CPU doesn't have compatibility.",
                                 ""]))
    return f"{draw(ts_text())} {draw(st.integers(1, 99999))} {word} {draw(loggers)} {inst}{body}"


remote_tb = st.sampled_from([
    "Traceback (most recent call last):", '  File "/usr/lib/python3/dist-packages/oslo_messaging/rpc/server.py", '
    'line 165, in _process_incoming', "    res = self.dispatcher.dispatch(message)",
    "nova.exception_Remote.NoValidHost_Remote: No valid host was found. There are not enough hosts available.",
    "Remote error: ProcessExecutionError Unexpected error while running command.", "Command: iscsiadm -m session",
    "Exit code: 21", "Stderr: u'iscsiadm: No session found.\\n'",
])

ANSI = ["\x1b[00;32m", "\x1b[01;35m", "\x1b[00m", "\x1b[01;36m", "#033[00;36m", "^[[00m"]


@st.composite
def decorated(draw: st.DrawFn, line: str) -> list[str]:
    """Apply what terminals, pastes and mail clients do to a line; may return it wrapped in pieces."""
    if draw(st.booleans()) and line:
        pos = draw(st.integers(0, len(line)))
        line = line[:pos] + draw(st.sampled_from(ANSI)) + line[pos:]
    if draw(st.integers(0, 9)) == 0:
        line = f"{draw(st.integers(1, 9999)):>4}. {line}"
    if draw(st.integers(0, 7)) == 0 and len(line) > 20:
        cut = draw(st.integers(10, len(line) - 1))
        return [line[:cut], line[cut:]]
    return [line]


@st.composite
def oslo_lines(draw: st.DrawFn) -> list[str]:
    """A plausible-to-hostile stream of oslo.log lines (no line ends, as sources deliver them)."""
    out: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["header"] * 5 + ["prefix"] * 2 + ["remote", "blank", "noise"]))
        if kind == "header":
            line = draw(header())
        elif kind == "prefix":
            line = draw(prefix_line())
        elif kind == "remote":
            line = draw(remote_tb)
        elif kind == "blank":
            line = draw(st.sampled_from(["", " ", "\t"]))
        else:
            line = draw(st.text(st.characters(blacklist_characters="\n"), max_size=120))
        out.extend(draw(decorated(line)))
    return out


def _ctx(path: str = "fuzz.log") -> ParseContext:
    return ParseContext(path=path, stats=FileStats(path=path), tz=UTC, host="compute-1", service="n-cpu")


@FUZZ
@given(oslo_lines())
def test_fuzz_oslo_parse_accounts_every_line(lines: list[str]) -> None:
    ctx = _ctx()
    events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    assert ctx.stats.balanced, ctx.stats
    assert ctx.stats.lines_read == len(lines)
    assert ctx.stats.records == len(events)
    assert all(e.time.tzinfo is not None for e in events)


@FUZZ
@given(st.lists(st.text(st.characters(blacklist_characters="\n"), max_size=200), max_size=60))
def test_fuzz_oslo_parse_arbitrary_text(lines: list[str]) -> None:
    ctx = _ctx()
    events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    assert ctx.stats.balanced and ctx.stats.records == len(events)
    assert ctx.stats.lines_read == len(lines)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory reused by every example (hypothesis runs many examples per test call)."""
    return tmp_path_factory.mktemp("fuzz")


def _read(path: Path, terms: frozenset[str] = frozenset()) -> tuple[int, FileStats, list[str]]:
    warnings: list[str] = []
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), warnings.append, terms)
    events: Iterator[object] = reader.events()
    count = sum(1 for _ in events)
    return count, reader.stats, warnings


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """A log file's bytes: realistic lines with CRLF/bad UTF-8/NULs, or raw bytes, maybe compressed and cut."""
    if draw(st.integers(0, 4)) == 0:
        data = draw(st.binary(max_size=4000))
    else:
        lines = draw(oslo_lines())
        end = draw(st.sampled_from(["\n", "\r\n"]))
        data = end.join(lines).encode("utf-8", "surrogatepass")
        if draw(st.booleans()):
            junk = draw(st.sampled_from([b"\xff\xfe", b"\x00", b"\xc3", b"\x00" * 64, b"\x1b[", b"\r"]))
            pos = draw(st.integers(0, len(data)))
            data = data[:pos] + junk + data[pos:]
        if draw(st.booleans()):
            data += end.encode()
    packing = draw(st.sampled_from(["plain"] * 4 + ["gz", "bz2", "xz"]))
    if packing == "gz":
        data = gzip.compress(data, mtime=0)
    elif packing == "bz2":
        data = bz2.compress(data)
    elif packing == "xz":
        data = lzma.compress(data)
    if packing != "plain" and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@FUZZ
@given(data=file_bytes())
def test_fuzz_filereader_never_raises_and_balances(scratch: Path, data: bytes) -> None:
    path = scratch / "nova-compute.log"
    path.write_bytes(data)
    count, stats, warnings = _read(path)
    assert stats.balanced, stats
    assert stats.records == count
    assert all("\n" not in w for w in warnings)


@FUZZ
@given(data=file_bytes(), term=st.sampled_from(["req-", "instance", "a", "0", "Migration"]))
def test_fuzz_filereader_targeted_query_balances(scratch: Path, data: bytes, term: str) -> None:
    path = scratch / "nova-compute.log"
    path.write_bytes(data)
    count, stats, _ = _read(path, frozenset({term}))
    assert stats.balanced, stats
    assert stats.records == count


@FUZZ
@given(oslo_lines())
def test_fuzz_oslo_strict_raises_only_parse_error(lines: list[str]) -> None:
    ctx = _ctx()
    ctx.strict = True
    try:
        events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    except ParseError as exc:
        assert exc.path == "fuzz.log" and 1 <= exc.line <= len(lines)
        assert ctx.stats.unparsed_lines >= 1
    else:
        assert ctx.stats.unparsed_lines == 0 and ctx.stats.records == len(events)
