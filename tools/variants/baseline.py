"""Baseline of the product on the matrix: tables per family, the bugs with a reproducer, the xfail list.

``python -m tools.variants.baseline VARIANTS_DIR [--xfail FILE]`` checks every
variant (in process), prints Markdown for NOTES-variants.md, and with
``--xfail`` writes the ``{"set/variant": {field: [bug ids]}}`` map the matrix test
marks as expected failures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from tools.variants.bugs import TITLES, classify
from tools.variants.check import (
    VariantReport,
    baseline_wrong,
    check_variant,
    inprocess_runner,
    tally,
    variant_dirs,
)


def markdown_table(counts: dict[str, dict[str, int]], title: str) -> str:
    """Render counts as a Markdown table (known% = known / (known + lost + wrong))."""
    lines = [f"| {title} | known | lost | wrong | of which new | unknowable | known % |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, c in counts.items():
        knowable = c["known"] + c["lost"] + c["wrong"]
        pct = f"{100 * c['known'] / knowable:.0f}" if knowable else "-"
        lines.append(f"| {name} | {c['known']} | {c['lost']} | {c['wrong']} | {c['new']} | {c['unknowable']} | {pct} |")
    return "\n".join(lines)


def xfail_map(reports: list[VariantReport]) -> dict[str, dict[str, list[str]]]:
    """Return, per failing variant and field, the bugs that make it fail."""
    out: dict[str, dict[str, list[str]]] = {}
    for r in reports:
        for o in r.wrong:
            bugs = out.setdefault(f"{r.set}/{r.variant}", {}).setdefault(o.field, [])
            if classify(o) not in bugs:
                bugs.append(classify(o))
    return {k: {f: sorted(b) for f, b in sorted(v.items())} for k, v in sorted(out.items())}


def bug_section(reports: list[VariantReport], root: Path) -> str:
    """List every bug with its counts and one reproducer."""
    fields: Counter[str] = Counter()
    variants: dict[str, set[str]] = {}
    example: dict[str, tuple[VariantReport, object]] = {}
    for r in reports:
        for o in r.wrong:
            bug = classify(o)
            fields[bug] += 1
            variants.setdefault(bug, set()).add(f"{r.set}/{r.variant}")
            example.setdefault(bug, (r, o))
    lines = []
    for bug in sorted(fields):
        r, o = example[bug]
        doc = json.loads((root / r.set / r.variant / "variant.json").read_text())
        inv = doc["invocation"]
        cmd = " ".join(["migtrace list -f json", *inv["flags"], *inv["paths"]])
        if inv["stdin"]:
            cmd += f" < {inv['stdin']}"
        lines += [f"- **{bug}** {TITLES[bug]} — {fields[bug]} wrong fields in {len(variants[bug])} variants.",
                  f"  Reproducer: `python -m tools.variants --out /tmp/v {r.set} --variant {r.variant} && "
                  f"cd /tmp/v/{r.set}/{r.variant} && {cmd}` → move {o.move} "  # type: ignore[attr-defined]
                  f"`{o.field}`: {o.detail}"]  # type: ignore[attr-defined]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check every variant and print the baseline in Markdown."""
    parser = argparse.ArgumentParser(prog="python -m tools.variants.baseline", description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--xfail", type=Path, help="write the expected-failure map here")
    args = parser.parse_args(argv)
    runner = inprocess_runner()
    reports = [check_variant(d, runner) for d in variant_dirs([args.root])]
    outcomes = [o for r in reports for o in r.outcomes]
    base = baseline_wrong(reports)
    out = [markdown_table(tally(outcomes, lambda o: o.family, base), "family"), "",
           markdown_table(tally(outcomes, lambda o: o.field, base), "field"), "",
           markdown_table(tally(outcomes, lambda o: o.set, base), "set"), "", bug_section(reports, args.root)]
    sys.stdout.write("\n".join(out) + "\n")
    if args.xfail:
        args.xfail.write_text(json.dumps(xfail_map(reports), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
