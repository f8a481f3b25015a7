"""A worker is sent its own file's windows only: the read gives the same records, the task is a fraction the size.

Pass 2 of a selective read carries line and stamp windows per file (`WindowedTerms.ranges`,
`.stamps`) for every input; each read looks up its own file's alone.  Sent whole with every
input, they were ~4 MB a task on a 100-host set, pickled by the main process (or the Dask
client, and carried by the scheduler) and unpickled by a worker once per input: more CPU than
a third of the workers' reading.  `WindowedTerms.for_file` keeps one file's; these tests show
it answers every question a read asks as the whole terms do, and that the pool's workers get it.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from migtrace.sources._window import WindowedTerms
from tests.conftest import SAMPLE_LOGS, pool_script_output

VM = "d201e75d-65f8-4b00-a2f1-d89bf444d2d1"
OTHER = "0badc0de-0000-4000-8000-00000000beef"


def _terms(files: int) -> WindowedTerms:
    ranges = {f"f{k}": {VM: [(10 * k, 10 * k + 5), (100, 120)], OTHER: [(k, k + 1)]} for k in range(files)}
    stamps = {f"f{k}": {VM: [(f"2024-03-01 12:0{k % 10}:00", f"2024-03-01 12:0{k % 10}:30")]}
              for k in range(0, files, 2)}
    return WindowedTerms({"x", "igration"}, frozenset({"Caseless"}), tail=True, plain_only=True,
                         windowed=frozenset({VM, OTHER}), ranges=ranges, stamps=stamps,
                         hostless=frozenset({"Final resource view: name="}),
                         evidence=[frozenset({"clue"}), frozenset({"clock"})])


def _line(t: str, instance: str = VM) -> bytes:
    return f"{t}.123 77 DEBUG nova.compute.manager [-] [instance: {instance}] idle\n".encode()


def _questions(terms: WindowedTerms, path: str) -> list[Any]:
    """What a read of `path` asks of its terms (`_scan`, `_reader`, the index's key), answered."""
    test = terms.line_test(path)
    window = terms.window_test(path)
    samples = [(n, _line(f"2024-03-01 12:0{m}:{s:02d}", ident)) for n in (0, 3, 11, 15, 50, 110, 121)
               for m in (0, 1, 2) for s in (0, 15, 31) for ident in (VM, OTHER)]
    return [sorted(terms), terms.caseless, terms.tail, terms.plain_only, terms.windowed, terms.main, terms.evidence,
            terms.hostless, terms.unsearched, terms.plain_sets, bool(terms), terms.cache_parts(path),
            sorted(terms.searched(None)), sorted(terms.searched("h")), sorted(terms.main_searched(None)),
            [test(n, raw) for n, raw in samples], None if window is None else (window.lines, window.stamps, window.ids),
            terms.uncut().unsearched]


@pytest.mark.parametrize("path", ["f0", "f1", "f7", "f39", "not-windowed"])
def test_one_files_terms_answer_as_the_whole(path: str) -> None:
    whole = _terms(40)
    own = whole.for_file(path)
    assert _questions(own, path) == _questions(whole, path)
    assert set(own.ranges) <= {path} and set(own.stamps) <= {path}
    assert len(whole.ranges) == 40  # the whole terms are left as they were
    assert len(pickle.dumps(own)) * 10 < len(pickle.dumps(whole))
    back = pickle.loads(pickle.dumps(own))  # as a worker unpickles it
    assert _questions(back, path) == _questions(whole, path)


@pytest.mark.parametrize("path", ["f0", "f1", "f7", "f39", "not-windowed"])
def test_the_shared_part_and_one_files_packed_windows_answer_as_the_whole(path: str) -> None:
    """What a Dask task gets: the read's shared terms (sent once per worker) and its own windows as bytes."""
    whole = _terms(40)
    shared = pickle.loads(pickle.dumps(whole.shared()))  # as the worker holds it, once
    packed = whole.windows_of(path)
    assert (packed is None) == (path not in whole.ranges and path not in whole.stamps)
    own = shared.with_windows(path, packed)
    assert _questions(own, path) == _questions(whole, path) == _questions(whole.for_file(path), path)
    assert shared.ranges == {} and shared.stamps == {} and len(whole.ranges) == 40
    assert sorted(shared.with_windows(path, packed).ranges) == sorted(own.ranges)  # the shared part is untouched


def test_a_stamp_table_the_files_share_is_sent_once() -> None:
    """Files of one clock offset share one table of stamp windows (`pipeline._window`): the shared part carries it
    once and each file's packed windows name it, so a task's bytes do not grow with the moved instances' stamps."""
    table = {ident: [(f"2024-03-01 12:{m:02d}:00", f"2024-03-01 12:{m:02d}:30")] for m, ident in
             enumerate([VM, OTHER, *(f"{k:08x}-0000-4000-8000-000000000000" for k in range(200))])}
    other = {VM: [("2024-03-01 13:00:00", "2024-03-01 13:00:30")]}
    ranges = {f"f{k}": {VM: [(10 * k, 10 * k + 5)]} for k in range(40)}
    whole = WindowedTerms({"x"}, tail=True, plain_only=True, windowed=frozenset({VM, OTHER}), ranges=ranges,
                          stamps={f"f{k}": other if k == 7 else table for k in range(40)})
    assert len({id(t) for t in whole.stamps.values()}) == 2  # converted once per table, still shared
    shared = pickle.loads(pickle.dumps(whole.shared()))
    assert len(shared.tables) == 2
    for path in ("f0", "f7", "f39"):
        packed = whole.windows_of(path)
        assert packed is not None
        if path != "f7":  # the big table is not in the file's bytes
            assert len(packed) * 10 < len(pickle.dumps(whole.stamps[path]))
        own = shared.with_windows(path, packed)
        assert _questions(own, path) == _questions(whole, path)
        assert own.stamps == {path: whole.stamps[path]} and own.tables == {}


def test_terms_without_windows_are_their_own_shared_part() -> None:
    plain = WindowedTerms({"x"}, windowed=frozenset({VM}))
    assert plain.shared() is plain and plain.windows_of("f") is None and plain.with_windows("f", None) is plain


def test_terms_of_one_file_are_sent_as_they_are() -> None:
    one = WindowedTerms({"x"}, windowed=frozenset({VM}), ranges={"f": {VM: [(1, 5)]}})
    assert one.for_file("f") is one
    plain = WindowedTerms({"x"})
    assert plain.for_file("f") is plain


#: a load of one set with every file sent to a 2-worker pool, each worker noting the files whose windows it
#: was sent, and whether it equals the serial load (in a process of its own: `pool_script_output`)
_POOL_LOAD = r"""
import sys
from migtrace import load
from migtrace.sources import _parallel

seen, real = sys.argv[1], _parallel.read_input


def checked(item, options, terms, *args):
    with open(seen, "a", encoding="utf-8") as out:
        for table in (getattr(terms, "ranges", {}), getattr(terms, "stamps", {})):
            out.write(f"{item.display}\t{' '.join(sorted(table))}\n")
    return real(item, options, terms, *args)


if __name__ == "__main__":
    _parallel.read_input = checked
    _parallel.MIN_WORKER_BYTES = _parallel.MIN_POOL_BYTES = 0
    two = load(sys.argv[2], jobs=2, diagnose=False)
    _parallel.read_input = real
    print(load(sys.argv[2], jobs=1, diagnose=False) == two)
"""


@pytest.mark.parametrize("name", ["queens-files", "devstack-2024.1"])
def test_pool_workers_get_their_own_files_windows(tmp_path: Path, name: str) -> None:
    seen = tmp_path / "seen.tsv"
    seen.touch()
    same_as_serial = pool_script_output(_POOL_LOAD, str(seen), str(SAMPLE_LOGS / name))
    rows = [line.split("\t") for line in seen.read_text(encoding="utf-8").splitlines()]
    windowed = [(display, files.split()) for display, files in rows if files]
    assert windowed, "no windowed read reached the workers: the test shows nothing"
    assert all(files == [display] for display, files in windowed)
    assert same_as_serial.strip() == "True"  # the same load as the serial one
