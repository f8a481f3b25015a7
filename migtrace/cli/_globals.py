"""What the `migtrace` group itself needs: the context settings, the exit codes, `--debug` and `--quiet`.

Kept apart from `_common` (which imports the readers, the reports and the
redaction to serve the commands) so that `migtrace --version` and `--help`
import click and this alone (`_common` re-exports every name).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Every command's context: `-h` as well as `--help`, help wrapped at 100 columns, even when a
#: command is invoked on its own (tests, plugins) rather than through the `migtrace` group.
SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: The exit codes DESIGN.md fixes, shown at the end of every command's --help and in the README.
EXIT_CODES = ("Exit codes: 0 success; 1 the ID asked for matched nothing, or --fail-on found a finding; "
              "2 usage error, no readable input, or a bad input, option or signature file; "
              "3 internal error (a bug: run again with --debug and report the traceback).")


@dataclass(slots=True)
class Globals:
    """The options that apply to every command: tracebacks, silence."""

    debug: bool = False
    quiet: bool = False


def current() -> Globals:
    """Return the running command's global options (MIGTRACE_DEBUG=1 also turns --debug on)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Globals) if ctx is not None else None
    g = found if found is not None else Globals()
    if os.environ.get("MIGTRACE_DEBUG"):
        g.debug = True
    return g


def _set_global(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and param.name:
        setattr(ctx.ensure_object(Globals), param.name, True)


def global_options(func: F) -> F:
    """Add `--debug` and `-q/--quiet`, so they work after the command name as well as before it."""
    decorators = [
        click.option("--debug", is_flag=True, expose_value=False, callback=_set_global, is_eager=True,
                     help="On an error, show the traceback as well (also MIGTRACE_DEBUG=1)."),
        click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_global, is_eager=True,
                     help="No warnings and no progress line on stderr (errors still print)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func
