"""The terminal timeline: a header card, then phases with durations and their events.

Written for pasting into chat: plain text when not on a TTY (or NO_COLOR is
set), relative times from the start of the move, host/service on every line,
tracebacks folded to their last line unless --full.  The raw lines around
errors (`--context`) arrive as data; this module never reads files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from migtrace.model import Event, Finding, Migration, Phase, level_rank
from migtrace.reports._format import duration, relative
from migtrace.reports._registry import Renderer, RenderOptions, register

_COLORS = {
    "DEBUG": "\x1b[2m", "INFO": "", "AUDIT": "", "WARNING": "\x1b[33m", "ERROR": "\x1b[31m",
    "CRITICAL": "\x1b[1;31m", "TRACE": "\x1b[31m",
}
_STATUS_COLORS = {"completed": "\x1b[32m", "confirmed": "\x1b[32m", "reverted": "\x1b[33m",
                  "failed": "\x1b[1;31m", "cancelled": "\x1b[33m", "in-progress": "\x1b[36m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


def use_color(stream_is_tty: bool, choice: str = "auto") -> bool:
    """Colour only on a TTY, never when NO_COLOR is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream_is_tty


_NO_CONTEXT: Mapping[str, Mapping[int, str]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TimelineView:
    """What the timeline shows: one migration, the clock offsets applied, raw lines around errors.

    `context` maps a source file to {line number: raw text}; `centres` are
    the line numbers (per file) of the move's warnings and errors.
    """

    migration: Migration
    skew: Mapping[str, float] = field(default_factory=dict)
    context: Mapping[str, Mapping[int, str]] = field(default_factory=lambda: _NO_CONTEXT)
    radius: int = 0


def context_centres(m: Migration) -> dict[str, list[int]]:
    """Return, per source file, the line numbers of the move's WARNING and ERROR records."""
    centres: dict[str, list[int]] = {}
    for e in m.events:
        if level_rank(e.level) >= level_rank("WARNING"):
            centres.setdefault(e.source, []).append(e.lineno)
    return centres


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        if not self.color or not code:
            return text
        return f"{code}{text}{_RESET}"


def render_timeline(view: TimelineView, options: RenderOptions) -> str:
    """Render one migration as the terminal timeline."""
    paint = _Painter(options.color)
    m = view.migration
    lines = _card(view, paint)
    lines.append("")
    skewed = frozenset(view.skew)
    for phase in m.phases:
        lines.extend(_phase(phase, m.started, paint, full=options.full, debug=options.debug, skewed=skewed))
    if view.radius:
        lines.extend(_context(view))
    return "\n".join(lines).rstrip() + "\n"


def _card(view: TimelineView, paint: _Painter) -> list[str]:
    """Return the header card: what moved where, how it ended, who asked, what was found."""
    m = view.migration
    flags = [f for f, on in (("block", m.block_migration), ("volume-backed", m.volume_backed),
                             ("post-copy", m.post_copy)) if on]
    title = f"{m.kind}{' (' + ', '.join(flags) + ')' if flags else ''}  {m.source_host or '?'} → {m.dest_host or '?'}"
    status = paint(m.status.upper(), _STATUS_COLORS.get(m.status, ""))
    lines = [paint(title, _BOLD), f"  instance   {m.instance or '?'}",
             f"  status     {status}   duration {duration(m.duration_s)}   downtime {duration(m.downtime_s)}",
             f"  started    {m.started.isoformat(timespec='milliseconds')}   ended "
             f"{m.ended.isoformat(timespec='milliseconds')}",
             f"  requests   {', '.join(m.request_ids) or '- (no request id logged)'}"]
    if m.global_request_ids:
        lines.append(f"  global ids {', '.join(m.global_request_ids)}")
    if m.migration_uuid or m.migration_number:
        number = f" #{m.migration_number}" if m.migration_number else ""
        lines.append(f"  migration  {m.migration_uuid or ''}{number}")
    if m.user or m.project:
        lines.append(f"  asked by   user {m.user or '?'} project {m.project or '?'}")
    if m.downtime_basis:
        lines.append(f"  downtime   {m.downtime_basis}")
    lines += [paint(f"  note       {note}", "\x1b[33m") for note in m.missing_sides]
    if view.skew:
        skews = ", ".join(f"{h} {o:+.3f}s" for h, o in sorted(view.skew.items()))
        lines.append(paint(f"  clock skew {skews} applied (raw times shown in [brackets])", "\x1b[33m"))
    lines += [f"  host       {a.host}: {a.outcome}{' — ' + a.reason if a.reason else ''}" for a in m.attempts]
    if m.progress:
        lines.append(f"  progress   {len(m.progress)} samples, memory remaining "
                     f"{m.progress[0].memory_remaining_pct}% → {m.progress[-1].memory_remaining_pct}%")
    return lines + _findings(m.findings, paint)


def _findings(findings: Sequence[Finding], paint: _Painter) -> list[str]:
    out: list[str] = []
    for f in findings:
        if f.recognised:
            out.append(paint(f"  finding    [{f.severity}] {f.signature_id}: {f.title} (×{f.count})", "\x1b[1;33m"))
            if f.remedy:
                first = f.remedy.strip().splitlines()[0]
                out.append(f"             fix: {first}")
        else:
            out.append(paint(f"  unrecognised error (×{f.count}): {f.title}", "\x1b[31m"))
    return out


def _phase(phase: Phase, start: datetime, paint: _Painter, *, full: bool, debug: bool,
           skewed: frozenset[str]) -> list[str]:
    hosts = ", ".join(phase.hosts)
    mark = paint(" FAILED", "\x1b[31m") if phase.outcome == "failed" else ""
    out = [paint(f"▸ {phase.name}  {relative(phase.started, start)}  {duration(phase.duration_s)}"
                 f"  [{hosts}]", _BOLD) + mark]
    for e in phase.events:
        if not debug and e.level == "DEBUG":
            continue
        out.extend(_event(e, start, paint, full=full, raw=e.host in skewed))
    return out


def _event(e: Event, start: datetime, paint: _Painter, *, full: bool, raw: bool = False) -> list[str]:
    """One event line; `raw` adds the time as logged when a clock-skew offset moved it."""
    where = f"{e.host or '?'}/{e.service or '?'}"
    level = (e.level or "-")[:5]
    raw_text = f" [{e.time_text}]" if raw and e.time_text else ""
    req = f" {e.request_id[:12]}" if e.request_id else ""
    text = f"  {relative(e.time, start)}{raw_text} {where:<18} {level:<5}{req} {e.message}"
    out = [paint(text, _COLORS.get(e.level or "", ""))]
    if e.extra:
        if full:
            out.extend(f"      {x}" for x in e.extra)
        else:
            last = next((x for x in reversed(e.extra) if x.strip()), "")
            out.append(paint(f"      … {len(e.extra)} more lines (--full): {last.strip()[:160]}", "\x1b[2m"))
    return out


def _context(view: TimelineView) -> list[str]:
    """Show the raw lines around each WARNING/ERROR line of the move, as the sources layer read them."""
    n = view.radius
    out: list[str] = []
    for source, numbers in context_centres(view.migration).items():
        lines = view.context.get(source)
        if not lines:
            continue
        out += ["", f"context (±{n} lines) in {source}:"]
        previous = None
        for number in sorted(lines):
            if previous is not None and number != previous + 1:
                out.append("   …")
            mark = ">" if number in numbers else " "
            out.append(f" {mark}{number:>7}: {lines[number]}")
            previous = number
    return out


RENDERER = register(Renderer(view="timeline", name="text", suffix=".txt", render=render_timeline,
                             description="terminal timeline: card, phases, events"))
