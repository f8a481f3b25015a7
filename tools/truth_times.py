"""Compare the times `migtrace list -f json` prints with a set's truth.json (durations, downtime, status).

Usage: ``python -m tools.truth_times DIR [DIR…]`` — DIR holds logs and a ``truth.json`` beside them
(benchmarks/_data/m100, sample_logs/*).  Moves are matched by request id, else by instance and the
nearest start.  A duration is wrong when it is known and outside the truth's span by more than the
timestamps' resolution (1 s: whole-second sets; the product rounds to ms); unknown is never wrong.
Prints one line per wrong field and a count; exit code 1 when any field is wrong.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

#: timestamps may be truncated to the second (journalctl short): a known value may be off by that much
TOLERANCE_S = 1.001


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def listed(path: Path) -> list[dict[str, Any]]:
    """Return what `migtrace list -f json` prints for one directory."""
    out = subprocess.run([sys.executable, "-m", "migtrace", "list", "-f", "json", str(path)],
                         check=False, capture_output=True, text=True)
    data = json.loads(out.stdout)
    return list(data if isinstance(data, list) else data.get("migrations", []))


def _match(truth: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    rids = set(truth.get("request_ids") or [])
    for r in rows:
        if rids & set(r.get("request_ids") or []):
            return r
    same = [r for r in rows if r.get("instance") == truth.get("instance")]
    if not same:
        return None
    t0 = _t(truth["started"])
    return min(same, key=lambda r: abs((_t(r["started"]) - t0).total_seconds()))


def compare(path: Path) -> list[str]:
    """Return one text per wrong field of the set at `path`."""
    truth = json.loads((path / "truth.json").read_text())
    moves = truth["migrations"] if isinstance(truth, dict) else truth
    rows = listed(path)
    wrong: list[str] = []
    for t in moves:
        r = _match(t, rows)
        name = t.get("request_id") or (t.get("request_ids") or [t.get("instance")])[0]
        if r is None:
            wrong.append(f"{path.name} {name}: not listed")
            continue
        unknown = set(t.get("unknown") or {})
        if t.get("ended") and t.get("started") and r.get("duration_s") is not None and "duration_s" not in unknown:
            true = (_t(t["ended"]) - _t(t["started"])).total_seconds()
            pm = r.get("duration_uncertainty_s") or 0.0
            if abs(r["duration_s"] - true) > TOLERANCE_S + pm:
                wrong.append(f"{path.name} {name} ({t.get('template', t['kind'])}): duration {r['duration_s']} s, "
                             f"truth {true:.3f} s")
        if t.get("downtime_s") is not None and r.get("downtime_s") is not None and "downtime_s" not in unknown:
            pm = r.get("downtime_uncertainty_s") or 0.0
            if abs(r["downtime_s"] - t["downtime_s"]) > TOLERANCE_S + pm:
                wrong.append(f"{path.name} {name}: downtime {r['downtime_s']} s, truth {t['downtime_s']} s")
        if "status" not in unknown and r.get("status") not in ("unknown", t.get("status")):
            wrong.append(f"{path.name} {name}: status {r['status']}, truth {t['status']}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    """Compare each directory given; print wrong fields and their count."""
    total = 0
    for arg in argv if argv is not None else sys.argv[1:]:
        found = compare(Path(arg))
        total += len(found)
        for line in found:
            print(line)
    print(f"{total} wrong field(s)")
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
