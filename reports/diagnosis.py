"""The diagnosis and the signature catalog as table, JSON and Markdown text.

`diagnose` shows per migration the findings, then "what to do" once per
signature (why, fix, references); `signatures list|show` and `signatures
test` show the catalog and what fired.  Tables go through the one listing
formatter, text through the shared formatting helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from migtrace.diagnose import LogsRelease, all_findings, worst_severity
from migtrace.diagnose.catalog import Catalog, Signature
from migtrace.model import Finding, Migration
from migtrace.pipeline import Analysis
from migtrace.reports._format import code_span, md_escape, wrap
from migtrace.reports._listing import Column, Row, TableSpec, listing, register_table
from migtrace.reports._registry import Renderer, RenderOptions, register
from migtrace.reports.finding_rows import finding_order
from migtrace.serialize import finding_dict, iso

FORMATS = ("table", "json", "markdown")

_FINDING_COLUMNS = ("severity", "finding", "count", "phase", "first_seen", "title")
_FINDING_HEADERS = ("SEVERITY", "FINDING", "COUNT", "PHASE", "FIRST SEEN", "TITLE")


def _findings_of(analysis: Analysis) -> list[Finding]:
    return all_findings(analysis.migrations, analysis.orphan_findings)


def _distinct_signatures(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        if f.recognised and f.signature_id not in seen:
            seen[f.signature_id] = f
    return list(seen.values())


def _migration_line(m: Migration) -> str:
    route = f"{m.source_host or '?'} -> {m.dest_host or '?'}"
    return f"{m.id}  {m.kind}  instance {m.instance or '?'}  {m.status}  {route}  started {iso(m.started)}"


def _finding_rows(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [{"severity": f.severity.upper(), "finding": f.signature_id, "count": f"x{f.count}",
             "phase": f.phase or "-", "first_seen": iso(f.first_seen) or "", "title": f.title} for f in findings]


def _finding_table(findings: Sequence[Finding], options: RenderOptions | None = None) -> list[str]:
    columns: tuple[str, ...] = _FINDING_COLUMNS
    headers: tuple[str, ...] = _FINDING_HEADERS
    rows = _finding_rows(findings)
    if options is not None:  # -c and --sort-column (finding_rows.FINDING_COLUMNS names) pick and order
        chosen = [c for c in options.columns if c in _FINDING_COLUMNS] or list(_FINDING_COLUMNS)
        headers = tuple(_FINDING_HEADERS[_FINDING_COLUMNS.index(c)] for c in chosen)
        columns = tuple(chosen)
        rows = [rows[i] for i in finding_order(findings, options)]
    width = options.max_width - 2 if options is not None and options.max_width > 2 else 0
    text = listing(rows, columns, "table", headers, indent="  ", max_width=width, shrink=("title",))
    return text.rstrip("\n").split("\n")


# --------------------------------------------------------------------------- diagnosis


def release_dict(release: LogsRelease | None) -> dict[str, Any]:
    """Return the logs' release range: `from`/`to` (null: open), the clues or `--release`, and a sentence."""
    if release is None:
        return {"from": None, "to": None, "given": False, "basis": [], "text": "not diagnosed"}
    low, high = release.range.low, release.range.high
    return {"from": low.name if low else None, "to": high.name if high else None, "given": release.given,
            "basis": list(release.basis), "text": release.describe()}


def diagnosis_dict(analysis: Analysis) -> dict[str, Any]:
    """Return the JSON document of `diagnose -f json`."""
    findings = _findings_of(analysis)
    return {
        "migrations": [
            {"id": m.id, "kind": m.kind, "instance": m.instance, "status": m.status,
             "source_host": m.source_host, "dest_host": m.dest_host, "started": iso(m.started),
             "ended": iso(m.ended), "notes": list(m.notes), "findings": [finding_dict(f) for f in m.findings]}
            for m in analysis.migrations
        ],
        "orphan_findings": [finding_dict(f) for f in analysis.orphan_findings],
        "release": release_dict(analysis.release),
        "summary": {
            "migrations": len(analysis.migrations),
            "findings": sum(1 for f in findings if f.recognised),
            "unrecognised": sum(1 for f in findings if not f.recognised),
            "outside_migrations": len(analysis.orphan_findings),
            "worst_severity": worst_severity(findings),
        },
    }


