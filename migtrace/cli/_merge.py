"""`migtrace merge`: every record of every input in one chronological stream, tagged [host/service]."""

from __future__ import annotations

from typing import Any

import click

from migtrace.cli._common import (
    EXIT_CODES,
    SETTINGS,
    TableOutput,
    echo_log_text,
    load_options,
    make_redactor,
    read_options,
    redact_option,
    run_safely,
    tabular_options,
    time_option,
)
from migtrace.model import Event
from migtrace.pipeline import merged_events
from migtrace.reports import RenderOptions, get_renderer
from migtrace.reports.neutral import terminal_safe
from migtrace.reports.redact import leak_check


@click.command(context_settings=SETTINGS, epilog=EXIT_CODES)
@read_options
@click.option("--request", "request_ids", multiple=True, metavar="ID", help="Only records of this request id.")
@click.option("--instance", "instances", multiple=True, metavar="UUID", help="Only records of this instance.")
@click.option("--since", help="Only records at or after this time.")
@click.option("--until", help="Only records at or before this time.")
@click.option("--stats", is_flag=True, help="Print per-file line accounting instead of the records.")
@tabular_options("merge-stats")
@click.option("--full/--no-full", default=True, help="Include traceback/continuation lines.")
@redact_option
@run_safely
def merge(request_ids: tuple[str, ...], instances: tuple[str, ...], since: str | None, until: str | None,
          stats: bool, output: TableOutput, full: bool, redact: str | None, paths: tuple[str, ...],
          **inputs: Any) -> None:
    """Print every record of every input in one chronological stream, tagged [host/service].

    Times are printed as logged (no clock-skew correction: that needs the
    whole analysis, see `timeline`). The -f/-c/--sort-column options apply to
    --stats.

    Example: migtrace merge sample_logs/kilo-files --request req-a2ca325d
    """
    if output.given and not stats:
        raise click.UsageError("-f, -c, --sort-column, --noindent and --max-width apply to --stats")
    stream = merged_events(paths, load_options(**inputs), terms=frozenset(request_ids + instances),
                           since=time_option(since), until=time_option(until))
    if stats:
        for _ in stream.events:
            pass
        output.echo(stream.stats() + stream.skipped())
        return
    redactor = make_redactor(redact)
    options = RenderOptions(full=full)
    render_one = get_renderer("text", "merge").render
    pending: list[Event] = []
    try:
        for event in stream.events:
            pending.append(event)
            if len(pending) >= _BATCH_RECORDS:
                block, pending = pending, []
                _write([render_one(e, options) for e in redactor.events(block)])
    finally:
        # the records read before an error (--strict, a read failure) are printed, as one by one
        _write([render_one(e, options) for e in redactor.events(pending)])


#: records are redacted in blocks of this many (one keyword search per block, see `Redactor.events`)
_BATCH_RECORDS = 2048

def _write(batch: list[str]) -> None:
    """Print records as `echo_log_text` prints each, in one write after one leak scan of the block.

    When the scan of the block finds anything, the records go one by one
    through `echo_log_text`: the ones before the offending record are
    printed and the command stops at it, exactly as when each is checked.
    """
    if not batch:
        return
    if leak_check("\n".join(batch)):
        for text in batch:
            echo_log_text(text, what="a merged record")
        return
    click.echo("\n".join(terminal_safe(text) for text in batch))
