"""Input paths as the pipeline takes them: str or os.PathLike, the default locations when none are given."""

from __future__ import annotations

import os
from collections.abc import Iterable

from migtrace.sources import default_paths

StrPath = str | os.PathLike[str]


def resolve_paths(paths: Iterable[StrPath]) -> list[str]:
    """Return the paths as strings, or the default locations when none are given."""
    return [os.fspath(p) for p in paths] or default_paths()
