"""Build the plotly figures of the HTML report: phase timeline and memory progress.

Figures are plain plotly JSON (`{"data": [...], "layout": {...}}`) built here
in Python, so templates carry no logic and the same figure can be checked by
`plotly.graph_objects.Figure(fig)` in tests.  Plain dicts rather than
`go.Figure` objects: validating hundreds of traces per report costs seconds
and the schema is checked once by the tests instead.

Plotly.js ignores UTC offsets in date strings, so every time is converted to
UTC and written without offset; the axis title says "UTC".
"""

from __future__ import annotations

import html
import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from migtrace.diagnose.physics import marks_of
from migtrace.model import Event, Migration, level_rank
from migtrace.reports._format import duration_short
from migtrace.reports.neutral import chart_label

#: Phase bar colours (colour-blind-safe Okabe-Ito palette, cycled).
PHASE_COLOURS: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#F0E442", "#D55E00", "#999999",
)
#: Event marker colours by level group, matching the CSS of the events table.
LEVEL_COLOURS: dict[str, str] = {"error": "#c62828", "warning": "#ef6c00", "info": "#37474f", "debug": "#90a4ae"}
#: Events drawn per timeline; beyond that only warnings and errors are kept.
MAX_EVENT_MARKERS = 1500
#: Hover text is cut here: a 5 kB repr in a tooltip helps nobody.
MAX_HOVER = 300
#: Shortest bar drawn, as a fraction of the move, so a one-line phase stays visible.
MIN_BAR_FRACTION = 0.01
#: Bar width when the whole move lasted no measurable time.
MIN_BAR_MS = 100.0


def plot_time(t: datetime) -> str:
    """Return a time as the offset-less UTC string plotly.js reads exactly (`isoformat`: see `_format.clock`)."""
    u = t.astimezone(UTC)
    return u.isoformat(" ", "microseconds")[:26] if u.year >= 1000 else u.strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=64)
def level_group(level: str | None) -> str:
    """Map a log level to the four colour groups of the report (a handful of spellings: cached)."""
    rank = level_rank(level)
    if rank >= level_rank("ERROR"):
        return "error"
    if rank >= level_rank("WARNING"):
        return "warning"
    if rank >= level_rank("INFO"):
        return "info"
    return "debug"


def lane(e: Event) -> str:
    """Return the timeline row of an event: host and service, escaped (plotly renders labels as HTML)."""
    return chart_label(f"{e.host or '?'} · {e.service or '?'}")


def _hover(text: str) -> str:
    text = text if len(text) <= MAX_HOVER else text[:MAX_HOVER] + "…"
    # plotly renders hover text as (a subset of) HTML; keep log text as text
    return chart_label(text)


def _lanes(m: Migration) -> list[str]:
    """Return the rows of a timeline: API/controller first, then source, then destination."""
    order = {m.source_host: 1, m.dest_host: 2}
    seen: dict[str, tuple[int, str]] = {}
    for e in m.events:
        row = lane(e)
        if row not in seen:
            seen[row] = (order.get(e.host, 0 if e.service in ("n-api", "n-cond", "n-sch") else 3), row)
    for p in m.phases:
        for h in p.hosts:
            if not any(k.startswith(f"{chart_label(h)} · ") for k in seen):
                seen[f"{chart_label(h)} · ?"] = (order.get(h, 3), f"{chart_label(h)} · ?")
    return [k for k, _ in sorted(seen.items(), key=lambda kv: kv[1])]


