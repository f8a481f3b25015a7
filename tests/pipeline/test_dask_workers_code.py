"""A cluster whose workers run another migtrace than the client's is refused with one line, never read on.

On a real LocalCluster: a worker's code key (`_parallel.code_key`) is made to
differ, as after a rolling upgrade that left it behind, and the load names the
scheduler and the worker and stops (exit code 2 at the CLI) instead of reading
with code that may pack, note or rule otherwise (such a mix was seen to hang).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from migtrace import load
from migtrace.errors import SourceError
from migtrace.options import LoadOptions
from migtrace.sources import _parallel, open_inputs
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with every_file_to_the_pool(), local_cluster_client(workers=1) as c:
        yield c


def _set_key(key: str | None) -> None:
    """On a worker: take `key` as its code key (None: work it out again from its files)."""
    _parallel._CODE_KEY = key


def test_the_same_code_is_read_on(client: Any) -> None:
    assert set(client.run(_parallel.code_key).values()) == {_parallel.code_key()}
    assert load(SAMPLE_LOGS / "queens-files", client=client, diagnose=False).migrations


def _count_reads() -> None:
    """On a worker: count the inputs its reads open (`FileReader.events`) in `_OPENED`."""
    from migtrace.sources._reader import FileReader

    events = FileReader.events

    def counting(self: FileReader) -> Any:
        _OPENED.append(self.item.display)
        return events(self)

    FileReader.events = counting  # type: ignore[method-assign]


_OPENED: list[str] = []


def _opened() -> int:
    return len(_OPENED)


def test_a_worker_on_other_code_is_named_and_nothing_is_read(client: Any) -> None:
    """The check runs beside the load's first tasks (`_parallel._checking`): each task carries the client's
    code key, and a worker on other code reads nothing with it; the load stops before it takes any result."""
    client.run(_count_reads)
    fetched: list[str] = []
    real = client.gather

    def gather(*args: Any, **kwargs: Any) -> Any:
        fetched.append("gather")
        return real(*args, **kwargs)

    client.run(_set_key, "0.0.9 (000000000000)")
    client.gather = gather
    try:
        with pytest.raises(SourceError) as caught:
            load(SAMPLE_LOGS / "queens-files", client=client, diagnose=False)
        message = str(caught.value)
        assert message.startswith(f"scheduler {client.scheduler.address}: worker ")
        assert "runs migtrace 0.0.9 (000000000000), this client " + _parallel.code_key() in message
        assert "\n" not in message
        assert fetched == []  # no result taken
        assert set(client.run(_opened).values()) == {0}  # no input opened on the worker
    finally:
        del client.gather
        client.run(_set_key, None)
    assert set(client.run(_parallel.code_key).values()) == {_parallel.code_key()}
    assert load(SAMPLE_LOGS / "queens-files", client=client, diagnose=False).migrations
    assert min(client.run(_opened).values()) > 0  # and reads again once the code is the same


def test_a_task_sent_to_a_worker_on_other_code_reads_nothing(client: Any, tmp_path: Any) -> None:
    log = tmp_path / "nova-compute.log"
    log.write_text("2024-03-01 12:00:00.000 7 INFO nova.compute.manager [-] hello\n", encoding="utf-8")
    (item,) = [r.item for r in open_inputs([str(log)], LoadOptions(), print)]
    client.run(_set_key, "0.0.9 (000000000000)")
    try:
        task = client.submit(_parallel.read_input, item, _parallel.portable(LoadOptions()), frozenset(),
                             code=_parallel.code_key(), pure=False)
        with pytest.raises(SourceError, match=r"runs migtrace 0\.0\.9 .*: not read"):
            task.result()
    finally:
        client.run(_set_key, None)
    assert client.submit(_parallel.read_input, item, _parallel.portable(LoadOptions()), frozenset(),
                         code=_parallel.code_key(), pure=False).result().stats.records == 1


def test_the_cli_says_it_in_one_line_with_exit_code_2(client: Any) -> None:
    client.run(_set_key, "0.0.9 (000000000000)")
    try:
        done = subprocess.run([sys.executable, "-m", "migtrace", "list", "--no-cache", "--scheduler",
                               client.scheduler.address, str(SAMPLE_LOGS / "queens-files")],
                              check=False, capture_output=True, text=True, timeout=120)
    finally:
        client.run(_set_key, None)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "runs migtrace 0.0.9 (000000000000)" in lines[0], done.stderr


def test_the_key_is_of_the_files_relative_to_each_package() -> None:
    """An editable checkout and a wheel of the same code agree: no absolute path enters the key."""
    key = _parallel.code_key()
    assert key.startswith(__import__("migtrace").__version__ + " (")
    assert os.getcwd() not in key and len(key.split("(")[1].rstrip(")")) == 12
