"""The `migtrace` command line (DESIGN.md: CLI contract). Commands stay thin."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from typing import Any

import click

from migtrace import __version__
from migtrace._cli_common import input_options, load_analysis, read_options, run_safely, warn
from migtrace._timeutil import parse_user_time
from migtrace.errors import NotFoundError
from migtrace.model import Migration
from migtrace.reports.table import FORMATS, render_list
from migtrace.reports.terminal import render_timeline, use_color


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="migtrace")
def cli() -> None:
    """Turn OpenStack Nova logs into the story of each VM migration.

    Point it at nova-api, scheduler, conductor and compute logs (files, rotated
    or compressed sets, sosreport trees, journalctl exports, binary journals);
    with no paths it reads $MIGTRACE_LOGS or the usual local locations.

    Example: migtrace list /var/tmp/incident/
    """


def _time_filter(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_user_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def filter_migrations(migrations: Sequence[Migration], *, since: str | None = None, until: str | None = None,
                      instance: str | None = None, host: str | None = None, status: Sequence[str] = (),
                      kind: Sequence[str] = ()) -> list[Migration]:
    """Apply the `list` filters (times by dateutil, host on either side)."""
    t0, t1 = _time_filter(since), _time_filter(until)
    out = []
    for m in migrations:
        if t0 and m.ended < t0 or t1 and m.started > t1:
            continue
        if instance and m.instance != instance.lower():
            continue
        if host and host not in (m.source_host, m.dest_host):
            continue
        if status and m.status not in status or kind and m.kind not in kind:
            continue
        out.append(m)
    return out


@cli.command("list")
@input_options
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-c", "--column", "columns", multiple=True, help="Show only these columns (table/csv/markdown).")
@click.option("--since", help="Only moves still running at or after this time (any format dateutil reads).")
@click.option("--until", help="Only moves started at or before this time.")
@click.option("--instance", help="Only moves of this instance uuid.")
@click.option("--host", help="Only moves from or to this host.")
@click.option("--status", multiple=True, type=click.Choice(
    ["completed", "failed", "cancelled", "in-progress", "confirmed", "reverted", "unknown"]))
@click.option("--kind", multiple=True, type=click.Choice(["live-migration", "migration", "resize", "evacuation"]))
@run_safely
def list_cmd(fmt: str, columns: tuple[str, ...], since: str | None, until: str | None, instance: str | None,
             host: str | None, status: tuple[str, ...], kind: tuple[str, ...], **inputs: Any) -> None:
    """List every migration found in the logs, one row each.

    Example: migtrace list sample_logs/queens-files -f json --status failed
    """
    analysis = load_analysis(**inputs)
    found = filter_migrations(analysis.migrations, since=since, until=until, instance=instance,
                              host=host, status=status, kind=kind)
    click.echo(render_list(found, fmt, columns), nl=False)


@cli.command()
@click.argument("ident", metavar="ID")
@input_options
@click.option("--full", is_flag=True, help="Show whole tracebacks instead of folding them.")
@click.option("--context", type=int, default=0, metavar="N", help="Show N neighbouring lines around each error.")
@click.option("--no-debug", is_flag=True, help="Hide DEBUG lines.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@run_safely
def timeline(ident: str, full: bool, context: int, no_debug: bool, color: str, **inputs: Any) -> None:
    """Show one migration (or all of an instance's) phase by phase across hosts.

    ID is a request id (with or without `req-`), an instance uuid (all its
    migrations, newest last), or a migration uuid / number.

    Example: migtrace timeline req-5f2a0c1e-… /var/tmp/incident/
    """
    analysis = load_analysis(ident=ident, **inputs)
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(_not_found_hint(ident, inputs))
    paint = use_color(sys.stdout.isatty(), color)
    for i, m in enumerate(found):
        if i:
            click.echo("\n" + "─" * 72 + "\n")
        click.echo(render_timeline(m, analysis, full=full, context=context, color=paint, debug=not no_debug),
                   nl=False, color=paint)


def _not_found_hint(ident: str, inputs: dict[str, Any]) -> str:
    """Say nothing matched, and name the nearest ids the logs do contain."""
    analysis = load_analysis(**inputs)
    ids: set[str] = set()
    for m in analysis.migrations:
        ids.update(m.request_ids)
        if m.instance:
            ids.add(m.instance)
    near = difflib.get_close_matches(ident, sorted(ids), n=3, cutoff=0.3) or sorted(ids)[:3]
    hint = f"; nearest ids seen: {', '.join(near)}" if near else "; no migration in these logs"
    return f"no migration matches {ident!r}{hint}"


@cli.command()
@input_options
@click.option("--request", "request_ids", multiple=True, metavar="ID", help="Only records of this request id.")
@click.option("--instance", "instances", multiple=True, metavar="UUID", help="Only records of this instance.")
@click.option("--since", help="Only records at or after this time.")
@click.option("--until", help="Only records at or before this time.")
@click.option("--stats", is_flag=True, help="Print per-file line accounting instead of the records.")
@click.option("--full/--no-full", default=True, help="Include traceback/continuation lines.")
@run_safely
def merge(request_ids: tuple[str, ...], instances: tuple[str, ...], since: str | None, until: str | None,
          stats: bool, full: bool, **inputs: Any) -> None:
    """Print every record of every input in one chronological stream, tagged [host/service].

    Example: migtrace merge controller/ compute1/ compute2/ --request req-5f2a…
    """
    from dataclasses import replace

    from migtrace.merge import merged_lines, stats_table

    options = replace(read_options(**inputs), terms=frozenset(request_ids + instances))
    lines, readers = merged_lines(inputs.get("paths") or (), options, since=_time_filter(since),
                                  until=_time_filter(until), full=full, warn=warn)
    if stats:
        for _ in lines:
            pass
        click.echo(stats_table([r.stats for r in readers]), nl=False)
        return
    for line in lines:
        click.echo(line)


def _register_optional() -> None:
    """Add the commands that live in their own modules (diagnose, signatures, report)."""
    import importlib

    for module, names in (("migtrace._cli_diagnose", ("diagnose", "signatures")),
                          ("migtrace._cli_report", ("report",))):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        for name in names:
            command = getattr(mod, name, None)
            if isinstance(command, click.Command):
                cli.add_command(command, name)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="migtrace")
