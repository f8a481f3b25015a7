"""`merge`'s text path (records never made Events) prints what the Event path prints, byte for byte.

Every comparison runs the CLI twice in-process: as it runs (text path where it
applies) and with `MIGTRACE_MERGE_TEXT=0` (every input the Event way); stdout,
stderr and the exit code must be the same.  Inputs: the sample sets,
../shared/real_logs, secrets of every shape, an input the text path leaves
half-way (the Event way takes over), copies across inputs, zones, and a
hypothesis-generated mix of every line kind the oslo parser knows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.cli import cli as group
from migtrace.options import LoadOptions
from migtrace.pipeline._text_merge import TEXT_PATH_VARIABLE
from migtrace.sources import Warnings, open_inputs
from migtrace.sources._textpath import NotPlain, text_records
from tests.cli.test_merge_fast import ODD, _oslo
from tests.conftest import REAL_LOGS, SAMPLE_LOGS, needs_shared
from tests.reports.test_redaction_shapes import KEPT, SHAPES

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
REQ = "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a"
IDS = "5e4d3c2b1a0949f8e7d6c5b4a3928170 8170f6e5d4c34b2a1a09f8e7d6c5b4a3 - default default"
INSTANCE = "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f"


def _run(args: Sequence[str], text_path: bool) -> tuple[str, str, int]:
    env = {} if text_path else {TEXT_PATH_VARIABLE: "0"}
    result = CliRunner().invoke(group, ["merge", *args], env=env, catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


def _same(*args: str) -> str:
    """Both ways give the same stdout, stderr and exit code; return the stdout."""
    fast = _run(args, True)
    assert fast == _run(args, False)
    return fast[0]


def _text_records_given(path: Path) -> list[int | None]:
    """Per input: how many records the text path reads before the Event way takes over (None: all)."""
    out: list[int | None] = []
    for reader in open_inputs([str(path)], LoadOptions(), Warnings()):
        n = 0
        try:
            for _ in text_records(reader, True):
                n += 1
            out.append(None)
        except NotPlain:
            out.append(n)
    return out


@pytest.mark.parametrize("name", SETS)
def test_sample_sets(name: str) -> None:
    path = str(SAMPLE_LOGS / name)
    assert _same(path)
    _same("--no-full", path)


def test_sample_sets_read_by_the_text_path() -> None:
    """The sets hold inputs the text path reads whole (else the comparisons above prove nothing)."""
    whole = [n for name in SETS for n in _text_records_given(SAMPLE_LOGS / name) if n is None]
    assert len(whole) >= 10


@needs_shared
def test_real_logs() -> None:
    _same(str(REAL_LOGS))
    _same("--no-full", str(REAL_LOGS))


def _header(i: int, message: str, level: str = "INFO", instance: bool = True) -> str:
    inst = f"[instance: {INSTANCE}] " if instance else ""
    return f"2019-05-14 09:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} 2311 {level} nova.compute.manager [{REQ} {IDS}] " \
           f"{inst}{message}"


def test_the_event_way_takes_over_where_the_text_path_stops(tmp_path: Path) -> None:
    """A libvirt line in the middle: the records before it come from the text path, the rest the Event way."""
    host = tmp_path / "compute1"
    host.mkdir()
    # past the head the format is chosen on (a libvirt line there would make the input no plain oslo)
    lines = [_header(i, f"Record {i} " + "y" * (i % 11)) for i in range(500)]
    lines.append("2019-05-14 09:08:20.500+0000: 2555: error : qemuMonitorIO:697 : internal error: End of file")
    lines += [_header(i, f"Record {i}") for i in range(501, 510)]
    (host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    other = tmp_path / "compute2"
    other.mkdir()
    (other / "nova-compute.log").write_text("\n".join(_header(i, f"Other {i} " + "x" * (i % 13), "DEBUG") + " f /a/b.py:1"
                                                      for i in range(0, 600, 7)) + "\n", encoding="utf-8")
    assert _text_records_given(tmp_path) == [499, None]
    out = _same(str(tmp_path))
    assert "Record 509\n" in out and "Other 595 " in out


def test_copies_across_inputs_and_zones(tmp_path: Path) -> None:
    """The same records in two inputs are printed once (with the same warning); --tz moves the key."""
    text = "\n".join(_header(i, f"Record {i}" + " z" * (i % 5), "DEBUG") + " f /a/b.py:1" for i in range(20)) + "\n"
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "nova-compute.log").write_text(text, encoding="utf-8")
    _same(str(tmp_path / "a" / "nova-compute.log"), str(tmp_path / "a" / "nova-compute.log"))
    out, err, _ = _run([str(tmp_path)], True)
    assert out.count("Record 5\n") == 1 and "20 records appear in two inputs" in err
    _same(str(tmp_path))
    _same("--tz", "Europe/Paris", str(tmp_path))
    _same("--tz", f"{tmp_path / 'a'}=America/New_York", str(tmp_path))
    _same("--host-alias", f"{tmp_path / 'b'}=other", str(tmp_path))


def test_secrets(tmp_path: Path) -> None:
    """Every secret shape, the kept near-misses and odd spellings: masked (or refused) as the Event path does."""
    messages: list[str | tuple[str, ...]] = [f"Starting migration {i}" for i in range(30)]
    for line, secret in SHAPES:
        messages += [line, ("Traceback (most recent call last):", f"  RemoteError: {line}"),
                     f"Retrying with {secret} now"]
    messages += KEPT + ODD
    (tmp_path / "compute1").mkdir()
    (tmp_path / "compute1" / "nova-compute.log").write_text(_oslo(messages), encoding="utf-8")
    out = _same(str(tmp_path))
    assert "Xy7#kQ2!mZ9p" not in out  # learnt from one record, masked in a later one without a keyword
    # a secret-like word in the input's name: every record of it is looked at
    (tmp_path / "password-logs").mkdir()
    (tmp_path / "password-logs" / "nova-compute.log").write_text(_oslo(KEPT + ODD), encoding="utf-8")
    _same(str(tmp_path / "password-logs"))


# ---------------------------------------------------------------- fuzzed mixed inputs

_MESSAGES = st.sampled_from([
    "Instance spawned successfully.", "Starting migration", "Migration running for 30 secs, memory 90% remaining",
    "[0, 1] list", "colour \x1b[01;31mred\x1b[00m", "ünïcödé text", "password=Xy7#kQ2!mZ9p", "key=s3cr3tvaluE9",
    "token: gAAAAABcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP012345", "", "trailing blanks   ",
    "(pid=2311) odd", "a {{(pid=1) f /x.py:2}}", "Lock \"compute_resources\" acquired by \"x\" :: waited 0.000s",
])
_SUFFIXES = st.sampled_from(["", " f /a/b.py:12", " {{(pid=4242) f /a/b.py:12}}", " from (pid=77) f /a/b.py:3",
                             " <lambda> /a/b.py:7", " f  /a/b.py:12", " f /a/b.py:x", "\t"])
_LEVELS = st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "TRACE", "WARN", "CRITICAL", "AUDIT"])


@st.composite
def _line(draw: st.DrawFn, i: int) -> str:
    kind = draw(st.integers(0, 15))
    stamp = f"2019-05-14 09:{i // 60 % 60:02d}:{i % 60:02d}"
    frac = draw(st.sampled_from(["", ".1", ".12", ".123", ".123456", ",123"]))
    level = draw(_LEVELS)
    message = draw(_MESSAGES) + draw(_SUFFIXES)
    if kind <= 5:  # a header, the usual way or a variant
        pid = draw(st.sampled_from(["2311 ", ""]))
        block = draw(st.sampled_from([f"[{REQ} {IDS}]", f"[None {REQ} {IDS}]", "[-]", "[]", f"[{REQ}]",
                                      "[req-short - - -]"]))
        inst = draw(st.sampled_from(["", f"[instance: {INSTANCE}] ", f"[instance: {INSTANCE.upper()}] "]))
        return f"{stamp}{frac} {pid}{level} nova.compute.manager {block} {inst}{message}"
    if kind <= 7:  # an exception-prefix line, with or without an instance
        inst = draw(st.sampled_from(["", f"[instance: {INSTANCE}] "]))
        return f"{stamp}{frac} 2311 {level} nova.compute.manager {inst}{message}"
    if kind == 8:
        return draw(st.sampled_from(["Traceback (most recent call last):", '  File "/x.py", line 3, in f',
                                     "    raise e", "", "   ", "ValueError: boom"]))
    if kind == 9:  # a cut header and its rest
        return f"{stamp}.000 2311 INFO nova.compute.manager [{REQ}"
    if kind == 10:
        return draw(st.sampled_from([
            f"{stamp}.000+0000: 2555: error : qemuMonitorIO:697 : internal error",  # libvirt
            "[  123.456] kvm: something",  # kernel, seconds since boot
            f"May 14 09:00:{i % 60:02d} compute1 NetworkManager[812]: <info> device up",  # syslog
            "==> /var/log/nova/nova-api.log <==",  # a tail header
            "2019-02-30 10:00:00.000 2311 INFO nova.compute.manager [-] impossible date",
        ]))
    if kind == 11:
        return message + draw(st.sampled_from(["\r", "\x00", ""]))
    return f"{stamp}{frac} 2311 {level} nova.compute.manager [{REQ} {IDS}] {message}"


@st.composite
def _file(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 25))
    start = draw(st.integers(0, 50))
    lines = [draw(_line(start + draw(st.integers(-2, 3)) + i)) for i in range(n)]
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(_file(), min_size=1, max_size=3), full=st.booleans())
def test_fuzzed_mixed_inputs(files: list[str], full: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for k, text in enumerate(files):
            host = Path(tmp) / f"compute{k % 2}"
            host.mkdir(exist_ok=True)
            (host / f"nova-compute.log.{k}").write_bytes(text.encode("utf-8"))
        _same(tmp, *(() if full else ("--no-full",)))


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    """The progress hook hears the text path's reading up to the inputs' whole size."""
    from migtrace.pipeline._text_merge import merged_texts

    (tmp_path / "compute1").mkdir()
    log = tmp_path / "compute1" / "nova-compute.log"
    log.write_text("\n".join(_header(i, f"Record {i} " + "y" * (i % 11)) for i in range(3000)) + "\n",
                   encoding="utf-8")
    seen: list[tuple[int, int]] = []
    stream = merged_texts([tmp_path], LoadOptions(progress=lambda done, total: seen.append((done, total))), str)
    assert stream is not None
    assert sum(1 for _ in stream.records) == 3000
    assert seen and seen[-1] == (log.stat().st_size, log.stat().st_size)


def test_a_line_past_the_size_limit(tmp_path: Path) -> None:
    """A line cut at MAX_LINE_BYTES: the Event way reads from its window on, and warns as it always does."""
    (tmp_path / "compute1").mkdir()
    lines = [_header(i, f"Record {i} " + "y" * (i % 11)) for i in range(3000)]
    lines[2500] = _header(2500, "huge " + "é" * (1 << 19) + "x" * 100)
    (tmp_path / "compute1" / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    given = _text_records_given(tmp_path)
    assert given[0] is not None and 0 < given[0] < 2500
    out = _same(str(tmp_path))
    assert "Record 2999" in out
