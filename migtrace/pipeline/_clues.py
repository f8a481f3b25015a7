"""Release clues read alike on every path: the raw texts that find every clue record of the inputs.

The release range (and so the remedies) is inferred from wordings only some
releases write (`diagnose._release`, migtrace/data/releases.yaml).  A read
that keeps only a move's records would infer it from those alone: `timeline`
from the shown move's lines, a selective `list` from the moves' lines, a full
read from every kept line — three stories.  So every path notes the clues of
*every* record of the inputs (`ClueHits`, a predicate that keeps nothing):
the full read over all it parses, the selective read in its first raw pass
(the covers join the vocabulary there; pass 1 keeps no record, so clue
records never become move events), a targeted read in one raw pass of its
own over the covers.

A clue's *cover* is a text every record the clue matches holds in its raw
line, derived from the clue itself, never kept by hand:

* a `message` regex: the literals of which every match holds one
  (`_vocab.regex_cover`, searched in any letter case);
* else a `logger` prefix: the prefix itself (oslo prints the logger name);
* else a `level`: the level word (oslo prints it);
* else a `field`: the text nova's context block writes it with
  (`FIELD_TEXTS`: a global request id is followed by the local one,
  `[req-<global> req-<local> …]`, so `" req-"`).

Inputs the term filter cannot cut safely (anything but plain oslo text) are
read in full for the clues too (`Terms.plain_only`), as in pass 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from migtrace.diagnose import ClueHits
from migtrace.diagnose._release import Clue, clues
from migtrace.model import Event, FileStats, Terms
from migtrace.pipeline._vocab import regex_cover
from migtrace.sources._window import WindowedTerms

#: how nova's text formats write an Event field a clue may require (the text every such line holds)
FIELD_TEXTS = {
    "global_request_id": " req-",  # `[req-<global> req-<local> user project …]`
    "request_id": "req-",
}


def clue_cover(clue: Clue) -> tuple[tuple[str, ...], bool] | None:
    """The texts of which every record the clue matches holds one, and whether they match in any case."""
    if clue.message is not None:
        found = regex_cover(clue.message.pattern)
        if found:
            return found, True
    if clue.logger:
        return (clue.logger,), False
    if clue.level:
        return (clue.level,), False
    if clue.field and clue.field in FIELD_TEXTS:
        return (FIELD_TEXTS[clue.field],), False
    return None


@cache
def covers() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """The case-sensitive and the caseless cover texts of the shipped clues, and the clues without one."""
    exact: set[str] = set()
    caseless: set[str] = set()
    uncovered: list[str] = []
    for clue in clues():
        found = clue_cover(clue)
        if found is None:
            uncovered.append(clue.id)
            continue
        (caseless if found[1] else exact).update(found[0])
    return frozenset(exact), frozenset(caseless), tuple(uncovered)


def with_covers(terms: WindowedTerms) -> WindowedTerms:
    """A selective read's pass-1 terms plus the clue covers (pass 1 has no windows)."""
    exact, caseless, _ = covers()
    return WindowedTerms(terms | exact, terms.caseless | caseless, tail=terms.tail, plain_only=terms.plain_only,
                         hostless=terms.hostless)


def clue_terms() -> Terms:
    """The terms of a read for the clues alone (a targeted read's extra pass)."""
    exact, caseless, _ = covers()
    return Terms(exact, caseless, plain_only=True)


def noting(hits: ClueHits, keep: Callable[[Event], bool] | None = None) -> Callable[[Event], bool]:
    """A read's predicate that notes each record's clues, then keeps what `keep` keeps (None: nothing)."""
    if keep is None:
        def note(e: Event) -> bool:
            hits.note(e)
            return False
        return note

    def note_and_keep(e: Event) -> bool:
        hits.note(e)
        return keep(e)
    return note_and_keep


def by_host(hits: ClueHits, stats: tuple[FileStats, ...]) -> dict[str, frozenset[str]]:
    """The clue ids per host once every input's host is settled (`pipeline._hosts`)."""
    return hits.by_host({s.path: s.host for s in stats if s.host})
