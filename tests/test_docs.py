"""Every command, parser and signature is documented, and the generated pages are current."""

from __future__ import annotations

import click
import pytest

from migtrace.cli import cli
from migtrace.diagnose.catalog import load_catalog
from migtrace.parsers import registry
from tests.conftest import REPO
from tools import catalog_page, cli_reference

DOCS = REPO / "docs"


def _commands(group: click.Group, prefix: str = "migtrace") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


COMMANDS = _commands(cli)


def test_docs_cli_reference_is_current() -> None:
    assert (DOCS / "cli-reference.md").read_text(encoding="utf-8") == cli_reference.render(), \
        "docs/cli-reference.md is stale: run `python -m tools.cli_reference`"


def test_docs_catalog_page_is_current() -> None:
    assert (DOCS / "catalog.md").read_text(encoding="utf-8") == catalog_page.render(), \
        "docs/catalog.md is stale: run `python -m tools.catalog_page`"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_docs_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help, f"{name} has no help text"
    assert "Example:" in command.help, f"{name}: help must end with an Example (STYLE.md §9)"
    assert f"`{name}`" in (DOCS / "cli-reference.md").read_text(encoding="utf-8")


def test_docs_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [n for n, c in COMMANDS if not isinstance(c, click.Group) and n.split()[1] not in readme]
    assert not missing, f"README.md never shows: {missing}"


@pytest.mark.parametrize("parser", registry.all_parsers(), ids=lambda p: p.name)
def test_docs_every_parser_is_documented(parser: registry.Parser) -> None:
    page = (DOCS / "parsers.md").read_text(encoding="utf-8")
    assert f"## {parser.name}\n" in page and f"| `{parser.name}` |" in page


def test_docs_every_signature_is_in_the_catalog_page() -> None:
    page = (DOCS / "catalog.md").read_text(encoding="utf-8")
    missing = [s.id for s in load_catalog().signatures if f"| `{s.id}` |" not in page]
    assert not missing


def test_docs_architecture_names_every_layer() -> None:
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for layer in ("sources", "parsers", "correlate", "diagnose", "pipeline", "reports", "cli"):
        assert f"migtrace/{layer}" in page or f"`{layer}/`" in page, layer
