"""Wrap every sample set of sample_logs/ in every form, with a manifest of what must still be found.

    python -m tools.inputforms.wrap OUT_DIR [--set NAME …] [--form NAME …]

Writes OUT_DIR/<set>/<form>/… and OUT_DIR/manifest.json.  Each manifest entry
names the set, the form, its family, the input paths to hand migtrace (relative
to OUT_DIR), the migrations the clean set's truth.json says must still be found,
and which of their fields the form can still reveal (`compare`).  Forms that
need oslo.log file records are skipped for devstack's journal-text set, with
the reason in `skipped`.  Output is deterministic: the same tree every run.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from tools.inputforms.corpus import read_set, read_truth
from tools.inputforms.excerpts import SAMPLE_LOGS
from tools.inputforms.forms import FORMS, Form, SetData

SET_YEARS = {"devstack-2024.1": 2024}


def load_sets(names: list[str] | None = None) -> list[SetData]:
    """Read the named sample sets (default: every set in sample_logs/)."""
    roots = sorted(p for p in SAMPLE_LOGS.iterdir() if (p / "truth.json").is_file())
    return [SetData(r.name, read_set(r), SET_YEARS.get(r.name, 0)) for r in roots if not names or r.name in names]


def expected(set_name: str, form: Form) -> list[dict[str, object]]:
    """The truth's migrations, reduced to the fields this form can reveal."""
    return [{k: m[k] for k in form.compare} for m in read_truth(SAMPLE_LOGS / set_name)]


def build(out: Path, sets: list[SetData], forms: list[Form]) -> list[dict[str, object]]:
    """Write every (set, form) pair under out and return the manifest entries."""
    manifest: list[dict[str, object]] = []
    for s in sets:
        for form in forms:
            entry: dict[str, object] = {"set": s.name, "form": form.name, "family": form.family,
                                        "note": form.note, "compare": list(form.compare)}
            if form.oslo_only and not s.oslo:
                entry["skipped"] = "needs oslo.log file records; this set is devstack journal text"
                manifest.append(entry)
                continue
            target = out / s.name / form.name
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            rels = form.build(s, target)
            entry["paths"] = [f"{s.name}/{form.name}/{r}" for r in rels]
            entry["expect"] = expected(s.name, form)
            manifest.append(entry)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Build the wrapped tree and its manifest."""
    ap = argparse.ArgumentParser(prog="python -m tools.inputforms.wrap", description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--set", action="append", dest="sets")
    ap.add_argument("--form", action="append", dest="forms")
    args = ap.parse_args(argv)
    forms = [f for f in FORMS if not args.forms or f.name in args.forms]
    manifest = build(args.out, load_sets(args.sets), forms)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
