"""The `diagnose` and `signatures` commands: name the failure, explain it, show the fix.

Commands stay thin (STYLE.md §9): read options, call the library, print.  The
renderers below turn an `Analysis` or a `Catalog` into table, JSON or
Markdown text; they are plain functions so tests and the lead's reports can
reuse them.
"""

from __future__ import annotations

import difflib
import json
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import click

from migtrace._cli_common import input_options, load_analysis, run_safely
from migtrace.analysis import Analysis
from migtrace.catalog import SEVERITIES, SEVERITY_RANK, Catalog, Signature, load_catalog
from migtrace.diagnose import all_findings, worst_severity
from migtrace.errors import NotFoundError
from migtrace.model import Finding, Migration
from migtrace.serialize import finding_dict, iso

FORMATS = ("table", "json", "markdown")
_WIDTH = 100


# --------------------------------------------------------------------------- commands


@click.command("diagnose")
@input_options
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 1 when a finding of this severity or worse is found (for scripts).")
@run_safely
def diagnose(fmt: str, fail_on: str | None, **inputs: Any) -> None:
    """Name the known failures in each migration, with the fix; list unrecognised errors.

    Example: migtrace diagnose /var/tmp/incident/ --fail-on error
    """
    analysis = load_analysis(**inputs)
    click.echo(render_diagnosis(analysis, fmt))
    if fail_on and fired_at_least(all_findings(analysis), fail_on):
        sys.exit(1)


@click.group("signatures")
def signatures() -> None:
    """Browse and test the known-failure signatures (shipped and your own).

    Example: migtrace signatures show apparmor-seclabel-mismatch
    """


