"""Pipeline: run sources → correlate → diagnose and hand out the frozen `Analysis`.

This is the one code path behind every command and `migtrace.load()`, so
`list`, `timeline`, `report` and the Python API tell the same story.
"""

from __future__ import annotations

from migtrace.pipeline._load import StrPath, load, near_ids, read_events, resolve_paths, with_diagnosis
from migtrace.pipeline._merge import MergedStream, merged_events
from migtrace.pipeline._select import filter_migrations, select_migrations
from migtrace.pipeline._text import load_text
from migtrace.pipeline.analysis import Analysis

__all__ = [
    "Analysis",
    "MergedStream",
    "StrPath",
    "filter_migrations",
    "load",
    "load_text",
    "merged_events",
    "near_ids",
    "read_events",
    "resolve_paths",
    "select_migrations",
    "with_diagnosis",
]
