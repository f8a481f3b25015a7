"""Regenerate sample_logs/*/expected.json from `migtrace list -f json` (review the diff before committing).

The golden test asserts expected.json equals the tool's output; the truth test
asserts the tool's output agrees with the generator's truth.json, so an
expected.json can only be refreshed to an answer that is still right.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from migtrace import load
from migtrace.serialize import migration_summary

ROOT = Path(__file__).resolve().parents[1] / "sample_logs"


def main() -> None:
    """Write expected.json for every set (or the sets named on the command line)."""
    names = sys.argv[1:] or sorted(p.name for p in ROOT.iterdir() if (p / "truth.json").is_file())
    for name in names:
        analysis = load(str(ROOT / name))
        rows = [migration_summary(m) for m in analysis.migrations]
        (ROOT / name / "expected.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {len(rows)} migrations")


if __name__ == "__main__":
    main()
