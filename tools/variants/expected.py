"""Write a set's expected.json from its truth: what `migtrace list -f json` should print.

For the sets whose logs the product does not read right yet (partial,
INFO-only), expected.json is not the product's output but the answer the
truth rules support on the set as collected: every field either its value,
or null (never a guess).  Times are the first and last own step still in the
logs.  ``python -m tools.variants.expected SET…`` (from the repository root).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tools.variants.families import View
from tools.variants.records import load_set
from tools.variants.rules import Rules, own_steps

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"


def _iso(t: Any) -> str | None:
    return None if t is None else t.isoformat(timespec="milliseconds")


def _value(field: dict[str, Any]) -> Any:
    return None if "unknown" in field else field.get("value")


def expected_rows(root: Path) -> list[dict[str, Any]]:
    """Return the rows `list -f json` should print for the set as collected."""
    sset = load_set(root)
    # the set as collected: everything kept; hosts as its paths (or its own lines) say
    from tools.variants.families import _attribute

    view = View("as-is", {r.seq for r in sset.records})
    named = {f.rel for f in sset.files if "/" in f.rel}
    _attribute(sset, view, list(sset.records), named)
    rules = Rules(sset, view)
    present = set(sset.hosts())
    rows = []
    for m, t in zip(rules.moves, rules.truth(), strict=True):
        f = t["fields"]
        own = own_steps(m)
        started = min((r.time for r in own), default=None)  # type: ignore[type-var]
        ended = max((r.time for r in own), default=None)  # type: ignore[type-var]
        rids = _value(f["request_ids"]) or []
        downtime = f["downtime_s"]
        exact_downtime = None if "unknown" in downtime or "uncertain" in downtime else downtime["value"]
        missing = [side for side, key in (("source", "source_host"), ("destination", "dest_host"))
                   if (m.truth[key] is not None and m.truth[key] not in present)
                   or (m.truth[key] is None and key in (m.truth.get("unknown") or {}))]
        rows.append({
            "id": rids[0] if rids else None,
            "kind": _value(f["kind"]),
            "instance": _value(f["instance"]),
            "request_ids": rids,
            "source_host": _value(f["source_host"]),
            "dest_host": _value(f["dest_host"]),
            "started": _iso(started) if "unknown" not in f["duration_s"] else None,
            "ended": _iso(ended) if "unknown" not in f["duration_s"] else None,
            "duration_s": round((ended - started).total_seconds(), 3)
            if started is not None and ended is not None and "unknown" not in f["duration_s"] else None,
            "status": _value(f["status"]) or "unknown",
            "block_migration": _value(f["block_migration"]),
            "volume_backed": None,
            "post_copy": _value(f["post_copy"]),
            "downtime_s": exact_downtime,
            "phases": _value(f["phases"]) or [],
            "findings": sorted(_value(f["findings"]) or []),
            "missing_sides": missing,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write expected.json for the named sets."""
    names = argv if argv is not None else sys.argv[1:]
    for name in names:
        rows = expected_rows(ROOT / name)
        (ROOT / name / "expected.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        sys.stderr.write(f"{name}: {len(rows)} migrations\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
