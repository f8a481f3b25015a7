"""Run a signature fixture's log excerpt through parsing and diagnosis.

Fixtures live next to this file at `<component>/<id>[__<case>].yaml` (STYLE.md §8).
The excerpt goes through the whole pipeline (`migtrace.pipeline.load_text`:
parse, correlate, diagnose) exactly as a user's file would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import yaml

from migtrace.diagnose import Diagnosis
from migtrace.diagnose.catalog import Catalog
from migtrace.model import Event, FileStats
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.oslo import PARSER
from migtrace.pipeline import Analysis, load_text

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
    """Parse oslo.log text with the real parser, every record (no correlation, nothing dropped)."""
    ctx = ParseContext(path=name, stats=FileStats(path=name), tz=UTC, host=host, service=service)
    return list(PARSER.parse(MemoryInput.from_text(text, name), ctx))


def analyse(fixture: Fixture, catalog: Catalog) -> Analysis:
    """Load and diagnose a fixture's excerpt through the real pipeline."""
    return load_text(fixture.log, name=str(fixture.path), host=fixture.host, service=fixture.service,
                     catalog=catalog)


def fired(analysis: Analysis | Diagnosis) -> list[str]:
    """Return the sorted recognised signature ids found anywhere (migrations and orphans)."""
    ids = {f.signature_id for m in analysis.migrations for f in m.findings if f.recognised}
    ids |= {f.signature_id for f in analysis.orphan_findings if f.recognised}
    return sorted(ids)
