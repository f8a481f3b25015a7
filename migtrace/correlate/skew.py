"""Estimate clock offsets between hosts as intervals, how sure they are, and inputs in the wrong time zone.

Every bound is a pair of lines that nova orders whatever the clocks say, a cause and its effect:
``t_Y(effect) - off_Y > t_X(cause) - off_X`` (``off_H`` = how far H's clock runs ahead of the
reference's), so ``off_Y - off_X < t_Y(effect) - t_X(cause)``.  The pairs:

- a move's request is born on the API host (the reference): another host's first line of it comes
  later, an upper bound on that host's offset (its access line's ``time:`` says when the request came
  in).  Only lines holding a clock text count (`birth_texts`, the pairs' texts): every read holds
  them, a targeted `timeline` as the whole-set `list` (`evidence_texts`), so both shift alike;
- the data-driven pairs of migtrace/data/causal_pairs.yaml, same request, any two hosts: a call is
  logged before its effect, a reply after the call it answers (compute → compute handshakes of a live
  migration, a compute's check result before the conductor goes on), which bound offsets from
  *below* too.

The bounds form a system of difference constraints; shortest paths over the hosts (relaxed in
sorted order until nothing changes) give each host an interval ``[lo, hi]`` against the reference
(`ClockEstimate.intervals`, either end None when no pair bounds it).  Then, per host:

- ``|hi|`` (or the interval) close to a whole number of quarter hours (≥ 15 min), for any one
  input file of the host: a file writing local time read as UTC (or the reverse), not skew: it is
  reported with the ``--tz PATH=ZONE`` fix, never "corrected", and times spanning it are unknown.
  Files are judged one by one: the same host's journal export (UTC epochs) and text files (local
  time) disagree, and the host's minimum over both would hide the zone.
- the interval from the pairs alone away from 0 and tight (width ≤ `TIGHT_S`): shifted by its
  midpoint (`--skew auto`), ± half its width left;
- else, interval away from 0: shifted by the smallest amount that puts 0 inside it, ± its width
  (after the shift the host is not behind when it was ahead; the move's own first-line gaps bound it);
- only ``hi`` known: ``hi < 0``: behind, shifted by ``-hi`` (the first hop's latency is left, below
  the logs' resolution in practice); ``hi ≥ 0``: may be ahead by up to ``hi``, ± that;
- 0 inside the interval: not shifted, ± the farther end.

A violated pair left after the shifts (bounds that contradict each other: a clock that jumped)
adds its gap to both hosts' ±.  Iteration is over sorted keys everywhere: the same input gives
the same answer byte for byte, whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.model import Event

#: smaller gaps are within log precision and scheduling noise
TOLERANCE_S = 0.001
#: an offset within this of a whole number of quarter hours (and at least one) is a time-zone error
ZONE_SLACK_S = 120.0
_QUARTER_S = 900.0
#: an interval at most this wide is tight enough to apply its midpoint (± half of it is left)
TIGHT_S = 1.0

_ACCESS_TIME = re.compile(r'" status: \d+ .*\btime: ([\d.]+)')

_PAIR_SCHEMA = {"cause": Key(required=True), "effect": Key(required=True), "why": Key(required=True)}


@cache
def causal_texts() -> tuple[tuple[str, str], ...]:
    """Return the (cause, effect) texts of migtrace/data/causal_pairs.yaml, same request, any two hosts."""
    text, where = read_text("causal_pairs.yaml")
    pairs = entries(load_document(text, where), "pairs", _PAIR_SCHEMA, where)
    return tuple((p["cause"], p["effect"]) for p in pairs)


_BIRTH_SCHEMA = {"text": Key(required=True), "why": Key(required=True)}


@cache
def birth_texts() -> tuple[str, tuple[str, ...]]:
    """Return (the API access-line text of a move's request, the texts of the other hosts' early lines).

    migtrace/data/causal_pairs.yaml ``births_api`` / ``births``: a request's birth bounds another
    host's clock only through lines holding these texts (or a pair's), which every read finds alike.
    """
    text, where = read_text("causal_pairs.yaml")
    doc = load_document(text, where)
    return str(doc["births_api"]), tuple(b["text"] for b in entries(doc, "births", _BIRTH_SCHEMA, where))


@cache
def _effect_texts() -> tuple[str, ...]:
    """The texts a request's line on another host must hold to bound that host's clock from its birth."""
    return tuple(sorted({t for pair in causal_texts() for t in pair} | set(birth_texts()[1])))


def evidence_texts() -> frozenset[str]:
    """Return the texts of every line the clock bounds use: the pairs', the births' (`birth_texts`).

    A targeted read searches them in every input (`pipeline._load.EVIDENCE_SETS`); the whole-set
    read holds them among the moves' lines: both bound the clocks with the same lines.
    """
    return frozenset(_effect_texts()) | {birth_texts()[0]}


@dataclass(slots=True)
class ClockEstimate:
    """Per host: the shift applied (`offsets`), the ± left (`uncertainty`), a probable zone error."""

    reference: str | None = None
    offsets: dict[str, float] = field(default_factory=dict)
    uncertainty: dict[str, float] = field(default_factory=dict)
    #: host -> its apparent offset in seconds (a whole number of quarter hours, roughly)
    zone_errors: dict[str, float] = field(default_factory=dict)
    #: host -> (lo, hi): the bounds of its clock's offset against the reference's (None: unbounded)
    intervals: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: input file -> its apparent offset, for the files a zone error was found in (the `--tz PATH=` to give)
    zone_files: dict[str, float] = field(default_factory=dict)
    #: (a, b) -> w: after the shifts, b's clock is at most w ahead of a's, from causal_pairs.yaml's pairs
    #: alone (bounds a targeted read sees whole, as the whole-set read does: `HostClocks.pairs`)
    aligned_pairs: dict[tuple[str, str], float] = field(default_factory=dict)
    #: host -> the largest gap by which a causal pair involving it is still violated after the shifts
    violations: dict[str, float] = field(default_factory=dict)

    def host_clocks(self) -> HostClocks:
        """Return what correlation needs per move: each host's ± (inf: wrong zone) and the aligned pair bounds."""
        return HostClocks({**self.uncertainty, **dict.fromkeys(self.zone_errors, math.inf)}, self.aligned_pairs,
                          self.offsets, self.violations)


