"""Bad input: every broken file costs one warning naming it, never the run.

The issue's "Bad input" list: binary garbage, truncated gzip, corrupt bz2/xz,
invalid UTF-8, NUL bytes, a 10 MB line, empty files, permission denied,
directory loops and a format migtrace cannot recognise.  Each is checked on
its own through `FileReader` (warning text, line accounting), then all of
them together with one good oslo file through the real `migtrace` command in
a subprocess: one warning per bad file, the good file's migration still
listed, exit 0, no traceback, balanced stats.  Exit 2 is kept for inputs of
which nothing at all could be read.

Permission denied under root: root's CAP_DAC_OVERRIDE makes `chmod 000`
meaningless, so the CLI subprocess drops CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH from its capability bounding set before exec (prctl
PR_CAPBSET_DROP); the exec'd root process then really gets EACCES on a mode
000 file, exactly as an unprivileged user would.  If the kernel refuses the
drop (no CAP_SETPCAP), those tests skip and say why.
"""

from __future__ import annotations

import bz2
import ctypes
import gzip
import json
import lzma
import os
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.sources import FileReader, InputFile

REPO = Path(__file__).resolve().parents[2]
MIGTRACE = [sys.executable, "-m", "migtrace"]

REQ = "req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b"
INSTANCE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
_CTX = f"[{REQ} 4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e 9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default]"
_I = f"[instance: {INSTANCE}]"

#: a Queens-era source-compute log of one successful live migration
GOOD_LINES = [
    f"2018-03-01 10:00:00.100 12345 DEBUG nova.virt.libvirt.driver {_CTX} {_I} Starting monitoring of live "
    "migration _live_migration /usr/lib/python2.7/site-packages/nova/virt/libvirt/driver.py:7000",
    f"2018-03-01 10:00:05.100 12345 DEBUG nova.virt.libvirt.driver {_CTX} {_I} Migration running for 5 secs, "
    "memory 50% remaining; (bytes processed=100, remaining=100, total=200) _live_migration_monitor "
    "/usr/lib/python2.7/site-packages/nova/virt/libvirt/driver.py:7429",
    f"2018-03-01 10:00:08.100 12345 INFO nova.compute.manager [-] {_I} VM Paused (Lifecycle Event)",
    f"2018-03-01 10:00:09.100 12345 INFO nova.virt.libvirt.driver {_CTX} {_I} Migration operation has completed",
    f"2018-03-01 10:00:09.200 12345 INFO nova.compute.manager {_CTX} {_I} _post_live_migration() is started..",
    f"2018-03-01 10:00:10.200 12345 INFO nova.compute.manager {_CTX} {_I} Migrating instance to compute-2 "
    "finished successfully.",
]
GOOD = ("\n".join(GOOD_LINES) + "\n").encode()

TEN_MB = 10 * 1024 * 1024


# ---------------------------------------------------------------- helpers


def read_file(path: Path) -> tuple[list[Event], FileReader, list[str]]:
    """Read one file the way the pipeline does; return its events, reader (stats) and warnings."""
    warnings: list[str] = []
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(), warnings.append)
    events = list(reader.events())
    return events, reader, warnings


def _drop_dac_capabilities() -> None:
    """Drop the capabilities that let root read a mode-000 file (runs in the child before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def _can_drop_capabilities() -> bool:
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_dac_capabilities,
                           capture_output=True, check=False)
    return probe.returncode == 0


def run_cli(*args: str, drop_dac: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real `migtrace` command; as root, optionally without the DAC-override capabilities."""
    preexec: Callable[[], None] | None = _drop_dac_capabilities if drop_dac and os.geteuid() == 0 else None
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("MIGTRACE_DEBUG", None)
    return subprocess.run([*MIGTRACE, *args], capture_output=True, text=True, cwd=REPO, env=env,
                          preexec_fn=preexec, check=False, timeout=300)


@pytest.fixture
def unreadable(tmp_path: Path) -> Iterator[Path]:
    """A mode-000 nova log; as root the CLI subprocess is made to honour the mode (see module doc)."""
    if os.geteuid() == 0 and not _can_drop_capabilities():
        pytest.skip("running as root without CAP_SETPCAP: cannot make a file unreadable honestly")
    path = tmp_path / "nova-locked.log"
    path.write_bytes(GOOD)
    path.chmod(0)
    yield path
    path.chmod(0o644)


