"""The merged chronological view across files and hosts (`migtrace merge`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from migtrace.model import Event, FileStats
from migtrace.sources import FileReader, ReadOptions, default_paths


def format_event(e: Event, full: bool = True) -> list[str]:
    """Render one record as `time [host/service] LEVEL logger [req] [instance] message`."""
    req = f" [{e.request_id}]" if e.request_id else " [-]"
    inst = f" [instance: {e.instance}]" if e.instance else ""
    head = (f"{e.time.isoformat(timespec='microseconds')} [{e.host or '?'}/{e.service or '?'}] "
            f"{e.level or '-'} {e.logger or '-'}{req}{inst} {e.message}")
    if not full or not e.extra:
        return [head]
    return [head, *(f"    {x}" for x in e.extra)]


def merged_lines(paths: Sequence[str], options: ReadOptions, *, since: datetime | None = None,
                 until: datetime | None = None, full: bool = True,
                 warn: Callable[[str], None] | None = None) -> tuple[Iterator[str], list[FileReader]]:
    """Stream the merged view; readers carry the per-file stats once the stream is consumed.

    `options.terms` (request ids, instances) restricts the view to the records that mention them.
    """
    from migtrace.pipeline import read_events

    terms = options.terms
    stream, readers, _warnings = read_events(list(paths) or default_paths(), options, warn)

    def lines() -> Iterator[str]:
        for e in stream:
            if since and e.time < since or until and e.time > until:
                continue
            if terms and not _mentions(e, terms):
                continue
            yield from format_event(e, full)

    return lines(), readers


def _mentions(e: Event, terms: frozenset[str]) -> bool:
    # substring tests, as the raw prefilter did: a shortened id pasted from chat matches too
    texts = (e.request_id or "", e.global_request_id or "", e.instance or "", e.message, *e.extra)
    return any(t in x for t in terms for x in texts)


def stats_table(stats: Sequence[FileStats]) -> str:
    """Per-file accounting: format, records, continuation/meta/unparsed lines, and the balance check."""
    cols = ("file", "format", "host", "service", "lines", "records", "cont", "meta", "unparsed", "skipped", "ok")
    rows = [(s.path, s.fmt, s.host or "-", s.service or "-", str(s.lines_read), str(s.records),
             str(s.continuation_lines), str(s.meta_lines), str(s.unparsed_lines), str(s.skipped_lines),
             "yes" if s.balanced else "NO") for s in stats]
    total = ("TOTAL", "", "", "", *(str(sum(int(r[i]) for r in rows)) for i in range(4, 10)),
             "yes" if all(s.balanced for s in stats) else "NO")
    rows.append(total)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join(out) + "\n"
