"""`merge`'s bulk path prints what the text path and the Event path print, byte for byte.

Three ways are compared in-process (stdout, stderr, exit code): as `merge`
runs (bulk path where it applies), `MIGTRACE_MERGE_BULK=0` (record-by-record
text path) and `MIGTRACE_MERGE_TEXT=0` (every input the Event way).  The
bulk window itself is compared line by line with the text path's records on
hypothesis-generated headers of every variant the parser reads, and the
tests check that the bulk path did take the lines (else they prove nothing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.cli import cli as group
from migtrace.cli._merge import _LEAK_SHAPE_STARTS
from migtrace.options import LoadOptions
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE, BulkBlock, BulkRun, merged_bulk
from migtrace.pipeline._text_merge import TEXT_PATH_VARIABLE
from migtrace.reports.redact import _KEYWORD_LIST, _LEAK_SHAPES
from migtrace.sources import Warnings, open_inputs
from migtrace.sources._bulk import Literals, bulk_window, key_number
from migtrace.sources._textpath import text_records
from tests.conftest import REAL_LOGS, SAMPLE_LOGS, needs_shared

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
REQ = "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a"
IDS = "5e4d3c2b1a0949f8e7d6c5b4a3928170 8170f6e5d4c34b2a1a09f8e7d6c5b4a3 - default default"
INSTANCE = "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f"
#: the bulk path forced (the sample sets are below its size gate), the text path, the Event path
WAYS = ({BULK_PATH_VARIABLE: "1"}, {BULK_PATH_VARIABLE: "0"}, {TEXT_PATH_VARIABLE: "0"})


def _run(args: Sequence[str], env: dict[str, str]) -> tuple[str, str, int]:
    result = CliRunner().invoke(group, ["merge", *args], env=env, catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


def _same(*args: str) -> str:
    """The three ways give the same stdout, stderr and exit code; return the stdout."""
    bulk = _run(args, WAYS[0])
    assert bulk == _run(args, WAYS[1])
    assert bulk == _run(args, WAYS[2])
    return bulk[0]


def _bulk_records(*paths: str) -> int:
    """How many records the bulk path printed in bulk (not as text records)."""
    stream = merged_bulk(paths, LoadOptions(), lambda e: "", _KEYWORD_LIST)
    assert stream is not None
    return sum(p.count for pieces in stream.rounds for p in pieces if isinstance(p, BulkRun | BulkBlock))


def _header(i: int, message: str, level: str = "INFO", pid: str = "2311") -> str:
    return f"2019-05-14 09:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} {pid} {level} nova.compute.manager " \
           f"[{REQ} {IDS}] {message}"


@pytest.mark.parametrize("name", SETS)
def test_sample_sets(name: str) -> None:
    path = str(SAMPLE_LOGS / name)
    _same(path)
    _same("--no-full", path)


def test_sample_sets_are_bulk_printed() -> None:
    assert sum(_bulk_records(str(SAMPLE_LOGS / name)) for name in SETS) > 1000


@needs_shared
def test_real_logs() -> None:
    _same(str(REAL_LOGS))  # (their names give no service: the text path reads them, see the notes)


@pytest.mark.parametrize("args", [("--tz", "Europe/Paris"), ("--since", "2019-05-14 09:00:20"),
                                  ("--until", "2019-05-14 09:00:40"), ("--request", REQ),
                                  ("--instance", INSTANCE), ("--redact", "all"), ("--no-full",)])
def test_options(tmp_path: Path, args: tuple[str, ...]) -> None:
    for host in ("compute1", "compute2"):
        (tmp_path / host).mkdir()
        (tmp_path / host / "nova-compute.log").write_text(
            "\n".join(_header(i, f"[instance: {INSTANCE}] {host} record {i} at 10.0.0.{i % 250}", "DEBUG")
                      + " f /a/b.py:1" for i in range(0, 120, 1 + (host == "compute2"))) + "\n", encoding="utf-8")
    _same(*args, str(tmp_path))


def test_hosts_sharing_pids_go_through_the_copy_filter(tmp_path: Path) -> None:
    """Two inputs of one host: bulk while their pids differ; a shared pid switches them, copies are dropped."""
    host = tmp_path / "controller"
    host.mkdir()
    (host / "nova-api.log").write_text("\n".join(_header(i, f"api {i} " + "x" * (1 + i % 7), pid="100")
                                                 for i in range(300)) + "\n", encoding="utf-8")
    (host / "nova-conductor.log").write_text("\n".join(_header(i, f"cond {i} " + "y" * (1 + i % 5), pid="200")
                                                       for i in range(0, 300, 3)) + "\n", encoding="utf-8")
    _same(str(tmp_path))
    assert _bulk_records(str(tmp_path)) > 350
    # the same records again under another name: every one is a copy
    (host / "nova-api.log.1").write_text((host / "nova-api.log").read_text(encoding="utf-8"), encoding="utf-8")
    out = _same(str(tmp_path))
    assert out.count("api 150 ") == 1
    # a record of another input shares a pid (and is a copy) only late in the file
    lines = [_header(i, f"late {i}", pid="300") for i in range(280)] + [_header(290, "api 290 " + "x" * 3, pid="100")]
    (host / "nova-scheduler.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _same(str(tmp_path / "controller" / "nova-api.log"), str(tmp_path / "controller" / "nova-scheduler.log"))


def test_time_going_back(tmp_path: Path) -> None:
    """Keys that go down inside an input: merged as `heapq.merge` merges them."""
    for k, host in enumerate(("compute1", "compute2")):
        (tmp_path / host).mkdir()
        order = [*range(100), *range(50, 80), *range(100, 200)] if k == 0 else list(range(0, 200, 3))
        (tmp_path / host / "nova-compute.log").write_text(
            "\n".join(_header(i, f"{host} {n}") for n, i in enumerate(order)) + "\n", encoding="utf-8")
    _same(str(tmp_path))


def test_a_learnt_secret_is_masked_in_bulk_lines(tmp_path: Path) -> None:
    (tmp_path / "compute1").mkdir()
    lines = [_header(i, f"Starting migration {i}") for i in range(100)]
    lines[10] = _header(10, "password=Xy7#kQ2!mZ9p")
    lines[60] = _header(60, "connecting again with Xy7#kQ2!mZ9p as before")
    (tmp_path / "compute1" / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _same(str(tmp_path))
    assert "Xy7#kQ2!mZ9p" not in out and "Starting migration 99" in out


def test_the_leak_prefilter_knows_every_shape() -> None:
    """`_surely_clean` looks for each leak shape's first literal: a new shape must be added there too."""
    assert len(_LEAK_SHAPES) == 6
    for name, pattern in _LEAK_SHAPES:
        literal = pattern.pattern.lstrip("(?:")
        assert any(literal.startswith(s.decode()) or s.decode() in literal[:20] for s in _LEAK_SHAPE_STARTS), name


