"""Level guards (issue 12): a signature matches only at a level nova uses for that failure.

Six signatures used to fire on DEBUG/INFO lines of healthy moves (an INFO line quoting an error
string, the conductor's DEBUG `Skipping host` of a move that then succeeded elsewhere).  Every
signature now carries a level term in each alternative of its match — or the API's INFO record of
a refused request (`HTTP exception thrown`), which is that failure's only trace — except the few
whose only trace nova writes at DEBUG, listed here with the reason; those have precision coverage
(near-miss fixtures, test_precision.py) instead.
"""

from __future__ import annotations

from migtrace.diagnose import query as q
from migtrace.diagnose.catalog import load_catalog
from migtrace.model import LEVEL_RANK

#: signatures whose failure nova logs only at DEBUG (or INFO progress lines), and why
DEBUG_ONLY = {
    "evacuate-rebuild-claim-failed": "nova logs the failed rebuild claim only at DEBUG ('Could not rebuild instance on this host')",
    "resize-confirm-another-host": "the resource tracker's 'Skipping migration as instance is neither resizing nor live-migrating' is DEBUG",
    "live-migration-no-data-transferred": "the stall shows only in the monitor's DEBUG/INFO progress line (bytes processed=0)",
}
#: INFO records that are the only trace of a refused API request
_INFO_TRACES = ("http exception thrown", "setting instance back to")


def _guarded(node: q.Node) -> bool:
    """True when every way the node can match requires a record above DEBUG (or a known INFO failure trace)."""
    if isinstance(node, q._Level):
        return node.op in (">=", ">", "=", ":") and node.rank >= LEVEL_RANK["INFO"]
    if isinstance(node, q._Substring):
        return node.field == "message" and node.needle in _INFO_TRACES
    if isinstance(node, q._And):
        return any(_guarded(p) for p in node.parts)
    if isinstance(node, q._Or):
        return all(_guarded(p) for p in node.parts)
    return False


def test_level_guard_on_every_signature_but_the_debug_only_ones() -> None:
    unguarded = {s.id for s in load_catalog() if not _guarded(s.match.root)}
    assert unguarded == set(DEBUG_ONLY)


def test_level_guard_debug_only_signatures_are_narrowed_by_logger() -> None:
    for ident in DEBUG_ONLY:
        sig = load_catalog().get(ident)
        assert sig is not None and "logger:" in sig.match.text, ident
