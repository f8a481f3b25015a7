"""`-j N` reads the inputs on worker processes and gives exactly what `-j 1` gives.

Every sample set is loaded once per mode (module-scoped) with the pool forced on for every
file, however small, so the real worker path runs; the comparison covers events, migrations,
per-file accounting, warnings in order and each host's last-seen time.  Diagnosis is off in
that comparison (it is a function of the migrations and events compared); the CLI test runs it.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from migtrace import load, read_events
from migtrace.errors import ParseError, SourceError
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis
from migtrace.sources import _parallel, open_inputs
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
#: the shipped thresholds, before `pool_always` lowers them
DEFAULTS = {"MIN_WORKER_BYTES": _parallel.MIN_WORKER_BYTES, "MIN_POOL_BYTES": _parallel.MIN_POOL_BYTES}


@pytest.fixture(scope="module")
def pool_always() -> Iterator[None]:
    """Send every regular file to the workers, however small (the defaults keep small reads serial)."""
    with every_file_to_the_pool():
        yield


@pytest.fixture(scope="module")
def loads(pool_always: None) -> dict[tuple[str, int], Analysis]:
    return {(name, jobs): load(SAMPLE_LOGS / name, jobs=jobs, diagnose=False) for name in SETS for jobs in (1, 2)}


@pytest.mark.parametrize("name", SETS)
def test_two_workers_read_what_one_process_reads(loads: dict[tuple[str, int], Analysis], name: str) -> None:
    one, two = loads[name, 1], loads[name, 2]
    assert one.events and one.migrations
    assert two.events == one.events
    assert two.migrations == one.migrations
    assert two.stats == one.stats
    assert two.warnings == one.warnings  # same lines, same order
    assert list(two.last_seen.items()) == list(one.last_seen.items())
    assert two == one


def test_the_pool_really_runs(pool_always: None) -> None:
    options = LoadOptions(jobs=2)
    readers = open_inputs([str(SAMPLE_LOGS / "queens-files")], options, print)
    streams = _parallel.read_parallel(readers, print)
    assert streams is not None and len(streams) == len(readers) > 1
    assert _parallel.read_parallel(readers, print) is not None
    assert _parallel.plan(readers, 1, remote=False) is None  # -j 1: the serial, streaming read
    assert _parallel.jobs_of(LoadOptions()) == _parallel.default_jobs() >= 1


def test_small_reads_stay_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DEFAULTS.items():
        monkeypatch.setattr(_parallel, name, value)
    readers = open_inputs([str(SAMPLE_LOGS / "queens-files")], LoadOptions(jobs=2), print)
    assert _parallel.plan(readers, 2, remote=False) is None  # a few small files: no pool is worth it


def test_duplicates_warnings_and_strict_errors_come_out_as_serially(pool_always: None, tmp_path: Path) -> None:
    head = "2024-01-02 10:00:0{s}.000 {pid} INFO nova.compute.manager [None req-{r} admin admin] {msg}\n"
    a = tmp_path / "compute1" / "nova-compute.log"
    b = tmp_path / "compute2" / "nova-compute.log"
    for path in (a, b):
        path.parent.mkdir()
    # unparsed lines before the first record (a warning each file, a ParseError under --strict),
    # and the same record in both files (dropped once, one warning)
    same = head.format(s=9, pid=33, r="9ccccccc-0000-0000-0000-000000000000", msg="copied")
    a.write_text("not a record\n" + "".join(head.format(s=s, pid=11, r=f"{s}aaaaaaa-0000-0000-0000-000000000000",
                                                        msg=f"a {s}") for s in range(5)) + same, encoding="utf-8")
    b.write_text("\x00garbage line\n" + "".join(head.format(s=s, pid=22, r=f"{s}bbbbbbb-0000-0000-0000-000000000000",
                                                          msg=f"b {s}") for s in range(5)) + same, encoding="utf-8")
    (tmp_path / "compute1" / "nova-empty.log").write_text("", encoding="utf-8")
    seen: dict[int, list[str]] = {}
    events = {}
    for jobs in (1, 2):
        lines: list[str] = []
        events[jobs] = read_events(tmp_path, jobs=jobs, warn=lines.append)
        seen[jobs] = lines
    assert len(events[1]) == 11 and events[2] == events[1]
    assert len(seen[1]) == 4 and seen[2] == seen[1]  # two unparsed, one empty file, one duplicate
    errors = []
    for jobs in (1, 2):
        with pytest.raises(ParseError) as caught:
            read_events(tmp_path, jobs=jobs, strict=True)
        errors.append((str(caught.value), caught.value.path, caught.value.line))
    assert errors[0] == errors[1]


def test_errors_survive_the_trip_from_a_worker() -> None:
    for error in (ParseError("x.log", 3, "not a record"), SourceError("x.log", "cannot open", 2)):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.__dict__ == error.__dict__


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="jobs"):
        LoadOptions(jobs=0)


def test_cli_list_json_is_the_same_with_two_jobs(pool_always: None, cli: Callable[..., Result]) -> None:
    out = {}
    for jobs in ("1", "2"):
        res = cli("list", "-f", "json", "-j", jobs, str(SAMPLE_LOGS / "queens-files"))
        assert res.exit_code == 0, res.output
        out[jobs] = res.stdout
    assert json.loads(out["1"]) and out["2"] == out["1"]


def test_packed_runs_replay_warnings_at_their_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Events travel in packed runs; each warning still comes out after the same number of events."""
    monkeypatch.setattr(_parallel, "PACK_EVENTS", 2)
    head = "2024-01-02 10:00:0{s}.000 11 INFO nova.compute.manager [None req-{s}aaaaaaa-0000-0000-0000-0000000000" \
           "00 admin admin] a {s}\n"
    path = tmp_path / "compute1" / "nova-compute.log"
    path.parent.mkdir()
    path.write_text("junk at the top\n" + "".join(head.format(s=s) for s in range(5)), encoding="utf-8")
    readers = open_inputs([str(path)], LoadOptions(), print)
    result = _parallel.read_input(readers[0].item, _parallel.portable(LoadOptions()), frozenset())
    assert len(result.packs) == 3
    replayed: list[object] = []
    back = pickle.loads(pickle.dumps(result))
    for e in _parallel.replay(back, replayed.append):
        replayed.append(e)
    expected: list[object] = []
    readers = open_inputs([str(path)], LoadOptions(), expected.append)
    for e in readers[0].events():
        expected.append(e)
    assert replayed == expected and isinstance(expected[-1], str) and len(expected) == 6  # after the 3rd run
    assert back.stats == readers[0].stats
