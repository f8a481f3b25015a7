"""One story: `list`, `report -f json`, a targeted `timeline` read and `load()` give the same moves.

So that the rules of docs/derivation.md (own-step end, ± of clocks, shifts, phase order, unknown
kind/status) cannot differ between the code paths.  Every variant of every sample set (the stdin
ones excepted: `load()` takes paths), so the README's test command runs the whole matrix (about
200 CPU s, most of it the focused reads of devstack-2024.1's journal exports);
``MIGTRACE_ONE_STORY_SUBSET=1`` takes one variant of each family per set, for a quick local run.

What is compared is what each path prints; what is shared is what is the same function of the same
input: `list`, `report` and `load()` share one full read per variant (`cached_load`, a load is
deterministic: tests/pipeline/test_deterministic.py), and every read shares the shipped signature
catalog (read-only data, parsed once per worker instead of once per focused read).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import migtrace.cli._common as common
import migtrace.pipeline._load as load_module
from migtrace import LoadOptions, load
from migtrace.cli import cli
from migtrace.diagnose.catalog import Catalog, load_catalog
from migtrace.serialize import migration_summary
from tests.conftest import cached_load
from tests.variants.conftest import all_variants, variant_doc

pytestmark = pytest.mark.slow  # about 200 CPU s over the whole matrix (~1.6 s a variant)

_FAMILY_PICKS = ("info-only", "without-", "skew-", "tz-", "layout-flat", "layout-prefixed")
FULL_MATRIX = os.environ.get("MIGTRACE_ONE_STORY_SUBSET") != "1"


def _picked() -> list[tuple[str, str]]:
    """Every variant; one variant of each family per set with MIGTRACE_ONE_STORY_SUBSET=1."""
    if FULL_MATRIX:
        return [(set_name, v.name) for set_name, v in all_variants()]
    out: list[tuple[str, str]] = []
    for set_name, v in all_variants():
        if any(v.name.startswith(p) for p in _FAMILY_PICKS) and not any(
                s == set_name and v.name.split("-")[0] == n.split("-")[0] for s, n in out):
            out.append((set_name, v.name))
    return out


@functools.cache
def _shipped_catalog() -> Catalog:
    return load_catalog(())


def _catalog(extra: tuple[str, ...] = ()) -> Catalog:
    """The shipped catalog parsed once (the matrix passes no user signatures); else a fresh load."""
    return _shipped_catalog() if not extra else load_catalog(extra)


@pytest.fixture(autouse=True)
def _shared_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`list`/`report` share `load()`'s full read; every read shares the shipped catalog."""
    monkeypatch.setattr(common, "load", cached_load)
    monkeypatch.setattr(load_module, "load_catalog", _catalog)
    yield


@pytest.mark.parametrize(("set_name", "variant"), _picked(), ids=[f"{s}/{v}" for s, v in _picked()])
def test_list_report_timeline_and_load_agree(variants_root: Path, set_name: str, variant: str) -> None:
    doc = variant_doc(variants_root, set_name, variant)
    inv = doc["invocation"]
    if inv.get("stdin"):
        pytest.skip("load() reads paths")
    here = os.getcwd()
    os.chdir(variants_root / set_name / variant)
    try:
        listed = json.loads(CliRunner().invoke(cli, ["list", "-f", "json", *inv["flags"], *inv["paths"]]).stdout)
        report = CliRunner().invoke(cli, ["report", "-f", "json", "-o", "-", *inv["flags"], *inv["paths"]])
        options = LoadOptions(tz_by_path=_tz_flags(inv["flags"]))
        loaded = [migration_summary(m) for m in cached_load(inv["paths"], options).migrations]
        assert listed == loaded
        if report.exit_code == 0 and report.stdout.lstrip().startswith("{"):
            detailed = json.loads(report.stdout)["migrations"]
            scalar = [k for k in (listed[0] if listed else {}) if k not in ("phases", "findings")]
            assert [{k: m[k] for k in scalar} for m in detailed] == [{k: r[k] for k in scalar} for r in listed]
            assert [[p["name"] for p in m["phases"]] for m in detailed] == [r["phases"] for r in listed]
        for row in listed:
            focused = load(*inv["paths"], options=LoadOptions(focus=row["id"], tz_by_path=options.tz_by_path))
            assert [migration_summary(m) for m in focused.find(row["id"])] == [row], row["id"]
    finally:
        os.chdir(here)


def _tz_flags(flags: list[str]) -> dict[str, str]:
    out = {}
    for i, f in enumerate(flags):
        if f == "--tz" and "=" in flags[i + 1]:
            path, _, zone = flags[i + 1].partition("=")
            out[path] = zone
    return out
