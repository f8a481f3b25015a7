"""The result of loading logs: events, migrations, findings and line accounting.

This is what notebook users get from `migtrace.load()` and what every report
renders.  It is assembled once by the pipeline and never changed afterwards:
stages that add to it (diagnosis, redaction) return a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from migtrace.correlate import match_migrations
from migtrace.model import Event, FileStats, Finding, Migration
from migtrace.serialize import migration_summary

if TYPE_CHECKING:  # pandas is imported lazily: the CLI's common paths do not need it
    import pandas as pd

_NO_SKEW: Mapping[str, float] = MappingProxyType({})

#: the columns of `events_frame()`, in order
EVENT_COLUMNS: tuple[str, ...] = (
    "time", "time_text", "host", "service", "pid", "level", "logger", "request_id", "global_request_id",
    "user", "project", "instance", "message", "extra", "source", "lineno", "format",
)


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

    def events_frame(self) -> pd.DataFrame:
        """Return one row per event, for notebooks and CSV exports."""
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
        return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))

    def migrations_frame(self) -> pd.DataFrame:
        """Return one row per migration with the `list -f json` columns."""
        import pandas as pd  # noqa: PLC0415 - pandas costs 0.5 s of start-up; only frames need it

        rows = [migration_summary(m) for m in self.migrations]
        frame = pd.DataFrame(rows)
        for col in ("started", "ended"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], utc=True)
        return frame
