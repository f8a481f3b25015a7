"""The HTML report's fleet section: `migtrace stats` above the per-migration pages.

Built from the same rows as `migtrace stats` and the JSON report's `stats`
(reports.fleet), formatted here so the template only loops and prints: a
per-pair matrix, duration and downtime distributions per kind, moves per
host (plotly, drawn like the other charts, each with its static SVG copy for
paper, screenshots and browsers without JavaScript), and the tables with the
same numbers.  A report of a few moves has no fleet to speak of (its index
says it all): the section starts at MIN_MOVES.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from markupsafe import Markup

from migtrace.diagnose.fleet import FINAL
from migtrace.model import Migration
from migtrace.reports import _charts
from migtrace.reports._format import duration
from migtrace.reports.fleet import TOP_FAILURES, stats_document
from migtrace.serialize import shown_kind

#: moves a report needs before it gets a fleet section: below that the index already is the overview,
#: and the per-migration pages stay on the first screen
MIN_MOVES: Final = 5


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _row(r: dict[str, Any]) -> dict[str, Any]:
    """Format one stats row for the tables (sort keys kept numeric)."""
    return {
        "group": "(unknown)" if r["group"] is None else r["group"], "moves": r["moves"],
        "as_source": r["as_source"], "as_dest": r["as_dest"], "failed": r["failed"] + r["stalled"],
        "failure_rate": _rate(r["failure_rate"]), "rate_sort": -1 if r["failure_rate"] is None else r["failure_rate"],
        "p50": duration(r["duration_p50_s"]), "p95": duration(r["duration_p95_s"]),
        "max": duration(r["duration_max_s"]),
        "p50_sort": r["duration_p50_s"] or 0, "no_duration": r["duration_unknown"],
        "down_p50": duration(r["downtime_p50_s"]), "down_max": duration(r["downtime_max_s"]),
        "down_sort": -1 if r["downtime_max_s"] is None else r["downtime_max_s"],
        "bandwidth": "–" if r["bandwidth_p50_mib_s"] is None else f"{r['bandwidth_p50_mib_s']:.0f} MiB/s",
        "not_converging": r["not_converging"], "hosts": ", ".join(r["hosts"]) or "–",
        "unknown_hosts": r["unknown_hosts"], "signatures": ", ".join(r["signatures"]) or "–",
    }


def _figure(anchor: str, fig: dict[str, Any], svg: str) -> dict[str, Any]:
    """One fleet chart: the plotly figure (as script JSON) and its server-drawn copy (escaped in _charts)."""
    return {"id": f"fleet-{anchor}", "json": Markup(_charts.script_json(fig)), "title": fig["layout"]["title"]["text"],
            "svg": Markup(svg)}


def _figures(migrations: Sequence[Migration], doc: dict[str, Any]) -> list[dict[str, Any]]:
    durations: dict[str, list[tuple[float, str]]] = {}
    downtimes: dict[str, list[tuple[float, str]]] = {}
    for m in migrations:
        if m.status in FINAL and not m.why_unknown("duration_s"):
            durations.setdefault(shown_kind(m), []).append((m.duration_s, m.id))
        if m.downtime_s is not None and not m.why_unknown("downtime_s"):
            downtimes.setdefault(shown_kind(m), []).append((m.downtime_s, m.id))
    titles = {"durations": "Duration of finished moves", "downtimes": "Measured downtime"}
    return [
        _figure("pairs", _charts.pair_matrix_figure(doc["by_pair"]), _charts.pair_matrix_svg(doc["by_pair"])),
        _figure("hosts", _charts.failures_by_host_figure(doc["by_host"]), _charts.failures_by_host_svg(doc["by_host"])),
        *(_figure(name, _charts.distribution_figure(values, titles[name], "s"),
                  _charts.distribution_svg(values, titles[name], "s"))
          for name, values in (("durations", durations), ("downtimes", downtimes))),
    ]


def fleet_view(migrations: Sequence[Migration]) -> dict[str, Any] | None:
    """Return the fleet section's context, or None for fewer than MIN_MOVES moves."""
    if len(migrations) < MIN_MOVES:
        return None
    doc = stats_document(migrations)
    total = doc["total"]
    return {
        "moves": total["moves"], "failed": total["failed"] + total["stalled"],
        "failure_rate": _rate(total["failure_rate"]), "not_converging": total["not_converging"],
        "kinds": [_row(r) for r in doc["by_kind"]], "pairs": [_row(r) for r in doc["by_pair"]],
        "hosts": [_row(r) for r in doc["by_host"]],
        "failures": [_row(r) for r in doc["by_signature"][:TOP_FAILURES]],
        "stuck": [p for p in doc["physics"] if p["verdict"] in ("stalled", "diverging")],
        "figures": _figures(migrations, doc),
    }
