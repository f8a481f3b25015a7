"""Diagnose: match the known-failure signatures (data files) against each migration's events.

`catalog` loads and validates the signature files, `query` compiles their
match language, and `diagnose` attaches one finding per signature and
migration — a pure function: migrations in, diagnosed migrations out.
"""

from __future__ import annotations

from migtrace.diagnose._engine import (
    UNRECOGNISED_ID,
    Diagnosis,
    all_findings,
    diagnose,
    template,
    worst_severity,
)
from migtrace.diagnose._release import ClueHits, LogsRelease

__all__ = ["UNRECOGNISED_ID", "ClueHits", "Diagnosis", "LogsRelease", "all_findings", "diagnose", "template",
           "worst_severity"]
