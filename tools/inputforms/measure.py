"""Measure today's migtrace on the wrapped forms through its CLI, the way a user meets them.

    python -m tools.inputforms.measure WRAPPED_DIR [--migtrace PATH] [--json OUT]

For every manifest entry: `migtrace merge --stats PATHS` (the TOTAL row: lines
read, unparsed, skipped) and `migtrace list -f json PATHS`, then each expected
migration is looked up by instance and kind among those found and compared on
the fields the form can reveal.  Prints one markdown row per (set, form).
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

STAT_COLS = ("lines", "records", "cont", "meta", "unparsed", "skipped")


def stats(mig: str, paths: list[Path]) -> dict[str, object]:
    """Run merge --stats and read its TOTAL row (or the exit code when there is none)."""
    p = subprocess.run([mig, "merge", "--stats", *map(str, paths)], capture_output=True, text=True, timeout=900, check=False)
    total = [ln for ln in p.stdout.splitlines() if ln.startswith("TOTAL")]
    out: dict[str, object] = {"rc": p.returncode, "warnings": len(p.stderr.splitlines())}
    if total:
        nums = [t for t in total[0].split() if t.isdigit()]
        out.update(dict(zip(STAT_COLS, map(int, nums), strict=False)))
    fmts = {}
    for ln in p.stdout.splitlines()[1:]:
        parts = ln.split()
        if len(parts) > 2 and not ln.startswith("TOTAL"):
            fmts[parts[1]] = fmts.get(parts[1], 0) + 1
    out["formats"] = fmts
    return out


def found(mig: str, paths: list[Path]) -> tuple[int, list[dict[str, object]]]:
    """Run list -f json; return its exit code and the migrations."""
    p = subprocess.run([mig, "list", "-f", "json", *map(str, paths)], capture_output=True, text=True, timeout=900, check=False)
    try:
        return p.returncode, list(json.loads(p.stdout)) if p.stdout.strip() else []
    except json.JSONDecodeError:
        return p.returncode, []


def compare(expect: list[dict[str, object]], got: list[dict[str, object]]) -> dict[str, int]:
    """Count expected migrations found exactly, found with other field values, or missing."""
    exact = differ = 0
    for e in expect:
        same = [g for g in got if g.get("instance") == e["instance"] and g.get("kind") == e["kind"]]
        if any(all(g.get(k) == v for k, v in e.items()) for g in same):
            exact += 1
        elif same:
            differ += 1
    return {"expected": len(expect), "exact": exact, "differ": differ, "missing": len(expect) - exact - differ,
            "found": len(got)}


def main(argv: list[str] | None = None) -> int:
    """Measure every entry of the manifest and print the table."""
    ap = argparse.ArgumentParser(prog="python -m tools.inputforms.measure", description=__doc__)
    ap.add_argument("wrapped", type=Path)
    ap.add_argument("--migtrace", default=".venv/bin/migtrace")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--form", action="append", dest="forms")
    args = ap.parse_args(argv)
    manifest = json.loads((args.wrapped / "manifest.json").read_text())
    rows = []
    print("| set | form | lines | unparsed | skipped | rc | expected | exact | differ | missing | found |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in manifest:
        if "paths" not in e or (args.forms and e["form"] not in args.forms):
            continue
        paths = [args.wrapped / p for p in e["paths"]]
        st = stats(args.migtrace, paths)
        rc, got = found(args.migtrace, paths)
        cmp_ = compare(e["expect"], got)
        row = {"set": e["set"], "form": e["form"], "family": e["family"], **st, "list_rc": rc, **cmp_}
        rows.append(row)
        print(f"| {e['set']} | {e['form']} | {st.get('lines', '-')} | {st.get('unparsed', '-')} | "
              f"{st.get('skipped', '-')} | {st['rc']} | {cmp_['expected']} | {cmp_['exact']} | {cmp_['differ']} | "
              f"{cmp_['missing']} | {cmp_['found']} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
