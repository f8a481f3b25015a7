"""Compile migtrace's small match language into a predicate over `Event`s.

Signatures (and the `--where` filter of `list`/`merge`) describe the records
they want with expressions such as::

    logger:nova.virt.libvirt.driver AND message:"Unable to find security driver" AND level>=ERROR
    message~/Live migration (stuck|not completed) for \\d+ sec/i OR NOT service:n-api

Grammar (keywords are case-insensitive; NOT binds tighter than AND, AND
tighter than OR; two terms side by side mean AND)::

    query   := or
    or      := and ("OR" and)*
    and     := not (["AND"] not)*
    not     := "NOT" not | "(" or ")" | term
    term    := FIELD ":" value        case-insensitive substring (logger: exact, `*` glob)
             | FIELD "=" value        case-insensitive exact value
             | FIELD "~" /regex/flags regex search (flags: i, m, s)
             | "level" (">="|"<="|">"|"<"|"="|":") LEVEL
             | "phrase" | word        substring of the message (and its extra lines)

The parse happens once; matching is plain Python on the compiled tree, and
`Query.hint` gives callers a lower-case substring every match must contain so
they can skip most events with one `in` test, and `Query.floor` the lowest
level every match has (`level>=WARNING`: a DEBUG record is never tested).  Every error is a `QueryError`
carrying the line and column of the offending token.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from migtrace.errors import QueryError
from migtrace.model import LEVEL_ALIASES, LEVEL_RANK, Event, level_rank

if TYPE_CHECKING:  # pyparsing is imported where a query is parsed: a cached catalog needs none (issue 13 P4)
    import pyparsing as pp

#: Event attributes a query may name; `message` searches `Event.text`.
FIELDS: tuple[str, ...] = (
    "host", "instance", "level", "logger", "message", "project", "request_id", "service",
    "source", "user",
)


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    ":": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


# --------------------------------------------------------------------------- nodes


class Node:
    """One node of a compiled query: a predicate plus what it guarantees about the text."""

    def matches(self, event: Event) -> bool:
        """Return True when the event satisfies this node."""
        raise NotImplementedError

    def hint(self) -> str | None:
        """Return a lower-case substring of `event.text` every match must contain, if known."""
        return None

    def any_of(self) -> tuple[str, ...] | None:
        """Return lower-case substrings of which every match contains at least one, if known."""
        hint = self.hint()
        return (hint,) if hint else None

    def floor(self) -> int | None:
        """Return the lowest `level_rank` every match must have, if known (None: any level may match)."""
        return None


def _field_value(event: Event, name: str) -> str | None:
    if name == "message":
        return event.text
    value = getattr(event, name)
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Substring(Node):
    field: str
    needle: str  # already lower-case

    def matches(self, event: Event) -> bool:
        if self.field == "request_id":
            # a request is named by either id, whichever the user pasted
            ids = (event.request_id, event.global_request_id)
            return any(v is not None and self.needle in v.lower() for v in ids)
        value = _field_value(event, self.field)
        return value is not None and self.needle in value.lower()

    def hint(self) -> str | None:
        return self.needle if self.field == "message" and self.needle else None


@dataclass(frozen=True, slots=True)
class _Exact(Node):
    field: str
    value: str  # already lower-case

    def matches(self, event: Event) -> bool:
        if self.field == "request_id":
            ids = (event.request_id, event.global_request_id)
            return any(v is not None and v.lower() == self.value for v in ids)
        value = _field_value(event, self.field)
        return value is not None and value.lower() == self.value


@dataclass(frozen=True, slots=True)
class _Glob(Node):
    field: str
    pattern: re.Pattern[str]

    def matches(self, event: Event) -> bool:
        value = _field_value(event, self.field)
        return value is not None and self.pattern.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class _Regex(Node):
    field: str
    pattern: re.Pattern[str]
    literal: str | None

    def matches(self, event: Event) -> bool:
        if self.field == "request_id":
            ids = (event.request_id, event.global_request_id)
            return any(v is not None and self.pattern.search(v) for v in ids)
        value = _field_value(event, self.field)
        return value is not None and self.pattern.search(value) is not None

    def hint(self) -> str | None:
        return self.literal if self.field == "message" else None


@dataclass(frozen=True, slots=True)
class _Level(Node):
    op: str
    rank: int

    def matches(self, event: Event) -> bool:
        return _COMPARISONS[self.op](level_rank(event.level), self.rank)

    def floor(self) -> int | None:
        if self.op in (">=", ":", "="):
            return self.rank
        return self.rank + 1 if self.op == ">" else None


@dataclass(frozen=True, slots=True)
class _And(Node):
    parts: tuple[Node, ...]

    def matches(self, event: Event) -> bool:
        return all(p.matches(event) for p in self.parts)

    def hint(self) -> str | None:
        hints = [h for h in (p.hint() for p in self.parts) if h]
        return max(hints, key=len) if hints else None

    def any_of(self) -> tuple[str, ...] | None:
        options = [o for o in (p.any_of() for p in self.parts) if o]
        # fewest alternatives first, then the longest (rarest) shortest-needle
        return min(options, key=lambda o: (len(o), -min(map(len, o)))) if options else None

    def floor(self) -> int | None:
        floors = [f for f in (p.floor() for p in self.parts) if f is not None]
        return max(floors) if floors else None


@dataclass(frozen=True, slots=True)
class _Or(Node):
    parts: tuple[Node, ...]

    def matches(self, event: Event) -> bool:
        return any(p.matches(event) for p in self.parts)

    def any_of(self) -> tuple[str, ...] | None:
        options = [p.any_of() for p in self.parts]
        if not all(options):
            return None
        return tuple(dict.fromkeys(n for o in options if o for n in o))

    def floor(self) -> int | None:
        floors = [p.floor() for p in self.parts]
        return None if any(f is None for f in floors) else min(f for f in floors if f is not None)


@dataclass(frozen=True, slots=True)
class _Not(Node):
    part: Node

    def matches(self, event: Event) -> bool:
        return not self.part.matches(event)


# --------------------------------------------------------------------------- public


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled match expression.

    `hint` is a lower-case substring that `event.text.lower()` contains for
    every event the query matches (None when no such substring is implied,
    e.g. for an OR of phrases): callers test it first and skip the tree.
    """

    text: str
    source: str
    root: Node
    hint: str | None
    #: lower-case substrings of which every match contains one (a wider prefilter than `hint`)
    any_of: tuple[str, ...] | None = None
    #: the lowest `level_rank(event.level)` of every match (`level>=WARNING` …), None when any level may match
    floor: int | None = None

    def matches(self, event: Event) -> bool:
        """Return True when the event satisfies the expression."""
        return self.root.matches(event)

    def __str__(self) -> str:
        return self.text