def _truncated_gzip(data: bytes) -> bytes:
    whole = gzip.compress(data, mtime=0)
    return whole[: len(whole) // 2]


def _traceback_lines(n: int) -> bytes:
    prefix = f"2018-03-01 10:00:20.000 12345 ERROR nova.virt.libvirt.driver {_I} "
    return b"".join(
        f'{prefix}  File "/usr/lib/python2.7/site-packages/nova/m{i}.py", line {i}, in f{i:05d} '
        f"{'%08x' % (i * 2654435761 % 2**32)}\n".encode()
        for i in range(3000)
    )


FAILURE_HEADER = (f"2018-03-01 10:00:20.000 12345 ERROR nova.virt.libvirt.driver {_CTX} {_I} "
                  "Live Migration failure: operation failed: migration job: unexpectedly failed\n").encode()


# ---------------------------------------------------------------- one bad file at a time


def test_good_file_is_a_completed_live_migration(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(GOOD)
    events, reader, warnings = read_file(path)
    assert len(events) == reader.stats.records == 6
    assert reader.stats.balanced and reader.stats.unparsed_lines == 0
    assert warnings == []


def test_bad_input_binary_garbage_counted_as_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(100_000)))
    events, reader, warnings = read_file(path)
    assert events == []
    assert reader.stats.fmt == "binary"
    assert reader.stats.balanced and reader.stats.lines_read == reader.stats.unparsed_lines > 0
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: binary data")


def test_bad_input_truncated_gzip_keeps_lines_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log.1.gz"
    path.write_bytes(_truncated_gzip(GOOD * 200))
    events, reader, warnings = read_file(path)
    assert reader.stats.fmt == "oslo"
    assert 0 < len(events) == reader.stats.records < 1200
    assert reader.stats.balanced
    assert reader.stats.errors == ["truncated or corrupt compressed data"]
    assert len(warnings) == 1 and str(path) in warnings[0] and "truncated or corrupt" in warnings[0]


def test_bad_input_truncated_gzip_keeps_the_record_cut_in_its_traceback(tmp_path: Path) -> None:
    whole = gzip.compress(GOOD + FAILURE_HEADER + _traceback_lines(3000), mtime=0)
    path = tmp_path / "nova-compute.log.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    events, reader, _ = read_file(path)
    assert any(e.message.startswith("Live Migration failure") for e in events)
    assert reader.stats.records == reader.stats.record_lines


def test_bad_input_small_truncated_gzip_keeps_lines_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log.1.gz"
    path.write_bytes(_truncated_gzip(GOOD * 60))
    events, reader, _ = read_file(path)
    assert reader.stats.fmt == "oslo"
    assert len(events) > 0


def _distinct_lines(copies: int) -> bytes:
    """GOOD repeated with a counter, so gzip cannot compress it to nothing."""
    return b"".join(GOOD.replace(b"finished", b"%08x finished" % (i * 2654435761 % 2**32)) for i in range(copies))


