"""The merged chronological stream across files and hosts, behind `migtrace merge`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.pipeline._paths import StrPath, resolve_paths
from migtrace.sources import FileReader, Warnings, open_inputs, read_all, skipped_by_name


@dataclass(frozen=True, slots=True)
class MergedStream:
    """The events in time order; `stats()` is complete once `events` has been consumed."""

    events: Iterator[Event]
    readers: tuple[FileReader, ...]
    #: the paths as given, and whether the walk followed every link (for `skipped`)
    paths: tuple[str, ...] = ()
    follow_symlinks: bool = False

    def stats(self) -> tuple[FileStats, ...]:
        """Return each input's line accounting."""
        return tuple(r.stats for r in self.readers)

    def skipped(self) -> tuple[FileStats, ...]:
        """Return a row per file the directory walk left out by its name (`.conf`, `.md`, `truth.json` …).

        Not part of `stats()` (nor of any Analysis): only `merge --stats` lists them, after the inputs.
        """
        return tuple(FileStats(path=path, fmt=f"skipped: {reason}")
                     for path, reason in skipped_by_name(self.paths, follow_symlinks=self.follow_symlinks))


def merged_events(paths: Iterable[StrPath], options: LoadOptions, *, terms: frozenset[str] = frozenset(),
                  since: datetime | None = None, until: datetime | None = None) -> MergedStream:
    """Stream every record of every input in time order, optionally only those mentioning `terms`."""
    warnings = Warnings(options.warn)
    resolved = resolve_paths(paths)
    readers = open_inputs(resolved, options, warnings, terms)

    def events() -> Iterator[Event]:
        for e in read_all(readers, warnings):
            if (since and e.time < since) or (until and e.time > until):
                continue
            if terms and not _mentions(e, terms):
                continue
            yield e

    return MergedStream(events(), tuple(readers), tuple(resolved), options.follow_symlinks)


def _mentions(e: Event, terms: frozenset[str]) -> bool:
    # substring tests, as the raw prefilter did: a shortened id pasted from chat matches too
    texts = (e.request_id or "", e.global_request_id or "", e.instance or "", e.message, *e.extra)
    return any(t in x for t in terms for x in texts)