class HostClocks(dict[str, float]):
    """Host -> ± its clock leaves on cross-host times (inf: a wrong time zone), plus `pairs`.

    `pairs`: the causal pairs' bounds after the shifts, ``(a, b) -> w`` meaning b's aligned clock is
    at most w ahead of a's.  With a move's own request births they give each span of the move the
    relative interval of its two hosts (`relative`), which both a whole-set and a targeted read see.
    `shifts`: the seconds added to each host's times (`ClockEstimate.offsets`): a time the host wrote
    inside a message (a lifecycle event's epoch) is on the same clock and takes the same shift.
    """

    def __init__(self, pm: dict[str, float] | None = None, pairs: dict[tuple[str, str], float] | None = None,
                 shifts: dict[str, float] | None = None, violations: dict[str, float] | None = None) -> None:
        super().__init__(pm or {})
        self.pairs: dict[tuple[str, str], float] = dict(pairs or {})
        self.shifts: dict[str, float] = dict(shifts or {})
        #: host -> a pair still violated after the shifts (a clock that jumped): added to the proven ±
        self.violations: dict[str, float] = dict(violations or {})


#: one bound ``off(b) - off(a) <= w``: (a, b) -> w
Bounds = dict[tuple[str, str], float]


def _reference(events: Sequence[Event], more: Mapping[tuple[str, str], int] | None = None) -> str | None:
    """The API's host with the most records (else the conductor's or scheduler's); `more`: (service, host) ->
    records of those services a read did not keep (`pipeline._keep.Unmoved`), counted as if kept."""
    more = more or {}
    counts = Counter(e.host for e in events if e.service == "n-api" and e.host)
    for (service, host), n in more.items():
        counts[host] += n if service == "n-api" else 0
    counts = +counts
    if not counts:
        counts = Counter(e.host for e in events if e.service in ("n-cond", "n-sch") and e.host)
        for (service, host), n in more.items():
            counts[host] += n if service in ("n-cond", "n-sch") else 0
        counts = +counts
    return min(counts, key=lambda h: (-counts[h], h)) if counts else None


