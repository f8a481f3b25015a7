"""migtrace: the story of each OpenStack Nova VM migration, from its logs.

    >>> import migtrace
    >>> analysis = migtrace.load("sample_logs/queens-files")
    >>> analysis.migrations_frame()[["kind", "status", "findings"]]

This module is the façade over the layers (ground → parsers → sources →
correlate → diagnose → pipeline → reports → cli); nothing inside the package
imports it, so it may import all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from migtrace._version import __version__ as __version__
from migtrace.correlate import correlate as _correlate
from migtrace.diagnose.catalog import load_catalog
from migtrace.errors import MigtraceError
from migtrace.model import Event, Finding, Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis, StrPath, with_diagnosis
from migtrace.pipeline import load as _load
from migtrace.pipeline import read_events as _read_events
from migtrace.reports import render_report as _render_report

__all__ = [
    "Event",
    "Finding",
    "LoadOptions",
    "Migration",
    "MigtraceError",
    "correlate",
    "diagnose",
    "load",
    "read_events",
    "render",
]


def load(*paths: StrPath, options: LoadOptions | None = None) -> Analysis:
    """Read logs and return an Analysis (`.migrations`, `.events_frame()`, `.migrations_frame()`)."""
    return _load(paths, options)


def read_events(*paths: StrPath, options: LoadOptions | None = None) -> list[Event]:
    """Read logs and return every record as an Event, in time order (no correlation)."""
    return _read_events(paths, options)


def correlate(events: Sequence[Event]) -> list[Migration]:
    """Group events into migrations (they are put in time order first)."""
    return _correlate(sorted(events, key=lambda e: e.time))


def diagnose(analysis: Analysis, signatures: Sequence[str] = ()) -> Analysis:
    """Return the analysis with known-failure findings (and unrecognised errors) attached."""
    load_catalog(tuple(signatures))  # fail early on a bad user signature file
    return with_diagnosis(analysis, signatures)


def render(analysis: Analysis, fmt: str = "json", *, title: str | None = None) -> str:
    """Render an analysis as a report (html, markdown, json), secrets removed as the CLI does."""
    return _render_report(analysis, fmt, title=title)

