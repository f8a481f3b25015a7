"""Options and loading shared by every command (STYLE.md: shared options are decorators).

`load_options` is the one place command-line flags become a `LoadOptions`;
every command that reads logs goes through `load_analysis`; every tabular
command takes its output options from `tabular_options(view)` (cliff's
`-f/-c/--sort-column/--noindent/--max-width`, the same for `list`,
`diagnose`, `signatures list`, `merge --stats` and any view registered with
`reports._listing.register_table`); every command runs inside `run_safely`,
which turns errors into one line and an exit code.  `--debug` and `--quiet`
are accepted before or after the command name.
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from migtrace._release import release_named
from migtrace._timeutil import parse_user_time

# the group's own needs live in _globals (`migtrace --version` imports it alone); the commands take them from here
from migtrace.cli._globals import EXIT_CODES as EXIT_CODES  # noqa: PLC0414 - re-exported
from migtrace.cli._globals import SETTINGS as SETTINGS  # noqa: PLC0414
from migtrace.cli._globals import Globals as Globals  # noqa: PLC0414
from migtrace.cli._globals import current as current  # noqa: PLC0414
from migtrace.cli._globals import global_options as global_options  # noqa: PLC0414
from migtrace.cli._progress import Progress
from migtrace.errors import MigtraceError, SourceError
from migtrace.options import LoadOptions
from migtrace.reports import RenderOptions, UnknownColumnError, formats, render, table_spec
from migtrace.reports.neutral import terminal_safe
from migtrace.reports.redact import Redactor, check_no_leak, parse_categories

if TYPE_CHECKING:
    from migtrace.pipeline import Analysis


def load(paths: tuple[str, ...], options: LoadOptions) -> Analysis:
    """`migtrace.pipeline.load`, imported on first use: `merge` starts without correlate and diagnose."""
    from migtrace.pipeline import load as run  # noqa: PLC0415 - see the docstring

    return run(paths, options)


F = TypeVar("F", bound=Callable[..., Any])

#: A bug, not a user error: the one-line message asks for --debug.
INTERNAL_ERROR = 3
#: Exit status after the reader of stdout went away (`migtrace list | head`), as a shell reports SIGPIPE.
BROKEN_PIPE = 141
#: Widest table and timeline when stdout is not a terminal (a pipe, a file, a CI log).
PASTE_WIDTH = 100

#: errno values that mean "the output cannot take more data" (reading never raises these)
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})

#: The progress line currently drawn, so that a warning can clear it first.
_ACTIVE: list[Progress] = []


def warn(message: str) -> None:
    """Print one warning line on stderr (data goes to stdout), on a line of its own; nothing with --quiet."""
    if current().quiet:
        return
    for progress in _ACTIVE:
        progress.clear()
    click.echo(f"migtrace: warning: {message}", err=True)


def output_width(explicit: int | None = None) -> int:
    """Return the widest line to write: `explicit`, else $COLUMNS or the terminal's width, else 100."""
    if explicit is not None:
        return max(explicit, 0)
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if sys.stdout.isatty():
        return shutil.get_terminal_size((PASTE_WIDTH, 24)).columns
    return PASTE_WIDTH


def colour(choice: str = "auto") -> bool:
    """Decide colour for stdout: --color, then NO_COLOR, FORCE_COLOR, TERM=dumb, then whether it is a TTY."""
    from migtrace.reports.terminal import use_color  # noqa: PLC0415 - the timeline view's imports

    return use_color(sys.stdout.isatty(), choice)


# --------------------------------------------------------------------------- inputs


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


