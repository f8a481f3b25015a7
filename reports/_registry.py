"""The renderer registry: every output of migtrace is a `Renderer`, registered the same way.

Built-in formats register themselves exactly like a plugin would (STYLE.md
§11, datasette's `register_output_renderer`).  A renderer belongs to a
*view* — what is shown: `report` (an Analysis), `list` (migrations),
`timeline`, `diagnose`, `signatures`, `signature`, `fired`, `merge` (one
record), `merge-stats` — and has a format name, a file suffix, a
`render(data, options) -> str`, and the escapes its format applies to text,
which redaction re-scans for.  Renderers get data and never read files.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migtrace._version import __version__
from migtrace.errors import RenderError

DEFAULT_TITLE = "migtrace report"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to present, besides what: every field has a sane default."""

    title: str = DEFAULT_TITLE
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    version: str = __version__
    #: categories redacted on the way out (shown in the report so readers know)
    redacted: tuple[str, ...] = ()
    #: terminal views: ANSI colours, whole tracebacks, DEBUG lines
    color: bool = False
    full: bool = False
    debug: bool = True
    #: tabular views: only these columns (empty: the view's default), sorted by these
    columns: tuple[str, ...] = ()
    sort_columns: tuple[str, ...] = ()
    sort_descending: bool = False
    #: JSON on one line
    noindent: bool = False
    #: widest line a text view writes (the table, the timeline); 0: no limit
    max_width: int = 0


def _no_parts() -> tuple[str, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class Renderer:
    """One format of one view."""

    view: str
    name: str
    suffix: str
    render: Callable[[Any, RenderOptions], str]
    description: str = ""
    #: how this format writes text it is given (HTML entities, JSON escapes…): redaction
    #: re-scans the output for every original in each of these forms
    escapes: tuple[Callable[[str], str], ...] = ()
    #: constant text the renderer embeds (e.g. plotly.js): excluded from the re-scan,
    #: since it cannot come from the logs and may contain any word by chance
    static_parts: Callable[[], tuple[str, ...]] = _no_parts
    #: words the renderer writes by itself (labels, keys, CSS): names equal to one of
    #: them cannot be re-scanned for; use `source_words()`
    vocabulary: Callable[[], frozenset[str]] = frozenset


@functools.cache
def source_words(*paths: str | os.PathLike[str]) -> frozenset[str]:
    """Return every word-like token in some source files (a renderer's code and templates)."""
    words: set[str] = set()
    for p in paths:
        words.update(re.findall(r"[A-Za-z0-9_][\w.-]*[\w]|\w", Path(p).read_text(encoding="utf-8")))
    return frozenset(words)


_REGISTRY: dict[tuple[str, str], Renderer] = {}
#: view -> the built-in modules (under `migtrace.reports`) registering its renderers, not imported yet:
#: `merge` must not pay for jinja2 (html) or the signature grammar (diagnosis) at start-up
_PENDING: dict[str, tuple[str, ...]] = {}


def register_builtins(modules_by_view: dict[str, tuple[str, ...]]) -> None:
    """Name the modules that register each view's built-in renderers; each is imported when its view is used."""
    _PENDING.update(modules_by_view)


def load_view(view: str) -> None:
    """Import the built-in renderers of `view` (once); `"*"`: of every view."""
    for name in list(_PENDING) if view == "*" else [view]:
        for module in _PENDING.pop(name, ()):
            importlib.import_module(f"migtrace.reports.{module}")


def register(renderer: Renderer) -> Renderer:
    """Add (or replace) a renderer; plugins call this the same way built-ins do."""
    _REGISTRY[(renderer.view, renderer.name)] = renderer
    return renderer


def renderers(view: str = "report") -> tuple[Renderer, ...]:
    """Return the renderers of one view, sorted by format name."""
    load_view(view)
    return tuple(r for (v, _), r in sorted(_REGISTRY.items()) if v == view)


def formats(view: str) -> tuple[str, ...]:
    """Return the format names a view can be rendered in."""
    return tuple(r.name for r in renderers(view))


def get_renderer(name: str, view: str = "report") -> Renderer:
    """Return the renderer of `view` called `name`, or raise `RenderError` listing the known ones."""
    load_view(view)
    try:
        return _REGISTRY[(view, name)]
    except KeyError:
        known = ", ".join(formats(view))
        raise RenderError(f"unknown {view} format {name!r} (known: {known})") from None


def render(view: str, name: str, data: Any, options: RenderOptions | None = None) -> str:
    """Render data with the registered renderer of this view and format."""
    return get_renderer(name, view).render(data, options or RenderOptions())


def format_for_path(path: str | os.PathLike[str] | None, default: str = "html") -> str:
    """Guess the report format from an output file suffix (`.md` → markdown), else `default`."""
    if path is None or str(path) == "-":
        return default
    suffix = Path(path).suffix.lower()
    aliases = {".htm": "html", ".markdown": "markdown"}
    if suffix in aliases:
        return aliases[suffix]
    for r in renderers("report"):
        if r.suffix == suffix:
            return r.name
    return default
