"""`timeline`'s related pass also finds the clock evidence: the same lines a separate raw pass found.

Before, a targeted read ran a third raw pass over every input for the causal-pair texts of other
requests (`skew.evidence_texts`).  They are now an evidence set of the related pass
(`WindowedTerms.evidence`); their records are told apart by the hit lines the scan notes
(`FileStats.term_hits`) and never reach the keeper.  The evidence must be exactly what the separate
pass gave, and the kept events those of a read without the evidence texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace.correlate.markers import load_markers
from migtrace.correlate.skew import evidence_texts
from migtrace.model import Terms
from migtrace.options import LoadOptions
from migtrace.pipeline import _load
from migtrace.pipeline._keep import Keeper
from migtrace.sources import Warnings
from tests.conftest import cached_load

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
SETS = ("queens-files", "zed-mixed")


def _key(e: object) -> tuple[object, ...]:
    """A record whatever input holds it (a journal export beside its text files holds each record twice)."""
    return (e.time, e.host, e.pid, e.message)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SETS)
def test_evidence_of_the_related_pass_is_the_separate_pass(name: str) -> None:
    paths = [str(ROOT / name)]
    options = LoadOptions(jobs=1)
    texts = frozenset(evidence_texts())

    def _pair(e: object) -> bool:
        return any(t in line for line in (e.message, *e.extra) for t in texts)  # type: ignore[attr-defined]
    paired = 0
    for m in cached_load(paths[0]).migrations[:2]:
        ident = m.request_ids[0] if m.request_ids else m.instance
        read = _load._targeted(paths, options, Warnings(None), ident, Keeper(load_markers()))
        # the old way: a raw pass of its own for the pair texts, minus the records the read kept
        # (a record the read kept from one input is no evidence from another: one read drops the copy; an
        # input the scan cannot cut, a journal export, gave the separate pass every record, pair text or not)
        seen = {_key(e) for e in read.events}
        alone = _load._read(paths, options, Warnings(), None, texts).events
        assert {_key(e) for e in read.evidence if _pair(e)} == {
            _key(e) for e in alone if _key(e) not in seen and e.request_id and _pair(e)}, ident
        assert len(read.evidence) == len({_key(e) for e in read.evidence})
        paired += sum(1 for e in read.evidence if _pair(e))
        # the keeper saw what it sees without the evidence texts searched
        related = {x for e in read.events for x in (e.request_id, e.instance) if x}
        plain = _load._read_tail(paths, options, Warnings(), Keeper(load_markers()),
                                 Terms(frozenset(related), tail=True))
        assert {_key(e) for e in read.events} <= {_key(e) for e in plain.events}, ident
    assert paired  # other requests' pair lines were found
