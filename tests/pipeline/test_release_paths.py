"""One release range on every path (issue 10 item 7): selective read, `--full-read`, `timeline ID`, `load()`.

The release range (and so the remedies) is inferred from the clue records of
every input, whichever path reads them (`migtrace/pipeline/_clues.py`): the
selective read finds them in its first raw pass by the clues' covers, a
targeted read in one raw pass of its own, the full read over all it parses.
Each clue's cover is derived from the clue (never kept by hand): the sample
line of every clue in migtrace/data/releases.yaml must hold it, and the clue
must match that line as the parser reads it.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

from migtrace.diagnose._release import Clue, clues
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis, load, read_events, with_diagnosis
from migtrace.pipeline._clues import ClueTerms, _header_record, clue_cover, clue_terms, covers, is_header_clue
from migtrace.reports.listing import short_ids
from tests.conftest import SAMPLE_LOGS, cached_load
from tools.variants.families import variants_for
from tools.variants.generate import write_variant
from tools.variants.records import load_set

SETS = ("devstack-2024.1", "kilo-files", "queens-files", "train-single-host", "yoga-info", "zed-mixed")
DATA = Path(__file__).resolve().parents[2] / "migtrace" / "data" / "releases.yaml"
#: variants whose reads keep fewer records than the sets' (a host's logs missing, DEBUG lines gone)
VARIANTS = (("queens-files", "info-only"), ("queens-files", "without-compute1"), ("zed-mixed", "info-only"),
            ("zed-mixed", "controller-only"))


def _samples() -> dict[str, str]:
    doc: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {c["id"]: c["sample"] for c in doc["clues"]}


def _by_id() -> dict[str, Clue]:
    return {c.id: c for c in clues()}


@pytest.mark.parametrize("clue_id", sorted(_samples()))
def test_every_clue_has_a_cover_its_sample_line_holds(clue_id: str, tmp_path: Path) -> None:
    clue, line = _by_id()[clue_id], _samples()[clue_id]
    found = clue_cover(clue)
    assert found is not None, f"{clue_id}: no cover (the selective and targeted reads could not find it)"
    texts, caseless = found
    assert any((t in line.lower()) if caseless else (t in line) for t in texts), (clue_id, texts)
    path = tmp_path / "nova-compute.log"
    path.write_text(line + "\n", encoding="utf-8")
    events = read_events([path])
    assert [e.lineno for e in events] == [1]
    assert clue.matches(events[0]), clue_id
    if is_header_clue(clue) and clue.level != "TRACE":
        # the per-file line test reads the header as the parser does
        record = _header_record(line.encode())
        assert record is not None and clue.matches(record), clue_id


def test_no_clue_is_without_a_cover() -> None:
    assert covers()[3] == ()


def test_header_test_passes_a_files_first_line_per_clue_only() -> None:
    samples = _samples()
    test = ClueTerms(frozenset(), windowed=covers()[2]).line_test("f")
    concurrency = samples["oslo-concurrency-logger"].encode()
    assert test(1, concurrency) and not test(2, concurrency)
    # its clue shown already: a line holding only its cover has nothing left to tell
    assert not test(1, b"    raise oslo_concurrency.processutils.ProcessExecutionError()")
    # a line holding a pending clue's cover that is not a header read the quick way: the parse decides
    assert ClueTerms(frozenset(), windowed=covers()[2]).line_test("h")(
        1, b"    raise oslo_concurrency.processutils.ProcessExecutionError()")
    # a Zed+ line without a global id holds the cover ` req-` but shows no clue
    zed = samples["scheduler-manager-selected-host"].encode()
    assert not test(3, zed)
    assert test(4, samples["global-request-id"].encode()) and not test(5, samples["global-request-id"].encode())
    fresh = ClueTerms(frozenset(), windowed=covers()[2]).line_test("g")
    assert fresh(1, concurrency)


def test_clue_terms_travel_to_workers() -> None:
    """Pool and Dask workers get the terms pickled: the class and its header covers survive."""
    terms = clue_terms()
    back = pickle.loads(pickle.dumps(terms))
    assert type(back) is ClueTerms and back == terms
    assert (back.windowed, back.caseless, back.plain_only) == (terms.windowed, terms.caseless, True)


def _release(a: Analysis) -> tuple[Any, ...]:
    assert a.release is not None
    return a.release.range, a.release.basis


def _timeline(paths: list[str], ident: str, jobs: int) -> Analysis:
    """What `timeline ID` computes: a focused read, then diagnosis of the moves found only."""
    analysis = load(paths, LoadOptions(focus=ident, diagnose=False, jobs=jobs))
    return with_diagnosis(dataclasses.replace(analysis, migrations=tuple(analysis.find(ident))), orphans=False)


def _agree(paths: list[str], jobs: int = 1, targeted: bool = True) -> Analysis:
    """Selective, full and targeted reads infer the same range from the same clues; return the selective one."""
    whole = cached_load(paths, LoadOptions(jobs=jobs))
    full = cached_load(paths, LoadOptions(select=False, jobs=jobs))
    assert _release(full) == _release(whole)
    if targeted:
        ident = short_ids(whole.migrations)[whole.migrations[0].id] if whole.migrations else "req-0000"
        assert _release(_timeline(paths, ident, jobs)) == _release(whole), ident
    return whole


#: -j 2 on two sets and the real excerpts' directory: the clues are noted in the main process, in input order
PARALLEL = ("queens-files", "zed-mixed")


@pytest.mark.parametrize(("name", "jobs"), [(n, 1) for n in SETS] + [(n, 2) for n in PARALLEL])
def test_sample_sets_one_release_on_every_path(name: str, jobs: int) -> None:
    whole = _agree([str(SAMPLE_LOGS / name)], jobs)
    assert whole.release is not None and whole.release.range.bounded


def test_real_logs_one_release_on_every_path(real_logs: Path) -> None:
    """The directory, and every file alone (one said Kilo onward where the full read says Pike onward)."""
    _agree([str(real_logs)], 2)
    for path in sorted(real_logs.iterdir()):
        _agree([str(path)], targeted=False)  # the directory's timeline read above covers every file
    qeas = cached_load([str(real_logs / "gh_qeas_devstack_journal_n-cpu_volume_boot.log")])
    assert qeas.release.range.label() == "Pike onward"
    assert "global-request-id" in qeas.release.basis


def test_real_logs_timeline_is_the_whole_set_move(real_logs: Path) -> None:
    """Every move of the real excerpts: the timeline's Migration is the list's, remedies included."""
    whole = cached_load([str(real_logs)])
    shorts = short_ids(whole.migrations)
    for m in whole.migrations:
        shown = _timeline([str(real_logs)], shorts[m.id], 1)
        assert shown.release == whole.release
        assert list(shown.migrations) == [m], m.id


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """A few variants written once: their paths (absolute)."""
    out: dict[tuple[str, str], list[str]] = {}
    root = tmp_path_factory.mktemp("variants")
    for set_name, name in VARIANTS:
        sset = load_set(SAMPLE_LOGS / set_name)
        variant = next(v for v in variants_for(sset) if v.name == name)
        target = root / set_name / name
        doc = write_variant(sset, variant, target)
        assert not doc["invocation"].get("stdin")
        out[(set_name, name)] = [str(target / p) for p in doc["invocation"]["paths"]]
    return out


@pytest.mark.parametrize(("set_name", "name"), VARIANTS, ids=[f"{s}/{v}" for s, v in VARIANTS])
def test_variants_one_release_on_every_path(variants: dict[tuple[str, str], list[str]], set_name: str,
                                            name: str) -> None:
    _agree(variants[(set_name, name)], 2)
