"""One CI-scale run of the hostile corpus per test session, shared by the tests that judge it."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.hostile.cases import SCALES
from tools.hostile.generate import generate, remove_tree
from tools.hostile.run import Result, Runner


@pytest.fixture(scope="session")
def hostile_result() -> Iterator[Result]:
    """Build the CI corpus and run the product over it under prlimit/timeout (about a minute).

    HOSTILE_JSON=FILE keeps the run's full result (every failure with its reproducer).
    """
    for tool in ("prlimit", "timeout"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the corpus only runs under resource limits")
    # outside pytest's numbered temp dirs: a run killed before the clean-up below leaves a 1100-deep tree, and
    # pytest's own clean-up of old dirs (recursive rmtree) would then fail every later session at its end
    corpus = Path(tempfile.mkdtemp(prefix="migtrace-hostile-corpus-"))
    scratch = Path(tempfile.mkdtemp(prefix="migtrace-hostile-runs-"))
    try:
        generate(corpus, SCALES["ci"])
        runner = Runner(corpus, "ci", exe=[sys.executable, "-m", "migtrace"], scratch=scratch)
        result = runner.run_all(jobs=4)
        if os.environ.get("HOSTILE_JSON"):  # keep the verdicts (and reproducers) of this run for a person
            Path(os.environ["HOSTILE_JSON"]).write_text(json.dumps(result.to_json(), indent=1) + "\n")
        yield result
    finally:
        remove_tree(corpus)  # gigabyte-sized sparse files and 1100-deep trees: not left for pytest's cleanup
        remove_tree(scratch)
