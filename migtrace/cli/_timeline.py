"""`migtrace timeline ID`: one migration (or all of an instance's) phase by phase across hosts."""

from __future__ import annotations

import difflib
import sys
from dataclasses import replace
from typing import Any

import click

from migtrace.cli._common import SETTINGS, input_options, load_analysis, load_options, run_safely
from migtrace.errors import NotFoundError
from migtrace.model import Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis
from migtrace.reports import RenderOptions, render
from migtrace.reports.terminal import TimelineView, context_centres, use_color
from migtrace.sources import read_lines_around


@click.command(context_settings=SETTINGS)
@click.argument("ident", metavar="ID")
@input_options
@click.option("--full", is_flag=True, help="Show whole tracebacks instead of folding them.")
@click.option("--context", type=int, default=0, metavar="N", help="Show N neighbouring lines around each error.")
@click.option("--no-debug", is_flag=True, help="Hide DEBUG lines.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@run_safely
def timeline(ident: str, full: bool, context: int, no_debug: bool, color: str, paths: tuple[str, ...],
             **inputs: Any) -> None:
    """Show one migration (or all of an instance's) phase by phase across hosts.

    ID is a request id (with or without `req-`), an instance uuid (all its
    migrations, newest last), or a migration uuid / number.

    Example: migtrace timeline req-5f2a0c1e-… /var/tmp/incident/
    """
    options = load_options(focus=ident, **inputs)
    analysis = load_analysis(paths, options)
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(_not_found_hint(ident, paths, options))
    paint = use_color(sys.stdout.isatty(), color)
    shown = RenderOptions(color=paint, full=full, debug=not no_debug)
    for i, m in enumerate(found):
        if i:
            click.echo("\n" + "─" * 72 + "\n")
        click.echo(render("timeline", "text", _view(m, analysis, context), shown), nl=False, color=paint)


def _view(m: Migration, analysis: Analysis, radius: int) -> TimelineView:
    """Gather what the timeline shows, including the raw lines around errors read from the inputs."""
    context = {source: read_lines_around(source, numbers, radius)
               for source, numbers in context_centres(m).items()} if radius else {}
    return TimelineView(migration=m, skew=analysis.skew, context=context, radius=radius)


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
