"""A warm `timeline` of another id reads the inputs for its own texts alone and gives the cold result.

The index keeps each input's standing part of a targeted read (the release
clues' and the clock texts' records, the same for every id: `sources/_standing.py`);
a query of another id over the unchanged files reads them with the id's
texts only and merges that part in.  Checked here:

- per input, on the sample sets, for the reads a timeline makes (pass 1's
  id + clues, the related pass's ids + clock texts, the one read's both):
  the standing part split from the read of every term is the standing read's
  own result, and the merge of the standing and the query reads is the read
  of every term (events, accounting, hit lines) whenever either says it is;
- whole timelines: `--no-cache`, cold and warm (another id first), `-j 1`
  and `-j 2` give the same Analysis and the same printed timeline, and the
  warm read did merge;
- a file appended to, rotated, or changed in place after the standing part
  was stored: the result is still the uncached one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migtrace import load
from migtrace.cli import cli
from migtrace.options import LoadOptions
from migtrace.pipeline import _clues
from migtrace.pipeline._load import _related_terms
from migtrace.sources import Warnings, _index, _standing, open_inputs
from migtrace.sources._parallel import InputResult, _unpack, portable, read_input
from migtrace.sources._window import WindowedTerms
from tests.conftest import SAMPLE_LOGS, cached_load, every_file_to_the_pool

#: sets whose control plane and computes are plain oslo files (the one read and the standing parts apply)
SETS = ("queens-files", "zed-mixed", "kilo-files")


def _ids(name: str, moves: int = 2) -> list[str]:
    """The first moves' first request id and instance of a sample set."""
    out: list[str] = []
    for m in cached_load(SAMPLE_LOGS / name).migrations[:moves]:
        out += [x for x in (m.request_ids[0] if m.request_ids else None, m.instance) if x and x not in out]
    return out


def _first_terms(ident: str) -> WindowedTerms:
    texts = {ident, ident.removeprefix("req-")}
    return _standing.mark(WindowedTerms(frozenset(texts), evidence=[_clues.first_clue_terms()]), [1])


def _both_terms(ident: str) -> WindowedTerms:
    """The one read's terms of a later input (`_one_read._read_later`): related pass + pass 1's sets."""
    base, first = _related_terms({ident}), _first_terms(ident)
    both = WindowedTerms(base.main, tail=True, hostless=base.hostless,
                         evidence=[*base.evidence, *first.evidence, frozenset(first.main)])
    return _standing.mark(both, [1, 2])


def _flat(result: InputResult) -> tuple[Any, ...]:
    return ([e for p in result.packs for e in _unpack(p)], result.stats, result.warnings, result.error)


def _inputs() -> Iterator[tuple[str, str, Any]]:
    for name in SETS:
        for r in open_inputs([str(SAMPLE_LOGS / name)], LoadOptions(), Warnings()):
            yield name, r.item.display, r.item


@pytest.mark.parametrize("name", SETS)
def test_split_and_merge_give_the_read_of_every_term(name: str) -> None:
    spec = portable(LoadOptions())
    split = merged = 0
    for set_name, _display, item in _inputs():
        if set_name != name:
            continue
        for ident in _ids(name):
            for terms in (_first_terms(ident), _related_terms({ident}), _both_terms(ident)):
                lay = _standing.layout(terms)
                assert lay is not None
                whole = read_input(item, spec, terms)
                parts = [read_input(item, spec, one) for one in lay.standing]
                query = read_input(item, spec, lay.query)
                cut = _standing.split(whole, lay)
                if cut is not None:
                    split += 1
                    assert [_flat(c) for c in cut] == [_flat(p) for p in parts], (item.display, ident)
                    again = _standing.merge(cut, query, lay)
                    assert again is not None and _flat(again) == _flat(whole), (item.display, ident)
                both = _standing.merge(parts, query, lay)
                if both is not None:
                    merged += 1
                    assert _flat(both) == _flat(whole), (item.display, ident)
    assert split and merged  # the plain oslo inputs are told apart


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(_index.DIR_VARIABLE, str(where))
    return where


def _merged(path: Path, ident: str, **kw: Any) -> tuple[Any, int]:
    before = _index.TOTALS["merged"]
    analysis = load(path, focus=ident, cache=True, **kw)
    return analysis, _index.TOTALS["merged"] - before


@pytest.mark.parametrize("name", SETS)
def test_warm_timeline_of_another_id_equals_the_uncached_one(cache: Path, name: str) -> None:
    path = SAMPLE_LOGS / name
    ids = _ids(name)
    plain = {ident: load(path, focus=ident, jobs=1) for ident in ids}
    _each_id_cold_then_warm(path, ids, plain, jobs=1)
    with every_file_to_the_pool():
        _each_id_cold_then_warm(path, ids, plain, jobs=2)


def _each_id_cold_then_warm(path: Path, ids: list[str], plain: dict[str, Any], jobs: int) -> None:
    _index.clear()
    merged_any = 0
    for k, ident in enumerate(ids):
        analysis, merged = _merged(path, ident, jobs=jobs)
        assert analysis == plain[ident], (jobs, ident)
        if k == 0:
            assert merged == 0  # cold: every input read with all its terms
        merged_any += merged
        again, _ = _merged(path, ident, jobs=jobs)  # the same id again: from the index
        assert again == plain[ident], (jobs, ident)
    assert merged_any  # a later id merged the stored standing parts


def test_cli_timeline_is_byte_identical_warm_cold_and_without_cache(cache: Path) -> None:
    path = str(SAMPLE_LOGS / "queens-files")
    first, other = _ids("queens-files")[:2]

    def out(*args: str) -> bytes:
        result = CliRunner().invoke(cli, ["timeline", *args, path, "--color", "never", "--full"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout_bytes

    plain = out(other, "--no-cache")
    assert not (cache / _index.DB_NAME).exists()
    out(first)
    before = _index.TOTALS["merged"]
    assert out(other) == plain
    assert _index.TOTALS["merged"] > before
    assert out(other, "-j", "2") == plain


def _compute_log(root: Path) -> Path:
    return next(p for p in sorted(root.rglob("nova-compute.log")) if p.stat().st_size)


@pytest.mark.parametrize("change", ["appended", "rotated", "changed", "off"])
def test_a_changed_file_is_read_again(cache: Path, tmp_path: Path, change: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "logs"
    shutil.copytree(SAMPLE_LOGS / "queens-files", root)
    first, other = _ids("queens-files")[:2]
    load(root, focus=first, cache=True, jobs=1)  # stores every input's standing part
    log = _compute_log(root)
    text = log.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if change == "appended":  # an active log: its last records again, a second later is not needed to merge
        with log.open("a", encoding="utf-8") as f:
            f.write("".join(lines[-3:]))
    elif change == "rotated":  # a new file under the old name
        log.rename(log.with_name("nova-compute.log.9"))
        log.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    elif change == "changed":  # rewritten in place: same size, same mtime
        st = log.stat()
        at = text.index("INFO", len(text) // 2)
        log.write_text(text[:at] + "WARN" + text[at + 4:], encoding="utf-8")
        os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        monkeypatch.setenv(_index.STANDING_VARIABLE, "0")
    analysis, merged = _merged(root, other, jobs=1)
    assert analysis == load(root, focus=other, jobs=1)
    if change == "off":
        assert merged == 0
    else:
        assert merged  # the files left alone still merged their stored parts
