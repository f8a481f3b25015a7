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
from migtrace.pipeline import merged_events
from migtrace.reports import RenderOptions, render
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
    batch: list[str] = []
    size = 0
    try:
        for event in stream.events:
            text = render("merge", "text", redactor.event(event), options)
            batch.append(text)
            size += len(text)
            if size >= _BATCH_CHARS:
                full_batch, batch, size = batch, [], 0
                _write(full_batch)
    finally:
        # the records read before an error (--strict, a read failure) are printed, as one by one
        _write(batch)


#: records are checked and written in blocks of about this many characters (one write, one leak scan)
_BATCH_CHARS = 1 << 18


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
