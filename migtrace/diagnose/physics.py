"""Migration physics: bytes sent, bandwidth, dirty rate, convergence and marked events of one move.

A pure function of a Migration's events: the monitor's progress lines
(read through the `src-progress` marker, the same captures correlate
uses), the marks of migtrace/data/physics.yaml (admin actions, post-copy,
timeouts) and the downtime correlate measured.  The rules and thresholds
are data (physics.yaml), the arithmetic is here:

- transferred: `bytes processed` at the last sample (what was sent by then;
  nova logs no final figure after the switch-over);
- bandwidth: bytes processed between the first and the last sample over
  the log time between them, in MiB/s (nova's `live_migration_bandwidth`
  unit) — the *effective* rate, idle stretches included;
- dirty rate: memory the guest dirtied over the same stretch, from the two
  counters: remaining(t2) = remaining(t1) − sent + dirtied, so dirtied =
  Δremaining + Δprocessed; unknown when the counters disagree (negative);
- verdict: remaining memory at the last sample against the first (band
  from the data file), with the numbers as evidence; `unknown` and why when
  the samples cannot tell;
- auto-converge: nova never logs throttling, so it is `unknown` and says
  why, unless a mark rules it out (physics.yaml `auto_converge`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from migtrace._datafile import Key, check_entry, entries, load_document, read_text
from migtrace.correlate.markers import Marker, load_markers
from migtrace.errors import DataError
from migtrace.model import KINDS, Event, Migration

MIB: Final = 1024 * 1024
#: the verdicts, in the order a reader worries about them least to most
VERDICTS: Final = ("converging", "stalled", "diverging", "unknown")
#: the prefilter of a progress line (the marker's regex runs only on these)
_PROGRESS_TEXT: Final = "Migration running for"

_MARK_SCHEMA: Final = {
    "id": Key(required=True), "label": Key(required=True), "text": Key(required=True),
    "admin": Key(kind=bool), "ends_precopy": Key(kind=bool), "kinds": Key(kind=list, choices=KINDS), "why": Key(),
}


@dataclass(frozen=True, slots=True)
class MarkRule:
    """One kind of event worth marking on the timeline and charts (physics.yaml `marks`)."""

    id: str
    label: str
    text: str
    admin: bool = False
    kinds: tuple[str, ...] = ()
    #: after this event the guest dirties no memory at the source (paused, or running on the destination)
    ends_precopy: bool = False


_AUTO_CONVERGE_SCHEMA: Final = {
    "unknown": Key(required=True), "excluded": Key(required=True), "not_live": Key(required=True),
    "excluded_by": Key(kind=list, required=True),
}


@dataclass(frozen=True, slots=True)
class AutoConverge:
    """What to say about auto-converge (physics.yaml `auto_converge`): nova logs no throttling."""

    unknown: str
    excluded: str
    not_live: str
    #: mark ids after which the move cannot have been auto-converged (post-copy: nova sets one flag or the other)
    excluded_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds, marks and auto-converge wording of physics.yaml."""

    min_samples: int
    min_span_s: float
    band: float
    idle_min_s: float
    marks: tuple[MarkRule, ...]
    auto_converge: AutoConverge


@dataclass(frozen=True, slots=True)
class Mark:
    """One marked event of a move: what (rule id, label), when, where, and whether an operator did it."""

    id: str
    label: str
    admin: bool
    event: Event
    ends_precopy: bool = False


@dataclass(frozen=True, slots=True)
class Sample:
    """One progress line's numbers (bytes None when the release printed only percentages)."""

    event: Event
    secs: float
    remaining_pct: int
    processed: int | None
    remaining: int | None
    total: int | None


