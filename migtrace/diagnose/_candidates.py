"""Pick the signatures a record can match before any query runs.

Diagnosis tests every kept record against the catalog: outside the moves
that is every vocabulary record of the set (50 k of them on a 1 GiB set,
almost all DEBUG and INFO), against ~80 signatures.  Most signatures ask for
`level>=WARNING` (or ERROR), so a DEBUG record can match none of them:
`Query.floor` says so, and the signatures are sorted once into one list per
level rank.  What is left is the signatures' substring prefilter (`hint`,
else `any_of`) on the record's lower-cased text, lowered only when some
signature is left, then the query itself.  The result is exactly
`[s for s in signatures if prefilter(s) and s.match.matches(event)]`, in the
catalog's order: only the work done for records no signature can match is gone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from migtrace.diagnose.catalog import Signature
from migtrace.model import LEVEL_RANK, Event, level_rank
from migtrace.sources._literals import LiteralSet

#: the most needles one prefilter search is compiled from (past that, each signature's own test runs)
MAX_UNION = 40


def could_match(sig: Signature, lowered: str) -> bool:
    """Cheap prefilter: the signature's hint, else one of its query's alternative needles."""
    if sig.hint is not None:
        return sig.hint in lowered
    needles = sig.match.any_of
    return needles is None or any(n in lowered for n in needles)


class Candidates:
    """The signatures of a catalog, sorted by the lowest level each can match."""

    def __init__(self, signatures: Sequence[Signature]) -> None:
        self.signatures = tuple(signatures)
        #: per level rank, the signatures whose query admits that rank (catalog order kept)
        self._by_rank: dict[int, tuple[Signature, ...]] = {
            rank: tuple(s for s in self.signatures if s.match.floor is None or s.match.floor <= rank)
            for rank in set(LEVEL_RANK.values())}
        #: per level rank, one search for every needle of those signatures (None: some have no needle,
        #: or too many needles to be worth compiling), built when a record of that rank first comes
        self._any: dict[int, re.Pattern[str] | None] = {}
        #: the same needles as a `LiteralSet` (`matching_each`), None where `_any` is None
        self._needles: dict[int, LiteralSet | None] = {}

    def for_level(self, level: str | None) -> tuple[Signature, ...]:
        """The signatures a record of this level can match (its level alone considered)."""
        return self._by_rank[level_rank(level)]

    def matching(self, event: Event) -> list[Signature]:
        """Every signature of the catalog the event matches, in catalog order."""
        signatures = self._by_rank[level_rank(event.level)]
        if not signatures:
            return []
        lowered = event.text.lower()
        rank = level_rank(event.level)
        union = self._any[rank] if rank in self._any else self._any.setdefault(rank, _union(signatures))
        if union is not None and union.search(lowered) is None:
            return []  # no signature's prefilter can pass
        return [s for s in signatures if could_match(s, lowered) and s.match.matches(event)]

    def matching_each(self, events: Sequence[Event]) -> list[list[Signature]]:
        """`matching` of each event: the same lists, the prefilter's needles searched in one go per level.

        A move's records and the records outside every move are tested together: one search
        of their lower-cased texts (`LiteralSet.occurring_each`) finds those holding no needle
        of their level's signatures, where `matching` runs its union regex on each.
        """
        out: list[list[Signature]] = [[] for _ in events]
        by_rank: dict[int, list[int]] = {}
        for i, event in enumerate(events):
            rank = level_rank(event.level)
            if self._by_rank[rank]:
                by_rank.setdefault(rank, []).append(i)
        for rank, indices in by_rank.items():
            signatures = self._by_rank[rank]
            lowered = [events[i].text.lower() for i in indices]
            needles = self._needles[rank] if rank in self._needles else self._needles.setdefault(
                rank, _needle_set(signatures))
            passed = ([bool(found) for found in needles.occurring_each(lowered)] if needles is not None
                      else [True] * len(indices))
            for i, low, ok in zip(indices, lowered, passed, strict=True):
                if ok:
                    event = events[i]
                    out[i] = [s for s in signatures if could_match(s, low) and s.match.matches(event)]
        return out


def _needles(sig: Signature) -> tuple[str, ...] | None:
    """The substrings `could_match` tests (one of them must occur), None when it passes every text."""
    if sig.hint is not None:
        return (sig.hint,)
    return sig.match.any_of


def _union(signatures: Sequence[Signature]) -> re.Pattern[str] | None:
    """One search that finds a text where some signature's prefilter passes (None: some always pass)."""
    needles = _all_needles(signatures)
    if needles is None or len(needles) > MAX_UNION:
        return None  # WARNING and worse: rare records, and a 100-needle regex costs 10-30 ms to compile
    return re.compile("|".join(re.escape(n) for n in sorted(needles)) or "(?!)")


def _needle_set(signatures: Sequence[Signature]) -> LiteralSet | None:
    """`_union`'s needles as a `LiteralSet` that passes the texts its regex finds something in (None: every text).

    An empty needle beside others is an empty branch of the regex, found in every text (None); the
    empty needle alone makes the regex `(?!)`, found in none (an empty set, which passes no text).
    """
    needles = _all_needles(signatures)
    if needles is None or len(needles) > MAX_UNION or ("" in needles and len(needles) > 1):
        return None
    return LiteralSet(needles)  # LiteralSet leaves "" out


def _all_needles(signatures: Sequence[Signature]) -> set[str] | None:
    """Every signature's prefilter needles together, None when one of them passes every text."""
    needles: set[str] = set()
    for sig in signatures:
        own = _needles(sig)
        if own is None:
            return None
        needles.update(own)
    return needles