def compile_query(text: str, *, source: str = "<query>") -> Query:
    """Parse `text` into a `Query`; raise `QueryError` (line, column) when it is malformed.

    `source` names where the text came from (a signature file, `--where`) and
    is only kept for messages.
    """
    if not text or not text.strip():
        raise QueryError("empty expression", 1, 1)
    leading = _leading_operator(text)
    if leading is not None:
        raise leading
    import pyparsing as pp  # noqa: PLC0415 - ~0.05 CPU s: only when a query is parsed (see the imports)

    try:
        result = _grammar().parse_string(text, parse_all=True)
    except pp.ParseBaseException as exc:
        raise QueryError(_describe(exc), exc.lineno, exc.col) from None
    root: Node = result[0]
    return Query(text=text, source=source, root=root, hint=root.hint(), any_of=root.any_of(), floor=root.floor())


# --------------------------------------------------------------------------- grammar


def _describe(exc: pp.ParseBaseException) -> str:
    """Turn a pyparsing error into a sentence a signature author can act on."""
    import pyparsing as pp  # noqa: PLC0415 - see compile_query

    msg = str(exc.msg)
    if isinstance(exc, pp.ParseFatalException) and not msg.startswith("Expected"):
        return msg  # our own message from a parse action
    line = exc.line or ""
    rest = line[exc.col - 1:].strip() if exc.col - 1 < len(line) else ""
    found = f"'{rest.split()[0]}'" if rest else "end of expression"
    if rest[:1] in ('"', "'"):
        return f"unterminated quoted string {found}"
    if msg == "Expected ')'":
        return f"unexpected {found}: expected ')' to close the group"
    if msg == "Expected a value":
        return f"unexpected {found}: expected a value after the operator"
    if msg == "Expected a /regex/":
        return f"unexpected {found}: expected /regex/ after '~'"
    if "end of text" in msg and rest and not rest.upper().startswith(("AND", "OR", ")")):
        return f"unexpected {found}: expected AND, OR or the end of the expression"
    return f"unexpected {found}: expected a term"


