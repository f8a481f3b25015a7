"""The domain notes the code refers to are in the repository (issue 12).

Markers, failure/stall/release rules, signatures and their fixtures cite sections of the migration-log
reference ("§3.1-E", "§4.14"); docs/nova-migration-logs.md is its in-repository copy.  Every such
section must exist there, and nothing shipped may point to the research copy outside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOC = REPO / "docs" / "nova-migration-logs.md"
#: where references to the reference live (the doc itself excluded)
SCANNED = ["migtrace", "parsers", "reports", "tools", "docs", "tests/signatures", "tests/diagnose", "tests/parsers"]
_SECTION = re.compile(r"(?<![\w.])(?:(?P<owner>STYLE|DESIGN)\.md )?§(?P<num>\d+(?:\.\d+)*)(?:-(?P<phase>[A-H]))?")


def _files() -> list[Path]:
    found: list[Path] = []
    for top in SCANNED:
        found += [p for p in (REPO / top).rglob("*") if p.suffix in (".py", ".yaml", ".md") and p != DOC]
    return sorted(found)


def _sections() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    numbers = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, re.M))
    phases = {f"3.1-{letter}" for letter in re.findall(r"^#### Phase ([A-H]):", text, re.M)}
    return numbers | phases


def test_references_doc_has_the_sections_code_relies_on() -> None:
    sections = _sections()
    assert {"1.1", "1.3", "3.1", "3.1-E", "3.1-H", "3.2", "3.3", "4.1", "4.14", "4.15", "5.2"} <= sections


@pytest.mark.parametrize("path", [p for p in _files() if "nova-migration-logs" in p.read_text(encoding="utf-8")],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_references_every_cited_section_exists(path: Path) -> None:
    sections = _sections()
    missing = []
    for m in _SECTION.finditer(path.read_text(encoding="utf-8")):
        if m.group("owner"):
            continue  # the project's STYLE.md / DESIGN.md, not the domain reference
        ref = m.group("num") + (f"-{m.group('phase')}" if m.group("phase") else "")
        if ref not in sections:
            missing.append(ref)
    assert not missing, f"{path.relative_to(REPO)} cites sections docs/nova-migration-logs.md does not have: {missing}"


def test_references_nothing_points_outside_the_repository() -> None:
    stale = [str(p.relative_to(REPO)) for p in _files()
             if re.search(r"NOVA_MIGRATION_LOGS\.md|shared/nova_logs", p.read_text(encoding="utf-8"))
             and p.name != "test_references.py"]
    assert not stale, stale