def _phase_lanes(m: Migration, lanes: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in m.phases:
        rows = sorted({lane(e) for e in p.events}, key=lanes.index) if p.events else []
        if not rows:
            rows = [ln for h in p.hosts for ln in lanes if ln.startswith(f"{chart_label(h)} · ")]
        out[p.name] = rows or lanes[:1]
    return out


def timeline_figure(m: Migration) -> dict[str, Any]:
    """Return a Gantt-style figure: phases as bars on host·service rows, events and findings as markers."""
    lanes = _lanes(m)
    phase_rows = _phase_lanes(m, lanes)
    data: list[dict[str, Any]] = []
    # a phase with one marker line still gets a visible bar, thin next to the whole move
    min_ms = max(m.duration_s * 1000.0 * MIN_BAR_FRACTION, 1.0) if m.duration_s > 0 else MIN_BAR_MS
    for i, p in enumerate(m.phases):
        rows = phase_rows[p.name]
        width = max(p.duration_s * 1000.0, min_ms)
        failed = p.outcome == "failed"
        data.append({
            "type": "bar", "orientation": "h", "name": p.name, "legendgroup": p.name,
            "y": rows, "x": [width] * len(rows), "base": [plot_time(p.started)] * len(rows),
            "marker": {"color": PHASE_COLOURS[i % len(PHASE_COLOURS)], "opacity": 0.75,
                       "line": {"color": "#b71c1c" if failed else "rgba(0,0,0,0.25)", "width": 3 if failed else 1}},
            "hovertemplate": _hover(f"{p.name} ({p.outcome or 'no outcome'}): {p.duration_s:.3f} s")
            + "<extra></extra>",
        })
    data.extend(_event_traces(m))
    evid = [(f, f.events[0]) for f in m.findings if f.events]
    if evid:
        data.append({
            "type": "scatter", "mode": "markers", "name": "findings",
            "x": [plot_time(f.first_seen) for f, _ in evid], "y": [lane(e) for _, e in evid],
            "text": [_hover(f.title) for f, _ in evid], "hovertemplate": "%{text}<extra></extra>",
            "marker": {"color": "#b71c1c", "size": 16, "symbol": "x-thin-open", "line": {"width": 3}},
        })
    data.extend(marks_traces(m))
    return {
        "data": data,
        "layout": {
            "title": {"text": "Phases and log lines by host and service", "font": {"size": 14}},
            "barmode": "overlay",
            "height": 160 + 36 * max(len(lanes), 1),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
            "xaxis": {"type": "date", "title": {"text": "UTC"}, "gridcolor": "#eeeeee"},
            "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": lanes,
                      "autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h", "y": -0.25},
            "hovermode": "closest",
            "plot_bgcolor": "#ffffff",
        },
    }


def _event_traces(m: Migration) -> list[dict[str, Any]]:
    """One marker trace per level group (debug, info, warning, error) of the move's events."""
    out: list[dict[str, Any]] = []
    events = list(m.events)
    if len(events) > MAX_EVENT_MARKERS:
        events = [e for e in events if level_rank(e.level) >= level_rank("WARNING")][:MAX_EVENT_MARKERS]
    by_group: dict[str, list[Event]] = {}
    for e in events:
        by_group.setdefault(level_group(e.level), []).append(e)
    for group in ("debug", "info", "warning", "error"):
        chosen = by_group.get(group)
        if not chosen:
            continue
        out.append({
            "type": "scatter", "mode": "markers", "name": f"{group} lines",
            "x": [plot_time(e.time) for e in chosen], "y": [lane(e) for e in chosen],
            "text": [_hover(f"{e.level or ''} {e.logger or ''}: {e.message}") for e in chosen],
            "hovertemplate": "%{x}<br>%{text}<extra></extra>",
            "marker": {"color": LEVEL_COLOURS[group], "size": 9 if group in ("error", "warning") else 6,
                       "symbol": "diamond" if group == "error" else "circle"},
        })
    return out


def progress_figure(m: Migration) -> dict[str, Any] | None:
    """Return the memory-remaining chart of a live migration, or None without samples."""
    if not m.progress:
        return None
    samples = sorted(m.progress, key=lambda s: s.time)
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines+markers", "name": "memory remaining %",
        "x": [s.elapsed_s for s in samples], "y": [s.memory_remaining_pct for s in samples],
        "text": [plot_time(s.time) for s in samples],
        "hovertemplate": "%{x} s: %{y}% remaining<br>%{text} UTC<extra></extra>",
        "line": {"color": "#0072B2"},
    }]
    if any(s.disk_remaining_pct is not None for s in samples):
        disk = [s for s in samples if s.disk_remaining_pct is not None]
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": "disk remaining %",
            "x": [s.elapsed_s for s in disk], "y": [s.disk_remaining_pct for s in disk],
            "line": {"color": "#E69F00", "dash": "dot"},
        })
    shapes, notes = progress_marks(m)
    return {
        "data": data,
        "layout": {
            "title": {"text": "Memory remaining during the migration job", "font": {"size": 14}},
            "height": 300, "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
            "xaxis": {"title": {"text": "seconds since the job started (as logged)"}},
            "yaxis": {"title": {"text": "% remaining"}, "range": [0, 105]},
            "showlegend": len(data) > 1, "plot_bgcolor": "#ffffff",
            "shapes": shapes, "annotations": notes,
        },
    }