def _diagnosis_json(analysis: Analysis, options: RenderOptions) -> str:
    return json.dumps(diagnosis_dict(analysis), indent=2)


def _width(options: RenderOptions) -> int:
    """The width text is wrapped to: --max-width, or 100 when there is none."""
    return options.max_width or 100


def _what_to_do(findings: Sequence[Finding], width: int = 100) -> list[str]:
    lines: list[str] = []
    for f in _distinct_signatures(findings):
        lines += [wrap(f"{f.signature_id}: {f.title}", "", width), wrap(f.explanation, "  why: ", width),
                  wrap(f.remedy, "  fix: ", width)]
        if f.references:
            lines.append(wrap(", ".join(f.references), "  see: ", width))
        lines.append("")
    return (["What to do", *lines]) if lines else []


def _diagnosis_table(analysis: Analysis, options: RenderOptions) -> str:
    findings = _findings_of(analysis)
    if not analysis.migrations and not findings:
        return "No migrations and no findings."
    lines: list[str] = []
    for m in analysis.migrations:
        lines.append(_migration_line(m))
        lines += [wrap(note, "  note: ", _width(options)) for note in m.notes]
        lines.extend(_finding_table(m.findings, options) if m.findings else ["  no findings"])
        lines.append("")
    if analysis.orphan_findings:
        lines += [f"Outside any migration ({_count(len(analysis.orphan_findings), 'failure')})",
                  *_finding_table(analysis.orphan_findings, options), ""]
    lines += _what_to_do(findings, _width(options))
    unknown = sum(1 for f in findings if not f.recognised)
    if unknown:
        lines.append(wrap(f"{unknown} unrecognised failure template(s): see the evidence with "
                          "`migtrace timeline ID` (or `migtrace diagnose -f json`), then describe them with "
                          "--signatures FILE.", "", _width(options)))
    if analysis.release is not None:
        lines.append(f"Release of the logs: {analysis.release.describe()}")
    return "\n".join(lines).rstrip()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _md_findings(findings: Sequence[Finding]) -> list[str]:
    lines = ["| severity | finding | count | phase | first seen | title |",
             "|---|---|---|---|---|---|"]
    for f in findings:
        lines.append(f"| {f.severity} | `{f.signature_id}` | {f.count} | {f.phase or '-'} | "
                     f"{iso(f.first_seen)} | {md_escape(f.title)} |")
    return lines