def _births(events: Sequence[Event], reference: str) -> dict[str, datetime]:
    """Return request -> when the API (on the reference host) received it, for move requests' access lines.

    The access line is written when the response goes out, `time:` after the request came in; only
    access lines holding `birth_texts()[0]` (a move's action) with their `time:` count, so that every
    read sees the same births (a targeted read finds them by that text).
    """
    api = birth_texts()[0]
    born: dict[str, datetime] = {}
    for e in events:
        if e.request_id and e.host == reference and e.service == "n-api" and api in e.message:
            m = _ACCESS_TIME.search(e.message) if '" status: ' in e.message else None
            if m is None:
                continue
            t = e.time - timedelta(seconds=float(m.group(1)))
            born[e.request_id] = min(born.get(e.request_id, t), t)
    return born


def file_upper_bounds(events: Sequence[Event], reference: str) -> dict[tuple[str, str], float]:
    """Return (host, input file) -> the tightest ``t(first clock-text line of a request in it) - birth``.

    Only lines holding a clock text (`_effect_texts`) count: every read holds them (`evidence_texts`).
    """
    born = _births(events, reference)
    texts = _effect_texts()
    first: dict[tuple[str, str, str], Event] = {}
    for e in events:
        if (e.request_id and e.host and e.host != reference and e.request_id in born
                and (e.request_id, e.host, e.source) not in first and any(t in e.message for t in texts)):
            first[(e.request_id, e.host, e.source)] = e
    hi: dict[tuple[str, str], float] = {}
    for (req, host, source), e in sorted(first.items()):
        gap = (e.time - born[req]).total_seconds()
        hi[(host, source)] = min(hi.get((host, source), gap), gap)
    return hi


def upper_bounds(events: Sequence[Event], reference: str,
                 files: dict[tuple[str, str], float] | None = None) -> dict[str, float]:
    """Return host -> the tightest ``t_B(first line of a request) - t_ref(first line)`` over requests.

    `files`: `file_upper_bounds(events, reference)` when the caller has it already.
    """
    hi: dict[str, float] = {}
    for (host, _), gap in sorted((files if files is not None else file_upper_bounds(events, reference)).items()):
        hi[host] = min(hi.get(host, gap), gap)
    return hi


def _zone_error(seconds: float) -> bool:
    quarters = round(seconds / _QUARTER_S)
    return quarters != 0 and abs(seconds - quarters * _QUARTER_S) <= ZONE_SLACK_S


def zone_like(seconds: float) -> bool:
    """True when a clock gap is a whole number of quarter hours (at least one): a zone, not drift."""
    return abs(seconds) >= _QUARTER_S - ZONE_SLACK_S and _zone_error(seconds)


def _pair_texts(events: Sequence[Event], skip: frozenset[str]) -> dict[tuple[str, str], Event]:
    """Return (request, causal text) -> the first line of the request holding it (hosts in `skip` left out)."""
    texts: dict[tuple[str, str], Event] = {}
    pairs = causal_texts()
    any_text = _any_pair_text()
    for e in events:
        if not e.request_id or not e.host or e.host in skip or any_text(e.message) is None:
            continue  # a message holding no pair text (most): one regex search instead of a test per text
        for cause, effect in pairs:
            for t in (cause, effect):
                if t in e.message:
                    texts.setdefault((e.request_id, t), e)
    return texts


@cache
def _any_pair_text() -> Callable[[str], re.Match[str] | None]:
    """The search for any causal-pair text: a message it finds nothing in holds none of them."""
    texts = sorted({t for pair in causal_texts() for t in pair}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in texts) or "(?!)").search


def _cross_host_pairs(texts: dict[tuple[str, str], Event]) -> Iterator[tuple[Event, Event]]:
    """Each request's (cause, effect) lines of causal_pairs.yaml that two different hosts logged, by request."""
    for req in sorted({r for r, _ in texts}):
        for cause, effect in causal_texts():
            c, ef = texts.get((req, cause)), texts.get((req, effect))
            if c is not None and ef is not None and c.host and ef.host and c.host != ef.host:
                yield c, ef


