"""Estimate clock offsets between hosts from causal pairs of log lines.

A request is born on the API host; every other host can only log it after
that.  Within a live migration the source asks the destination to prepare
before it reports how long that took, and starts post-migration before the
destination does.  When a host's line precedes its cause, that host's clock
is ahead (or the cause's behind) by at least the gap: offsets are the
smallest shifts that satisfy every such pair.  Hosts with no violated pair
keep offset 0 — skew that no causal pair reveals cannot be measured.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text
from migtrace.model import Event

#: smaller gaps are within log precision and scheduling noise
TOLERANCE_S = 0.001

_PAIR_SCHEMA = {"cause": Key(required=True), "effect": Key(required=True), "why": Key(required=True)}


@cache
def causal_texts() -> tuple[tuple[str, str], ...]:
    """Return the (cause, effect) texts of migtrace/data/causal_pairs.yaml, same request, any two hosts."""
    text, where = read_text("causal_pairs.yaml")
    pairs = entries(load_document(text, where), "pairs", _PAIR_SCHEMA, where)
    return tuple((p["cause"], p["effect"]) for p in pairs)


def constraints(events: Sequence[Event]) -> list[tuple[str, str, float]]:
    """Return (earlier_host, later_host, seconds the later host is seen too early)."""
    first: dict[tuple[str, str], Event] = {}
    api_first: dict[str, Event] = {}
    texts: dict[tuple[str, str], Event] = {}
    pairs = causal_texts()
    for e in events:
        if not e.request_id or not e.host:
            continue
        key = (e.request_id, e.host)
        if key not in first:
            first[key] = e
        if e.service == "n-api" and e.request_id not in api_first:
            api_first[e.request_id] = e
        for cause, effect in pairs:
            for t in (cause, effect):
                if t in e.message and (e.request_id, t) not in texts:
                    texts[(e.request_id, t)] = e
    out: list[tuple[str, str, float]] = []
    for (req, host), e in first.items():
        origin = api_first.get(req)
        if origin is not None and origin.host and origin.host != host:
            gap = (origin.time - e.time).total_seconds()
            if gap > TOLERANCE_S:
                out.append((origin.host, host, gap))
    reqs = {r for r, _ in texts}
    for req in reqs:
        for cause, effect in pairs:
            c, ef = texts.get((req, cause)), texts.get((req, effect))
            if c and ef and c.host and ef.host and c.host != ef.host:
                gap = (c.time - ef.time).total_seconds()
                if gap > TOLERANCE_S:
                    out.append((c.host, ef.host, gap))
    return out


def estimate_offsets(events: Sequence[Event], reference: str | None = None) -> dict[str, float]:
    """Return host -> seconds to add to its times so that no causal pair is violated."""
    pairs = constraints(events)
    if not pairs:
        return {}
    if reference is None:
        counts: dict[str, int] = defaultdict(int)
        for e in events:
            if e.service == "n-api" and e.host:
                counts[e.host] += 1
        reference = max(counts, key=counts.__getitem__) if counts else None
    offsets: dict[str, float] = defaultdict(float)
    for _ in range(10):
        changed = False
        for early, late, gap in pairs:
            need = gap + TOLERANCE_S
            have = offsets[late] - offsets[early]
            base_gap = need - have
            if base_gap > TOLERANCE_S:
                if late != reference:
                    offsets[late] += base_gap
                else:
                    offsets[early] -= base_gap
                changed = True
        if not changed:
            break
    return {h: round(o, 6) for h, o in offsets.items() if abs(o) > TOLERANCE_S}
