"""A selective read parses each record once: pass 2 reuses pass 1's records, and nothing read changes.

Every sample set loads to the same Analysis (events, migrations, per-input
accounting, warnings in order, last_seen with its key order) with pass 1's
records reused and with pass 2 searching the vocabulary again
(`MIGTRACE_PASS2_REUSE=0`, the read before this change), in one process and
on a real worker pool; the reuse is really taken (no fallback), and an input
pass 1 read in full is not read a second time.  The join itself is checked
on hand-made streams: line order, one copy of a record both passes parsed,
the accounting, the tail record, and the cases it must refuse.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from migtrace.model import Event, FileStats, new_event
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._reuse import Join, Pass1Store
from migtrace.sources import _parallel
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, files_read

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
FIELDS = ("events", "migrations", "stats", "warnings", "orphan_findings", "release", "skew")
_T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def _load_set(name: str, reuse: bool, monkeypatch: pytest.MonkeyPatch, jobs: int = 1) -> Any:
    monkeypatch.setenv(_load.REUSE_VARIABLE, "1" if reuse else "0")
    return _load.load([SAMPLE_LOGS / name], LoadOptions(jobs=jobs, cache=False, diagnose=False))


def _same(a: Any, b: Any) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    assert list(a.last_seen.items()) == list(b.last_seen.items())


@pytest.mark.parametrize("name", SETS)
def test_sample_sets_load_alike_with_and_without_reuse(name: str, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    old = _load_set(name, False, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger=_load.__name__):
        new = _load_set(name, True, monkeypatch)
    assert not [r for r in caplog.records if "not reused" in r.getMessage()]  # the join was exact: taken
    _same(old, new)
    assert all(s.balanced for s in new.stats)


def test_worker_pool_reuses_the_packs_it_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    with every_file_to_the_pool():
        _same(_load_set("queens-files", False, monkeypatch, jobs=2), _load_set("queens-files", True, monkeypatch, jobs=2))


def test_an_input_read_in_full_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal export beside devstack's text files cannot be cut by terms: pass 1's read is pass 2's."""
    opened = files_read(monkeypatch)
    analysis = _load_set("devstack-2024.1", True, monkeypatch)
    full = [s.path for s in analysis.stats if s.full_read]
    assert full
    for path in full:
        assert opened.count(path) == 1
    # the others: pass 1 (the release clues and clock texts searched in it: `_fold`) and pass 2
    assert all(opened.count(s.path) == 2 for s in analysis.stats if not s.full_read)


def _event(lineno: int, lines: int = 1, message: str = "m", source: str = "f.log") -> Event:
    t = _T0 + timedelta(seconds=lineno)
    return new_event(t, t.strftime("%Y-%m-%d %H:%M:%S.000"), message, "cmp1", "n-cpu", 7, "INFO", "nova", None,
                     None, None, None, None, tuple(f"c{i}" for i in range(lines - 1)), source, lineno, lines, "oslo")


def _store(events: list[Event]) -> Pass1Store:
    store = Pass1Store()
    for _ in store.tap(iter(events)):
        pass
    return store


def test_join_orders_by_line_and_keeps_one_copy() -> None:
    first = [_event(1, 3), _event(10), _event(20, 2)]
    second = [_event(5), _event(10), _event(30)]
    join = Join(_store(first))
    got = list(join.joined("f.log", iter(second)))
    assert [e.lineno for e in got] == [1, 5, 10, 20, 30]
    stats = FileStats(path="f.log", fmt="oslo", lines_read=40, records=3, record_lines=3, skipped_lines=37)
    (out,) = join.stats((stats,))
    # records 1 (3 lines) and 20 (2 lines) came from pass 1 only
    assert (out.records, out.record_lines, out.continuation_lines, out.skipped_lines) == (5, 5, 3, 32)
    assert out.balanced and join.usable


def test_a_tail_record_pass_1_parsed_is_a_hit() -> None:
    """Pass 2 read the file's last record only for its time; pass 1 had it as a vocabulary record: kept."""
    join = Join(_store([_event(3), _event(9)]))
    assert [e.lineno for e in join.joined("f.log", iter([_event(9)]))] == [3, 9]
    stats = FileStats(path="f.log", fmt="oslo", lines_read=9, records=1, record_lines=1, skipped_lines=8,
                      tail_line=9)
    (out,) = join.stats((stats,))
    assert out.tail_line == 0 and out.records == 2


@pytest.mark.parametrize(("first", "second"), [
    ([_event(4, message="a")], [_event(4, message="b")]),  # the same record read two ways
    ([_event(4, 5)], [_event(6)]),  # records overlapping: a line outside the records each pass saw
])
def test_join_refuses_what_it_cannot_prove(first: list[Event], second: list[Event]) -> None:
    join = Join(_store(first))
    list(join.joined("f.log", iter(second)))
    assert not join.usable


def test_join_refuses_unparsed_lines_in_a_cut_input() -> None:
    store = _store([_event(1)])
    store.ended([FileStats(path="f.log", unparsed_lines=1)], [])
    join = Join(store)
    list(join.joined("f.log", iter([])))
    join.stats((FileStats(path="f.log"),))
    assert not join.usable


def test_packs_from_workers_are_kept_as_they_are() -> None:
    events = [_event(n) for n in range(1, 6)]
    result = _parallel.InputResult([_parallel.pack_events(events)], FileStats(path="f.log"), [])
    store = Pass1Store()
    assert list(store.tap(_parallel.replay(result, lambda _m: None))) == events
    assert list(store.events("f.log")) == events and store.count == 5


def test_the_bar_ends_full_when_an_input_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    monkeypatch.setenv(_load.REUSE_VARIABLE, "1")
    _load.load([SAMPLE_LOGS / "devstack-2024.1"], LoadOptions(jobs=1, cache=False, diagnose=False,
                                                              progress=lambda done, total: seen.append((done, total))))
    assert seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
