"""The `migtrace` command line (DESIGN.md: CLI contract). Commands stay thin.

Each command lives in its own module and is added here with a plain import:
a command module that fails to import is a broken install and must say so,
not silently vanish from `--help`.
"""

from __future__ import annotations

import click

from migtrace._version import __version__
from migtrace.cli._cache import cache
from migtrace.cli._common import EXIT_CODES, SETTINGS, global_options
from migtrace.cli._diagnose import diagnose, signatures
from migtrace.cli._list import list_cmd
from migtrace.cli._merge import merge
from migtrace.cli._report import report
from migtrace.cli._stats import stats
from migtrace.cli._timeline import timeline

__all__ = ["cli", "main"]


@click.group(context_settings=SETTINGS, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="migtrace")
@global_options
def cli() -> None:
    """Turn OpenStack Nova logs into the story of each VM migration.

    Point it at nova-api, scheduler, conductor and compute logs (files, rotated
    or compressed sets, sosreport trees, journalctl exports, binary journals);
    with no paths it reads $MIGTRACE_LOGS or the usual local locations.
    Tabular commands speak OpenStack-CLI: -f table|value|json|yaml|csv|markdown,
    -c COLUMN, --sort-column, --noindent, --max-width.

    Example: migtrace list sample_logs/
    """


for _command in (list_cmd, stats, timeline, merge, diagnose, signatures, report, cache):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="migtrace")
