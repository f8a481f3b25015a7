"""The public API is exactly what STYLE.md lists (plus load), and works for notebook users."""

from __future__ import annotations

import migtrace
from tests.conftest import SAMPLE_LOGS


def test_public_api_all_is_exact_and_sorted() -> None:
    assert migtrace.__all__ == sorted(migtrace.__all__)
    assert set(migtrace.__all__) == {"Event", "Finding", "LoadOptions", "Migration", "MigtraceError", "correlate", "diagnose",
                                     "load", "read_events", "render"}


def test_public_api_load_gives_frames() -> None:
    analysis = migtrace.load(str(SAMPLE_LOGS / "kilo-files"))
    frame = analysis.migrations_frame()
    assert list(frame["kind"]) == ["live-migration", "live-migration"]
    assert str(frame["started"].dt.tz) == "UTC"
    events = analysis.events_frame()
    assert {"time", "host", "service", "request_id", "instance", "message"} <= set(events.columns)
    assert len(events) == len(analysis.events)


def test_public_api_read_events_then_correlate() -> None:
    events = migtrace.read_events(str(SAMPLE_LOGS / "kilo-files"))
    migrations = migtrace.correlate(events)
    assert [m.status for m in migrations] == ["failed", "completed"]


def test_public_api_render_json() -> None:
    import json

    analysis = migtrace.load(str(SAMPLE_LOGS / "kilo-files"))
    doc = json.loads(migtrace.render(analysis, "json"))
    assert len(doc["migrations"]) == 2
