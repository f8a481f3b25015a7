"""Golden tests: the faithful sample documents of tests/fixtures/inputs give their manifest's migrations.

Each family directory (syslog, grep, containers, loki, opensearch, oslo_json,
pastes, tarballs) holds documents written the way the real system writes them
(field names, order, escapes; see each README) with a manifest naming the
migration each must still show.  Every file's line accounting must balance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import migtrace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"

#: (family, form) -> why this branch does not read it yet
GAPS: dict[tuple[str, str], str] = {
    ("containers", "kubectl-timestamps"): "the host is only in the directory the pod log was saved to",
    ("syslog", "syslog-3164-wire-nohost"): "no host on the wire and none in the path: unknown, as it should be",
    ("loki", "loki-raw"): "without labels or order the records of two hosts interleave",
}


def _cases() -> list[Any]:
    out = []
    for manifest in sorted(FIXTURES.glob("*/manifest.json")):
        family = manifest.parent.name
        for i, entry in enumerate(json.loads(manifest.read_text())):
            if "paths" not in entry:
                continue
            reason = GAPS.get((family, entry["form"]))
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            out.append(pytest.param(family, entry, marks=marks, id=f"{family}-{entry['form']}-{i}"))
    return out


@pytest.mark.parametrize(("family", "entry"), _cases())
def test_document_gives_its_migration(family: str, entry: dict[str, Any]) -> None:
    paths = [str(FIXTURES / family / p) for p in entry["paths"]]
    got = migtrace.load(*paths, tz="UTC", missing="warn")
    for st in got.stats:
        assert st.balanced, st
    found = [{k: getattr(m, k) for k in want} for m in got.migrations for want in entry["expect"][:1]]
    for want in entry["expect"]:
        assert want in [{k: getattr(m, k) for k in want} for m in got.migrations], (want, found)
