"""The index's key holds a selective read's per-file windows, not only its texts.

Pass 2 of a whole-set read searches a moved instance's id only inside
windows placed from every file's pass 1: an unchanged file gets other
windows when another file of the set grew, and must then be read again,
not answered from the index with the old windows' records.
"""

from __future__ import annotations

from migtrace.options import LoadOptions
from migtrace.sources import _index
from migtrace.sources._discover import InputFile
from migtrace.sources._window import WindowedTerms

UUID = "6f1c3f4e-2a53-4c8e-9a57-0c2b3c1d2e3f"
ITEM = InputFile(path="/logs/compute1/nova-compute.log", display="compute1/nova-compute.log")
IDENT = ("/logs/compute1/nova-compute.log", None, 1, 2, 100, 5, "head")


def _terms(**windows: object) -> WindowedTerms:
    return WindowedTerms(frozenset({"Live migration"}), tail=True, windowed=frozenset({UUID}), **windows)  # type: ignore[arg-type]


def _key(terms: WindowedTerms) -> str:
    return _index.entry_key(IDENT, ITEM, LoadOptions(), terms)


def test_other_windows_of_the_same_file_are_another_entry() -> None:
    narrow = _terms(ranges={ITEM.display: {UUID: [(10, 20)]}})
    wide = _terms(ranges={ITEM.display: {UUID: [(10, 900)]}})
    stamped = _terms(stamps={ITEM.display: {UUID: [("2026-12-02 10:00:00", "2026-12-02 10:10:00")]}})
    assert len({_key(narrow), _key(wide), _key(stamped), _key(_terms())}) == 4


def test_windows_of_other_files_do_not_change_this_files_key() -> None:
    mine = {ITEM.display: {UUID: [(10, 20)]}}
    other = {**mine, "compute2/nova-compute.log": {UUID: [(1, 5)]}}
    assert _key(_terms(ranges=mine)) == _key(_terms(ranges=other))


def test_windowed_and_hostless_texts_are_in_the_key() -> None:
    plain = _terms()
    hostless = WindowedTerms(frozenset({"Live migration"}), tail=True, windowed=frozenset({UUID}),
                             hostless=frozenset({"Compute_service record updated"}))
    unwindowed = WindowedTerms(frozenset({"Live migration"}), tail=True)
    assert len({_key(plain), _key(hostless), _key(unwindowed)}) == 3
