"""Generate a fleet-sized set (200 moves by default) whose live migrations have known physics.

The moves are gen_big_log's (every kind and outcome, nova's Queens text),
without the background chatter; on top, every live migration that reaches
the memory copy gets a link bandwidth and a guest dirty rate drawn here, and
its progress lines follow them exactly (tools.samplegen.live._physics_line).
truth.json then carries, besides each move's kind, status and hosts, the
generator's own numbers — `physics: {bandwidth_mib_s, dirty_rate_mib_s,
verdict}` — which `migtrace stats` and the physics must recover:

* `live-ok`: converging — the guest dirties 5–50 % of what the link sends;
  the job ends just before the memory left reaches the floor;
* `live-timeout`: alternately stalled (dirty rate = bandwidth, the memory
  left stays put) and diverging (the guest dirties 0.3–1 MiB/s more than
  the link sends: the memory left grows) until nova's completion timeout;
* `live-block`, `live-postcopy`: converging, like `live-ok`.

Example: python -m benchmarks.gen_fleet --out benchmarks/_data/fleet --moves 200
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # tools.samplegen lives at the repository root
    sys.path.insert(0, str(HERE.parent))

from benchmarks.gen_big_log import LAG, T0, TEMPLATES, Generator, plan_moves  # noqa: E402
from tools.samplegen.live import LiveSpec  # noqa: E402

#: bump when the output changes
VERSION = 1
#: seconds of simulated time per planned move (evacuations keep a host down for over an hour)
SPACING_S = 1800.0
#: the failure each failing template plants (gen_big_log leaves `findings` empty; the sample sets
#: name the same flows' findings in tools/samplegen/sets.py)
PLANTED: dict[str, list[str]] = {
    "cold-rbd": ["rbd-operation-not-permitted"], "cold-self-first": ["unable-to-migrate-to-self"],
    "cold-ssh": ["cold-migrate-ssh-failed"], "live-apparmor": ["apparmor-seclabel-mismatch"],
    "live-cpu": ["cpu-incompatible"], "live-refused": ["libvirt-remote-connection-refused"],
    "live-timeout": ["live-migration-completion-timeout"],
}
#: the guest's memory and the memory left when the monitor starts (MiB)
MEM_MB = 2048
START_REMAINING_MIB = 300.0


class _Physics:
    """Draws each live migration's physics and remembers it as truth, by request id."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 104729 + 7)
        self.truth: dict[str, dict[str, Any]] = {}
        self.timeouts = 0

    def __call__(self, spec: LiveSpec, template: str) -> None:
        if template in ("live-refused", "live-apparmor", "live-cpu"):
            return  # these fail before any memory is copied
        bandwidth = round(self.rng.uniform(20.0, 120.0), 1)
        spec.mem_mb, spec.bandwidth_mib_s, spec.start_remaining_mib = MEM_MB, bandwidth, START_REMAINING_MIB
        spec.force_complete_after = None
        if template == "live-timeout":
            self.timeouts += 1
            verdict = "stalled" if self.timeouts % 2 else "diverging"
            spec.dirty_mib_s = bandwidth if verdict == "stalled" else round(bandwidth + self.rng.uniform(0.3, 1.0), 2)
            spec.duration = 800 * MEM_MB // 1024  # nova's completion timeout for this guest
        else:
            verdict = "converging"
            spec.dirty_mib_s = round(bandwidth * self.rng.uniform(0.05, 0.5), 2)
            # stop just before the memory left reaches its floor, after at least two monitor lines
            spec.duration = max(0.95 * START_REMAINING_MIB / (bandwidth - spec.dirty_mib_s), 11.0)
            spec.start_remaining_mib = max(START_REMAINING_MIB, spec.duration / 0.95 * (bandwidth - spec.dirty_mib_s))
        self.truth[spec.req] = {"bandwidth_mib_s": bandwidth, "dirty_rate_mib_s": spec.dirty_mib_s,
                                "verdict": verdict}


def generate(out: str | Path, *, moves: int = 200, computes: int = 6, seed: int = 1) -> dict[str, Any]:
    """Write the set under `out` with its truth.json; return the truth document."""
    out = Path(out)
    span = moves * SPACING_S
    plan = plan_moves(moves, span, computes, seed)
    g = Generator(out, computes, seed)
    physics = _Physics(seed)
    g.tune_live = physics
    g.run(span + LAG, plan, background=False)
    truths = sorted(g.truths, key=lambda x: x[0])
    doc = {
        "generator": {"name": "gen_fleet", "version": VERSION, "moves": moves, "computes": computes, "seed": seed},
        "templates": list(TEMPLATES),
        "migrations": [{"request_id": tr.request_ids[0], "template": tp,
                        "planned": (T0 + timedelta(seconds=t)).isoformat(),
                        **tr.as_json(), "findings": tr.findings or PLANTED.get(tp, []),
                        "physics": physics.truth.get(tr.request_ids[0])}
                       for t, tp, tr in truths],
    }
    (out / "truth.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return doc


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--computes", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    doc = generate(args.out, moves=args.moves, computes=args.computes, seed=args.seed)
    print(f"wrote {args.out}: {len(doc['migrations'])} moves", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
