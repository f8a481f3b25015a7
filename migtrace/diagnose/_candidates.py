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


def _needles(sig: Signature) -> tuple[str, ...] | None:
    """The substrings `could_match` tests (one of them must occur), None when it passes every text."""
    if sig.hint is not None:
        return (sig.hint,)
    return sig.match.any_of


def _union(signatures: Sequence[Signature]) -> re.Pattern[str] | None:
    """One search that finds a text where some signature's prefilter passes (None: some always pass)."""
    needles: set[str] = set()
    for sig in signatures:
        own = _needles(sig)
        if own is None:
            return None
        needles.update(own)
    if len(needles) > MAX_UNION:
        return None  # WARNING and worse: rare records, and a 100-needle regex costs 10-30 ms to compile
    return re.compile("|".join(re.escape(n) for n in sorted(needles)) or "(?!)")
