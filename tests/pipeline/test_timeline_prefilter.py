"""`timeline`'s related pass lets go, while it streams, the records whose fate is already known.

`_keep.Prefilter` stands before the split of the related pass into main and
evidence records (`_load._read_split`): a record is let go only when it is
certainly a main record (plain oslo text, a host, no evidence text) that the
Keeper would not keep (no per-record rule, no request that opened a move
before it); its time is still the host's last sign of life.  On a 1 GiB set
this was 0.5 M records of a periodic task's context (410 MB → 120 MB with
`MIGTRACE_ONE_READ=0`, benchmarks/README.md "Memory (i13u)").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import cli
from migtrace.correlate.markers import load_markers
from migtrace.correlate.skew import evidence_texts
from migtrace.model import Event
from migtrace.pipeline._keep import Keeper, Prefilter

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
REQ = "req-0a0a0a0a-1111-4222-8333-444444444444"
CONTEXT = "req-77777777-1111-4222-8333-444444444444"


def _event(message: str, *, seconds: float = 0, request_id: str | None = CONTEXT, host: str | None = "compute-1",
           service: str = "n-cpu", level: str = "DEBUG", fmt: str = "oslo", instance: str | None = None) -> Event:
    t = T0 + timedelta(seconds=seconds)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=message, host=host,
                 service=service, level=level, logger="nova.compute.manager", request_id=request_id,
                 instance=instance, source="nova-compute.log", lineno=1, fmt=fmt)


@pytest.fixture
def lean() -> Prefilter:
    return Prefilter(Keeper(load_markers()), [evidence_texts()])


def test_a_periodic_task_record_is_let_go_and_its_time_noted(lean: Prefilter) -> None:
    assert not lean(_event("Running periodic task ComputeManager._check_instance_build_time", seconds=7))
    assert lean.last_seen == {"compute-1": T0 + timedelta(seconds=7)}
    seen = {"compute-1": T0}
    lean.merge_into(seen)
    assert seen == {"compute-1": T0 + timedelta(seconds=7)}


def test_records_whose_fate_is_not_known_yet_are_held(lean: Prefilter) -> None:
    periodic = "Running periodic task ComputeManager._check_instance_build_time"
    assert lean(_event(periodic, host=None))  # the Keeper counts self-naming lines of host-less records
    assert lean(_event(periodic, fmt="journal-text"))  # not plain oslo text: its lines may hold more
    assert lean(_event("Claim successful on node compute-2"))  # an evidence text: maybe not a main record
    assert lean(_event("VM Paused (Lifecycle Event)", instance="11111111-2222-4333-8444-555555555555"))
    assert not lean.last_seen


def test_a_request_that_opened_a_move_keeps_its_later_records(lean: Prefilter) -> None:
    plain = "Running periodic task ComputeManager._check_instance_build_time"
    assert not lean(_event(plain, request_id=REQ, seconds=1))  # before the move opened: the Keeper drops it too
    opening = _event('Action: \'action\', calling method: ..., body: {"os-migrateLive": {"host": null}}',
                     request_id=REQ, service="n-api", level="INFO", seconds=2)
    assert lean.keeper.markers.starts_request(opening)
    assert lean(opening)
    assert lean(_event(plain, request_id=REQ, seconds=3))


def _timeline(ident: str, path: Path, monkeypatch: pytest.MonkeyPatch, one_read: str) -> str:
    monkeypatch.setenv("MIGTRACE_ONE_READ", one_read)
    result = CliRunner().invoke(cli, ["timeline", ident, "--no-cache", "-j", "1", "-q", str(path)])
    return f"{result.exit_code}\n{result.output}"


def test_timeline_is_the_same_through_both_read_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prefilter stands in the two-pass read (`MIGTRACE_ONE_READ=0`) and after the one read alike."""
    path = ROOT / "sample_logs" / "kilo-files"
    listed = CliRunner().invoke(cli, ["list", "-f", "json", "--no-cache", "-j", "1", "-q", str(path)])
    ident = json.loads(listed.output)[0]["instance"]
    assert _timeline(ident, path, monkeypatch, "0") == _timeline(ident, path, monkeypatch, "1")
