"""On a real dask.distributed LocalCluster (two worker processes on loopback) a load gives what a local
read gives: through a `distributed.Client`, through `--scheduler ADDRESS`, and with a `file://` URL input
the workers open themselves.  Skipped, saying why, without the `dask` extra; never skipped in CI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from migtrace import load
from migtrace.pipeline import Analysis
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool, local_cluster_client, require_dask

require_dask()

SETS = ("queens-files", "devstack-2024.1")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded worker processes on loopback; every regular file is sent to them."""
    with every_file_to_the_pool(), local_cluster_client() as c:
        yield c


def _same(one: Analysis, other: Analysis) -> None:
    assert one.events and one.migrations
    assert other.events == one.events
    assert other.migrations == one.migrations
    assert other.stats == one.stats
    assert other.warnings == one.warnings
    assert list(other.last_seen.items()) == list(one.last_seen.items())


@pytest.mark.parametrize("name", SETS)
def test_a_cluster_reads_what_one_process_reads(client: Any, name: str) -> None:
    here = load(SAMPLE_LOGS / name, jobs=1, diagnose=False)
    before = _executed(client)
    there = load(SAMPLE_LOGS / name, client=client, diagnose=False)
    _same(here, there)
    assert _executed(client) > before  # the workers did the reading


def _executed(client: Any) -> int:
    """How many tasks the cluster's workers have run so far."""
    return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


def test_file_urls_are_opened_by_the_workers(client: Any) -> None:
    root = SAMPLE_LOGS / "queens-files"
    files = sorted(p for p in root.rglob("*.log"))
    here = load(*files, jobs=1, diagnose=False)
    there = load(*(p.as_uri() for p in files), client=client, diagnose=False)
    # the inputs are named as given (URLs); everything read from them is the same
    uri = {str(p): p.as_uri() for p in files}
    assert [s.path for s in there.stats] == [uri[s.path] for s in here.stats]
    assert [(s.host, s.service, s.fmt, s.lines_read, s.records) for s in there.stats] == \
        [(s.host, s.service, s.fmt, s.lines_read, s.records) for s in here.stats]
    assert [e.replace(source=uri[e.source]) for e in here.events] == list(there.events)
    assert here.migrations and [_story(m) for m in here.migrations] == [_story(m) for m in there.migrations]
    assert load(*(p.as_uri() for p in files), jobs=1, diagnose=False) == there  # fsspec in this process too


def _story(m: Any) -> tuple[object, ...]:
    return (m.id, m.kind, m.instance, m.status, m.started, m.ended, m.source_host, m.dest_host, m.request_ids,
            m.downtime_s, [(p.name, p.started, p.ended, p.hosts, p.outcome) for p in m.phases], [e.message for e in m.events])


def test_cli_scheduler_from_the_environment(client: Any, cli: Callable[..., Result],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """$MIGTRACE_SCHEDULER is the --scheduler option's default: one run covers both spellings."""
    local = cli("list", "-f", "json", "-j", "1", str(SAMPLE_LOGS / "queens-files"))
    monkeypatch.setenv("MIGTRACE_SCHEDULER", client.scheduler.address)
    before = _executed(client)
    # --no-cache: the local run filled the on-disk index, which would spare the cluster the read
    remote = cli("list", "-f", "json", "--no-cache", str(SAMPLE_LOGS / "queens-files"))
    assert local.exit_code == remote.exit_code == 0
    assert json.loads(local.stdout) and remote.stdout == local.stdout
    assert _executed(client) > before


def test_relative_paths_are_the_clients(client: Any, cli: Callable[..., Result], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`cd incident && migtrace list --scheduler ADDR logs/`: a worker has a working directory of its own, so
    it is sent each input by its absolute path; `--tz PATH=ZONE` still names the path as the user typed it."""
    shutil.copytree(SAMPLE_LOGS / "queens-files", tmp_path / "logs")
    monkeypatch.chdir(tmp_path)
    args = ("list", "-f", "json", "--no-cache", "--tz", "logs/compute2=Europe/Paris", "logs")
    local = cli(*args, "-j", "1")
    before = _executed(client)
    remote = cli(*args, "--scheduler", client.scheduler.address)
    assert local.exit_code == remote.exit_code == 0, remote.stderr
    assert json.loads(local.stdout) and remote.stdout == local.stdout
    assert remote.stderr == local.stderr
    assert _executed(client) > before
    assert cli(*args[:-3], "logs", "-j", "1").stdout != local.stdout  # the zone named by a relative path counts
