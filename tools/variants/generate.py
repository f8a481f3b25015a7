"""Write every variant of every sample set, each with its variant.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tools.variants.families import Variant, build, variants_for
from tools.variants.records import SampleSet, load_set
from tools.variants.rules import variant_truth

SCHEMA = "migtrace-variant"
SCHEMA_VERSION = 1


def sample_sets(samples: Path, names: list[str] | None = None) -> list[Path]:
    """Return the sample set directories (those with a truth.json), optionally only the named ones."""
    found = sorted(p for p in samples.iterdir() if (p / "truth.json").is_file())
    return [p for p in found if not names or p.name in names]


def write_variant(sset: SampleSet, variant: Variant, target: Path) -> dict[str, Any]:
    """Write one variant under `target` (replacing it) and return its variant.json document."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    view, invocation = build(sset, variant, target)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "set": sset.name,
        "variant": variant.name,
        "family": variant.family,
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in variant.params},
        "invocation": invocation.as_json(),
        "hosts_kept": sorted({r.host for r in sset.records if r.seq in view.retained and r.host}),
        "clock_offsets_s": {h: view.offset(h).total_seconds() for h in sorted(view.clocks)},
        "records_kept": len(view.retained),
        "records_total": len(sset.records),
        "migrations": variant_truth(sset, view),
    }
    (target / "variant.json").write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return doc


def generate(samples: Path, out: Path, sets: list[str] | None = None,
             families: list[str] | None = None, only: list[str] | None = None) -> list[Path]:
    """Write the variants of the chosen sets under out/<set>/<variant>; return their directories."""
    written = []
    for root in sample_sets(samples, sets):
        sset = load_set(root)
        for variant in variants_for(sset):
            if families and variant.family not in families:
                continue
            if only and variant.name not in only:
                continue
            target = out / sset.name / variant.name
            write_variant(sset, variant, target)
            written.append(target)
    return written