def _leading_operator(text: str) -> QueryError | None:
    """Report an expression that starts with AND/OR (pyparsing would blame the next token)."""
    match = re.match(r"\s*(AND|OR)\b", text, re.IGNORECASE)
    if match is None:
        return None
    before = text[:match.start(1)]
    line = before.count("\n") + 1
    column = match.start(1) - (before.rfind("\n") + 1) + 1
    return QueryError(f"unexpected '{match.group(1)}': expected a term", line, column)


def _make_term(s: str, loc: int, toks: pp.ParseResults) -> Node:
    import pyparsing as pp  # noqa: PLC0415 - see compile_query

    field, op, value = toks[0], toks[1], toks[2]
    loc = len(s) - len(s[loc:].lstrip())  # pyparsing passes the position before whitespace
    name = str(field).lower()
    if name not in FIELDS:
        raise pp.ParseFatalException(
            s, loc, f"unknown field '{field}' (known fields: {', '.join(FIELDS)})")
    if name == "level":
        if op == "~":
            raise pp.ParseFatalException(s, loc, "level takes =, :, >=, <=, > or <, not ~")
        level = LEVEL_ALIASES.get(str(value).upper(), str(value).upper())
        if level not in LEVEL_RANK:
            raise pp.ParseFatalException(
                s, loc, f"unknown level '{value}' (known: {', '.join(LEVEL_RANK)})")
        return _Level(op, LEVEL_RANK[level])
    if op in (">=", "<=", ">", "<"):
        raise pp.ParseFatalException(s, loc, f"operator '{op}' only applies to level")
    if op == "~":
        return _compile_regex(s, loc, name, value)
    text = str(value)
    if not text:
        raise pp.ParseFatalException(s, loc, f"empty value for field '{name}'")
    if "*" in text and name != "message":
        return _Glob(name, re.compile(fnmatch.translate(text), re.IGNORECASE))
    if op == "=" or name == "logger":
        return _Exact(name, text.lower())
    return _Substring(name, text.lower())


def _compile_regex(s: str, loc: int, field: str, value: Any) -> Node:
    import pyparsing as pp  # noqa: PLC0415 - see compile_query

    body, flags_text = value[0], value[1]
    flags = 0
    for flag in flags_text:
        if flag not in _REGEX_FLAGS:
            raise pp.ParseFatalException(
                s, loc, f"unknown regex flag '{flag}' (allowed: {', '.join(_REGEX_FLAGS)})")
        flags |= _REGEX_FLAGS[flag]
    body = body.replace("\\/", "/")
    try:
        pattern = re.compile(body, flags)
    except re.error as exc:
        raise pp.ParseFatalException(s, loc, f"bad regex /{body}/: {exc.msg}") from None
    return _Regex(field, pattern, _regex_literal(body))


def _make_phrase(toks: pp.ParseResults) -> Node:
    return _Substring("message", str(toks[0]).lower())


def _make_not(toks: pp.ParseResults) -> Node:
    return _Not(toks[0][1])


def _make_and(toks: pp.ParseResults) -> Node:
    parts = tuple(t for t in toks if isinstance(t, Node))
    return parts[0] if len(parts) == 1 else _And(parts)


