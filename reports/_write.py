"""`write_report`: the one library call behind `migtrace report` — select, redact, render, verify, write.

Redaction happens on the way out for every format, and the written file is
re-scanned so that a secret that slipped through fails the command instead
of reaching a public tracker.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from migtrace.pipeline import Analysis, select_migrations
from migtrace.reports._registry import DEFAULT_TITLE, Renderer, RenderOptions, format_for_path, get_renderer
from migtrace.reports.redact import Redactor, parse_categories


def render_report(analysis: Analysis, fmt: str = "html", *, migration: str | None = None,
                  title: str | None = None, redactor: Redactor | None = None,
                  generated: datetime | None = None, verify: bool = True) -> str:
    """Render a redacted report as text and (unless `verify=False`) re-scan it for originals."""
    renderer = get_renderer(fmt, "report")
    redactor = redactor if redactor is not None else Redactor()
    clean = redactor.analysis(own_inputs(select_migrations(analysis, migration)) if migration else analysis)
    opts = RenderOptions(title=redactor.text(title) if title else DEFAULT_TITLE,
                         redacted=tuple(sorted({"secrets", *redactor.categories})))
    if generated is not None:
        opts = replace(opts, generated=generated)
    text = renderer.render(clean, opts)
    if verify:
        check(text, renderer, redactor)
    return text


def own_inputs(selected: Analysis) -> Analysis:
    """Keep only the inputs the selected migrations' records came from (a one-move report lists its own files)."""
    used = {e.source for m in selected.migrations for e in m.events}
    used |= {e.source for m in selected.migrations for f in m.findings for e in f.events}
    return replace(selected, stats=tuple(s for s in selected.stats if s.path in used))


def check(text: str, renderer: Renderer, redactor: Redactor) -> None:
    """Re-scan a rendered output for every original the redactor replaced, in the renderer's escapes."""
    for part in renderer.static_parts():
        text = text.replace(part, "")
    redactor.verify(text, renderer.escapes, renderer.vocabulary())


def write_report(analysis: Analysis, output: str | os.PathLike[str] | TextIO | None = None,
                 fmt: str | None = None, *, migration: str | None = None, title: str | None = None,
                 redact: Iterable[str] | str | None = None, redact_map: str | os.PathLike[str] | None = None,
                 generated: datetime | None = None) -> str:
    """Render a report, write it, re-scan what was written, and return where it went.

    `output` is a path, `-`/None for stdout (html defaults to
    `migtrace-report.html` instead, a page on a terminal helps nobody) or an
    open text stream.  With `redact_map`, pseudonyms are read from that file
    when it exists and the (extended) mapping is written back.
    """
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
        _write_verified(Path(output), text, redactor, get_renderer(fmt, "report"))
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
        check(Path(tmp).read_text(encoding="utf-8"), renderer, redactor)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
