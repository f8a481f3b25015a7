"""Options and loading shared by every command (STYLE.md: shared options are decorators)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from migtrace.analysis import Analysis
from migtrace._timeutil import zone_named
from migtrace.errors import MigtraceError, SourceError
from migtrace.sources import ReadOptions

F = TypeVar("F", bound=Callable[..., Any])


def warn(message: str) -> None:
    """Print one warning line on stderr (data goes to stdout)."""
    click.echo(f"migtrace: warning: {message}", err=True)


def _pairs(values: tuple[str, ...], what: str) -> tuple[str | None, dict[str, str]]:
    """Split `--x VALUE` / `--x PATH=VALUE` repeats into a default and a per-path map."""
    default: str | None = None
    by_path: dict[str, str] = {}
    for value in values:
        if "=" in value:
            path, _, v = value.rpartition("=")
            if not path or not v:
                raise click.BadParameter(f"expected {what} or PATH={what}, got {value!r}")
            by_path[path] = v
        else:
            default = value
    return default, by_path


def input_options(func: F) -> F:
    """Add PATHS and the options that say how to read them."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True)),
        click.option("--tz", "tz", multiple=True, metavar="[PATH=]ZONE",
                     help="Zone of naive oslo.log times (default UTC); PATH=ZONE for one file or dir."),
        click.option("--year", type=int, help="Year for journalctl lines that print none (default: file mtime)."),
        click.option("--host-alias", multiple=True, metavar="PATH=HOST", help="Name the host a file or directory came from."),
        click.option("--skew", type=click.Choice(["auto", "none"]), default="auto", show_default=True,
                     help="Estimate and correct clock offsets between hosts from causal pairs."),
        click.option("--strict", is_flag=True, help="Fail on the first unparsed line (ParseError with file:line)."),
        click.option("--signatures", "signatures", multiple=True, metavar="FILE_OR_DIR",
                     help="Add your own failure signatures (YAML)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def read_options(tz: tuple[str, ...] = (), year: int | None = None, host_alias: tuple[str, ...] = (),
                 strict: bool = False, **_: Any) -> ReadOptions:
    """Turn the input options every command shares into the sources layer's ReadOptions."""
    tz_default, tz_by_path = _pairs(tz, "ZONE")
    _, aliases = _pairs(host_alias, "HOST")
    if any(h and "=" not in h for h in host_alias):
        raise click.BadParameter("--host-alias takes PATH=HOST")
    for zone in (tz_default, *tz_by_path.values()):
        if zone:
            try:
                zone_named(zone)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--tz") from exc
    return ReadOptions(tz=tz_default, tz_by_path=tz_by_path, year=year, host_aliases=aliases, strict=strict)


def load_analysis(paths: tuple[str, ...] = (), skew: str = "auto", signatures: tuple[str, ...] = (),
                  ident: str | None = None, **inputs: Any) -> Analysis:
    """Run the pipeline for a command's input options; exit 2 when nothing readable was given."""
    from migtrace.pipeline import load

    options = read_options(**inputs)
    progress = _progress()
    try:
        analysis = load(*paths, tz=options.tz, tz_by_path=options.tz_by_path, year=options.year,
                        host_aliases=options.host_aliases, skew=skew, strict=options.strict,
                        signatures=signatures, ident=ident, warn=warn)
    finally:
        if progress is not None:
            progress.close()
    if not any(s.lines_read for s in analysis.stats) and not analysis.events:
        where = ", ".join(paths) if paths else "the default locations (set $MIGTRACE_LOGS)"
        raise SourceError(where, "no readable input")
    return analysis


def _progress() -> Any:
    """Return a stderr progress indicator for long reads when stderr is a TTY (else None)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    try:
        from migtrace._progress import start_progress
    except ImportError:
        return None
    return start_progress()


def run_safely(func: F) -> F:
    """Turn MigtraceError into one line on stderr and its exit code (no traceback unless --debug)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MigtraceError as exc:
            if os.environ.get("MIGTRACE_DEBUG"):
                raise
            click.echo(f"migtrace: error: {exc}", err=True)
            sys.exit(exc.exit_code)
    return wrapper  # type: ignore[return-value]
