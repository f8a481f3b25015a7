"""The generated 200-move fleet set (benchmarks.gen_fleet), made once per test session.

Its truth.json carries the generator's own numbers (bandwidth, dirty rate,
convergence verdict of each live migration), the truth the physics and
`stats` tests check against.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.gen_fleet import generate
from migtrace import load
from migtrace.pipeline import Analysis

MOVES = 200


@functools.cache
def fleet() -> tuple[Analysis, list[dict[str, Any]]]:
    """Return the loaded set and its truth's moves."""
    root = Path(tempfile.mkdtemp(prefix="migtrace-fleet-"))
    atexit.register(shutil.rmtree, root, True)
    generate(root, moves=MOVES, computes=6, seed=1)
    truth = json.loads((root / "truth.json").read_text())["migrations"]
    return load(str(root)), truth
