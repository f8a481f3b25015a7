"""The oslo parser's block read (`InputData.blocks`, `oslo._fold_blocks`) gives the events of the line-by-line read.

The reference is the way every input was read before: `FileInput.lines()`
(one `readline` and `decode_line` per line, `==> file <==` headers peeled by
the sources layer) folded by the general way only (`oslo.QUICK_HEADERS`
off: every line through `_Folder.feed`).  The files mix what nova writes
with what the quick way must leave alone: cut headers, colour codes, tail
headers, NULs, CR line ends, bad UTF-8, tracebacks, other programs' lines,
impossible dates.  Every Event field, its time zone object, the file's
accounting and its warnings must be the same, with the hyperscan escape
check and without it, with blocks of 1 MiB and of a few hundred bytes.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.parsers import oslo
from migtrace.sources import FileReader, InputFile, _input
from migtrace.sources._scan import ENGINE_VARIABLE, engine_name

REQ = "req-0b9d3c3e-1111-2222-3333-444455556666"
INSTANCE = "4D5A1C1B-2E8C-4E6B-9D2A-6B1F3C0D2E9A"
STAMPS = ["2018-03-05 00:20:17.854", "2018-03-05 00:20:17", "2018-03-05 00:20:18.1", "2018-03-05 23:59:59.999999",
          "2018-02-30 00:20:17.854", "2018-03-05 00:20:17,500"]
BLOCKS = [f"[{REQ} - - - - -]", f"[{REQ} 4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e 9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default]",
          f"[None {REQ} admin admin]", "[-]", "[]", "[None]"]
MESSAGES = [
    'Lock "compute_resources" released by "a.b" :: held 0.305s inner '
    "/usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:285",
    "Running periodic task ComputeManager._heal run_periodic_tasks /usr/lib/python3/x/periodic_task.py:215",
    "Acquired lock {{(pid=100024) inner /opt/stack/oslo_concurrency/lockutils.py:404}}",
    "Acquired lock from (pid=100024) inner /opt/stack/oslo_concurrency/lockutils.py:404",
    "a (x) f /a.py:1", "x\tf /a.py:1", "two  spaces f /b.py:2", "ends in paren (pid=3)", "_post_live_migration() is started..",
    f"[instance: {INSTANCE}] Migrating instance to compute-2 finished successfully.",
    f"[instance: {INSTANCE}] Updating instance_info_cache with network_info: [{{\"profile\": {{}}}}] f /c.py:9",
    "odd [bracket", "]", "ünïcode ✓ f /d.py:4", "",
    # colour codes a header keeps its brackets balanced around: only the escape check keeps them from the quick way
    "done]] \x1b[01;31mred", "x] #033[0m y", "]] ^[Om key", "a] [0m b", "x] [01;36m cyan f /e.py:5", "a]] [\x000m b",
]
LEVELS = ["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "TRACE", "AUDIT", "CRITICAL"]


@st.composite
def header(draw: st.DrawFn) -> str:
    pid = draw(st.sampled_from(["4400 ", "", "12 "]))
    tail = draw(st.sampled_from(["", "", "  "]))
    return (f"{draw(st.sampled_from(STAMPS))} {pid}{draw(st.sampled_from(LEVELS))} nova.compute.manager "
            f"{draw(st.sampled_from(BLOCKS))} {draw(st.sampled_from(MESSAGES))}{tail}")


OTHER = st.sampled_from([
    "Traceback (most recent call last):", '  File "/x.py", line 1, in f', "", "   ", "ValueError: boom",
    f"2018-03-05 00:20:17.854 4400 ERROR nova.compute.manager [instance: {INSTANCE}] Traceback line",
    "2018-03-05 00:20:17.854 4400 TRACE nova.compute.manager Traceback",
    f"2018-03-05 00:20:17.854 4400 INFO nova.compute.manager [{REQ} - - -",
    "- - -] the rest of a cut header",
    "\x1b[01;31m2018-03-05 00:20:18.000 4400 ERROR nova.virt [-] colour\x1b[00m",
    "2018-03-05 00:20:18.000 4400 INFO nova.virt [-] #033[0m escaped colour",
    "2018-03-05 00:20:18.000 4400 INFO nova.virt [-] a [0m remnant", "2018-03-05 00:20:18.000 4400 INFO nova.virt [-] x;3",
    "2018-03-05 00:20:18.000 4400 INFO nova.virt [-] caret ^[Om", "==> /var/log/nova/nova-api.log <==",
    "==> compute-2/var/log/nova/nova-compute.log <==", "==> not a tail header",
    "2018-03-05 00:20:18.000 4400 INFO nova.virt [-] a NUL\x00 inside",
    "2018-03-05 00:20:18.000+00:00: 1234: error : qemuMonitorIO:697 : internal error: End of file from qemu monitor",
    "Mar  5 00:20:18 compute-1 kernel: [12345.678] device tap1 entered promiscuous mode",
    "[12345.678901] kvm: zapping shadow pages", "WARNING nova.compute.manager [-] no stamp",
    "9999-12-31 23:59:59.999 1 INFO nova.x [-] the last second",
])

ENDINGS = st.sampled_from(["\n", "\n", "\n", "\r\n"])


@st.composite
def log_file(draw: st.DrawFn) -> bytes:
    lines = [draw(header()), draw(header())]
    lines += draw(st.lists(header() | OTHER, min_size=0, max_size=40))
    out = b"".join(line.encode("utf-8") + draw(ENDINGS).encode() for line in lines)
    if draw(st.booleans()):
        out = out.replace(b"\xc3\xbc", b"\xc3", 1)  # a cut UTF-8 sequence
    if draw(st.booleans()):
        out = out.rstrip(b"\r\n")  # no newline at the end
    return out


def _read(path: Path, *, reference: bool) -> tuple[list[tuple[object, ...]], FileStats, list[str]]:
    warnings: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        if reference:
            patch.setattr(_input.FileInput, "blocks", lambda self: None)
            patch.setattr(oslo, "QUICK_HEADERS", False)
        reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), warnings.append)
        events = [(*dataclasses.astuple(e), type(e), e.time.tzinfo) for e in reader.events()]
    return events, reader.stats, warnings


ENGINES = ["python", *(["hyperscan"] if engine_name() == "hyperscan" else [])]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parse-speed")


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=log_file(), small=st.booleans())
def test_block_read_gives_the_events_of_the_line_read(data: bytes, small: bool, engine: str, scratch: Path) -> None:
    path = scratch / f"nova-compute-{engine}.log"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENGINE_VARIABLE, engine)
        if small:
            patch.setattr(_input, "BLOCK_BYTES", 300)
        got = _read(path, reference=False)
        want = _read(path, reference=True)
    assert got == want
    assert got[1].balanced


def _nova_lines(n: int) -> Iterator[str]:
    for i in range(n):
        yield (f"2018-03-05 00:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} 4400 DEBUG oslo_concurrency.lockutils "
               f"[{REQ} - - - - -] Lock \"compute_resources\" released inner "
               f"/usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:285")


def test_many_blocks_and_a_traceback_between_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = list(_nova_lines(400))
    lines[150:150] = ["2018-03-05 00:02:30.150 4400 ERROR nova.compute.manager [-] boom",
                      "Traceback (most recent call last):", "ValueError: boom", ""]
    path = tmp_path / "nova-compute.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(_input, "BLOCK_BYTES", 4096)
    events, stats, warnings = _read(path, reference=False)
    assert (events, stats, warnings) == _read(path, reference=True)
    assert len(events) == 401 and stats.records == 401 and stats.balanced and not warnings
    error = next(e for e in events if e[6] == "ERROR")
    assert error[13] == ("Traceback (most recent call last):", "ValueError: boom")


def test_events_of_the_block_read_pickle_as_events(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_text("\n".join(_nova_lines(5)) + "\n", encoding="utf-8")
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), lambda message: None)
    events = list(reader.events())
    assert len(events) == 5 and all(type(e) is Event for e in events)
    back = pickle.loads(pickle.dumps(events))
    assert back == events and hash(back[0]) == hash(events[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].message = "x"  # type: ignore[misc]
