"""The vocabulary of a selective read: the texts a record must hold to open, advance or end a move.

Derived at run time from the data, never kept by hand:

* every phase marker's `text` (migtrace/data/phases.yaml; a marker with an
  empty text contributes its `logger`, which its raw line carries);
* every signature's covering literals (migtrace/signatures and the user's
  `--signatures`): phrases of which every record the signature can match
  holds one (`A OR B`: one of each side; `A AND B`: the rarest side;
  never a negated one), found in any letter case as the query language
  does; a regex term gives the literal every match requires, per branch of
  a top-level `|` or of its leading group of alternatives; a signature
  that also demands `level>=WARNING` needs nothing more (level words are
  in the vocabulary);
* what the `Keeper` keeps by text: `igration`, the API's `/action` lines,
  and the level words from WARNING up; the lines by which a compute names
  itself (`_naming.SELF_NAMING_TEXTS`) only in inputs whose host is not
  known (`hostless`: the Keeper counts them only for records without a host).

A signature none of these cover can only be missed on a line of an
instance that never moved at a level below WARNING; `uncovered` names them
(the debug log says so) so an author can add a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migtrace._naming import SELF_NAMING_TEXTS
from migtrace.correlate.markers import MarkerSet
from migtrace.diagnose.catalog import Catalog, Signature
from migtrace.diagnose.query import Node, _And, _Level, _Not, _Or, _Regex, _regex_literal, _Substring
from migtrace.model import LEVEL_ALIASES, LEVELS, level_rank
from migtrace.pipeline._keep import KEEP_TEXTS
from migtrace.sources._window import WindowedTerms

#: per file, per id: line ranges / stamp windows of a windowed id (`_window.Evidence.windows`)
WindowRanges = dict[str, dict[str, list[tuple[int, int]]]]
WindowStamps = dict[str, dict[str, list[tuple[str, str]]]]

#: a literal shorter than this is too common to cut a log down (a regex term then has no cover)
MIN_LITERAL = 4
_WARNING = level_rank("WARNING")
#: level words at WARNING and above, as oslo prints them
LEVEL_WORDS = tuple(w for w in (*LEVELS, *LEVEL_ALIASES) if level_rank(w) >= _WARNING)
#: stands for "covered by the level words" while covers are computed
_BY_LEVEL = ("\x00level",)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Case-sensitive texts (markers, keeper rules, level words) and case-insensitive ones (signatures)."""

    exact: frozenset[str]
    caseless: frozenset[str]
    #: ids of signatures no literal covers
    uncovered: tuple[str, ...] = ()
    #: texts that matter only in inputs whose host is not known (`SELF_NAMING_TEXTS`, not in `exact`)
    hostless: frozenset[str] = frozenset()

    def terms(self, more: frozenset[str] | set[str] = frozenset(), *, tail: bool = False,
              windowed: frozenset[str] = frozenset(), ranges: WindowRanges | None = None,
              stamps: WindowStamps | None = None) -> WindowedTerms:
        """The search terms: the vocabulary plus `more` (ids) and `windowed` ids, for a plain-oslo-only read."""
        return WindowedTerms(self.exact | frozenset(more), self.caseless, tail=tail, plain_only=True,
                             hostless=self.hostless, windowed=windowed, ranges=ranges, stamps=stamps)

    def id_terms(self, ids: frozenset[str] | set[str], *, windowed: frozenset[str] = frozenset(),
                 ranges: WindowRanges | None = None, stamps: WindowStamps | None = None) -> WindowedTerms:
        """The ids alone, each file's last record too (pass 2 when pass 1's records are reused: `_reuse`)."""
        return WindowedTerms(frozenset(ids), tail=True, plain_only=True, windowed=windowed, ranges=ranges,
                             stamps=stamps)



def marker_literals(markers: MarkerSet) -> set[str]:
    """Every marker's text, or its logger when the text is empty."""
    return {m.text or m.logger or "" for m in markers.markers} - {""}


def signature_cover(sig: Signature) -> tuple[str, ...] | None:
    """Lower-case literals of which every match of the signature holds one (None: no such set)."""
    found = _cover(sig.match.root)
    if found is None:
        return None
    literals = tuple(x for x in found if x not in _BY_LEVEL)
    hint = (sig.hint,) if sig.hint else ()
    return tuple(dict.fromkeys((*literals, *hint)))


def build(markers: MarkerSet, catalog: Catalog) -> Vocabulary:
    """The vocabulary of these markers and signatures."""
    exact = marker_literals(markers) | set(KEEP_TEXTS) | set(LEVEL_WORDS)
    caseless: set[str] = set()
    uncovered = []
    for sig in catalog:
        cover = signature_cover(sig)
        if cover is None:
            uncovered.append(sig.id)
        else:
            caseless.update(cover)
    return Vocabulary(frozenset(exact), frozenset(caseless), tuple(uncovered), frozenset(SELF_NAMING_TEXTS) - exact)


def _cover(node: Node) -> tuple[str, ...] | None:
    """Like `Query.any_of`, plus regex branches and level floors (see the module docstring)."""
    if isinstance(node, _Substring):
        return (node.needle,) if node.field == "message" and len(node.needle) >= 1 else None
    if isinstance(node, _Regex):
        return regex_cover(node.pattern.pattern) if node.field == "message" else None
    if isinstance(node, _Level):
        return _BY_LEVEL if node.op in (">=", ">", ":", "=") and node.rank >= _WARNING else None
    if isinstance(node, _And):
        options = [c for c in (_cover(p) for p in node.parts) if c]
        if not options:
            return None
        if _BY_LEVEL in options:
            return _BY_LEVEL
        return min(options, key=lambda o: (len(o), -min(map(len, o))))
    if isinstance(node, _Or):
        sides = [_cover(p) for p in node.parts]
        if any(s is None for s in sides):
            return None
        return tuple(dict.fromkeys(x for s in sides if s for x in s))
    if isinstance(node, _Not):
        return None
    return None


def regex_cover(pattern: str) -> tuple[str, ...] | None:
    """Lower-case literals of which every match of the regex holds one, or None."""
    out: list[str] = []
    for branch in _split(pattern, "|"):
        lit = _regex_literal(branch)
        if lit and len(lit) >= MIN_LITERAL:
            out.append(lit.lower())
            continue
        group = _leading_group(branch)
        inner = regex_cover(group) if group is not None else None
        if inner is None:
            return None
        out.extend(inner)
    return tuple(dict.fromkeys(out)) or None


def _split(pattern: str, sep: str) -> list[str]:
    """Split at `sep` outside groups, classes and escapes."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _leading_group(branch: str) -> str | None:
    """The content of the branch's first top-level group when it is required (not followed by ?, * or {)."""
    start = branch.find("(")
    if start < 0 or (start and branch[start - 1] == "\\"):
        return None
    depth, i = 0, start
    while i < len(branch):
        c = branch[i]
        if c == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0:
            break
        i += 1
    if i >= len(branch) or branch[i + 1:i + 2] in ("?", "*", "{"):
        return None
    inner = branch[start + 1:i]
    return re.sub(r"^\?(?::|P<\w+>)", "", inner) if inner.startswith("?") else inner
