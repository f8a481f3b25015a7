"""`migtrace merge`: every record of every input in one chronological stream, tagged [host/service]."""

from __future__ import annotations

from typing import Any

import click

from migtrace.cli._common import SETTINGS, input_options, load_options, run_safely, time_option
from migtrace.pipeline import merged_events
from migtrace.reports import RenderOptions, render


@click.command(context_settings=SETTINGS)
@input_options
@click.option("--request", "request_ids", multiple=True, metavar="ID", help="Only records of this request id.")
@click.option("--instance", "instances", multiple=True, metavar="UUID", help="Only records of this instance.")
@click.option("--since", help="Only records at or after this time.")
@click.option("--until", help="Only records at or before this time.")
@click.option("--stats", is_flag=True, help="Print per-file line accounting instead of the records.")
@click.option("--full/--no-full", default=True, help="Include traceback/continuation lines.")
@run_safely
def merge(request_ids: tuple[str, ...], instances: tuple[str, ...], since: str | None, until: str | None,
          stats: bool, full: bool, paths: tuple[str, ...], **inputs: Any) -> None:
    """Print every record of every input in one chronological stream, tagged [host/service].

    Example: migtrace merge controller/ compute1/ compute2/ --request req-5f2a…
    """
    stream = merged_events(paths, load_options(**inputs), terms=frozenset(request_ids + instances),
                           since=time_option(since), until=time_option(until))
    options = RenderOptions(full=full)
    if stats:
        for _ in stream.events:
            pass
        click.echo(render("merge-stats", "table", stream.stats(), options), nl=False)
        return
    for event in stream.events:
        click.echo(render("merge", "text", event, options))
