"""Truth rules: what each variant can still support, per migration and per field.

A field is either *known* (its true value, which migtrace must print), a
*bounded* number (an interval the true value lies in; the product's value
must fall in it), or *unknown* with the reason (migtrace must print nothing
there — any stated value is a claim the logs cannot support).  Numbers whose
bounds are wide or depend on a clock migtrace has to estimate are
*uncertain*: unknown is then an acceptable answer too.

The rules only downgrade: a field unknown in the set as collected (truth.json
``unknown``) stays unknown in every variant.  They look at the records the
variant keeps (`View.retained`), whether migtrace can tell which host wrote
them (`View.attributed`), and how far each host's clock is off
(`View.offset`).  The evidence they look for is in `evidence`.

Rules per field (each one is a function below, with its reasons):
- ``instance``: known when a kept line of the move names it;
- ``kind``: known when a kept line of the move has a wording only that kind
  logs; a cold move whose migration/resize lines are all gone is unknown
  between the two;
- ``source_host`` / ``dest_host``: known when the host's own kept lines about
  the move can be attributed to it, or when any kept line about the instance
  (or a request of it) names the host; null when the move never chose one;
- ``status``: known when a kept line of the move proves it (`evidence.STATUS`);
- ``request_ids``: the ids still present in kept lines (ids the truth lists
  as optional may be printed too);
- ``duration_s``: between the span of the move's kept own steps and the true
  span; uncertain when that interval is wide or the steps come from hosts
  whose clocks disagree;
- ``downtime_s``: exact when both ends are kept; bounded by the INFO
  ``shutdown successfully after N seconds`` when only that is left of a cold
  move's power-off; uncertain when the two ends are on hosts whose clocks
  disagree; unknown when an end is gone;
- ``phases``: the phases that still have kept lines (a phase the move never
  went through is wrong; a missing one is lost);
- ``block_migration``, ``post_copy``, ``findings``: kept when the lines that
  show them are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tools.variants import evidence
from tools.variants.families import View
from tools.variants.records import Rec, SampleSet

#: a clock correction estimated from RPC round trips is good to a few hundred ms in these logs;
#: a value further off than this can only come from a wrong or absent correction
SKEW_TOLERANCE_S = 0.5
#: products may take a downtime from the `Emitting event` epochs, up to 4 ms before the INFO lines
EPOCH_SLOP_S = 0.005
#: migtrace prints seconds rounded to milliseconds (docs/json-schema.md)
OUTPUT_ROUNDING_S = 0.0005
#: a duration interval wider than this (or than 5 % of the move) is only a bound: unknown is fine
WIDE_S = 1.0

Field = dict[str, Any]


def known(value: object, why: str = "") -> Field:
    """Return a known field."""
    return {"value": value, **({"why": why} if why else {})}


def unknown(reason: str, **extra: object) -> Field:
    """Return an unknown field with its reason."""
    return {"unknown": reason, **extra}


@dataclass(slots=True)
class Move:
    """One migration of the truth, with the records of the variant that belong to it."""

    index: int
    truth: dict[str, Any]
    started: datetime
    ended: datetime
    #: kept records of the move (its request ids anywhere, its instance inside its window)
    records: list[Rec]
    #: the same in the set as collected
    base_records: list[Rec]

    @property
    def rids(self) -> list[str]:
        return list(self.truth["request_ids"]) + list(self.truth.get("request_ids_optional") or [])

    def base_unknown(self, name: str) -> str | None:
        return (self.truth.get("unknown") or {}).get(name)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def moves(sset: SampleSet, view: View) -> list[Move]:
    """Attach to every truth migration its kept and base records."""
    truth = sset.truth
    starts = [_time(str(t["started"])) for t in truth]
    out = []
    for i, t in enumerate(truth):
        later = [s for j, s in enumerate(starts) if truth[j]["instance"] == t["instance"] and s > starts[i]]
        until = min(later) if later else None
        rids = list(t["request_ids"]) + list(t.get("request_ids_optional") or [])
        inst = str(t["instance"])
        lo = starts[i] - timedelta(seconds=1)

        def belongs(r: Rec, rids: list[str] = rids, inst: str = inst, lo: datetime = lo,
                    until: datetime | None = until) -> bool:
            if r.meta:
                return False
            if any(rid in r.text for rid in rids):
                return True
            return inst in r.text and r.time is not None and r.time >= lo and (until is None or r.time < until)

        base = [r for r in sset.records if belongs(r)]
        out.append(Move(i, t, starts[i], _time(str(t["ended"])), [r for r in base if r.seq in view.retained], base))
    return out


class Rules:
    """Compute the variant truth of every migration of a set under one view."""

    def __init__(self, sset: SampleSet, view: View) -> None:
        self.sset, self.view = sset, view
        self.kept = [r for r in sset.records if r.seq in view.retained and not r.meta]
        self.kept_hosts = {r.host for r in self.kept if r.host}
        self.all_hosts = {r.host for r in sset.records if r.host}
        self.debug_kept = any(r.level == "DEBUG" for r in self.kept)
        self.resolution = 0.001 if any(r.file.fmt == "oslo" for r in self.kept) else 0.000001
        self.moves = moves(sset, view)
        self._instance_rids = self._rids_by_instance()

    def _rids_by_instance(self) -> dict[str, set[str]]:
        """Return, per instance, the request ids of its own operations (boot, moves) on kept lines.

        An id seen with two instances is a service's long-lived context (periodic
        tasks, the lifecycle-event thread), not a request about either: not counted.
        """
        seen: dict[str, set[str]] = {}
        truth_instances = {str(t["instance"]) for t in self.sset.truth}
        for r in self.kept:
            insts = set(evidence.INSTANCE.findall(r.text)) | {i for i in truth_instances if i in r.text}
            for rid in evidence.REQUEST_ID.findall(r.text):
                seen.setdefault(rid, set()).update(insts)
        out: dict[str, set[str]] = {}
        for rid, insts in seen.items():
            if len(insts) == 1:
                out.setdefault(next(iter(insts)), set()).add(rid)
        return out

    # ------------------------------------------------------------------------------ per move

    def truth(self) -> list[dict[str, Any]]:
        """Return the variant truth of every migration (variant.json `migrations`)."""
        return [self.move_truth(m) for m in self.moves]

    def move_truth(self, m: Move) -> dict[str, Any]:
        t = m.truth
        fields: dict[str, Field] = {
            "kind": self.kind(m),
            "instance": self.instance(m),
            "source_host": self.host(m, "source_host", "source"),
            "dest_host": self.host(m, "dest_host", "destination"),
            "status": self.status(m),
            "request_ids": self.request_ids(m),
            "duration_s": self.duration(m),
            "downtime_s": self.downtime(m),
            "phases": self.phases(m),
            "block_migration": self.block_migration(m),
            "post_copy": self.post_copy(m),
            "findings": self.findings(m),
        }
        for name, f in fields.items():
            actual = t.get(name) if name != "duration_s" else None
            if "unknown" in f and actual is not None:
                f["actual"] = actual  # what happened: a product stating it was right by luck only
        identifiable = any(p.search(r.text) for r in m.records for p in evidence.ANY_MOVE)
        return {"index": m.index, "instance": t["instance"], "request_ids": t["request_ids"],
                "request_ids_optional": t.get("request_ids_optional") or [],
                "started": t["started"], "ended": t["ended"], "visible": identifiable, "fields": fields}

    def _gone(self, host: str | None) -> str:
        """Say why a host's lines are not usable."""
        if host is None:
            return "the lines that would name it are not in this variant"
        if host not in self.kept_hosts:
            return f"no logs from {host}"
        return f"{host}'s lines cannot be attributed to it ({self.view.layout})"

    def instance(self, m: Move) -> Field:
        if any(m.truth["instance"] in r.text for r in m.records):
            return known(m.truth["instance"])
        return unknown("no kept line of the move names the instance")

    def kind(self, m: Move) -> Field:
        """Known when a kept line has a wording only this kind logs (`evidence.KIND`)."""
        if m.base_unknown("kind") or m.truth["kind"] is None:
            return unknown(m.base_unknown("kind") or "not known in the set as collected",
                           one_of=["migration", "resize"])
        kind = str(m.truth["kind"])
        if any(evidence.KIND[kind].search(r.text) for r in m.records):
            return known(kind)
        if kind in ("migration", "resize") and any(evidence.COLD.search(r.text) for r in m.records):
            return unknown("a cold migration and a resize log alike; the API's DEBUG request body and flavor "
                           "lines that tell them apart are not in this variant", one_of=["migration", "resize"])
        return unknown("no kept line of the move has a wording only this kind of move logs")

    def host(self, m: Move, name: str, role: str) -> Field:
        """Known from the host's own attributed lines, or from any kept line naming it with the instance."""
        why = m.base_unknown(name)
        if why:
            return unknown(why)
        host = m.truth[name]
        if host is None:
            return known(None, f"no {role} was chosen")
        for r in m.records:
            if r.host == host and r.seq in self.view.attributed:
                return known(host, f"{host}'s own lines about the move")
        pattern = re.compile(rf"(?<![\w.-]){re.escape(host)}(?![\w-])")
        inst = str(m.truth["instance"])
        rids = self._instance_rids.get(inst, set()) | set(m.rids)
        for r in self.kept:
            if pattern.search(r.text) and (inst in r.text or any(rid in r.text for rid in rids)):
                return known(host, f"named by a line about the instance: {_excerpt(r, host)}")
        return unknown(f"{self._gone(host)}, and no other kept line about the instance names the {role}")

    def status(self, m: Move) -> Field:
        why = m.base_unknown("status")
        if why:
            return unknown(why)
        status = str(m.truth["status"])
        proof = evidence.STATUS.get(status)
        if proof is not None and any(proof.search(r.text) for r in m.records):
            return known(status)
        if status in ("confirmed", "reverted") and any(evidence.STATUS["completed"].search(r.text)
                                                       or "Instance running successfully" in r.text
                                                       for r in m.records):
            return unknown(f"the move finished, but no kept line shows it was {status} "
                           "(the confirm/revert lines are gone)")
        return unknown(f"no kept line proves the move {status}")

    def request_ids(self, m: Move) -> Field:
        why = m.base_unknown("request_ids")
        optional = list(m.truth.get("request_ids_optional") or [])
        if why:
            return unknown(why, optional=optional)
        visible = [rid for rid in m.truth["request_ids"] if any(rid in r.text for r in self.kept)]
        if not visible:
            return unknown("no kept line carries the move's request ids", optional=optional)
        gone = [rid for rid in m.truth["request_ids"] if rid not in visible]
        return {**known(visible, f"not in this variant: {', '.join(gone)}" if gone else ""), "optional": optional}

    def duration(self, m: Move) -> Field:
        """Bounded by the span of the kept own steps and the true span of the move."""
        own = own_steps(m)
        true = (m.ended - m.started).total_seconds()
        if not own:
            return unknown("none of the move's own steps (between its start and its last step) is in this variant")
        first, last = min(own, key=lambda r: r.time), max(own, key=lambda r: r.time)  # type: ignore[arg-type,return-value]
        assert first.time is not None and last.time is not None
        lo = (last.time - first.time).total_seconds()
        tol = 2 * self.resolution + OUTPUT_ROUNDING_S
        reasons = []
        if max(true - lo, 0) > max(WIDE_S, 0.05 * true):
            reasons.append(f"its first or last steps are not in this variant (kept span {lo:.3f} s)")
        offsets = {self.view.offset(r.host) for r in own}
        if len(offsets) > 1:
            tol += SKEW_TOLERANCE_S
            reasons.append("its steps come from hosts whose clocks disagree "
                           f"({_clock_note(self.view, {r.host for r in own})})")
        # timestamps are truncated to their resolution: the kept span may exceed the true one by that much
        field = {"value": round(true, 6), "interval": sorted([round(lo, 6), round(true, 6)]), "tolerance": tol}
        if reasons:
            field["uncertain"] = "; ".join(reasons)
        return field

    def downtime(self, m: Move) -> Field:
        why = m.base_unknown("downtime_s")
        if why:
            return unknown(why)
        value = m.truth["downtime_s"]
        if value is None:
            return known(None, "no outage of the guest to measure (the move failed before it, or nova does not "
                               "log it)")
        start_t, end_t = _time(str(m.truth["down_start"])), _time(str(m.truth["down_end"]))
        inst = str(m.truth["instance"])
        start = _at(m.records, start_t, inst)
        end = _at(m.records, end_t, inst)
        base_end = _at(m.base_records, end_t, inst)
        if end is None:
            host = base_end.host if base_end else None
            return unknown(f"the end of the outage is not in this variant ({self._gone(host) if host in self.all_hosts - self.kept_hosts else 'logged at DEBUG'})")
        tol = 2 * self.resolution + EPOCH_SLOP_S + OUTPUT_ROUNDING_S
        lo = hi = float(value)
        # truth counts a revert's second outage too (on the same two hosts): what the first one leaves
        extra = round(float(value) - (end_t - start_t).total_seconds(), 6)
        if extra > 0.0015:
            tol += 2 * self.resolution
        reasons = []
        if start is None:
            after = [(r, int(mm.group(1))) for r in m.records for mm in [evidence.SHUTDOWN_AFTER.search(r.text)] if mm]
            if not after:
                base_start = _at(m.base_records, start_t, inst)
                host = base_start.host if base_start else None
                return unknown("the start of the outage is not in this variant "
                               f"({self._gone(host) if host in self.all_hosts - self.kept_hosts else 'logged at DEBUG'})")
            r, secs = after[0]
            assert r.time is not None
            lo = round((end_t - (r.time - timedelta(seconds=secs))).total_seconds() + max(extra, 0.0), 6)
            hi = round((end_t - (r.time - timedelta(seconds=secs + 1))).total_seconds() + max(extra, 0.0), 6)
            reasons.append("the power-off start is only bounded by 'Instance shutdown successfully after N seconds' "
                           "(1 s resolution)")
            start = r
        if self.view.offset(start.host) != self.view.offset(end.host):
            tol += SKEW_TOLERANCE_S
            reasons.append(f"its two ends are on hosts whose clocks disagree "
                           f"({_clock_note(self.view, {start.host, end.host})})")
        field: Field = {"value": value, "interval": [lo, hi], "tolerance": tol}
        if reasons:
            field["uncertain"] = "; ".join(reasons)
        return field

    def phases(self, m: Move) -> Field:
        happened = list(m.truth.get("phases") or [])
        levels: dict[str, dict[str, list[str]]] = m.truth.get("phase_levels") or {}
        visible = [p for p in happened
                   if any(h in self.kept_hosts and (self.debug_kept or any(lv != "DEBUG" for lv in lvs))
                          for h, lvs in levels.get(p, {}).items())]
        if not visible:
            return unknown("no kept line of any phase of the move", happened=happened)
        return {**known(visible), "happened": happened}

    def block_migration(self, m: Move) -> Field:
        why = m.base_unknown("block_migration")
        if why:
            return unknown(why)
        value = m.truth.get("block_migration")
        if value is None:
            return known(None, "not a live migration")
        if any(evidence.BLOCK_MIGRATION.search(r.text) for r in m.records):
            return known(value)
        return unknown("no kept line states or implies block_migration")

    def post_copy(self, m: Move) -> Field:
        why = m.base_unknown("post_copy")
        if why:
            return unknown(why)
        value = m.truth.get("post_copy")
        if value is None:
            return known(None, "not a live migration")
        if any(evidence.POST_COPY_KNOWN.search(r.text) for r in m.records):
            return known(value)
        return unknown("the source's memory-copy lines are not in this variant")

    def findings(self, m: Move) -> Field:
        """Kept when every WARNING-or-worse line of the move is kept (signatures match those)."""
        lost = [r for r in m.base_records if r.level in ("WARNING", "ERROR", "CRITICAL", "TRACE")
                and r.seq not in self.view.retained]
        if lost:
            hosts = sorted({r.host or "?" for r in lost})
            return unknown(f"error lines of the move are not in this variant (from {', '.join(hosts)})")
        return known(m.truth.get("findings") or [])


