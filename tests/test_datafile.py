"""The shipped data files load against their schemas, and a broken entry is named precisely."""

from __future__ import annotations

import pytest

from migtrace._datafile import Key, check_entry, entries, load_document
from migtrace.correlate.skew import causal_texts
from migtrace.diagnose._engine import masks
from migtrace.errors import DataError


def test_datafile_shipped_pairs_and_masks_load() -> None:
    assert ("_post_live_migration() is started", "Post operation of migration started") in causal_texts()
    replacements = [r for _, r in masks()]
    assert replacements[:2] == ["req-<uuid>", "<uuid>"]


@pytest.mark.parametrize(("entry", "complaint"), [
    ({"id": "a"}, "missing required key 'cause'"),
    ({"id": "a", "cause": 3}, "'cause' must be text, not int"),
    ({"id": "a", "cause": "x", "flag": "yes"}, "'flag' must be true/false"),
    ({"id": "a", "cause": "x", "side": "up"}, "'side' must be one of src, dst"),
    ({"id": "a", "cause": "x", "rx": "("}, "'rx' is not a valid regex"),
    ({"id": "a", "cause": "x", "colour": "red"}, "unknown keys ['colour']"),
])
def test_datafile_entry_errors_name_the_entry(entry: dict[str, object], complaint: str) -> None:
    schema = {"id": Key(), "cause": Key(required=True), "flag": Key(bool), "side": Key(choices=("src", "dst")),
              "rx": Key(regex=True)}
    with pytest.raises(DataError, match=r"^f\.yaml: pairs\[0\] \(a\): ") as info:
        check_entry(entry, schema, "f.yaml: pairs[0]")
    assert complaint in str(info.value)


def test_datafile_document_must_be_a_mapping_with_a_list() -> None:
    with pytest.raises(DataError, match="expected a mapping"):
        load_document("- a\n- b\n", "f.yaml")
    with pytest.raises(DataError, match="'pairs' must be a list"):
        entries(load_document("pairs: 3\n", "f.yaml"), "pairs", {}, "f.yaml")
    with pytest.raises(DataError, match="invalid YAML"):
        load_document("a: [\n", "f.yaml")
