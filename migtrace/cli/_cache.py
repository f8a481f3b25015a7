"""`migtrace cache`: where the on-disk index of inputs already read is, how big, and how to empty it.

The index (sources/_index.py, docs/cache.md) makes a repeated query over
unchanged logs skip reading them; it holds log text, so the user should be
able to see it and remove it with one command.  The same directory holds
what migtrace compiles from its own code (merge's kernel builds,
sources/_aot.py; the catalog, the templates' bytecode, the chart bundle,
_cachefile.DERIVED): an upgrade adds its own beside the old ones, so `info`
counts them and `clear --compiled` removes them (the kernel builds this
installation loads stay: nothing rebuilds them on use).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from migtrace._cachefile import derived_files
from migtrace.cli._common import EXIT_CODES, SETTINGS, global_options, run_safely
from migtrace.errors import SourceError
from migtrace.sources import _aot, _aot_build, _index


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
    else:
        click.echo(f"entries: {found['entries']}")
        click.echo(f"inputs: {found['inputs']}")
        click.echo(f"bytes: {found['file_bytes']} on disk ({found['stored_bytes']} in entries; "
                   f"limit {found['max_bytes']}, ${_index.MAX_VARIABLE} in MiB)")
    builds, current = _builds()
    stale = [b for b in builds if b not in current]
    click.echo(f"compiled builds: {len(builds)} in {_aot.cache_dir()} ({sum(map(_aot.size, builds))} bytes; "
               f"{len(builds) - len(stale)} current, {len(stale)} stale)")
    derived = derived_files(_index.cache_dir())
    click.echo(f"compiled files: {len(derived)} ({sum(p.stat().st_size for p in derived)} bytes: the catalog, "
               "the parsed data files, the templates, the chart bundle; rebuilt on use) — `migtrace cache clear "
               "--compiled` removes these and the stale builds")


def _builds() -> tuple[list[Path], set[Path]]:
    """merge's stored compiled builds, and those this installation would load."""
    try:
        return _aot.stored(), set(_aot_build.current_builds())
    except OSError as exc:
        raise SourceError(str(_aot.cache_dir()), f"cannot read the compiled builds: {exc.strerror or exc}") from exc


@cache.command("clear", context_settings=SETTINGS, epilog=EXIT_CODES)
@click.option("--compiled", is_flag=True,
              help="Also remove what migtrace compiled from its own code: the catalog, parsed data files, templates "
                   "and chart bundle (rebuilt on their next use) and merge's kernel builds this installation would "
                   "not load (each upgrade adds one; another migtrace sharing this cache directory runs the JIT until "
                   "it builds again).")
@global_options
@run_safely
def clear(compiled: bool) -> None:
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
    if not compiled:
        return
    stored, current = _builds()
    try:
        pruned = _aot.prune(sorted(current))
        derived = derived_files(_index.cache_dir())
        for path in derived:
            path.unlink()
    except OSError as exc:
        raise SourceError(str(_index.cache_dir()), f"cannot remove a compiled file: {exc.strerror or exc}") from exc
    click.echo(f"removed {len(pruned)} stale compiled build(s) (kept {len(stored) - len(pruned)}) "
               f"and {len(derived)} compiled file(s)")
