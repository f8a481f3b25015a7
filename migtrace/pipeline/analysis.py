"""The result of loading logs: events, migrations, findings and line accounting.

This is what notebook users get from `migtrace.load()` and what every report
renders.  It is assembled once by the pipeline and never changed afterwards:
stages that add to it (diagnosis, redaction) return a new one.

For notebooks: typing an Analysis shows a one-line summary (`__repr__`) or,
in Jupyter, a small table of its migrations (`_repr_html_`), never the
megabytes of its events; the frames have the same columns and dtypes whether
they hold a thousand rows or none (categories for the few-valued columns,
pandas' nullable integers, booleans and strings where a value may be
missing), so code written against one load works on the next.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from migtrace.correlate import match_migrations
from migtrace.diagnose import LogsRelease
from migtrace.diagnose.fleet import ROW_KEYS, STATUS_COLUMNS, fleet_rows
from migtrace.model import KINDS, LEVELS, STATUSES, Event, FileStats, Finding, Migration
from migtrace.serialize import migration_summary

if TYPE_CHECKING:  # pandas is imported lazily: the CLI's common paths do not need it
    import pandas as pd

_NO_SKEW: Mapping[str, float] = MappingProxyType({})
_NO_TIMES: Mapping[str, datetime] = MappingProxyType({})

#: the columns of `events_frame()`, in order
EVENT_COLUMNS: tuple[str, ...] = (
    "time", "time_text", "host", "service", "pid", "level", "logger", "request_id", "global_request_id",
    "user", "project", "instance", "message", "extra", "source", "lineno", "format",
)
#: the columns of `migrations_frame()`: the `list -f json` keys
MIGRATION_COLUMNS: tuple[str, ...] = (
    "id", "kind", "instance", "request_ids", "source_host", "dest_host", "started", "ended", "duration_s",
    "status", "block_migration", "volume_backed", "post_copy", "downtime_s", "phases", "findings",
    "missing_sides",
)
#: pandas dtypes of `stats_frame()`'s columns (`hosts`, `signatures`: object columns of lists)
STATS_DTYPES: dict[str, str] = {
    **dict.fromkeys(("group", "source_host", "dest_host", "slowest_id", "worst_downtime_id"), "string"),
    **dict.fromkeys(("moves", "as_source", "as_dest", *STATUS_COLUMNS, "duration_unknown", "downtime_known",
                     "unknown_hosts", "not_converging"), "Int64"),
    **dict.fromkeys(("failure_rate", "duration_p50_s", "duration_p95_s", "duration_max_s", "downtime_p50_s",
                     "downtime_max_s", "bandwidth_p50_mib_s"), "Float64"),
}
#: pandas dtypes of the frames' columns (the rest are object columns of lists)
_TEXT, _CATEGORY = "string", "category"
EVENT_DTYPES: dict[str, str] = {
    **dict.fromkeys(("time_text", "request_id", "global_request_id", "user", "project", "instance", "message",
                     "extra"), _TEXT),
    **dict.fromkeys(("host", "service", "logger", "source", "format"), _CATEGORY),
    "pid": "Int64", "lineno": "Int64",
}
MIGRATION_DTYPES: dict[str, str] = {
    **dict.fromkeys(("id", "instance", "source_host", "dest_host"), _TEXT),
    **dict.fromkeys(("block_migration", "volume_backed", "post_copy"), "boolean"),
    "duration_s": "Float64", "downtime_s": "Float64",
}
#: times: UTC, microseconds (what the logs resolve at most), the same whether the frame is empty or not
TIME_DTYPE: Final = "datetime64[us, UTC]"
#: rows shown by `_repr_html_` before "… and N more"
HTML_ROWS = 30


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything migtrace learned from one set of inputs."""

    events: tuple[Event, ...] = ()
    migrations: tuple[Migration, ...] = ()
    #: findings that matched events outside every migration's window
    orphan_findings: tuple[Finding, ...] = ()
    stats: tuple[FileStats, ...] = ()
    #: estimated clock offset of each host in seconds (add to its times to align)
    skew: Mapping[str, float] = field(default_factory=lambda: _NO_SKEW)
    skew_mode: str = "none"
    warnings: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    #: the time of the last record read from each host (or source path), kept or not: a host that
    #: went on logging after a move's step proves the step stalled (empty: only `events` tell)
    last_seen: Mapping[str, datetime] = field(default_factory=lambda: _NO_TIMES)
    #: the OpenStack releases the logs may come from, as diagnosis found them (`--release` or the wording)
    release: LogsRelease | None = None
    #: host (or source path) -> ids of the release clues (migtrace/data/releases.yaml) on any record the
    #: read saw, kept or not (`pipeline._clues`); None: not gathered, the events alone tell the release
    release_clues: Mapping[str, frozenset[str]] | None = None

    @property
    def unparsed_lines(self) -> int:
        """Total number of input lines no parser could read."""
        return sum(s.unparsed_lines for s in self.stats)

    @property
    def lines_read(self) -> int:
        """Total number of input lines read."""
        return sum(s.lines_read for s in self.stats)

    def find(self, ident: str) -> list[Migration]:
        """Return the migrations an ID names: request id (`req-` optional), instance or migration uuid, number."""
        return match_migrations(self.migrations, ident)

    def summary(self) -> str:
        """Return one line: migrations by status, events, inputs, lines read and unparsed, warnings."""
        statuses = Counter(m.status for m in self.migrations)
        by_status = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"{_count(len(self.migrations), 'migration')}{f' ({by_status})' if by_status else ''}, "
                f"{_count(len(self.events), 'event')} from {_count(len(self.stats), 'input')}, "
                f"{self.lines_read} lines read ({self.unparsed_lines} unparsed), "
                f"{_count(len(self.warnings), 'warning')}")

    def __repr__(self) -> str:
        """A one-line summary: an Analysis holds megabytes of events, a notebook must not print them."""
        return f"<Analysis: {self.summary()}>"

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary and a small table of the migrations (the first HTML_ROWS)."""
        head = ("id", "kind", "route", "started", "duration", "status", "findings")
        rows = []
        for m in self.migrations[:HTML_ROWS]:
            cells = (m.id, m.kind, f"{m.source_host or '?'} → {m.dest_host or '?'}",
                     m.started.isoformat(timespec="seconds"), f"{m.duration_s:.1f} s", m.status,
                     ", ".join(m.finding_ids) or "–")
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        more = len(self.migrations) - HTML_ROWS
        tail = f"<p>… and {more} more (<code>.migrations_frame()</code>)</p>" if more > 0 else ""
        table = ("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>") if rows else ""
        return f"<p><b>migtrace Analysis</b>: {html.escape(self.summary())}</p>{table}{tail}"

    def events_frame(self) -> pd.DataFrame:
        """Return one row per event, for notebooks and CSV exports (stable columns and dtypes, even empty)."""
        import pandas as pd  # noqa: PLC0415 - pandas costs 0.5 s of start-up; only frames need it

        rows: list[dict[str, Any]] = [
            {
                "time": e.time, "time_text": e.time_text, "host": e.host, "service": e.service,
                "pid": e.pid, "level": e.level, "logger": e.logger, "request_id": e.request_id,
                "global_request_id": e.global_request_id, "user": e.user, "project": e.project,
                "instance": e.instance, "message": e.message, "extra": "\n".join(e.extra),
                "source": e.source, "lineno": e.lineno, "format": e.fmt,
            }
            for e in self.events
        ]
        frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
        frame["time"] = pd.to_datetime(frame["time"], utc=True).astype(TIME_DTYPE)
        frame["level"] = pd.Categorical(frame["level"], categories=list(LEVELS), ordered=True)
        return frame.astype(EVENT_DTYPES)

    def migrations_frame(self) -> pd.DataFrame:
        """Return one row per migration with the `list -f json` columns (stable columns and dtypes, even empty)."""
        import pandas as pd  # noqa: PLC0415 - pandas costs 0.5 s of start-up; only frames need it

        frame = pd.DataFrame([migration_summary(m) for m in self.migrations], columns=list(MIGRATION_COLUMNS))
        for col in ("started", "ended"):
            frame[col] = pd.to_datetime(frame[col], utc=True).astype(TIME_DTYPE)
        frame["kind"] = pd.Categorical(frame["kind"], categories=list(KINDS))
        frame["status"] = pd.Categorical(frame["status"], categories=list(STATUSES))
        return frame.astype(MIGRATION_DTYPES)

    def stats_frame(self, group_by: str = "kind") -> pd.DataFrame:
        """Return the fleet figures of `migtrace stats --group-by` as a frame (stable columns and dtypes, even empty).

        `group_by` is kind, pair, host, signature or day; the rows are
        migtrace.diagnose.fleet's (unknown hosts as <NA>, never guessed).
        (`stats` itself is the per-input line accounting, hence the name.)
        """
        import pandas as pd  # noqa: PLC0415 - pandas costs 0.5 s of start-up; only frames need it

        frame = pd.DataFrame(fleet_rows(self.migrations, group_by), columns=list(ROW_KEYS))
        return frame.astype(STATS_DTYPES)
