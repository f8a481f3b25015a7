"""Load log text held in memory (signature fixtures, notebooks) as if it were a file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from migtrace.diagnose import diagnose
from migtrace.diagnose.catalog import Catalog
from migtrace.options import LoadOptions
from migtrace.pipeline._load import load
from migtrace.pipeline.analysis import Analysis

#: file names that tell the sources layer which service wrote an in-memory text
_SERVICE_FILE_NAMES = {"n-cpu": "nova-compute.log", "n-api": "nova-api.log", "n-cond": "nova-conductor.log",
                       "n-sch": "nova-scheduler.log"}


def load_text(text: str, *, name: str = "<fixture>", host: str | None = None, service: str | None = None,
              catalog: Catalog | None = None, options: LoadOptions | None = None) -> Analysis:
    """Load log text; `host`/`service` name its writer, `catalog` replaces the shipped signatures."""
    options = options or LoadOptions()
    with tempfile.TemporaryDirectory(prefix="migtrace-") as tmp:
        fname = _SERVICE_FILE_NAMES.get(service or "") or (
            os.path.basename(name) if name and not name.startswith("<") else "fixture.log")
        path = os.path.join(tmp, fname)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        aliases = {**options.host_aliases, path: host} if host else dict(options.host_aliases)
        analysis = load([path], replace(options, host_aliases=aliases, diagnose=options.diagnose and catalog is None))
    if catalog is not None:
        found = diagnose(analysis.migrations, analysis.events, catalog, release=options.release,
                         last_seen=analysis.last_seen or None, clues=analysis.release_clues)
        analysis = replace(analysis, migrations=found.migrations, orphan_findings=found.orphan_findings,
                           release=found.release)
    for s in analysis.stats:
        s.path = name
    return analysis