def _make_or(toks: pp.ParseResults) -> Node:
    parts = tuple(t for t in toks if isinstance(t, Node))
    return parts[0] if len(parts) == 1 else _Or(parts)


_META = set("\\.^$*+?{}[]()|")
_CLASS_ESCAPES = set("dDsSwWbBAZ")


def _regex_literal(pattern: str) -> str | None:
    """Return the longest literal run the regex requires, lower-cased, or None.

    Conservative on purpose: a top-level `|` gives up, groups and classes
    break runs, and a character made optional by `?`, `*` or `{` is dropped.
    """
    runs: list[str] = []
    current: list[str] = []
    i, depth, n = 0, 0, len(pattern)

    def flush() -> None:
        if current:
            runs.append("".join(current))
            current.clear()

    while i < n:
        c = pattern[i]
        if depth:
            if c == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(c, 0)
            i += 1
            continue
        char: str | None = None
        width = 1
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            width = 2
            char = None if nxt.isalnum() else nxt
            if nxt in _CLASS_ESCAPES or nxt.isdigit():
                char = None
        elif c == "|":
            return None
        elif c == "(":
            depth = 1
        elif c == "[":
            j = pattern.find("]", i + 2)
            width = (j - i + 1) if j != -1 else n - i
        elif c not in _META:
            char = c
        following = pattern[i + width] if i + width < n else ""
        if char is None or following in ("?", "*", "{"):
            flush()
        else:
            current.append(char)
            if following == "+":
                flush()
        i += width
    flush()
    best = max(runs, key=len) if runs else ""
    best = best.strip().lower()
    return best if len(best) >= 3 else None


@cache
def _grammar() -> pp.ParserElement:
    """The query grammar, built on the first parse (pyparsing imported then)."""
    import pyparsing as pp  # noqa: PLC0415 - see compile_query

    and_kw = pp.CaselessKeyword("AND")
    or_kw = pp.CaselessKeyword("OR")
    not_kw = pp.CaselessKeyword("NOT")
    keyword = and_kw | or_kw | not_kw
    lpar, rpar = pp.Suppress("("), pp.Suppress(")")

    quoted = pp.QuotedString('"', esc_char="\\") | pp.QuotedString("'", esc_char="\\")
    word = pp.Word(pp.printables, exclude_chars="()\"'")
    value = (quoted | word).set_name("a value")
    regex = pp.Regex(r"/((?:\\.|[^/\\\n])*)/([A-Za-z]*)").set_name("a /regex/")
    regex.set_parse_action(lambda toks: [(toks[0][1:toks[0].rindex("/")],
                                          toks[0][toks[0].rindex("/") + 1:])])
    field = pp.Word(pp.alphas + "_", pp.alphanums + "_")
    compare = pp.one_of(">= <= = > < :")
    field_term = (
        field + pp.Literal("~") - regex
        | field + compare - value
    ).set_name("a term")
    field_term.set_parse_action(_make_term)
    # A leading word glued to an operator is a field term; anything else is a phrase.
    field_start = field + pp.one_of(">= <= = > < : ~")
    phrase = (quoted | (~keyword + ~field_start + word)).set_name("a phrase")
    phrase.set_parse_action(_make_phrase)

    expr = pp.Forward()
    not_expr: pp.Forward = pp.Forward()
    not_expr.set_name("a term")
    group = lpar - expr + rpar
    atom = (group | field_term | phrase).set_name("a term")
    not_expr <<= pp.Group(not_kw - not_expr).set_parse_action(_make_not) | atom
    and_expr = not_expr + pp.ZeroOrMore(pp.Suppress(and_kw) - not_expr | ~or_kw + not_expr)
    and_expr.set_parse_action(_make_and)
    or_expr = and_expr + pp.ZeroOrMore(pp.Suppress(or_kw) - and_expr)
    or_expr.set_parse_action(_make_or)
    expr <<= or_expr
    return expr

