"""`timeline`'s first pass also notes the release clues: the clues a raw pass of their own noted.

The release clues of every record (`pipeline._clues`) used to cost a targeted read one more raw pass
over every input.  They are now an evidence set of the first (id) pass: its records found only by a
clue's cover are noted, never related to the id; an input the clue covers cannot cut (not plain oslo
text) is read again in full for them.  Per host and source, the clue ids must be exactly those of the
separate pass, and the ids the first pass relates those of a pass without the clue covers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migtrace.correlate.markers import load_markers
from migtrace.diagnose import ClueHits
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._keep import Keeper
from migtrace.sources import Warnings
from migtrace.sources._window import evidence_split
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
SETS = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


def _both(paths: list[str], ident: str, options: LoadOptions) -> tuple[ClueHits, ClueHits]:
    folded = ClueHits()
    _load._targeted(paths, options, Warnings(None), ident, Keeper(load_markers()), folded)
    separate = ClueHits()
    _load._note_clues(paths, options, separate)
    return folded, separate


@pytest.mark.parametrize("name", SETS)
def test_first_pass_notes_the_clues_of_the_separate_pass(name: str) -> None:
    paths = [str(ROOT / name)]
    m = cached_load(paths[0]).migrations[0]
    ident = m.request_ids[0] if m.request_ids else str(m.instance)
    folded, separate = _both(paths, ident, LoadOptions(jobs=1))
    assert folded.seen == separate.seen and folded.seen, ident


def test_an_input_not_plain_is_read_in_full_for_the_clues(tmp_path: Path) -> None:
    """A log hard-wrapped at 80 columns (a paste) is cut by the id, but its clues come from every record of it."""
    src = ROOT / "queens-files"
    dst = tmp_path / "queens-files"
    shutil.copytree(src, dst)
    logs = sorted(p for p in dst.rglob("*.log") if "compute" in str(p))
    fenced = logs[0]
    fenced.write_bytes(b"".join(line[i:i + 80] + b"\n" for line in fenced.read_bytes().splitlines()
                                for i in range(0, max(len(line), 1), 80)))
    m = cached_load(str(src)).migrations[0]
    ident = m.request_ids[0]
    options = LoadOptions(jobs=1)
    terms = _load.WindowedTerms(frozenset({ident}), evidence=[_load._clues.clue_terms()])
    before = {st.path: st for st in _load._read([str(src)], options, Warnings(None), None, terms).stats}
    after = {st.path: st for st in _load._read([str(dst)], options, Warnings(None), None, terms).stats}
    assert 1 in before[str(src / fenced.relative_to(dst))].term_hits  # plain oslo: the clue covers cut it
    cut = after[str(fenced)]
    assert cut.term_hits and 1 not in cut.term_hits  # not plain now: not searched for them, read apart
    folded, separate = _both([str(dst)], ident, options)
    assert folded.seen == separate.seen
    assert any(key == str(fenced) or key == "compute1" for key in folded.seen)


@pytest.mark.parametrize("name", ["queens-files", "zed-mixed"])
def test_clue_records_are_not_related_to_the_id(name: str) -> None:
    """The first pass relates only the records holding the id: its clue-only records stay apart."""
    paths = [str(ROOT / name)]
    options = LoadOptions(jobs=1)
    m = cached_load(paths[0]).migrations[0]
    ident = m.request_ids[0]
    alone = _load._read(paths, options, Warnings(None), None, frozenset({ident, ident.removeprefix("req-")}))
    both = _load._read(paths, options, Warnings(None), None,
                       _load.WindowedTerms(frozenset({ident, ident.removeprefix("req-")}),
                                           evidence=[_load._clues.clue_terms()]))
    main, (clue,) = evidence_split(both.events, both.stats, 1)

    def key(e: object) -> tuple[object, ...]:
        return (e.source, e.lineno)  # type: ignore[attr-defined]
    assert [key(e) for e in main] == [key(e) for e in alone.events]
    assert clue and len(both.events) > len(main)


def test_the_clue_set_changes_no_record_the_read_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """devstack-2024.1 holds a journal export beside its text files: the merge keeps a text file's copy of a
    record, which the clue set may have found as a clue record only.  The records (and the warnings) of the
    read must be those of a read whose first pass searched the id alone."""
    paths = [str(ROOT / "devstack-2024.1")]
    options = LoadOptions(jobs=1)
    moves = cached_load(paths[0]).migrations
    idents = sorted({x for m in moves for x in (m.instance, *m.request_ids[:1]) if x})
    assert idents

    def run() -> list[tuple[list[tuple[object, ...]], list[str]]]:
        out = []
        for ident in idents:
            warned: list[str] = []
            read = _load._targeted(paths, options, Warnings(warned.append), ident, Keeper(load_markers()))
            out.append(([(e.source, e.lineno) for e in read.events], warned))
        return out
    folded = run()
    monkeypatch.setattr(_load._clues, "first_clue_terms", lambda: frozenset({"a text no log holds 7f3e"}))
    assert folded == run()
