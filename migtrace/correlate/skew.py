"""Estimate clock offsets between hosts, how sure they are, and hosts in the wrong time zone.

A request is born on the API host: every other host can only log it after the API's first line
of it.  For a host B and the reference host A (the one running the API), each request gives an
upper bound on B's offset: ``offset(B) - offset(A) < t_B(first line) - t_A(first line)``; the
tightest bound over all requests is kept (`Bound.hi`).

- ``hi < 0``: B's lines precede their cause, its clock is behind by at least ``-hi``; `--skew auto`
  shifts it by that much (the smallest shift that satisfies every request), and what is left is
  the first hop's latency, below the logs' resolution in practice.
- ``hi >= 0``: nothing is violated, yet B may be ahead by up to ``hi`` (the logs bound it from
  one side only): durations and downtimes whose two ends are on B and another host carry ± that.
- ``|hi|`` close to a whole number of quarter hours (≥ 15 min): a host writing local time read as
  UTC (or the reverse), not skew: it is reported with the ``--tz PATH=ZONE`` fix, never "corrected",
  and times spanning it are unknown.

The data-driven cause → effect pairs (migtrace/data/causal_pairs.yaml) between two computes are
checked too: a violated one (after the shifts) adds its gap to both hosts' uncertainty.
Iteration is over sorted keys everywhere: the same input gives the same answer byte for byte,
whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
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

_ACCESS_TIME = re.compile(r'" status: \d+ .*\btime: ([\d.]+)')

_PAIR_SCHEMA = {"cause": Key(required=True), "effect": Key(required=True), "why": Key(required=True)}


@cache
def causal_texts() -> tuple[tuple[str, str], ...]:
    """Return the (cause, effect) texts of migtrace/data/causal_pairs.yaml, same request, any two hosts."""
    text, where = read_text("causal_pairs.yaml")
    pairs = entries(load_document(text, where), "pairs", _PAIR_SCHEMA, where)
    return tuple((p["cause"], p["effect"]) for p in pairs)


@dataclass(slots=True)
class ClockEstimate:
    """Per host: the shift applied (`offsets`), the ± left (`uncertainty`), a probable zone error."""

    reference: str | None = None
    offsets: dict[str, float] = field(default_factory=dict)
    uncertainty: dict[str, float] = field(default_factory=dict)
    #: host -> its apparent offset in seconds (a whole number of quarter hours, roughly)
    zone_errors: dict[str, float] = field(default_factory=dict)


def _reference(events: Sequence[Event]) -> str | None:
    counts = Counter(e.host for e in events if e.service == "n-api" and e.host)
    if not counts:
        counts = Counter(e.host for e in events if e.service in ("n-cond", "n-sch") and e.host)
    return min(counts, key=lambda h: (-counts[h], h)) if counts else None


def upper_bounds(events: Sequence[Event], reference: str) -> dict[str, float]:
    """Return host -> the tightest ``t_B(first line of a request) - t_ref(first line)`` over requests."""
    first: dict[tuple[str, str], Event] = {}
    born: dict[str, datetime] = {}
    for e in events:
        if e.request_id and e.host:
            first.setdefault((e.request_id, e.host), e)
            if e.host == reference and e.service == "n-api":  # only the API's requests are born there
                # the API's access line is written when the response goes out, `time:` after the request came in
                m = _ACCESS_TIME.search(e.message) if '" status: ' in e.message else None
                t = e.time - timedelta(seconds=float(m.group(1))) if m else e.time
                born[e.request_id] = min(born.get(e.request_id, t), t)
    hi: dict[str, float] = {}
    for (req, host), e in sorted(first.items()):
        origin = born.get(req)
        if host == reference or origin is None:
            continue
        gap = (e.time - origin).total_seconds()
        hi[host] = min(hi.get(host, gap), gap)
    return hi


def _zone_error(seconds: float) -> bool:
    quarters = round(seconds / _QUARTER_S)
    return quarters != 0 and abs(seconds - quarters * _QUARTER_S) <= ZONE_SLACK_S


def _pair_violations(events: Sequence[Event], offsets: dict[str, float]) -> dict[str, float]:
    """Return host -> the largest gap by which a cause → effect pair between hosts is still violated."""
    texts: dict[tuple[str, str], Event] = {}
    pairs = causal_texts()
    for e in events:
        if not e.request_id or not e.host:
            continue
        for cause, effect in pairs:
            for t in (cause, effect):
                if t in e.message:
                    texts.setdefault((e.request_id, t), e)
    out: dict[str, float] = {}
    for req in sorted({r for r, _ in texts}):
        for cause, effect in pairs:
            c, ef = texts.get((req, cause)), texts.get((req, effect))
            if c is None or ef is None or c.host == ef.host or c.host is None or ef.host is None:
                continue
            gap = ((c.time.timestamp() + offsets.get(c.host, 0.0))
                   - (ef.time.timestamp() + offsets.get(ef.host, 0.0)))
            if gap > TOLERANCE_S:
                for h in (c.host, ef.host):
                    out[h] = max(out.get(h, 0.0), gap)
    return out


def estimate_clocks(events: Sequence[Event], correct: bool = True) -> ClockEstimate:
    """Return the per-host clock estimate (module docstring); `correct`: shift hosts found behind."""
    reference = _reference(events)
    est = ClockEstimate(reference=reference)
    if reference is None:
        return est
    for host, hi in sorted(upper_bounds(events, reference).items()):
        if abs(hi) >= _QUARTER_S - ZONE_SLACK_S and _zone_error(hi):
            est.zone_errors[host] = round(hi, 3)
            continue
        if hi < -TOLERANCE_S and correct:
            est.offsets[host] = round(-hi + TOLERANCE_S, 6)
        elif abs(hi) > TOLERANCE_S:
            est.uncertainty[host] = round(abs(hi), 3)
    for host, gap in sorted(_pair_violations(events, est.offsets).items()):
        if host not in est.zone_errors and host != reference:
            est.uncertainty[host] = round(max(est.uncertainty.get(host, 0.0), gap), 3)
    return est


def estimate_offsets(events: Sequence[Event], reference: str | None = None) -> dict[str, float]:
    """Return host -> seconds to add to its times so that no request is logged before the API's line."""
    del reference  # the reference is the API's host (kept for callers of the former signature)
    return estimate_clocks(events).offsets