def own_steps(m: Move) -> list[Rec]:
    """Return the kept records between the move's start and its last own step, delayed events excluded."""
    lo = m.started - timedelta(milliseconds=1)
    return [r for r in m.records if r.time is not None and lo <= r.time <= m.ended
            and not evidence.DELAYED.search(r.text)]


def _at(records: list[Rec], t: datetime, inst: str) -> Rec | None:
    """Return the kept record written at `t` (to the millisecond) about `inst`."""
    for r in records:
        if r.time is not None and abs((r.time - t).total_seconds()) < 0.0011 and inst in r.text:
            return r
    return None


_HEADER = re.compile(r"^.*?\[(?:-|[^\]]*req-[^\]]*)\] (?:\[instance: [0-9a-f-]{36}\] )?")


def _excerpt(rec: Rec, host: str) -> str:
    """Return the message of the line naming the host (header stripped), cut around the host."""
    line = next((ln for ln in rec.text.split("\n") if host in ln), rec.text.split("\n")[0])
    msg = _HEADER.sub("", line, count=1)
    i = msg.find(host)
    return msg[max(0, i - 160):i + 40].strip()


def _clock_note(view: View, hosts: set[str | None]) -> str:
    parts = []
    for h in sorted(h for h in hosts if h):
        off = view.offset(h).total_seconds()
        if off:
            parts.append(f"{h} {off:+g} s")
    return ", ".join(parts) or "offsets cancel"


def variant_truth(sset: SampleSet, view: View) -> list[dict[str, Any]]:
    """Return the truth the variant still supports, migration by migration."""
    return Rules(sset, view).truth()
