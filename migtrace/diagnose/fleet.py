"""Fleet figures: what a night of moves looked like per kind, host pair, host, failure and day.

The operator's question after a maintenance window is not one request id
but "which hosts are bad, which moves were slow, what failed where".  This
module answers it as plain rows (JSON-ready dicts with the same keys for
every grouping), a pure function of the migrations: `migtrace stats`, the
report's fleet section, the JSON report's `stats` key and
`Analysis.stats()` all read these rows, so they cannot disagree.

Rules, stated once (docs/cli-reference.md repeats them):

- a move whose host is not in the logs counts under an *unknown* host
  (`null`; `?` in a pair), never under a guessed one;
- a duration is only counted for a move with a final status
  (`FINAL`); a move still in progress or of unknown outcome has no
  duration yet and counts in `duration_unknown`;
- a downtime is only counted where correlate measured one; moves without
  one are not zero, they are left out (`downtime_known` says how many were
  counted);
- the failure rate is failed (`failed`, `stalled`) over moves whose outcome
  is known (every status but `in-progress` and `unknown`); `null` when
  there is none;
- percentiles are nearest-rank: p95 is a duration some move really took,
  the smallest that at least 95 % of the moves did not exceed;
- `not_converging` counts the live migrations whose progress lines show a
  stalled or diverging copy, `bandwidth_p50_mib_s` is the median effective
  bandwidth of those with one (migtrace.diagnose.physics).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from migtrace.diagnose.physics import Physics, physics
from migtrace.model import KINDS, STATUSES, Migration
from migtrace.serialize import UNKNOWN_COLD_KIND, shown_kind

#: the groupings `stats --group-by` offers
GROUPINGS: Final = ("kind", "pair", "host", "signature", "day")
#: statuses that end a move: only these have a duration
FINAL: Final = frozenset({"completed", "confirmed", "reverted", "failed", "cancelled", "stalled"})
#: statuses that count as a failure in `failure_rate`
FAILED: Final = frozenset({"failed", "stalled"})
#: statuses whose outcome is not known yet: outside the failure rate's denominator
OPEN: Final = frozenset({"in-progress", "unknown"})
#: the status columns of every row (nova's words, `-` as `_` so that they are identifiers)
STATUS_COLUMNS: Final = tuple(s.replace("-", "_") for s in STATUSES)
#: every row's keys, in order (the JSON, CSV and frame columns)
ROW_KEYS: Final = (
    "group", "source_host", "dest_host", "moves", "as_source", "as_dest", *STATUS_COLUMNS, "failure_rate",
    "duration_p50_s", "duration_p95_s", "duration_max_s", "duration_unknown", "slowest_id",
    "downtime_p50_s", "downtime_max_s", "downtime_known", "worst_downtime_id", "bandwidth_p50_mib_s",
    "not_converging", "hosts", "unknown_hosts", "signatures",
)
#: what a row shows for an unknown host inside a pair's name
UNKNOWN_HOST = "?"


def percentile(values: Sequence[float], p: float) -> float | None:
    """Return the nearest-rank percentile `p` (0-100) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _worst(moves: Iterable[Migration], value: Callable[[Migration], float | None]) -> tuple[float | None, str | None]:
    """Return the largest value and the id of the (first) move that has it."""
    best: tuple[float | None, str | None] = (None, None)
    for m in moves:
        v = value(m)
        if v is not None and (best[0] is None or v > best[0]):
            best = (v, m.id)
    return best


def _duration(m: Migration) -> float | None:
    """A finished move's duration, or None when it is not finished or the logs cannot tell it (no start seen)."""
    return m.duration_s if m.status in FINAL and not m.why_unknown("duration_s") else None


def _downtime(m: Migration) -> float | None:
    """A move's measured downtime, or None when the logs cannot tell it (as `list` prints it)."""
    return None if m.why_unknown("downtime_s") else m.downtime_s


def _failure_signatures(moves: Sequence[Migration]) -> list[str]:
    """Return the signature ids found on the failed moves, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for m in moves:
        if m.status in FAILED:
            for sig in {f.signature_id for f in m.findings}:
                counts[sig] += 1
    return [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


#: each move's physics, computed once for all the groupings of one call (keyed by the object's id)
PhysicsOf = Callable[[Migration], Physics]


def physics_cache() -> PhysicsOf:
    """Return a function giving a move's physics, computing it once."""
    seen: dict[int, Physics] = {}

    def of(m: Migration) -> Physics:
        if id(m) not in seen:
            seen[id(m)] = physics(m)
        return seen[id(m)]
    return of


def _physics_figures(moves: Sequence[Migration], of: PhysicsOf) -> dict[str, Any]:
    live = [of(m) for m in moves if m.kind == "live-migration"]
    rates = [p.bandwidth_mib_s for p in live if p.bandwidth_mib_s is not None]
    return {"bandwidth_p50_mib_s": None if not rates else round(percentile(rates, 50) or 0.0, 1),
            "not_converging": sum(p.verdict in ("stalled", "diverging") for p in live)}


