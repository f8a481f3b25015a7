"""The release clues as an evidence set of a term scan: the windows find the lines the line scan finds.

`timeline`'s first pass searches the id and, beside it, the release clues'
covers (`pipeline._clues.clue_terms`: caseless message texts, and header texts
passed by a per-file line test).  One search per window finds every group
(`_scan._Groups`), a file's header clues already shown leave the search
(`_FirstShown.still`), and the hit lines' numbers come from that search.
Whatever the window size and engine, the windowed scan must give the lines,
the accounting and the per-set hit lines (`FileStats.term_hits`) of the
line scan; an input a plain-only read would read in full (`WindowedTerms.uncut`)
has no hit list for the clue set.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from migtrace.options import LoadOptions
from migtrace.pipeline import _clues, read_events
from migtrace.sources import _scan
from migtrace.sources._window import WindowedTerms
from tests.sources.test_scan_windows import ENGINES, HEADER, ID, _both, _file, _peek

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"
#: real header-clue and message-clue lines (nova's wording), to sprinkle into the fuzzed files
_CLUE_LINES = (
    b"2024-05-02 10:11:12.000 7 DEBUG oslo_concurrency.lockutils [req-%08x - - - - -] Lock \"compute_resources\" "
    b"acquired by \"nova.compute.resource_tracker.ResourceTracker._update_available_resource\" :: waited 0.000s",
    b"2024-05-02 10:11:12.000 7 INFO nova.compute.manager [req-%08x - - - - -] [instance: "
    b"11111111-2222-3333-4444-555555555555] VM Resumed (Lifecycle Event)",
    b"2024-05-02 10:11:12.000 7 DEBUG oslo.messaging._drivers.amqpdriver [req-%08x - - - - -] received reply",
    b"2024-05-02 10:11:12.000 7 INFO nova.compute.manager [req-%08x req-11111111-2222-3333-4444-555555555555 "
    b"u p - - -] Took 2.5 seconds for pre_live_migration on destination host",
    b"2024-05-02 10:11:12.000 7 TRACE nova.compute.manager [req-%08x - - - - -] Traceback",
)


def _clue_file(seed: int) -> bytes:
    """A fuzzed log (`test_scan_windows._file`) with clue lines spread over it, most header clues many times."""
    rng = random.Random(seed)
    lines = _file(seed).split(b"\n")
    for _ in range(max(3, len(lines) // 20)):
        at = rng.randrange(len(lines) + 1)
        lines.insert(at, rng.choice(_CLUE_LINES) % rng.randrange(1 << 32))
    return b"\n".join(lines)


def _terms(uncut: bool = False, clock: bool = False, first: bool = False) -> WindowedTerms:
    clue = _clues.first_clue_terms() if first else _clues.clue_terms()
    sets = [frozenset({"continuation"}), clue] if clock else [clue]
    terms = WindowedTerms(frozenset({ID}), tail=clock, evidence=sets)
    return terms.uncut() if uncut else terms


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(6))
def test_clue_set_windows_match_the_line_scan(seed: int, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, engine)
    data = _clue_file(seed)
    for terms in (_terms(), _terms(clock=True), _terms(uncut=True), _terms(first=True),
                  _terms(clock=True, first=True), _terms(uncut=True, first=True)):
        for size in (700, 4096, 1 << 20):
            reference, windowed = _both(lambda: _peek(data), terms, size)
            assert windowed == reference, (seed, size)
            hits = windowed[-1]
            clue = len(terms.evidence)
            assert (clue in hits) is not bool(terms.unsearched)  # an uncut input: no hit list for the clues


def test_a_header_clue_is_found_once_per_file_and_message_clues_always() -> None:
    """The line test passes a file's first line per header clue; message clues' lines all count."""
    head = HEADER % (0, 0, b"INFO", b"req-00000001", b"start", b"\n")
    lock = _CLUE_LINES[0] + b"\n"
    event = _CLUE_LINES[1] + b"\n"
    data = head + (lock % 1) * 3 + event % 2 + (lock % 3) * 500 + event % 4 + lock % 5
    for size in (256, 1 << 20):
        reference, windowed = _both(lambda: _peek(data), _terms(), size)
        assert windowed == reference
        assert windowed[-1][1] == [2, 5, 506]  # the first lock line, then both lifecycle events
        assert windowed[-1][0] == []  # the id is nowhere
        # every clue once per file: the lifecycle event's second line is a clue shown already
        reference, windowed = _both(lambda: _peek(data), _terms(first=True), size)
        assert windowed == reference
        assert windowed[-1][1] == [2, 5]


@pytest.mark.parametrize("set_name", sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
def test_every_sample_file_with_the_clue_set(set_name: str) -> None:
    files = sorted(p for p in (SAMPLES / set_name).rglob("*") if p.is_file() and p.suffix != ".json")
    assert files
    terms = WindowedTerms(frozenset({"igration"}), tail=True, evidence=[_clues.clue_terms()])
    for path in files:
        data = path.read_bytes()
        reference, windowed = _both(lambda data=data: _peek(data), terms, 4096)
        assert windowed == reference, path


@pytest.mark.parametrize("set_name", ["queens-files", "zed-mixed", "kilo-files"])
def test_the_quick_line_read_is_the_parsers(set_name: str) -> None:
    """A line the clue test reads the quick way gives the traits and the message the parser gives its record."""
    checked = 0
    for path in sorted((SAMPLES / set_name).rglob("*.log")):
        events = {e.lineno: e for e in read_events([str(path)], LoadOptions(jobs=1))}
        for lineno, raw in enumerate(path.read_bytes().splitlines(keepends=True), 1):
            quick = _clues._header_record(raw, message=True)
            if quick is None or lineno not in events:
                continue
            e = events[lineno]
            assert (quick.message, quick.level, quick.logger, quick.request_id, quick.global_request_id) == (
                e.message, e.level, e.logger, e.request_id, e.global_request_id), (path, lineno)
            checked += 1
    assert checked > 100


def test_a_weakened_clue_regex_holds_wherever_the_clue_does() -> None:
    """The line test rules a line out by a message clue's regex without its anchors, searched in the whole
    line: on every clue's sample line (migtrace/data/releases.yaml) the whole test passes it once, and the
    weakened regex finds it; an unanchored boundary or lookaround is never weakened."""
    import yaml

    doc = yaml.safe_load((ROOT / "migtrace" / "data" / "releases.yaml").read_text(encoding="utf-8"))
    samples = {c["id"]: c["sample"] for c in doc["clues"]}
    weak = _clues._weak()
    assert weak  # the lifecycle, progress and scheduler wordings
    for clue in _clues.clues():
        line = samples[clue.id].encode() + b"\n"
        if clue in weak:
            assert weak[clue].search(samples[clue.id]), clue.id
        if clue.level != "TRACE" and _clues._header_record(line, message=True) is not None:
            test = _clues._FirstShown((clue,))
            assert test(1, line) and not test(2, line), clue.id  # shown once, then no more
    assert _clues._weakened(_clues.Clue("x", None, None, message=re.compile(r"^a\bb"))) is None
    assert _clues._weakened(_clues.Clue("x", None, None, message=re.compile(r"a(?=b)"))) is None
    assert _clues._weakened(_clues.Clue("x", None, None, message=re.compile(r"^ab$"))).pattern == "ab"
