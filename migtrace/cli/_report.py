"""`migtrace report`: one file for a bug ticket (HTML, Markdown or JSON)."""

from __future__ import annotations

from typing import Any

import click

from migtrace.cli._common import EXIT_CODES, SETTINGS, input_options, load_analysis, load_options, run_safely
from migtrace.reports import format_for_path, formats, write_report


@click.command("report", context_settings=SETTINGS, epilog=EXIT_CODES)
@input_options
@click.option("-o", "--output", metavar="FILE",
              help="Write here (the suffix .html, .md, .json or .txt picks the format); '-' for stdout. "
                   "Default: migtrace-report.html, or stdout for markdown, json and text.")
@click.option("-f", "--format", "fmt", type=click.Choice(formats("report")),
              help="Report format (default: from the -o suffix, else html).")
@click.option("--migration", "migration", metavar="ID",
              help="Only this migration: request id, instance uuid, migration uuid or number.")
@click.option("--title", help="Title of the report (default: 'migtrace report').")
@click.option("--redact", "redact", metavar="CATS",
              help="Also pseudonymise these, comma-separated: hosts, ips, users (or all). Secrets are always removed.")
@click.option("--redact-map", "redact_map", type=click.Path(dir_okay=False), metavar="FILE",
              help="JSON mapping of pseudonyms to reuse and update, so host-1 stays host-1 across reports.")
@run_safely
def report(output: str | None, fmt: str | None, migration: str | None, title: str | None,
           redact: str | None, redact_map: str | None, paths: tuple[str, ...], **inputs: Any) -> None:
    """Write a self-contained report to attach to a bug ticket (works offline, secrets removed).

    html: one offline page with charts (they print too); markdown: a ticket
    body for trackers that render Markdown; text: plain text within 80
    columns for Launchpad and mail; json: the full model.

    Example: migtrace report sample_logs/ -o report.html --redact hosts,ips
    """
    analysis = load_analysis(paths, load_options(focus=migration, **inputs))
    where = write_report(analysis, output, fmt or format_for_path(output), migration=migration,
                         title=title, redact=redact, redact_map=redact_map)
    if where != "<stdout>":
        click.echo(f"migtrace: report written to {where}", err=True)
