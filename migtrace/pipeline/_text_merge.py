"""`merge` without an Event per record: each input's records as texts, merged in time by their printed stamp.

`merged_events` parses every record into an Event, orders them by
`Event.time` and drops cross-input copies; `merge` then prints five fields
of each.  `merged_texts` gives the same records in the same order as
`TextRecord`s: plain oslo inputs are read by the text path
(`sources/_textpath.py`: one header match per record, the record's printed
text built at once), every other input (and the rest of an input from the
first line the text path does not read exactly) the Event way.  The
streams are merged lazily on the printed UTC stamp — it sorts as the time
does, and ties go to the earlier input as `heapq.merge` on the times gives
them; out-of-order records inside one input stay where they are in both —
and copies across inputs are dropped by the same rule and window as
`sources/_stream.drop_copies`, the one loop both paths call.

Not taken (`merged_texts` returns None: the caller uses `merged_events`):
record filters (`--request`, `--instance`, `--since`, `--until`),
`--strict`, and more inputs than may be open at once (the Event way reads
them in batches), and `MIGTRACE_MERGE_TEXT=0`.
"""

from __future__ import annotations

import contextlib
import heapq
import os
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter

from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline._paths import StrPath, resolve_paths
from migtrace.sources import FileReader, Warnings, open_file_budget, open_inputs
from migtrace.sources._stream import drop_copies
from migtrace.sources._textpath import NotPlain, Tag, TextRecord, event_record, rebuild, takes, text_records

__all__ = ["Tag", "TextRecord", "TextStream", "merged_texts", "unique_records"]


#: `MIGTRACE_MERGE_TEXT=0` makes `merge` read every input the Event way (tests and benchmarks compare)
TEXT_PATH_VARIABLE = "MIGTRACE_MERGE_TEXT"

#: `MIGTRACE_MERGE_BULK=0` makes `merge` use the record-by-record text path, `=1` the bulk path whatever the
#: inputs' size (tests and benchmarks compare the paths)
BULK_PATH_VARIABLE = "MIGTRACE_MERGE_BULK"
#: inputs smaller than this together are merged the text path: the bulk path's numpy import (≈ 0.15 CPU s)
#: pays back from about this much log on (≈ 13 µs a line saved), and a merge of a few files stays light
BULK_MIN_BYTES = 4 << 20


def bulk_may_pay(paths: Iterable[StrPath]) -> bool:
    """Whether `merge` should try the bulk path: the inputs hold at least `BULK_MIN_BYTES` (counted
    file by file, stopping there), or their size cannot be told here (stdin, a URL, an unreadable entry)."""
    wanted = os.environ.get(BULK_PATH_VARIABLE)
    if wanted in ("0", "1"):
        return wanted == "1"
    total = 0
    for path in resolve_paths(paths):
        try:
            st = os.stat(path)
        except OSError:
            return True
        if not os.path.isdir(path):
            total += st.st_size
        else:
            for root, _dirs, files in os.walk(path):
                for name in files:
                    with contextlib.suppress(OSError):
                        total += os.lstat(os.path.join(root, name)).st_size
                    if total >= BULK_MIN_BYTES:
                        return True
        if total >= BULK_MIN_BYTES:
            return True
    return False


class TextStream:
    """The records of a `merge` in print order, and how to get the Event of any of them (redaction)."""

    def __init__(self, records: Iterator[TextRecord], readers: dict[str, FileReader]) -> None:
        self.records = records
        self._readers = readers

    def event(self, record: TextRecord) -> Event:
        """The Event the parser makes of this record (rebuilt from its lines when the text path read it)."""
        if isinstance(record.source, Event):
            return record.source
        lineno, lines, _ = record.source
        return rebuild(self._readers[record.origin], lineno, lines)


def merged_texts(paths: Iterable[StrPath], options: LoadOptions, render: Callable[[Event], str], *,
                 full: bool = True) -> TextStream | None:
    """Every record of every input in time order as printed texts; None where only `merged_events` applies.

    `render` prints an Event (the records of inputs the text path does not
    read); `full`: the text path's records carry their extra lines.
    """
    if options.strict or os.environ.get(TEXT_PATH_VARIABLE) == "0":
        return None
    warnings = Warnings(options.warn)
    readers = open_inputs(resolve_paths(paths), options, warnings)
    if len(readers) > open_file_budget():
        return None
    streams = [_input_records(r, render, full) for r in readers]
    by_origin = {r.item.display: r for r in readers}
    return TextStream(unique_records(heapq.merge(*streams, key=itemgetter(0)), warnings), by_origin)


def _input_records(reader: FileReader, render: Callable[[Event], str], full: bool) -> Iterator[TextRecord]:
    """One input's records in its own order: the text path while it reads exactly, then the Event way."""
    given = 0
    if takes(reader):
        try:
            for record in text_records(reader, full):
                yield record
                given += 1
            return
        except NotPlain:
            pass
    if given:  # read again from the start the Event way; the records already given are skipped
        reader = FileReader(reader.item, reader.options, reader.warn, reader.terms, reader.progress)
    for n, e in enumerate(reader.events()):
        if n >= given:
            yield event_record(e, render)


def unique_records(stream: Iterator[TextRecord], warn: Callable[[str], None]) -> Iterator[TextRecord]:
    """Drop a record another input already gave, warn once: the Event path's rule (`drop_copies`)."""
    return drop_copies(stream, lambda r: (r.stamp, (r.key, r.host, r.pid, r.message), r.origin), warn)
