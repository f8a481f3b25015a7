"""A Dask task whose callable and main arguments the scheduler never has to import (`call_sealed`).

A distributed scheduler unpickles every graph it is sent, and with it imports
the module of each object the graph names: a load's first read named
`sources._parallel.read_input`, its inputs' `InputFile`s and the pipeline's
note and summary functions, so a fresh scheduler imported ~70 of migtrace's
modules (0.16-0.22 CPU s) in its event loop, between the client's submission
and the first task reaching a worker, on the cores the workers read on.  A
task is instead `call_sealed(sealed, *rest)`: this module (which imports
nothing of migtrace) by name, the call's function and main arguments as
pickled bytes, opened on the worker that runs it; `rest` holds what the
scheduler must see (the futures the task depends on) and plain values.
The same sealing keeps the import of migtrace out of a worker's event loop
when the client runs a function there (`call_sealed_aside`).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any


def seal(function: Callable[..., Any], *head: Any) -> bytes:
    """`function` and its first arguments as bytes (`call_sealed` runs `function(*head, *rest)` on the worker).

    Everything sealed must be picklable by reference on the worker (module-level
    functions, dataclasses); a future must not be sealed: the scheduler would not
    see the task depend on it.
    """
    return pickle.dumps((function, head), protocol=pickle.HIGHEST_PROTOCOL)


def unseal(sealed: bytes) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """A `seal`ed call's function and first arguments (our own client's bytes, never data)."""
    function, head = pickle.loads(sealed)
    return function, head


def call_sealed(sealed: bytes, *rest: Any) -> Any:
    """Open a `seal`ed call and run it with `rest` after its sealed arguments (on the worker: a task's callable)."""
    function, head = unseal(sealed)
    return function(*head, *rest)


async def call_sealed_aside(sealed: bytes) -> Any:
    """`call_sealed` in a thread of its own: for `client.run`, which runs a plain function in the worker's event loop.

    The workers' code check (`_parallel.check_workers`) is the first thing a load runs on each
    worker, and the first to import migtrace's readers there (0.2-0.3 s): run in the event loop,
    it held up the load's first scatter and tasks, which the worker could not take meanwhile.
    """
    import asyncio  # noqa: PLC0415 - a worker's only: a local read's process starts without it

    return await asyncio.to_thread(call_sealed, sealed)
