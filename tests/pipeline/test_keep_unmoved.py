"""A selective read drops the records of instances that never moved, and every output stays the same.

`_keep.Unmoved` drops, of what the Keeper keeps, the records no move,
finding or clock needs; `MIGTRACE_KEEP_UNMOVED=1` keeps them (the read
before).  The sample sets whose inputs are plain oslo text with known hosts
(kilo-files, zed-mixed) drop records; their `list`/`diagnose` JSON must be
byte-identical either way.  The unit tests pin each rule of `Unmoved.needed`
and the tallies that stand in for what a dropped record still says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import cli
from migtrace.correlate.skew import _reference
from migtrace.diagnose.catalog import load_catalog
from migtrace.diagnose.orphans import orphan_test
from migtrace.model import Event, Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._keep import Unmoved

ROOT = Path(__file__).resolve().parents[2]
DROPPING_SETS = ("kilo-files", "zed-mixed")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
MOVED = "11111111-2222-4333-8444-555555555555"
STILL = "99999999-8888-4777-8666-555555555555"
MOVE_REQ = "req-0a0a0a0a-1111-4222-8333-444444444444"


def _event(message: str, *, level: str = "INFO", instance: str | None = None, request_id: str | None = None,
           host: str | None = "compute-1", service: str = "n-cpu", seconds: float = 0) -> Event:
    t = T0 + timedelta(seconds=seconds)
    return Event(time=t, time_text=t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], message=message, host=host,
                 service=service, level=level, logger="nova.compute.manager", instance=instance,
                 request_id=request_id, source="nova-compute.log", lineno=1)


@pytest.fixture(scope="module")
def unmoved_rules() -> Unmoved:
    return Unmoved({MOVED, MOVE_REQ}, set(), orphan_test(load_catalog(())))


def test_records_of_moves_are_kept(unmoved_rules: Unmoved) -> None:
    assert unmoved_rules.needed(_event("VM Paused (Lifecycle Event)", instance=MOVED))
    assert unmoved_rules.needed(_event("Claim successful", request_id=MOVE_REQ, instance=STILL))
    # the instance named only in the text (correlate reads `instances: ['…']`)
    assert unmoved_rules.needed(_event(f"Starting to schedule for instances: ['{MOVED}']", service="n-sch"))
    # a record without a host: `_hosts` may learn the input's host from it
    assert unmoved_rules.needed(_event("VM Paused (Lifecycle Event)", instance=STILL, host=None))
    assert not unmoved_rules.dropped


def test_an_unmoved_instance_lifecycle_record_is_dropped_and_tallied() -> None:
    rules = Unmoved({MOVED}, set(), orphan_test(load_catalog(())))
    assert not rules.needed(_event("VM Paused (Lifecycle Event)", instance=STILL, seconds=5,
                                   request_id="req-77777777-1111-4222-8333-444444444444"))
    assert not rules.needed(_event("Filter RetryFilter returned 4 host(s)", host="ctl", service="n-sch",
                                   level="DEBUG", seconds=9))
    assert rules.dropped == 2
    assert rules.instances == {STILL}
    assert rules.requests == {"req-77777777-1111-4222-8333-444444444444"}
    assert rules.latest == {"compute-1": T0 + timedelta(seconds=5), "ctl": T0 + timedelta(seconds=9)}
    assert rules.reference_counts == {("n-sch", "ctl"): 1}


def test_what_a_finding_or_a_clock_needs_is_kept(unmoved_rules: Unmoved) -> None:
    failure = _event("Instance failed to spawn: libvirt.libvirtError: internal error", level="ERROR",
                     instance=STILL)
    assert unmoved_rules.needed(failure)  # an unrecognised failure outside every move: an orphan finding
    # a record of a migration (its uuid next to the word): joined by the migration's uuid
    assert unmoved_rules.needed(_event(f"Migration {STILL} is finished", instance=None))
    # a libvirt domain/uuid pair teaches correlate a domain name
    assert unmoved_rules.needed(_event(f"domain instance-0000000a has uuid {STILL}"))
    assert not unmoved_rules.dropped


def test_reference_counts_the_dropped_records() -> None:
    kept = [_event("GET /", host="api-1", service="n-api"), _event("GET /", host="api-2", service="n-api"),
            _event("GET /", host="api-2", service="n-api")]
    assert _reference(kept) == "api-2"
    assert _reference(kept, {("n-api", "api-1"): 2}) == "api-1"
    # conductor/scheduler counts matter only without any API record
    assert _reference(kept, {("n-sch", "api-1"): 9}) == "api-2"
    assert _reference([_event("x", host="c", service="n-cond")], {("n-sch", "s"): 2}) == "s"


def test_a_move_on_a_dropped_id_reads_again() -> None:
    rules = Unmoved({MOVED}, set(), orphan_test(load_catalog(())))
    assert not rules.needed(_event("VM Paused (Lifecycle Event)", instance=STILL))
    move = Migration(id="m", kind="live-migration", instance=STILL, status="completed", started=T0, ended=T0)
    other = Migration(id="n", kind="live-migration", instance=MOVED, status="completed", started=T0, ended=T0)
    assert not _load._unmoved_safe(rules, [move], [])
    assert _load._unmoved_safe(rules, [other], [])


def _outputs(name: str) -> list[str]:
    runner = CliRunner()
    out = []
    for command in (["list", "-f", "json"], ["diagnose", "-f", "json"]):
        result = runner.invoke(cli, [*command, "--no-cache", "-j", "1", "-q", str(ROOT / "sample_logs" / name)])
        out.append(f"{result.exit_code}\n{result.output}")
    return out


@pytest.mark.parametrize("name", DROPPING_SETS)
def test_outputs_identical_with_the_unmoved_records_kept(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = _outputs(name)
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1")
    assert _outputs(name) == dropped


@pytest.mark.parametrize("name", DROPPING_SETS)
def test_fewer_records_are_kept(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = [str(ROOT / "sample_logs" / name)]
    lean = _load.load(path, LoadOptions())
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1")
    full = _load.load(path, LoadOptions())
    assert len(lean.events) < len(full.events)
    moved = {m.instance for m in full.migrations}
    # every record the full read kept of a moved instance is still kept
    assert ({(e.source, e.lineno) for e in full.events if e.instance in moved}
            <= {(e.source, e.lineno) for e in lean.events})


def test_the_read_again_keeps_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a move is found on a dropped id, `load` reads again with nothing dropped: the full read's result."""
    path = [str(ROOT / "sample_logs" / "zed-mixed")]
    calls: list[bool] = []
    real = _load._unmoved_safe

    def unsafe(unmoved: Unmoved, migrations: object, events: object) -> bool:
        calls.append(real(unmoved, migrations, events))  # type: ignore[arg-type]
        return False
    monkeypatch.setattr(_load, "_unmoved_safe", unsafe)
    again = _load.load(path, LoadOptions())
    monkeypatch.setenv(_load.UNMOVED_VARIABLE, "1")
    full = _load.load(path, LoadOptions())
    assert calls == [True]  # one dropping read, judged unsafe here, then the read keeping everything
    assert len(again.events) == len(full.events)
    assert again.migrations == full.migrations and again.warnings == full.warnings
