"""migtrace: the story of each OpenStack Nova VM migration, from its logs.

    >>> import migtrace
    >>> analysis = migtrace.load("sample_logs/queens-files")
    >>> analysis.migrations_frame()[["kind", "status", "findings"]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The submodules `correlate` and `diagnose` share their names with the API functions below; they
# are imported first so that the functions, defined afterwards, are what `migtrace.correlate` is.
from migtrace import correlate as _correlate_module  # noqa: F401
from migtrace import diagnose as _diagnose_module  # noqa: F401
from migtrace.errors import MigtraceError
from migtrace.model import Event, Finding, Migration

__version__ = "0.1.0"

if TYPE_CHECKING:
    from migtrace.analysis import Analysis

__all__ = [
    "Event",
    "Finding",
    "Migration",
    "MigtraceError",
    "correlate",
    "diagnose",
    "load",
    "read_events",
    "render",
]


def load(*paths: str, **options: Any) -> Analysis:
    """Read logs and return an Analysis (`.migrations`, `.events_frame()`, `.migrations_frame()`)."""
    from migtrace.pipeline import load as _load

    return _load(*paths, **options)


def read_events(*paths: str, **options: Any) -> list[Event]:
    """Read logs and return every record as an Event, in time order (no correlation)."""
    from migtrace.pipeline import load as _load

    return _load(*paths, keep_all=True, diagnose=False, **options).events


def correlate(events: list[Event]) -> list[Migration]:
    """Group time-ordered events into migrations."""
    return _correlate_module.correlate(sorted(events, key=lambda e: e.time))


def diagnose(analysis: Analysis, signatures: tuple[str, ...] = ()) -> Analysis:
    """Attach known-failure findings (and unrecognised errors) to the analysis' migrations."""
    from migtrace.catalog import load_catalog

    _diagnose_module.diagnose(analysis, load_catalog(signatures))
    return analysis


def render(analysis: Analysis, fmt: str = "json", **options: Any) -> str:
    """Render an analysis in a report format (html, markdown, json)."""
    from migtrace.reports._registry import ReportOptions, get_renderer

    return get_renderer(fmt).render(analysis, ReportOptions(**options))
