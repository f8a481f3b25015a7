"""The shipped signature catalog compiled once per installed migtrace, kept pickled in the private cache dir.

Parsing the 84 shipped signature files (YAML, schema checks, the query
grammar: pyparsing's import alone is ~0.05 CPU s) cost every `report`,
`list` or `timeline` ~0.15 CPU s at start-up for the same answer each time
(issue 13 P4).  The compiled signatures are pickled in the directory of the
on-disk index (`sources._index.cache_dir`), named by a key that covers every
input of the compilation:

- the catalog's directory as named (a signature keeps its file's path: a moved install is a new key),
  the content (SHA-256) of each shipped signature file and its path under the catalog;
- the source of the modules whose objects are pickled or whose data the compile reads
  (`MODULES`, `DATA`), migtrace's version, and the Python version and pickle protocol.

So any edit of a signature, of the grammar or of the classes is a new key,
and a file of another key is never read.  The file is unpickled only when
`_cachefile.read_private` trusts it (this user's alone, not a symlink, a
regular file, intact against its digest line); anything else — a missing,
planted, corrupt or unreadable file, or one that unpickles to something else —
is ignored and the catalog is compiled from the YAML again (and the file
rewritten).  A catalog that fails to compile is never cached: the error is
raised as before.

This is a cache of migtrace's own files, not of the user's logs: `--no-cache`
(which is about the index of inputs read) does not turn it off, like the packed
plotly bundle beside it (docs/cache.md).  $MIGTRACE_NO_CODE_CACHE=1 does.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from migtrace._cachefile import OFF_VARIABLE as OFF_VARIABLE  # noqa: PLC0414 - named here as before
from migtrace._cachefile import cache_dir, code_cache_enabled, pickled
from migtrace._version import __version__

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parents[1]
#: modules whose classes are in the pickle, or whose code decides what a signature compiles to
MODULES = ("diagnose/catalog.py", "diagnose/query.py", "diagnose/_remedy.py", "_release.py", "model.py",
           "_datafile.py", "diagnose/_compiled.py")
#: data files the compilation reads (release names of `releases:` ranges)
DATA = ("data/releases.yaml",)

#: this process's compiled objects by key (a test run compiles the catalog once, not per load)
_MEMO: dict[str, object] = {}


def enabled() -> bool:
    """False when $MIGTRACE_NO_CODE_CACHE asks for no compiled caches."""
    return code_cache_enabled()


def key_of(kind: str, files: Sequence[Path], root: Path) -> str:
    """The cache key: `root` itself (signatures keep their file's path), every file's path under it and
    content, the modules, data, versions and protocol."""
    h = hashlib.sha256(f"{kind}\0{root}\0{__version__}\0{sys.version_info[:2]}\0{pickle.HIGHEST_PROTOCOL}\n"
                       .encode())
    for path, name in [*((_PACKAGE / m, m) for m in (*MODULES, *DATA)),
                       *((f, f.relative_to(root).as_posix()) for f in files)]:
        h.update(f"{name}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


def cached(kind: str, key: str, build: Callable[[], T], valid: Callable[[object], bool]) -> T:
    """`build()`'s result, from this process's memo or the cache file of `key` when trusted and `valid`.

    A result built here is written to the cache file (older files of `kind` removed);
    an exception of `build` propagates and nothing is written.
    """
    if key in _MEMO:
        return _MEMO[key]  # type: ignore[return-value]
    if enabled():
        result = pickled(cache_dir() / f"{kind}-{key}.pickle", f"{kind}-*.pickle", build, valid)
    else:
        result = build()
    _MEMO[key] = result
    return result
