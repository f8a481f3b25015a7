"""What reading an input on a worker will cost: the order a read sends its inputs in (longest first).

The workers of a read finish together only when the last task each starts
is a short one: the tasks go out longest first (`_parallel._read_chosen`),
so the order must follow their cost, and cost is not size.  A term-filtered
read parses only the records holding a term: a small input whose every
line holds one (a controller's conductor log) costs more than a big one
where one line in a hundred does, and sent last for its size it ran alone
at the end of the pass while the other workers idled.

Two measures, the better one when there is one:

- measured (`learning_costs`): every result from a worker says how many CPU
  seconds its thread spent on it (`InputResult.seconds`); inside a
  `learning_costs()` block (a load: pass 1, the evidence read, pass 2) a later
  read orders its inputs by what the last read of each cost.
- estimated (`estimate`): before an input's first read, its size plus what
  its records holding one of the read's terms add (their bytes and their
  number, from a few sampled runs of its lines searched with the workers'
  matcher), as those are what a term-filtered read parses.

Only the order of the tasks depends on this: every result is merged in
input order, whatever order the tasks ran or ended in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from migtrace.sources._discover import InputFile
from migtrace.sources._open import is_compressed
from migtrace.sources._scan import engine_name, matcher_for
from migtrace.sources._url import is_url

#: bytes read from each sampled place of an input (whole lines of it are searched), with hyperscan
SAMPLE_BYTES = 16 << 10
#: the sampled places, as fractions of the input's size (the head is the least typical: start-up lines)
SAMPLE_AT = (0.33, 0.67)
#: without hyperscan each term is looked for on its own (`_scan.Matcher`): one smaller place
SLOW_SAMPLE_BYTES = 4 << 10
#: an input smaller than this is not sampled: its size is its estimate
MIN_SAMPLED = 1 << 20
#: a term set bigger than this (pass 2's ids) is not sampled for: compiling its matcher here costs more than
#: the order gains (a load's later passes have measured costs anyway)
MAX_SAMPLED_TERMS = 1024
#: what a term-filtered read's worker spends, in bytes scanned past for the same CPU time: per byte of the
#: records holding a term, and per such record (pass 1 of hosts100 on one worker, `InputResult.seconds`
#: against each input's lines holding a term: ~2.5 ms per MB scanned, ~59 ms per MB and ~29 us per record
#: parsed; a compute log, a conductor and a scheduler log within 20 % of their measured ratios)
HIT_BYTE_WEIGHT = 24.0
HIT_LINE_WEIGHT = 11_600.0


class _Learned(threading.local):
    """The CPU seconds each input's last worker read took, kept by a `learning_costs()` block, per thread."""

    def __init__(self) -> None:
        self.active = False
        self.seconds: dict[str, float] = {}


_LEARNED = _Learned()


@contextmanager
def learning_costs() -> Iterator[None]:
    """Let the reads inside order their tasks by what the earlier reads' tasks of the same inputs cost.

    A load's passes read the same inputs with other terms: pass 1's measured
    cost of each input (where its vocabulary hits are dense, where the file
    is only scanned) orders pass 2's tasks better than any guess.  Nested:
    the outer block's costs.
    """
    if _LEARNED.active:
        yield
        return
    _LEARNED.active = True
    try:
        yield
    finally:
        _LEARNED.active = False
        _LEARNED.seconds = {}


def learn(name: str, seconds: float | None) -> None:
    """Keep what reading input `name` on a worker cost (inside a `learning_costs()` block; else nothing)."""
    if _LEARNED.active and seconds is not None:
        _LEARNED.seconds[name] = seconds


def learned(name: str) -> float | None:
    """What the last worker read of input `name` cost in this `learning_costs()` block, or None."""
    return _LEARNED.seconds.get(name) if _LEARNED.active else None


def costs(items: Sequence[InputFile], sizes: Sequence[int], terms: Sequence[frozenset[str]]) -> list[float]:
    """Each input's expected cost, comparable across the inputs (seconds where any was measured).

    Measured costs where every input has one; else each input's estimate,
    with the estimates scaled to seconds by the measured inputs' seconds per
    estimated unit when some are measured (an input new to the block).
    """
    known = [learned(item.display) for item in items]
    if all(k is not None for k in known):
        return [k for k in known if k is not None]
    guesses = [estimate(item, size, t) for item, size, t in zip(items, sizes, terms, strict=True)]
    measured = [(k, g) for k, g in zip(known, guesses, strict=True) if k is not None]
    if not measured:
        return guesses
    rate = sum(k for k, _ in measured) / max(1.0, sum(g for _, g in measured))
    return [k if k is not None else g * rate for k, g in zip(known, guesses, strict=True)]


def estimate(item: InputFile, size: int, terms: frozenset[str]) -> float:
    """The input's size plus what the records holding a term add, from a few sampled places of it (in bytes).

    Its size alone when there is nothing to weigh: no terms (a full read parses
    every record), too many (`MAX_SAMPLED_TERMS`), a small, compressed or remote
    input, or one that cannot be read here (the worker reports that, not this).
    """
    if not terms or len(terms) > MAX_SAMPLED_TERMS or size < MIN_SAMPLED or item.member is not None \
            or is_url(item.path):
        return float(size)
    fast = engine_name() == "hyperscan"
    try:
        with open(item.path, "rb") as raw:
            if is_compressed(raw.read(8)):
                return float(size)
            held = lines = searched = 0
            for at in SAMPLE_AT if fast else SAMPLE_AT[:1]:
                raw.seek(int(size * at))
                b, n, s = _held(raw.read(SAMPLE_BYTES if fast else SLOW_SAMPLE_BYTES), terms)
                held, lines, searched = held + b, lines + n, searched + s
    except OSError:
        return float(size)
    if not searched:
        return float(size)
    return size * (1.0 + (HIT_BYTE_WEIGHT * held + HIT_LINE_WEIGHT * lines) / searched)


def _held(block: bytes, terms: frozenset[str]) -> tuple[int, int, int]:
    """Of the whole lines of `block`: the bytes of those holding a term, how many those are, and all their bytes."""
    first = block.find(b"\n") + 1
    last = block.rfind(b"\n") + 1
    lines = block[first:last]
    if not lines:
        return 0, 0, 0
    find = lines.find
    starts = matcher_for(terms).term_starts(lines, len(lines))
    return sum(find(b"\n", start) + 1 - start for start in starts), len(starts), len(lines)
