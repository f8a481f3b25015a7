"""One load on a Dask cluster is one client: connected once, its workers checked once, results fetched direct.

On a real dask.distributed LocalCluster (worker processes on loopback, the scheduler in this
process, where its handlers and client connections are counted): a selective load reads two or
three times, yet `--scheduler` connects one client, which the load closes; a client the caller
gives stays open.  Results come from the workers themselves when each takes a connection from the
client in time (`_parallel._reach`), else through the scheduler (a worker that does not answer in
time, or a client made with `direct_to_workers=False`): both give what `-j 1` gives.  Workers that
join between two reads of a load are checked before the next read uses them.  Skipped, saying why,
without the `dask` extra; never skipped in CI.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from migtrace import load
from migtrace.errors import SourceError
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis
from migtrace.sources import _parallel, open_inputs
from migtrace.sources._parallel import read_results
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()

SET = SAMPLE_LOGS / "queens-files"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with every_file_to_the_pool(), local_cluster_client() as c:
        yield c


@pytest.fixture(scope="module")
def here() -> Analysis:
    return load(SET, jobs=1)


@contextmanager
def counted(client: Any) -> Iterator[Counter[str]]:
    """Count, on the scheduler, the clients that connect and leave, and the gather requests it serves."""
    from distributed.diagnostics.plugin import SchedulerPlugin

    scheduler = client.cluster.scheduler
    seen: Counter[str] = Counter()

    class Clients(SchedulerPlugin):
        name = "count-clients"

        def add_client(self, scheduler: Any, client: str) -> None:
            seen["connected"] += 1

        def remove_client(self, scheduler: Any, client: str) -> None:
            seen["left"] += 1

    handlers = scheduler.handlers
    real = {op: handlers[op] for op in ("gather", "who_has")}

    def counting(op: str) -> Callable[..., Any]:
        def handler(*args: Any, **kwargs: Any) -> Any:
            seen[op] += 1
            return real[op](*args, **kwargs)
        return handler

    scheduler.add_plugin(Clients())
    handlers.update({op: counting(op) for op in real})
    try:
        yield seen
    finally:
        handlers.update(real)
        scheduler.remove_plugin(name="count-clients")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many reads went to a cluster, and how many times workers were checked (all of them, or some)."""
    seen: Counter[str] = Counter()
    real_read, real_check = _parallel._read_chosen, _parallel.check_workers

    def read(readers: Any, chosen: Any, options: Any, cluster: Any, progress: Any) -> Any:
        seen["cluster reads" if cluster is not None else "local reads"] += 1
        return real_read(readers, chosen, options, cluster, progress)

    def check(client: Any, workers: Any = None) -> set[str]:
        seen["checked all" if workers is None else "checked some"] += 1
        return real_check(client, workers)

    monkeypatch.setattr(_parallel, "_read_chosen", read)
    monkeypatch.setattr(_parallel, "check_workers", check)
    return seen


def _same(one: Analysis, other: Analysis) -> None:
    assert one.migrations and other.migrations == one.migrations
    assert other.events == one.events and other.stats == one.stats and other.warnings == one.warnings
    assert other == one  # and the diagnosis, the clocks, the release clues


def test_a_scheduler_address_is_one_connection_per_load(client: Any, here: Analysis, reads: Counter[str],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=_parallel.__name__)
    with counted(client) as seen:
        there = load(SET, scheduler=client.scheduler.address)
    _same(here, there)
    assert reads["cluster reads"] >= 2  # the passes of a selective read (and the evidence read)
    assert seen["connected"] == seen["left"] == 1  # one client, closed at the load's end
    assert reads["checked all"] == 1 and reads["checked some"] == 0  # no worker joined between the reads
    # every result fetched from the workers themselves: the scheduler said where (who_has), sent none
    assert seen["gather"] == 0 and seen["who_has"] >= reads["cluster reads"]
    assert "results fetched from the workers directly (2 reached)" in caplog.text


def test_a_given_client_is_checked_once_and_left_open(client: Any, here: Analysis, reads: Counter[str]) -> None:
    with counted(client) as seen:
        there = load(SET, client=client)
    _same(here, there)
    assert reads["cluster reads"] >= 2 and reads["checked all"] == 1
    assert seen["connected"] == seen["left"] == 0
    assert client.status == "running" and client.submit(sum, [1, 2]).result() == 3


def test_a_worker_not_reached_in_time_sends_every_result_through_the_scheduler(
        client: Any, here: Analysis, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(_parallel, "REACH_TIMEOUT_S", 0)  # no connection is taken in no time: none reached
    caplog.set_level(logging.DEBUG, logger=_parallel.__name__)
    with counted(client) as seen:
        there = load(SET, scheduler=client.scheduler.address)
    _same(here, there)
    assert seen["gather"] > 0 and seen["who_has"] == 0
    assert "results fetched through the scheduler: 2 of 2 workers not reached from here" in caplog.text
    assert "TimeoutError" in caplog.text


def test_a_client_made_with_direct_to_workers_off_is_taken_at_its_word(client: Any, here: Analysis) -> None:
    from distributed import Client

    with Client(client.scheduler.address, direct_to_workers=False) as through:
        through.cluster = client.cluster
        with counted(client) as seen:
            there = load(SET, client=through)
        _same(here, there)
        assert seen["gather"] > 0 and seen["who_has"] == 0
        assert through.status == "running"


def _set_key(key: str | None) -> None:
    """On a worker: take `key` as its code key (None: work it out again from its files)."""
    _parallel._CODE_KEY = key


def test_a_worker_that_joins_between_two_reads_is_checked_before_it_is_used(reads: Counter[str]) -> None:
    with every_file_to_the_pool(), local_cluster_client(workers=1) as c:
        options = LoadOptions(scheduler=c.scheduler.address)
        with _parallel.one_client():
            assert read_results(open_inputs([str(SET)], options, print)) is not None
            assert read_results(open_inputs([str(SET)], options, print)) is not None
            assert reads["checked all"] == 1 and reads["checked some"] == 0  # nobody joined
            c.cluster.scale(2)
            c.wait_for_workers(2)
            second = set(c.nthreads())
            assert read_results(open_inputs([str(SET)], options, print)) is not None
            assert reads["checked all"] == 1 and reads["checked some"] == 1  # the one that joined
            c.cluster.scale(3)
            c.wait_for_workers(3)
            (late,) = set(c.nthreads()) - second
            c.run(_set_key, "0.0.9 (000000000000)", workers=[late])
            with pytest.raises(SourceError, match=f"worker {late} runs migtrace 0.0.9"):
                read_results(open_inputs([str(SET)], options, print))


def test_results_are_fetched_a_few_at_a_time(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fetch is a round trip to the scheduler (who holds what) and one to each worker: few per read."""
    monkeypatch.setattr(_parallel, "FETCHES", 2)
    readers = open_inputs([str(SET)], LoadOptions(client=client), print)
    seen_progress: list[int] = []
    with counted(client) as seen:
        got = read_results(readers, lambda done, total: seen_progress.append(done))
    here = _parallel.read_serially(open_inputs([str(SET)], LoadOptions(), print))
    assert got is not None and len(readers) >= 6
    assert [[e for p in r.packs for e in _parallel._unpack(p)] for r in got] == \
        [[e for p in r.packs for e in _parallel._unpack(p)] for r in here]
    assert [(r.stats, r.warnings) for r in got] == [(r.stats, r.warnings) for r in here]
    assert 1 <= seen["who_has"] <= 3 and seen["gather"] == 0  # 2 fetches, 3 if the last few end apart
    assert len(seen_progress) == len(readers)  # still one report per input
