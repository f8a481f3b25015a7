"""`MarkerSet.texts_in` finds every marker text of a message, overlapping ones included (issue 13 P2 speed).

The combined regex reports non-overlapping hits only; the texts inside a hit
and those that start inside a hit and end after it are added from relations
computed once.  The answer must equal testing every text with `in`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.correlate.markers import Marker, MarkerSet, load_markers
from tests.conftest import SAMPLE_LOGS, cached_load, make_event

_SHIPPED = load_markers()
_TEXTS = sorted({m.text for m in _SHIPPED.markers if m.text and not m.traceback})


def _brute(markers: MarkerSet, message: str) -> set[str]:
    return {m.text for m in markers.markers if m.text and not m.traceback and m.text in message}


@pytest.fixture(scope="module")
def messages() -> list[str]:
    found: list[str] = []
    for name in ("queens-files", "kilo-files", "yoga-info", "zed-mixed", "devstack-2024.1", "train-single-host"):
        found += [e.message for e in cached_load(SAMPLE_LOGS / name).events]
    return found


def test_sample_messages(messages: list[str]) -> None:
    hits = 0
    for message in messages:
        assert _SHIPPED.texts_in(message) == _brute(_SHIPPED, message), message
        hits += bool(_brute(_SHIPPED, message))
    assert hits > 100


def test_overlapping_pairs_of_shipped_texts() -> None:
    """Every shipped text glued to every other with the longest overlap both allow, and inside it."""
    for a in _TEXTS:
        for b in _TEXTS:
            overlap = max((k for k in range(1, min(len(a), len(b))) if a.endswith(b[:k])), default=0)
            for message in (a + b, a[:len(a) - overlap] + b, "x" + a + b[overlap:] + "y"):
                assert _SHIPPED.texts_in(message) == _brute(_SHIPPED, message), message


_SMALL = MarkerSet([Marker(id=f"m{i}", text=t) for i, t in enumerate(
    ["abc", "bcd", "cde", "abcde", "b", "e", "ab", "dea", "aaa", "aa"])], {})


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcde ", max_size=30))
def test_tiny_alphabet_property(message: str) -> None:
    """Texts that overlap, nest and repeat in every way a 5-letter alphabet allows."""
    assert _SMALL.texts_in(message) == _brute(_SMALL, message)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TEXTS), max_size=4), st.integers(0, 40), st.text(max_size=10))
def test_shipped_texts_cut_and_joined(parts: list[str], cut: int, filler: str) -> None:
    """Shipped texts joined, some cut at the front (partial overlaps), with arbitrary filler."""
    message = filler.join(p[cut % (len(p) or 1):] if i % 2 else p for i, p in enumerate(parts))
    assert _SHIPPED.texts_in(message) == _brute(_SHIPPED, message)


def _named_by_match(markers: MarkerSet, event: object) -> str | None:
    return next((m.groups["instance"].lower() for m in markers.match(event)  # type: ignore[arg-type]
                 if m.marker.names_instance and m.groups.get("instance")), None)


def test_named_instance_equals_match(messages: list[str]) -> None:
    """`named_instance` gives what looking through every match gives (Grizzly/Havana lifecycle lines too)."""
    uuid = "0D8A2F4E-1C2B-4E5F-9A8B-7C6D5E4F3A2B"
    extra = [f"Lifecycle event {n} on VM {uuid}" for n in range(5)]
    extra += [f"Emitting event <LifecycleEvent: 1526300000.123, {uuid} => Paused> emit_event", "Lifecycle event 2"]
    named = 0
    for message in [*messages, *extra]:
        event = make_event(message=message, instance=None)
        got = _SHIPPED.named_instance(event)
        assert got == _named_by_match(_SHIPPED, event), message
        named += got is not None
    assert named >= 5
