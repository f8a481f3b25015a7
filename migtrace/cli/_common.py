"""Options and loading shared by every command (STYLE.md: shared options are decorators).

`load_options` is the one place command-line flags become a `LoadOptions`;
every command that reads logs goes through `load_analysis`.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

import click

from migtrace._timeutil import parse_user_time
from migtrace.cli._progress import Progress
from migtrace.errors import MigtraceError, SourceError
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis, load

F = TypeVar("F", bound=Callable[..., Any])

#: Every command's context: `-h` as well as `--help`, help wrapped at 100 columns, even when a
#: command is invoked on its own (tests, plugins) rather than through the `migtrace` group.
SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: The progress line currently drawn, so that a warning can clear it first.
_ACTIVE: list[Progress] = []


def warn(message: str) -> None:
    """Print one warning line on stderr (data goes to stdout), on a line of its own."""
    for progress in _ACTIVE:
        progress.clear()
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
        click.option("--host-alias", multiple=True, metavar="PATH=HOST",
                     help="Name the host a file or directory came from."),
        click.option("--skew", type=click.Choice(["auto", "none"]), default="auto", show_default=True,
                     help="Estimate and correct clock offsets between hosts from causal pairs."),
        click.option("--strict", is_flag=True, help="Fail on the first unparsed line (ParseError with file:line)."),
        click.option("--signatures", "signatures", multiple=True, metavar="FILE_OR_DIR",
                     help="Add your own failure signatures (YAML)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def load_options(tz: tuple[str, ...] = (), year: int | None = None, host_alias: tuple[str, ...] = (),
                 skew: str = "auto", strict: bool = False, signatures: tuple[str, ...] = (),
                 focus: str | None = None, **_: Any) -> LoadOptions:
    """Turn the input options every command shares into the one LoadOptions passed down."""
    tz_default, tz_by_path = _pairs(tz, "ZONE")
    if any(h and "=" not in h for h in host_alias):
        raise click.BadParameter("--host-alias takes PATH=HOST")
    aliases = _pairs(host_alias, "HOST")[1]
    try:
        return LoadOptions(tz=tz_default, tz_by_path=tz_by_path, year=year, host_aliases=aliases,
                           skew="none" if skew == "none" else "auto", strict=strict,
                           signatures=tuple(signatures), focus=focus, warn=warn)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tz") from exc


@contextmanager
def progress_for(options: LoadOptions) -> Iterator[LoadOptions]:
    """Yield the options with a progress hook drawing on stderr when it is a TTY (never in CI)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield options
        return
    progress = Progress()
    _ACTIVE.append(progress)
    try:
        yield replace(options, progress=progress.update)
    finally:
        progress.clear()
        _ACTIVE.remove(progress)


def load_analysis(paths: tuple[str, ...], options: LoadOptions) -> Analysis:
    """Run the pipeline for a command; exit 2 when nothing readable was given."""
    with progress_for(options) as shown:
        analysis = load(paths, shown)
    if not any(s.lines_read for s in analysis.stats) and not analysis.events:
        where = ", ".join(paths) if paths else "the default locations (set $MIGTRACE_LOGS)"
        raise SourceError(where, "no readable input")
    return analysis


def time_option(value: str | None) -> Any:
    """Parse a --since/--until value (any format dateutil reads) or fail as a usage error."""
    if value is None:
        return None
    try:
        return parse_user_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def run_safely(func: F) -> F:
    """Turn MigtraceError into one line on stderr and its exit code (no traceback unless MIGTRACE_DEBUG)."""
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