# ---------------------------------------------------------------- the window, line by line

_MESSAGES = st.sampled_from([
    "Instance spawned successfully.", "Took 3.2 seconds", "[0, 1] list", "a [b] c", "a [b c", "a ]b[ c",
    "x  y", "ünï", "password=Xy7#kQ2!mZ9p", "trailing ", "(pid=2311) odd", "a;3b", "#033[0m", "^[[0m", "e\tf",
    "Lock \"compute_resources\" acquired", "[instance: 7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f] again", "",
    "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a named", "ends with )", "{{x}}",
])
_SUFFIXES = st.sampled_from(["", " f /a/b.py:12", " {{(pid=4242) f /a/b.py:12}}", " from (pid=77) f /a/b.py:3",
                             " <lambda> /a/b.py:7", "  f /a/b.py:12", " f  /a/b.py:12", " f /a/b.py:x",
                             " f /.py:1", " f /x.py:", " f-g /a.py:1", " f /a b.py:1", " f a/b.py:1", " f /a/b.py:123456789",
                             " _get /usr/lib/python3/dist-packages/nova/compute/manager.py:8190", "   "])
_BLOCKS = st.sampled_from([f"[{REQ} {IDS}]", f"[{REQ}]", "[-]", "[- x]", "[]", f"[None {REQ} {IDS}]", f"[{REQ} {REQ}]",
                           f"[{REQ}  - -]", f"[{REQ} - - ]", f"[{REQ.upper()}]", f"[{REQ}x - -]", "[req-short - -]",
                           f"[{REQ} - req-x]"])
_INSTANCES = st.sampled_from(["", f"[instance: {INSTANCE}] ", f"[instance: {INSTANCE.upper()}] ",
                              f"[instance: {INSTANCE}]", f"[instance: {INSTANCE.replace('-', '')}] ", "[instance: x] "])


