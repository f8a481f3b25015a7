"""A task's per-input `Finish` left on the cluster: the task names it, the worker that runs the task fetches it.

A later pass's finish of an input carries that input's records of an earlier
pass (pipeline/_drop.py: megabytes over a big set).  Sent inside the task
graph it went through the scheduler; scattered and given to the task as a
future, it made the task depend on data held by one worker, and
distributed runs such a task there, never queued: pass 2's tasks were split
between the workers in advance by a guess of their costs, and the worker
whose guess ran short sat idle while the other still had tasks to run.

So a cluster task carries a `Held`: the key of its scattered finish and the
worker it was sent to, not the future.  Its only dependencies are the
parts every task of the read shares (the terms, the finishes' shared part:
on every worker), so the scheduler queues the tasks and hands each to the
next worker that frees up, costliest first, like the pass's first read.  The
worker resolves its task's finish (`fetching`) while it reads the input:
from its own memory when the finish was sent there (the client places each
where a longest-first plan says the task will most likely run), else from
the worker holding it, one direct transfer.  The client holds each finish
until its task's result is taken, then lets it go.

A finish that no worker holds any more (its worker left the cluster) is a
`SourceError` naming the input, not a wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from migtrace.errors import SourceError

if TYPE_CHECKING:  # asyncio is imported on the workers only: a warm local command never needs it
    from concurrent.futures import Future as ConcurrentFuture


class Splits(Protocol):
    """A finish with a part every input's finish of a read shares: that part travels once to each worker.

    (pipeline/_drop.py's `JoinDrop`: the moves' ids, ~20 kB pickled, were inside each of 102 finishes.)
    """

    def split_shared(self) -> tuple[Whole, Any]:
        """This finish without the shared part, and that part (one object for all the read's finishes)."""


class Whole(Protocol):
    """A finish without its shared part (`Splits.split_shared`), as it is scattered."""

    def whole(self, shared: Any) -> Any:
        """The finish again, given the shared part (a picklable `sources._parallel.Finish`)."""


class Held(NamedTuple):
    """A task's finish as the task carries it on a cluster: where the client scattered it.

    A named tuple because distributed looks into tuples for futures: `shared` is the future of
    the part every finish of the read shares when the task is sent, and that part's value when
    it runs (the task depends on it: the scheduler has it on the worker first).
    """

    #: the scattered finish's key (the client holds its future until the task's result is taken)
    key: str
    #: the worker it was sent to, or None: sent wherever distributed chose
    holder: str | None
    #: the input's name, for the error when the finish is lost
    input: str
    #: the finishes' shared part (`Splits.split_shared`) the finish is made whole with, or None: it travelled whole
    shared: Any = None


def fetching(held: Held) -> ConcurrentFuture[Any]:
    """Start fetching the task's finish on this worker's event loop (called in a task, on the worker).

    The task's thread goes on reading its input meanwhile; a finish in this worker's own
    memory is there at once, else it is fetched from the worker that holds it (as
    distributed's own transfers are: `gather_from_workers`), asking the scheduler who holds
    it when the client's holder does not (it may have moved).  The thread waits on the
    result only once the input is read (`finish_of`); the event loop never waits on it.
    """
    import asyncio  # noqa: PLC0415 - see TYPE_CHECKING

    from distributed import get_worker  # noqa: PLC0415 - the dask extra: a cluster task runs this
    from distributed.utils_comm import gather_from_workers  # noqa: PLC0415 - idem

    worker = get_worker()

    async def fetch() -> tuple[bool, Any]:
        if held.key in worker.data:
            return True, worker.data[held.key]
        tried: set[str] = set()
        asked = {held.key: [held.holder]} if held.holder is not None else None
        for _ in range(2):
            if asked is None:  # who holds it now, as the scheduler knows
                asked = await worker.scheduler.who_has(keys=[held.key])
            holders = [w for w in asked.get(held.key, ()) if w not in tried and w != worker.address]
            if holders:
                tried.update(holders)
                got, *_ = await gather_from_workers({held.key: holders}, worker.rpc, who=worker.address)
                if held.key in got:
                    return True, got[held.key]
            asked = None
        return False, sorted(tried)

    loop: Any = worker.loop  # tornado's loop over asyncio's
    return asyncio.run_coroutine_threadsafe(fetch(), loop.asyncio_loop)


def finish_of(held: Held, fetched: ConcurrentFuture[Any]) -> Any:
    """The task's finish once fetched (made whole with the shared part); a `SourceError` when no worker holds it."""
    found, value = fetched.result()
    if not found:
        where = f"worker {held.holder}" if held.holder is not None else "a worker"
        tried = f" (asked {', '.join(value)})" if value else ""
        raise SourceError(held.input, f"the earlier pass's records of this input, sent to {where}, are on no "
                                      f"worker now{tried}: a worker left the cluster during the read; run it again")
    return value if held.shared is None else value.whole(held.shared)
