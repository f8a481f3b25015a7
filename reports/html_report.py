"""The HTML report: one self-contained file to attach to a bug ticket.

It must open anywhere (no network, no CDN), so plotly.js is inlined from the
installed plotly package and the CSS and the little vanilla JS live in the
templates.  Log text is hostile input: jinja2 autoescape is on, undefined
names fail (`StrictUndefined`), and figure JSON embedded in `<script>`
elements is escaped by `_charts.script_json` so `</script>` in a log line
stays text.  The templates only loop and print; every decision (what to
show, how to format it) is made here in `_view_*`.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from migtrace._cachefile import read_private, write_private
from migtrace.model import Event, FileStats, Finding, Migration, level_rank
from migtrace.pipeline import Analysis
from migtrace.reports import _charts
from migtrace.reports import fleet_html as fleet_html_module
from migtrace.reports._bytecode import PrivateBytecodeCache
from migtrace.reports._format import clock, duration, html_attr, html_text, json_script, json_string, measured
from migtrace.reports._registry import Renderer, RenderOptions, register, source_words
from migtrace.reports.fleet import SOURCES
from migtrace.reports.fleet_html import fleet_view
from migtrace.sources._index import cache_dir

TEMPLATES = Path(__file__).parent / "templates"

#: Traceback / extra lines shown folded; longer blocks keep head and tail.
MAX_EXTRA_LINES = 200
#: Characters of a message shown before it is folded into <details>.
MAX_MESSAGE = 2000


@functools.cache
def environment() -> jinja2.Environment:
    """Return the jinja2 environment: package templates, autoescape on, strict undefined, and the templates'
    bytecode kept in the private cache dir (`_bytecode`)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("migtrace.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # the templates are package files: no modification-time check on each of the ~130 lookups of a report
        auto_reload=False,
        # the settings above change the code jinja2 generates from a template: they name its cached bytecode
        bytecode_cache=PrivateBytecodeCache("autoescape trim_blocks lstrip_blocks keep_trailing_newline"),
    )


@functools.cache
def plotly_js() -> str:
    """Return the plotly.js bundle shipped with the installed plotly package."""
    from plotly.offline import get_plotlyjs  # noqa: PLC0415 - plotly is slow to import; only HTML needs it

    js: str = get_plotlyjs()
    return js


@functools.cache
def plotly_js_packed() -> str:
    """Return plotly.js gzipped and base64-encoded, as the report inlines it.

    The bundle alone is ~4.8 MB, the whole size budget of a 50-migration
    report; packed it is ~2 MB.  The page unpacks it with the browser's
    `DecompressionStream` (every current engine has it) and runs it as an
    inline script: still offline, still no URL.  Base64 has no `<`, so it
    cannot close the `<script>` that carries it.

    Packing costs about half a CPU second (importing plotly, gzip -9 of
    4.8 MB), so it is done once per installed plotly, not per report: the
    result is kept in the cache directory (`bundle_cache_path`) and read
    back, checked against its digest, by the next report.  A cache that
    cannot be read or written is passed over silently (the bundle is then
    packed in memory, as before).
    """
    cached = bundle_cache_path()
    if cached is not None:
        packed = _read_packed(cached)
        if packed is not None:
            return packed
    packed = pack_bundle(plotly_js())
    if cached is not None:
        _write_packed(cached, packed)
    return packed


def pack_bundle(js: str) -> str:
    """gzip -9 (no timestamp: the same bytes every time) and base64: what the page's `#plotly-js-gz` holds."""
    return base64.b64encode(gzip.compress(js.encode("utf-8"), 9, mtime=0)).decode("ascii")


#: bumped when `pack_bundle` changes: older cached bundles are then not used
_PACK_FORMAT = "gzip9-b64-1"


