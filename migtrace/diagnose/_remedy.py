"""Release-aware signature data: the releases a wording belongs to, remedies that need a release.

A signature says which releases its wording belongs to (`releases:`, a range
or, in older files, free text) and may list remedies that only work from
(or until) some release (`remedies:` with `min_release`/`max_release`), next
to the unconditional `remedy:` text.  When a finding is made, the remedies
are composed for the release range the logs come from: an option the logs'
release does not have is not suggested; when the range is not known well
enough to tell, the remedy is kept with its release bounds written out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from migtrace._release import Release, release_named

Fail = Callable[..., Exception]


@dataclass(frozen=True, slots=True)
class ReleaseRange:
    """Releases in [low, high]; a missing bound is open (None, None: any release)."""

    low: Release | None = None
    high: Release | None = None
    note: str = ""
    #: the range was given as free text (older signature files): only `note` says it
    legacy: bool = False

    @property
    def bounded(self) -> bool:
        """True when at least one end is known."""
        return self.low is not None or self.high is not None

    def label(self) -> str:
        """Say the range in words: `Pike–Rocky`, `Pike onward`, `up to Rocky`, `Queens`, `any`."""
        low, high = self.low, self.high
        if low is None and high is None:
            return "any"
        if low is not None and high is not None:
            return str(low) if low == high else f"{low}–{high}"
        return f"{low} onward" if low is not None else f"up to {high}"

    def text(self) -> str:
        """Return the label followed by the note, as the catalog prints it (free text alone, as written)."""
        if self.legacy:
            return self.note
        return f"{self.label()}; {self.note}" if self.note else self.label()


@dataclass(frozen=True, slots=True)
class Remedy:
    """One remedy that needs the logs' release to be in [min_release, max_release]."""

    text: str
    min_release: Release | None = None
    max_release: Release | None = None

    def bounds(self) -> str:
        """Return `Stein+`, `up to Rocky` or `Newton–Rocky` (empty when unbounded)."""
        low, high = self.min_release, self.max_release
        if low is not None and high is not None:
            return f"{low}–{high}"
        if low is not None:
            return f"{low}+"
        return f"up to {high}" if high is not None else ""


def _release(value: Any, key: str, fail: Fail) -> Release | None:
    if value is None:
        return None
    try:
        return release_named(str(value))
    except ValueError as exc:
        raise fail(str(exc), key) from None


def parse_releases(value: Any, fail: Fail) -> ReleaseRange:
    """Read `releases:`: free text (kept as the note) or a mapping {from, to, note}."""
    if value is None:
        return ReleaseRange()
    if isinstance(value, str):
        return ReleaseRange(note=value.strip(), legacy=True)
    if not isinstance(value, Mapping):
        raise fail("'releases' must be text or a mapping with from/to/note", "releases")
    unknown = sorted(set(value) - {"from", "to", "note"})
    if unknown:
        raise fail(f"'releases' has unknown keys {unknown} (known: from, note, to)", "releases")
    low, high = _release(value.get("from"), "releases", fail), _release(value.get("to"), "releases", fail)
    if low is not None and high is not None and high < low:
        raise fail(f"'releases' ends ({high}) before it starts ({low})", "releases")
    note = value.get("note")
    if note is not None and not isinstance(note, str):
        raise fail("'releases' note must be text", "releases")
    return ReleaseRange(low, high, (note or "").strip())


def parse_remedies(value: Any, fail: Fail) -> tuple[Remedy, ...]:
    """Read `remedies:`, a list of {text, min_release, max_release}."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("'remedies' must be a list of {text, min_release, max_release}", "remedies")
    found: list[Remedy] = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise fail(f"remedies[{i}] must be a mapping with a 'text'", "remedies")
        unknown = sorted(set(item) - {"text", "min_release", "max_release"})
        if unknown:
            raise fail(f"remedies[{i}] has unknown keys {unknown} (known: max_release, min_release, text)",
                       "remedies")
        low = _release(item.get("min_release"), "remedies", fail)
        high = _release(item.get("max_release"), "remedies", fail)
        if low is not None and high is not None and high < low:
            raise fail(f"remedies[{i}]: max_release {high} is before min_release {low}", "remedies")
        found.append(Remedy(" ".join(item["text"].split()), low, high))
    return tuple(found)


def applicable(remedy: Remedy, logs: ReleaseRange) -> bool | None:
    """True when every release the logs may come from has the remedy, False when none has, None: some."""
    low, high = logs.low, logs.high
    first, last = remedy.min_release, remedy.max_release
    if (first is not None and high is not None and high < first) or (
            last is not None and low is not None and low > last):
        return False
    if (first is None or (low is not None and low >= first)) and (
            last is None or (high is not None and high <= last)):
        return True
    return None


def compose(remedy: str, remedies: tuple[Remedy, ...], logs: ReleaseRange) -> str:
    """Return the remedy text for logs of this release range.

    Remedies no release of the logs has are left out; those only some may have
    keep their bounds ("(Stein+)") so the reader can check.  The unconditional
    text comes first, then one "- " paragraph per remedy.
    """
    parts = [" ".join(remedy.split())] if remedy.strip() else []
    for item in remedies:
        verdict = applicable(item, logs)
        if verdict is False:
            continue
        bounds = item.bounds()
        parts.append(f"- {item.text}" if verdict or not bounds else f"- {item.text} ({bounds})")
    # one paragraph each: renderers wrap paragraphs separately
    return "\n\n".join(parts)