#: Marked events (migtrace/data/physics.yaml): an operator's action, and what nova did by itself.
MARK_STYLES: dict[bool, tuple[str, str, str]] = {
    True: ("admin actions", "#6a1b9a", "star"), False: ("copy events", "#00838f", "triangle-up"),
}


def marks_traces(m: Migration) -> list[dict[str, Any]]:
    """Return the timeline traces of the move's marked events: admin actions (stars), copy events (triangles)."""
    out = []
    marks = marks_of(m)
    for admin, (name, colour, symbol) in MARK_STYLES.items():
        chosen = [k for k in marks if k.admin == admin]
        if chosen:
            out.append({
                "type": "scatter", "mode": "markers", "name": name,
                "x": [plot_time(k.event.time) for k in chosen], "y": [lane(k.event) for k in chosen],
                "text": [_hover(k.label) for k in chosen], "hovertemplate": "%{x}<br>%{text}<extra></extra>",
                "marker": {"color": colour, "size": 15, "symbol": symbol, "line": {"width": 1, "color": "#ffffff"}},
            })
    return out


def progress_marks(m: Migration) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (shapes, annotations): a dashed vertical line per marked event on the progress chart's axis."""
    samples = sorted(m.progress, key=lambda s: s.time)
    if not samples:
        return [], []
    first = samples[0]
    shapes, notes = [], []
    for k in marks_of(m):
        x = first.elapsed_s + (k.event.time - first.time).total_seconds()
        colour = MARK_STYLES[k.admin][1]
        shapes.append({"type": "line", "x0": x, "x1": x, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": colour, "width": 2, "dash": "dash"}})
        notes.append({"x": x, "yref": "paper", "y": 1, "text": _hover(k.label), "showarrow": False,
                      "font": {"size": 10, "color": colour}, "xanchor": "left", "textangle": -90, "yanchor": "top"})
    return shapes, notes


def script_json(obj: Any) -> str:
    """Serialise for a `<script>` element: `<`, `>`, `&` and line separators become escapes.

    JSON inside a script cannot be closed by log text such as `</script>`
    or `<!--` once these characters are `\\u003c`-escaped; JSON.parse reads
    the escapes back as the original characters.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --------------------------------------------------------------------------- static SVG
# The same charts drawn on the server as plain inline SVG: what a printout, a PDF, a
# headless screenshot or a browser without JavaScript shows.  plotly replaces them on
# screen once it has drawn; print always uses them (sized for paper, no script needed).

#: Geometry in SVG user units; the SVG scales to the width of the page.
SVG_WIDTH = 1000
SVG_LABEL = 200
SVG_ROW = 24
SVG_TOP = 30
SVG_AXIS = 30
SVG_LEGEND = 22
#: Markers drawn in the static chart (errors first, then warnings, then the findings): a printout
#: needs where things went wrong, not every line.
MAX_STATIC_MARKERS = 60


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _axis_label(t: datetime, span_s: float) -> str:
    u = t.astimezone(UTC)
    return u.strftime("%H:%M:%S") + (f".{u.microsecond // 1000:03d}" if span_s < 10 else "")


def _svg_open(height: float, label: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="static-chart" viewBox="0 0 {SVG_WIDTH} {height:.0f}" '
            f'role="img" aria-label="{_esc(label)}" font-family="sans-serif" font-size="11">',
            f'<text x="{SVG_WIDTH / 2:.0f}" y="18" text-anchor="middle" font-size="13">{_esc(label)}</text>']


def _static_markers(m: Migration) -> list[tuple[Event, str]]:
    """Return (event, shape) pairs: the first line of each finding, then error lines, then warnings."""
    chosen = [(f.events[0], "finding") for f in m.findings if f.events]
    ranked = sorted((e for e in m.events if level_rank(e.level) >= level_rank("WARNING")),
                    key=lambda e: -level_rank(e.level))
    chosen += [(e, "error" if level_group(e.level) == "error" else "warning") for e in ranked]
    # drawn in reverse so that the findings' crosses end up on top
    return chosen[:MAX_STATIC_MARKERS][::-1]


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "finding":
        return (f'<path d="M{x - 6:.1f} {y - 6:.1f}L{x + 6:.1f} {y + 6:.1f}M{x - 6:.1f} {y + 6:.1f}L{x + 6:.1f} '
                f'{y - 6:.1f}" stroke="#b71c1c" stroke-width="2.5"/>')
    if shape == "error":
        return (f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z" '
                f'fill="{LEVEL_COLOURS["error"]}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{LEVEL_COLOURS["warning"]}"/>'


def timeline_svg(m: Migration) -> str:
    """Return the phase timeline as static SVG: the same lanes, bars and key markers as the plotly chart."""
    lanes = _lanes(m) or ["?"]
    rows = _phase_lanes(m, lanes)
    t0 = min([m.started, *(p.started for p in m.phases)])
    t1 = max([m.ended, *(p.ended for p in m.phases)])
    span = max((t1 - t0).total_seconds(), 0.1)
    plot = SVG_WIDTH - SVG_LABEL - 10

    def x(t: datetime) -> float:
        return SVG_LABEL + (t - t0).total_seconds() / span * plot

    def y(lane_name: str) -> float:
        return SVG_TOP + SVG_ROW * lanes.index(lane_name) + SVG_ROW / 2

    height = SVG_TOP + SVG_ROW * len(lanes) + SVG_AXIS + SVG_LEGEND
    out = _svg_open(height, "Phases and log lines by host and service (UTC)")
    for i, name in enumerate(lanes):
        top = SVG_TOP + SVG_ROW * i
        out.append(f'<rect x="{SVG_LABEL}" y="{top}" width="{plot}" height="{SVG_ROW}" '
                   f'fill="{"#f7f9fa" if i % 2 else "#ffffff"}"/>')
        out.append(f'<text x="{SVG_LABEL - 6}" y="{top + SVG_ROW / 2 + 4:.0f}" text-anchor="end">{_esc(name)}</text>')
    for i, p in enumerate(m.phases):
        colour = PHASE_COLOURS[i % len(PHASE_COLOURS)]
        stroke = ' stroke="#b71c1c" stroke-width="2"' if p.outcome == "failed" else ""
        width = max(x(p.ended) - x(p.started), 2.0)
        for lane_name in rows.get(p.name, []):
            out.append(f'<rect x="{x(p.started):.1f}" y="{y(lane_name) - 8:.1f}" width="{width:.1f}" height="16" '
                       f'fill="{colour}" fill-opacity="0.8"{stroke}><title>{_esc(p.name)}</title></rect>')
    for e, shape in _static_markers(m):
        if lane(e) in lanes:
            out.append(_marker(shape, x(e.time), y(lane(e))))
    out += _svg_marks(m, lanes, x, y)
    out += _svg_axis(t0, span, plot, SVG_TOP + SVG_ROW * len(lanes))
    out += _svg_legend(m, height - 8)
    return "\n".join([*out, "</svg>"])


def _svg_marks(m: Migration, lanes: list[str], x: Any, y: Any) -> list[str]:
    """Return the marked events (physics.yaml) as on the plotly timeline: a star per admin action, a triangle
    per copy event, on the lane that logged it, the label as its tooltip."""
    out = []
    for k in marks_of(m):
        if lane(k.event) not in lanes:
            continue
        cx, cy, colour = x(k.event.time), y(lane(k.event)), MARK_STYLES[k.admin][1]
        if k.admin:
            points = " ".join(f"{cx + r * math.sin(math.pi * i / 5):.1f},{cy - r * math.cos(math.pi * i / 5):.1f}"
                              for i, r in zip(range(10), (8, 3.5) * 5, strict=True))
        else:
            points = f"{cx:.1f},{cy - 7:.1f} {cx + 7:.1f},{cy + 6:.1f} {cx - 7:.1f},{cy + 6:.1f}"
        out.append(f'<polygon class="mark {"admin" if k.admin else "copy"}" points="{points}" fill="{colour}" '
                   f'stroke="#ffffff"><title>{_esc(k.label)}</title></polygon>')
    return out


def _svg_axis(t0: datetime, span: float, plot: float, top: float) -> list[str]:
    out = [f'<line x1="{SVG_LABEL}" y1="{top}" x2="{SVG_LABEL + plot}" y2="{top}" stroke="#90a4ae"/>']
    for k in range(5):
        xk = SVG_LABEL + plot * k / 4
        t = t0 + timedelta(seconds=span * k / 4)
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        out.append(f'<line x1="{xk:.1f}" y1="{top}" x2="{xk:.1f}" y2="{top + 5}" stroke="#90a4ae"/>')
        out.append(f'<text x="{xk:.1f}" y="{top + 18}" text-anchor="{anchor}">{_axis_label(t, span)}</text>')
    return out


def _svg_legend(m: Migration, baseline: float) -> list[str]:
    out: list[str] = []
    cursor = float(SVG_LABEL)
    for i, p in enumerate(m.phases):
        out.append(f'<rect x="{cursor:.0f}" y="{baseline - 9}" width="10" height="10" '
                   f'fill="{PHASE_COLOURS[i % len(PHASE_COLOURS)]}"/>')
        out.append(f'<text x="{cursor + 14:.0f}" y="{baseline}">{_esc(p.name)}</text>')
        cursor += 24 + 6.5 * len(p.name)
    return out


def progress_svg(m: Migration) -> str | None:
    """Return the memory-remaining chart as static SVG, or None without samples."""
    if not m.progress:
        return None
    samples = sorted(m.progress, key=lambda s: s.time)
    left, top, plot_w, plot_h = 60.0, 30.0, SVG_WIDTH - 80.0, 160.0
    last = max(samples[-1].elapsed_s, 1.0)
    points = " ".join(f"{left + s.elapsed_s / last * plot_w:.1f},"
                      f"{top + plot_h * (1 - s.memory_remaining_pct / 100):.1f}" for s in samples)
    out = _svg_open(top + plot_h + 40, "Memory remaining during the migration job (%)")
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#dde3e8"/>')
    for pct in (0, 50, 100):
        yp = top + plot_h * (1 - pct / 100)
        out.append(f'<text x="{left - 6}" y="{yp + 4:.0f}" text-anchor="end">{pct}%</text>')
    out.append(f'<polyline points="{points}" fill="none" stroke="#0072B2" stroke-width="2"/>')
    out.append(f'<text x="{left}" y="{top + plot_h + 18}">0 s</text>')
    out.append(f'<text x="{left + plot_w}" y="{top + plot_h + 18}" text-anchor="end">{last:.0f} s since the job '
               "started (as logged)</text>")
    return "\n".join([*out, "</svg>"])


# --------------------------------------------------------------------------- fleet (migtrace stats)
# The fleet section above the per-migration pages: the same figures as `migtrace stats`
# (reports.fleet builds the rows), drawn with plotly.  Their numbers are also in the tables
# next to them, which is what paper shows.

#: Fleet chart colours: moves that ended well, failed moves, no outcome yet.
FLEET_OK, FLEET_FAILED, FLEET_OPEN = "#009E73", "#D55E00", "#999999"
#: Height of each fleet chart (they sit two by two).
FLEET_HEIGHT = 300
#: The pair matrix's colour scale: failure rate 0 → 1 (plotly's `colorscale`; the static copy interpolates it).
FAIL_SCALE: tuple[tuple[float, str], ...] = ((0.0, "#e8f5e9"), (0.5, "#ffb74d"), (1.0, "#c62828"))


def _fleet_layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 14}}, "height": FLEET_HEIGHT,
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40}, "plot_bgcolor": "#ffffff", **extra}


def pair_matrix_figure(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the source × destination matrix: colour = failure rate, text = moves (failed); `?` = unknown host."""
    sources = sorted({r["source_host"] or "?" for r in pairs}, key=lambda h: (h == "?", h))
    dests = sorted({r["dest_host"] or "?" for r in pairs}, key=lambda h: (h == "?", h))
    z: list[list[float | None]] = [[None] * len(dests) for _ in sources]
    text = [[""] * len(dests) for _ in sources]
    for r in pairs:
        i, j = sources.index(r["source_host"] or "?"), dests.index(r["dest_host"] or "?")
        z[i][j] = r["failure_rate"]
        text[i][j] = _hover(f"{r['moves']} ({r['failed'] + r['stalled']} failed)")
    return {
        "data": [{"type": "heatmap", "x": [_hover(d) for d in dests], "y": [_hover(s) for s in sources], "z": z,
                  "text": text, "texttemplate": "%{text}", "zmin": 0, "zmax": 1,
                  "colorscale": [list(stop) for stop in FAIL_SCALE],
                  "colorbar": {"title": {"text": "fail"}, "tickformat": ".0%"},
                  "hovertemplate": "%{y} → %{x}: %{text}<extra></extra>"}],
        "layout": _fleet_layout("Moves per source → destination (colour: failure rate)",
                                xaxis={"title": {"text": "destination"}, "type": "category"},
                                yaxis={"title": {"text": "source"}, "type": "category", "autorange": "reversed",
                                       "automargin": True}),
    }


def distribution_figure(values: dict[str, list[tuple[float, str]]], title: str, unit: str) -> dict[str, Any]:
    """Return one box per kind with every move as a point (hover: its id); a log axis when values span decades."""
    data = [{"type": "box", "name": kind, "x": [v for v, _ in points], "text": [_hover(i) for _, i in points],
             "boxpoints": "all", "jitter": 0.4, "pointpos": 0, "orientation": "h",
             "marker": {"color": PHASE_COLOURS[(n + 1) % len(PHASE_COLOURS)], "size": 5},
             "hovertemplate": "%{x:.3f} " + unit + "<br>%{text}<extra></extra>"}
            for n, (kind, points) in enumerate(values.items()) if points]
    flat = [v for points in values.values() for v, _ in points if v > 0]
    log = bool(flat) and max(flat) / min(flat) > 100
    return {"data": data,
            "layout": _fleet_layout(title, showlegend=False,
                                    xaxis={"title": {"text": unit}, "type": "log" if log else "linear"},
                                    yaxis={"automargin": True})}


def failures_by_host_figure(hosts: list[dict[str, Any]]) -> dict[str, Any]:
    """Return stacked bars per host: moves that ended well, failed, without an outcome yet."""
    names = [_hover(r["group"] or "(unknown)") for r in hosts]

    def bar(name: str, colour: str, values: list[int]) -> dict[str, Any]:
        return {"type": "bar", "name": name, "x": names, "y": values, "marker": {"color": colour},
                "hovertemplate": "%{x}: %{y} " + name + "<extra></extra>"}
    failed = [r["failed"] + r["stalled"] for r in hosts]
    still = [r["in_progress"] + r["unknown"] for r in hosts]
    ok = [r["moves"] - f - s for r, f, s in zip(hosts, failed, still, strict=True)]
    return {"data": [bar("ok", FLEET_OK, ok), bar("failed", FLEET_FAILED, failed),
                     bar("no outcome", FLEET_OPEN, still)],
            "layout": _fleet_layout("Moves per host (as source or destination)", barmode="stack",
                                    xaxis={"type": "category"}, yaxis={"title": {"text": "moves"}},
                                    legend={"orientation": "h", "y": -0.2})}


# --------------------------------------------------------------------------- fleet, static SVG
# The fleet charts drawn on the server, from the same rows as the plotly figures above: what
# paper, a PDF, a screenshot taken at load or a browser without JavaScript shows (the CSS hides
# them once plotly has drawn, and the print stylesheet always shows them).

#: Width of a fleet chart in SVG user units (they sit two by two on screen, one per line on paper).
FLEET_SVG_WIDTH = 600
#: Label column, cell/row height and the largest number of characters a label keeps.
FLEET_SVG_LABEL = 130
FLEET_SVG_ROW = 24
FLEET_SVG_CHARS = 20


def _short(text: str, limit: int = FLEET_SVG_CHARS) -> str:
    """Shorten a label for the static chart (the whole name is in its `<title>`)."""
    return text if len(text) <= limit else text[:max(limit - 1, 1)] + "…"


def _fleet_svg_open(height: float, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="static-chart fleet-static" '
            f'viewBox="0 0 {FLEET_SVG_WIDTH} {height:.0f}" role="img" aria-label="{_esc(title)}" '
            'font-family="sans-serif" font-size="11">',
            f'<text x="{FLEET_SVG_WIDTH / 2:.0f}" y="18" text-anchor="middle" font-size="13">{_esc(title)}</text>']


def fail_colour(rate: float | None) -> str:
    """Return the pair matrix's colour of a failure rate (FAIL_SCALE interpolated, as plotly does); white: none."""
    if rate is None:
        return "#ffffff"
    rate = min(max(rate, 0.0), 1.0)
    for (lo, c0), (hi, c1) in itertools.pairwise(FAIL_SCALE):
        if rate <= hi:
            f = (rate - lo) / (hi - lo) if hi > lo else 0.0
            rgb = [round(int(c0[i:i + 2], 16) + f * (int(c1[i:i + 2], 16) - int(c0[i:i + 2], 16))) for i in (1, 3, 5)]
            return "#" + "".join(f"{c:02x}" for c in rgb)
    return FAIL_SCALE[-1][1]


def pair_matrix_svg(pairs: list[dict[str, Any]]) -> str:
    """Return the source × destination matrix as static SVG: the same cells, colours and texts as the figure."""
    sources = sorted({r["source_host"] or "?" for r in pairs}, key=lambda h: (h == "?", h)) or ["?"]
    dests = sorted({r["dest_host"] or "?" for r in pairs}, key=lambda h: (h == "?", h)) or ["?"]
    top = 36.0
    cell_w = (FLEET_SVG_WIDTH - FLEET_SVG_LABEL - 10) / len(dests)
    height = top + FLEET_SVG_ROW * len(sources) + 40
    out = _fleet_svg_open(height, "Moves per source → destination (colour: failure rate)")
    for i, s in enumerate(sources):
        out.append(f'<text x="{FLEET_SVG_LABEL - 6}" y="{top + FLEET_SVG_ROW * i + 16:.0f}" text-anchor="end">'
                   f'<title>{_esc(s)}</title>{_esc(_short(s))}</text>')
    chars = max(int(cell_w / 6.5), 3)
    for j, d in enumerate(dests):
        xc = FLEET_SVG_LABEL + cell_w * j + cell_w / 2
        out.append(f'<text x="{xc:.1f}" y="{top + FLEET_SVG_ROW * len(sources) + 14:.0f}" text-anchor="middle">'
                   f'<title>{_esc(d)}</title>{_esc(_short(d, chars))}</text>')
    out.append(f'<text x="{FLEET_SVG_LABEL + (FLEET_SVG_WIDTH - FLEET_SVG_LABEL) / 2:.0f}" y="{height - 6:.0f}" '
               'text-anchor="middle" fill="#6b7780">destination (rows: source; ? = host unknown)</text>')
    for r in pairs:
        i, j = sources.index(r["source_host"] or "?"), dests.index(r["dest_host"] or "?")
        x0, y0 = FLEET_SVG_LABEL + cell_w * j, top + FLEET_SVG_ROW * i
        text = f"{r['moves']} ({r['failed'] + r['stalled']} failed)"
        rate = r["failure_rate"]
        tip = f"{r['source_host'] or '?'} → {r['dest_host'] or '?'}: {text}" + (
            "" if rate is None else f", {rate * 100:.0f}% failed")
        out.append(f'<rect class="pair" x="{x0:.1f}" y="{y0:.1f}" width="{cell_w:.1f}" height="{FLEET_SVG_ROW}" '
                   f'fill="{fail_colour(rate)}" stroke="#ffffff"><title>{_esc(tip)}</title></rect>')
        if cell_w >= 6.0 * len(text):
            out.append(f'<text x="{x0 + cell_w / 2:.1f}" y="{y0 + 16:.1f}" text-anchor="middle">{_esc(text)}</text>')
    return "\n".join([*out, "</svg>"])


def failures_by_host_svg(hosts: list[dict[str, Any]]) -> str:
    """Return the moves per host as static SVG: stacked bars ok / failed / no outcome, as the figure."""
    left, top, plot_h = 40.0, 44.0, 170.0
    height = top + plot_h + 60
    out = _fleet_svg_open(height, "Moves per host (as source or destination)")
    legend_x = left
    for name, colour in (("ok", FLEET_OK), ("failed", FLEET_FAILED), ("no outcome", FLEET_OPEN)):
        out.append(f'<rect x="{legend_x:.0f}" y="26" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 14:.0f}" y="35">{name}</text>')
        legend_x += 24 + 6.5 * len(name)
    highest = max([r["moves"] for r in hosts] + [1])
    plot_w = FLEET_SVG_WIDTH - left - 10
    slot = plot_w / max(len(hosts), 1)
    bar_w = max(min(slot * 0.7, 60.0), 1.0)
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#90a4ae"/>')
    for value in (0, highest):
        out.append(f'<text x="{left - 4}" y="{top + plot_h * (1 - value / highest) + 4:.0f}" '
                   f'text-anchor="end">{value}</text>')
    chars = max(int(slot / 6.5), 3)
    for k, r in enumerate(hosts):
        name = r["group"] or "(unknown)"
        failed = r["failed"] + r["stalled"]
        still = r["in_progress"] + r["unknown"]
        parts = (("ok", r["moves"] - failed - still, FLEET_OK), ("failed", failed, FLEET_FAILED),
                 ("no outcome", still, FLEET_OPEN))
        x0 = left + slot * k + (slot - bar_w) / 2
        base = top + plot_h
        for label, count, colour in parts:
            if count <= 0:
                continue
            h = plot_h * count / highest
            base -= h
            out.append(f'<rect class="bar" x="{x0:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                       f'fill="{colour}"><title>{_esc(f"{name}: {count} {label}")}</title></rect>')
        out.append(f'<text x="{x0 + bar_w / 2:.1f}" y="{top + plot_h + 14:.0f}" text-anchor="middle">'
                   f'<title>{_esc(name)}</title>{_esc(_short(name, chars))}</text>')
    return "\n".join([*out, "</svg>"])


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    """Return the first quartile, median and third quartile (linear interpolation, as plotly's boxes)."""
    ordered = sorted(values)

    def at(q: float) -> float:
        pos = q * (len(ordered) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return ordered[lo] + (pos - lo) * (ordered[hi] - ordered[lo])
    return at(0.25), at(0.5), at(0.75)


def _tick(value: float, unit: str) -> str:
    if unit == "s":
        return duration_short(value)
    return f"{value:g} {unit}"


def distribution_svg(values: dict[str, list[tuple[float, str]]], title: str, unit: str) -> str:
    """Return one box per kind with every move as a dot, as static SVG; a log axis under the same rule."""
    rows = [(kind, [v for v, _ in points]) for kind, points in values.items() if points]
    flat = [v for _, vs in rows for v in vs if v > 0]
    log = bool(flat) and max(flat) / min(flat) > 100
    lo = min(flat) if log else 0.0
    hi = max([v for _, vs in rows for v in vs] + [lo * 10 if log else 1e-3])
    left, top = float(FLEET_SVG_LABEL), 36.0
    plot_w = FLEET_SVG_WIDTH - left - 20
    row_h = 40.0
    height = top + row_h * max(len(rows), 1) + 40

    def x(v: float) -> float:
        if log:
            v = max(v, lo)
            return left + (math.log10(v) - math.log10(lo)) / max(math.log10(hi) - math.log10(lo), 1e-9) * plot_w
        return left + v / hi * plot_w

    out = _fleet_svg_open(height, title)
    if not rows:
        out.append(f'<text x="{FLEET_SVG_WIDTH / 2:.0f}" y="{top + 24:.0f}" text-anchor="middle" '
                   'fill="#6b7780">no move has one</text>')
    for n, (kind, vs) in enumerate(rows):
        yc = top + row_h * n + row_h / 2
        colour = PHASE_COLOURS[(n + 1) % len(PHASE_COLOURS)]
        q1, med, q3 = _quartiles(vs)
        out.append(f'<text x="{left - 6}" y="{yc + 4:.0f}" text-anchor="end">{_esc(kind)}</text>')
        out.append(f'<line x1="{x(min(vs)):.1f}" y1="{yc:.1f}" x2="{x(max(vs)):.1f}" y2="{yc:.1f}" '
                   f'stroke="{colour}"/>')
        out.append(f'<rect class="box" x="{x(q1):.1f}" y="{yc - 10:.1f}" width="{max(x(q3) - x(q1), 1.0):.1f}" '
                   f'height="20" fill="{colour}" fill-opacity="0.25" stroke="{colour}">'
                   f'<title>{_esc(f"{kind}: median {_tick(med, unit)}, {len(vs)} moves")}</title></rect>')
        out.append(f'<line x1="{x(med):.1f}" y1="{yc - 10:.1f}" x2="{x(med):.1f}" y2="{yc + 10:.1f}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        for k, v in enumerate(vs):  # every move, spread over the row as plotly's jitter does (deterministic)
            dy = ((k * 7919) % 17 - 8) * 1.1
            out.append(f'<circle class="point" cx="{x(v):.1f}" cy="{yc + dy:.1f}" r="2.5" fill="{colour}"/>')
    axis_y = top + row_h * max(len(rows), 1)
    out.append(f'<line x1="{left}" y1="{axis_y:.0f}" x2="{left + plot_w:.0f}" y2="{axis_y:.0f}" stroke="#90a4ae"/>')
    if log:
        ticks = [10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
                 if lo <= 10.0 ** k <= hi] or [lo, hi]
    else:
        ticks = [hi * k / 4 for k in range(5)]
    for t in ticks:
        out.append(f'<text x="{x(t):.1f}" y="{axis_y + 14:.0f}" text-anchor="middle">{_esc(_tick(t, unit))}</text>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 6:.0f}" text-anchor="middle" fill="#6b7780">'
               f'{"log scale" if log else "linear scale"}; a dot per move, box: middle half, line: median</text>')
    return "\n".join([*out, "</svg>"])
