"""The raw-text filter finds banner lines (`-- `, `==> `) in hyperscan's one scan as the Python engine does.

With hyperscan the banners are patterns of the term database (one scan per
block instead of two slow `bytes.find` loops); the lines yielded and the line
accounting must be exactly those of the pure-Python engine.
"""

from __future__ import annotations

import random

import pytest

from migtrace.model import FileStats, Terms
from migtrace.sources import _scan

HEADER = (b"2024-05-02 10:00:%02d.000 7 %s nova.compute.manager [req-%08x-2222-3333-4444-555555555555 u p - - -] "
          b"%s\n")


def _lines(rng: random.Random, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.05:
            out.append(b"-- Logs begin at Thu 2024-05-02 --\n")
        elif roll < 0.08:
            out.append(b"==> /var/log/nova/nova-compute.log <==\n")
        elif roll < 0.2:
            out.append(b"Traceback line %d with needle-%d\n" % (i, rng.randrange(3)))
        else:
            word = b"needle-1 here" if rng.random() < 0.05 else b"nothing to see"
            out.append(HEADER % (i % 60, b"INFO", rng.randrange(1 << 32), word))
    return out


def _run(engine: str, lines: list[bytes], terms: Terms, monkeypatch: pytest.MonkeyPatch) -> tuple[list, tuple]:
    monkeypatch.setenv(_scan.ENGINE_VARIABLE, engine)
    stats = FileStats(path="x")
    got = list(_scan.targeted_raw_lines(iter(lines), terms, stats))
    return got, (stats.lines_read, stats.skipped_lines, stats.tail_line)


@pytest.mark.parametrize("seed", range(12))
def test_banners_are_found_alike_by_both_engines(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    rng = random.Random(seed)
    lines = _lines(rng, rng.randrange(1, 9000))
    for terms in (Terms({"needle-1"}), Terms({"needle-1"}, tail=True), Terms({"absent"}, tail=True)):
        python = _run("python", lines, terms, monkeypatch)
        fast = _run("hyperscan", lines, terms, monkeypatch)
        assert python == fast
        assert any(t.startswith(("-- ", "==> ")) for _, t in fast[0]) or not any(
            ln.startswith((b"-- ", b"==> ")) for ln in lines)


def test_term_lines_alone_do_not_include_banners() -> None:
    pytest.importorskip("hyperscan")
    block = b"a needle\n-- banner\nplain\n"
    ends = [9, 19, 25]
    for engine in ("python", "hyperscan"):
        matcher = _scan.Matcher([b"needle"], [], engine)
        assert matcher.lines(block, ends) == [0]
        assert matcher.interesting(block, block.splitlines(keepends=True), ends) == {0, 1}
