"""`migtrace diagnose` and `migtrace signatures`: name the failure, explain it, show the fix."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from typing import Any

import click

from migtrace.cli._common import SETTINGS, input_options, load_analysis, load_options, run_safely
from migtrace.diagnose import all_findings, worst_severity
from migtrace.diagnose.catalog import SEVERITIES, SEVERITY_RANK, Catalog, load_catalog
from migtrace.errors import NotFoundError
from migtrace.model import Finding
from migtrace.reports import formats, render


@click.command("diagnose", context_settings=SETTINGS)
@input_options
@click.option("-f", "--format", "fmt", type=click.Choice(formats("diagnose")), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 1 when a finding of this severity or worse is found (for scripts).")
@run_safely
def diagnose(fmt: str, fail_on: str | None, paths: tuple[str, ...], **inputs: Any) -> None:
    """Name the known failures in each migration, with the fix; list unrecognised errors.

    Example: migtrace diagnose /var/tmp/incident/ --fail-on error
    """
    analysis = load_analysis(paths, load_options(**inputs))
    click.echo(render("diagnose", fmt, analysis))
    if fail_on and fired_at_least(all_findings(analysis.migrations, analysis.orphan_findings), fail_on):
        sys.exit(1)


@click.group("signatures", context_settings=SETTINGS)
def signatures() -> None:
    """Browse and test the known-failure signatures (shipped and your own).

    Example: migtrace signatures show apparmor-seclabel-mismatch
    """


@signatures.command("list", context_settings=SETTINGS)
@click.option("--signatures", "extra", multiple=True, metavar="FILE_OR_DIR",
              help="Add your own failure signatures (YAML).")
@click.option("-f", "--format", "fmt", type=click.Choice(formats("signatures")), default="table",
              show_default=True)
@run_safely
def list_signatures(extra: tuple[str, ...], fmt: str) -> None:
    """List every signature: id, severity, component, flows and title.

    Example: migtrace signatures list --signatures ./my-signatures/
    """
    click.echo(render("signatures", fmt, load_catalog(extra)))


@signatures.command("show", context_settings=SETTINGS)
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


@signatures.command("test", context_settings=SETTINGS)
@input_options
@run_safely
def test_signatures(paths: tuple[str, ...], **inputs: Any) -> None:
    """Show which signatures fire on these logs, and how often.

    Example: migtrace signatures test my-fixture.log --signatures ./my-signatures/
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
