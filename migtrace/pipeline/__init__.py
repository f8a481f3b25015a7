"""Pipeline: run sources → correlate → diagnose and hand out the frozen `Analysis`.

This is the one code path behind every command and `migtrace.load()`, so
`list`, `timeline`, `report` and the Python API tell the same story.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from migtrace.pipeline._paths import StrPath, resolve_paths

if TYPE_CHECKING:
    from migtrace.pipeline._load import load, near_ids, read_events, with_diagnosis
    from migtrace.pipeline._merge import MergedStream, merged_events
    from migtrace.pipeline._select import filter_migrations, select_migrations
    from migtrace.pipeline._text import load_text
    from migtrace.pipeline.analysis import Analysis

#: name -> the module defining it: imported when first asked for, so that `merge` (sources only) does
#: not start by importing correlate, diagnose and the signature grammar
_LAZY = {
    **dict.fromkeys(("load", "near_ids", "read_events", "with_diagnosis"), "_load"),
    **dict.fromkeys(("MergedStream", "merged_events"), "_merge"),
    **dict.fromkeys(("filter_migrations", "select_migrations"), "_select"),
    "load_text": "_text",
    "Analysis": "analysis",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"migtrace.pipeline.{module}"), name)


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
