"""Phase markers are reviewable data: valid, unique, and each one seen in the sample logs or documented."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from migtrace.correlate.markers import KINDS, load_markers
from migtrace.errors import DataError


def test_markers_ids_unique_and_phases_known() -> None:
    data = yaml.safe_load(resources.files("migtrace").joinpath("data/phases.yaml").read_text())
    ids = [m["id"] for m in data["markers"]]
    assert len(ids) == len(set(ids))
    all_phases = {p for names in data["phases"].values() for p in names}
    for m in load_markers().markers:
        assert m.phase is None or m.phase in all_phases, m.id
        assert m.kinds <= set(KINDS), m.id
        assert m.implies is None or m.implies in KINDS, m.id


def test_markers_release_wording_variants_covered() -> None:
    mk = load_markers()
    texts = {m.text for m in mk.markers}
    # progress wording before and after Train, evacuate wording before and after Rocky
    progress = next(m for m in mk.markers if m.id == "src-progress")
    assert progress.regex is not None
    assert progress.regex.search("Migration running for 5 secs, memory 62% remaining; (bytes processed=1, remaining=2, total=3)")
    assert progress.regex.search("Migration running for 5 secs, memory 62% remaining (bytes processed=1, remaining=2, total=3); disk 100% remaining (bytes processed=0, remaining=0, total=0).")
    assert {"Evacuating instance", "Rebuilding instance"} <= texts


def test_markers_bad_file_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "phases.yaml"
    bad.write_text("phases: {}\nmarkers:\n  - id: x\n    text: y\n    colour: red\n")
    with pytest.raises(DataError, match=r"markers\[0\] \(x\): unknown keys \['colour'\]"):
        load_markers(str(bad))


@pytest.mark.parametrize(("entry", "complaint"), [
    ("    text: y\n    opens: teleport\n", "'opens' must be one of live-migration"),
    ("    text: y\n    regex: '(unclosed'\n", "'regex' is not a valid regex"),
    ("    text: y\n    late: 'yes'\n", "'late' must be true/false"),
    ("    regex: x\n", "missing required key 'text'"),
    ("    text: y\n    kinds: [live-migration, teleport]\n", "'kinds' must be one of"),
])
def test_markers_schema_names_the_entry_and_the_problem(tmp_path, entry: str, complaint: str) -> None:
    bad = tmp_path / "phases.yaml"
    bad.write_text("phases: {}\nmarkers:\n  - id: x\n" + entry)
    with pytest.raises(DataError, match=re.escape(complaint)):
        load_markers(str(bad))
