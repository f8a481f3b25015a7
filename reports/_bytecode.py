"""The HTML report's templates compiled once, their bytecode kept in the private cache dir.

jinja2 compiles a template to Python source and then to a code object on
first use: ~0.07 CPU s for the report's nine templates, in every `report`
process (issue 13 P4).  jinja2's own `FileSystemBytecodeCache` writes to any
directory it is given and reads whatever it finds there; this one stores each
template's bytecode as a `_cachefile` file, so it is read only when the file is
this user's alone, a regular file (not a symlink) and intact against its
digest line, and otherwise compiled again.  jinja2 rejects bytecode of another
template source, jinja2 or Python version itself (the bucket's checksum and
magic); the file name adds the environment's settings (`salt`), which change
the generated code without changing the source.

Like the packed plotly bundle, this caches migtrace's own files, never log
text, so `--no-cache` (the index of inputs read) does not turn it off;
$MIGTRACE_NO_CODE_CACHE=1 does (docs/cache.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from migtrace._cachefile import read_private, write_private
from migtrace.sources._index import cache_dir

#: the same switch as the compiled catalog's (`diagnose._compiled.OFF_VARIABLE`)
OFF_VARIABLE = "MIGTRACE_NO_CODE_CACHE"


class PrivateBytecodeCache(jinja2.BytecodeCache):
    """A jinja2 bytecode cache of trusted private files in the cache directory."""

    def __init__(self, salt: str) -> None:
        self.salt = f"{jinja2.__version__}\0{salt}"

    def _path(self, bucket: Bucket) -> Path:
        name = hashlib.sha256(f"{self.salt}\0{bucket.key}".encode()).hexdigest()[:32]
        return cache_dir() / f"jinja-{name}.code"

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket from a trusted file (jinja2 then checks its source checksum and version)."""
        if os.environ.get(OFF_VARIABLE, "") not in ("", "0"):
            return
        payload = read_private(self._path(bucket))
        if payload is not None:
            bucket.bytecode_from_string(payload)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Store a freshly compiled template's bytecode (failures ignored: the next report compiles again)."""
        if os.environ.get(OFF_VARIABLE, "") not in ("", "0"):
            return
        write_private(self._path(bucket), bucket.bytecode_to_string())
