"""A Dask read sends the terms its inputs share once to each worker; each task carries its own windows, as bytes.

On a real LocalCluster (two worker processes): pass 2's terms were sent inside every task
(~60 KB of sets and window tuples a task on 100 hosts), which the scheduler unpickled, pickled
again for the worker, and the worker unpickled, while the workers read.  Now the shared part
(`WindowedTerms.shared`) is scattered to every worker once per read and each task names it by
its future, with its own file's windows packed (`WindowedTerms.windows_of`).  The load gives
what `-j 1` gives.  Skipped, saying why, without the `dask` extra; never skipped in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from migtrace import load
from migtrace.pipeline import Analysis
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()

#: the columns of a load's `client.map` (`call_sealed`: the sealed call, terms, finish, windows, code key)
TERMS, WINDOWS = 1, 3


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with every_file_to_the_pool(), local_cluster_client() as c:
        yield c


def _same(one: Analysis, other: Analysis) -> None:
    assert one.migrations and other.migrations == one.migrations
    assert other.events == one.events and other.stats == one.stats and other.warnings == one.warnings
    assert other == one


@pytest.mark.parametrize("name", ["queens-files", "devstack-2024.1"])
def test_shared_terms_go_once_to_every_worker_and_each_task_its_windows_as_bytes(
        client: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from distributed import Future

    maps: list[tuple[list[Any], ...]] = []
    sent: list[tuple[str, list[str]]] = []
    real_map, real_scatter = client.map, client.scatter

    def scatter(data: Any, **kwargs: Any) -> Any:
        futures = real_scatter(data, **kwargs)
        if kwargs.get("broadcast"):
            held = client.who_has(futures)
            sent.extend((type(x).__name__, sorted(held[f.key])) for x, f in zip(data, futures, strict=True))
        return futures

    def map_(func: Any, *columns: Any, **kwargs: Any) -> Any:
        maps.append(tuple(list(c) for c in columns))
        return real_map(func, *columns, **kwargs)

    monkeypatch.setattr(client, "scatter", scatter)
    monkeypatch.setattr(client, "map", map_)
    there = load(SAMPLE_LOGS / name, client=client)
    monkeypatch.undo()
    _same(load(SAMPLE_LOGS / name, jobs=1), there)
    workers = sorted(client.nthreads())
    assert len(maps) >= 2 and len(sent) == len(maps)  # every read: its terms scattered once
    # asked to go to every worker (`broadcast=True`, the filter above); distributed replicates to the workers
    # it counts as running at that moment: one run of the suite under load saw a copy on one worker only,
    # which a task elsewhere then fetches as its dependency (outputs the same, checked above)
    assert all(held and set(held) <= set(workers) for _, held in sent)
    assert any(kind == "WindowedTerms" for kind, _ in sent)
    for columns in maps:
        assert all(isinstance(t, Future) for t in columns[TERMS])  # no terms inside a task
        assert len({t.key for t in columns[TERMS]}) == 1
        assert all(w is None or type(w) is bytes for w in columns[WINDOWS])
        assert not any(isinstance(arg, frozenset) for column in columns for arg in column)
        assert all(type(sealed) is bytes for sealed in columns[0])  # the item and options sealed (`_sealed`)
    assert any(w is not None for columns in maps for w in columns[WINDOWS])  # pass 2's windows travelled
