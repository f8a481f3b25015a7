"""The architecture rules the layers contract cannot express (docs/architecture.md).

import-linter (in CI) keeps the layers and forbids cycles; these tests keep
the rest: small functions, no swallowed ImportError, no import hidden inside
a function to dodge a cycle, nothing below the façade importing it, a
docstring on every module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from migtrace.model import FileStats
from migtrace.parsers import _template, registry
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from tests.conftest import REPO

#: the package's source trees (migtrace/parsers and migtrace/reports are links to the last two)
SOURCE_DIRS = (REPO / "migtrace", REPO / "parsers", REPO / "reports")
MAX_FUNCTION_LINES = 60
#: the imports that may fail: optional extensions — systemd-python (the `journal` extra), hyperscan (the
#: `fast` extra: sources/_scan.py then searches with bytes.find), distributed and fsspec (the `dask` extra)
OPTIONAL_IMPORT_GUARDS = {("parsers/journal_binary.py", "_sd_journal"), ("migtrace/sources/_scan.py", "_hyperscan"),
                          ("migtrace/sources/_parallel.py", "_made"), ("migtrace/sources/_url.py", "_fsspec")}
#: (module, function) that import a layer on first use, so that `merge` and `timeline` start without
#: what only other commands need (issue 13: start-up imports; tests/test_imports.py checks the effect)
LAZY_IMPORTS = {("migtrace/__init__.py", f) for f in ("_check_paths", "load", "read_events", "correlate", "diagnose", "__getattr__",
                                                       "render")} | {("migtrace/cli/_common.py", "load"),
                                                                     ("migtrace/cli/_common.py", "colour"),
                                                                     ("reports/redact.py", "migration")} | {
    # the bulk merge's numpy: a text-path merge of small inputs never imports it (tests/test_imports.py)
    ("migtrace/sources/_textpath.py", f) for f in ("text_batch", "read_bulk", "_windows", "_batch")} | {
    ("migtrace/cli/_merge.py", "merge")} | {
    # every parser (parsers.registry) and the journal readers: imported by the first sniff or parse, so a
    # query answered from the index imports none (tests/cli/test_timeline_warm_imports.py)
    ("migtrace/sources/_reader.py", f) for f in ("_parse_pseudo", "_read", "_per_line")} | {
    ("migtrace/sources/_sniff.py", "classify"), ("migtrace/sources/_tar.py", "_not_a_log"),
    ("migtrace/sources/_around.py", "read_lines_around"), ("parsers/journal_local.py", "parse")}


def _real_modules() -> list[Path]:
    """Every package module once (the links inside migtrace/ are not followed twice)."""
    found = []
    for top in SOURCE_DIRS:
        for path in sorted(top.rglob("*.py")):
            relative = path.relative_to(REPO)
            if relative.parts[0] == "migtrace" and relative.parts[1] in ("parsers", "reports"):
                continue
            found.append(path)
    return found


MODULES = _real_modules()


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_layout_functions_stay_small(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [f"{f.name} ({f.end_lineno - f.lineno + 1} lines)" for f in _functions(tree)
            if (f.end_lineno or f.lineno) - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{_name(path)}: split these: {long}"


def _enclosing(tree: ast.AST) -> dict[ast.AST, str]:
    """Map every node to the name of the innermost function around it (`<module>` outside any)."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else name
            owner[child] = inner
            visit(child, inner)
    visit(tree, "<module>")
    return owner


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_layout_no_import_error_is_swallowed(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = _enclosing(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            if caught & {"ImportError", "ModuleNotFoundError"}:
                assert (_name(path), owner[node]) in OPTIONAL_IMPORT_GUARDS, \
                    f"{_name(path)}:{node.lineno}: ImportError caught in {owner[node]}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_layout_first_party_imports_are_at_the_top(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in _functions(tree):
        if (_name(path), function.name) in LAZY_IMPORTS:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("migtrace"):
                pytest.fail(f"{_name(path)}:{node.lineno}: import of {node.module} inside {function.name}")
            if isinstance(node, ast.Import) and any(a.name.startswith("migtrace") for a in node.names):
                pytest.fail(f"{_name(path)}:{node.lineno}: import inside {function.name}")


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_layout_nothing_below_the_facade_imports_it(path: Path) -> None:
    if path == REPO / "migtrace" / "__init__.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "migtrace" and node.level == 0:
            pytest.fail(f"{_name(path)}:{node.lineno}: imports from the façade (use the module itself)")
        if isinstance(node, ast.Import) and any(a.name == "migtrace" for a in node.names):
            pytest.fail(f"{_name(path)}:{node.lineno}: imports the façade")


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_layout_every_module_says_why_it_exists(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name == "__init__.py" and not tree.body:
        return
    assert ast.get_docstring(tree), f"{_name(path)} has no module docstring"


def test_layout_template_parser_reads_its_own_samples() -> None:
    parser = _template.PARSER
    assert parser not in registry.PARSERS
    lines = [s.line for s in parser.samples]
    assert parser.sniff(MemoryInput.from_lines(lines).head) == 1.0
    ctx = ParseContext(path="t", stats=FileStats(path="t"), tz=UTC)
    events = list(parser.parse(MemoryInput.from_lines(lines), ctx))
    assert [e.message for e in events] == [s.fields["message"] for s in parser.samples]
    assert ctx.stats.balanced