@st.composite
def _header_line(draw: st.DrawFn, i: int) -> str:
    date = draw(st.sampled_from(["2019-05-14", "2019-02-29", "2020-02-29", "2019-13-01", "0000-01-01", "2019-04-31"]))
    clock = draw(st.sampled_from([f"09:{i % 60:02d}:{i % 60:02d}", "24:00:00", "23:60:00", "23:59:60"]))
    frac = draw(st.sampled_from([".123", ".1", ".123456", "", ",123"]))
    pid = draw(st.sampled_from(["2311 ", "", "123456789 ", "23a1 ", "2311  "]))
    level = draw(st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "AUDIT", "TRACE", "WARN", "debug"]))
    logger = draw(st.sampled_from(["nova.compute.manager", "oslo_concurrency.lockutils", "nova:x", "a" * 100]))
    sep = draw(st.sampled_from([" ", "  ", "\t"]))
    return f"{date} {clock}{frac} {pid}{level} {logger}{sep}{draw(_BLOCKS)} {draw(_INSTANCES)}" \
           f"{draw(_MESSAGES)}{draw(_SUFFIXES)}"


@st.composite
def _window(draw: st.DrawFn) -> str:
    lines = []
    for i in range(draw(st.integers(1, 30))):
        if draw(st.integers(0, 5)):
            lines.append(draw(_header_line(i)))
        else:
            lines.append(draw(st.sampled_from(["Traceback (most recent call last):", "  x", "", "ValueError: e",
                                               _header(i, "plain record of some length", "DEBUG") + " f /a/b.py:1",
                                               _header(i, "plain record of some length")])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_window())
def test_window_lines_print_as_the_text_path_prints_them(text: str) -> None:
    """Every line `bulk_window` takes prints the text path's record for it, with the same sort key."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "compute1").mkdir()
        path = Path(tmp) / "compute1" / "nova-compute.log"
        # two plain records first: the input is sniffed as oslo whatever the lines drawn
        head = "\n".join(_header(i, "head record of some length") for i in range(2)) + "\n"
        path.write_bytes((head + text).encode("utf-8"))
        reader = open_inputs([str(path)], LoadOptions(), Warnings())[0]
        try:
            records = {r.source[0]: r for r in text_records(reader, True) if isinstance(r.source, tuple)}
        except Exception:  # NotPlain: the Event way reads this input; the window has nothing to match
            return
        data = path.read_bytes()
        tag = next(iter(records.values())).source[2].text.encode()
        win = bulk_window(data, tag, Literals(_KEYWORD_LIST))
        printed = win.blob.decode("ascii").split("\n")
        for k, line in enumerate(np.flatnonzero(win.taken).tolist()):
            record = records.get(line + 1)
            assert record is not None and len(record.source[1]) == 1, line  # a whole record of one line
            assert printed[k] == record.text
            assert int(win.keys[k]) == key_number(record.key)


def test_window_takes_the_usual_lines() -> None:
    lines = [_header(i, f"record {i} [with] brackets", "DEBUG") + " f /a/b.py:1" for i in range(50)]
    lines += [_header(i, f"[instance: {INSTANCE}] record {i}", "WARNING") for i in range(50, 99)]
    win = bulk_window(("\n".join(lines) + "\n").encode(), b"[h/s]", Literals(_KEYWORD_LIST))
    assert int(win.taken.sum()) == 98  # all but the last line (a continuation could follow it)


def test_jobs_give_the_same_output(tmp_path: Path) -> None:
    """Windows computed on a process pool (`-j 2`) print what `-j 1` prints (one small window per input too)."""
    for k, host in enumerate(("compute1", "compute2", "controller")):
        (tmp_path / host).mkdir()
        lines = [_header(i, f"{host} record {i} " + "z" * (i % 9), "DEBUG" if i % 3 else "INFO")
                 + (" f /a/b.py:1" if i % 3 else "") for i in range(k, 3000, 2 + k)]
        lines[100] = "Traceback (most recent call last):"
        (tmp_path / host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = _run(["-j", "1", str(tmp_path)], WAYS[0])
    assert one == _run(["-j", "2", str(tmp_path)], WAYS[0])
    assert one == _run([str(tmp_path)], WAYS[1])
