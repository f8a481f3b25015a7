"""`list`'s release-clue pass searches the clues as one first-shown evidence set (each clue once per file).

The selective read (`list`) notes the release clues of every record in a raw pass of its own
(`_load._note_clues`).  That pass used to parse every record holding a clue's cover (`clue_terms`);
it now searches the clues as `timeline`'s first pass does, as an evidence set with no main texts
(`_clues.first_clue_terms`), so a file parses only the records first showing a clue.  The clue ids
per host and source must be exactly those of the old pass and of a read of every record; an input
the set cannot cut (not plain oslo text) is read again in full for them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from migtrace.diagnose import ClueHits
from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline import _clues, _load
from migtrace.sources import Warnings
from migtrace.sources._window import WindowedTerms

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
SETS = sorted(p.name for p in ROOT.iterdir() if p.is_dir())
OPTIONS = LoadOptions(jobs=1)


def _counted(hits: ClueHits, parsed: list[int]) -> Callable[[Event], bool]:
    note = _clues.noting(hits)

    def keep(e: Event) -> bool:
        parsed[0] += 1
        return note(e)
    return keep


def _reference(paths: list[str], terms: frozenset[str]) -> tuple[ClueHits, int]:
    hits, parsed = ClueHits(), [0]
    _load._read(paths, OPTIONS, Warnings(None), _counted(hits, parsed), terms)
    return hits, parsed[0]


def test_an_evidence_set_alone_still_cuts() -> None:
    """No main texts: the terms are not empty (an empty set would mean 'read every record')."""
    terms = WindowedTerms(frozenset(), evidence=[_clues.first_clue_terms()])
    assert not len(terms) and terms
    assert not WindowedTerms(frozenset())


@pytest.mark.parametrize("name", SETS)
def test_the_clue_pass_notes_what_every_record_shows(name: str) -> None:
    """Per host and source, the clue ids of the old pass (every cover's record) and of a read of every record."""
    paths = [str(ROOT / name)]
    every, _ = _reference(paths, frozenset())
    old, _ = _reference(paths, _clues.clue_terms())
    noted = ClueHits()
    _load._note_clues(paths, OPTIONS, noted)
    assert noted.seen == old.seen == every.seen


def test_the_clue_pass_parses_fewer_records() -> None:
    """A clue shown again in a file is not parsed again: on every sample set together, fewer records."""
    paths = [str(ROOT / name) for name in SETS]
    _, old_parsed = _reference(paths, _clues.clue_terms())
    parsed = [0]
    _load._read(paths, OPTIONS, Warnings(None), _counted(ClueHits(), parsed),
                WindowedTerms(frozenset(), evidence=[_clues.first_clue_terms()]))
    assert parsed[0] < old_parsed


def test_an_input_not_plain_is_read_in_full_for_the_clues(tmp_path: Path) -> None:
    """A log hard-wrapped at 80 columns is left uncut by the clue set: its clues come from every record."""
    dst = tmp_path / "queens-files"
    shutil.copytree(ROOT / "queens-files", dst)
    fenced = sorted(p for p in dst.rglob("*.log") if "compute" in str(p))[0]
    fenced.write_bytes(b"".join(line[i:i + 80] + b"\n" for line in fenced.read_bytes().splitlines()
                                for i in range(0, max(len(line), 1), 80)))
    every, _ = _reference([str(dst)], frozenset())
    stats = _load._read([str(dst)], OPTIONS, Warnings(None), _clues.noting(ClueHits()),
                        WindowedTerms(frozenset(), evidence=[_clues.first_clue_terms()])).stats
    cut = {st.path: st for st in stats}[str(fenced)]
    assert cut.term_hits and 1 not in cut.term_hits  # not searched for the clues there: read apart
    noted = ClueHits()
    _load._note_clues([str(dst)], OPTIONS, noted)
    assert noted.seen == every.seen and noted.seen
