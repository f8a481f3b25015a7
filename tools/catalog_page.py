"""Generate docs/catalog.md, the shipped signature catalog, from the signature files themselves.

tests/test_docs.py fails when the committed page differs from what this
prints, so the page always lists exactly the signatures migtrace ships.
"""

from __future__ import annotations

import sys
from pathlib import Path

from migtrace.diagnose.catalog import Signature, load_catalog

TARGET = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _row(sig: Signature) -> str:
    refs = ", ".join(f"<{r}>" if r.startswith(("http://", "https://")) else _cell(r) for r in sig.references)
    title = ("(fallback) " if sig.fallback else "") + sig.title
    return (f"| `{sig.id}` | {sig.severity} | {sig.component} | {', '.join(sig.flows) or 'all'} | "
            f"{_cell(sig.releases) or 'any'} | {_cell(title)} | {refs} |")


def render() -> str:
    """Return the catalog page."""
    sigs = sorted(load_catalog().signatures, key=lambda s: (s.component, s.id))
    lines = [
        "# Signature catalog",
        "",
        "Generated from `migtrace/signatures/**/*.yaml` by `python -m tools.catalog_page`; do not edit by hand.",
        f"{len(sigs)} signatures. `migtrace signatures show ID` prints one with its explanation, remedy and",
        "example; docs/signatures.md explains the file format and the query language.",
        "",
        "| id | severity | component | flows | releases | title | references |",
        "|---|---|---|---|---|---|---|",
        *(_row(s) for s in sigs),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write docs/catalog.md."""
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
