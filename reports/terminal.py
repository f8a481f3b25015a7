"""The terminal timeline: a header card, then phases with durations and their events.

Written for pasting into chat: plain text when not on a TTY (or NO_COLOR is
set), relative times from the start of the move, host/service on every line,
tracebacks folded to their last line unless --full.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime

from migtrace.analysis import Analysis
from migtrace.model import Event, Finding, Migration, Phase, level_rank

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


def fmt_duration(seconds: float | None) -> str:
    """Format seconds the way people read them: 850ms, 12.4s, 3m05s, 1h02m."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def _rel(t: datetime, start: datetime) -> str:
    delta = (t - start).total_seconds()
    sign = "-" if delta < 0 else "+"
    delta = abs(delta)
    minutes, seconds = divmod(delta, 60)
    return f"{sign}{int(minutes):02d}:{seconds:06.3f}"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        if not self.color or not code:
            return text
        return f"{code}{text}{_RESET}"


def render_timeline(m: Migration, analysis: Analysis | None = None, *, full: bool = False,
                    context: int = 0, color: bool = False, debug: bool = True) -> str:
    """Render one migration as the terminal timeline."""
    paint = _Painter(color)
    lines: list[str] = []
    arrow = f"{m.source_host or '?'} → {m.dest_host or '?'}"
    flags = [f for f, on in (("block", m.block_migration), ("volume-backed", m.volume_backed),
                             ("post-copy", m.post_copy)) if on]
    title = f"{m.kind}{' (' + ', '.join(flags) + ')' if flags else ''}  {arrow}"
    lines.append(paint(title, _BOLD))
    status = paint(m.status.upper(), _STATUS_COLORS.get(m.status, ""))
    lines.append(f"  instance   {m.instance or '?'}")
    lines.append(f"  status     {status}   duration {fmt_duration(m.duration_s)}"
                 f"   downtime {fmt_duration(m.downtime_s)}")
    lines.append(f"  started    {m.started.isoformat(timespec='milliseconds')}   ended "
                 f"{m.ended.isoformat(timespec='milliseconds')}")
    lines.append(f"  requests   {', '.join(m.request_ids) or '- (no request id logged)'}")
    if m.global_request_ids:
        lines.append(f"  global ids {', '.join(m.global_request_ids)}")
    if m.migration_uuid or m.migration_number:
        lines.append(f"  migration  {m.migration_uuid or ''}{' #' + str(m.migration_number) if m.migration_number else ''}")
    if m.user or m.project:
        lines.append(f"  asked by   user {m.user or '?'} project {m.project or '?'}")
    if m.downtime_basis:
        lines.append(f"  downtime   {m.downtime_basis}")
    for note in m.missing_sides:
        lines.append(paint(f"  note       {note}", "\x1b[33m"))
    if analysis is not None and analysis.skew:
        skews = ", ".join(f"{h} {o:+.3f}s" for h, o in sorted(analysis.skew.items()))
        lines.append(paint(f"  clock skew {skews} applied (raw times shown in [brackets])", "\x1b[33m"))
    for a in m.attempts:
        lines.append(f"  host       {a.host}: {a.outcome}{' — ' + a.reason if a.reason else ''}")
    if m.progress:
        last = m.progress[-1]
        lines.append(f"  progress   {len(m.progress)} samples, memory remaining "
                     f"{m.progress[0].memory_remaining_pct}% → {last.memory_remaining_pct}%")
    lines.extend(_findings(m.findings, paint))
    lines.append("")
    skewed = frozenset(analysis.skew) if analysis is not None else frozenset()
    for phase in m.phases:
        lines.extend(_phase(phase, m.started, paint, full=full, debug=debug, skewed=skewed))
    if context and analysis is not None:
        lines.extend(_context(m, analysis, context))
    return "\n".join(lines).rstrip() + "\n"


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
    out = [paint(f"▸ {phase.name}  {_rel(phase.started, start)}  {fmt_duration(phase.duration_s)}"
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
    text = f"  {_rel(e.time, start)}{raw_text} {where:<18} {level:<5}{req} {e.message}"
    out = [paint(text, _COLORS.get(e.level or "", ""))]
    if e.extra:
        if full:
            out.extend(f"      {x}" for x in e.extra)
        else:
            last = next((x for x in reversed(e.extra) if x.strip()), "")
            out.append(paint(f"      … {len(e.extra)} more lines (--full): {last.strip()[:160]}", "\x1b[2m"))
    return out


def _context(m: Migration, analysis: Analysis, n: int) -> list[str]:
    """Show the n raw lines before and after each WARNING/ERROR line of the move, from its file."""
    from migtrace.sources import read_lines_around

    centres: dict[str, list[int]] = {}
    for e in m.events:
        if level_rank(e.level) >= level_rank("WARNING"):
            centres.setdefault(e.source, []).append(e.lineno)
    out: list[str] = []
    for source, numbers in centres.items():
        lines = read_lines_around(source, numbers, n)
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
