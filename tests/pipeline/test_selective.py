"""Selective reading (two raw-text passes) gives the same analysis as reading every record.

Every sample set and a few generated variants (pasted with a host prefix,
INFO-only, one host's clock skewed, devstack screen names, flat) are loaded
twice, once per mode, in one module-scoped fixture; each test compares a
part of the two analyses.  A set with background noise (an instance that
never moved, logging to the end of the file) shows what selection is for:
that instance's lines are not kept, and its host's last record still
counts for `last_seen`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migtrace.correlate.markers import load_markers
from migtrace.diagnose.catalog import Catalog, load_catalog
from migtrace.model import Terms
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._load import load
from migtrace.pipeline._vocab import build, regex_cover
from migtrace.pipeline.analysis import Analysis
from migtrace.sources import _scan
from tests.conftest import SAMPLE_LOGS
from tools.variants.generate import generate, sample_sets

#: (set, variant) of the generated forms checked besides the sample sets themselves
VARIANTS = (
    ("queens-files", "layout-prefixed"),
    ("queens-files", "info-only"),
    ("queens-files", "skew-compute2-plus45"),
    ("zed-mixed", "layout-devstack"),
    ("kilo-files", "layout-flat"),
)
NOISE_INSTANCE = "0badc0de-0000-4000-8000-00000000beef"


def _noisy(root: Path) -> Path:
    """train-single-host with an unmoved instance's periodic lines, the last one after every other line."""
    out = root / "noisy"
    shutil.copytree(SAMPLE_LOGS / "train-single-host", out)
    log = out / "nova-compute.log"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    stamps = [ln[:23] for ln in lines if ln[:4].isdigit()]
    noise = ("{t} 4242 DEBUG nova.compute.manager [req-5e0b1a7e-0000-4000-8000-000000000001 - - - - -] "
             f"[instance: {NOISE_INSTANCE}] Updated the network info_cache for instance "
             "_heal_instance_info_cache /usr/lib/python3/dist-packages/nova/compute/manager.py:7930\n")
    mixed: list[str] = []
    for i, ln in enumerate(lines):
        mixed.append(ln)
        if i % 7 == 0 and ln[:4].isdigit():
            mixed.append(noise.format(t=ln[:23]))
    last = stamps[-1]
    mixed.append(noise.format(t=last[:17] + "59.999"))  # the file's last record: only noise
    log.write_text("".join(mixed), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Name -> the paths to load: every sample set, the chosen variants, the noisy set."""
    out = {root.name: [str(root)] for root in sample_sets(SAMPLE_LOGS)}
    tmp = tmp_path_factory.mktemp("selective")
    for set_name, variant in VARIANTS:
        generate(SAMPLE_LOGS, tmp, sets=[set_name], only=[variant])
        where = tmp / set_name / variant
        invocation = json.loads((where / "variant.json").read_text(encoding="utf-8"))["invocation"]
        assert invocation["stdin"] is None and not invocation["flags"], variant
        out[f"{set_name}/{variant}"] = [str(where / p) for p in invocation["paths"]]
    out["noisy"] = [str(_noisy(tmp))]
    return out


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped signatures, parsed once for the module."""
    return load_catalog()


@pytest.fixture(scope="module")
def loaded(inputs: dict[str, list[str]], catalog: Catalog) -> dict[str, tuple[Analysis, Analysis]]:
    """Name -> (full read, selective read); the shipped catalog is parsed once for all of them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_load, "load_catalog", lambda extra=(): catalog)
        return {name: (load(paths, LoadOptions(select=False, tz="UTC")), load(paths, LoadOptions(tz="UTC")))
                for name, paths in inputs.items()}


def _same(warnings: tuple[str, ...]) -> list[str]:
    return [w for w in warnings if "appear in two inputs" not in w]  # a selective read counts only its records


def test_the_variants_exist(inputs: dict[str, list[str]]) -> None:
    for set_name, variant in VARIANTS:
        assert all(Path(p).exists() for p in inputs[f"{set_name}/{variant}"]), variant


def test_migrations_are_identical(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    for name, (full, sel) in loaded.items():
        assert full.migrations, name
        assert sel.migrations == full.migrations, name


def test_findings_release_hosts_and_skew_are_identical(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    for name, (full, sel) in loaded.items():
        assert sel.orphan_findings == full.orphan_findings, name
        assert sel.release == full.release, name
        assert sel.last_seen == full.last_seen, name
        assert sel.skew == full.skew, name
        # a record read from two inputs is counted once either way; how many were seen twice depends on
        # how many were read, so that one warning's count may differ
        assert _same(sel.warnings) == _same(full.warnings), name
        assert [(s.path, s.host, s.service) for s in sel.stats] == [(s.path, s.host, s.service) for s in full.stats]


def test_line_accounting_adds_up(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    skipped = 0
    for name, (full, sel) in loaded.items():
        for a, b in zip(full.stats, sel.stats, strict=True):
            assert b.balanced, (name, b)
            assert b.lines_read == a.lines_read, (name, b.path)
            assert a.skipped_lines == 0
            skipped += b.skipped_lines
            if b.full_read:
                assert b.skipped_lines == 0, (name, b.path)
    assert skipped > 0  # selection did cut something


def test_fewer_events_are_kept(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    assert sum(len(s.events) for _, s in loaded.values()) < sum(len(f.events) for f, _ in loaded.values())


def test_an_instance_that_never_moved_is_not_kept(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    full, sel = loaded["noisy"]
    assert NOISE_INSTANCE in {e.instance for e in full.events}  # what the full read keeps "in case"
    assert NOISE_INSTANCE not in {e.instance for e in sel.events}
    # its host's last sign of life is the noise line at the end of the file, in both modes
    assert sel.last_seen == full.last_seen
    assert max(sel.last_seen.values()).second == 59


def test_formats_the_filter_cannot_cut_are_read_in_full(loaded: dict[str, tuple[Analysis, Analysis]]) -> None:
    _, sel = loaded["devstack-2024.1"]
    export = [s for s in sel.stats if s.fmt.startswith("journal-export")]
    assert export
    assert all(s.full_read and s.skipped_lines == 0 for s in export)
    _, pasted = loaded["queens-files/layout-prefixed"]
    assert all(s.full_read for s in pasted.stats if "+" in s.fmt)


def test_the_vocabulary_comes_from_the_data(catalog: Catalog) -> None:
    markers = load_markers()
    vocab = build(markers, catalog)
    assert {m.text for m in markers.markers if m.text} <= vocab.exact
    assert {"igration", "/action", "WARNING", "ERROR", "CRITICAL"} <= vocab.exact
    assert not vocab.uncovered
    assert all(t == t.lower() for t in vocab.caseless)
    assert regex_cover(r"(Unsupported VIF type|Unexpected vif_type=) ?(unbound|binding_failed)") == (
        "unsupported vif type", "unexpected vif_type=")
    assert regex_cover(r"a|b") is None


def _scan_all(engine: str, lines: list[bytes], terms: Terms) -> list[int]:
    ends: list[int] = []
    total = 0
    for ln in lines:
        total += len(ln)
        ends.append(total)
    return _scan.matcher_for(terms, engine).lines(b"".join(lines), ends)


def test_the_search_engines_find_the_same_lines(catalog: Catalog) -> None:
    pytest.importorskip("hyperscan")
    vocab = build(load_markers(), catalog)
    terms = vocab.terms()
    lines = [ln for p in sorted(SAMPLE_LOGS.rglob("*.log")) for ln in p.read_bytes().splitlines(keepends=True)]
    lines.append(b"NO SPACE LEFT ON DEVICE in capitals\n")  # a signature phrase in another case
    python, fast = _scan_all("python", lines, terms), _scan_all("hyperscan", lines, terms)
    assert python == fast
    assert len(lines) - 1 in python
    assert 0 < len(python) < len(lines)


def test_progress_covers_both_passes(catalog: Catalog) -> None:
    seen: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_load, "load_catalog", lambda extra=(): catalog)
        load([SAMPLE_LOGS / "kilo-files"], LoadOptions(progress=lambda d, t: seen.append((d, t)), diagnose=False))
    totals = {t for _, t in seen}
    assert len(totals) == 1 and seen[-1][0] == seen[-1][1] == totals.pop() > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # never back to 0 between the passes


def test_stdin_and_pipes_are_read_once_in_full() -> None:
    assert _load._rereadable([str(SAMPLE_LOGS / "kilo-files"), str(SAMPLE_LOGS / "yoga-info" / "truth.json")])
    assert not _load._rereadable(["-"])
    assert not _load._rereadable(["/dev/null"])  # a device: what it gives once may not come again


def test_a_selective_read_counts_duplicates_among_the_records_it_read(tmp_path: Path) -> None:
    """The copy count of a term-filtered read is of its records, and says so (never the whole inputs')."""
    line = ("2024-05-02 10:00:00.000 11 INFO nova.compute.manager [req-aaaaaaaa-1111-2222-3333-444444444444 u p - - -]"
            " [instance: 11111111-2222-3333-4444-555555555555] Migrating instance to dest-1 finished successfully.\n")
    other = "2024-05-02 10:00:01.000 11 DEBUG oslo_service.periodic_task [-] Running periodic task Foo\n"
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "nova-compute.log").write_text(line + other * 3)
    full = load([str(tmp_path)], LoadOptions(select=False, tz="UTC", diagnose=False))
    selective = load([str(tmp_path)], LoadOptions(tz="UTC", diagnose=False))
    assert any(w.startswith("4 records appear in two inputs") for w in full.warnings), full.warnings
    copies = [w for w in selective.warnings if "appear in two inputs" in w]
    assert copies and all("of the records read" in w for w in copies), selective.warnings
