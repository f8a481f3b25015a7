"""Benchmark driver: ``python -m benchmarks run [P1|P2|P3|P4|scale|all] …`` (see benchmarks/README.md).

Other commands:
  gen NAME…        generate (or check) named input sets into benchmarks/_data
  sets             list the named sets
  profile TARGET   cProfile the migtrace command of a target; print the top functions
  engines          multi-literal search engines on the raw bytes of the 1 GB set (benchmarks/engines.py)
  proto            the two-pass selective read prototype (benchmarks/proto_select.py)
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import datasets, targets


def main(argv: list[str] | None = None) -> int:
    """Dispatch the sub-commands."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="measure targets next to their anchors")
    run.add_argument("targets", nargs="*", default=["all"],
                     help="P1 P2 P2-small P3 P3-small P4 scale scale-small stats stats-small, or all")
    run.add_argument("-n", "--repeat", type=int, help="runs per command (median); default per target")
    run.add_argument("--no-growth", action="store_true", help="P2 without the RSS-growth sets")
    gen = sub.add_parser("gen", help="generate named input sets")
    gen.add_argument("names", nargs="+", choices=sorted(datasets.SETS))
    sub.add_parser("sets", help="list the named input sets")
    prof = sub.add_parser("profile", help="cProfile a target's migtrace command")
    prof.add_argument("target", choices=("P1", "P2", "P3", "P4"))
    prof.add_argument("--top", type=int, default=10)
    prof.add_argument("--set", help="input set (default: the target's own; P2 and P3 use m100 to stay short)")
    sub.add_parser("engines", help="multi-literal engines on raw bytes", add_help=False)
    sub.add_parser("proto", help="two-pass selective read prototype", add_help=False)
    args, rest = ap.parse_known_args(argv)

    if args.cmd == "run":
        if rest:
            ap.error(f"unrecognized arguments: {' '.join(rest)}")
        names = list(targets.TARGETS) if "all" in args.targets else args.targets
        for name in names:
            if name not in targets.TARGETS:
                ap.error(f"unknown target {name!r} (choose from {', '.join(targets.TARGETS)}, all)")
        for name in names:
            repeat = args.repeat or targets.DEFAULT_REPEAT[name]
            if name == "P2":
                targets.p2(repeat, growth=not args.no_growth)
            else:
                targets.TARGETS[name](repeat)
        return 0
    if args.cmd == "gen":
        for name in args.names:
            print(datasets.ensure(name))
        return 0
    if args.cmd == "sets":
        for s in datasets.describe():
            print(f"{s['name']:<12} {s['size']:>5} {s['computes']:>3} computes {s['moves']:>4} moves  "
                  f"{'present' if s['present'] else 'absent ':<8} {s['purpose']}")
        return 0
    if args.cmd == "profile":
        from benchmarks.profile import profile

        return profile(args.target, args.top, args.set)
    if args.cmd == "engines":
        from benchmarks import engines

        return engines.main(rest)
    if args.cmd == "proto":
        from benchmarks import proto_select

        return proto_select.main(rest)
    return 2


if __name__ == "__main__":
    sys.exit(main())
