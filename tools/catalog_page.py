"""Generate docs/catalog.md, the shipped signature catalog, from the signature files themselves.

tests/test_docs.py fails when the committed page differs from what this
prints, so the page always lists exactly the signatures migtrace ships, the
releases each one's wording belongs to, its references, the remedies that
need a release, and the findings that do not come from a signature file
(stalls, long downtime, unrecognised failures).
"""

from __future__ import annotations

import sys
from pathlib import Path

from migtrace.diagnose import UNRECOGNISED_ID
from migtrace.diagnose._downtime import downtime_rules
from migtrace.diagnose._stall import stall_rules
from migtrace.diagnose.catalog import Signature, load_catalog

TARGET = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _row(sig: Signature) -> str:
    refs = ", ".join(f"<{r}>" if r.startswith(("http://", "https://")) else _cell(r) for r in sig.references)
    title = ("(fallback) " if sig.fallback else "") + sig.title
    return (f"| `{sig.id}` | {sig.severity} | {sig.component} | {', '.join(sig.flows) or 'all'} | "
            f"{_cell(sig.releases) or 'any'} | {_cell(title)} | {refs} |")


def _remedy_rows(sigs: list[Signature]) -> list[str]:
    return [f"| `{s.id}` | {r.bounds()} | {_cell(r.text)} |" for s in sigs for r in s.remedies if r.bounds()]


def _other_findings() -> list[str]:
    rows = [f"| `{r.id}` | {r.severity} | stall (`migtrace/data/stalls.yaml`): {_cell(r.title)}, no return for "
            f"{r.idle_s} s while the host kept logging; the move's status becomes `stalled` |" for r in stall_rules()]
    rows += [f"| `{r.id}` | {r.severity} | downtime (`migtrace/data/downtime_rules.yaml`): "
             f"{', '.join(sorted(r.kinds))} down for {r.min_downtime_s:g} s or more |" for r in downtime_rules()]
    rows.append(f"| `{UNRECOGNISED_ID}` | error or warning | a failure record (ERROR/CRITICAL, or a WARNING of "
                "`migtrace/data/failure_warnings.yaml`) that no signature recognises, in a move or outside any |")
    return rows


def render() -> str:
    """Return the catalog page."""
    sigs = sorted(load_catalog().signatures, key=lambda s: (s.component, s.id))
    lines = [
        "# Signature catalog",
        "",
        "Generated from `migtrace/signatures/**/*.yaml` by `python -m tools.catalog_page`; do not edit by hand.",
        f"{len(sigs)} signatures. `migtrace signatures show ID` prints one with its explanation, remedy and",
        "example; docs/signatures.md explains the file format and the query language. *Releases* are those",
        "whose wording the match follows (§ references point to docs/nova-migration-logs.md).",
        "",
        "| id | severity | component | flows | releases | title | references |",
        "|---|---|---|---|---|---|---|",
        *(_row(s) for s in sigs),
        "",
        "## Remedies that need a release",
        "",
        "Suggested only when the logs may come from a release that has the option (the release is",
        "inferred from the logs' wording, or given with `--release NAME`); when the release is not known",
        "precisely, the remedy is shown with these bounds.",
        "",
        "| signature | releases | remedy |",
        "|---|---|---|",
        *_remedy_rows(sigs),
        "",
        "## Findings that do not come from a signature file",
        "",
        "| id | severity | what |",
        "|---|---|---|",
        *_other_findings(),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write docs/catalog.md."""
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