def _diagnosis_markdown(analysis: Analysis, options: RenderOptions) -> str:
    lines = ["# migtrace diagnosis", ""]
    findings = _findings_of(analysis)
    if not analysis.migrations and not findings:
        return "\n".join([*lines, "No migrations and no findings."])
    for m in analysis.migrations:
        lines += [f"## {m.kind} {code_span(m.id)}", "",
                  f"Instance {code_span(m.instance or '?')}, {m.status}, "
                  f"{md_escape(m.source_host or '?')} → {md_escape(m.dest_host or '?')}, started {iso(m.started)}.", ""]
        lines += [f"Note: {md_escape(note)}" for note in m.notes] + ([""] if m.notes else [])
        lines += (_md_findings(m.findings) if m.findings else ["No findings."]) + [""]
    if analysis.orphan_findings:
        lines += ["## Outside any migration", "", *_md_findings(analysis.orphan_findings), ""]
    if analysis.release is not None:
        lines += [f"Release of the logs: {md_escape(analysis.release.describe())}", ""]
    known = _distinct_signatures(findings)
    if known:
        lines += ["## What to do", ""]
        for f in known:
            lines += [f"### {code_span(f.signature_id)}: {md_escape(f.title)}", "", f.explanation.strip(), "",
                      "**Fix:** " + f.remedy.strip(), ""]
            if f.references:
                lines += ["References: " + ", ".join(f"<{r}>" for r in f.references), ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- catalog


def signature_dict(sig: Signature) -> dict[str, Any]:
    """Return every field of a signature as JSON-ready data."""
    return {
        "id": sig.id, "title": sig.title, "severity": sig.severity, "component": sig.component,
        "flows": list(sig.flows), "phases": list(sig.phases), "fallback": sig.fallback,
        "match": sig.match.text.strip(), "hint": sig.hint, "explanation": sig.explanation,
        "remedy": sig.remedy,
        "remedies": [{"text": r.text, "min_release": r.min_release.name if r.min_release else None,
                      "max_release": r.max_release.name if r.max_release else None} for r in sig.remedies],
        "references": list(sig.references), "example": sig.example,
        "releases": sig.releases,
        "release_range": {"from": sig.release_range.low.name if sig.release_range.low else None,
                          "to": sig.release_range.high.name if sig.release_range.high else None},
        "path": sig.path,
    }


def _catalog_rows(catalog: Catalog, options: RenderOptions | None = None) -> list[dict[str, Any]]:
    return [signature_dict(s) for s in catalog.signatures]


def _catalog_title(row: Row) -> str:
    return ("(fallback) " if row["fallback"] else "") + str(row["title"])


#: `signatures list` is a tabular view: the table shows five columns, json/yaml/csv every field
CATALOG_SPEC = TableSpec(
    view="signatures",
    columns=(
        Column("id"), Column("title", display=_catalog_title, shrink=True, min_width=20), Column("severity"),
        Column("component"), Column("flows", display=lambda r: ",".join(r["flows"]) or "all", shrink=True,
                                    min_width=8),
        Column("phases"), Column("fallback"),
        *(Column(c, shrink=True) for c in ("match", "hint", "explanation", "remedy", "references", "example")),
        Column("releases"), Column("path", shrink=True),
    ),
    table=("id", "severity", "component", "flows", "title"),
)


def render_signature(sig: Signature, options: RenderOptions | None = None) -> str:
    """Render one signature for `signatures show`."""
    fallback = "  (fallback: only when nothing specific matched)" if sig.fallback else ""
    phases = f"   phases: {', '.join(sig.phases)}" if sig.phases else ""
    lines = [f"{sig.id}: {sig.title}", f"  severity: {sig.severity}{fallback}",
             f"  component: {sig.component}   flows: {', '.join(sig.flows) or 'all'}{phases}"]
    if sig.releases:
        lines.append(f"  releases: {sig.releases}")
    lines += ["", "Match:", wrap(sig.match.text, "  ")]
    if sig.hint:
        lines.append(f"  (hint: {sig.hint!r})")
    lines += ["", "Why:", wrap(sig.explanation, "  "), "", "Fix:"]
    lines += [wrap(sig.remedy, "  ")] if sig.remedy else []
    lines += [wrap(f"{r.text} ({r.bounds()})" if r.bounds() else r.text, "  - ") for r in sig.remedies]
    if sig.references:
        lines += ["", "References:"] + [f"  {r}" for r in sig.references]
    if sig.example:
        lines += ["", "Example:", f"  {sig.example}"]
    return "\n".join([*lines, "", f"File: {sig.path}"])


def render_fired(analysis: Analysis, options: RenderOptions | None = None) -> str:
    """Render which signatures fired on an analysis (for `signatures test`)."""
    counts: dict[str, list[int]] = {}
    for f in _findings_of(analysis):
        entry = counts.setdefault(f.signature_id, [0, 0])
        entry[0] += f.count
        entry[1] += 1
    if not counts:
        return "No signature fired."
    rows = [{"signature": sid, "events": events, "findings": findings}
            for sid, (events, findings) in sorted(counts.items())]
    return listing(rows, ("signature", "events", "findings"), "table",
                   ("SIGNATURE", "MATCHED EVENTS", "FINDINGS")).rstrip("\n")


_VIEWS: tuple[tuple[str, str, Callable[[Any, RenderOptions], str]], ...] = (
    ("diagnose", "table", _diagnosis_table),
    ("diagnose", "json", _diagnosis_json),
    ("diagnose", "markdown", _diagnosis_markdown),
    ("signature", "text", render_signature),
    ("fired", "table", render_fired),
)

for _view, _name, _render in _VIEWS:
    register(Renderer(view=_view, name=_name, suffix=f".{_name}", render=_render))
register_table(CATALOG_SPEC, _catalog_rows, "the signature catalog")
