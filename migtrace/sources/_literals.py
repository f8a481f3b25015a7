"""Which of a fixed set of literal texts occur in one short text (a record's message).

Correlation asks this of every record it is handed: on a 100-host set that is
a quarter of a million messages against ~130 marker texts. Python's `re`
tries each branch of a literal alternation at every position (≈ 45 µs a
message here); hyperscan answers in one pass (≈ 1.6 µs). Without hyperscan
(or with `MIGTRACE_SCAN_ENGINE=python`) a prefix-trie regex is used: it gives
every occurrence the same way, ≈ 2.5× faster than the flat alternation.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from migtrace.sources._scan import engine_name, holds_any, literal_database


class LiteralSet:
    """Find every text of a fixed set that occurs in a message (overlapping and nested ones too).

    The hyperscan database is built on first use and never pickled: a copy
    sent to a worker builds its own, so the answer never depends on where it
    was asked.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = tuple(sorted({t for t in texts if t}, key=lambda t: (-len(t), t)))
        self._db: Any = None
        self._trie: re.Pattern[str] | None = None
        self._implied: dict[str, frozenset[str]] = {}
        self._overlapping: dict[str, tuple[str, ...]] = {}
        #: no text holds a NUL byte: messages joined by one can be searched at once (`occurring_each`)
        self._joinable = not any("\0" in t for t in self.texts)

    def __getstate__(self) -> dict[str, Any]:
        return {"texts": self.texts}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["texts"])  # type: ignore[misc]  # rebuilt lazily where it is used

    def occurring(self, message: str) -> set[str]:
        """Every text of the set that occurs somewhere in `message`."""
        if not self.texts:
            return set()
        if self._db is None and self._trie is None:
            self._prepare()
        if self._db is not None:
            found: set[int] = set()
            add = found.add

            def on_match(ident: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
                add(ident)

            self._db.scan(message.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
            texts = self.texts
            return {texts[i] for i in found}
        return self._by_trie(message)

    def occurring_each(self, messages: Sequence[str]) -> list[set[str]]:
        """`occurring` of each message, the same sets: with hyperscan one search of the messages joined.

        A per-message search costs ~1-2 µs of call overhead alone, more than the search of a short
        message (issue 13 P2: 52 k pass-1 records).  The messages are joined by a NUL byte, which no
        text of the set holds (else each message is searched alone), so no match spans two messages;
        a match's end offset says whose it is.
        """
        if not self.texts or len(messages) < 2:
            return [self.occurring(m) for m in messages]
        if self._db is None and self._trie is None:
            self._prepare()
        if self._db is None or not self._joinable:
            return [self.occurring(m) for m in messages]
        encoded = [m.encode("utf-8", "surrogatepass") for m in messages]
        starts = list(accumulate((len(b) + 1 for b in encoded[:-1]), initial=0))
        found: list[set[int]] = [set() for _ in encoded]
        owner = bisect_right

        def on_match(ident: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            found[owner(starts, end - 1) - 1].add(ident)

        self._db.scan(b"\0".join(encoded), match_event_handler=on_match)
        texts = self.texts
        return [{texts[i] for i in ids} if ids else set() for ids in found]

    def any_in(self, message: str) -> bool:
        """Whether any text of the set occurs in `message`."""
        if not self.texts:
            return False
        if self._db is None and self._trie is None:
            self._prepare()
        if self._db is not None:
            return holds_any(self._db, message.encode("utf-8", "surrogatepass"))
        assert self._trie is not None
        return self._trie.search(message) is not None

    def _prepare(self) -> None:
        if engine_name() == "hyperscan":
            self._db = literal_database([t.encode("utf-8", "surrogatepass") for t in self.texts],
                                        [False] * len(self.texts))
            return
        self._trie = re.compile(trie_pattern(self.texts))
        self._implied, self._overlapping = text_relations(self.texts)

    def _by_trie(self, message: str) -> set[str]:
        """Leftmost-longest hits that do not overlap, plus the texts inside or straddling them.

        A text the scan skips lies inside a hit (`_implied`) or starts inside a
        hit and ends after it (`_overlapping`, confirmed with `in`); any other
        occurrence starts where the scan tried, so the scan reports it or a
        longer text starting at the same place.
        """
        assert self._trie is not None
        hits = set(self._trie.findall(message))
        if not hits:
            return hits
        seen = set(hits)
        for hit in hits:
            seen.update(self._implied[hit])
            for text in self._overlapping[hit]:
                if text not in seen and text in message:
                    seen.add(text)
        return seen


def text_relations(texts: Sequence[str]) -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """For each text: the other texts inside it, and those that can start inside it and end after it."""
    starting: dict[str, list[str]] = {}  # each prefix of a text -> the texts starting with it
    for text in texts:
        for k in range(1, len(text) + 1):
            starting.setdefault(text[:k], []).append(text)
    implied: dict[str, frozenset[str]] = {}
    overlapping: dict[str, tuple[str, ...]] = {}
    for text in texts:
        implied[text] = frozenset(t for t in texts if t != text and t in text)
        after = {t for i in range(1, len(text)) for t in starting.get(text[i:], ())}
        overlapping[text] = tuple(t for t in texts if t in after and t != text and t not in implied[text])
    return implied, overlapping


def trie_pattern(texts: Iterable[str]) -> str:
    """A regex matching, at any position, the longest of `texts` that starts there.

    The texts share prefixes, so branching only where they differ lets `re`
    reject a position after a character or two instead of trying every text;
    a greedy optional tail prefers the longer text and backtracks to the
    shorter one that ends at that node.
    """
    trie: dict[str, Any] = {}
    for text in texts:
        node = trie
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        kids = sorted(ch for ch in node if ch)
        if not kids:
            return ""
        alts = [re.escape(ch) + build(node[ch]) for ch in kids]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie) or "(?!)"
