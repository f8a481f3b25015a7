"""The selective first pass's vocabulary, derived from migtrace's data files (never a hand-kept list).

* every phase marker's `text` in migtrace/data/phases.yaml (a marker with
  an empty text and a `logger` contributes the logger name: that is what its
  raw line carries);
* every signature's `hint` and the quoted phrases of its `match`
  (migtrace/signatures/**/*.yaml).  By default only a *covering* set: for
  `A OR B` a phrase of each side, for `A AND B` only the side with the
  rarest (longest) phrase, never a negated one: every record the signature
  can match contains one of them, and `"failed"` or `"cache"` (the weak
  half of an AND) do not drag every tenth line into the pass.  `--mode all`
  keeps every non-negated quoted phrase.

Markers match case-sensitively (phases.yaml: a plain substring of the
message); signature phrases match case-insensitively (the query language).
Signatures whose only message term is a regex (`message~/…/`) have no
literal: they are listed with the longest literal run of their regex, so the
report can say what a literal-only engine misses.

Run: python -m benchmarks.vocab [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PHASES = ROOT / "migtrace" / "data" / "phases.yaml"
SIGNATURES = ROOT / "migtrace" / "signatures"

#: a quoted phrase in a match expression, with what precedes it (to spot `NOT message:"…"`)
_PHRASE = re.compile(r'(?P<pre>(?:\bNOT\s+)?(?:\w+\s*[:=]\s*)?)"(?P<text>(?:[^"\\]|\\.)*)"', re.IGNORECASE)
_REGEX_TERM = re.compile(r"message~/(?P<rx>(?:[^/\\]|\\.)*)/(?P<flags>[ims]*)")
_META = set(".^$*+?{}[]|()\\")


@dataclass(frozen=True, slots=True)
class Literal:
    """One needle of the vocabulary and where it comes from."""

    text: str
    source: str  # marker:<id> | marker-logger:<id> | signature:<id> | hint:<id>
    case_sensitive: bool


def marker_literals(path: Path = PHASES) -> list[Literal]:
    """Every marker's text (or its logger when the text is empty)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for m in doc["markers"]:
        text = str(m.get("text") or "")
        if text:
            out.append(Literal(text, f"marker:{m['id']}", True))
        elif m.get("logger"):
            out.append(Literal(str(m["logger"]), f"marker-logger:{m['id']}", True))
    return out


def _phrases(match: str) -> list[str]:
    """Quoted phrases of a match expression that are not negated."""
    out = []
    for m in _PHRASE.finditer(match):
        if re.match(r"NOT\b", m.group("pre"), re.IGNORECASE):
            continue
        out.append(bytes(m.group("text"), "utf-8").decode("unicode_escape") if "\\" in m.group("text")
                   else m.group("text"))
    return out


def required_literal(rx: str) -> str:
    """The longest literal run every match of `rx` contains ('' when a top-level `|` makes none required)."""
    depth = 0
    escaped = False
    for c in rx:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return ""
    return longest_literal(rx)


def longest_literal(rx: str) -> str:
    """The longest run of plain characters in a regex (a hint of what it needs; '' if none)."""
    best, cur, i = "", "", 0
    while i < len(rx):
        c = rx[i]
        if c == "\\" and i + 1 < len(rx):
            nxt = rx[i + 1]
            if nxt.isalnum():  # \d, \s, \b …: a class, not a literal
                best, cur = max(best, cur, key=len), ""
            else:
                cur += nxt
            i += 2
            continue
        if c in _META:
            # a quantifier makes the previous character optional: drop it from the run
            if c in "*?{" and cur:
                cur = cur[:-1]
            best, cur = max(best, cur, key=len), ""
        else:
            cur += c
        i += 1
    return max(best, cur, key=len)


_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>AND|OR|NOT)\b|'
                    r'(?P<term>(?:\w+\s*(?:>=|<=|[:=~<>])\s*)?(?:"(?:[^"\\]|\\.)*"|/(?:[^/\\]|\\.)*/[ims]*|[^\s()]+)))',
                    re.IGNORECASE)


