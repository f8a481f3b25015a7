"""Pass 2's tasks name their finish and run on whichever worker frees up; that worker fetches the finish.

A pass-2 task used to take its input's `Finish` (pass 1's records of it,
pipeline/_drop.py) as a scattered future: distributed ran it where that future
was, never queued, and a worker whose planned share ran short idled while the
other still had tasks.  Now the task carries the finish's key (`_held.Held`),
the scheduler queues the pass like pass 1, and the worker that runs a task
fetches its finish when another holds it.  On a real two-worker LocalCluster:
a task made to run on the worker that does not hold its finish gives what a
read here gives; a finish no worker holds is an error naming the input, not a
wait; a whole load with every finish on one worker still spreads pass 2 over
both and gives the outputs of `-j 1`; the ids every finish shares travel once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from migtrace import load
from migtrace.errors import SourceError
from migtrace.pipeline._drop import Dropped, JoinDrop, OwnRecords
from migtrace.sources import _parallel
from migtrace.sources._held import Held
from migtrace.sources._parallel import InputResult, read_input, unpack_noted
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()

#: the sample sets whose pass 2 is joined and dropped on the workers (plain oslo text, known hosts)
DROPPING = ("kilo-files", "zed-mixed")
ALL_SETS = ("devstack-2024.1", "kilo-files", "queens-files", "train-single-host", "yoga-info", "zed-mixed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded worker processes on loopback; every regular file is sent to them."""
    with every_file_to_the_pool(), local_cluster_client(workers=2) as c:
        yield c


def _cluster(client: Any) -> _parallel._Cluster:
    return _parallel._Cluster(client, False, True, set(client.nthreads()))


def _pass2_calls(client: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The calls of a real load's pass 2 on the cluster (each with its input's `JoinDrop`), as sent to `_scattered`."""
    seen: list[tuple[Any, ...]] = []
    real = _parallel._scattered

    def noting(cluster: Any, calls: list[tuple[Any, ...]], weights: Any) -> Any:
        seen.extend(c for c in calls if c[6] is not None)
        return real(cluster, calls, weights)

    with monkeypatch.context() as m:
        m.setattr(_parallel, "_scattered", noting)
        load(SAMPLE_LOGS / name, client=client)
    assert seen and all(type(c[6]) is JoinDrop for c in seen)
    return seen


def _content(result: InputResult) -> tuple[Any, ...]:
    """What a result says (its records and their notes, accounting, warnings, summary), not how long it took."""
    return ([unpack_noted(p) for p in result.packs], result.stats, result.warnings, repr(result.error),
            result.summary)


def _transfers(client: Any) -> dict[str, list[tuple[str, list[str]]]]:
    """Each worker's transfers of data to a peer that asked (who asked, the keys)."""
    logs = client.run(lambda dask_worker: [(e["who"], list(e["keys"])) for e in dask_worker.transfer_outgoing_log])
    return {w: [(who, keys) for who, keys in got if who in logs] for w, got in logs.items()}


