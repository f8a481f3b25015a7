"""A load's tasks reach a cluster sealed (`migtrace._sealed`): its scheduler imports none of migtrace's readers.

A distributed scheduler unpickles every graph it takes; a task naming
`_parallel.read_input`, an `InputFile` and the pipeline's note and summary
functions made a fresh scheduler import ~70 modules of migtrace in its event
loop before the first task reached a worker.  Checked for real: a LocalCluster
whose scheduler runs in a fresh interpreter that never imported migtrace, and
the CLI (another process) reading a sample set on it, every file sent to the
workers; the scheduler's interpreter then holds `migtrace._sealed` and nothing
of the sources, parsers or pipeline, and the output is the one `-j 1` gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migtrace._sealed import call_sealed, call_sealed_aside, seal
from migtrace.sources import _parallel
from tests.conftest import SAMPLE_LOGS, local_cluster_client, require_dask

require_dask()

ROOT = Path(__file__).resolve().parents[2]

#: the client: the CLI with every regular file sent to the workers, however small (as `every_file_to_the_pool`)
_CLIENT = """
import sys
from migtrace.sources import _parallel
_parallel.MIN_WORKER_BYTES = 0
_parallel.MIN_POOL_BYTES = 0
from migtrace.cli import main
sys.argv = ["migtrace", *sys.argv[1:]]
main()
"""

#: the scheduler's host: a LocalCluster of 2 worker processes, the scheduler here; runs the client once and
#: says what the scheduler's interpreter imported of migtrace and how many tasks of each prefix it ran
_HOST = """
import json, subprocess, sys
from collections import Counter
from dask.utils import key_split
from distributed import LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

class Done(SchedulerPlugin):
    name = "count-done"
    def __init__(self):
        self.done = Counter()
    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory":
            self.done[key_split(key)] += 1

if __name__ == "__main__":
    client_code, *args = sys.argv[1:]
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        done = Done()
        cluster.scheduler.add_plugin(done)
        ran = subprocess.run([sys.executable, "-c", client_code, *args, "--scheduler", cluster.scheduler_address],
                             capture_output=True, text=True, timeout=240)
        print(json.dumps({"modules": sorted(m for m in sys.modules if m.split(".")[0] == "migtrace"),
                          "done": dict(done.done), "rc": ran.returncode, "out": ran.stdout, "err": ran.stderr}))
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migtrace", *args], capture_output=True, text=True, check=False,
                          cwd=ROOT, timeout=240)


@pytest.mark.parametrize("command", [["list", "-f", "json"], ["timeline", "req-a21a38c5"]])
def test_the_scheduler_takes_the_graphs_without_migtrace_readers(command: list[str]) -> None:
    paths = [str(SAMPLE_LOGS / "queens-files")]
    host = subprocess.run([sys.executable, "-c", _HOST, _CLIENT, *command, "--no-cache", *paths],
                          capture_output=True, text=True, check=True, cwd=ROOT, timeout=300)
    seen = json.loads(host.stdout.strip().splitlines()[-1])
    assert seen["rc"] == 0, seen["err"]
    assert seen["done"].get("call_sealed", 0) >= 2  # the inputs were read on the workers, sealed
    assert set(seen["modules"]) <= {"migtrace", "migtrace._version", "migtrace._sealed"}, seen["modules"]
    here = _cli(*command, "--no-cache", "-j", "1", *paths)
    assert here.returncode == 0, here.stderr
    assert seen["out"] == here.stdout


def _added(a: int, b: int) -> int:
    return a + b


def test_a_sealed_call_runs_its_function_with_the_sealed_and_the_given_arguments() -> None:
    assert call_sealed(seal(_added, 2), 3) == 5
    assert call_sealed(seal(divmod, 17, 5)) == (3, 2)
    with pytest.raises(ZeroDivisionError):  # the function's own error, as the unsealed call raises it
        call_sealed(seal(divmod, 1), 0)


#: on a worker: set by `_raise_flag`, which the worker can only run while its event loop is free
_FLAG = threading.Event()


def _wait_for_flag() -> bool:
    """On a worker: whether `_raise_flag` ran while this waited (a minute at most: never hang the suite)."""
    return _FLAG.wait(60)


def _raise_flag() -> None:
    _FLAG.set()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_cluster_client(workers=1) as c:
        yield c


def test_a_function_run_aside_leaves_the_worker_taking_requests(client: Any) -> None:
    """What the workers' code check runs there (`call_sealed_aside`) runs in a thread: the worker's event
    loop meanwhile takes other requests (the load's scatter and tasks); run in the loop, it would block them."""
    got: dict[str, Any] = {}
    waiting = threading.Thread(target=lambda: got.update(client.run(call_sealed_aside, seal(_wait_for_flag))))
    waiting.start()
    try:
        client.run(_raise_flag)  # handled by the worker's event loop while the aside call still waits
    finally:
        waiting.join()
    assert list(got.values()) == [True]


def test_the_code_check_answers_each_worker_s_key_through_the_aside_call(client: Any) -> None:
    assert _parallel.check_workers(client) == set(client.nthreads())
    assert client.run(call_sealed_aside, seal(_parallel.code_key)) == dict.fromkeys(client.nthreads(),
                                                                                    _parallel.code_key())


def test_the_readers_import_no_event_loop_machinery() -> None:
    """`_sealed` serves a cluster's client and workers: a local read's process imports no asyncio for it."""
    probe = "import sys, migtrace.sources._parallel; print(sorted({'asyncio', 'distributed'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                          timeout=120)
    assert done.stdout.strip() == "[]"


def _hide_sealed(hidden: bool) -> None:
    """On a worker: make `migtrace._sealed` unimportable (an older migtrace without it), or importable again."""
    if hidden:
        sys.modules["migtrace._sealed"] = None  # type: ignore[assignment]
    else:
        del sys.modules["migtrace._sealed"]


def test_a_worker_without_the_sealed_calls_is_refused_by_the_check_in_one_line(client: Any) -> None:
    from migtrace import load
    from migtrace.errors import SourceError

    client.run(_hide_sealed, True)
    try:
        with pytest.raises(SourceError) as caught:
            load(SAMPLE_LOGS / "queens-files", client=client, diagnose=False)
    finally:
        client.run(_hide_sealed, False)
    message = str(caught.value)
    assert message.startswith(f"scheduler {client.scheduler.address}: cannot ask the workers which migtrace they run")
    assert "migtrace._sealed" in message and "start the workers with the same migtrace" in message
    assert "\n" not in message
