"""The local machine's journal: devstack's and the distributions' nova units.

With no paths at all migtrace reads this machine's journal as well as the
usual log directories.  The sources layer hands it over as the pseudo input
`journal:local`, which has no bytes; this parser recognises that name and
reads the units through systemd-python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from migtrace.model import Event
from migtrace.parsers._base import Head, InputData, ParseContext, Sample

#: The pseudo path that names the local journal among the inputs.
PSEUDO_PATH = "journal:local"

#: No text variants: the local journal has no lines to match.
patterns: dict[str, re.Pattern[str]] = {}


class LocalJournalParser:
    """Parser for the pseudo input `journal:local`."""

    name = "journal-local"
    patterns = patterns
    samples: tuple[Sample, ...] = ()

    def sniff(self, head: Head) -> float:
        """Recognise the pseudo path; a file can never be the local journal."""
        return 1.0 if head.path == PSEUDO_PATH and not head.data else 0.0

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Read the nova units of this machine's journal."""
        # imported here: the sources name `PSEUDO_PATH` on every run, and the journal readers (subprocess,
        # the journal-export and journalctl parsers) are needed only when the local journal is read
        from migtrace.parsers.journal_binary import read_local_journal  # noqa: PLC0415

        return read_local_journal(ctx)


PARSER = LocalJournalParser()

__all__ = ["PARSER", "PSEUDO_PATH", "LocalJournalParser"]