def read_options(func: F) -> F:
    """Add PATHS and the options that say how to read them (what `merge` takes)."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True)),
        click.option("--tz", "tz", multiple=True, metavar="[PATH=]ZONE",
                     help="Zone of naive oslo.log times (default UTC); PATH=ZONE for one file or dir."),
        click.option("--year", type=int, help="Year for journalctl lines that print none (default: file mtime)."),
        click.option("--host-alias", multiple=True, metavar="PATH=HOST",
                     help="Name the host a file or directory came from."),
        click.option("--strict", is_flag=True, help="Fail on the first unparsed line (ParseError with file:line)."),
        click.option("--follow-symlinks", "follow_symlinks", is_flag=True,
                     help="In directories, also follow symlinks that lead out of the trees named "
                          "(default: skipped with a warning)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return global_options(func)


def input_options(func: F) -> F:
    """Add PATHS, how to read them, and how to analyse them (clock skew, extra signatures)."""
    decorators = [
        click.option("--skew", type=click.Choice(["auto", "none"]), default="auto", show_default=True,
                     help="Estimate and correct clock offsets between hosts from causal pairs."),
        click.option("--signatures", "signatures", multiple=True, metavar="FILE_OR_DIR",
                     help="Add your own failure signatures (YAML)."),
        click.option("--release", metavar="NAME",
                     help="OpenStack release of the logs (e.g. queens, 2023.1); default: inferred from "
                          "their wording. Remedies only name options that release has."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
                     help="Read the inputs on N processes (default: all cores; 1: in this process). "
                          "The results are the same."),
        click.option("--scheduler", metavar="ADDRESS", envvar="MIGTRACE_SCHEDULER",
                     help="Read the inputs on this dask.distributed scheduler's workers (also "
                          "$MIGTRACE_SCHEDULER; needs migtrace[dask]); inputs may be fsspec URLs the "
                          "workers open (file://, s3://)."),
        click.option("--no-cache", "no_cache", is_flag=True,
                     help="Neither use nor fill the on-disk index of inputs already read (see "
                          "`migtrace cache info`)."),
        # hidden: parse every record instead of the two selective passes (to compare them; same output)
        click.option("--full-read", "full_read", is_flag=True, hidden=True),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return read_options(func)


def load_options(tz: tuple[str, ...] = (), year: int | None = None, host_alias: tuple[str, ...] = (),
                 skew: str = "auto", strict: bool = False, signatures: tuple[str, ...] = (),
                 focus: str | None = None, release: str | None = None, follow_symlinks: bool = False,
                 jobs: int | None = None, scheduler: str | None = None,
                 full_read: bool = False, no_cache: bool = False, **_: Any) -> LoadOptions:
    """Turn the input options every command shares into the one LoadOptions passed down."""
    tz_default, tz_by_path = _pairs(tz, "ZONE")
    if any(h and "=" not in h for h in host_alias):
        raise click.BadParameter("--host-alias takes PATH=HOST")
    aliases = _pairs(host_alias, "HOST")[1]
    if release:
        try:
            release_named(release)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--release") from exc
    try:
        return LoadOptions(tz=tz_default, tz_by_path=tz_by_path, year=year, host_aliases=aliases,
                           skew="none" if skew == "none" else "auto", strict=strict,
                           signatures=tuple(signatures), focus=focus, release=release, warn=warn,
                           follow_symlinks=follow_symlinks, jobs=jobs, scheduler=scheduler or None,
                           select=not full_read, cache=not no_cache)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tz") from exc


@contextmanager
def progress_for(options: LoadOptions) -> Iterator[LoadOptions]:
    """Yield the options with a progress hook drawing on stderr when it is a TTY (never in CI, --quiet, TERM=dumb)."""
    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb" or current().quiet:
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


def move_window_options(func: F) -> F:
    """Add `--since/--until` to a command that filters moves (list, stats): the same words and meaning in both."""
    func = click.option("--until", help="Only moves started at or before this time.")(func)
    return click.option("--since",
                        help="Only moves still running at or after this time (any format dateutil reads).")(func)


# --------------------------------------------------------------------------- tabular output


@dataclass(frozen=True, slots=True)
class TableOutput:
    """How a tabular command writes its view: the format and the cliff options, already checked."""

    view: str
    fmt: str
    options: RenderOptions
    #: whether any output option was given on the command line (merge takes them only with --stats)
    given: bool = False

    def echo(self, data: Any) -> None:
        """Render the data and write it to stdout, ending with one newline."""
        text = render(self.view, self.fmt, data, self.options)
        click.echo(terminal_safe(text if text.endswith("\n") else text + "\n"), nl=False)


def _columns_callback(view: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], tuple[str, ...]]:
    """Check -c / --sort-column values against the view's real columns (a usage error lists them)."""
    def check(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return table_spec(view).resolve(values)
        except UnknownColumnError as exc:
            raise click.BadParameter(str(exc)) from None
    return check


def _table_output(view: str, ctx: click.Context, values: dict[str, Any]) -> TableOutput:
    """Collect the output options into one TableOutput; refuse -c/--sort-column on a document format."""
    fmt = values.pop("fmt")
    columns, sort = values.pop("columns"), values.pop("sort_columns")
    names = ("fmt", "columns", "sort_columns", "sort_ascending", "noindent", "max_width")
    given = any(ctx.get_parameter_source(n) not in (ParameterSource.DEFAULT, None) for n in names)
    if (columns or sort) and fmt in table_spec(view).documents:
        raise click.UsageError(f"-c/--sort-column do not apply to -f {fmt} (a document, not rows); "
                               f"use -f {'|'.join(f for f in formats(view) if f not in table_spec(view).documents)}")
    width = values.pop("max_width")
    options = RenderOptions(columns=columns, sort_columns=sort, sort_descending=not values.pop("sort_ascending"),
                            noindent=values.pop("noindent"),
                            max_width=output_width(width) if width is not None or table_spec(view).fit else 0)
    return TableOutput(view=view, fmt=fmt, options=options, given=given)


def tabular_options(view: str) -> Callable[[F], F]:
    """Add cliff's output options for a tabular view; the command receives them as `output: TableOutput`."""
    spec = table_spec(view)
    valid = ", ".join(spec.names())

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["output"] = _table_output(view, click.get_current_context(), kwargs)
            return func(*args, **kwargs)

        decorators = [
            click.option("-f", "--format", "fmt", type=click.Choice(formats(view)), default="table",
                         show_default=True, help="Output format."),
            click.option("-c", "--column", "columns", multiple=True, metavar="COLUMN",
                         callback=_columns_callback(view),
                         help=f"Show only this column, repeat for more (table headers accepted): {valid}."),
            click.option("--sort-column", "sort_columns", multiple=True, metavar="COLUMN",
                         callback=_columns_callback(view), help="Sort the rows by this column, then the next."),
            click.option("--sort-ascending/--sort-descending", "sort_ascending", default=True,
                         help="Sort order for --sort-column (default ascending; missing values last)."),
            click.option("--noindent", is_flag=True, help="JSON on one line."),
            click.option("--max-width", type=click.IntRange(min=0), metavar="N",
                         help="Fit the table in N columns, cutting long text with '…' (default: "
                              + (f"the terminal's width, {PASTE_WIDTH} when not a terminal" if spec.fit
                                 else "no limit") + "; 0: no limit)."),
        ]
        wrapped: Any = wrapper
        for decorator in reversed(decorators):
            wrapped = decorator(wrapped)
        return wrapped  # type: ignore[no-any-return]
    return decorate


# --------------------------------------------------------------------------- errors


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(f"migtrace: error: {message}", err=True)
    sys.exit(code)


def run_safely(func: F) -> F:
    """Turn any error into one line on stderr and its exit code; --debug adds the traceback."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a full disk or device fails here, as one line, not silently at exit
            return result
        except MigtraceError as exc:
            _fail(str(exc), exc.exit_code, current().debug)
        except BrokenPipeError:
            # the reader of stdout is gone (`| head`): stop quietly, and keep Python's flush at exit quiet too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(BROKEN_PIPE)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors and --help: click prints them
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS:
                _fail(f"unexpected {type(exc).__name__}: {exc} (a bug: run again with --debug and report it)",
                      INTERNAL_ERROR, current().debug)
            # stdout is a full disk or a device that refuses data: say so once, drop what is still buffered
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            _fail(f"cannot write the output: {exc.strerror or exc}", 2, current().debug)
        except Exception as exc:  # the CLI boundary (STYLE.md §15): a bug gets one line, not a traceback
            _fail(f"unexpected {type(exc).__name__}: {exc} (a bug: run again with --debug and report it)",
                  INTERNAL_ERROR, current().debug)
        return None
    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- redaction and neutral output


def redact_option(func: F) -> F:
    """Add `--redact CATS` to a command that prints log text (secrets are removed whatever it says)."""
    return click.option(
        "--redact", "redact", metavar="CATS",
        help="Also pseudonymise these, comma-separated: hosts, ips, users (or all). Secrets are always removed.",
    )(func)


def make_redactor(redact: str | None) -> Redactor:
    """The redactor for one command: secrets always, plus the categories asked for (bad ones: usage error)."""
    try:
        return Redactor(parse_categories(redact))
    except MigtraceError as exc:
        raise click.BadParameter(str(exc), param_hint="--redact") from exc


def echo_log_text(text: str, *, what: str = "the output", nl: bool = True, color: bool | None = None) -> None:
    """Print text that carries log lines: refused if a secret shape is left in it, terminal controls
    from the logs made visible (migtrace's own SGR colours kept)."""
    check_no_leak(text, what)
    click.echo(terminal_safe(text), nl=nl, color=color)
