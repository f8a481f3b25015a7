"""Multi-host log excerpts for the diagnose tests, written to disk as a user's logs would be.

A scenario file (`scenarios/<name>.yaml`) names the nova release and code its
lines follow (`release`, `source`) and holds one log text per file path
(`files:`, e.g. `compute1/var/log/nova/nova-compute.log`, so that the sources
layer finds host and service from the path as it does for a real copy).
`filler` entries append periodic records a service writes while nothing
happens (one line per `every_s` until `until`): what makes "the host kept
logging" true without pages of copied lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from migtrace import LoadOptions, load
from migtrace.pipeline import Analysis

SCENARIOS = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class Scenario:
    """One scenario: its files' texts and where its wording comes from."""

    name: str
    release: str
    source: str
    files: dict[str, str]

    def write(self, root: Path) -> Path:
        """Write the files under root and return root."""
        for rel, text in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    def load(self, root: Path, **options: Any) -> Analysis:
        """Write the files and load them through the whole pipeline."""
        return load(str(self.write(root)), options=LoadOptions(**options))


def _filler(spec: dict[str, Any]) -> str:
    """Periodic lines: `line` formatted with {ts} every `every_s` seconds from `start` to `until`."""
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    t = datetime.strptime(spec["start"], fmt)
    end = datetime.strptime(spec["until"], fmt)
    out = []
    while t <= end:
        ts = t.strftime(fmt)[:-3]
        out += [line.format(ts=ts) for line in spec["lines"]]
        t += timedelta(seconds=spec["every_s"])
    return "\n".join(out) + "\n"


def scenario(name: str, *, until: str | None = None) -> Scenario:
    """Read scenarios/<name>.yaml; `until` ends its filler earlier ("" drops it)."""
    data: dict[str, Any] = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
    files = dict(data["files"])
    for rel, spec in (data.get("filler") or {}).items():
        if until == "":
            continue
        files[rel] = files.get(rel, "") + _filler({**spec, "until": until or spec["until"]})
    return Scenario(name, str(data["release"]), str(data["source"]), files)