def pair_bounds(events: Sequence[Event], skip: frozenset[str] = frozenset(),
                texts: dict[tuple[str, str], Event] | None = None) -> Bounds:
    """Return (cause host, effect host) -> the tightest ``t(effect) - t(cause)`` of causal_pairs.yaml.

    `texts`: `_pair_texts(events, skip)` when the caller has it already.
    """
    out: Bounds = {}
    for c, ef in _cross_host_pairs(texts if texts is not None else _pair_texts(events, skip)):
        gap = (ef.time - c.time).total_seconds()
        key = (str(c.host), str(ef.host))
        out[key] = min(out.get(key, gap), gap)
    return out


def _shortest(bounds: Bounds, start: str, hosts: Sequence[str], reverse: bool = False) -> dict[str, float]:
    """Return host -> the shortest path from `start` (to it, when `reverse`) over the bounds; cycles cut."""
    dist: dict[str, float] = {start: 0.0}
    edges = sorted(((b, a, w) if reverse else (a, b, w)) for (a, b), w in bounds.items())
    for _ in range(len(hosts) + 1):
        changed = False
        for a, b, w in edges:
            if a in dist and dist[a] + w < dist.get(b, math.inf) - 1e-9:
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            break
    else:  # still shrinking: bounds that contradict each other (a clock that jumped); keep the direct ones
        dist = {start: 0.0, **{(a if reverse else b): w for (a, b), w in sorted(bounds.items())
                               if (b if reverse else a) == start}}
    return dist


def relative(bounds: Bounds, a: str, b: str) -> tuple[float | None, float | None]:
    """Return (lo, hi): the bounds of ``off(b) - off(a)`` the bounds prove (None: unbounded that way).

    Shortest paths both ways (through any host of the bounds); bounds that contradict each other
    (a negative cycle) prove nothing: (None, None).
    """
    hosts = sorted({h for key in bounds for h in key} | {a, b})
    hi = _shortest(bounds, a, hosts).get(b)
    back = _shortest(bounds, b, hosts).get(a)
    lo = None if back is None else -back
    if lo is not None and hi is not None and lo > hi + TOLERANCE_S:
        return None, None
    return lo, hi


def intervals(events: Sequence[Event], reference: str, skip: frozenset[str] = frozenset(), births: bool = True,
              pairs: Bounds | None = None,
              files: dict[tuple[str, str], float] | None = None) -> dict[str, tuple[float | None, float | None]]:
    """Return host -> (lo, hi): the bounds of its offset against the reference from every causal pair.

    `births`: also the requests' births (their first lines); without, only causal_pairs.yaml's pairs,
    which a targeted read sees whole (`evidence_texts`) as the whole-set read does.
    `pairs`: `pair_bounds(events, skip)` when the caller has it already; `files`: `file_upper_bounds`'s.
    """
    bounds: Bounds = ({(reference, h): w for h, w in upper_bounds(events, reference, files).items() if h not in skip}
                      if births else {})
    for key, w in (pairs if pairs is not None else pair_bounds(events, skip)).items():
        bounds[key] = min(bounds.get(key, w), w)
    hosts = sorted({h for key in bounds for h in key})
    hi = _shortest(bounds, reference, hosts)
    lo = {h: -d for h, d in _shortest(bounds, reference, hosts, reverse=True).items()}
    return {h: (lo.get(h), hi.get(h)) for h in hosts if h != reference}


def _pair_violations(events: Sequence[Event], offsets: dict[str, float],
                     texts: dict[tuple[str, str], Event] | None = None) -> dict[str, float]:
    """Return host -> the largest gap by which a cause → effect pair between hosts is still violated.

    `texts`: `_pair_texts(events, frozenset())` when the caller has it already.
    """
    out: dict[str, float] = {}
    for c, ef in _cross_host_pairs(texts if texts is not None else _pair_texts(events, frozenset())):
        gap = ((c.time.timestamp() + offsets.get(str(c.host), 0.0))
               - (ef.time.timestamp() + offsets.get(str(ef.host), 0.0)))
        if gap > TOLERANCE_S:
            for h in (str(c.host), str(ef.host)):
                out[h] = max(out.get(h, 0.0), gap)
    return out


