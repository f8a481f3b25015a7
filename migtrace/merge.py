"""The merged chronological view across files and hosts (`migtrace merge`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from migtrace._timeutil import zone_named
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


def merged_lines(inputs: dict[str, Any], *, terms: frozenset[str] = frozenset(), since: datetime | None = None,
                 until: datetime | None = None, full: bool = True,
                 warn: Callable[[str], None] | None = None) -> tuple[Iterator[str], list[FileReader]]:
    """Stream the merged view; readers carry the per-file stats once the stream is consumed."""
    from migtrace._cli_common import _pairs
    from migtrace.pipeline import read_events

    tz_default, tz_by_path = _pairs(tuple(inputs.get("tz") or ()), "ZONE")
    _, aliases = _pairs(tuple(inputs.get("host_alias") or ()), "HOST")
    if tz_default:
        zone_named(tz_default)
    options = ReadOptions(tz=tz_default, tz_by_path=tz_by_path, year=inputs.get("year"),
                          host_aliases=aliases, strict=bool(inputs.get("strict")), terms=terms)
    paths = list(inputs.get("paths") or ()) or default_paths()
    stream, readers, _warnings = read_events(paths, options, warn)

    def lines() -> Iterator[str]:
        for e in stream:
            if since and e.time < since or until and e.time > until:
                continue
            if terms and not _mentions(e, terms):
                continue
            yield from format_event(e, full)

    return lines(), readers


def _mentions(e: Event, terms: frozenset[str]) -> bool:
    ids = (e.request_id, e.global_request_id, e.instance)
    return any(t in ids or t in e.message for t in terms) or any(t in x for t in terms for x in e.extra)


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
