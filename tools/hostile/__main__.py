"""Build the hostile corpus: ``python -m tools.hostile OUTDIR [--scale ci|full] [--only CASE…]``.

Then measure the product against it: ``python -m tools.hostile.run OUTDIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.hostile.cases import SCALES
from tools.hostile.generate import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="where to build the corpus (replaced if it exists)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="ci",
                        help="sizes of the memory/time cases: ci (seconds) or full (the issue's numbers)")
    parser.add_argument("--only", nargs="*", default=None, help="build only these cases")
    args = parser.parse_args(argv)
    manifest = generate(args.outdir, SCALES[args.scale], set(args.only) if args.only else None)
    skipped = [c for c in manifest["cases"] if c["skip"]]
    sys.stderr.write(f"hostile: {len(manifest['cases'])} cases ({len(skipped)} skipped), "
                     f"{len(manifest['secrets']['planted'])} planted values, "
                     f"{len(manifest['outputs'])} -o cases in {args.outdir}\n")
    for c in skipped:
        sys.stderr.write(f"hostile: skipped {c['name']}: {c['skip']}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
