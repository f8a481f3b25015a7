"""Shared test factories: events, log files on disk, the CLI runner, real excerpts."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

# Tests see output as a pipe does (100 columns): $COLUMNS, set by some terminals and by pytest-xdist
# workers, must not change the tables a test or a CLI it starts reads.
os.environ.pop("COLUMNS", None)

from migtrace.model import Event

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_LOGS = SHARED / "real_logs"
#: in CI the shared excerpts must be there; on a developer's fresh clone they may not be
IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED_MISSING = f"{SHARED} is not beside the repository (the real-log excerpts are shared, not shipped)"

#: mark for tests that read ../shared: skipped with the reason where it is absent, never in CI
needs_shared = pytest.mark.skipif(not REAL_LOGS.is_dir() and not IN_CI, reason=SHARED_MISSING)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the whole run loudly when CI=true and ../shared is missing (tests must not skip in CI)."""
    if IN_CI and not REAL_LOGS.is_dir():
        raise pytest.UsageError(f"CI=true but {SHARED_MISSING}")
SAMPLE_LOGS = REPO / "sample_logs"

#: sample sets whose expected.json is what their truth supports, not (yet) what migtrace prints
#: (bug ids: NOTES-variants.md); remove a set here once migtrace gets it right
PENDING_SETS = {
    "yoga-info": "debug = False: no field is wrong any more (tools/variants), but expected.json (from the truth) "
                 "still differs in fields migtrace leaves unknown: block_migration, a rollback phase, the evacuation's "
                 "source; kind is printed as migration-or-resize where the truth has null",
    "train-single-host": "one compute's log: no field is wrong any more, but durations without the API's start are "
                         "unknown, the confirm's request id and two statuses are not read",
}


def sample_set_params(names: list[str]) -> list[Any]:
    """Return the set names as parameters, the pending ones marked as expected failures."""
    return [pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=PENDING_SETS[n]))
            if n in PENDING_SETS else n for n in names]


def make_event(**overrides: Any) -> Event:
    """Return a plausible n-cpu INFO event; override any field."""
    fields: dict[str, Any] = {
        "time": datetime(2018, 3, 1, 10, 0, 0, tzinfo=UTC),
        "time_text": "2018-03-01 10:00:00.000",
        "message": "Instance spawned successfully.",
        "host": "compute1", "service": "n-cpu", "pid": 1234, "level": "INFO",
        "logger": "nova.compute.manager", "source": "nova-compute.log", "lineno": 1,
    }
    fields.update(overrides)
    return Event(**fields)


@pytest.fixture
def event_factory() -> Callable[..., Event]:
    return make_event


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to tmp_path/name (creating directories) and return the path."""
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
    return write


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the migtrace CLI in-process (click's CliRunner) and return the result.

    Output goes to a pipe, as when pasted (see COLUMNS below).
    """
    from migtrace.cli import cli as group

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(group, list(args), input=input, catch_exceptions=False)
    return run


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.skip(SHARED_MISSING)
    return REAL_LOGS
