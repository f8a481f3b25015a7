"""Give an instance to records that name it only in their text.

Grizzly and Havana logged lifecycle events as `Lifecycle event 2 on VM
<uuid>`, without the `[instance: <uuid>] ` prefix later releases write, so
the record has no instance and could not join its move by instance and time
window.  A marker with `names_instance: true` (migtrace/data/phases.yaml)
captures the uuid in its `instance` group; the record is then read as if the
prefix had been there.  Records that already have an instance are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from migtrace.correlate.markers import MarkerSet
from migtrace.model import Event


def with_named_instances(events: Sequence[Event], markers: MarkerSet) -> Sequence[Event]:
    """Return the events, those whose text names their instance (per a marker) copied with it set."""
    if not markers.names_instance:
        return events
    out: list[Event] | None = None
    for i, e in enumerate(events):
        if e.instance is not None:
            continue
        named = markers.named_instance(e)
        if named is not None:
            if out is None:
                out = list(events)
            out[i] = e.replace(instance=named)
    return events if out is None else out
