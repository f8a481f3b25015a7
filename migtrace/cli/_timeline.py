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
from migtrace.diagnose.catalog import load_catalog
from migtrace.errors import NotFoundError
from migtrace.model import Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis, near_ids, with_diagnosis
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
    catalog = load_catalog(tuple(options.signatures))  # a bad signature file fails before the read
    analysis = load_analysis(paths, replace(options, diagnose=False))
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(_not_found_hint(ident, paths, options, analysis))
    # only the moves shown are diagnosed (each move's findings do not depend on the others)
    analysis = with_diagnosis(replace(analysis, migrations=tuple(found)), options.signatures, options.release,
                              catalog=catalog, orphans=False)
    found = list(analysis.migrations)
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


def _not_found_hint(ident: str, paths: tuple[str, ...], options: LoadOptions, analysis: Analysis) -> str:
    """Say nothing matched, and name the nearest ids the logs do contain (found by raw passes, no full load).

    When the targeted read found records holding the id, the hint says how
    many and names the ids of the moves they are tied to; otherwise the id's
    pieces are searched (`near_ids`: a typo spoils one part of a uuid).
    """
    if analysis.events:
        ids = sorted({x for m in analysis.migrations for x in (m.id, *m.request_ids, m.instance) if x})
        near = difflib.get_close_matches(ident, ids, n=3, cutoff=0.3) or ids[:3]
        seen = f" ({len(analysis.events)} record(s) of these logs contain it)"
    else:
        near, seen = near_ids(paths, options, ident), ""
    hint = f"; nearest ids seen: {', '.join(near)}" if near else "; no id like it in these logs"
    return f"no migration matches {ident!r}{seen}{hint}"