def group_row(group: str | None, moves: Sequence[Migration], of: PhysicsOf | None = None,
              **extra: Any) -> dict[str, Any]:
    """Return the figures of one group of moves (every key of ROW_KEYS; `extra` sets the group's own keys)."""
    statuses = dict.fromkeys(STATUSES, 0)
    for m in moves:
        statuses[m.status] += 1
    known = len(moves) - sum(statuses[s] for s in OPEN)
    durations = [d for d in map(_duration, moves) if d is not None]
    downtimes = [d for d in map(_downtime, moves) if d is not None]
    slowest, slowest_id = _worst(moves, _duration)
    worst_down, worst_down_id = _worst(moves, _downtime)
    row: dict[str, Any] = {
        "group": group, "source_host": None, "dest_host": None, "moves": len(moves),
        "as_source": None, "as_dest": None,
        **{s.replace("-", "_"): n for s, n in statuses.items()},
        "failure_rate": round(sum(statuses[s] for s in FAILED) / known, 4) if known else None,
        "duration_p50_s": _round(percentile(durations, 50)), "duration_p95_s": _round(percentile(durations, 95)),
        "duration_max_s": _round(slowest), "duration_unknown": len(moves) - len(durations), "slowest_id": slowest_id,
        "downtime_p50_s": _round(percentile(downtimes, 50)), "downtime_max_s": _round(worst_down),
        "downtime_known": len(downtimes), "worst_downtime_id": worst_down_id,
        **_physics_figures(moves, of or physics_cache()),
        "hosts": sorted({h for m in moves for h in (m.source_host, m.dest_host) if h}),
        "unknown_hosts": sum((m.source_host is None) + (m.dest_host is None) for m in moves),
        "signatures": _failure_signatures(moves),
    }
    row.update(extra)
    return row


def _by(migrations: Iterable[Migration], keys: Callable[[Migration], Iterable[Any]]) -> dict[Any, list[Migration]]:
    groups: dict[Any, list[Migration]] = defaultdict(list)
    for m in migrations:
        for k in keys(m):
            groups[k].append(m)
    return groups


def _sorted_keys(keys: Iterable[Any]) -> list[Any]:
    """Order group keys with unknown (None) last, never comparing None with a string."""
    def key(k: Any) -> tuple[Any, ...]:
        parts = k if isinstance(k, tuple) else (k,)
        return tuple((p is None, p or "") for p in parts)
    return sorted(keys, key=key)


def by_kind(migrations: Sequence[Migration], of: PhysicsOf) -> list[dict[str, Any]]:
    """Return one row per kind of move that occurred, in nova's order.

    A move whose kind the logs cannot tell (a cold migration or a resize, INFO
    only) is counted as every output prints it, `migration-or-resize`, never
    under the cold migration it may not have been.
    """
    groups = _by(migrations, lambda m: (shown_kind(m),))
    return [group_row(k, groups[k], of) for k in (*KINDS, UNKNOWN_COLD_KIND) if k in groups]


def pair_name(source: str | None, dest: str | None) -> str:
    """Return a pair's name: `source → dest`, `?` for an unknown side."""
    return f"{source or UNKNOWN_HOST} → {dest or UNKNOWN_HOST}"


def by_pair(migrations: Sequence[Migration], of: PhysicsOf) -> list[dict[str, Any]]:
    """Return one row per source → destination pair (unknown sides as null)."""
    groups = _by(migrations, lambda m: ((m.source_host, m.dest_host),))
    return [group_row(pair_name(*k), groups[k], of, source_host=k[0], dest_host=k[1]) for k in _sorted_keys(groups)]


def by_host(migrations: Sequence[Migration], of: PhysicsOf) -> list[dict[str, Any]]:
    """Return one row per host (moves as source plus moves as destination; `null`: the unknown hosts)."""
    groups = _by(migrations, lambda m: {m.source_host, m.dest_host})
    rows = []
    for host in _sorted_keys(groups):
        moves = groups[host]
        rows.append(group_row(host, moves, of, as_source=sum(m.source_host == host for m in moves),
                              as_dest=sum(m.dest_host == host for m in moves)))
    return rows


def by_signature(migrations: Sequence[Migration], of: PhysicsOf) -> list[dict[str, Any]]:
    """Return one row per finding signature: the moves it was found on, most failures first."""
    groups = _by(migrations, lambda m: {f.signature_id for f in m.findings})
    rows = [group_row(sig, groups[sig], of, signatures=[sig]) for sig in groups]
    return sorted(rows, key=lambda r: (-(r["failed"] + r["stalled"]), -r["moves"], r["group"]))


def by_day(migrations: Sequence[Migration], of: PhysicsOf) -> list[dict[str, Any]]:
    """Return one row per UTC day a move started on."""
    groups = _by(migrations, lambda m: (m.started.date().isoformat(),))
    return [group_row(day, groups[day], of) for day in sorted(groups)]


GROUPERS: Final[dict[str, Callable[[Sequence[Migration], PhysicsOf], list[dict[str, Any]]]]] = {
    "kind": by_kind, "pair": by_pair, "host": by_host, "signature": by_signature, "day": by_day,
}


def fleet_rows(migrations: Sequence[Migration], group_by: str, of: PhysicsOf | None = None) -> list[dict[str, Any]]:
    """Return the rows of one grouping (`GROUPINGS`); `ValueError` for another word."""
    try:
        grouper = GROUPERS[group_by]
    except KeyError:
        raise ValueError(f"unknown grouping {group_by!r} (known: {', '.join(GROUPINGS)})") from None
    return grouper(migrations, of or physics_cache())


def fleet_stats(migrations: Sequence[Migration], of: PhysicsOf | None = None) -> dict[str, Any]:
    """Return every grouping at once, plus the totals over all moves (the JSON `stats` document's body)."""
    of = of or physics_cache()
    return {"total": group_row(None, migrations, of), **{f"by_{g}": fleet_rows(migrations, g, of) for g in GROUPINGS}}
