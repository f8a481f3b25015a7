"""The Markdown report: a compact ticket body (summary table, findings, key lines).

Bug trackers render Markdown and many pass raw HTML through, so every piece
of log text outside a code block is escaped (`<`, `|`, `*`, `_`, `` ` ``),
and code blocks use a fence longer than any backtick run inside them.  Only
the lines that tell the story are quoted: warnings and errors, the first
line of each phase and the evidence of each finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from migtrace.model import Event, Finding, Migration, level_rank
from migtrace.pipeline import Analysis
from migtrace.reports._format import (
    clock,
    code_block,
    code_span,
    duration,
    markdown_text,
    md_escape,
    md_prose,
    measured,
)
from migtrace.reports._registry import Renderer, RenderOptions, register, source_words

#: Key lines quoted per migration; a ticket body should stay readable.
MAX_KEY_LINES = 40
#: Traceback lines kept under a quoted record (the last ones hold the exception).
MAX_EXTRA_LINES = 8
#: Key lines shown open; a longer block is folded in `<details>` so the ticket stays short.
MAX_OPEN_KEY_LINES = 15

def fmt_time(m: Migration | Finding | Event, attr: str = "started") -> str:
    """Format a model time as `2024-03-05 10:00:00.000Z`."""
    return clock(getattr(m, attr)) + "Z"


def event_line(e: Event) -> list[str]:
    """Return an event as the lines quoted in a code block (header, message, traceback tail)."""
    head = " ".join(x for x in (
        e.time.strftime("%H:%M:%S.") + f"{e.time.microsecond // 1000:03d}",
        e.host or "-", e.service or "-", (e.level or "-").ljust(7), e.request_id or "-",
    ))
    lines = [f"{head} {e.message}"]
    extra = list(e.extra)
    if len(extra) > MAX_EXTRA_LINES:
        lines.append(f"    … {len(extra) - MAX_EXTRA_LINES} more lines …")
        extra = extra[-MAX_EXTRA_LINES:]
    lines.extend(f"    {x}" for x in extra)
    return lines


def key_events(m: Migration) -> list[Event]:
    """Pick the events that tell the story: phase starts, warnings and errors, finding evidence."""
    chosen: dict[int, Event] = {}
    for p in m.phases:
        if p.events:
            chosen[id(p.events[0])] = p.events[0]
    for f in m.findings:
        for e in f.events:
            chosen[id(e)] = e
    for e in m.events:
        if level_rank(e.level) >= level_rank("WARNING"):
            chosen[id(e)] = e
    return sorted(chosen.values(), key=lambda e: (e.time, e.source, e.lineno))[:MAX_KEY_LINES]


def _summary_table(migrations: Sequence[Migration]) -> list[str]:
    out = [
        "| # | Kind | Instance | Source → Dest | Started (UTC) | Duration | Downtime | Status | Findings |",
        "|---|------|----------|---------------|---------------|---------:|---------:|--------|----------|",
    ]
    for n, m in enumerate(migrations, 1):
        findings = ", ".join(m.finding_ids) + (" +unrecognised" if any(not f.recognised for f in m.findings) else "")
        out.append(
            f"| {n} | {md_escape(m.kind)} | {code_span(m.instance)} | "
            f"{md_escape(m.source_host)} → {md_escape(m.dest_host)} | {fmt_time(m)} | "
            f"{md_escape(measured(m, 'duration'))} | {md_escape(measured(m, 'downtime'))} | "
            f"**{md_escape(m.status)}** | "
            f"{md_escape(findings) if findings else '–'} |"
        )
    return out


def _findings(findings: Iterable[Finding]) -> list[str]:
    out: list[str] = []
    for f in findings:
        where = f", phase {code_span(f.phase)}" if f.phase else ""
        count = f", ×{f.count}" if f.count > 1 else ""
        out.append(f"- **{md_prose(f.title)}** ({code_span(f.signature_id)}, {md_escape(f.severity)}{count}{where}, "
                   f"first seen {fmt_time(f, 'first_seen')})")
        if f.explanation:
            out.append(f"  {md_prose(f.explanation)}")
        if f.remedy:
            out.append(f"  *Remedy:* {md_prose(f.remedy)}")
        refs = [r for r in f.references if r.startswith(("https://", "http://"))]
        if refs:
            out.append("  *References:* " + ", ".join(f"<{r.replace('>', '%3E').replace(' ', '%20')}>" for r in refs))
    return out


def _migration(n: int, m: Migration, skew: Mapping[str, float]) -> list[str]:
    out = [f"## {n}. {md_escape(m.kind)} of {code_span(m.instance)}: {md_escape(m.status)}", ""]
    out.append(f"- **Request ids:** {', '.join(code_span(r) for r in m.request_ids) or '–'}")
    flags = [name for name, on in (("block migration", m.block_migration), ("volume-backed", m.volume_backed),
                                   ("post-copy", m.post_copy)) if on]
    out.append(f"- **Hosts:** {md_escape(m.source_host)} → {md_escape(m.dest_host)}"
               + (f" ({', '.join(flags)})" if flags else ""))
    out.append(f"- **When:** {fmt_time(m)} → {fmt_time(m, 'ended')} ({md_escape(measured(m, 'duration'))}), "
               f"downtime {md_escape(measured(m, 'downtime'))}"
               + (f" ({md_escape(m.downtime_basis)})" if m.downtime_basis else ""))
    if m.phases:
        out.append("- **Phases:** " + " → ".join(
            f"{code_span(p.name)} {duration(p.duration_s)}" + (" **failed**" if p.outcome == "failed" else "")
            for p in m.phases))
        # what a phase's span does not show (the idle VERIFY_RESIZE wait before a confirm or revert)
        out.extend(f"  - {code_span(p.name)}: {md_escape(p.detail)}" for p in m.phases if p.detail)
    if m.missing_sides:
        out.append(f"- **Missing logs:** {md_escape(', '.join(m.missing_sides))}")
    hosts = {h for h in (m.source_host, m.dest_host) if h}
    skewed = [f"{md_escape(h)} {skew[h]:+.3f} s" for h in sorted(hosts) if skew.get(h)]
    if skewed:
        out.append(f"- **Clock skew corrected:** {', '.join(skewed)}")
    out.extend(f"- *Note:* {md_escape(x)}" for x in m.notes)
    recognised = [f for f in m.findings if f.recognised]
    unrecognised = [f for f in m.findings if not f.recognised]
    if recognised:
        out += ["", "### Findings", "", *_findings(recognised)]
    if unrecognised:
        out += ["", "### Unrecognised errors", "", *_findings(unrecognised)]
    keys = key_events(m)
    if keys:
        lines = [line for e in keys for line in event_line(e)]
        block = code_block(lines)
        if len(lines) > MAX_OPEN_KEY_LINES:  # a long block folds: the summary and findings stay on screen
            block = f"<details><summary>{len(keys)} key lines ({len(lines)} with tracebacks)</summary>\n\n{block}" \
                    "\n\n</details>"
        out += ["", "### Key lines", "", block]
    return [*out, ""]


def render(analysis: Analysis, options: RenderOptions) -> str:
    """Render the ticket body."""
    migs = analysis.migrations
    out = [f"# {md_escape(options.title)}", ""]
    out.append(f"*{len(migs)} migration(s) · {analysis.lines_read} lines read from {len(analysis.stats)} input(s), "
               f"{analysis.unparsed_lines} unparsed · migtrace {md_escape(options.version)} · "
               f"generated {options.generated.strftime('%Y-%m-%d %H:%M')}Z · "
               f"redacted: {md_escape(', '.join(options.redacted) or 'nothing')}*")
    out.append("")
    if migs:
        out += [*_summary_table(migs), ""]
    else:
        out += ["No migration was found in the inputs.", ""]
    for n, m in enumerate(migs, 1):
        out += _migration(n, m, analysis.skew)
    if analysis.orphan_findings:
        out += ["## Findings outside any migration", "", *_findings(analysis.orphan_findings), ""]
    if analysis.warnings:
        out += ["## Warnings", "", *(f"- {md_escape(w)}" for w in analysis.warnings), ""]
    return "\n".join(out).rstrip("\n") + "\n"


RENDERER = register(Renderer(view="report", name="markdown", suffix=".md", render=render,
                             escapes=(markdown_text,),
                             description="compact ticket body: summary table, findings, key lines",
                             vocabulary=lambda: source_words(__file__)))
