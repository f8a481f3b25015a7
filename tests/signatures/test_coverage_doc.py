"""docs/signature-coverage.md names only shipped signatures, and names all of them.

The page is the record of which nova failure each signature covers; a renamed or
removed signature must not leave a dangling id there, and a new one must say what it
covers.
"""

from __future__ import annotations

import re

from migtrace.diagnose._downtime import downtime_rules
from migtrace.diagnose._stall import stall_rules
from migtrace.diagnose.catalog import load_catalog
from tests.conftest import REPO

DOC = REPO / "docs" / "signature-coverage.md"

#: back-quoted kebab-case words in the page that are package or program names, not signature ids
NOT_IDS = {"libvirt-daemon-driver-qemu", "qemu-img", "qemu-system-x86"}

_ID_TOKEN = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")


def _tokens() -> set[str]:
    return set(_ID_TOKEN.findall(DOC.read_text(encoding="utf-8"))) - NOT_IDS


def test_coverage_doc_names_only_shipped_signatures() -> None:
    shipped = {s.id for s in load_catalog()}
    # findings that do not come from a signature file (stalls, long downtime) are named too
    rules = {r.id for r in stall_rules()} | {r.id for r in downtime_rules()}
    assert sorted(_tokens() - shipped - rules) == []


def test_coverage_doc_names_every_shipped_signature() -> None:
    shipped = {s.id for s in load_catalog()}
    assert sorted(shipped - _tokens()) == []


def test_coverage_doc_summary_counts_the_catalog() -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"The catalog ships (\d+) signatures \((\d+) of them fallbacks\)", text)
    assert match, "summary sentence missing"
    catalog = load_catalog()
    assert int(match.group(1)) == len(catalog)
    assert int(match.group(2)) == sum(1 for s in catalog if s.fallback)
