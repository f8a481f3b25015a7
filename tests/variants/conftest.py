"""Shared fixtures of the reshaping matrix: variants generated once per session, runs cached."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_LOGS, read_only_data
from tools.variants.check import Runner, VariantReport, check_variant, inprocess_runner
from tools.variants.families import Variant, variants_for
from tools.variants.generate import generate, sample_sets
from tools.variants.records import SampleSet, load_set

XFAIL_FILE = Path(__file__).with_name("xfail.json")


@functools.cache
def all_variants() -> list[tuple[str, Variant]]:
    """Return every (set, variant) of the matrix, at collection time (read once)."""
    return [(root.name, v) for root in sample_sets(SAMPLE_LOGS) for v in variants_for(load_set(root))]


def known_failures() -> dict[str, dict[str, list[str]]]:
    """Return the expected failures: set/variant -> field -> bug ids (tools.variants.baseline --xfail)."""
    data: dict[str, dict[str, list[str]]] = json.loads(XFAIL_FILE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def variants_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the whole matrix once per session."""
    out = tmp_path_factory.mktemp("variants")
    generate(SAMPLE_LOGS, out)
    return read_only_data(out)  # no test writes into it


@pytest.fixture(scope="session")
def sets() -> dict[str, SampleSet]:
    """Return every sample set, read once."""
    return {root.name: load_set(root) for root in sample_sets(SAMPLE_LOGS)}


class Checked:
    """Run migtrace once per variant (in process) and keep the report."""

    def __init__(self, root: Path, runner: Runner) -> None:
        self.root, self.runner = root, runner
        self._cache: dict[str, VariantReport] = {}

    def __call__(self, set_name: str, variant: str) -> VariantReport:
        key = f"{set_name}/{variant}"
        if key not in self._cache:
            self._cache[key] = check_variant(self.root / set_name / variant, self.runner)
        return self._cache[key]


@pytest.fixture(scope="session")
def checked(variants_root: Path) -> Checked:
    """Return the cached checker of the matrix."""
    return Checked(variants_root, inprocess_runner())


def variant_doc(root: Path, set_name: str, variant: str) -> dict[str, Any]:
    """Return a variant's variant.json."""
    doc: dict[str, Any] = json.loads((root / set_name / variant / "variant.json").read_text(encoding="utf-8"))
    return doc
