"""One CI-scale run of the hostile corpus per test session, shared by the tests that judge it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.hostile.cases import SCALES
from tools.hostile.generate import generate, remove_tree
from tools.hostile.run import Result, Runner


@pytest.fixture(scope="session")
def hostile_result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    """Build the CI corpus and run the product over it under prlimit/timeout (about a minute).

    HOSTILE_JSON=FILE keeps the run's full result (every failure with its reproducer).
    """
    for tool in ("prlimit", "timeout"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the corpus only runs under resource limits")
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    scratch = tmp_path_factory.mktemp("hostile-runs")
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