@signatures.command("list")
@click.option("--signatures", "extra", multiple=True, metavar="FILE_OR_DIR",
              help="Add your own failure signatures (YAML).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@run_safely
def list_signatures(extra: tuple[str, ...], fmt: str) -> None:
    """List every signature: id, severity, component, flows and title.

    Example: migtrace signatures list --signatures ./my-signatures/
    """
    click.echo(render_catalog(load_catalog(extra), fmt))


@signatures.command("show")
@click.argument("ident")
@click.option("--signatures", "extra", multiple=True, metavar="FILE_OR_DIR",
              help="Add your own failure signatures (YAML).")
@run_safely
def show_signature(ident: str, extra: tuple[str, ...]) -> None:
    """Show one signature: explanation, remedy, references, match expression and an example line.

    Example: migtrace signatures show iscsi-no-session-exit-21
    """
    catalog = load_catalog(extra)
    sig = catalog.get(ident)
    if sig is None:
        raise NotFoundError(f"no signature '{ident}'{_suggest(ident, catalog)}")
    click.echo(render_signature(sig))


@signatures.command("test")
@input_options
@run_safely
def test_signatures(**inputs: Any) -> None:
    """Show which signatures fire on these logs, and how often.

    Example: migtrace signatures test my-fixture.log --signatures ./my-signatures/
    """
    if not inputs.get("paths"):
        raise click.UsageError("give at least one log FILE to test the signatures on")
    click.echo(render_fired(load_analysis(**inputs)))


# --------------------------------------------------------------------------- helpers


def fired_at_least(findings: Iterable[Finding], severity: str) -> bool:
    """Return True when any finding is at least as severe as `severity`."""
    worst = worst_severity(findings)
    return worst is not None and SEVERITY_RANK[worst] >= SEVERITY_RANK[severity]


def _suggest(ident: str, catalog: Catalog) -> str:
    close = difflib.get_close_matches(ident, [s.id for s in catalog.signatures], n=3)
    return f" (did you mean: {', '.join(close)}?)" if close else ""


def _wrap(text: str, indent: str) -> str:
    """Fill text to the terminal width; a label such as "  why: " hangs on the first line."""
    hanging = " " * len(indent)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join(textwrap.fill(" ".join(p.split()), _WIDTH, initial_indent=indent if i == 0 else hanging,
                                   subsequent_indent=hanging) for i, p in enumerate(paragraphs))


def _table(rows: Sequence[Sequence[str]], header: Sequence[str], indent: str = "") -> list[str]:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _distinct_signatures(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        if f.recognised and f.signature_id not in seen:
            seen[f.signature_id] = f
    return list(seen.values())


def _migration_line(m: Migration) -> str:
    route = f"{m.source_host or '?'} -> {m.dest_host or '?'}"
    return f"{m.id}  {m.kind}  instance {m.instance or '?'}  {m.status}  {route}  started {iso(m.started)}"


# --------------------------------------------------------------------------- diagnosis


def render_diagnosis(analysis: Analysis, fmt: str) -> str:
    """Render the findings of an analysis as table, json or markdown text."""
    if fmt == "json":
        return json.dumps(diagnosis_dict(analysis), indent=2)
    if fmt == "markdown":
        return _diagnosis_markdown(analysis)
    return _diagnosis_table(analysis)


def diagnosis_dict(analysis: Analysis) -> dict[str, Any]:
    """Return the JSON document of `diagnose -f json`."""
    findings = all_findings(analysis)
    return {
        "migrations": [
            {"id": m.id, "kind": m.kind, "instance": m.instance, "status": m.status,
             "source_host": m.source_host, "dest_host": m.dest_host, "started": iso(m.started),
             "ended": iso(m.ended), "findings": [finding_dict(f) for f in m.findings]}
            for m in analysis.migrations
        ],
        "orphan_findings": [finding_dict(f) for f in analysis.orphan_findings],
        "summary": {
            "migrations": len(analysis.migrations),
            "findings": sum(1 for f in findings if f.recognised),
            "unrecognised": sum(1 for f in findings if not f.recognised),
            "worst_severity": worst_severity(findings),
        },
    }


def _finding_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [[f.severity.upper(), f.signature_id, f"x{f.count}", f.phase or "-",
             iso(f.first_seen) or "", f.title] for f in findings]


_FINDING_HEADER = ("SEVERITY", "FINDING", "COUNT", "PHASE", "FIRST SEEN", "TITLE")


def _diagnosis_table(analysis: Analysis) -> str:
    lines: list[str] = []
    for m in analysis.migrations:
        lines.append(_migration_line(m))
        if m.findings:
            lines.extend(_table(_finding_rows(m.findings), _FINDING_HEADER, indent="  "))
        else:
            lines.append("  no findings")
        lines.append("")
    if analysis.orphan_findings:
        lines.append("Outside any migration")
        lines.extend(_table(_finding_rows(analysis.orphan_findings), _FINDING_HEADER, indent="  "))
        lines.append("")
    findings = all_findings(analysis)
    if not analysis.migrations and not findings:
        return "No migrations and no findings."
    known = _distinct_signatures(findings)
    if known:
        lines.append("What to do")
        for f in known:
            lines.append(f"{f.signature_id}: {f.title}")
            lines.append(_wrap(f.explanation, "  why: "))
            lines.append(_wrap(f.remedy, "  fix: "))
            if f.references:
                lines.append("  see: " + ", ".join(f.references))
            lines.append("")
    unknown = sum(1 for f in findings if not f.recognised)
    if unknown:
        lines.append(f"{unknown} unrecognised error template(s): see the evidence with "
                     "`migtrace timeline ID`, then describe them with --signatures FILE.")
    return "\n".join(lines).rstrip()


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_findings(findings: Sequence[Finding]) -> list[str]:
    lines = ["| severity | finding | count | phase | first seen | title |",
             "|---|---|---|---|---|---|"]
    for f in findings:
        lines.append(f"| {f.severity} | `{f.signature_id}` | {f.count} | {f.phase or '-'} | "
                     f"{iso(f.first_seen)} | {_md_cell(f.title)} |")
    return lines


def _diagnosis_markdown(analysis: Analysis) -> str:
    lines = ["# migtrace diagnosis", ""]
    findings = all_findings(analysis)
    if not analysis.migrations and not findings:
        return "\n".join(lines + ["No migrations and no findings."])
    for m in analysis.migrations:
        lines += [f"## {m.kind} `{m.id}`", "",
                  f"Instance `{m.instance or '?'}`, {m.status}, "
                  f"{m.source_host or '?'} → {m.dest_host or '?'}, started {iso(m.started)}.", ""]
        lines += (_md_findings(m.findings) if m.findings else ["No findings."]) + [""]
    if analysis.orphan_findings:
        lines += ["## Outside any migration", ""] + _md_findings(analysis.orphan_findings) + [""]
    known = _distinct_signatures(findings)
    if known:
        lines += ["## What to do", ""]
        for f in known:
            lines += [f"### `{f.signature_id}`: {f.title}", "", f.explanation.strip(), "",
                      "**Fix:** " + f.remedy.strip(), ""]
            if f.references:
                lines += ["References: " + ", ".join(f"<{r}>" for r in f.references), ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- catalog


def render_catalog(catalog: Catalog, fmt: str) -> str:
    """Render the signature list as table, json or markdown text."""
    sigs = catalog.signatures
    if fmt == "json":
        return json.dumps([signature_dict(s) for s in sigs], indent=2)
    rows = [[s.id, s.severity, s.component, ",".join(s.flows) or "all",
             ("(fallback) " if s.fallback else "") + s.title] for s in sigs]
    header = ("ID", "SEVERITY", "COMPONENT", "FLOWS", "TITLE")
    if fmt == "markdown":
        lines = ["| " + " | ".join(h.lower() for h in header) + " |", "|---" * len(header) + "|"]
        lines += ["| `" + r[0] + "` | " + " | ".join(_md_cell(c) for c in r[1:]) + " |" for r in rows]
        return "\n".join(lines)
    return "\n".join(_table(rows, header))


def signature_dict(sig: Signature) -> dict[str, Any]:
    """Return every field of a signature as JSON-ready data."""
    return {
        "id": sig.id, "title": sig.title, "severity": sig.severity, "component": sig.component,
        "flows": list(sig.flows), "phases": list(sig.phases), "fallback": sig.fallback,
        "match": sig.match.text.strip(), "hint": sig.hint, "explanation": sig.explanation,
        "remedy": sig.remedy, "references": list(sig.references), "example": sig.example,
        "releases": sig.releases, "path": sig.path,
    }


def render_signature(sig: Signature) -> str:
    """Render one signature for `signatures show`."""
    lines = [
        f"{sig.id}: {sig.title}",
        f"  severity: {sig.severity}{'  (fallback: only when nothing specific matched)' if sig.fallback else ''}",
        f"  component: {sig.component}   flows: {', '.join(sig.flows) or 'all'}"
        + (f"   phases: {', '.join(sig.phases)}" if sig.phases else ""),
    ]
    if sig.releases:
        lines.append(f"  releases: {sig.releases}")
    lines += ["", "Match:", _wrap(sig.match.text, "  ")]
    if sig.hint:
        lines.append(f"  (hint: {sig.hint!r})")
    lines += ["", "Why:", _wrap(sig.explanation, "  "), "", "Fix:", _wrap(sig.remedy, "  ")]
    if sig.references:
        lines += ["", "References:"] + [f"  {r}" for r in sig.references]
    if sig.example:
        lines += ["", "Example:", f"  {sig.example}"]
    lines += ["", f"File: {sig.path}"]
    return "\n".join(lines)


def render_fired(analysis: Analysis) -> str:
    """Render which signatures fired on an analysis (for `signatures test`)."""
    counts: dict[str, list[int]] = {}
    for f in all_findings(analysis):
        key = f.signature_id
        entry = counts.setdefault(key, [0, 0])
        entry[0] += f.count
        entry[1] += 1
    if not counts:
        return "No signature fired."
    rows = [[sid, str(events), str(findings)] for sid, (events, findings) in sorted(counts.items())]
    return "\n".join(_table(rows, ("SIGNATURE", "MATCHED EVENTS", "FINDINGS")))
