"""The windowed term scan yields exactly the lines and the line accounting of the line-by-line scan.

`_scan.targeted_windows` reads byte windows (`Peekable.windows`) and splits
lines only around hits; `_scan.targeted_raw_lines` (the reference) looks at
every line.  Both must give the same (lineno, text) pairs, the same
`FileStats` counts (lines read, skipped, the tail record's line), the same
cut-line count and the same read error, whatever the window size (small
windows put hits, headers and tracebacks across window boundaries), the
engine (hyperscan or `bytes.find`), the compression or the line ends.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migtrace.model import FileStats, Terms
from migtrace.options import LoadOptions
from migtrace.sources import Warnings, _scan, open_inputs, read_all
from migtrace.sources._open import MAX_LINE_BYTES, Peekable, decompressing, peek_magic
from migtrace.sources._window import WindowedTerms

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"
ID = "req-0f0f0f0f-2222-3333-4444-555555555555"
UUID = "11111111-2222-3333-4444-555555555555"
HEADER = (b"2024-05-02 10:%02d:%02d.000 7 %s nova.compute.manager [%s u p - - -] %s%s")
SIZES = (300, 700, 4096, 1 << 20)
ENGINES = ["python", pytest.param("hyperscan", marks=pytest.mark.skipif(
    _scan._hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed"))]


def _file(seed: int) -> bytes:
    """A log with hits in headers and tracebacks, long tracebacks, banners, NUL runs, CRLF ends."""
    rng = random.Random(seed)
    end = b"\r\n" if seed % 3 == 0 else b"\n"
    out: list[bytes] = []
    n = rng.randrange(1, 1500)
    for i in range(n):
        roll = rng.random()
        req = ID.encode() if rng.random() < 0.04 else b"req-%08x-2222-3333-4444-555555555555" % rng.randrange(1 << 32)
        if roll < 0.03:
            out.append(b"-- Logs begin at Thu 2024-05-02 --" + end)
        elif roll < 0.05:
            out.append(b"==> /var/log/nova/nova-compute.log <==" + end)
        elif roll < 0.07:  # a traceback longer than LOOKBACK, its last frame naming the id
            out.append(HEADER % (i % 60, i % 60, b"ERROR", req, b"Traceback", end))
            out.extend(b"  File \"x.py\", line %d, in f" % k + end for k in range(rng.choice((5, 399, 400, 401, 450))))
            out.append(b"Error: " + (UUID.encode() if rng.random() < 0.7 else b"other") + end)
        elif roll < 0.17:
            out.append(b"  continuation %d %s" % (i, UUID.encode() if rng.random() < 0.2 else b"x") + end)
        elif roll < 0.18:
            out.append(b"\x00" * rng.randrange(1, 300) + end)
        elif roll < 0.19:
            out.append(end)
        else:
            word = b"Instance " + UUID.encode() if rng.random() < 0.05 else b"nothing to see"
            if rng.random() < 0.02:
                word = b"a TIMED Out call"
            out.append(HEADER % (i % 60, i % 60, b"INFO", req, word, end))
    data = b"".join(out)
    if seed % 4 == 1:
        data = data.rstrip(b"\r\n")  # no newline at the end of the last line
    return data


TERMS: list[Callable[[], frozenset[str]]] = [
    lambda: Terms({ID}),
    lambda: Terms({ID, UUID}, tail=True),
    lambda: Terms({"absent"}, tail=True),
    lambda: Terms({"Traceback"}, frozenset({"timed out"})),
    # a selective read's pass 2: the uuid only in lines 1-300 and 900-1200 (its stamp windows elsewhere)
    lambda: WindowedTerms({ID}, tail=True, windowed=frozenset({UUID}),
                          ranges={"x": {UUID: [(1, 300), (900, 1200)]}}),
    lambda: WindowedTerms({ID}, windowed=frozenset({UUID}),
                          stamps={"x": {UUID: [("2024-05-02 10:10:00", "2024-05-02 10:20:59")]}}),
    # a timeline's related pass: evidence sets searched beside the ids, their hit lines noted apart
    lambda: WindowedTerms({ID}, tail=True, hostless=frozenset({"Traceback"}),
                          evidence=[frozenset({UUID}), frozenset({"continuation", "absent"})]),
]


def _peek(data: bytes, wrap: Callable[[bytes], Any] | None = None) -> Peekable:
    raw: Any = io.BufferedReader(io.BytesIO(data)) if wrap is None else wrap(data)
    return Peekable(decompressing(raw, peek_magic(raw)))


def _both(make: Callable[[], Peekable], terms: frozenset[str], size: int) -> tuple[Any, Any]:
    out = []
    for windowed in (False, True):
        peek = make()
        stats = FileStats(path="x")
        if windowed:
            got = list(_scan.targeted_windows(peek.windows(size), terms, stats))
        else:
            got = list(_scan.targeted_raw_lines(peek.lines(), terms, stats))
        out.append((got, stats.lines_read, stats.skipped_lines, stats.tail_line, peek.cut_lines,
                    type(peek.error), stats.term_hits))
    return out[0], out[1]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(12))
def test_windows_yield_the_lines_of_the_line_scan(seed: int, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, engine)
    data = _file(seed)
    for make_terms in TERMS:
        terms = make_terms()
        for size in (SIZES[seed % 3], SIZES[-1]):  # a small window (many boundaries) and the default
            reference, windowed = _both(lambda data=data: _peek(data), terms, size)
            assert windowed == reference, (seed, sorted(terms), size)


def test_the_fuzzed_files_hold_the_hard_cases() -> None:
    """The generator really makes hits far below their header, across windows, at the first/last line."""
    data = b"".join(_file(s) for s in range(12))
    assert data.count(b"  File") > 4000 and b"\r\n" in data and b"\x00\x00" in data
    first = _file(5).split(b"\n", 1)[0]
    reference, _ = _both(lambda: _peek(first + b"\n" + ID.encode() + b" last"), Terms({ID}), 96)
    assert reference[0][-1][1].endswith("last")


@pytest.mark.parametrize("name,wrap", [("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)])
def test_compressed_inputs(name: str, wrap: Callable[[bytes], bytes]) -> None:
    data = b"".join(_file(s) for s in (2, 7))
    packed = wrap(data)
    for size in (700, 1 << 20):
        reference, windowed = _both(lambda: _peek(packed), Terms({ID, UUID}, tail=True), size)
        assert windowed == reference and reference[0]


def test_truncated_gzip_keeps_what_was_read_before_the_error() -> None:
    data = b"".join(_file(s) for s in range(3, 6))
    packed = gzip.compress(data)
    for cut in (len(packed) // 3, len(packed) - 9):
        for size in (700, 1 << 20):
            reference, windowed = _both(lambda cut=cut: _peek(packed[:cut]), Terms({ID, UUID}, tail=True), size)
            assert windowed == reference
            assert reference[-2] is EOFError


def test_tar_member() -> None:
    data = _file(11)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("nova-compute.log")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    def member(_data: bytes) -> Any:
        tar = tarfile.open(fileobj=io.BytesIO(buf.getvalue()))  # noqa: SIM115 - the member reads from it after
        return tar.extractfile("nova-compute.log")
    for size in (700, 1 << 20):
        reference, windowed = _both(lambda: _peek(b"", member), Terms({ID, UUID}, tail=True), size)
        assert windowed == reference and reference[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_lines_longer_than_the_limit_are_cut_alike(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both engines: the line scan joins a cut line's piece to the next line with no newline between."""
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, engine)
    line = HEADER % (1, 1, b"INFO", ID.encode(), b"", b"")
    long = line + b"y" * (MAX_LINE_BYTES + 5000) + UUID.encode() + b"\n"  # the uuid is past the cut
    exact = line + b"z" * (MAX_LINE_BYTES - len(line)) + b"\n"  # exactly the limit: cut
    under = line + b"w" * (MAX_LINE_BYTES - len(line) - 1) + b"\n"  # one byte short: whole
    tail = HEADER % (2, 2, b"INFO", b"req-1", UUID.encode(), b"") + b"q" * (3 * MAX_LINE_BYTES)  # no newline
    data = _file(4) + long + _file(6) + exact + under + b"x" * (5 * MAX_LINE_BYTES) + b"\n" + _file(8) + tail
    for terms, size in ((Terms({ID}), 700), (Terms({UUID}, tail=True), MAX_LINE_BYTES),
                        (Terms({"absent"}, tail=True), 4 << 20)):
        reference, windowed = _both(lambda data=data: _peek(data), terms, size)
        assert windowed == reference
        assert reference[4] == 4


