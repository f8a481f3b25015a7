"""Regenerate sample_logs/: ``python -m tools.samplegen [--out DIR] [SET…]``."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tools.samplegen.layout import write_set
from tools.samplegen.sets import ALL


def main(argv: list[str] | None = None) -> int:
    """Build every (or the named) sample set under --out, replacing what was there."""
    parser = argparse.ArgumentParser(prog="python -m tools.samplegen", description=__doc__)
    parser.add_argument("--out", default="sample_logs", type=Path)
    parser.add_argument("sets", nargs="*")
    args = parser.parse_args(argv)
    for build in ALL:
        sset = build()
        if args.sets and sset.name not in args.sets:
            continue
        target = args.out / sset.name
        if target.exists():
            shutil.rmtree(target)
        write_set(sset, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
