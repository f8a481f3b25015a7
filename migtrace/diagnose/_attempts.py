"""Failures the move recovered from: a destination that failed, and a reschedule that went elsewhere.

Nova reschedules a cold migration or resize whose chosen destination fails in
prep_resize (`Re-scheduling resize_instance: attempt 1` before Rocky,
`Rescheduling, attempt 1` since): the failure is real, but the move went on
and may well have finished on another host.  A finding whose every piece of
evidence was logged by a host the move was rescheduled away from, on a move
that did not fail, is then information ("retried on compute2 after …"), not
an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from migtrace.model import Finding, Migration

#: statuses of a move that went on after the reschedule (it did not end in failure)
_WENT_ON = frozenset({"completed", "confirmed", "reverted", "in-progress"})


def recovered(migration: Migration, findings: Sequence[Finding]) -> list[Finding]:
    """Return the findings with those the move recovered from turned into information."""
    left = {a.host for a in migration.attempts if a.outcome == "rescheduled"}
    dest = migration.dest_host
    if not left or dest is None or migration.status not in _WENT_ON:
        return list(findings)
    out: list[Finding] = []
    for f in findings:
        hosts = {e.host for e in f.events}
        if f.events and hosts <= left and dest not in hosts:
            failed_on = ", ".join(sorted(h for h in hosts if h))
            f = replace(f, severity="info", title=f"Retried on {dest} after {failed_on} failed: {f.title}",
                          explanation=(f"Recovered: this failure happened on {failed_on}, which the move was "
                                       f"rescheduled away from; it then went on to {dest}. {f.explanation}"))
        out.append(f)
    return out