def test_a_task_run_away_from_its_finish_fetches_it_and_gives_the_same_result(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    holder, runner = sorted(client.nthreads())
    calls = _pass2_calls(client, "kilo-files", monkeypatch)
    here = [read_input(*call) for call in calls]
    assert any(type(r.summary) is Dropped for r in here)  # the finish joined and dropped: it ran
    with monkeypatch.context() as m:
        m.setattr(_parallel, "_planned", lambda _cluster, weights: {holder: list(range(len(weights)))})
        named, held = _parallel._scattered(_cluster(client), calls, [1.0] * len(calls))
    assert all(type(c[6]) is Held and c[6].holder == holder and c[6].key == f.key for c, f in zip(named, held, strict=True))
    assert all(list(holders) == [holder] for holders in client.who_has(held).values())
    # each task restricted to the other worker: it runs where its finish is not
    there = client.gather(client.map(read_input, *zip(*named, strict=True), pure=False, workers=[runner]))
    assert [_content(r) for r in there] == [_content(r) for r in here]
    fetched = [key for who, keys in _transfers(client)[holder] if who == runner for key in keys]
    assert {f.key for f in held} <= set(fetched)


def test_a_finish_whose_holder_moved_is_found_through_the_scheduler(client: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    holder, runner = sorted(client.nthreads())
    call = _pass2_calls(client, "zed-mixed", monkeypatch)[0]
    own, ids = call[6].split_shared()
    [future] = client.scatter([own], workers=[holder], hash=False)
    [shared] = client.scatter([ids], broadcast=True, hash=False)
    # the client's note of the holder is wrong (the runner itself): the worker asks the scheduler who holds it
    wrong = Held(future.key, runner, call[0].display, shared)
    got = client.submit(read_input, *call[:6], wrong, pure=False, workers=[runner]).result()
    assert _content(got) == _content(read_input(*call))


def test_a_lost_finish_is_an_error_naming_its_input(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    holder, runner = sorted(client.nthreads())
    call = _pass2_calls(client, "zed-mixed", monkeypatch)[0]
    own, ids = call[6].split_shared()
    [future] = client.scatter([own], workers=[holder], hash=False)
    key = future.key
    del future  # no one holds it: the worker frees it
    while client.who_has([key]).get(key):
        time.sleep(0.05)
    lost = Held(key, holder, call[0].display, ids)
    task = client.submit(read_input, *call[:6], lost, pure=False, workers=[runner])
    with pytest.raises(SourceError, match="on no worker now") as raised:
        task.result(timeout=120)  # a guard against a hang, not a timing assertion
    assert raised.value.path == call[0].display
    task.release()  # the traceback holds it in a cycle: let the scheduler forget it now


def test_the_ids_every_finish_shares_go_once_to_each_worker(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _pass2_calls(client, "kilo-files", monkeypatch)
    named, held = _parallel._scattered(_cluster(client), calls, [float(k) for k in range(len(calls))])
    shared = {c[6].shared.key for c in named}
    assert len(shared) == 1  # one future for the ids of every finish, a dependency of each task
    assert sorted(client.who_has([named[0][6].shared]).popitem()[1]) == sorted(client.nthreads())
    assert all(type(v) is OwnRecords for v in client.gather(held))  # each finish without them
    assert client.gather(named[0][6].shared) == calls[0][6].ids


class _Queued:
    """The scheduler's transitions of some keys (a plugin of the LocalCluster's scheduler, in this process)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.queued: set[str] = set()

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish == "queued":
            self.queued.add(str(key))


@pytest.mark.parametrize("name", DROPPING)
def test_every_finish_on_one_worker_still_spreads_pass_2_over_both(client: Any, name: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed.diagnostics.plugin import SchedulerPlugin

    holder, other = sorted(client.nthreads())
    here = load(SAMPLE_LOGS / name, jobs=1)
    # distributed queues a map's tasks when they look like roots (`Scheduler.is_rootish`): among others, when
    # the tasks of their name depend on few keys; the earlier tests' tasks, if the scheduler still had them,
    # would count: wait until it has forgotten them (as a command's fresh client would find it)
    scheduler = client.cluster.scheduler
    for _ in range(600):  # a guard against a hang, not a timing assertion
        left = [k for k in scheduler.tasks if str(k).startswith(("read_input", "call_sealed"))]
        if not left:
            break
        time.sleep(0.05)
    assert not left, f"the scheduler still has {left}"
    spy = _Queued()
    plugin = type("QueuedSpy", (SchedulerPlugin,), {"transition": spy.transition})()
    scheduler.add_plugin(plugin, name="queued-spy")
    real_map = client.map

    def map_(func: Any, *args: Any, **kwargs: Any) -> Any:
        futures = real_map(func, *args, **kwargs)
        if any(type(a) is Held for a in args[2]):  # pass 2's map: its tasks name their finishes
            spy.keys |= {str(f.key) for f in futures}
        return futures

    before = {w: len(t) for w, t in _transfers(client).items()}
    ran = client.run(lambda dask_worker: dask_worker.state.executed_count)
    try:
        with monkeypatch.context() as m:
            m.setattr(_parallel, "_planned", lambda _cluster, weights: {holder: list(range(len(weights)))})
            m.setattr(client, "map", map_)
            there = load(SAMPLE_LOGS / name, client=client)
    finally:
        scheduler.remove_plugin(name="queued-spy")
    assert there.events == here.events and there.migrations == here.migrations
    # the hosts' latest times as a mapping: the workers' drop adds its hosts after the Keeper's (main did so too)
    assert there.stats == here.stats and there.warnings == here.warnings and there.last_seen == here.last_seen
    assert spy.keys and spy.keys & spy.queued  # pass 2's tasks waited in the scheduler's queue, like pass 1's
    # the worker holding no finish ran tasks too: it fetched their finishes from the holder
    assert client.run(lambda dask_worker: dask_worker.state.executed_count)[other] > ran[other]
    assert len(_transfers(client)[holder]) > before[holder]


@pytest.mark.parametrize("name", ALL_SETS)
def test_a_cluster_loads_each_sample_set_as_one_process_does(client: Any, name: str) -> None:
    here = load(SAMPLE_LOGS / name, jobs=1)
    there = load(SAMPLE_LOGS / name, client=client)
    assert there.events == here.events and there.migrations == here.migrations
    assert there.stats == here.stats and there.warnings == here.warnings and there.last_seen == here.last_seen
