"""The wrappers/transports table obeys lnav's sample rules.

Every `line`/`meta` sample fully matches its own entry, matches no other
`line`/`meta` entry, and yields exactly the fields it lists; every `json`
sample parses and gives its fields through the entry's paths; every `inline`
sample is cleaned to its `expect`; every entry has a sample.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

TABLE = Path(__file__).resolve().parents[2] / "migtrace" / "data" / "transports.yaml"
ENTRIES: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["transports"]
LINE_KINDS = ("line", "meta")
PATTERNS = {e["name"]: re.compile(e["regex"]) for e in ENTRIES if e["kind"] in (*LINE_KINDS, "inline")}
_SCOPE = {e["name"]: e.get("scope", "line") for e in ENTRIES}


def _samples(kinds: tuple[str, ...]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(e["name"], i, s) for e in ENTRIES if e["kind"] in kinds for i, s in enumerate(e.get("samples", []))]


def _dig_one(obj: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def _dig(obj: Any, path: str) -> Any:
    """`a|b`: the first alternative path that gives a value."""
    return next((v for p in path.split("|") if (v := _dig_one(obj, p)) is not None), None)


def test_table_entries_have_unique_names_known_kinds_and_samples() -> None:
    names = [e["name"] for e in ENTRIES]
    assert len(names) == len(set(names))
    for e in ENTRIES:
        assert e["kind"] in ("line", "meta", "json", "inline"), e["name"]
        assert e.get("samples"), f"{e['name']} has no sample"
        assert e.get("source"), f"{e['name']} cites no source"


def test_line_entries_name_keep_except_meta() -> None:
    for e in ENTRIES:
        if e["kind"] == "line":
            assert "keep" in PATTERNS[e["name"]].groupindex, e["name"]
        if e["kind"] == "meta":
            assert "keep" not in PATTERNS[e["name"]].groupindex, e["name"]


@pytest.mark.parametrize(("name", "i", "sample"), _samples(LINE_KINDS), ids=lambda v: v if isinstance(v, str) else None)
def test_line_sample_matches_its_entry_only_and_yields_its_fields(name: str, i: int, sample: dict[str, Any]) -> None:
    line = sample["line"]
    m = PATTERNS[name].fullmatch(line)
    assert m, f"{name} sample {i} does not fully match"
    got = {k: v for k, v in m.groupdict().items() if v is not None}
    assert got == sample["fields"]
    scope = _SCOPE[name]
    # `scope: file` entries (paste decorations) are applied in their own pass, before the line-scope ones
    others = [n for e in ENTRIES if e["kind"] in LINE_KINDS and (n := e["name"]) != name
              and _SCOPE[n] == scope if PATTERNS[n].fullmatch(line)]
    assert others == [], f"{name} sample {i} also matches {others}"


@pytest.mark.parametrize(("name", "i", "sample"), _samples(("json",)), ids=lambda v: v if isinstance(v, str) else None)
def test_json_sample_gives_its_fields(name: str, i: int, sample: dict[str, Any]) -> None:
    entry = next(e for e in ENTRIES if e["name"] == name)
    obj = json.loads(sample["line"])
    got = {field: _dig(obj, path) for field, path in entry["fields"].items()}
    assert {k: v for k, v in got.items() if v is not None} == sample["fields"]
    assert got["keep"] is not None


@pytest.mark.parametrize(("name", "i", "sample"), _samples(("inline",)), ids=lambda v: v if isinstance(v, str) else None)
def test_inline_sample_is_cleaned_to_expect(name: str, i: int, sample: dict[str, Any]) -> None:
    entry = next(e for e in ENTRIES if e["name"] == name)
    assert PATTERNS[name].search(sample["text"]), f"{name} sample {i} shows no residue"
    assert PATTERNS[name].sub(lambda _m: entry["replace"], sample["text"]) == sample["expect"]


def test_json_samples_are_no_line_wrapper() -> None:
    for name, i, sample in _samples(("json",)):
        hits = [n for e in ENTRIES if e["kind"] in LINE_KINDS and PATTERNS[(n := e["name"])].fullmatch(sample["line"])]
        assert hits == [], f"{name} sample {i} is taken by line entries {hits}"
