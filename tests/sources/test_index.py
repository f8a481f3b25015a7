"""The on-disk index (sources/_index.py): a warm read gives exactly what a cold one gives, and is never wrong.

Every sample set is loaded uncached, cold and warm with `-j 1`, and cold and
warm again with the pool forced on for every file (`-j 2`), once per module;
the whole Analysis (events, migrations, findings, stats, warnings in order,
last-seen) must be equal, and the warm reads must come from the index (its
hit counter, not timing).  Then the index is attacked: files that grow,
shrink, rotate or are rewritten in place at the same size and mtime, a
compressed input, a `--strict` error, a corrupt database, an unusable
directory, two processes at once; the CLI's `--no-cache`, `cache info` and
`cache clear`; the permissions of what it writes.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migtrace import load
from migtrace.cli import cli
from migtrace.errors import ParseError
from migtrace.pipeline import Analysis
from migtrace.sources import _grown, _index
from tests.conftest import REPO, SAMPLE_LOGS, cached_load, every_file_to_the_pool

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())

REC = ("2024-01-02 10:00:{s:02d}.000 {pid} INFO nova.compute.manager [req-{r}aaaaaa-0000-0000-0000-000000000000 "
       "admin admin - - -] [instance: 1b2c3d4e-0000-0000-0000-00000000000{i}] {msg}\n")


def _records(first: int, count: int, pid: int = 11) -> str:
    # lines of different lengths, as real ones are (lines of one length look hard-wrapped to the reader)
    return "".join(REC.format(s=s % 60, pid=pid, r=s % 10, i=s % 3, msg=f"Migrating instance step {s}" + " ok" * (s % 7))
                   for s in range(first, first + count))


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(_index.DIR_VARIABLE, str(where))
        yield where


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private index for one test."""
    where = tmp_path / "cache"
    monkeypatch.setenv(_index.DIR_VARIABLE, str(where))
    return where


def _counted(path: Path, **kw: Any) -> tuple[Analysis, dict[str, int]]:
    """Load and return how many index hits/misses/stores it made."""
    before = dict(_index.TOTALS)
    analysis = load(path, **kw)
    return analysis, {k: _index.TOTALS[k] - before[k] for k in before}


@pytest.fixture(scope="module")
def runs(module_cache: Path) -> dict[tuple[str, str], tuple[Analysis, dict[str, int]]]:
    out: dict[tuple[str, str], tuple[Analysis, dict[str, int]]] = {}
    for name in SETS:
        path = SAMPLE_LOGS / name
        out[name, "cold-1"] = _counted(path, jobs=1, cache=True)
        out[name, "warm-1"] = _counted(path, jobs=1, cache=True)
    _index.clear()
    with every_file_to_the_pool():
        for name in SETS:
            path = SAMPLE_LOGS / name
            out[name, "cold-2"] = _counted(path, jobs=2, cache=True)
            out[name, "warm-2"] = _counted(path, jobs=2, cache=True)
    return out


@pytest.mark.parametrize("name", SETS)
def test_warm_and_cold_reads_equal_the_uncached_read(runs: dict[tuple[str, str], tuple[Analysis, dict[str, int]]],
                                                     name: str) -> None:
    reference = cached_load(SAMPLE_LOGS / name)
    assert reference.migrations
    for mode in ("cold-1", "warm-1", "cold-2", "warm-2"):
        analysis, counts = runs[name, mode]
        assert analysis.events == reference.events, mode
        assert analysis.migrations == reference.migrations, mode
        assert analysis.stats == reference.stats, mode
        assert analysis.warnings == reference.warnings, mode  # same lines, same order
        assert list(analysis.last_seen.items()) == list(reference.last_seen.items()), mode
        assert analysis == reference, mode
        if mode.startswith("cold"):
            assert counts["hits"] == 0 and counts["stored"] > 0, (mode, counts)
        else:  # nothing read: every pass of every input came from the index
            assert counts["misses"] == 0 and counts["stored"] == 0 and counts["hits"] > 0, (mode, counts)


def _json(*args: str) -> bytes:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_cli_json_is_byte_identical_warm_cold_and_without_cache(cache: Path) -> None:
    path = str(SAMPLE_LOGS / "queens-files")
    ident = "req-a21a38c5-ac07-4caf-a0b3-e22c4af7d884"
    for args in (("list", "-f", "json", path), ("timeline", ident, path), ("stats", "-f", "json", path)):
        plain = _json(*args, "--no-cache")
        assert not (cache / _index.DB_NAME).exists()  # --no-cache neither uses nor fills it
        before = dict(_index.TOTALS)
        assert _json(*args) == plain  # cold
        assert _json(*args, "-j", "2") == plain  # warm
        assert _index.TOTALS["hits"] > before["hits"]
        _index.clear()


