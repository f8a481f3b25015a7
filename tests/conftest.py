"""Shared test factories: events, log files on disk, the CLI runner, real excerpts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from migtrace.model import Event

REPO = Path(__file__).resolve().parents[1]
REAL_LOGS = REPO.parent / "shared" / "real_logs"
SAMPLE_LOGS = REPO / "sample_logs"


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
    """Run the migtrace CLI in-process (click's CliRunner) and return the result."""
    from migtrace.cli import cli as group

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(group, list(args), input=input, catch_exceptions=False)
    return run


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.fail(f"real log excerpts not found at {REAL_LOGS} (shared/ must sit beside the repo)")
    return REAL_LOGS
