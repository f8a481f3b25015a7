"""`merge` takes the bulk path (numpy) only where it pays: small inputs are merged the text path.

The bulk path's numpy import costs about as much as merging a few MB the text
way, and a merge of a pasted file must stay light (tests/test_imports.py); both
paths print the same bytes (tests/pipeline/test_bulk_merge.py), so the gate
changes the cost, never the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace.pipeline import _text_merge
from migtrace.pipeline._text_merge import BULK_PATH_VARIABLE, bulk_may_pay

_LINE = ("2024-03-05 10:00:00.123 2311 INFO nova.compute.manager [req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a "
         "- - - - -] [instance: 7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f] Took 1.02 seconds to spawn the instance.\n")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for host in ("compute-01", "compute-02"):
        logs = tmp_path / host / "var" / "log" / "nova"
        logs.mkdir(parents=True)
        (logs / "nova-compute.log").write_text(_LINE * 40)
    return tmp_path


def test_small_inputs_take_the_text_path(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BULK_PATH_VARIABLE, raising=False)
    assert not bulk_may_pay([tree])
    assert not bulk_may_pay([next(tree.rglob("*.log"))])


def test_inputs_reaching_the_gate_take_the_bulk_path(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BULK_PATH_VARIABLE, raising=False)
    one = next(tree.rglob("*.log")).stat().st_size
    monkeypatch.setattr(_text_merge, "BULK_MIN_BYTES", one + 1)
    assert bulk_may_pay([tree])  # two files together
    assert not bulk_may_pay([next(tree.rglob("*.log"))])
    monkeypatch.setattr(_text_merge, "BULK_MIN_BYTES", one)
    assert bulk_may_pay([next(tree.rglob("*.log"))])


def test_the_variable_forces_either_way(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BULK_PATH_VARIABLE, "1")
    assert bulk_may_pay([tree])
    monkeypatch.setenv(BULK_PATH_VARIABLE, "0")
    monkeypatch.setattr(_text_merge, "BULK_MIN_BYTES", 0)
    assert not bulk_may_pay([tree])


def test_an_input_of_unknown_size_tries_the_bulk_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing path or a URL: the bulk path decides itself (it hands back None where it does not apply)."""
    monkeypatch.delenv(BULK_PATH_VARIABLE, raising=False)
    assert bulk_may_pay([tmp_path / "missing.log"])