def test_a_file_that_grew_shrank_or_was_rewritten_is_read_again(cache: Path, tmp_path: Path) -> None:
    log = tmp_path / "compute1" / "nova-compute.log"
    log.parent.mkdir()
    log.write_text(_records(0, 40), encoding="utf-8")

    def check() -> Analysis:
        warm, _ = _counted(tmp_path / "compute1", cache=True, jobs=1)
        cold = load(tmp_path / "compute1", jobs=1)
        assert warm == cold
        again, counts = _counted(tmp_path / "compute1", cache=True, jobs=1)
        assert again == cold and counts["misses"] == 0 and counts["hits"] > 0
        return cold

    first = check()
    with log.open("a", encoding="utf-8") as f:  # appended (an active log)
        f.write(_records(40, 10))
    grown = check()
    assert len(grown.events) > len(first.events)
    st = log.stat()
    text = log.read_text(encoding="utf-8")
    log.write_text(text.replace("step 1", "step X", 1), encoding="utf-8")  # rewritten: same size, same mtime
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert log.stat().st_size == st.st_size and log.stat().st_mtime_ns == st.st_mtime_ns
    rewritten = check()
    assert any("step X" in e.message for e in rewritten.events)
    with log.open("r+", encoding="utf-8") as f:  # truncated (copytruncate)
        f.truncate(len(_records(0, 5)))
    assert len(check().events) < len(first.events)
    log.rename(log.with_name("nova-compute.log.1"))  # rotated: a new file under the old name
    log.write_text(_records(50, 3, pid=12), encoding="utf-8")
    check()
    # each path keeps the entries of its current identity only
    conn = sqlite3.connect(cache / _index.DB_NAME)
    paths = conn.execute("SELECT path, COUNT(DISTINCT ident) FROM entries GROUP BY path").fetchall()
    conn.close()
    assert paths and all(n == 1 for _, n in paths)


TRACE = ("2024-01-02 10:01:{s:02d}.000 {pid} ERROR nova.compute.manager [req-{r}aaaaaa-0000-0000-0000-000000000000 "
         "admin admin - - -] [instance: 1b2c3d4e-0000-0000-0000-000000000001] Live migration failed.: "
         "libvirtError: operation failed\n")
TRACE_LINES = ("Traceback (most recent call last):\n"
               '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 6543, in _do_live_migration\n'
               "    block_migration, migrate_data)\n"
               "libvirtError: operation failed: migration job: unexpectedly failed\n")


@pytest.mark.parametrize("how", ["selective", "full", "timeline"])
def test_a_grown_plain_log_is_read_from_its_last_record_only(cache: Path, tmp_path: Path, how: str) -> None:
    """An active log: only the last stored record and the appended bytes are read; the result is the cold one."""
    log = tmp_path / "compute1" / "nova-compute.log"
    log.parent.mkdir()
    # the old end: a record whose traceback goes on in the appended bytes (multi-line record at the boundary)
    log.write_text(_records(0, 400) + TRACE.format(s=1, pid=11, r=1) + TRACE_LINES[:60].rsplit("\n", 1)[0] + "\n",
                   encoding="utf-8")
    kw: dict[str, Any] = {"jobs": 1, "select": how != "full"}
    if how == "timeline":
        kw["focus"] = "req-1aaaaaa-0000-0000-0000-000000000000"
    load(log, cache=True, **kw)
    old_size = log.stat().st_size
    with log.open("a", encoding="utf-8") as f:
        f.write(TRACE_LINES.split("\n", 2)[2] + _records(400, 30, pid=12) + TRACE.format(s=2, pid=12, r=2)
                + TRACE_LINES)
    before = dict(_grown.READ_AGAIN)
    grown = load(log, cache=True, **kw)
    read_again = _grown.READ_AGAIN["bytes"] - before["bytes"]
    resumed = _grown.READ_AGAIN["resumed"] - before["resumed"]
    assert resumed > 0
    # each resumed pass read the appended bytes and the old last record only
    assert 0 < read_again < resumed * (log.stat().st_size - old_size + 2048)
    cold = load(log, **kw)
    assert grown == cold
    assert grown.events and any("Traceback" in e.message for e in grown.events) == any(
        "Traceback" in e.message for e in cold.events)
    assert load(log, cache=True, **kw) == cold  # and the stored result of the grown file is right too


