"""Name the product bug behind each wrong field (data: field + wording of the checker's detail).

Used for the baseline in NOTES-variants.md and for the reasons of the matrix
test's expected failures, so that the lead can see which fix flips which
variants.  A wrong field no rule names is reported as ``B00`` (unclassified).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.variants.check import Outcome


@dataclass(frozen=True, slots=True)
class Bug:
    """One product bug and how its wrong fields read."""

    id: str
    title: str
    field: str
    detail: str = ""
    family: str = ""
    #: for numbers: "long" (above the accepted bounds) or "short" (below them)
    side: str = ""

    def matches(self, o: Outcome) -> bool:
        """True when the outcome is this bug's symptom."""
        return (re.fullmatch(self.field, o.field) is not None and re.search(self.detail, o.detail) is not None
                and (not self.family or o.family == self.family) and (not self.side or _side(o) == self.side))


_BOUNDS = re.compile(r"(?:^|: )(-?[\d.]+)(?: ±[\d.]+)? s, truth [\d.]+ s \(accepted (-?[\d.]+)\.\.(-?[\d.]+)\)")


def _side(o: Outcome) -> str:
    """Return whether a wrong number is above ("long") or below ("short") its accepted bounds."""
    m = _BOUNDS.search(o.detail)
    if not m:
        return ""
    return "short" if float(m.group(1)) < float(m.group(2)) else "long"


#: first match wins: the specific symptoms before the generic ones
BUGS = (
    Bug("B03", "a host in the wrong time zone is taken for clock skew (or ignored), silently; times off by hours",
        r"duration_s|downtime_s", r"\+19800 s|-19800 s", "tz"),
    Bug("B02", "clock skew: per-host offsets not estimated/applied (or the wrong host corrected): duration/downtime "
               "off by the offset", r"duration_s|downtime_s", r"clocks disagree|bounded by 'Instance shutdown",
        "skew"),
    Bug("B12", "a duration is stated for a move none of whose own steps is in the logs (only its clean-up)",
        r"duration_s", r"none of the move's own steps"),
    Bug("B14", "duration outside what the kept lines allow when the API or a compute's lines are missing",
        r"duration_s", r"first or last steps are not in this variant"),
    Bug("B15", "duration shorter than the move's own steps that are in the logs (its first or last step, e.g. "
               "the API access line or the conductor's error, not attached to the move)", r"duration_s", r"",
        side="short"),
    Bug("B01", "duration is not the move's own span: it runs to the 15 s-delayed STOPPED event, or includes the "
               "confirm/revert follow-up or the evacuated host's clean-up", r"duration_s", r""),
    Bug("B04", "the scheduler's `Selected host: WeighedHost [host: (h, n) ...]` repr taken as the destination "
               "(Mitaka-Queens)", r"dest_host", r"WeighedHost"),
    Bug("B05", "a live migration stopped by a conductor pre-check is reported as a cold `migration` "
               "(`Failed to compute_task_migrate_server` is worded alike for both)", r"kind",
        r"'migration', truth 'live-migration'"),
    Bug("B11", "an evacuated host's clean-up after restart is reported as a live migration", r"kind",
        r"'live-migration', truth 'evacuation'"),
    Bug("B06", "migration vs resize guessed when the API's DEBUG lines (body, flavors) are not in the logs",
        r"kind", r"migration|resize"),
    Bug("B07", "one move split into two rows (a Rocky-Zed source logs `[-]`; INFO-only or no controller: nothing "
               "joins the two halves)", r"rows", r"split into"),
    Bug("B08", "`confirmed`/`reverted` become `completed` when the confirm/revert lines are missing (INFO-only, "
               "a compute's logs gone)", r"status", r"(?:^|: )'completed', truth|states 'completed'"),
    Bug("B10", "`in-progress` for a move that is not provably running (its end is just not in the logs)",
        r"status", r"in-progress"),
    Bug("B09", "wrong source host when the source's logs are missing (the destination's name given as source)",
        r"source_host", r""),
    Bug("B13", "phantom or merged rows", r"rows", r"phantom|merged"),
    Bug("B17", "`timeline ID -` on a piped stdin: 'no readable input' (its two-pass read consumes the pipe)",
        r"timeline", r"no readable input"),
    Bug("B16", "`timeline ID` rejects an id that `list` printed", r"timeline", r""),
)


def classify(o: Outcome) -> str:
    """Return the id of the bug behind a wrong outcome (``B00`` when no rule names it)."""
    for bug in BUGS:
        if bug.matches(o):
            return bug.id
    return "B00"


TITLES = {b.id: b.title for b in BUGS} | {"B00": "unclassified wrong field"}