def _tokens(match: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    text = match.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read match expression at {text[pos:pos + 30]!r}")
        kind = m.lastgroup or "term"
        out.append((kind, m.group(kind).strip()))
        pos = m.end()
    return out


def covering(match: str) -> list[str] | None:
    """Phrases of which every record the expression matches contains one (None: no such literal set).

    OR needs one from each side; AND needs only its best side (the one whose
    shortest phrase is longest: the rarest, the way `Query.hint` picks);
    NOT, levels and regexes give none.
    """
    toks = _tokens(match)
    pos = 0

    def parse_or() -> list[str] | None:
        nonlocal pos
        sides = [parse_and()]
        while pos < len(toks) and toks[pos] == ("op", "OR"):
            pos += 1
            sides.append(parse_and())
        if any(s is None for s in sides):
            return None
        return [p for s in sides for p in s]  # type: ignore[union-attr]

    def parse_and() -> list[str] | None:
        nonlocal pos
        parts = [parse_not()]
        while pos < len(toks) and toks[pos][0] != "close" and toks[pos] != ("op", "OR"):
            if toks[pos] == ("op", "AND"):
                pos += 1
            parts.append(parse_not())
        known = [p for p in parts if p]
        return max(known, key=lambda ps: min(len(x) for x in ps)) if known else None

    def parse_not() -> list[str] | None:
        nonlocal pos
        kind, value = toks[pos]
        pos += 1
        if (kind, value.upper()) == ("op", "NOT"):
            parse_not()
            return None
        if kind == "open":
            inner = parse_or()
            pos += 1  # the closing parenthesis
            return inner
        m = re.fullmatch(r'(?:message\s*:\s*)?"((?:[^"\\]|\\.)*)"', value, re.IGNORECASE)
        if m:
            return [m.group(1)]
        rx = _REGEX_TERM.fullmatch(value.replace(" ", "")) if value.lower().startswith("message~") else None
        lit = required_literal(value[value.index("/") + 1:value.rindex("/")]) if rx else ""
        return [lit] if len(lit) >= 6 else None

    return parse_or()


def signature_literals(root: Path = SIGNATURES, mode: str = "cover") -> tuple[list[Literal], list[dict[str, str]]]:
    """(literals of every signature, signatures that have no literal set with their regex's best literal).

    mode "cover": per signature, the phrases every match contains one of
    (see `covering`); mode "all": every non-negated quoted phrase.
    """
    out: list[Literal] = []
    regex_only: list[dict[str, str]] = []
    for path in sorted(root.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        sid = str(doc["id"])
        match = str(doc.get("match", ""))
        if mode == "all":
            req = [required_literal(m.group("rx")) for m in _REGEX_TERM.finditer(match)]
            phrases = _phrases(match) + [r for r in req if len(r) >= 6]
        else:
            phrases = covering(match) or []
        for p in phrases:
            out.append(Literal(p, f"signature:{sid}", False))
        if doc.get("hint"):
            out.append(Literal(str(doc["hint"]), f"hint:{sid}", False))
        rxs = [m.group("rx") for m in _REGEX_TERM.finditer(match)]
        from_regex = [p for p in phrases if p in {required_literal(r) for r in rxs}]
        if from_regex or not phrases:
            regex_only.append({"signature": sid, "regex": " | ".join(rxs),
                               "literal": ", ".join(from_regex) or "(none: a literal engine cannot cover it)"})
    return out, regex_only


def vocabulary(mode: str = "cover") -> list[Literal]:
    """Markers then signatures, duplicates (same text and case rule) kept once."""
    seen: set[tuple[str, bool]] = set()
    out = []
    for lit in [*marker_literals(), *signature_literals(mode=mode)[0]]:
        key = (lit.text if lit.case_sensitive else lit.text.lower(), lit.case_sensitive)
        if key not in seen:
            seen.add(key)
            out.append(lit)
    return out


def needles(mode: str = "cover") -> list[bytes]:
    """The vocabulary as byte needles for a case-sensitive raw search (text as written in the data)."""
    return sorted({lit.text.encode("utf-8") for lit in vocabulary(mode)})


def main(argv: list[str] | None = None) -> int:
    """Print the vocabulary (text, source, case rule) and the regex-only signatures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--mode", choices=("cover", "all"), default="cover",
                    help="signature phrases: a covering set per signature (default) or every quoted phrase")
    args = ap.parse_args(argv)
    vocab = vocabulary(args.mode)
    _, regex_only = signature_literals(mode=args.mode)
    if args.json:
        json.dump({"literals": [asdict(v) for v in vocab], "regex_only": regex_only}, sys.stdout, indent=1)
        print()
        return 0
    for v in vocab:
        print(f"{'Aa' if v.case_sensitive else 'aa'}  {v.text!r:70}  {v.source}")
    print(f"\n{len(vocab)} literals ({sum(v.case_sensitive for v in vocab)} case-sensitive markers, "
          f"{sum(not v.case_sensitive for v in vocab)} case-insensitive signature phrases); "
          f"{len(regex_only)} signatures are covered through a regex term's required literal:")
    for r in regex_only:
        print(f"  {r['signature']}: /{r['regex']}/  -> {r['literal']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
