"""`migtrace list`: every migration found in the logs, one row each."""

from __future__ import annotations

from typing import Any

import click

from migtrace.cli._common import (
    EXIT_CODES,
    SETTINGS,
    TableOutput,
    input_options,
    load_analysis,
    load_options,
    make_redactor,
    move_window_options,
    redact_option,
    run_safely,
    tabular_options,
    time_option,
)
from migtrace.model import KINDS, STATUSES
from migtrace.pipeline import filter_migrations
from migtrace.reports.listing import Listed


@click.command("list", context_settings=SETTINGS, epilog=EXIT_CODES)
@input_options
@tabular_options("list")
@move_window_options
@click.option("--instance", help="Only moves of this instance uuid.")
@click.option("--host", help="Only moves from or to this host.")
@click.option("--status", multiple=True, type=click.Choice(STATUSES))
@click.option("--kind", multiple=True, type=click.Choice(KINDS))
@redact_option
@run_safely
def list_cmd(output: TableOutput, since: str | None, until: str | None, instance: str | None, host: str | None,
             status: tuple[str, ...], kind: tuple[str, ...], redact: str | None, paths: tuple[str, ...],
             **inputs: Any) -> None:
    """List every migration found in the logs, one row each.

    The table shows short request ids (unique; `timeline` takes them) and fits
    the terminal; -f json|csv|yaml|value print every value whole.

    Example: migtrace list sample_logs/queens-files -f json --status failed
    """
    analysis = load_analysis(paths, load_options(**inputs))
    found = filter_migrations(analysis.migrations, since=time_option(since), until=time_option(until),
                              instance=instance, host=host, status=status, kind=kind)
    if redact:
        # names are replaced consistently across the rows; ids stay, so `timeline` still takes them
        redactor = make_redactor(redact)
        clean = {id(m): redactor.migration(m) for m in analysis.migrations}
        output.echo(Listed([clean[id(m)] for m in found], list(clean.values())))
    else:
        output.echo(Listed(found, analysis.migrations))
    outside = len(analysis.orphan_findings)
    if outside:
        # stderr: stdout stays the listing (a pure JSON array with -f json)
        click.echo(f"migtrace: {outside} failure{'s' if outside != 1 else ''} outside any migration "
                   "— see `migtrace diagnose`", err=True)
