"""Inputs named by an fsspec URL (`file://`, `s3://`, `hdfs://`…): read where the logs are.

On a Dask cluster the workers open the URL themselves, so the logs never
travel to the machine that runs migtrace; only the records read do.  fsspec
comes with the `dask` extra and is imported only when a URL is given.
"""

from __future__ import annotations

import re
from typing import BinaryIO, cast
from urllib.parse import unquote, urlsplit

from migtrace.errors import SourceError

#: `scheme://…` with a scheme of two letters at least (`C:\logs` is a Windows path, not a URL)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def is_url(path: str) -> bool:
    """True when the input is named by a URL rather than a local path."""
    return bool(_URL.match(path))


def local_path(url: str) -> str | None:
    """The local path a `file://` URL names (host and service are inferred from it as from a path)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


def _fsspec() -> object:
    try:
        import fsspec  # noqa: PLC0415 - an optional extra, needed only for URL inputs
    except ImportError as exc:
        raise SourceError("URL inputs", "need fsspec: pip install 'migtrace[dask]'") from exc
    return fsspec


def open_url(url: str) -> BinaryIO:
    """Open a URL for reading bytes (read-only, raw: compression is recognised by magic as for files)."""
    fsspec = _fsspec()
    return cast(BinaryIO, fsspec.open(url, "rb", compression=None).open())  # type: ignore[attr-defined]


def url_size(url: str) -> int:
    """The size of the object a URL names, 0 when the store does not say."""
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(url)  # type: ignore[attr-defined]
        return int(fs.size(path) or 0)
    except (OSError, ValueError, TypeError):
        return 0