def bundle_cache_path() -> Path | None:
    """Where the packed bundle of the installed plotly is cached; None when plotly's file cannot be found.

    The name is a digest of the bundle file's path, size and mtime and of the
    packing format: a plotly upgrade gets a new file.  The directory is the
    on-disk index's ($MIGTRACE_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/migtrace).
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    try:
        st = source.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{source}\0{st.st_size}\0{st.st_mtime_ns}\0{_PACK_FORMAT}".encode()).hexdigest()[:24]
    return cache_dir() / f"plotly-{key}.b64"


def _read_packed(path: Path) -> str | None:
    """The cached packed bundle, or None: the bundle runs in the browser of whoever opens a report, so a
    file planted by another user, loose, a symlink or cut short is never used (`_cachefile.read_private`)."""
    payload = read_private(path)
    if not payload:
        return None
    try:
        return payload.decode("ascii")
    except UnicodeDecodeError:
        return None


def _write_packed(path: Path, packed: str) -> None:
    """Store the packed bundle (digest line first) atomically, in a private directory; failures are ignored."""
    write_private(path, packed.encode("ascii"))


def _t(e: Any, attr: str = "time") -> str:
    return clock(getattr(e, attr))


#: the rank the events filter gives a row of each colour group (`_charts.level_group`) with no `data-rank`
GROUP_RANKS = {f"lvl-{g}": level_rank(g.upper()) for g in ("debug", "info", "warning", "error")}


def _row_rank(level: str | None) -> int | None:
    """The row's `data-rank`: None when it is its colour group's rank (most rows; the page's script
    takes `GROUP_RANKS` then), so a report of thousands of rows does not carry it on each."""
    rank = level_rank(level)
    return None if GROUP_RANKS[f"lvl-{_charts.level_group(level)}"] == rank else rank


def _view_event(e: Event) -> dict[str, Any]:
    extra = list(e.extra)
    if len(extra) > MAX_EXTRA_LINES:
        half = MAX_EXTRA_LINES // 2
        extra = [*extra[:half], f"… {len(extra) - MAX_EXTRA_LINES} lines not shown …", *extra[-half:]]
    message = e.message
    shown = _t(e)
    return {
        # the time as logged only where it says more than the shown one (a zone, a correction, another spelling)
        "time": shown, "time_text": e.time_text if e.time_text != shown else "",
        "host": e.host or "", "service": e.service or "",
        "level": e.level or "", "level_class": f"lvl-{_charts.level_group(e.level)}",
        "level_rank": _row_rank(e.level), "logger": e.logger or "", "request_id": e.request_id or "",
        "message": message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…",
        "message_full": message if len(message) > MAX_MESSAGE else "",
        "extra": "\n".join(extra), "extra_count": len(e.extra),
        "extra_label": "traceback" if e.extra and e.extra[0].startswith("Traceback") else "more lines",
        "origin": e.origin,
    }


def _view_finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.signature_id, "title": f.title, "severity": f.severity, "count": f.count,
        "first_seen": _t(f, "first_seen"), "last_seen": _t(f, "last_seen"), "phase": f.phase or "",
        "explanation": f.explanation, "remedy": f.remedy,
        # only web links become <a href>: a reference is signature data, still never a javascript: URL
        "links": [r for r in f.references if r.startswith(("https://", "http://"))],
        "other_refs": [r for r in f.references if not r.startswith(("https://", "http://"))],
        "evidence": [_view_event(e) for e in f.events[:5]],
        "more_evidence": max(len(f.events) - 5, 0),
    }


def _hosts_of(m: Migration) -> list[str]:
    hosts = {h for h in (m.source_host, m.dest_host) if h}
    hosts.update(e.host for e in m.events if e.host)
    for p in m.phases:
        hosts.update(p.hosts)
    return sorted(hosts)


def _view_migration(n: int, m: Migration, a: Analysis) -> dict[str, Any]:
    flags = [name for name, on in (("block migration", m.block_migration), ("volume-backed", m.volume_backed),
                                   ("post-copy", m.post_copy)) if on]
    skew = [
        {"host": h, "offset": f"{a.skew[h]:+.3f} s"} for h in _hosts_of(m) if a.skew.get(h)
    ]
    progress = _charts.progress_figure(m)
    return {
        "n": n, "anchor": f"m-{n}", "id": m.id, "kind": m.kind, "instance": m.instance or "",
        "status": m.status, "source": m.source_host or "?", "dest": m.dest_host or "?",
        "started": _t(m, "started"), "ended": _t(m, "ended"),
        "started_sort": m.started.timestamp(), "duration": measured(m, "duration"),
        "duration_sort": m.duration_s,
        "downtime": measured(m, "downtime"),
        "downtime_sort": m.downtime_below_s if m.downtime_s is None and m.downtime_below_s is not None
        else -1 if m.downtime_s is None else m.downtime_s,
        "downtime_basis": m.downtime_basis, "flags": flags,
        "request_ids": list(m.request_ids), "global_request_ids": list(m.global_request_ids),
        "migration_uuid": m.migration_uuid or "", "migration_number": "" if m.migration_number is None
        else str(m.migration_number),
        "retries": m.retries, "user": m.user or "", "project": m.project or "",
        "finding_ids": list(m.finding_ids),
        "finding_count": len(m.findings),
        "findings": [_view_finding(f) for f in m.findings if f.recognised],
        "unrecognised": [_view_finding(f) for f in m.findings if not f.recognised],
        "phases": [{"name": p.name, "started": _t(p, "started"), "duration": duration(p.duration_s),
                    "hosts": ", ".join(p.hosts), "outcome": p.outcome or "", "detail": p.detail}
                   for p in m.phases],
        "attempts": [{"host": x.host, "outcome": x.outcome, "reason": x.reason} for x in m.attempts],
        "notes": list(m.notes), "missing_sides": list(m.missing_sides), "skew": skew,
        "timeline_json": Markup(_charts.script_json(_charts.timeline_figure(m))),
        "progress_json": Markup(_charts.script_json(progress)) if progress else "",
        # the same charts as static SVG (escaped in _charts): print, PDF, screenshots, no JavaScript
        "timeline_svg": Markup(_charts.timeline_svg(m)),
        "progress_svg": Markup(_charts.progress_svg(m) or ""),
        "events": [_view_event(e) for e in m.events],
    }


def _view_stats(stats: Sequence[FileStats]) -> list[dict[str, Any]]:
    return [{
        "path": s.path, "fmt": s.fmt, "host": s.host or "", "service": s.service or "",
        "lines_read": s.lines_read, "records": s.records, "continuation": s.continuation_lines,
        "meta": s.meta_lines, "unparsed": s.unparsed_lines, "skipped": s.skipped_lines,
        "balanced": s.balanced, "errors": list(s.errors), "timeless": s.timeless_records,
    } for s in stats]


def context(analysis: Analysis, options: RenderOptions) -> dict[str, Any]:
    """Return everything the templates print, already formatted."""
    migs = [_view_migration(n, m, analysis) for n, m in enumerate(analysis.migrations, 1)]
    return {
        "title": options.title,
        "version": options.version,
        "generated": options.generated.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "redacted": ", ".join(options.redacted) or "nothing",
        "migrations": migs,
        # the fleet figures (`migtrace stats`) above the per-migration pages; None for a single move
        "fleet": fleet_view(analysis.migrations),
        "statuses": sorted({m["status"] for m in migs}),
        "orphans": [_view_finding(f) for f in analysis.orphan_findings],
        "stats": _view_stats(analysis.stats),
        "totals": {
            "lines_read": analysis.lines_read, "unparsed": analysis.unparsed_lines,
            "records": sum(s.records for s in analysis.stats), "files": len(analysis.stats),
        },
        "skew_mode": analysis.skew_mode,
        "skew": [{"host": h, "offset": f"{o:+.3f} s"} for h, o in sorted(analysis.skew.items()) if o],
        "warnings": list(analysis.warnings),
        "plotly_packed": plotly_js_packed(),
        "group_ranks": Markup(json.dumps(GROUP_RANKS, sort_keys=True)),  # fixed keys and numbers: nothing to escape
    }


def render(analysis: Analysis, options: RenderOptions) -> str:
    """Render the self-contained HTML page."""
    return environment().get_template("report.html.j2").render(**context(analysis, options))


RENDERER = register(Renderer(
    view="report", name="html", suffix=".html", render=render,
    escapes=(html_text, html_attr, json_string, json_script),
    description="one offline HTML file: index, timelines, findings, events",
    static_parts=lambda: (plotly_js_packed(),),
    vocabulary=lambda: source_words(__file__, _charts.__file__, *sorted(map(str, TEMPLATES.glob("*.j2"))), *SOURCES,
                                    fleet_html_module.__file__),
))
