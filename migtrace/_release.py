"""OpenStack release names in order (migtrace/data/releases.yaml), so that releases compare.

A signature names the releases its wording belongs to and a remedy the first
release that has the option it suggests; `--release` names the release of the
logs.  All of them are checked against one ordered list, loaded once, so a
misspelt name fails loudly where it is written, never silently compares wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from migtrace._datafile import Key, entries, load_document, read_text


@dataclass(frozen=True, slots=True, order=True)
class Release:
    """One OpenStack release; `index` orders them (Folsom is 0)."""

    index: int
    name: str
    version: str = ""

    def __str__(self) -> str:
        return self.name.capitalize() if self.name[:1].isalpha() else self.name


_SCHEMA = {"name": Key(required=True), "version": Key(required=True), "aliases": Key(list)}


@cache
def _table() -> tuple[tuple[Release, ...], dict[str, Release]]:
    text, where = read_text("releases.yaml")
    found = entries(load_document(text, where), "releases", _SCHEMA, where)
    ordered = tuple(Release(i, str(e["name"]).lower(), str(e["version"])) for i, e in enumerate(found))
    by_name: dict[str, Release] = {}
    for release, entry in zip(ordered, found, strict=True):
        for name in (release.name, release.version, *(entry.get("aliases") or ())):
            by_name[str(name).lower()] = release
    return ordered, by_name


def releases() -> tuple[Release, ...]:
    """Return every known release, oldest first."""
    return _table()[0]


def release_named(name: str) -> Release:
    """Return the release a user or a data file names (series name, alias or nova major version).

    Raise ValueError naming the known releases when the name is unknown.
    """
    found = _table()[1].get(str(name).strip().lower())
    if found is None:
        known = ", ".join(r.name for r in releases())
        raise ValueError(f"unknown OpenStack release {name!r} (known: {known})")
    return found
