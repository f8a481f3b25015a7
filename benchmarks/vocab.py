"""The selective first pass's vocabulary, as the package derives it (migtrace/pipeline/_vocab.py).

This module only shows it, with where each literal comes from: the phase
markers (case-sensitive), the signatures' covering phrases (any case), the
Keeper's own texts, the self-naming texts and the level words from WARNING
up.  The derivation itself lives in the package (never a hand-kept list).

Run: python -m benchmarks.vocab [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

from migtrace._naming import SELF_NAMING_TEXTS
from migtrace.correlate.markers import load_markers
from migtrace.diagnose.catalog import load_catalog
from migtrace.pipeline._keep import KEEP_TEXTS
from migtrace.pipeline._vocab import LEVEL_WORDS, build, signature_cover


@dataclass(frozen=True, slots=True)
class Literal:
    """One needle of the vocabulary and where it comes from."""

    text: str
    source: str  # marker:<id> | signature:<id> | keeper | self-naming | level
    case_sensitive: bool


def vocabulary(mode: str = "cover") -> list[Literal]:
    """Every literal of the package's vocabulary, with its first source (`mode` is kept for old callers)."""
    if mode != "cover":
        raise ValueError("only the covering vocabulary exists (migtrace/pipeline/_vocab.py)")
    markers = load_markers()
    catalog = load_catalog()
    vocab = build(markers, catalog)
    out: dict[tuple[str, bool], Literal] = {}

    def add(text: str, source: str, exact: bool) -> None:
        out.setdefault((text, exact), Literal(text, source, exact))

    for m in markers.markers:
        add(m.text or m.logger or "", f"marker:{m.id}", True)
    for t in KEEP_TEXTS:
        add(t, "keeper", True)
    for t in SELF_NAMING_TEXTS:
        add(t, "self-naming (hosts not known only)", True)
    for t in LEVEL_WORDS:
        add(t, "level", True)
    for sig in catalog:
        for t in signature_cover(sig) or ():
            add(t, f"signature:{sig.id}", False)
    wanted = {(t, True) for t in vocab.exact | vocab.hostless} | {(t, False) for t in vocab.caseless}
    return [lit for key, lit in out.items() if key in wanted]


def needles(mode: str = "cover") -> list[bytes]:
    """The vocabulary as byte needles for a case-sensitive raw search (caseless phrases lower-case)."""
    return sorted({lit.text.encode("utf-8") for lit in vocabulary(mode)})


def main(argv: list[str] | None = None) -> int:
    """Print the vocabulary (text, source, case rule)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    vocab = vocabulary()
    uncovered = build(load_markers(), load_catalog()).uncovered
    if args.json:
        json.dump({"literals": [asdict(v) for v in vocab], "uncovered": list(uncovered)}, sys.stdout, indent=1)
        print()
        return 0
    for v in vocab:
        print(f"{'Aa' if v.case_sensitive else 'aa'}  {v.text!r:70}  {v.source}")
    print(f"\n{len(vocab)} literals ({sum(v.case_sensitive for v in vocab)} case-sensitive, "
          f"{sum(not v.case_sensitive for v in vocab)} case-insensitive signature phrases); signatures without "
          f"a cover: {', '.join(uncovered) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
