"""The plain-text report (`report -f text`, `-o x.txt`): a bug description for Launchpad.

Nova's bugs live on Launchpad, whose descriptions and comments are plain
text: Markdown escapes would show literally there.  So this report has no
markup at all and stays within 80 columns — prose wrapped at word
boundaries, the remedy whole, log lines folded under a hanging indent rather
than cut (a log line is evidence).  It shows what the Markdown ticket body
shows: a summary table, then per migration its facts, findings with the fix,
and the key lines (`markdown_report.key_events`).

Redaction happens before rendering, like for every format; the only way this
renderer changes a piece of text is by folding its whitespace when wrapping,
which is the one escape it declares.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

from migtrace.model import Event, Finding, Migration
from migtrace.pipeline import Analysis
from migtrace.reports._format import clock, duration, duration_short, measured, wrap
from migtrace.reports._listing import Column, aligned
from migtrace.reports._registry import Renderer, RenderOptions, register, source_words
from migtrace.reports.markdown_report import MAX_EXTRA_LINES, key_events

#: Launchpad shows descriptions in a fixed-width column; 80 is what every bug tracker keeps.
WIDTH = 80
_INDENT = "    "


def folded(text: str) -> str:
    """Return text with its whitespace runs folded to single spaces: how wrapping may change it."""
    return " ".join(text.split())


def _fold_line(line: str, indent: str = _INDENT) -> list[str]:
    """Fold one log line into WIDTH columns under a hanging indent (long tokens are split, never lost)."""
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False,
                         drop_whitespace=True) or [""]


def _underline(title: str, char: str) -> list[str]:
    return [title, char * min(len(title), WIDTH)]


def _summary(migrations: Sequence[Migration]) -> list[str]:
    columns = (Column("n", header="#", right=True), Column("kind"), Column("route", shrink=True, min_width=14),
               Column("took", right=True), Column("status"), Column("findings", shrink=True, min_width=14))
    cells = [[str(n), m.kind, f"{m.source_host or '?'} -> {m.dest_host or '?'}", duration_short(m.duration_s),
              m.status, ", ".join(m.finding_ids) or "-"] for n, m in enumerate(migrations, 1)]
    return aligned(columns, cells, WIDTH).rstrip("\n").split("\n")


def _facts(m: Migration, skew: Mapping[str, float]) -> list[str]:
    flags = [f for f, on in (("block migration", m.block_migration), ("volume-backed", m.volume_backed),
                             ("post-copy", m.post_copy)) if on]
    facts = [("instance", m.instance or "unknown"),
             ("requests", ", ".join(m.request_ids) or "none logged"),
             ("hosts", f"{m.source_host or '?'} -> {m.dest_host or '?'}" + (f" ({', '.join(flags)})" if flags else "")),
             ("when", f"{clock(m.started)} -> {clock(m.ended)} UTC ({measured(m, 'duration')})"),
             ("downtime", measured(m, "downtime") + (f" ({m.downtime_basis})" if m.downtime_basis else ""))]
    if m.phases:
        facts.append(("phases", " -> ".join(f"{p.name} {duration(p.duration_s)}"
                                            + (" FAILED" if p.outcome == "failed" else "") for p in m.phases)))
        # what a phase's span does not show (the idle VERIFY_RESIZE wait before a confirm or revert)
        facts += [("phase note", f"{p.name}: {p.detail}") for p in m.phases if p.detail]
    if m.missing_sides:
        facts.append(("missing", ", ".join(m.missing_sides)))
    hosts = sorted(h for h in (m.source_host, m.dest_host) if h and skew.get(h))
    if hosts:
        facts.append(("clock skew", ", ".join(f"{h} {skew[h]:+.3f} s corrected" for h in hosts)))
    facts += [("note", note) for note in m.notes]
    return [line for label, value in facts for line in wrap(value, f"  {label + ':':<12}", WIDTH).split("\n")]


def _findings(findings: Iterable[Finding]) -> list[str]:
    out: list[str] = []
    for f in findings:
        where = f", phase {f.phase}" if f.phase else ""
        count = f", x{f.count}" if f.count > 1 else ""
        head = f"[{f.severity}] {f.title} ({f.signature_id}{count}{where}, first seen {clock(f.first_seen)})"
        out += wrap(head, "  * ", WIDTH).split("\n")
        for label, text in (("why", f.explanation), ("fix", f.remedy)):
            if text:
                out += wrap(text, f"    {label}: ", WIDTH).split("\n")
        out += [f"    see: {r}" for r in f.references]
    return out


def _event_lines(e: Event) -> list[str]:
    head = " ".join((e.time.strftime("%H:%M:%S.") + f"{e.time.microsecond // 1000:03d}", e.host or "-",
                     e.service or "-", e.level or "-", e.request_id or "-"))
    out = [*_fold_line(f"  {head}", _INDENT), *_fold_line(f"{_INDENT}{e.message}", _INDENT * 2)]
    extra = list(e.extra)
    if len(extra) > MAX_EXTRA_LINES:
        out.append(f"{_INDENT * 2}... {len(extra) - MAX_EXTRA_LINES} more lines ...")
        extra = extra[-MAX_EXTRA_LINES:]
    for x in extra:
        out += _fold_line(f"{_INDENT * 2}{x.rstrip()}", _INDENT * 3)
    return out


def _migration(n: int, m: Migration, skew: Mapping[str, float]) -> list[str]:
    out = ["", *_underline(f"{n}. {m.kind} of {m.instance or 'an unknown instance'}: {m.status}", "-"),
           *_facts(m, skew)]
    recognised = [f for f in m.findings if f.recognised]
    unrecognised = [f for f in m.findings if not f.recognised]
    if recognised:
        out += ["", "  Findings:", *_findings(recognised)]
    if unrecognised:
        out += ["", "  Unrecognised errors:", *_findings(unrecognised)]
    keys = key_events(m)
    if keys:
        out += ["", "  Key lines (UTC):", *(line for e in keys for line in _event_lines(e))]
    return out


def render(analysis: Analysis, options: RenderOptions) -> str:
    """Render the plain-text report, every line within 80 columns but unbreakable tokens."""
    migs = analysis.migrations
    out = _underline(options.title, "=")
    out += wrap(f"{len(migs)} migration(s) - {analysis.lines_read} lines read from {len(analysis.stats)} "
                f"input(s), {analysis.unparsed_lines} unparsed - migtrace {options.version} - generated "
                f"{options.generated.strftime('%Y-%m-%d %H:%M')} UTC - redacted: "
                f"{', '.join(options.redacted) or 'nothing'}", "", WIDTH).split("\n")
    out += ["", *(_summary(migs) if migs else ["No migration was found in the inputs."])]
    for n, m in enumerate(migs, 1):
        out += _migration(n, m, analysis.skew)
    if analysis.orphan_findings:
        out += ["", *_underline("Findings outside any migration", "-"), *_findings(analysis.orphan_findings)]
    if analysis.warnings:
        out += ["", *_underline("Warnings", "-"), *(x for w in analysis.warnings for x in wrap(w, "  * ", WIDTH)
                                                        .split("\n"))]
    return "\n".join(out).rstrip("\n") + "\n"


RENDERER = register(Renderer(view="report", name="text", suffix=".txt", render=render, escapes=(folded,),
                             description="plain text within 80 columns, for Launchpad and mail",
                             vocabulary=lambda: source_words(__file__)))