def test_bad_input_truncated_gzip_keeps_every_complete_line(tmp_path: Path) -> None:
    whole = gzip.compress(_distinct_lines(20000), mtime=0)
    cut = whole[: len(whole) // 2]
    readable = zlib.decompressobj(-15).decompress(cut[10:])  # what any gunzip can still recover
    path = tmp_path / "nova-compute.log.1.gz"
    path.write_bytes(cut)
    _, reader, _ = read_file(path)
    assert reader.stats.lines_read >= readable.count(b"\n")


@pytest.mark.parametrize("name,payload", [
    ("nova-compute.log.bz2", b"BZh91AY&SY" + b"\x00garbage" * 50),
    ("nova-compute.log.xz", b"\xfd7zXZ\x00" + b"\x00garbage" * 50),
    ("nova-compute.log.2.bz2", bz2.compress(GOOD * 50)[:-40]),
    ("nova-compute.log.3.xz", lzma.compress(GOOD * 50)[:-40]),
], ids=["bz2-garbage", "xz-garbage", "bz2-cut", "xz-cut"])
def test_bad_input_corrupt_compression_one_warning(tmp_path: Path, name: str, payload: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    events, reader, warnings = read_file(path)
    assert reader.stats.balanced
    assert len(events) == reader.stats.records
    assert reader.stats.errors, "the corruption must be recorded in the file's stats"
    assert len(warnings) == 1 and warnings[0].startswith(str(path))


def test_bad_input_invalid_utf8_inside_records_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(GOOD.replace(b"VM Paused", b"VM \xff\xfe\xc3 Paused"))
    events, reader, warnings = read_file(path)
    assert len(events) == 6 and reader.stats.balanced and warnings == []
    assert "VM \ufffd\ufffd\ufffd Paused (Lifecycle Event)" in [e.message for e in events]


def test_bad_input_nul_bytes_after_the_head_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(GOOD * 40 + b"\x00" * 4096 + GOOD)
    events, reader, _warnings = read_file(path)
    assert len(events) == reader.stats.records == 246
    assert reader.stats.balanced and reader.stats.unparsed_lines == 0
    assert not any("\x00" in e.message for e in events)


def test_bad_input_nul_padding_in_a_small_log_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(b"\n".join(GOOD.split(b"\n")[:3]) + b"\n" + b"\x00" * 4096 + b"\n".join(GOOD.split(b"\n")[3:]))
    events, reader, _ = read_file(path)
    assert reader.stats.fmt == "oslo"
    assert len(events) == 6


def test_bad_input_ten_megabyte_line_is_one_bounded_record(tmp_path: Path) -> None:
    lines = GOOD.split(b"\n")
    huge = lines[3] + b" " + b"x" * TEN_MB
    path = tmp_path / "nova-compute.log"
    path.write_bytes(b"\n".join([*lines[:3], huge, *lines[4:]]))
    events, reader, warnings = read_file(path)
    assert len(events) == 6 and reader.stats.balanced and reader.stats.lines_read == 6
    longest = max(len(e.message) for e in events)
    assert 1000 < longest < TEN_MB  # kept, but cut to a bound (while reading: never held whole)
    assert len(warnings) == 1 and "1 line(s) longer than 1 MiB cut" in warnings[0]


def test_bad_input_ten_megabyte_first_line_does_not_hide_the_format(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(GOOD_LINES[0].encode() + b"x" * TEN_MB + b"\n" + GOOD)
    events, reader, _ = read_file(path)
    assert reader.stats.fmt == "oslo"
    assert len(events) == 7


def test_bad_input_empty_file_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(b"")
    events, reader, warnings = read_file(path)
    assert events == [] and reader.stats.lines_read == 0 and reader.stats.balanced
    assert warnings == [f"{path}: empty file"]


def test_bad_input_unrecognised_format_counted_as_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "nova-notes.log"
    path.write_text("Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n\nsed do eiusmod\n")
    events, reader, warnings = read_file(path)
    assert events == [] and reader.stats.fmt == "unrecognised"
    assert reader.stats.unparsed_lines == reader.stats.lines_read == 4 and reader.stats.balanced
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: format not recognised")


def test_bad_input_crlf_line_ends_parse_like_lf(tmp_path: Path) -> None:
    path = tmp_path / "nova-compute.log"
    path.write_bytes(GOOD.replace(b"\n", b"\r\n"))
    events, reader, warnings = read_file(path)
    assert len(events) == 6 and reader.stats.balanced and warnings == []
    assert not any(e.message.endswith("\r") for e in events)


# ---------------------------------------------------------------- through the CLI


_READ_LOCKED = """
import json, sys
from migtrace.options import LoadOptions
from migtrace.sources import FileReader, InputFile
warnings = []
reader = FileReader(InputFile(sys.argv[1], sys.argv[1]), LoadOptions(), warnings.append)
events = list(reader.events())
print(json.dumps({"events": len(events), "warnings": warnings, "errors": reader.stats.errors,
                  "balanced": reader.stats.balanced}))
"""


def test_bad_input_permission_denied_one_warning(unreadable: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _READ_LOCKED, str(unreadable)], capture_output=True,
                            text=True, cwd=REPO, check=False, timeout=60,
                            preexec_fn=_drop_dac_capabilities if os.geteuid() == 0 else None)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"events": 0, "warnings": [f"{unreadable}: permission denied"],
                      "errors": ["permission denied"], "balanced": True}


def test_bad_input_permission_denied_cli_still_reads_the_rest(unreadable: Path, tmp_path: Path) -> None:
    good = tmp_path / "nova-compute.log"
    good.write_bytes(GOOD)
    result = run_cli("list", "-f", "json", str(unreadable), str(good), drop_dac=True)
    assert result.returncode == 0, result.stderr
    assert f"migtrace: warning: {unreadable}: permission denied" in result.stderr.splitlines()
    assert [m["id"] for m in json.loads(result.stdout)] == [REQ]


def test_bad_input_directory_loop_is_walked_once(tmp_path: Path) -> None:
    top = tmp_path / "logs"
    (top / "compute-1").mkdir(parents=True)
    (top / "compute-1" / "nova-compute.log").write_bytes(GOOD)
    (top / "compute-1" / "again").symlink_to("..")
    result = run_cli("merge", "--stats", str(top))
    assert result.returncode == 0, result.stderr
    assert "directory loop" in result.stderr and "Traceback" not in result.stderr
    rows = [line for line in result.stdout.splitlines() if "nova-compute.log" in line]
    assert len(rows) == 1, "the file reached through the loop must be read once"


def _bad_set(root: Path) -> dict[str, Path]:
    """Write one file of each bad kind (named like logs so a directory walk picks them up)."""
    files = {
        "binary": root / "nova-garbage.log",
        "truncated-gzip": root / "nova-compute.log.1.gz",
        "corrupt-bz2": root / "nova-conductor.log.2.bz2",
        "corrupt-xz": root / "nova-scheduler.log.3.xz",
        "empty": root / "nova-api.log",
        "unrecognised": root / "nova-readme.log",
    }
    files["binary"].write_bytes(bytes((i * 7919 + 13) % 256 for i in range(50_000)))
    files["truncated-gzip"].write_bytes(_truncated_gzip(GOOD * 100))
    files["corrupt-bz2"].write_bytes(b"BZh91AY&SY" + b"\x00garbage" * 50)
    files["corrupt-xz"].write_bytes(b"\xfd7zXZ\x00" + b"\x00garbage" * 50)
    files["empty"].write_bytes(b"")
    files["unrecognised"].write_text("Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n")
    return files


def _mixed_inputs(tmp_path: Path, unreadable: Path) -> tuple[list[str], dict[str, Path], Path]:
    root = tmp_path / "mixed"
    root.mkdir()
    bad = _bad_set(root)
    (root / "nova-utf8.log").write_bytes(GOOD.replace(b"VM Paused", b"VM \xff Paused")
                                         .replace(REQ.encode(), b"req-00000000-0000-4000-8000-000000000001"))
    loop = tmp_path / "looping"
    (loop / "inner").mkdir(parents=True)
    (loop / "inner" / "back").symlink_to("..")
    good = tmp_path / "good" / "nova-compute.log"
    good.parent.mkdir()
    good.write_bytes(GOOD)
    bad["unreadable"] = unreadable
    paths = [*(str(p) for p in bad.values()), str(root / "nova-utf8.log"), str(loop), str(good)]
    return paths, bad, good


def test_bad_input_mix_lists_good_migration_and_warns_per_bad_file(tmp_path: Path, unreadable: Path) -> None:
    paths, bad, _ = _mixed_inputs(tmp_path, unreadable)
    result = run_cli("list", "-f", "json", *paths, drop_dac=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    ids = {m["id"] for m in json.loads(result.stdout)}
    assert REQ in ids
    warnings = result.stderr.splitlines()
    assert all(w.startswith("migtrace: warning: ") for w in warnings), warnings
    for kind, path in bad.items():
        naming = [w for w in warnings if w.startswith(f"migtrace: warning: {path}")]
        assert len(naming) == 1, f"{kind}: expected one warning naming {path}, got {naming}"


def test_bad_input_mix_stats_balanced_for_every_file(tmp_path: Path, unreadable: Path) -> None:
    paths, _bad, good = _mixed_inputs(tmp_path, unreadable)
    result = run_cli("merge", "--stats", *paths, drop_dac=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:]]  # header and its rule
    assert rows and all(row[-1] == "yes" for row in rows), result.stdout
    assert any(row[0] == str(good) and row[1] == "oslo" for row in rows)


def test_bad_input_nothing_readable_exits_2(tmp_path: Path, unreadable: Path) -> None:
    (tmp_path / "nova-api.log").write_bytes(b"")
    (tmp_path / "x.log.bz2").write_bytes(b"BZh91AY&SY" + b"\x00garbage" * 50)
    result = run_cli("list", str(tmp_path / "nova-api.log"), str(tmp_path / "x.log.bz2"), str(unreadable),
                     str(tmp_path / "missing.log"), drop_dac=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("migtrace: error: ")
    assert result.stdout == ""


def test_bad_input_missing_path_only_exits_2(tmp_path: Path) -> None:
    result = run_cli("timeline", REQ, str(tmp_path / "nope"))
    assert result.returncode == 2
    assert f"migtrace: warning: {tmp_path / 'nope'}: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr
