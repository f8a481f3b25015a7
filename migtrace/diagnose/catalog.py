"""Load and validate known-failure signatures from YAML files.

A signature is data, never code (STYLE.md §7): one file per signature at
`migtrace/signatures/<component>/<id>.yaml`, plus whatever files or
directories the user passes with `--signatures`.  A user signature with the
id of a shipped one replaces it, so a site can tune a conclusion without
forking.  Every problem is a `SignatureError` whose message fits on one line
and names the file, the signature and the position in the file, because the
author has to find it in an editor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migtrace._datafile import yaml_loader
from migtrace.diagnose import _compiled
from migtrace.diagnose._remedy import ReleaseRange, Remedy, parse_releases, parse_remedies
from migtrace.diagnose.query import Query, compile_query
from migtrace.errors import QueryError, SignatureError
from migtrace.model import KINDS

if TYPE_CHECKING:  # PyYAML is imported where a signature is parsed: a cached catalog needs none
    import yaml

#: Where the shipped catalog lives.
SHIPPED_DIR = Path(__file__).parent.parent / "signatures"

#: Severities in increasing order; `--fail-on` compares by this rank.
SEVERITIES: tuple[str, ...] = ("info", "warning", "error", "critical")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}

#: Migration kinds a signature may restrict itself to (nova's words, see model.MigrationKind).
FLOWS: tuple[str, ...] = KINDS

_ID_RE = re.compile(r"^(lp\d+|[a-z0-9]+(?:-[a-z0-9]+)*)$")
_REQUIRED = ("id", "title", "severity", "match", "explanation")
_OPTIONAL = ("remedy", "remedies", "flows", "phases", "hint", "references", "example", "releases", "fallback")


@dataclass(frozen=True, slots=True)
class Signature:
    """One known failure: how to recognise it and what to tell the operator.

    `fallback` marks a generic symptom ("Migration operation has aborted")
    that is reported on a migration only when no specific signature matched
    it, so the operator sees the cause rather than the echo.  `remedy` is the
    advice for every release; `remedies` add advice that needs a release
    range (an option that exists since Stein…), composed per finding for the
    release the logs come from.  `release_range` is the releases whose wording
    the match follows; `releases` says it in words.
    """

    id: str
    title: str
    severity: str
    match: Query
    explanation: str
    remedy: str
    flows: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    hint: str | None = None
    references: tuple[str, ...] = ()
    example: str = ""
    releases: str = ""
    fallback: bool = False
    component: str = ""
    path: str = ""
    remedies: tuple[Remedy, ...] = ()
    release_range: ReleaseRange = field(default_factory=ReleaseRange)

    def applies_to(self, kind: str | None) -> bool:
        """Return True when the signature may fire on a migration of this kind (None: any)."""
        return not self.flows or kind is None or kind in self.flows


@dataclass(frozen=True, slots=True)
class Catalog:
    """The signatures in force: shipped ones, then the user's (same id replaces)."""

    signatures: tuple[Signature, ...]

    def get(self, ident: str) -> Signature | None:
        """Return the signature with this id, or None."""
        for sig in self.signatures:
            if sig.id == ident:
                return sig
        return None

    def __len__(self) -> int:
        return len(self.signatures)

    def __iter__(self) -> Iterator[Signature]:
        return iter(self.signatures)


def load_catalog(extra: Sequence[str] = ()) -> Catalog:
    """Load the shipped signatures plus the user's files or directories in `extra`."""
    by_id: dict[str, Signature] = {sig.id: sig for sig in shipped_signatures()}
    user_seen: dict[str, str] = {}
    for item in extra:
        path = Path(item)
        if not path.exists():
            raise SignatureError(f"{item}: no such signature file or directory")
        files = _yaml_files(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise SignatureError(f"{item}: no *.yaml signature files in this directory")
        for file in files:
            sig = load_signature_file(file)
            if sig.id in user_seen:
                raise SignatureError(
                    f"{file}: signature '{sig.id}': duplicate id, also defined in "
                    f"{user_seen[sig.id]} (line 1, column 1)")
            user_seen[sig.id] = str(file)
            by_id[sig.id] = sig
    return Catalog(tuple(sorted(by_id.values(), key=lambda s: (s.component, s.id))))


def shipped_signatures() -> tuple[Signature, ...]:
    """The shipped catalog's signatures, compiled once per installed migtrace (`_compiled`: a pickle in the
    private cache dir keyed by the files' digests; the YAML is parsed again when it is missing or not trusted)."""
    files = _yaml_files(SHIPPED_DIR)
    return _compiled.cached("catalog", _compiled.key_of("catalog", files, SHIPPED_DIR),
                            lambda: tuple(_load_tree(SHIPPED_DIR)), _all_signatures)


def _all_signatures(found: object) -> bool:
    """True for what `shipped_signatures` pickles: a tuple of Signatures (anything else is rebuilt)."""
    return isinstance(found, tuple) and all(isinstance(s, Signature) for s in found)


def load_signature_file(path: str | Path) -> Signature:
    """Parse and validate one signature file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SignatureError(f"{path}: cannot read: {exc}") from None
    return parse_signature(text, path=str(path), component=path.parent.name)


def parse_signature(text: str, *, path: str = "<signature>", component: str = "") -> Signature:
    """Validate the YAML text of one signature and compile its match expression."""
    fallback_id = Path(path).stem
    import yaml  # noqa: PLC0415 - see TYPE_CHECKING above

    nodes = _key_nodes(text, path, fallback_id)
    data = yaml.load(text, Loader=yaml_loader()) or {}
    sig_id = str(data.get("id") or fallback_id)

    def fail(what: str, key: str | None = None) -> SignatureError:
        node = nodes[key][1] if key is not None and key in nodes else None
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        return SignatureError(f"{path}: signature '{sig_id}': {what} {_pos(line, col)}")

    _check_keys(data, nodes, path, sig_id, fail)
    if not _ID_RE.match(sig_id):
        raise fail(f"id '{sig_id}' must be kebab-case or lpNNNN", "id")
    if Path(path).suffix in (".yaml", ".yml") and fallback_id != sig_id:
        raise fail(f"id '{sig_id}' does not match the file name '{Path(path).name}'", "id")
    severity = str(data["severity"])
    if severity not in SEVERITIES:
        raise fail(f"severity '{severity}' is not one of {', '.join(SEVERITIES)}", "severity")
    flows = _str_tuple(data, "flows", fail)
    for flow in flows:
        if flow not in FLOWS:
            raise fail(f"unknown flow '{flow}' (known: {', '.join(FLOWS)})", "flows")
    fallback = data.get("fallback", False)
    if not isinstance(fallback, bool):
        raise fail("fallback must be true or false", "fallback")
    query = _compile_match(str(data["match"]), nodes["match"][1], text, path, sig_id)
    example = str(data.get("example") or "").rstrip("\n")
    hint = _hint(data.get("hint"), query, example, fail)
    remedies = parse_remedies(data.get("remedies"), fail)
    if not str(data.get("remedy") or "").strip() and not remedies:
        raise fail("missing required key 'remedy'")  # (a 'remedies' list alone also does)
    release_range = parse_releases(data.get("releases"), fail)
    return Signature(
        id=sig_id, title=str(data["title"]).strip(), severity=severity, match=query,
        explanation=str(data["explanation"]).strip(), remedy=str(data.get("remedy") or "").strip(), flows=flows,
        phases=_str_tuple(data, "phases", fail), hint=hint, references=_str_tuple(data, "references", fail),
        example=example, releases=release_range.text() if "releases" in data else "",
        fallback=fallback, component=component, path=path, remedies=remedies, release_range=release_range,
    )


def _key_nodes(text: str, path: str, fallback_id: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Return the YAML nodes of each top-level key, so that errors can point at a line and column."""
    import yaml  # noqa: PLC0415 - see TYPE_CHECKING above

    try:
        root = yaml.compose(text, Loader=yaml_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark.line + 1, mark.column + 1) if mark else _pos(1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SignatureError(
            f"{path}: signature '{fallback_id}': invalid YAML: {problem} {where}") from None
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        raise SignatureError(
            f"{path}: signature '{fallback_id}': expected a mapping of keys {_pos(line, 1)}")
    return {str(key_node.value): (key_node, value_node) for key_node, value_node in root.value}


def _check_keys(data: Mapping[str, Any], nodes: Mapping[str, tuple[yaml.Node, yaml.Node]], path: str,
                sig_id: str, fail: Callable[..., SignatureError]) -> None:
    """Refuse unknown keys, missing required keys and non-text values where text is meant."""
    for key, (key_node, _value) in nodes.items():
        if key not in _REQUIRED and key not in _OPTIONAL:
            allowed = ", ".join((*_REQUIRED, *_OPTIONAL))
            raise SignatureError(
                f"{path}: signature '{sig_id}': unknown key '{key}' (allowed: {allowed}) "
                f"{_pos(key_node.start_mark.line + 1, key_node.start_mark.column + 1)}")
    for key in _REQUIRED:
        if key not in data or data[key] in (None, ""):
            raise fail(f"missing required key '{key}'")
    _check_text(data, ("id", "title", "severity", "match", "explanation", "remedy", "hint",
                       "example"), fail)


def _hint(given: object, query: Query, example: str, fail: Callable[..., SignatureError]) -> str | None:
    """Return the cheap prefilter substring: the author's `hint`, else the query's own."""
    hint = str(given) if given else query.hint
    if hint is not None and hint != hint.lower():
        raise fail(f"hint '{hint}' must be lower-case (it is compared to lower-cased text)", "hint")
    if hint and example and hint not in example.lower():
        raise fail(f"hint '{hint}' does not occur in the example line", "hint")
    return hint


# --------------------------------------------------------------------------- helpers


def _pos(line: int, column: int) -> str:
    return f"(line {line}, column {column})"


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _load_tree(directory: Path) -> Iterable[Signature]:
    seen: dict[str, Path] = {}
    for file in _yaml_files(directory):
        sig = load_signature_file(file)
        if sig.id in seen:
            raise SignatureError(
                f"{file}: signature '{sig.id}': duplicate id, also in {seen[sig.id]} "
                "(line 1, column 1)")
        seen[sig.id] = file
        yield sig


def _check_text(data: Mapping[str, Any], keys: Iterable[str], fail: Any) -> None:
    for key in keys:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise fail(f"'{key}' must be a string, not {type(data[key]).__name__}", key)


def _str_tuple(data: Mapping[str, Any], key: str, fail: Any) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"'{key}' must be a list of strings", key)
    return tuple(value)


def _compile_match(query_text: str, node: yaml.Node, text: str, path: str,
                   sig_id: str) -> Query:
    """Compile the match expression, reporting errors at their position in the file."""
    try:
        return compile_query(query_text, source=f"{path}:{sig_id}")
    except QueryError as exc:
        line, col = _map_position(node, text, query_text, exc.line, exc.column)
        reason = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
        raise SignatureError(
            f"{path}: signature '{sig_id}': bad match expression: {reason} {_pos(line, col)}"
        ) from None


def _map_position(node: yaml.Node, text: str, query: str, qline: int,
                  qcol: int) -> tuple[int, int]:
    """Map a (line, column) inside the match expression to a (line, column) in the file.

    Block scalars (`|`, `>`) and multi-line plain scalars keep one source line
    per content line with its indentation stripped; every join (newline or the
    space a fold makes) is one character, so walking the lines in step with
    the query's character offset lands on the right source position.
    """
    lines = query.split("\n")
    offset = sum(len(line) + 1 for line in lines[:qline - 1]) + qcol - 1
    start = node.start_mark
    raw = text[start.index:node.end_mark.index]
    style = getattr(node, "style", None)
    raw_lines = raw.split("\n")
    if style in ("|", ">"):
        first_line, source_lines = start.line + 2, raw_lines[1:]
        pieces = [(first_line + i, len(r) - len(r.lstrip()) + 1, r.strip())
                  for i, r in enumerate(source_lines)]
    else:
        quote = 1 if style in ('"', "'") else 0
        pieces = [(start.line + 1, start.column + 1 + quote, raw_lines[0][quote:].rstrip())]
        pieces += [(start.line + 2 + i, len(r) - len(r.lstrip()) + 1, r.strip())
                   for i, r in enumerate(raw_lines[1:])]
    remaining = offset
    for file_line, first_col, content in pieces:
        if remaining <= len(content):
            return file_line, first_col + remaining
        remaining -= len(content) + 1
    last_line, first_col, content = pieces[-1] if pieces else (start.line + 1, 1, "")
    return last_line, first_col + len(content)
