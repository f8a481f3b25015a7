"""The same input gives byte-identical output whatever PYTHONHASHSEED is (clock estimation included)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import SAMPLE_LOGS


def test_list_output_is_identical_under_several_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "migtrace", "list", "-f", "json",
                               str(SAMPLE_LOGS / "devstack-2024.1"), str(SAMPLE_LOGS / "yoga-info")],
                              capture_output=True, env=env, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
