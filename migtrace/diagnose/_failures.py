"""Which records are failures: ERROR/CRITICAL, and the WARNINGs nova writes when something failed.

Nova reports many failures at WARNING (the conductor's `Failed to
compute_task_migrate_server: …`, the monitor's `Error monitoring migration:
…`, Kilo's `Falling back to legacy live migrate flow. Error: …`).  The list
of those wordings is data (migtrace/data/failure_warnings.yaml); a record
that is a failure and that no signature explains becomes an "unrecognised"
finding, so that nothing that failed is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.model import Event, level_rank

_ERROR = level_rank("ERROR")
_WARNING = level_rank("WARNING")

_SCHEMA = {"id": Key(required=True), "logger": Key(), "text": Key(required=True), "regex": Key(regex=True),
           "why": Key(required=True)}


@dataclass(frozen=True, slots=True)
class WarningRule:
    """One WARNING wording that means a failure."""

    id: str
    text: str
    logger: str | None = None
    regex: re.Pattern[str] | None = None

    def matches(self, event: Event) -> bool:
        """True when the record is this failure (its level is checked by the caller)."""
        message = event.message
        if self.text not in message:
            return False
        if self.logger and not (event.logger or "").startswith(self.logger):
            return False
        return self.regex is None or self.regex.search(message) is not None


@cache
def warning_rules(path: str | None = None) -> tuple[WarningRule, ...]:
    """Return the rules of migtrace/data/failure_warnings.yaml (or of another file, for tests)."""
    text, where = read_text("failure_warnings.yaml", path)
    found = entries(load_document(text, where), "warnings", _SCHEMA, where)
    return tuple(WarningRule(e["id"], e["text"], e.get("logger"),
                             re.compile(e["regex"]) if e.get("regex") else None) for e in found)


def failure_severity(event: Event) -> str | None:
    """Return "error" for an ERROR/CRITICAL record, "warning" for a failure WARNING, else None."""
    rank = level_rank(event.level)
    if rank >= _ERROR:
        return "error"
    if rank == _WARNING and any(rule.matches(event) for rule in warning_rules()):
        return "warning"
    return None