@pytest.mark.parametrize("set_name", sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
def test_every_sample_file(set_name: str) -> None:
    files = sorted(p for p in (SAMPLES / set_name).rglob("*") if p.is_file())
    assert files
    terms = Terms({"igration", "/action", "ERROR", "Traceback"}, frozenset({"timed out"}), tail=True)
    for path in files:
        data = path.read_bytes()
        for size in (4096, 1 << 20):
            reference, windowed = _both(lambda data=data: _peek(data), terms, size)
            assert windowed == reference, (path, size)


@pytest.mark.parametrize("end", [b"\r\n", b"\r"])
def test_reader_crlf_and_cr_only(end: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the reader: CRLF files take the windows, CR-only ones the line scan; same events either way."""
    path = tmp_path / "nova-compute.log"
    path.write_bytes(_file(9).replace(b"\r\n", b"\n").replace(b"\n", end))
    got = []
    for flag in ("0", "1"):
        monkeypatch.setenv(_scan.WINDOWS_VARIABLE, flag)
        options = LoadOptions()
        warnings = Warnings(None)
        readers = open_inputs([str(path)], options, warnings, Terms({ID, UUID}, tail=True))
        events = [(e.lineno, e.message) for e in read_all(readers, warnings)]
        got.append((events, [(r.stats.lines_read, r.stats.skipped_lines) for r in readers], warnings.lines))
    assert got[0] == got[1] and got[0][0]


def test_evidence_lines_are_noted_per_set() -> None:
    """The evidence sets' hit lines are noted apart from the main texts' (the hostless texts count as main)."""
    data = (HEADER % (1, 1, b"INFO", ID.encode(), b"main", b"\n")
            + HEADER % (1, 2, b"INFO", b"req-1", b"Instance " + UUID.encode(), b"\n")
            + b"  continuation of it\n"
            + HEADER % (1, 3, b"INFO", b"req-2", b"Traceback here", b"\n")
            + HEADER % (1, 4, b"INFO", b"req-3", b"nothing", b"\n"))
    terms = WindowedTerms({ID}, tail=True, hostless=frozenset({"Traceback"}),
                          evidence=[frozenset({UUID}), frozenset({"continuation"})])
    reference, windowed = _both(lambda: _peek(data), terms, 1 << 20)
    assert windowed == reference
    assert reference[-1] == {0: [1, 4], 1: [2], 2: [3]}
    assert [n for n, _ in reference[0]] == [1, 2, 3, 4, 5]  # line 5: the tail record


@pytest.mark.parametrize("end", [b"", b"\n", b"\r\n"])
def test_hits_in_the_first_and_the_last_line(end: bytes) -> None:
    body = _file(7)
    first = HEADER % (0, 0, b"INFO", ID.encode(), b"first", b"\n")
    last = b"  Error: " + UUID.encode() + end  # a continuation line: its header is pulled in
    for size in (300, 1 << 20):
        reference, windowed = _both(lambda: _peek(first + body.rstrip(b"\r\n") + b"\n" + last),
                                    Terms({ID, UUID}, tail=True), size)
        assert windowed == reference
        assert reference[0][0] == (1, first.decode().rstrip("\n"))
        assert reference[0][-1][1] == last.decode().rstrip("\r\n")
