"""`migtrace timeline ID`: one migration (or all of an instance's) phase by phase across hosts."""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

import click

from migtrace.cli._common import (
    EXIT_CODES,
    SETTINGS,
    colour,
    echo_log_text,
    input_options,
    load_analysis,
    load_options,
    make_redactor,
    output_width,
    redact_option,
    run_safely,
)
from migtrace.errors import NotFoundError
from migtrace.model import Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, render
from migtrace.reports.redact import Redactor
from migtrace.reports.terminal import TimelineView, context_centres
from migtrace.sources import read_lines_around


@click.command(context_settings=SETTINGS, epilog=EXIT_CODES)
@click.argument("ident", metavar="ID")
@input_options
@click.option("--full", is_flag=True,
              help="Show everything: DEBUG lines, whole tracebacks, every progress and repeated line, whole lines.")
@click.option("--context", type=int, default=0, metavar="N", help="Show N neighbouring lines around each error.")
@click.option("--max-width", "max_width", type=click.IntRange(min=0), metavar="N",
              help="Fit lines in N columns (default: the terminal's width, 100 when not a terminal; 0: no limit).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="auto: on a terminal, unless NO_COLOR is set or TERM=dumb (FORCE_COLOR forces it).")
@redact_option
@run_safely
def timeline(ident: str, full: bool, context: int, max_width: int | None, color: str, redact: str | None,
             paths: tuple[str, ...], **inputs: Any) -> None:
    """Show one migration (or all of an instance's) phase by phase across hosts, ready to paste.

    ID is a request id (with or without `req-`, or the short form `list`
    prints), an instance uuid (all its migrations, newest last), or a
    migration uuid / number. Lines fit the terminal (100 columns in a pipe);
    INFO and above are shown, progress and repeated lines are summarised.

    Example: migtrace timeline req-405a7cf1 sample_logs/queens-files
    """
    options = load_options(focus=ident, **inputs)
    analysis = load_analysis(paths, options)
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(_not_found_hint(ident, paths, options))
    redactor = make_redactor(redact)
    paint = colour(color)
    width = output_width(max_width)
    shown = RenderOptions(color=paint, full=full, debug=full, max_width=width)
    for i, m in enumerate(found):
        if i:
            click.echo("\n" + "─" * min(72, width or 72) + "\n")
        view = _view(m, analysis, context, redactor)
        echo_log_text(render("timeline", "text", view, shown), what="the timeline", nl=False, color=paint)


def _view(m: Migration, analysis: Analysis, radius: int, redactor: Redactor) -> TimelineView:
    """Gather what the timeline shows, including the raw lines around errors read from the inputs;
    all of it redacted (secrets always, names on request)."""
    context = {source: read_lines_around(source, numbers, radius)
               for source, numbers in context_centres(m).items()} if radius else {}
    clean = redactor.migration(m)
    shown_context = {}
    for source, lines in context.items():
        numbers = sorted(lines)
        shown_context[redactor.text(source)] = dict(zip(numbers, redactor.lines([lines[n] for n in numbers]),
                                                        strict=True))
    skew = {redactor.text(h): off for h, off in analysis.skew.items()}
    return TimelineView(migration=clean, skew=skew, context=shown_context, radius=radius)


def _not_found_hint(ident: str, paths: tuple[str, ...], options: LoadOptions) -> str:
    """Say nothing matched, and name the nearest ids the logs do contain."""
    analysis = load_analysis(paths, replace(options, focus=None, warn=None))
    ids: set[str] = set()
    for m in analysis.migrations:
        ids.update(m.request_ids)
        if m.instance:
            ids.add(m.instance)
    near = difflib.get_close_matches(ident, sorted(ids), n=3, cutoff=0.3) or sorted(ids)[:3]
    hint = f"; nearest ids seen: {', '.join(near)}" if near else "; no migration in these logs"
    return f"no migration matches {ident!r}{hint}"
