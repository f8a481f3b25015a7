"""Run the whole flow: sources → parsers → (skew) → correlate → diagnose.

Events are read from all inputs merged in time order and only the ones a
migration story can use are kept (markers, instance-tagged lines, warnings
and errors, lines of requests that opened a move), so memory grows with what
is kept, not with the size of the logs.  A targeted query (one request id or
instance) reads twice: first for the id itself, then for everything the
first pass tied to it, scanning raw text so unrelated lines are not parsed.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from collections import deque
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

from migtrace.analysis import Analysis
from migtrace.correlate import correlate
from migtrace.markers import MarkerSet, load_markers
from migtrace.model import Event, level_rank
from migtrace.skew import estimate_offsets
from migtrace.sources import FileReader, ReadOptions, Warnings, default_paths, expand_paths

_WARNING = level_rank("WARNING")


class _Keeper:
    """Decide while streaming which events the analysis keeps."""

    def __init__(self, markers: MarkerSet) -> None:
        self.markers = markers
        self.requests: set[str] = set()

    def __call__(self, e: Event) -> bool:
        if e.request_id and e.request_id in self.requests:
            return True
        if e.request_id and self.markers.starts_request(e):
            self.requests.add(e.request_id)
            return True
        # a cheap text test only: correlate matches the kept events in full, once
        if self.markers.could_match(e.message):
            return True
        if e.instance or level_rank(e.level) >= _WARNING:
            return True
        return "igration" in e.message


def read_events(paths: Sequence[str], options: ReadOptions | None = None,
                warn: Callable[[str], None] | None = None) -> tuple[Iterator[Event], list[FileReader], Warnings]:
    """Open every input and return the time-merged event stream plus the readers (for stats)."""
    options = options or ReadOptions()
    warnings = Warnings(warn)
    items = expand_paths(list(paths), warnings)
    readers = [FileReader(item, options, warnings) for item in items]
    merged = heapq.merge(*(r.events() for r in readers), key=lambda e: e.time)
    return _unique(merged, warnings), readers, warnings


#: records further apart in time than this cannot be copies of each other
_DUP_WINDOW_S = 2.0


def _unique(stream: Iterator[Event], warn: Callable[[str], None]) -> Iterator[Event]:
    """Drop records that another input already gave (the same journal as screen text and export).

    Two inputs holding the same record happen when users collect both a
    devstack `screen-*.txt` and the `journalctl -o export` it came from; the
    copy has the same time, host, pid and text but another source file.
    """
    recent: dict[tuple[object, ...], str] = {}
    order: deque[tuple[float, tuple[object, ...]]] = deque()
    dropped = 0
    example = ""
    for e in stream:
        now = e.time.timestamp()
        while order and now - order[0][0] > _DUP_WINDOW_S:
            recent.pop(order.popleft()[1], None)
        key = (e.time, e.host, e.pid, e.message)
        first = recent.get(key)
        if first is not None and first != e.source:
            dropped += 1
            example = example or f"{first} and {e.source}"
            continue
        if first is None:
            recent[key] = e.source
            order.append((now, key))
        yield e
    if dropped:
        warn(f"{dropped} records appear in two inputs ({example}); each is counted once")


def _collect(paths: Sequence[str], options: ReadOptions, warn: Callable[[str], None] | None,
             keep: Callable[[Event], bool] | None) -> tuple[list[Event], list[FileReader], Warnings]:
    stream, readers, warnings = read_events(paths, options, warn)
    events = [e for e in stream if keep is None or keep(e)]
    return events, readers, warnings


def load(*paths: str, tz: str | None = None, tz_by_path: dict[str, str] | None = None,
         year: int | None = None, host_aliases: dict[str, str] | None = None, skew: str = "auto",
         strict: bool = False, signatures: Sequence[str] = (), ident: str | None = None,
         keep_all: bool = False, warn: Callable[[str], None] | None = None,
         diagnose: bool = True) -> Analysis:
    """Load logs and return the Analysis (migrations with phases, findings, line accounting).

    `ident` makes it a targeted query: only records mentioning the id (and,
    in a second pass, the instances and requests tied to it) are parsed.
    """
    path_list = list(paths) or default_paths()
    options = ReadOptions(tz=tz, tz_by_path=dict(tz_by_path or {}), year=year,
                          host_aliases=dict(host_aliases or {}), strict=strict)
    markers = load_markers()
    if ident:
        events, readers, warnings = _targeted(path_list, options, warn, ident)
    else:
        keeper = None if keep_all else _Keeper(markers)
        events, readers, warnings = _collect(path_list, options, warn, keeper)
    if not path_list:
        warnings("no input: give paths, or set $MIGTRACE_LOGS")
    if tz is None and not tz_by_path and any(r.stats.fmt.startswith(("oslo", "journal-text")) for r in readers):
        warnings("timestamps without a zone were read as UTC; give --tz ZONE if the hosts log local time")
    offsets: dict[str, float] = {}
    if skew == "auto":
        offsets = estimate_offsets(events)
        if offsets:
            events = [e.replace(time=e.time + timedelta(seconds=offsets[e.host])) if e.host in offsets else e
                      for e in events]
            events.sort(key=lambda e: e.time)
    migrations = correlate(events, markers)
    analysis = Analysis(events=events, migrations=migrations, stats=[r.stats for r in readers],
                        skew=offsets, skew_mode=skew, warnings=warnings.lines, inputs=path_list)
    if diagnose:
        _diagnose(analysis, signatures)
    return analysis


def _diagnose(analysis: Analysis, signatures: Sequence[str]) -> None:
    try:
        from migtrace.catalog import load_catalog
        from migtrace.diagnose import diagnose
    except ImportError:
        return
    diagnose(analysis, load_catalog(tuple(signatures)))


def _targeted(paths: Sequence[str], options: ReadOptions, warn: Callable[[str], None] | None,
              ident: str) -> tuple[list[Event], list[FileReader], Warnings]:
    """Two raw-text passes: the id itself, then every request/instance tied to it."""
    terms = {ident, ident.removeprefix("req-")} if ident.startswith("req-") else {ident}
    first_opts = replace(options, terms=frozenset(terms))
    events, _readers, _w = _collect(paths, first_opts, None, None)
    related: set[str] = set(terms)
    for e in events:
        if e.instance:
            related.add(e.instance)
        if e.request_id:
            related.add(e.request_id)
    # requests of the same instances (API calls, follow-ups) are found by the instance term
    second_opts = replace(options, terms=frozenset(related))
    events, readers, warnings = _collect(paths, second_opts, warn, None)
    more = {e.request_id for e in events if e.request_id and e.request_id not in related
            and (e.service == "n-api" or "action" in e.message)}
    if more:
        third_opts = replace(options, terms=frozenset(related | more))
        events, readers, warnings = _collect(paths, third_opts, warn, None)
    return events, readers, warnings


#: file names that tell the sources layer which service wrote an in-memory text
_SERVICE_FILE_NAMES = {"n-cpu": "nova-compute.log", "n-api": "nova-api.log", "n-cond": "nova-conductor.log",
                       "n-sch": "nova-scheduler.log"}


def load_text(text: str, *, name: str = "<fixture>", host: str | None = None,
              service: str | None = None, catalog: object | None = None, **kwargs: object) -> Analysis:
    """Load log text held in memory (fixtures, notebooks); host/service name the writer."""
    with tempfile.TemporaryDirectory(prefix="migtrace-") as tmp:
        fname = _SERVICE_FILE_NAMES.get(service or "") or (
            os.path.basename(name) if name and not name.startswith("<") else "fixture.log")
        path = os.path.join(tmp, fname)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        aliases = {path: host} if host else {}
        analysis = load(path, host_aliases=aliases, diagnose=catalog is None, **kwargs)  # type: ignore[arg-type]
        if catalog is not None:
            from migtrace.diagnose import diagnose

            diagnose(analysis, catalog)  # type: ignore[arg-type]
        for s in analysis.stats:
            s.path = name
        return analysis