@dataclass(frozen=True, slots=True)
class Physics:
    """What the progress lines say about one move; every figure None when the lines cannot tell."""

    migration_id: str
    samples: tuple[Sample, ...]
    span_s: float | None
    transferred_bytes: int | None
    memory_bytes: int | None
    bandwidth_mib_s: float | None
    dirty_rate_mib_s: float | None
    verdict: str
    evidence: str
    idle_s: float | None
    marks: tuple[Mark, ...]
    downtime_s: float | None
    downtime_source: str
    downtime_resolution_s: float | None
    #: whether libvirt throttled the guest, or that the logs cannot tell and why (physics.yaml `auto_converge`)
    auto_converge: str = ""


def _number(document: Mapping[str, Any], key: str, where: str) -> float:
    value = document.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise DataError(f"{where}: convergence.{key} must be a number ≥ 0")
    return float(value)


@functools.cache
def load_rules(path: str | None = None) -> Rules:
    """Load and check migtrace/data/physics.yaml (or another file, for tests)."""
    text, where = read_text("physics.yaml", path)
    document = load_document(text, where)
    conv = document.get("convergence")
    if not isinstance(conv, Mapping):
        raise DataError(f"{where}: 'convergence' must be a mapping")
    marks = tuple(MarkRule(id=e["id"], label=e["label"], text=e["text"], admin=bool(e.get("admin")),
                           kinds=tuple(e.get("kinds") or ()), ends_precopy=bool(e.get("ends_precopy")))
                  for e in entries(document, "marks", _MARK_SCHEMA, where))
    thresholds = {key: _number(conv, key, where) for key in ("min_samples", "min_span_s", "band", "idle_min_s")}
    auto = check_entry(document.get("auto_converge"), _AUTO_CONVERGE_SCHEMA, f"{where}: auto_converge")
    unknown_ids = sorted(set(auto["excluded_by"]) - {k.id for k in marks})
    if unknown_ids:
        raise DataError(f"{where}: auto_converge.excluded_by names no mark: {', '.join(map(str, unknown_ids))}")
    return Rules(min_samples=int(thresholds["min_samples"]), min_span_s=thresholds["min_span_s"],
                 band=thresholds["band"], idle_min_s=thresholds["idle_min_s"], marks=marks,
                 auto_converge=AutoConverge(unknown=auto["unknown"], excluded=auto["excluded"],
                                            not_live=auto["not_live"], excluded_by=tuple(auto["excluded_by"])))


def _int(groups: Mapping[str, str], key: str) -> int | None:
    value = groups.get(key)
    return int(value) if value else None


@functools.cache
def _progress_markers() -> tuple[Marker, ...]:
    """Return the markers of progress lines (phases.yaml `progress: true`), the ones with a regex."""
    return tuple(m for m in load_markers().markers if m.progress and m.regex is not None)


