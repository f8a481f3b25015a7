"""The files of the migtrace that runs here: what a digest of its code is made of.

Two digests need them: the index's (`_index.code_digest`: an entry made by
other code is not reused) and a cluster's (`_parallel.code_key`: workers must
run the client's code).  migtrace ships three packages, and `parsers`/`reports`
stand beside `migtrace/` in an editable checkout but inside it in a wheel:
each file is named relative to its own package, so both layouts list the same
names, and a parser edited in a checkout changes the digests.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

#: the packages whose files make up the code (found without importing `reports`, a layer above this one)
PACKAGES = ("migtrace", "migtrace.parsers", "migtrace.reports")


def package_files() -> list[tuple[str, Path]]:
    """Each file of the packages, named `package/relative/path`, in name order (no bytecode, no __pycache__)."""
    return [(name, Path(path)) for name, path in package_file_names()]


def package_file_names() -> list[tuple[str, str]]:
    """`package_files` with the paths as strings: what the index's digest of the code walks on every query
    (~250 files: building a Path for each cost more than the stats it feeds)."""
    roots: dict[str, str] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        roots[name] = os.path.realpath(next(iter(spec.submodule_search_locations)))
    inner = {root for name, root in roots.items() if name != "migtrace"}  # a wheel's, listed under their own name
    found: list[tuple[str, str]] = []
    for name, root in roots.items():
        for top, dirs, files in os.walk(root, followlinks=True):
            dirs[:] = [d for d in dirs if d != "__pycache__" and os.path.realpath(os.path.join(top, d)) not in inner]
            rel = top[len(root) + 1:]  # os.walk joins the names under `root` as given
            for file in files:
                if not file.endswith((".pyc", ".pyo")):
                    found.append((f"{name}/{rel}/{file}" if rel else f"{name}/{file}", os.path.join(top, file)))
    return sorted(found)
