"""Load the phase markers (migtrace/data/phases.yaml) and match them against events.

Markers are data, reviewed like code: which nova line opens a move, which
phase a line belongs to, which host side logged it, which status it implies.
Matching is a single combined regex over the marker texts (one C-level scan
per event), then the few candidate markers are checked in full.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from migtrace.errors import SignatureError
from migtrace.model import KINDS, Event, level_rank


@dataclass(frozen=True, slots=True)
class Marker:
    """One line nova writes at a known point of a move."""

    id: str
    text: str
    regex: re.Pattern[str] | None = None
    logger: str | None = None
    level: str | None = None
    opens: str | None = None
    followup: str | None = None
    phase: str | None = None
    side: str | None = None
    outcome: str | None = None
    flag: str | None = None
    downtime: str | None = None
    attempt: str | None = None
    progress: bool = False
    kinds: frozenset[str] = frozenset()
    late: bool = False
    #: the text alone is not enough: the regex must match as well (else the regex only captures)
    require_regex: bool = False
    #: the kind of move this line can only come from, when no request opened one
    implies: str | None = None

    def applies_to(self, kind: str) -> bool:
        """True when the marker means something for a move of this kind."""
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True, slots=True)
class Match:
    """A marker that matched an event, with the values its regex captured."""

    marker: Marker
    groups: Mapping[str, str]


_FIELDS = set(Marker.__dataclass_fields__)


class MarkerSet:
    """All markers plus the per-kind phase order."""

    def __init__(self, markers: Sequence[Marker], phase_order: Mapping[str, Sequence[str]]) -> None:
        self.markers = tuple(markers)
        self.phase_order = {k: tuple(v) for k, v in phase_order.items()}
        texts = sorted({m.text for m in self.markers if m.text}, key=len, reverse=True)
        self._scan = re.compile("|".join(re.escape(t) for t in texts))
        self._by_text: dict[str, list[Marker]] = {}
        for m in self.markers:
            self._by_text.setdefault(m.text, []).append(m)
        self._logger_only = [m for m in self.markers if not m.text]
        self._rank = {m.id: i for i, m in enumerate(self.markers)}
        opening = [m for m in self.markers if m.opens or m.followup]
        self._opening_scan = re.compile("|".join(re.escape(m.text) for m in opening if m.text) or "(?!)")
        self._opening_by_logger = [m for m in opening if not m.text and m.logger]

    def match(self, event: Event) -> list[Match]:
        """Return every marker this event matches (usually none or one)."""
        found: list[Match] = []
        message = event.message
        seen: set[str] = set()
        for hit in self._scan.finditer(message):
            seen.add(hit.group(0))
        if seen:
            # texts overlapping a longer hit are not reported by finditer: look for them too
            for text in self._by_text:
                if text and text not in seen and text in message:
                    seen.add(text)
        for text in seen:
            for marker in self._by_text.get(text, ()):
                m = self._check(marker, event)
                if m is not None:
                    found.append(m)
        for marker in self._logger_only:
            m = self._check(marker, event)
            if m is not None:
                found.append(m)
        # file order decides which marker's phase wins, whatever the set iteration order was
        found.sort(key=lambda m: self._rank[m.marker.id])
        return found

    def starts_request(self, event: Event) -> bool:
        """True when the event opens a move or acts on one (its request id then matters)."""
        if self._opening_scan.search(event.message) is None and not any(
                (event.logger or "").startswith(m.logger or "") for m in self._opening_by_logger):
            return False
        return any(m.marker.opens or m.marker.followup for m in self.match(event))

    def could_match(self, message: str) -> bool:
        """Cheap test used while streaming: does any marker text occur?"""
        return self._scan.search(message) is not None

    @staticmethod
    def _check(marker: Marker, event: Event) -> Match | None:
        if marker.logger and not (event.logger or "").startswith(marker.logger):
            return None
        if marker.level and level_rank(event.level) < level_rank(marker.level):
            return None
        groups: dict[str, str] = {}
        if marker.regex is not None:
            rm = marker.regex.search(event.message)
            if rm is None:
                if marker.require_regex:
                    return None
            else:
                groups = {k: v for k, v in rm.groupdict().items() if v is not None}
        return Match(marker, groups)

    def phases_for(self, kind: str) -> tuple[str, ...]:
        """Return the display order of phases for a kind of move."""
        return self.phase_order.get(kind, ())


def _marker_from(entry: Mapping[str, Any], where: str) -> Marker:
    unknown = set(entry) - _FIELDS - {"releases"}
    if unknown:
        raise SignatureError(f"{where}: marker {entry.get('id')!r}: unknown keys {sorted(unknown)}")
    data = {k: v for k, v in entry.items() if k in _FIELDS}
    if "regex" in data and data["regex"] is not None:
        try:
            data["regex"] = re.compile(data["regex"])
        except re.error as exc:
            raise SignatureError(f"{where}: marker {entry.get('id')!r}: bad regex: {exc}") from exc
    data["kinds"] = frozenset(data.get("kinds") or ())
    data["text"] = str(data.get("text") or "")
    for key in ("opens",):
        if data.get(key) and data[key] not in KINDS:
            raise SignatureError(f"{where}: marker {entry.get('id')!r}: unknown kind {data[key]!r}")
    return Marker(**data)


@lru_cache(maxsize=4)
def load_markers(path: str | None = None) -> MarkerSet:
    """Load the shipped marker file (or another one, for tests)."""
    if path is None:
        text = resources.files("migtrace").joinpath("data/phases.yaml").read_text(encoding="utf-8")
        where = "migtrace/data/phases.yaml"
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        where = path
    data = yaml.safe_load(text)
    phases: dict[str, list[str]] = data["phases"]
    markers = [_with_implied_kind(_marker_from(entry, where), phases) for entry in data["markers"]]
    return MarkerSet(markers, phases)


def _with_implied_kind(marker: Marker, phases: Mapping[str, Sequence[str]]) -> Marker:
    """Derive `implies` from a marker's kinds or from a phase only one kind has."""
    if marker.implies == "none":
        return replace(marker, implies=None)
    if marker.implies or marker.followup or marker.opens:
        return marker
    kind: str | None = None
    if len(marker.kinds) == 1:
        kind = next(iter(marker.kinds))
    elif marker.phase:
        owners = {k for k, names in phases.items() if marker.phase in names}
        if len(owners) == 1:
            kind = owners.pop()
        elif owners == {"migration", "resize"}:
            kind = "migration"
    if kind is None:
        return marker
    return replace(marker, implies=kind)
