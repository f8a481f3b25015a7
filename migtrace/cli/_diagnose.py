"""`migtrace diagnose` and `migtrace signatures`: name the failure, explain it, show the fix."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from typing import Any

import click

from migtrace.cli._common import (
    EXIT_CODES,
    SETTINGS,
    TableOutput,
    echo_log_text,
    global_options,
    input_options,
    load_analysis,
    load_options,
    make_redactor,
    redact_option,
    run_safely,
    tabular_options,
)
from migtrace.diagnose import all_findings, worst_severity
from migtrace.diagnose.catalog import SEVERITIES, SEVERITY_RANK, Catalog, load_catalog
from migtrace.errors import NotFoundError
from migtrace.model import Finding
from migtrace.reports import render


@click.command("diagnose", context_settings=SETTINGS, epilog=EXIT_CODES)
@input_options
@tabular_options("diagnose")
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 1 when a finding of this severity or worse is found (for scripts).")
@redact_option
@run_safely
def diagnose(output: TableOutput, fail_on: str | None, redact: str | None, paths: tuple[str, ...],
             **inputs: Any) -> None:
    """Name the known failures in each migration, with the fix; list unrecognised errors.

    -f table, json and markdown group the findings per migration and explain
    each signature once; -f csv, value and yaml give one row per finding.

    Example: migtrace diagnose sample_logs/queens-files --fail-on error
    """
    analysis = load_analysis(paths, load_options(**inputs))
    shown = make_redactor(redact).analysis(analysis)
    text = render(output.view, output.fmt, shown, output.options)
    echo_log_text(text if text.endswith("\n") else text + "\n", what="the diagnosis", nl=False)
    if fail_on and fired_at_least(all_findings(analysis.migrations, analysis.orphan_findings), fail_on):
        sys.exit(1)


@click.group("signatures", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
def signatures() -> None:
    """Browse and test the known-failure signatures (shipped and your own).

    Example: migtrace signatures show apparmor-seclabel-mismatch
    """


@signatures.command("list", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
@click.option("--signatures", "extra", multiple=True, metavar="FILE_OR_DIR",
              help="Add your own failure signatures (YAML).")
@tabular_options("signatures")
@run_safely
def list_signatures(extra: tuple[str, ...], output: TableOutput) -> None:
    """List every signature: id, severity, component, flows and title (-f json: every field).

    Example: migtrace signatures list -c id -c severity --sort-column severity
    """
    output.echo(load_catalog(extra))


@signatures.command("show", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
@click.argument("ident")
@click.option("--signatures", "extra", multiple=True, metavar="FILE_OR_DIR",
              help="Add your own failure signatures (YAML).")
@run_safely
def show_signature(ident: str, extra: tuple[str, ...]) -> None:
    """Show one signature: explanation, remedy, references, match expression and an example line.

    Example: migtrace signatures show iscsi-no-session-exit-21
    """
    catalog = load_catalog(extra)
    sig = catalog.get(ident)
    if sig is None:
        raise NotFoundError(f"no signature '{ident}'{_suggest(ident, catalog)}")
    click.echo(render("signature", "text", sig))


@signatures.command("test", context_settings=SETTINGS, epilog=EXIT_CODES)
@input_options
@run_safely
def test_signatures(paths: tuple[str, ...], **inputs: Any) -> None:
    """Show which signatures fire on these logs, and how often.

    Example: migtrace signatures test sample_logs/kilo-files/compute1/var/log/nova/nova-compute.log
    """
    if not paths:
        raise click.UsageError("give at least one log FILE to test the signatures on")
    click.echo(render("fired", "table", load_analysis(paths, load_options(**inputs))))


def fired_at_least(findings: Iterable[Finding], severity: str) -> bool:
    """Return True when any finding is at least as severe as `severity`."""
    worst = worst_severity(findings)
    return worst is not None and SEVERITY_RANK[worst] >= SEVERITY_RANK[severity]


def _suggest(ident: str, catalog: Catalog) -> str:
    close = difflib.get_close_matches(ident, [s.id for s in catalog.signatures], n=3)
    return f" (did you mean: {', '.join(close)}?)" if close else ""
