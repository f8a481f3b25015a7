"""The renderer registry, and `write_report`: select, redact, render, verify, write.

Built-in formats register themselves exactly like a plugin would (STYLE.md
§11, datasette's `register_output_renderer`): a `Renderer` has a `name`, a
file `suffix` and `render(analysis, options) -> str`.  The built-in modules
are imported lazily on first lookup so that importing the registry stays
cheap and a broken optional renderer cannot break the others.

`write_report` is the one library call behind `migtrace report`: redaction
happens on the way out for every format, and the written file is re-scanned
so that a secret that slipped through fails the command instead of reaching
a public tracker.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from migtrace import __version__
from migtrace.analysis import Analysis
from migtrace.errors import NotFoundError, RenderError
from migtrace.redact import Redactor

#: Modules that register the built-in renderers when imported.
BUILTIN_RENDERERS: tuple[str, ...] = (
    "migtrace.reports.html_report",
    "migtrace.reports.markdown_report",
    "migtrace.reports.json_report",
)


DEFAULT_TITLE = "migtrace report"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a renderer needs besides the analysis; every field has a sane default."""

    title: str = DEFAULT_TITLE
    generated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    version: str = __version__
    #: categories redacted on the way out (shown in the report so readers know)
    redacted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Renderer:
    """One output format."""

    name: str
    suffix: str
    render: Callable[[Analysis, ReportOptions], str]
    description: str = ""
    #: constant text the renderer embeds (e.g. plotly.js): excluded from the re-scan,
    #: since it cannot come from the logs and may contain any word by chance
    static_parts: Callable[[], tuple[str, ...]] = lambda: ()
    #: words the renderer writes by itself (labels, keys, CSS): names equal to one of
    #: them cannot be re-scanned for (see `Redactor.verify`); use `source_words()`
    vocabulary: Callable[[], frozenset[str]] = frozenset


@functools.cache
def source_words(*paths: str | os.PathLike[str]) -> frozenset[str]:
    """Return every word-like token in some source files (a renderer's code and templates)."""
    words: set[str] = set()
    for p in paths:
        words.update(re.findall(r"[A-Za-z0-9_][\w.-]*[\w]|\w", Path(p).read_text(encoding="utf-8")))
    return frozenset(words)


_REGISTRY: dict[str, Renderer] = {}
_builtins_loaded = False


def register(renderer: Renderer) -> Renderer:
    """Add (or replace) a renderer; plugins call this the same way built-ins do."""
    _REGISTRY[renderer.name] = renderer
    return renderer


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in BUILTIN_RENDERERS:
            importlib.import_module(module)


def renderers() -> tuple[Renderer, ...]:
    """Return every registered renderer, sorted by name."""
    _load_builtins()
    return tuple(_REGISTRY[k] for k in sorted(_REGISTRY))


def get_renderer(name: str) -> Renderer:
    """Return the renderer called `name` or raise `RenderError` listing the known ones."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise RenderError(f"unknown report format {name!r} (known: {', '.join(sorted(_REGISTRY))})") from None


def format_for_path(path: str | os.PathLike[str] | None, default: str = "html") -> str:
    """Guess the format from an output file suffix (`.md` → markdown), else `default`."""
    if path is None or str(path) == "-":
        return default
    suffix = Path(path).suffix.lower()
    aliases = {".htm": "html", ".markdown": "markdown"}
    if suffix in aliases:
        return aliases[suffix]
    for r in renderers():
        if r.suffix == suffix:
            return r.name
    return default


def select_migrations(analysis: Analysis, ident: str | None) -> Analysis:
    """Return the analysis narrowed to the migrations `ident` names (all when None)."""
    if not ident:
        return analysis
    found = analysis.find(ident)
    if not found:
        raise NotFoundError(f"no migration matches {ident!r}")
    keep = {id(e) for m in found for e in m.events}
    return Analysis(
        events=[e for e in analysis.events if id(e) in keep],
        migrations=list(found),
        orphan_findings=[],
        stats=analysis.stats,
        skew=analysis.skew,
        skew_mode=analysis.skew_mode,
        warnings=analysis.warnings,
        inputs=analysis.inputs,
    )


def render_report(
    analysis: Analysis,
    fmt: str = "html",
    *,
    migration: str | None = None,
    title: str | None = None,
    redactor: Redactor | None = None,
    generated: datetime | None = None,
    verify: bool = True,
) -> str:
    """Render a redacted report as text and (unless `verify=False`) re-scan it for originals."""
    renderer = get_renderer(fmt)
    redactor = redactor if redactor is not None else Redactor()
    selected = select_migrations(analysis, migration)
    clean = redactor.analysis(selected)
    opts = ReportOptions(
        title=redactor.text(title) if title else DEFAULT_TITLE,
        redacted=tuple(sorted({"secrets", *redactor.categories})),
        **({"generated": generated} if generated is not None else {}),
    )
    text = renderer.render(clean, opts)
    if verify:
        redactor.verify(_scannable(text, renderer), renderer.vocabulary())
    return text


def _scannable(text: str, renderer: Renderer) -> str:
    for part in renderer.static_parts():
        text = text.replace(part, "")
    return text


def write_report(
    analysis: Analysis,
    output: str | os.PathLike[str] | TextIO | None = None,
    fmt: str | None = None,
    *,
    migration: str | None = None,
    title: str | None = None,
    redact: Iterable[str] | str | None = None,
    redact_map: str | os.PathLike[str] | None = None,
    generated: datetime | None = None,
) -> str:
    """Render a report, write it, re-scan what was written, and return where it went.

    `output` is a path, `-`/None for stdout (html defaults to
    `migtrace-report.html` instead, a page on a terminal helps nobody) or an
    open text stream.  With `redact_map`, pseudonyms are read from that file
    when it exists and the (extended) mapping is written back.
    """
    from migtrace.redact import parse_categories

    if fmt is None:
        fmt = format_for_path(output if isinstance(output, (str, os.PathLike)) else None)
    mapping = Redactor.load_mapping(redact_map) if redact_map else None
    redactor = Redactor(parse_categories(redact), mapping)
    if output is None and fmt == "html":
        output = "migtrace-report.html"
    to_file = isinstance(output, (str, os.PathLike)) and str(output) != "-"
    # a file is re-scanned once written (below); other outputs are checked in memory
    text = render_report(analysis, fmt, migration=migration, title=title, redactor=redactor,
                         generated=generated, verify=not to_file)
    if output is None or output == "-":
        sys.stdout.write(text)
        where = "<stdout>"
    elif isinstance(output, (str, os.PathLike)):
        _write_verified(Path(output), text, redactor, get_renderer(fmt))
        where = str(output)
    else:
        output.write(text)
        where = getattr(output, "name", "<stream>")
    if redact_map:
        redactor.save_mapping(redact_map)
    return where


def _write_verified(path: Path, text: str, redactor: Redactor, renderer: Renderer) -> None:
    """Write atomically; re-read and re-scan the file before it takes its final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        redactor.verify(_scannable(Path(tmp).read_text(encoding="utf-8"), renderer), renderer.vocabulary())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
