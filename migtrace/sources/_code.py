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
    roots: dict[str, Path] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        roots[name] = Path(next(iter(spec.submodule_search_locations))).resolve()
    inner = {root for name, root in roots.items() if name != "migtrace"}  # a wheel's, listed under their own name
    found: list[tuple[str, Path]] = []
    for name, root in roots.items():
        for top, dirs, files in os.walk(root, followlinks=True):
            dirs[:] = [d for d in dirs if d != "__pycache__" and Path(top, d).resolve() not in inner]
            for file in files:
                if not file.endswith((".pyc", ".pyo")):
                    full = Path(top, file)
                    found.append((f"{name}/{full.relative_to(root).as_posix()}", full))
    return sorted(found)
