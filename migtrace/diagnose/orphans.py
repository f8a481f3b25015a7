"""Which records can make an orphan finding: the test a read applies before it drops a record.

Outside every move, diagnosis (`_engine._orphan_findings`) speaks of a
record only when a signature of the catalog that is not a fallback matches
it, or when it is a failure record (`_failures.failure_severity`: ERROR and
up, and the WARNINGs nova writes when something failed).  A record neither
test holds for is in no orphan finding whatever else was read, so a read
that drops the records of instances that never moved keeps those it holds
for (`pipeline._keep.Unmoved`).  The test is derived from the catalog in
use (the shipped signatures plus `--signatures`), never from a list of ids.
"""

from __future__ import annotations

from collections.abc import Callable

from migtrace.diagnose._engine import _candidates
from migtrace.diagnose._failures import failure_severity
from migtrace.diagnose.catalog import Catalog
from migtrace.model import Event


def orphan_test(catalog: Catalog) -> Callable[[Event], bool]:
    """True for a record an orphan finding could count (a signature match or a failure), else False.

    A superset of what `_orphan_findings` counts: it also holds for another
    program's failure record (which that function lists only through a signature).
    """
    candidates = _candidates(tuple(s for s in catalog if not s.fallback))

    def could_find(event: Event) -> bool:
        return failure_severity(event) is not None or bool(candidates.matching(event))
    return could_find