def _zone_files(files: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Return (host, input file) -> apparent offset, for files a whole number of quarter hours off.

    `files`: `file_upper_bounds` of the events against the reference.
    """
    return {key: round(hi, 3) for key, hi in sorted(files.items()) if zone_like(hi)}


def _tight(lo: float | None, hi: float | None) -> bool:
    """True when [lo, hi] is known, narrow enough for its midpoint, and away from 0 (the clock is off)."""
    return (lo is not None and hi is not None and lo <= hi and hi - lo <= TIGHT_S
            and (lo > TOLERANCE_S or hi < -TOLERANCE_S))


def _shift(lo: float | None, hi: float | None) -> tuple[float, float]:
    """Return (shift to add to the host's times, ± left) for an offset known to lie in [lo, hi]."""
    if lo is not None and hi is not None and lo <= hi:
        if lo <= TOLERANCE_S and hi >= -TOLERANCE_S:  # 0 inside: not provably off
            return 0.0, max(abs(lo), abs(hi))
        edge = lo if lo > 0 else hi  # the smallest shift that puts 0 inside the interval
        return -edge, hi - lo
    if hi is not None and hi < -TOLERANCE_S:
        return -hi + TOLERANCE_S, 0.0
    if hi is not None:
        return 0.0, abs(hi)
    if lo is not None and lo > TOLERANCE_S:  # ahead: the mirror of the case above (a reply's round trip left)
        return -lo - TOLERANCE_S, 0.0
    return 0.0, abs(lo) if lo is not None else 0.0


def estimate_clocks(events: Sequence[Event], correct: bool = True,
                    more: Mapping[tuple[str, str], int] | None = None) -> ClockEstimate:
    """Return the per-host clock estimate (module docstring); `correct`: shift hosts found off.

    `more`: per (service, host), the records a read did not keep that the reference clock counts (`_reference`).
    """
    reference = _reference(events, more)
    est = ClockEstimate(reference=reference)
    if reference is None:
        return est
    # each search over the events is made once: the zones and the births' bounds come from one, and the pairs'
    # bounds and their violations from the other (the same lines when no host is skipped)
    files = file_upper_bounds(events, reference)
    for (host, source), seconds in _zone_files(files).items():
        est.zone_files[source] = seconds
        est.zone_errors[host] = est.zone_errors.get(host, seconds)
    # a host with a file in the wrong zone is judged no further: its times are unknown across hosts
    skip = frozenset(est.zone_errors)
    texts = _pair_texts(events, frozenset())
    pairs = pair_bounds(events, skip, texts if not skip else None)  # both intervals and the aligned bounds
    paired = intervals(events, reference, skip, births=False, pairs=pairs)
    for host, (lo, hi) in sorted(intervals(events, reference, skip, pairs=pairs, files=files).items()):
        if host in est.zone_errors:
            continue
        est.intervals[host] = (None if lo is None else round(lo, 6), None if hi is None else round(hi, 6))
        plo, phi = paired.get(host, (None, None))
        if _tight(plo, phi) and plo is not None and phi is not None:
            # the midpoint only from bounds every read sees whole (a targeted `timeline` as `list`)
            shift, pm = -(plo + phi) / 2, (phi - plo) / 2
        else:
            shift, pm = _shift(lo, hi)
        if shift and correct:
            est.offsets[host] = round(shift, 6)
        elif shift:  # not corrected: the whole offset is left
            pm += abs(shift)
        if pm > TOLERANCE_S:
            est.uncertainty[host] = round(pm, 3)
    moved = est.offsets
    est.aligned_pairs = {(a, b): round(w + moved.get(b, 0.0) - moved.get(a, 0.0), 6)
                         for (a, b), w in sorted(pairs.items())}
    for host, gap in sorted(_pair_violations(events, est.offsets, texts).items()):
        if host not in est.zone_errors and host != reference:
            est.uncertainty[host] = round(max(est.uncertainty.get(host, 0.0), gap), 3)
            est.violations[host] = round(gap, 3)
    return est


def estimate_offsets(events: Sequence[Event], reference: str | None = None) -> dict[str, float]:
    """Return host -> seconds to add to its times so that no request is logged before the API's line."""
    del reference  # the reference is the API's host (kept for callers of the former signature)
    return estimate_clocks(events).offsets
