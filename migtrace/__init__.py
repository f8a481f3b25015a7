"""migtrace: the story of each OpenStack Nova VM migration, from its logs.

    >>> import migtrace
    >>> analysis = migtrace.load("sample_logs/queens-files", tz="UTC")
    >>> analysis
    <Analysis: 6 migrations (5 failed, 1 confirmed), …>
    >>> analysis.migrations_frame()[["kind", "status", "findings"]]

`load()` and `read_events()` take paths (str or os.PathLike) and either a
`LoadOptions` or its fields as keywords (`tz=`, `skew=`, `signatures=`, …,
typed by `LoadKeywords`).  Unlike the CLI, which warns and reads what it
can, they raise `SourceError` for a path that does not exist unless
`missing="warn"`; a bad zone raises `ValueError`; every other problem with
an input is a line in `analysis.warnings` (or a `ParseError` with
`strict=True`).

This module is the façade over the layers (ground → parsers → sources →
correlate → diagnose → pipeline → reports → cli); nothing inside the package
imports it, so it may import all of them.
"""

from __future__ import annotations

import glob
import os
import sys
import types
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal, Unpack, cast

from migtrace._version import __version__ as __version__

if TYPE_CHECKING:  # the layers are imported by the functions using them: `python -m migtrace merge` starts light
    from migtrace.errors import MigtraceError
    from migtrace.errors import SourceError as SourceError  # given as before (not in __all__)
    from migtrace.model import Event, Finding, Migration
    from migtrace.options import LoadKeywords, LoadOptions
    from migtrace.pipeline import Analysis, StrPath

__all__ = [
    "Event",
    "Finding",
    "LoadOptions",
    "Migration",
    "MigtraceError",
    "correlate",
    "diagnose",
    "load",
    "read_events",
    "render",
]


#: the names this module gives from the ground modules, imported on first use: importing any submodule
#: (`migtrace.cli` for `migtrace --version`) imports this package first, and `options` alone brings in
#: yaml and dateutil (~0.07 CPU s of a 0.1 s `--version`)
_GROUND = {"MigtraceError": "errors", "SourceError": "errors", "Event": "model", "Finding": "model",
           "Migration": "model", "LoadKeywords": "options", "LoadOptions": "options"}


def __getattr__(name: str) -> object:
    """The ground names and `migtrace.Analysis` (and `StrPath`) as before they became lazy, imported on first use."""
    if name in _GROUND:
        import importlib  # noqa: PLC0415 - see _GROUND

        value = getattr(importlib.import_module(f"migtrace.{_GROUND[name]}"), name)
        globals()[name] = value
        return value
    if name in ("Analysis", "StrPath"):
        from migtrace import pipeline  # noqa: PLC0415 - see the imports
        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: What to do with a path that does not exist: raise (the library's default) or warn and go on (the CLI's).
Missing = Literal["error", "warn"]
#: Inputs that are not paths on disk.
_PSEUDO = ("-", "journal:local")


def _options(options: LoadOptions | None, keywords: LoadKeywords) -> LoadOptions:
    """Return the one LoadOptions: the given one, the keywords, or the first with the second applied."""
    if options is None:
        return cast("type[LoadOptions]", __getattr__("LoadOptions"))(**keywords)  # imported on first use
    return replace(options, **keywords) if keywords else options


def _check_paths(paths: Sequence[StrPath], missing: Missing) -> None:
    """Raise SourceError for the first path that does not exist (a glob that matches nothing)."""
    if missing != "error":
        return
    from migtrace.sources import is_url  # noqa: PLC0415 - see the imports
    for path in paths:
        p = os.fspath(path)
        if p in _PSEUDO or is_url(p):  # a URL is opened where it is read (a Dask worker), not checked here
            continue
        found = glob.glob(p) if any(c in p for c in "*?[") else os.path.lexists(p)
        if not found:
            from migtrace.errors import SourceError  # noqa: PLC0415 - see _GROUND

            raise SourceError(p, "no such file or directory")


def load(*paths: StrPath, options: LoadOptions | None = None, missing: Missing = "error",
         **keywords: Unpack[LoadKeywords]) -> Analysis:
    """Read logs and return an Analysis (`.migrations`, `.events_frame()`, `.migrations_frame()`).

    With no paths: $MIGTRACE_LOGS or the usual local locations, like the CLI.
    """
    from migtrace.pipeline import load as run  # noqa: PLC0415 - see the imports

    _check_paths(paths, missing)
    return run(paths, _options(options, keywords))


def read_events(*paths: StrPath, options: LoadOptions | None = None, missing: Missing = "error",
                **keywords: Unpack[LoadKeywords]) -> list[Event]:
    """Read logs and return every record as an Event, in time order (no correlation)."""
    from migtrace.pipeline import read_events as run  # noqa: PLC0415 - see the imports

    _check_paths(paths, missing)
    return run(paths, _options(options, keywords))


def correlate(events: Sequence[Event]) -> list[Migration]:
    """Group events into migrations (they are put in time order first)."""
    from migtrace.correlate import correlate as run  # noqa: PLC0415 - see the imports

    return run(sorted(events, key=lambda e: e.time))


def diagnose(analysis: Analysis, signatures: Sequence[str] = ()) -> Analysis:
    """Return the analysis with known-failure findings (and unrecognised errors) attached."""
    from migtrace.diagnose.catalog import load_catalog  # noqa: PLC0415 - see the imports
    from migtrace.pipeline import with_diagnosis  # noqa: PLC0415

    load_catalog(tuple(signatures))  # fail early on a bad user signature file
    return with_diagnosis(analysis, signatures)


def render(analysis: Analysis, fmt: str = "json", *, title: str | None = None) -> str:
    """Render an analysis as a report (html, markdown, json), secrets removed as the CLI does."""
    from migtrace.reports._write import render_report  # noqa: PLC0415 - see the imports

    return render_report(analysis, fmt, title=title)


class _Facade(types.ModuleType):
    """This package's module: its functions `correlate` and `diagnose` are not replaced by the layers' packages.

    Importing a subpackage sets it as an attribute of its parent.  When the
    façade imported the layers eagerly, its functions were defined after and
    won; now the layers are imported on first use, after the functions, and
    `migtrace.correlate(events)` would find the package instead.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("correlate", "diagnose") and isinstance(value, types.ModuleType):
            return  # the package stays reachable as sys.modules["migtrace.correlate"] and by `from … import`
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade
