"""`migtrace stats`: the fleet view — which hosts are bad, which moves were slow, what failed where."""

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
    move_window_options,
    run_safely,
    tabular_options,
    time_option,
)
from migtrace.diagnose.fleet import GROUPINGS
from migtrace.pipeline import filter_migrations
from migtrace.reports.fleet import FleetView


@click.command("stats", context_settings=SETTINGS, epilog=EXIT_CODES)
@input_options
@tabular_options("stats")
@click.option("--group-by", type=click.Choice(GROUPINGS),
              help="One table of this grouping (default: an overview of them all; csv/value: by kind).")
@move_window_options
@run_safely
def stats(output: TableOutput, group_by: str | None, since: str | None, until: str | None,
          paths: tuple[str, ...], **inputs: Any) -> None:
    """Sum up every move: counts, durations, downtimes, failures per kind, host pair, host, signature, day.

    Unknown hosts count as unknown (`?`, `(unknown)`); only finished moves have a
    duration; failure rate = failed or stalled / moves with a known outcome;
    p50/p95 are nearest-rank (a value some move really had).

    Example: migtrace stats sample_logs/ --group-by host --sort-column failure_rate --sort-descending
    """
    if (output.options.columns or output.options.sort_columns) and group_by is None:
        raise click.UsageError("-c/--sort-column choose columns of one table: add --group-by "
                               + "|".join(GROUPINGS))
    analysis = load_analysis(paths, load_options(**inputs))
    found = filter_migrations(analysis.migrations, since=time_option(since), until=time_option(until))
    output.echo(FleetView(tuple(found), group_by))
