"""`migtrace cache`: where the on-disk index of inputs already read is, how big, and how to empty it.

The index (sources/_index.py, docs/cache.md) makes a repeated query over
unchanged logs skip reading them; it holds log text, so the user should be
able to see it and remove it with one command.
"""

from __future__ import annotations

import sqlite3

import click

from migtrace.cli._common import EXIT_CODES, SETTINGS, global_options, run_safely
from migtrace.errors import SourceError
from migtrace.sources import _index


@click.group("cache", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
def cache() -> None:
    """The on-disk index of inputs already read (a repeated query reads only what changed).

    It lives in $MIGTRACE_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/migtrace, readable by you
    only: it holds the records read from your logs. --no-cache on a command neither uses nor fills it.

    Example: migtrace cache info
    """


@cache.command("info", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
@run_safely
def info() -> None:
    """Print the index's path, its entries (one per input and query), the inputs and the bytes it holds.

    Example: migtrace cache info
    """
    try:
        found = _index.info()
    except (sqlite3.Error, OSError) as exc:
        raise SourceError(str(_index.db_path()), f"cannot read the cache: {exc}") from exc
    click.echo(f"path: {found['path']}")
    if not found["exists"]:
        click.echo("entries: 0 (no index yet)")
        return
    click.echo(f"entries: {found['entries']}")
    click.echo(f"inputs: {found['inputs']}")
    click.echo(f"bytes: {found['file_bytes']} on disk ({found['stored_bytes']} in entries; "
               f"limit {found['max_bytes']}, ${_index.MAX_VARIABLE} in MiB)")


@cache.command("clear", context_settings=SETTINGS, epilog=EXIT_CODES)
@global_options
@run_safely
def clear() -> None:
    """Delete the index (the next query reads every input again and refills it).

    Example: migtrace cache clear
    """
    try:
        removed = _index.clear()
    except OSError as exc:
        raise SourceError(str(_index.db_path()), f"cannot remove the cache: {exc.strerror or exc}") from exc
    if removed:
        click.echo(f"removed {_index.db_path()}")
    else:
        click.echo(f"no index at {_index.db_path()}")
