"""The workers note each record's tests for pass 1's finder and pass 2's Keeper (`_keep.keep_notes`).

The main process then reads a record's marker matches, `starts_request`, `by_record`, the text
tests of `Unmoved.needed` and the shipped catalog's orphan test from the note instead of running
them (serial work taken off the client of a Dask cluster); a record without a note is tested there
by the same functions.  What is checked: on every record of every sample set a note gives the
decisions and tallies the tests give; a note is only trusted for the orphan test of the shipped
catalog; and a load on a forced local pool gives the `-j 1` analysis while its Keeper read notes.
"""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from migtrace import LoadOptions, read_events
from migtrace.correlate.markers import load_markers
from migtrace.diagnose.catalog import load_catalog
from migtrace.diagnose.orphans import orphan_test
from migtrace.model import Event
from migtrace.pipeline import _keep, load
from migtrace.pipeline._keep import FOUND, Keeper, Unmoved, keep_note, keep_notes
from migtrace.pipeline._moves import MoveFinder
from migtrace.sources import _parallel
from tests.conftest import SAMPLE_LOGS, every_file_to_the_pool

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def records() -> list[Event]:
    """Every record of every sample set (a few thousand), parsed in this process."""
    return [e for name in SETS for e in read_events(SAMPLE_LOGS / name, jobs=1)]


def _unmoved(records: list[Event]) -> Unmoved:
    # some ids moved, some not: every branch of `needed` is taken on the sample records
    ids = {e.instance for e in records[::7] if e.instance} | {e.request_id for e in records[::11] if e.request_id}
    return Unmoved(ids, set(), orphan_test(load_catalog(())), shipped=True)


def test_a_note_gives_the_decisions_the_tests_give(records: list[Event]) -> None:
    notes = pickle.loads(pickle.dumps(keep_notes(records, find=True)))  # as they travel
    assert set(notes) == set(range(len(records)))
    assert Counter(type(n) for n in notes.values())[int] > 100  # most travel as their bits alone
    here, noted = Keeper(load_markers(), _unmoved(records)), Keeper(load_markers(), _unmoved(records))
    finder = MoveFinder(load_markers())
    decided: Counter[tuple[bool, bool]] = Counter()
    for i, e in enumerate(records):
        note = keep_note(notes[i])
        assert note is not None
        matched = finder.markers.match(e)
        assert (load_markers().from_note(note[1]) if note[1] is not None else []) == matched
        a = here._kept(e)
        assert noted._kept(e, note) == a
        if a:
            b = here.unmoved.needed(e)  # type: ignore[union-attr]
            assert noted.unmoved.needed(e, note) == b  # type: ignore[union-attr]
            decided[(a, b)] += 1
    assert here.requests == noted.requests and here.last_seen == noted.last_seen
    h, n = here.unmoved, noted.unmoved
    assert h is not None and n is not None
    assert (h.latest, h.reference_counts, h.instances, h.requests, h.dropped) == (
        n.latest, n.reference_counts, n.instances, n.requests, n.dropped)
    assert decided[(True, True)] > 100 and decided[(True, False)] > 10  # both outcomes seen


def test_the_orphan_test_is_read_from_a_note_only_for_the_shipped_catalog(records: list[Event]) -> None:
    notes = {i: keep_note(n) for i, n in keep_notes(records, find=True).items()}
    found = [i for i, n in notes.items() if n is not None and n[2] & FOUND]
    assert found, "the sample sets hold records a finding could count"
    e, note = records[found[0]], notes[found[0]]
    never = Unmoved(set(), set(), lambda _e: False, shipped=False)  # a user's catalog: tested here
    assert never.needed(e, note) == never.needed(e)
    unnoted = keep_note(keep_notes([e], find=False)[0])
    assert unnoted is not None and not unnoted[2] & FOUND
    shipped = Unmoved(set(), set(), orphan_test(load_catalog(())), shipped=True)
    assert shipped.needed(e, unnoted) == shipped.needed(e) is True


@pytest.mark.parametrize("name", ["queens-files", "devstack-2024.1"])
def test_a_pool_load_reads_the_notes_and_gives_the_serial_analysis(name: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    serial = load([SAMPLE_LOGS / name], LoadOptions(jobs=1))
    used: Counter[bool] = Counter()
    real = _keep.keep_note

    def spy(note: object) -> object:
        got = real(note)
        used[got is not None] += 1
        return got
    monkeypatch.setattr(_keep, "keep_note", spy)
    with every_file_to_the_pool():
        pooled = load([SAMPLE_LOGS / name], LoadOptions(jobs=2))
    assert pooled == serial
    assert used[True] > 0  # the Keeper read the workers' notes
    assert _parallel.current_notes() is None  # no block outlives the load
