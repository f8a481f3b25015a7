"""Issue 10 leftovers: downtime stated with its resolution, the revert's outage, failed auto-confirm, skew.

Small hand-written nova logs (the helpers of test_correlate), each loaded once per module.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migtrace import load
from migtrace.correlate._resolution import resolution
from migtrace.model import Migration
from migtrace.serialize import migration_detail
from tests.correlate.test_correlate import R1, live_migration, write_set

_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{3}", re.M)


def _whole_seconds(parts: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same logs with whole-second timestamps (a log format without milliseconds)."""
    return {name: [_FRACTION.sub(r"\1", line) for line in lines] for name, lines in parts.items()}


@pytest.mark.parametrize(("text", "step"), [
    ("2015-09-22 13:42:19.600", 0.001), ("May 14 08:12:05.200000", 1e-06), ("Jan 25 09:29:50", 1.0),
    ("2024-05-14T10:02:03+0000", 1.0), ("2024-05-14T10:02:03.5+05:30", 0.1), ("1715674325200000", 1e-06),
    ("2024-05-14 10:02:03,123", 0.001), ("2018-03-01 10:00:14", 1.0),
])
def test_resolution_of_logged_times(text: str, step: float) -> None:
    assert resolution(text) == pytest.approx(step)


@pytest.fixture(scope="module")
def whole_second_move(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    # pause at 10:00:14.000 on compute1, resume at 10:00:14.300 on compute2: the same second once truncated
    root = write_set(tmp_path_factory.mktemp("whole"), _whole_seconds(live_migration(R1, 0)))
    (m,) = load(str(root)).migrations
    return m


def test_downtime_within_one_second_of_whole_second_stamps_is_a_bound_never_zero(whole_second_move: Migration) -> None:
    m = whole_second_move
    assert m.downtime_s is None and m.downtime_resolution_s == 1.0
    # one step, plus the ± the two hosts' clocks leave (whole-second stamps bound them loosely too)
    assert m.downtime_below_s is not None and m.downtime_below_s >= 1.0
    why = m.why_unknown("downtime_s")
    assert why is not None and why.startswith(f"< {m.downtime_below_s:g} s (1 s resolution, clocks ±")
    detail = json.loads(json.dumps(migration_detail(m)))
    assert detail["downtime_s"] is None and detail["downtime_below_s"] == m.downtime_below_s
    assert detail["downtime_resolution_s"] == 1.0 and detail["unknown"]["downtime_s"] == why


def test_downtime_bound_printed_by_list_and_timeline(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = write_set(tmp_path, _whole_seconds(live_migration(R1, 0)))
    listed = cli("list", "-c", "id", "-c", "downtime", str(root))
    assert listed.exit_code == 0 and re.search(r"req-11111111\s+<\d\.\ds", listed.output), listed.output
    card = cli("timeline", R1, str(root)).output
    assert re.search(r"downtime < \d\.\d+ s \(1 s resolution\)", card), card
    assert "downtime 0 ms" not in card and "downtime 0.0" not in card


def test_millisecond_downtime_keeps_its_value_and_resolution(tmp_path: Path) -> None:
    (m,) = load(str(write_set(tmp_path, live_migration(R1, 0)))).migrations
    assert m.downtime_s == pytest.approx(0.3, abs=0.001)
    assert m.downtime_resolution_s == 0.001 and m.downtime_below_s is None and m.why_unknown("downtime_s") is None


AUTO_CONFIRMED = "32343f2f-8698-4f39-9d9f-eed9820b7831"  # yoga-info: the move the periodic task confirmed


@pytest.fixture(scope="module")
def failed_auto_confirm(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    import shutil

    from tests.conftest import SAMPLE_LOGS

    root = tmp_path_factory.mktemp("autoconfirm") / "yoga-info"
    shutil.copytree(SAMPLE_LOGS / "yoga-info", root)
    log = root / "compute2/var/log/nova/nova-compute.log"
    lines = log.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "Automatically confirming migration" in line)
    ctx = lines[at][lines[at].index("[req-"):lines[at].index("]") + 1]
    # nova's _poll_unconfirmed_resizes: confirm_resize raised, it logs and tries again next period
    lines.insert(at + 1, f"2023-01-17 10:13:32.190 3318 INFO nova.compute.manager {ctx} [instance: {AUTO_CONFIRMED}] "
                         f"Error auto-confirming resize: Instance {AUTO_CONFIRMED} in task_state resize_reverting. "
                         "Cannot confirm_resize while the instance is in this state. Will retry later.\n")
    log.write_text("".join(lines))
    (m,) = [m for m in load(str(root)).migrations if m.instance == AUTO_CONFIRMED]
    return m


def test_failed_auto_confirm_is_not_confirmed(failed_auto_confirm: Migration) -> None:
    m = failed_auto_confirm
    assert m.status == "unknown"
    why = m.why_unknown("status")
    assert why is not None and "auto-confirm failed" in why and "Cannot confirm_resize" in why
    assert any("Error auto-confirming resize" in e.message for e in m.events)  # the evidence is on the move


REVERTED = "req-0441b83d-f9fc-44bd-a648-f7bf3ca6b8d3"  # devstack-2024.1: the resize its user reverted


@pytest.fixture(scope="module")
def devstack() -> dict[str, Migration]:
    from tests.conftest import SAMPLE_LOGS

    return {m.id: m for m in load(str(SAMPLE_LOGS / "devstack-2024.1")).migrations}


def test_reverted_resize_counts_both_outages_each_listed(devstack: dict[str, Migration]) -> None:
    m = devstack[REVERTED]
    assert m.status == "reverted"
    # out: compute1 shutdown → compute2 running; back: compute2 destroys it → compute1 running again
    assert m.downtime_s == pytest.approx(27.595 + 4.604, abs=0.002)
    assert "revert: destination stop → source running (log timestamps, compute2 → compute1)" in m.downtime_basis
    assert "27.595 s + 4.604 s" in m.downtime_basis
    confirmed = devstack["req-ce32ae36-ef69-4ff1-9747-984516def965"]  # no revert: one outage
    assert "revert" not in confirmed.downtime_basis and confirmed.downtime_s == pytest.approx(21.943, abs=0.002)


def test_reverted_resize_without_the_revert_end_has_unknown_downtime(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import SAMPLE_LOGS

    root = tmp_path / "devstack"
    shutil.copytree(SAMPLE_LOGS / "devstack-2024.1", root)
    (root / "devstack.journal.export").unlink()  # the same records again: the text files are enough
    log = root / "compute1/screen-n-cpu.txt"
    log.write_text("".join(line for line in log.read_text().splitlines(keepends=True)
                           if not ("req-7bba0a1c" in line and "Instance running successfully" in line)))
    (m,) = [m for m in load(str(root)).migrations if m.id == REVERTED]
    assert m.downtime_s is not None  # the model keeps what was measured; every output prints it unknown
    why = m.why_unknown("downtime_s")
    assert why is not None and "the revert stopped the guest on compute2" in why
    assert migration_detail(m)["downtime_s"] is None
