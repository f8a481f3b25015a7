"""`write_report`: the one library call behind `migtrace report` — select, redact, render, verify, write.

Redaction happens on the way out for every format, and the rendered text is
re-scanned before anything is written so that a secret that slipped through fails the command instead
of reaching a public tracker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from migtrace.pipeline import Analysis, select_migrations
from migtrace.reports._output import refuse_inputs, write_stdout, write_text_to
from migtrace.reports._registry import DEFAULT_TITLE, Renderer, RenderOptions, format_for_path, get_renderer
from migtrace.reports.redact import Redactor, check_no_leak, parse_categories


def render_report(analysis: Analysis, fmt: str = "html", *, migration: str | None = None,
                  title: str | None = None, redactor: Redactor | None = None,
                  generated: datetime | None = None, verify: bool = True) -> str:
    """Render a redacted report as text and (unless `verify=False`) re-scan it for originals."""
    renderer = get_renderer(fmt, "report")
    redactor = redactor if redactor is not None else Redactor()
    # only what a report shows is redacted (and carried on): its migrations' and findings' events
    clean = redactor.analysis(own_inputs(select_migrations(analysis, migration)) if migration else analysis,
                              shown_only=True)
    opts = RenderOptions(title=redactor.text(title) if title else DEFAULT_TITLE,
                         redacted=tuple(sorted({"secrets", *redactor.categories})))
    if generated is not None:
        opts = replace(opts, generated=generated)
    text = renderer.render(clean, opts)
    if verify:
        check(text, renderer, redactor)
    return text


def check(text: str, renderer: Renderer, redactor: Redactor) -> None:
    """Re-scan a rendered output for every original the redactor replaced, in the renderer's escapes,
    then for secrets by shape alone (`redact.check_no_leak`, independent of the detectors)."""
    for part in renderer.static_parts():
        text = text.replace(part, "")
    redactor.verify(text, renderer.escapes, renderer.vocabulary())
    check_no_leak(text, "the report")


def own_inputs(selected: Analysis) -> Analysis:
    """Keep only the inputs the selected migrations' records came from (a one-move report lists its own files)."""
    used = {e.source for m in selected.migrations for e in m.events}
    used |= {e.source for m in selected.migrations for f in m.findings for e in f.events}
    return replace(selected, stats=tuple(s for s in selected.stats if s.path in used))




def write_report(analysis: Analysis, output: str | os.PathLike[str] | TextIO | None = None,
                 fmt: str | None = None, *, migration: str | None = None, title: str | None = None,
                 redact: Iterable[str] | str | None = None, redact_map: str | os.PathLike[str] | None = None,
                 generated: datetime | None = None) -> str:
    """Render a report, write it, re-scan what was written, and return where it went.

    `output` is a path, `-`/None for stdout (html defaults to
    `migtrace-report.html` instead, a page on a terminal helps nobody) or an
    open text stream.  With `redact_map`, pseudonyms are read from that file
    when it exists and the (extended) mapping is written back.  Where a path
    goes is decided by `reports._output.write_text_to` (regular files replaced
    atomically, devices and FIFOs written through, never replaced); an input
    log named as the output is refused.
    """
    if fmt is None:
        fmt = format_for_path(output if isinstance(output, (str, os.PathLike)) else None)
    mapping = Redactor.load_mapping(redact_map) if redact_map else None
    redactor = Redactor(parse_categories(redact), mapping)
    if output is None and fmt == "html":
        output = "migtrace-report.html"
    to_file = isinstance(output, (str, os.PathLike)) and str(output) != "-"
    if to_file:
        refuse_inputs(Path(output), [s.path for s in analysis.stats])  # type: ignore[arg-type]
    # re-scanned in memory before a byte is written: a device or FIFO cannot be re-read
    text = render_report(analysis, fmt, migration=migration, title=title, redactor=redactor,
                         generated=generated, verify=True)
    if output is None or output == "-":
        write_stdout(text)
        where = "<stdout>"
    elif isinstance(output, (str, os.PathLike)):
        write_text_to(Path(output), text)
        where = str(output)
    else:
        output.write(text)
        where = getattr(output, "name", "<stream>")
    if redact_map:
        redactor.save_mapping(redact_map)
    return where
