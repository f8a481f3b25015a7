"""Generate docs/cli-reference.md from the click command tree (run it after changing a command).

tests/test_docs.py fails when the committed file differs from what this
prints, so the reference can never drift from `--help`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migtrace.cli import cli

TARGET = Path(__file__).resolve().parents[1] / "docs" / "cli-reference.md"


def _sections(command: click.Command, path: list[str], parent: click.Context | None = None) -> list[str]:
    """Return the Markdown of one command and, for a group, of every sub-command."""
    name = " ".join(path)
    settings = {"max_content_width": 100, "terminal_width": 100, **command.context_settings}
    ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
    out = [f"{'#' * min(len(path) + 1, 4)} `{name}`", "", "```text", command.get_help(ctx), "```", ""]
    if isinstance(command, click.Group):
        for sub in sorted(command.list_commands(ctx)):
            child = command.get_command(ctx, sub)
            if child is not None:
                out += _sections(child, [*path, sub], ctx)
    return out


def render() -> str:
    """Return the whole reference."""
    head = ["# CLI reference", "",
            "Generated from the commands' own help by `python -m tools.cli_reference`; do not edit by hand.", ""]
    return "\n".join(head + _sections(cli, ["migtrace"])).rstrip() + "\n"


def main() -> None:
    """Write docs/cli-reference.md."""
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
