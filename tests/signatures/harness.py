"""Run a signature fixture's log excerpt through parsing and diagnosis.

Fixtures live next to this file at `<component>/<id>[__<case>].yaml` (STYLE.md §8).
The excerpt is parsed by the real oslo.log parser.  When the lead's
`migtrace.pipeline.load_text` exists it does the whole job (parse, correlate,
diagnose); until then the parsed events are wrapped in one migration of the
fixture's `kind` so that fallback signatures, which only speak on
migrations, can be checked as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

import yaml

from migtrace.analysis import Analysis
from migtrace.catalog import Catalog
from migtrace.diagnose import diagnose
from migtrace.model import Event, FileStats, Migration

FIXTURE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Fixture:
    """One fixture file: the excerpt, where it came from, and the ids it must produce."""

    path: Path
    signature_id: str
    component: str
    release: str
    source: str
    log: str
    expect: tuple[str, ...]
    host: str | None = None
    service: str | None = None
    kind: str = "live-migration"

    @property
    def name(self) -> str:
        """Return `<component>/<file stem>` for test ids."""
        return f"{self.component}/{self.path.stem}"


def load_fixtures() -> list[Fixture]:
    """Read every fixture file."""
    fixtures = []
    for path in sorted(FIXTURE_DIR.glob("*/*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        fixtures.append(Fixture(
            path=path,
            signature_id=path.stem.split("__", 1)[0],
            component=path.parent.name,
            release=str(data["release"]),
            source=str(data["source"]),
            log=str(data["log"]),
            expect=tuple(data.get("expect") or ()),
            host=data.get("host"),
            service=data.get("service"),
            kind=str(data.get("kind", "live-migration")),
        ))
    return fixtures


def parse_events(text: str, *, host: str | None = None, service: str | None = None,
                 name: str = "<fixture>") -> list[Event]:
    """Parse oslo.log text with the real parser."""
    from migtrace.parsers._base import ParseContext
    from migtrace.parsers.oslo import PARSER

    ctx = ParseContext(path=name, stats=FileStats(path=name), tz=timezone.utc,
                       host=host, service=service)
    lines = list(enumerate(text.splitlines(), start=1))
    return list(PARSER.parse(lines, ctx))


def analyse(fixture: Fixture, catalog: Catalog) -> Analysis:
    """Parse and diagnose a fixture's excerpt."""
    try:
        from migtrace.pipeline import load_text
    except ImportError:
        load_text = None
    if load_text is not None:
        result: Analysis = load_text(fixture.log, name=str(fixture.path), host=fixture.host,
                                     service=fixture.service, catalog=catalog)
        return result
    events = parse_events(fixture.log, host=fixture.host, service=fixture.service,
                          name=str(fixture.path))
    return wrap_in_migration(events, catalog, kind=fixture.kind)


def wrap_in_migration(events: list[Event], catalog: Catalog, *,
                      kind: str = "live-migration") -> Analysis:
    """Diagnose events as if they were one migration of `kind`."""
    migration = Migration(
        id="fixture", kind=kind, instance=next((e.instance for e in events if e.instance), None),  # type: ignore[arg-type]
        status="unknown", started=min(e.time for e in events), ended=max(e.time for e in events),
        events=tuple(events),
    )
    analysis = Analysis(events=list(events), migrations=[migration])
    diagnose(analysis, catalog)
    return analysis


def fired(analysis: Analysis) -> list[str]:
    """Return the sorted recognised signature ids found anywhere (migrations and orphans)."""
    ids = {f.signature_id for m in analysis.migrations for f in m.findings if f.recognised}
    ids |= {f.signature_id for f in analysis.orphan_findings if f.recognised}
    return sorted(ids)