def _progress_groups(e: Event, markers: Sequence[Marker]) -> Mapping[str, str] | None:
    """Return the captures of the first progress marker the event matches (text, logger, regex)."""
    for marker in markers:
        if marker.text not in e.message or (marker.logger and not (e.logger or "").startswith(marker.logger)):
            continue
        found = marker.regex.search(e.message) if marker.regex is not None else None
        if found is not None and found.group("pct") is not None:
            return {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def samples_of(events: Sequence[Event]) -> tuple[Sample, ...]:
    """Return the progress samples in the events, in time order (the progress markers' captures)."""
    markers = _progress_markers()
    out: list[Sample] = []
    for e in events:
        if _PROGRESS_TEXT not in e.message:
            continue
        g = _progress_groups(e, markers)
        if g is not None:
            out.append(Sample(event=e, secs=float(g.get("secs") or 0), remaining_pct=int(g["pct"]),
                              processed=_int(g, "processed"), remaining=_int(g, "remaining"), total=_int(g, "total")))
    return tuple(sorted(out, key=lambda s: s.event.time))


def marks_of(migration: Migration, rules: Rules | None = None) -> tuple[Mark, ...]:
    """Return the move's events that physics.yaml marks, in time order."""
    found: list[Mark] = []
    for rule in (rules or load_rules()).marks:
        if rule.kinds and migration.kind not in rule.kinds:
            continue
        found.extend(Mark(rule.id, rule.label, rule.admin, e, rule.ends_precopy)
                     for e in migration.events if rule.text in e.message)
    return tuple(sorted(found, key=lambda m: m.event.time))


def _seconds(a: Sample, b: Sample) -> float:
    return (b.event.time - a.event.time).total_seconds()


def _idle(samples: Sequence[Sample]) -> float | None:
    """Return the longest stretch between samples in which no byte was sent (None: no byte counts)."""
    counted = [s for s in samples if s.processed is not None]
    if len(counted) < 2:
        return None
    longest, start = 0.0, counted[0]
    for prev, cur in itertools.pairwise(counted):
        if cur.processed != prev.processed:
            start = cur
        longest = max(longest, _seconds(start, cur))
    return longest


def _gib(n: float) -> str:
    return f"{n / MIB / 1024:.2f} GiB"


def _trend(window: Sequence[Sample], bytes_known: bool) -> tuple[float, float]:
    """Return the least-squares line's memory left at the first and the last sample.

    A fitted line, not the two end samples: pre-copy passes make the figure
    saw up and down, and one sample on a peak must not decide the verdict.
    """
    xs = [_seconds(window[0], s) for s in window]
    ys = [float(s.remaining if bytes_known and s.remaining is not None else s.remaining_pct) for s in window]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my + slope * (xs[0] - mx), my + slope * (xs[-1] - mx)


def _verdict(window: Sequence[Sample], rules: Rules) -> tuple[str, str]:
    """Judge whether the memory left to copy falls, holds or grows over the pre-copy samples."""
    first, last = window[0], window[-1]
    bytes_known = all(s.remaining is not None for s in window)
    start, end = _trend(window, bytes_known)
    if start <= 0:
        verdict, change = ("converging" if end <= start else "diverging"), ""
    else:
        ratio = end / start
        verdict = "converging" if ratio <= 1 - rules.band else "diverging" if ratio >= 1 + rules.band else "stalled"
        change = f", trend {ratio - 1:+.0%}"
    if bytes_known:
        shown = f"{_gib(first.remaining or 0)} → {_gib(last.remaining or 0)}"
    else:
        shown = f"{first.remaining_pct}% → {last.remaining_pct}%"
    return verdict, f"memory left {shown}{change}"


def _rates(first: Sample, last: Sample) -> tuple[float | None, float | None]:
    """Return (bandwidth, dirty rate) in MiB/s between two samples with byte counts."""
    span = _seconds(first, last)
    if span <= 0 or None in (first.processed, last.processed, first.remaining, last.remaining):
        return None, None
    sent = last.processed - first.processed  # type: ignore[operator]
    dirtied = (last.remaining - first.remaining) + sent  # type: ignore[operator]
    bandwidth = sent / span / MIB if sent >= 0 else None
    return bandwidth, (dirtied / span / MIB if dirtied >= 0 else None)


def _unknown_reason(migration: Migration, samples: Sequence[Sample], rules: Rules) -> str:
    if migration.kind != "live-migration":
        return "not a live migration: no memory is copied while the guest runs"
    if len(samples) < max(rules.min_samples, 1):
        return f"{len(samples)} progress line{'s' if len(samples) != 1 else ''} (at least {rules.min_samples} needed)"
    span = _seconds(samples[0], samples[-1])
    if span < rules.min_span_s:
        return f"progress lines span {span:.1f} s (at least {rules.min_span_s:g} s needed)"
    return ""


def _fraction_digits(time_text: str) -> int:
    """Return how many digits of a second a logged time shows (`…43.691` → 3, `…43` → 0)."""
    _, dot, tail = time_text.partition(".")
    count = 0
    for ch in tail if dot else "":
        if not ch.isdigit():
            break
        count += 1
    return count


def _resolution(migration: Migration) -> float | None:
    """Return the coarsest time step of the logs the downtime was read from (it is no finer than that).

    The two ends are records of the source and the destination; clock skew
    between them is corrected beforehand (`--skew auto`) and not included.
    """
    if migration.downtime_s is None:
        return None
    hosts = {migration.source_host, migration.dest_host} - {None}
    texts = [e.time_text for e in migration.events if e.host in hosts] or [e.time_text for e in migration.events]
    return 10.0 ** -min(_fraction_digits(t) for t in texts) if texts else None


def runs(samples: Sequence[Sample]) -> list[list[Sample]]:
    """Split samples where `bytes processed` goes down: the counter started again (post-copy, a new job)."""
    out: list[list[Sample]] = []
    for s in samples:
        prev = out[-1][-1] if out else None
        if prev is None or (s.processed is not None and prev.processed is not None and s.processed < prev.processed):
            out.append([s])
        else:
            out[-1].append(s)
    return out


def transferred(samples: Sequence[Sample]) -> int | None:
    """Return the bytes sent by the last sample: each counter run's last figure, added up."""
    lasts = [r[-1].processed for r in runs(samples)]
    return None if not lasts or any(x is None for x in lasts) else sum(x for x in lasts if x is not None)


def precopy(samples: Sequence[Sample], marks: Sequence[Mark]) -> tuple[Sample, ...]:
    """Return the samples the guest was still dirtying memory during: before the first `ends_precopy`
    mark, within the last counter run."""
    end = next((m.event.time for m in marks if m.ends_precopy), None)
    before = [s for s in samples if end is None or s.event.time < end]
    return tuple(runs(before)[-1]) if before else ()


def _judge(migration: Migration, window: Sequence[Sample], rules: Rules) -> tuple[str, str, float | None, float | None]:
    """Return verdict, evidence, bandwidth and dirty rate over the pre-copy samples."""
    reason = _unknown_reason(migration, window, rules)
    if reason:
        return "unknown", reason, None, None
    first, last = window[0], window[-1]
    verdict, evidence = _verdict(window, rules)
    bandwidth, dirty = _rates(first, last)
    rate = f"sent {bandwidth:.0f} MiB/s" if bandwidth is not None else "no byte counts"
    rate += f", guest dirtied {dirty:.0f} MiB/s" if dirty is not None else ""
    evidence = f"{evidence} over {_seconds(first, last):.0f} s, {len(window)} samples; {rate}"
    idle = _idle(window)
    if idle is not None and idle >= rules.idle_min_s:
        evidence += f"; no byte sent for {idle:.0f} s"
    return verdict, evidence, bandwidth, dirty


def auto_converge(migration: Migration, marks: Sequence[Mark], rules: Rules | None = None) -> str:
    """Say whether the move ran with auto-converge: unknown and why, unless a mark rules it out."""
    said = (rules or load_rules()).auto_converge
    if migration.kind != "live-migration":
        return said.not_live
    return said.excluded if any(k.id in said.excluded_by for k in marks) else said.unknown


def physics(migration: Migration, rules: Rules | None = None) -> Physics:
    """Return the physics of one move (any kind: only live migrations have progress lines)."""
    rules = rules or load_rules()
    samples = samples_of(migration.events) if migration.kind == "live-migration" else ()
    marks = marks_of(migration, rules)
    window = precopy(samples, marks)
    verdict, evidence, bandwidth, dirty = _judge(migration, window, rules)
    ender = next((m for m in marks if m.ends_precopy), None)
    if ender is not None and verdict != "unknown":
        evidence += f"; then {ender.label}"
    return Physics(
        migration_id=migration.id, samples=samples,
        span_s=_seconds(samples[0], samples[-1]) if samples else None,
        transferred_bytes=transferred(samples), memory_bytes=samples[-1].total if samples else None,
        bandwidth_mib_s=bandwidth, dirty_rate_mib_s=dirty, verdict=verdict, evidence=evidence,
        idle_s=_idle(window), marks=marks, downtime_s=migration.downtime_s,
        downtime_source=migration.downtime_basis if migration.downtime_s is not None else "",
        downtime_resolution_s=_resolution(migration), auto_converge=auto_converge(migration, marks, rules))
