"""A read hands its inputs out costliest first: estimated from a sample before the first read, measured after.

A small input whose every line holds a term costs a term-filtered read more
than a big one that is only scanned: sent last for its size, it ran alone at
the end of the pass.  On a real dask.distributed LocalCluster and on the local
pool: the order the tasks are submitted in, the order one worker runs them in,
what a load's later read learns from the earlier one (`learning_costs`), and
that the results still come back in input order, equal to a read here.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from migtrace._sealed import unseal
from migtrace.model import Terms
from migtrace.options import LoadOptions
from migtrace.sources import _parallel, open_inputs
from migtrace.sources._cost import costs, estimate, learn, learned, learning_costs
from migtrace.sources._discover import InputFile
from migtrace.sources._held import Held
from migtrace.sources._parallel import read_results, read_serially, shared_pool
from tests.conftest import every_file_to_the_pool, local_cluster_client, require_dask

TERM = "Starting live migration"
HIT = f"2024-05-14 08:03:12.712 1234 INFO nova.compute.manager [-] {TERM} of instance {'x' * 60}\n"
MISS = "2024-05-14 08:03:12.712 1234 INFO nova.compute.manager [-] a periodic task ran quietly\n"
TERMS = Terms(frozenset({TERM}))


def _write(path: Path, line: str, size: int) -> Path:
    path.write_text(line * (size // len(line) + 1))
    return path


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """A dense small input (every line a hit), a sparse big one (no hit) and a sparse middling one."""
    _write(tmp_path / "a-dense.log", HIT, 1_300_000)
    _write(tmp_path / "b-sparse-big.log", MISS, 3_000_000)
    _write(tmp_path / "c-sparse.log", MISS, 2_000_000)
    return tmp_path


def _item(path: Path) -> InputFile:
    return InputFile(path=str(path), display=str(path))


def test_the_estimate_weighs_the_records_the_terms_hit(logs: Path) -> None:
    dense, sparse = logs / "a-dense.log", logs / "b-sparse-big.log"
    dense_cost = estimate(_item(dense), dense.stat().st_size, TERMS)
    sparse_cost = estimate(_item(sparse), sparse.stat().st_size, TERMS)
    assert sparse_cost == sparse.stat().st_size  # nothing hit: its size
    assert dense_cost > 10 * dense.stat().st_size > sparse_cost


def test_the_estimate_is_the_size_where_there_is_nothing_to_weigh(logs: Path, tmp_path: Path) -> None:
    dense = logs / "a-dense.log"
    size = dense.stat().st_size
    assert estimate(_item(dense), size, frozenset()) == size  # a full read: every record parsed anyway
    assert estimate(_item(dense), size, Terms(frozenset(f"id-{k}" for k in range(2000)))) == size  # pass 2's ids
    packed = tmp_path / "dense.log.gz"
    packed.write_bytes(gzip.compress(dense.read_bytes()))
    assert estimate(_item(packed), size, TERMS) == size  # compressed: not sampled
    small = _write(tmp_path / "small.log", HIT, 10_000)
    assert estimate(_item(small), 10_000, TERMS) == 10_000
    gone = tmp_path / "gone.log"
    assert estimate(_item(gone), size, TERMS) == size  # the worker says it cannot be read, not this


def test_the_python_engine_samples_less_but_weighs_alike(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dense = logs / "a-dense.log"
    fast = estimate(_item(dense), dense.stat().st_size, TERMS)
    monkeypatch.setenv("MIGTRACE_SCAN_ENGINE", "python")
    slow = estimate(_item(dense), dense.stat().st_size, TERMS)
    assert slow == pytest.approx(fast, rel=0.05)


def test_measured_costs_are_kept_inside_a_block_only() -> None:
    learn("x.log", 1.5)
    assert learned("x.log") is None  # outside a block: nothing kept
    with learning_costs():
        learn("x.log", 1.5)
        learn("y.log", None)  # not measured: nothing to keep
        with learning_costs():  # nested: the outer block's
            assert learned("x.log") == 1.5
        assert learned("x.log") == 1.5 and learned("y.log") is None
    assert learned("x.log") is None


def test_measured_costs_rank_before_estimates(logs: Path) -> None:
    items = [_item(logs / n) for n in ("a-dense.log", "b-sparse-big.log", "c-sparse.log")]
    sizes = [os.path.getsize(i.path) for i in items]
    with learning_costs():
        learn(items[0].display, 0.01)
        learn(items[1].display, 0.5)
        learn(items[2].display, 0.2)
        assert costs(items, sizes, [TERMS] * 3) == [0.01, 0.5, 0.2]
    with learning_costs():  # one input new to the block: its estimate in the measured ones' seconds
        learn(items[1].display, 0.3)
        got = costs(items, sizes, [TERMS] * 3)
        assert got[1] == 0.3 and got[0] > got[1] > got[2] > 0


def _submitted_to(client: Any, submitted: list[str]) -> Any:
    real_map = client.map

    def map_(func: Any, *args: Any, **kwargs: Any) -> Any:
        submitted.extend(Path(unseal(sealed)[1][0].path).name for sealed in args[0])  # (`_read_sent`, (item, …))
        return real_map(func, *args, **kwargs)
    return map_


def _readers(logs: Path, options: LoadOptions) -> list[Any]:
    return open_inputs([str(logs)], options, print, TERMS)


def _same_as_here(got: list[Any] | None, logs: Path) -> None:
    here = read_serially(_readers(logs, LoadOptions()))
    assert got is not None and [r.stats for r in got] == [r.stats for r in here]  # input order, same accounting
    assert [[e for p in r.packs for e in _parallel._unpack(p)] for r in got] == \
        [[e for p in r.packs for e in _parallel._unpack(p)] for r in here]


@pytest.fixture(scope="module")
def one_worker() -> Iterator[Any]:
    require_dask()
    with every_file_to_the_pool(), local_cluster_client(workers=1) as c:
        yield c


def test_a_cluster_runs_the_dense_input_first_and_learns_what_each_cost(one_worker: Any, logs: Path) -> None:
    client = one_worker
    submitted: list[str] = []
    client.map = _submitted_to(client, submitted)
    sizes = {str(p): p.stat().st_size for p in logs.iterdir()}
    done: list[int] = []
    try:
        with learning_costs():
            readers = _readers(logs, LoadOptions(client=client))
            got = read_results(readers, lambda d, _total: done.append(d))
            seconds = {r.item.display: learned(r.item.display) for r in readers}
            # the next read of the same inputs: ordered by what each cost (here made to reverse the first order)
            for name, cost in zip(sorted(sizes), (0.1, 0.3, 0.2), strict=True):
                learn(name, cost)
            again = read_results(_readers(logs, LoadOptions(client=client)))
    finally:
        del client.map
    assert submitted[:3] == ["a-dense.log", "b-sparse-big.log", "c-sparse.log"]
    assert submitted[3:] == ["b-sparse-big.log", "c-sparse.log", "a-dense.log"]
    # one single-threaded worker runs the tasks one after the other, in the order submitted: the first
    # result done is the dense input's, then the big one's
    firsts = [done[0], done[1] - done[0]]
    assert firsts == [sizes[str(logs / "a-dense.log")], sizes[str(logs / "b-sparse-big.log")]]
    assert all(s is not None and s >= 0 for s in seconds.values())  # each worker read measured
    _same_as_here(got, logs)
    _same_as_here(again, logs)


def test_the_local_pool_hands_out_the_dense_input_first(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    submitted: list[str] = []
    real_submit = ProcessPoolExecutor.submit

    def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        submitted.append(Path(args[0].path).name)
        return real_submit(self, fn, *args, **kwargs)
    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    with every_file_to_the_pool(), shared_pool(), learning_costs():
        readers = _readers(logs, LoadOptions(jobs=2))
        got = read_results(readers)
        first = {r.item.display: learned(r.item.display) for r in readers}
        learn(str(logs / "c-sparse.log"), 9.0)  # measured costliest: first next time
        again = read_results(_readers(logs, LoadOptions(jobs=2)))
    assert submitted[:3] == ["a-dense.log", "b-sparse-big.log", "c-sparse.log"]
    assert submitted[3] == "c-sparse.log"
    assert all(s is not None for s in first.values())
    _same_as_here(got, logs)
    _same_as_here(again, logs)



@pytest.fixture(scope="module")
def two_workers() -> Iterator[Any]:
    require_dask()
    with local_cluster_client(workers=2) as c:
        yield c


def test_each_finish_is_placed_by_a_longest_first_plan(two_workers: Any) -> None:
    # each finish goes where its task most likely runs (the scheduler hands the queued tasks out costliest
    # first): the plan gives the costliest its own worker and the rest to the other
    client = two_workers
    cluster = _parallel._Cluster(client, False, True, set(client.nthreads()))
    costs = [5.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    calls = [(InputFile(f"{k}.log", f"{k}.log"), {}, frozenset(), None, None, None, f"finish {k}")
             for k in range(len(costs))]
    out, held = _parallel._scattered(cluster, calls, costs)
    holders = client.who_has(held)
    where = [holders[future.key][0] for future in held]
    assert len(set(where)) == 2
    assert where[1:] == [where[1]] * 5 and where[0] != where[1]
    assert client.gather(held) == [f"finish {k}" for k in range(len(costs))]
    # each task names its finish (`_held.Held`): the key, where it went, its input; no shared part to join
    assert [call[6] for call in out] == [Held(f.key, w, f"{k}.log") for k, (f, w) in enumerate(zip(held, where, strict=True))]
    assert [call[:6] for call in out] == [call[:6] for call in calls]
    nothing = [(*call[:6], None) for call in calls]
    assert _parallel._scattered(cluster, nothing, costs) == (nothing, [None] * len(calls))  # the calls as they were


def test_a_finish_whose_planned_worker_is_gone_goes_anywhere(two_workers: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    client = two_workers
    cluster = _parallel._Cluster(client, False, True, set(client.nthreads()))
    monkeypatch.setattr(_parallel, "REACH_TIMEOUT_S", 0.5)
    monkeypatch.setattr(_parallel, "_planned", lambda _cluster, weights: {"tcp://127.0.0.1:9": [0, 1]})
    calls = [(InputFile(f"{k}.log", f"{k}.log"), {}, frozenset(), None, None, None, f"finish {k}") for k in range(2)]
    out, held = _parallel._scattered(cluster, calls, [1.0, 2.0])
    holders = client.who_has(held)
    assert all(holders[future.key][0] in client.nthreads() for future in held)
    assert client.gather(held) == ["finish 0", "finish 1"]
    assert all(call[6].holder is None for call in out)  # where distributed chose: the worker asks who holds it