def test_another_query_over_a_grown_log_leaves_it_resumable(cache: Path, tmp_path: Path) -> None:
    log = tmp_path / "compute1" / "nova-compute.log"
    log.parent.mkdir()
    log.write_text(_records(0, 300), encoding="utf-8")
    load(log, cache=True, jobs=1)  # list's passes, with checkpoints
    with log.open("a", encoding="utf-8") as f:
        f.write(_records(300, 20, pid=12))
    load(log, cache=True, jobs=1, focus="req-3aaaaaa-0000-0000-0000-000000000000")  # a timeline stores the new file
    before = dict(_grown.READ_AGAIN)
    assert load(log, cache=True, jobs=1) == load(log, jobs=1)
    assert _grown.READ_AGAIN["resumed"] > before["resumed"]  # list's entries of the smaller file were kept
    conn = sqlite3.connect(cache / _index.DB_NAME)
    (rows,) = conn.execute("SELECT COUNT(*) FROM entries").fetchone()
    (units,) = conn.execute("SELECT COUNT(DISTINCT ukey) FROM entries").fetchone()
    conn.close()
    assert rows == units  # one entry per query unit: a resumed one replaces its older self


def test_compressed_input_and_strict_error_are_replayed(cache: Path, tmp_path: Path) -> None:
    gz = tmp_path / "nova-compute.log.2.gz"
    gz.write_bytes(gzip.compress(_records(0, 30).encode()))
    cold = load(gz, jobs=1)
    for _ in range(2):
        assert load(gz, jobs=1, cache=True) == cold
    assert _counted(gz, jobs=1, cache=True)[1]["hits"] > 0
    bad = tmp_path / "bad" / "nova-compute.log"
    bad.parent.mkdir()
    bad.write_text("this is no record\n" + _records(0, 3), encoding="utf-8")  # before any record: unparsed
    errors = []
    for _ in range(2):
        with pytest.raises(ParseError) as caught:
            load(bad, jobs=1, cache=True, strict=True, select=False)  # a full read parses every line
        errors.append((str(caught.value), caught.value.path, caught.value.line))
    assert errors[0] == errors[1]


def test_a_corrupt_database_is_one_warning_and_the_read_goes_on(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    (cache / _index.DB_NAME).write_bytes(b"this is not an SQLite database, it is garbage" * 100)
    os.chmod(cache / _index.DB_NAME, 0o600)
    said: list[str] = []
    path = SAMPLE_LOGS / "kilo-files"
    analysis = load(path, cache=True, warn=said.append)
    assert analysis == cached_load(path)
    cache_lines = [w for w in said if w.startswith("cache ")]
    assert len(cache_lines) == 1 and "reading without it" in cache_lines[0]
    assert not any(w.startswith("cache ") for w in analysis.warnings)  # the analysis is the same as uncached
    result = CliRunner().invoke(cli, ["list", "-f", "json", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout_bytes == _json("list", "-f", "json", str(path), "--no-cache")
    assert _json("cache", "clear").startswith(b"removed")
    assert load(path, cache=True) == analysis  # a fresh index after clear


@pytest.mark.parametrize("how", ["under-a-file", "writable-by-others"])
def test_an_unusable_directory_is_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    if how == "under-a-file":
        (tmp_path / "plain").write_text("x", encoding="utf-8")
        where = tmp_path / "plain" / "cache"
    else:
        where = tmp_path / "shared"
        where.mkdir()
        os.chmod(where, 0o777)
    monkeypatch.setenv(_index.DIR_VARIABLE, str(where))
    said: list[str] = []
    path = SAMPLE_LOGS / "train-single-host"
    assert load(path, cache=True, warn=said.append) == cached_load(path)
    assert sum(w.startswith("cache ") for w in said) == 1
    if how == "writable-by-others":
        assert not (where / _index.DB_NAME).exists()


def test_permissions_info_and_clear(cache: Path) -> None:
    path = str(SAMPLE_LOGS / "zed-mixed")
    assert b"no index yet" in _json("cache", "info")
    _json("list", path)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for p in cache.iterdir():  # the database and sqlite's -wal/-shm beside it
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    info = _json("cache", "info").decode()
    assert f"path: {cache / _index.DB_NAME}" in info
    entries = int(info.split("entries: ")[1].split()[0])
    inputs = int(info.split("inputs: ")[1].split()[0])
    assert entries >= inputs > 0 and "bytes: " in info
    assert _json("cache", "clear").startswith(b"removed")
    assert not any(cache.iterdir())
    assert _json("cache", "clear").startswith(b"no index")


def test_two_processes_at_once_share_it_safely(cache: Path) -> None:
    path = str(SAMPLE_LOGS / "queens-files")
    env = {**os.environ, _index.DIR_VARIABLE: str(cache), "CI": "true"}
    cmd = [sys.executable, "-m", "migtrace", "list", "-f", "json", "-j", "1", path]
    expected = _json("list", "-f", "json", path, "--no-cache")
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
            for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert out == expected
        assert b"cache" not in err  # neither had to give up on the index
    conn = sqlite3.connect(cache / _index.DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert _json("list", "-f", "json", path) == expected
