"""Generate the reshaping matrix: ``python -m tools.variants [--out DIR] [--family F] [SET…]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.variants.generate import generate


def main(argv: list[str] | None = None) -> int:
    """Write every variant of every (or the named) sample set, each with its variant.json."""
    parser = argparse.ArgumentParser(prog="python -m tools.variants", description=__doc__)
    parser.add_argument("--samples", default="sample_logs", type=Path, help="the sample sets (default sample_logs)")
    parser.add_argument("--out", default="variants", type=Path, help="where to write (default ./variants)")
    parser.add_argument("--family", action="append", help="only this family (layout, info-only, removal, skew, tz)")
    parser.add_argument("--variant", action="append", help="only this variant name (e.g. layout-stdin)")
    parser.add_argument("sets", nargs="*", help="only these sets")
    args = parser.parse_args(argv)
    written = generate(args.samples, args.out, args.sets or None, args.family, args.variant)
    sys.stderr.write(f"{len(written)} variants written under {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
