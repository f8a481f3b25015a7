"""The terminal timeline: a header card, then phases with durations and their events.

Written to be pasted into IRC, a chat or a bug: it fits `max_width` (the
CLI passes the terminal's width, 100 columns when not on a terminal), shows
INFO and above (`full` shows everything: DEBUG lines, whole tracebacks, every
repeated line, whole payloads), summarises the migration monitor's progress
lines into one ("53 samples, 30–39 % remaining, not converging"), folds
lines that repeat with other numbers ("… 51 more like this"), shortens long
payloads with an ellipsis, and wraps the remedy whole.  The events
migtrace/data/physics.yaml marks (★ an operator's action, ▲ a copy event
such as the switch to post-copy) lead their line, DEBUG or not, and are
listed in the card with the copy's physics, as on the HTML charts.  Times are relative to
the start of the move, host/service on every line; plain text unless colour
was asked for.  The raw lines around errors (`--context`) arrive as data;
this module never reads files.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from migtrace.correlate.markers import load_markers
from migtrace.diagnose.physics import Mark, marks_of, physics
from migtrace.model import Event, Finding, Migration, Phase, ProgressSample, level_rank
from migtrace.reports._format import duration, measured, relative, wrap
from migtrace.reports._listing import ellipsize
from migtrace.reports._registry import Renderer, RenderOptions, register
from migtrace.serialize import shown_kind

_COLORS = {
    "DEBUG": "\x1b[2m", "INFO": "", "AUDIT": "", "WARNING": "\x1b[33m", "ERROR": "\x1b[31m",
    "CRITICAL": "\x1b[1;31m", "TRACE": "\x1b[31m",
}
_STATUS_COLORS = {"completed": "\x1b[32m", "confirmed": "\x1b[32m", "reverted": "\x1b[33m",
                  "failed": "\x1b[1;31m", "cancelled": "\x1b[33m", "in-progress": "\x1b[36m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"

#: A line that repeats (same host, service, level and text but its numbers) this often is folded.
FOLD_AT = 3
#: Below this many samples no convergence verdict is given.
MIN_VERDICT_SAMPLES = 3
#: Remaining memory must fall this many points (first third's low → last third's low) to be "converging".
CONVERGING_DROP = 5
#: Card labels are this wide, so values line up.
_LABEL = 13
_NUMBERS = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8}-[0-9a-f-]{27}|\d+(?:\.\d+)?", re.IGNORECASE)


def use_color(stream_is_tty: bool, choice: str = "auto") -> bool:
    """Decide colour: `--color always|never` first, then NO_COLOR, FORCE_COLOR, TERM=dumb, then the TTY.

    NO_COLOR (https://no-color.org) wins over FORCE_COLOR
    (https://force-color.org) when both are set; `FORCE_COLOR=0` forces
    nothing; a dumb terminal gets no escapes.
    """
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    if os.environ.get("TERM") == "dumb":
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


def progress_summary(samples: Sequence[ProgressSample], *, verdict: bool = True) -> str:
    """Summarise memory-progress samples: count, span, range of remaining %, and a convergence verdict.

    The verdict compares the lowest remaining share of the first third of the
    samples with that of the last third: it must fall by CONVERGING_DROP
    points (or end at 5 % or less) to be "converging"; otherwise the copy is
    "not converging" — nova's completion timeout or auto-converge territory.
    `verdict=False` leaves it out: the card gives the move's physics verdict
    (migtrace.diagnose.physics, pre-copy samples only) on its own row.
    """
    if not samples:
        return "no progress samples"
    ordered = sorted(samples, key=lambda s: s.time)
    pcts = [s.memory_remaining_pct for s in ordered]
    low, high = min(pcts), max(pcts)
    span = duration((ordered[-1].time - ordered[0].time).total_seconds())
    text = f"{len(pcts)} sample{'s' if len(pcts) != 1 else ''}, "
    text += f"{low}–{high}% remaining" if low != high else f"{low}% remaining"
    if verdict and len(pcts) >= MIN_VERDICT_SAMPLES:
        third = max(len(pcts) // 3, 1)
        falling = min(pcts[-third:]) <= min(pcts[:third]) - CONVERGING_DROP or pcts[-1] <= 5
        text += f", {'converging' if falling else 'not converging'} (first {pcts[0]}%, last {pcts[-1]}%)"
    return f"{text}, over {span}"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        if not self.color or not code:
            return text
        return f"{code}{text}{_RESET}"


@dataclass(frozen=True, slots=True)
class _Style:
    """How much to show and how wide: derived once from the RenderOptions."""

    paint: _Painter
    full: bool
    debug: bool
    width: int
    #: the move's marked events (physics.marks_of), by id(event): their glyph leads their line
    marked: Mapping[int, str] = field(default_factory=dict)

    def cut(self, text: str, indent: int = 0) -> str:
        """Shorten one line to the width with an ellipsis (never with --full or without a width)."""
        return text if self.full or self.width <= 0 else ellipsize(text, max(self.width - indent, 20))

    def fill(self, text: str, label: str) -> str:
        """Wrap text under a hanging label, whole, to the width (100 when there is none)."""
        return wrap(text, label, self.width if self.width > 0 else 100)


def render_timeline(view: TimelineView, options: RenderOptions) -> str:
    """Render one migration as the terminal timeline."""
    m = view.migration
    style = _Style(_Painter(options.color), options.full, options.debug or options.full, options.max_width,
                   marked_events(m))
    lines = [*_card(view, style), ""]
    skewed = frozenset(view.skew)
    for phase in m.phases:
        lines.extend(_phase(phase, m.started, style, skewed))
    if view.radius:
        lines.extend(style.cut(line) for line in _context(view))
    return "\n".join(lines).rstrip() + "\n"


def _row(label: str, value: str, style: _Style) -> list[str]:
    """One card row: the label, then the value wrapped under it."""
    return style.fill(value, f"  {label:<{_LABEL - 2}}").split("\n")


def _measured(m: Migration, name: str) -> str:
    """Return a duration as `list` prints it: unknown when the logs cannot tell, else with its ± if any."""
    return measured(m, name)


def _card(view: TimelineView, style: _Style) -> list[str]:
    """Return the header card: what moved where, how it ended, who asked, what was found."""
    m, paint = view.migration, style.paint
    flags = [f for f, on in (("block", m.block_migration), ("volume-backed", m.volume_backed),
                             ("post-copy", m.post_copy)) if on]
    title = (f"{shown_kind(m)}{' (' + ', '.join(flags) + ')' if flags else ''}  "
             f"{m.source_host or '?'} → {m.dest_host or '?'}")
    lines = [*(paint(x, _BOLD) for x in style.fill(title, "").split("\n")),
             *_row("instance", m.instance or "?", style), *_status_rows(m, style),
             f"  {'started':<{_LABEL - 2}}{m.started.isoformat(timespec='milliseconds')}",
             f"  {'ended':<{_LABEL - 2}}{m.ended.isoformat(timespec='milliseconds')}",
             *_row("requests", ", ".join(m.request_ids) or "- (no request id logged)", style)]
    if m.global_request_ids:
        lines += _row("global ids", ", ".join(m.global_request_ids), style)
    if m.migration_uuid or m.migration_number:
        lines += _row("migration", f"{m.migration_uuid or ''}{f' #{m.migration_number}' if m.migration_number else ''}",
                      style)
    if m.user or m.project:
        lines += _row("asked by", f"user {m.user or '?'} project {m.project or '?'}", style)
    if m.downtime_basis:
        lines += _row("downtime", m.downtime_basis, style)
    host_of = {"source": m.source_host, "destination": m.dest_host}
    lines += [paint(x, "\x1b[33m") for side in m.missing_sides
              for x in _row("note", f"no logs from the {side}{f' ({host_of[side]})' if host_of.get(side) else ''}",
                            style)]
    lines += [paint(x, "\x1b[33m") for name, why in m.unknown for x in _row("unknown", f"{name}: {why}", style)]
    if view.skew:
        skews = ", ".join(f"{h} {o:+.3f}s" for h, o in sorted(view.skew.items()))
        lines += [paint(x, "\x1b[33m") for x in _row("clock skew", f"{skews} applied (raw times in [brackets])",
                                                       style)]
    for a in m.attempts:
        lines += _row("host", f"{a.host}: {a.outcome}{' — ' + a.reason if a.reason else ''}", style)
    if m.progress:
        lines += _row("progress", f"memory copy: {progress_summary(m.progress, verdict=False)}", style)
    lines += _physics_rows(m, style)
    return lines + _findings(m.findings, style)


def _status_rows(m: Migration, style: _Style) -> list[str]:
    """Return the status, duration and downtime on one row when it fits the width, else a row each."""
    status = style.paint(m.status.upper(), _STATUS_COLORS.get(m.status, ""))
    one = f"  {'status':<{_LABEL - 2}}{m.status.upper()}   duration {_measured(m, 'duration')}   " \
          f"downtime {_measured(m, 'downtime')}"
    if style.width <= 0 or len(one) <= style.width:
        return [one.replace(m.status.upper(), status, 1)]
    return [f"  {'status':<{_LABEL - 2}}{status}", *_row("duration", _measured(m, "duration"), style),
            *_row("downtime", _measured(m, "downtime"), style)]


# --------------------------------------------------------------------------- marks and physics
# The events physics.yaml marks (admin actions, copy events) and the copy's physics, as the HTML
# charts show them: a star for an operator's action, a triangle for what nova did by itself.

#: The glyph of a marked event: admin action (the charts' star), copy event (the charts' triangle).
MARK_GLYPHS: Mapping[bool, str] = MappingProxyType({True: "★", False: "▲"})


def marked_events(m: Migration) -> dict[int, str]:
    """Return the glyph of each marked event of the move, by id(event) (shown even when DEBUG)."""
    return {id(k.event): MARK_GLYPHS[k.admin] for k in marks_of(m)}


def mark_lines(marks: Sequence[Mark], start: datetime) -> list[str]:
    """Return one text per kind of mark in a run: glyph, time, label, where; a run of the same mark is
    one line with its count and last time (the downtime steps come ten at a time)."""
    runs: list[list[Mark]] = []
    for k in marks:
        if runs and runs[-1][-1].id == k.id:
            runs[-1].append(k)
        else:
            runs.append([k])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        where = f"{first.event.host or '?'}/{first.event.service or '?'}"
        more = f" (×{len(run)}, the last at {relative(last.event.time, start)})" if len(run) > 1 else ""
        out.append(f"{MARK_GLYPHS[first.admin]} {relative(first.event.time, start)} {first.label}{more} — {where}")
    return out


def _physics_rows(m: Migration, style: _Style) -> list[str]:
    """Return the card's marks (★ admin action, ▲ copy event) and, for a live migration, the copy's physics:
    verdict with its evidence, and what the logs say about auto-converge."""
    p = physics(m)
    lines: list[str] = []
    for i, text in enumerate(mark_lines(p.marks, m.started)):
        lines += _row("marks" if i == 0 else "", text, style)
    if m.kind == "live-migration":
        lines += _row("copy", f"{p.verdict}: {p.evidence}" if p.evidence else p.verdict, style)
        lines += _row("auto-conv.", p.auto_converge, style)
    return lines


def _findings(findings: Sequence[Finding], style: _Style) -> list[str]:
    out: list[str] = []
    for f in findings:
        if f.recognised:
            head = _row("finding", f"[{f.severity}] {f.signature_id}: {f.title} (×{f.count})", style)
            out += [style.paint(x, "\x1b[1;33m") for x in head]
            if f.remedy:  # the whole remedy, wrapped: a fix cut mid-sentence is a wrong fix
                out += style.fill(f.remedy, " " * _LABEL + "fix: ").split("\n")
        else:
            out += [style.paint(x, "\x1b[31m") for x in _row("unrecognised", f"(×{f.count}) {f.title}", style)]
    return out


def _template(e: Event) -> tuple[str | None, str | None, str | None, str]:
    """The line with its numbers and ids blanked: lines that differ only there repeat one another."""
    return e.host, e.service, e.level, _NUMBERS.sub("#", e.message)


def _is_progress(e: Event) -> bool:
    return any(match.marker.progress for match in load_markers().match(e))


def _phase(phase: Phase, start: datetime, style: _Style, skewed: frozenset[str]) -> list[str]:
    hosts = ", ".join(phase.hosts)
    shown = [e for e in phase.events
             if style.debug or level_rank(e.level) >= level_rank("INFO") or id(e) in style.marked]
    hidden = len(phase.events) - len(shown)
    note = f"  ({hidden} DEBUG line{'s' if hidden != 1 else ''}: --full)" if hidden else ""
    failed = " FAILED" if phase.outcome == "failed" else ""
    head = f"▸ {phase.name}  {relative(phase.started, start)}  {duration(phase.duration_s)}  [{hosts}]"
    if style.width > 0 and not style.full and len(head + failed + note) > style.width:
        note = ""  # the DEBUG count goes first, then the host list is cut
        head = ellipsize(head, max(style.width - len(failed), 20))
    out = [style.paint(head, _BOLD) + style.paint(failed, "\x1b[31m") + note]
    if phase.detail:  # what the phase's span does not show (the idle VERIFY_RESIZE wait before a confirm)
        out += [style.paint(x, "\x1b[2m") for x in style.fill(phase.detail, "    ").split("\n")]
    if style.full:
        for e in shown:
            out.extend(_event(e, start, style, raw=e.host in skewed))
        return out
    return out + _folded(shown, start, style, skewed)


def _folded(events: Sequence[Event], start: datetime, style: _Style, skewed: frozenset[str]) -> list[str]:
    """Show the events with progress lines summarised and repeated lines folded after their first."""
    progress = [e for e in events if _is_progress(e)]
    in_progress = {id(e) for e in progress}
    keys = {id(e): _template(e) for e in events if id(e) not in in_progress}
    repeats = Counter(keys.values())
    last = {key: e for e in events if (key := keys.get(id(e))) is not None}
    seen: set[tuple[str | None, str | None, str | None, str]] = set()
    out: list[str] = []
    for e in events:
        if id(e) in in_progress:
            if e is progress[0]:
                out.append(_progress_line(progress, start, style))
            continue
        key = keys[id(e)]
        if key in seen:
            continue
        out.extend(_event(e, start, style, raw=e.host in skewed))
        if repeats[key] >= FOLD_AT:
            seen.add(key)
            out.append(style.paint(style.cut(f"      … {repeats[key] - 1} more like this, the last at "
                                             f"{relative(last[key].time, start)} (--full)"), "\x1b[2m"))
    return out


def _progress_line(progress: Sequence[Event], start: datetime, style: _Style) -> str:
    """One line for the migration monitor's progress records shown in this phase."""
    first = progress[0]
    samples = _samples(progress)
    what = progress_summary(samples) if samples else f"{len(progress)} lines"
    where = f"{first.host or '?'}/{first.service or '?'}"
    return style.cut(f"  {relative(first.time, start)} {where:<18} progress: {what}")


def _samples(progress: Sequence[Event]) -> list[ProgressSample]:
    """Read the progress samples back from the records' marker captures."""
    out: list[ProgressSample] = []
    for e in progress:
        for match in load_markers().match(e):
            pct = match.groups.get("pct") if match.marker.progress else None
            if pct is not None:
                out.append(ProgressSample(time=e.time, elapsed_s=float(match.groups.get("secs") or 0),
                                          memory_remaining_pct=int(pct)))
                break
    return out


def _event(e: Event, start: datetime, style: _Style, *, raw: bool = False) -> list[str]:
    """One event line (cut to the width); `raw` adds the time as logged when a clock-skew offset moved it."""
    where = f"{e.host or '?'}/{e.service or '?'}"
    level = (e.level or "-")[:5]
    raw_text = f" [{e.time_text}]" if raw and e.time_text else ""
    req = f" {e.request_id[:12]}" if e.request_id else ""
    text = f"{style.marked.get(id(e), ' ')} {relative(e.time, start)}{raw_text} {where:<18} {level:<5}{req} {e.message}"
    out = [style.paint(style.cut(text), _COLORS.get(e.level or "", ""))]
    if e.extra:
        if style.full:
            out.extend(f"      {x}" for x in e.extra)
        else:
            last = next((x for x in reversed(e.extra) if x.strip()), "")
            out.append(style.paint(style.cut(f"      … {len(e.extra)} more lines (--full): {last.strip()}"),
                                   "\x1b[2m"))
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
                             description="terminal timeline: card, phases, events, fitted to the width"))
