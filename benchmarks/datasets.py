"""The generated inputs the benchmarks use, by name; each is (re)generated on demand into benchmarks/_data.

A set is reused when its truth.json says it was made with the same
generator parameters; otherwise it is regenerated.  Delete _data/ to start
over.  Nothing here is committed (see .gitignore).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.gen_big_log import VERSION, generate, parse_size

DATA = Path(__file__).resolve().parent / "_data"


@dataclass(frozen=True, slots=True)
class SetSpec:
    """Generator parameters of one named set."""

    size: str
    computes: int
    moves: int
    seed: int = 1
    purpose: str = ""


SETS: dict[str, SetSpec] = {
    "main": SetSpec("1G", 4, 50, purpose="P1, P2, P3: the 1 GB five-host set (controller + 4 computes)"),
    "m100": SetSpec("100M", 4, 50, purpose="P2 growth: the base (100 MB, 50 moves)"),
    "m100-moves": SetSpec("100M", 4, 500, purpose="P2 growth: same bytes, 10x the moves"),
    # 47 planned moves: three are evacuations, each preceded by a refused request, so list shows 50
    "report50": SetSpec("40M", 4, 47, purpose="P4: a set whose list shows 50 migrations"),
    "hosts100": SetSpec("2G", 99, 200, purpose="scale: controller + 99 computes"),
    "hosts100-small": SetSpec("160M", 99, 40, purpose="scale-small: the same fleet in 160 MB (a shared machine)"),
    # the client's serial work grows with the moves and the inputs, not with the bytes: the same fleet and moves
    # over two days of logs show how the scale figure moves when the workers' share grows (Gustafson's law)
    "hosts100-2d": SetSpec("4G", 99, 200, purpose="scale: the hosts100 fleet and moves over two days of logs"),
}


def ensure(name: str) -> Path:
    """Return the directory of set `name`, generating it first when missing or stale."""
    spec = SETS[name]
    out = DATA / name
    truth = out / "truth.json"
    want = {"version": VERSION, "size": parse_size(spec.size), "computes": spec.computes, "moves": spec.moves,
            "seed": spec.seed}
    if truth.exists():
        try:
            if json.loads(truth.read_text(encoding="utf-8")).get("generator") == want:
                return out
        except (OSError, ValueError):
            pass
    if out.exists():
        shutil.rmtree(out)
    print(f"generating {name} ({spec.size}, {spec.computes} computes, {spec.moves} moves) in {out} …",
          file=sys.stderr, flush=True)
    generate(out, size=want["size"], computes=spec.computes, moves=spec.moves, seed=spec.seed)
    return out


def log_files(root: Path) -> list[Path]:
    """The set's log files (truth.json is not a log)."""
    return sorted(root.rglob("*.log"))


def truth(root: Path) -> dict[str, object]:
    """The set's truth.json."""
    return json.loads((root / "truth.json").read_text(encoding="utf-8"))


def describe() -> list[dict[str, object]]:
    """Every named set with its parameters (for `python -m benchmarks sets`)."""
    return [{"name": n, **asdict(s), "present": (DATA / n / "truth.json").exists()} for n, s in SETS.items()]
