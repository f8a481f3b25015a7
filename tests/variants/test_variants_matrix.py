"""The matrix: on every variant of every sample set, migtrace states no wrong field.

One test per (set, variant, field); the ones that fail today are expected
failures naming the product bugs (tests/variants/xfail.json, from
``python -m tools.variants.baseline``; bug ids in NOTES-variants.md).  Delete
an entry once its bugs are fixed — a fixed field shows up as XPASS first.
"""

from __future__ import annotations

import pytest

from tests.variants.conftest import Checked, all_variants, known_failures
from tools.variants.bugs import TITLES
from tools.variants.check import CHECKED


def _params() -> list[object]:
    xfail = known_failures()
    out: list[object] = []
    for set_name, variant in all_variants():
        for field in CHECKED:
            bugs = xfail.get(f"{set_name}/{variant.name}", {}).get(field)
            marks = [pytest.mark.xfail(strict=False, reason="; ".join(f"{b}: {TITLES.get(b, b)}" for b in bugs))] \
                if bugs else []
            out.append(pytest.param(set_name, variant.name, field, marks=marks,
                                    id=f"{set_name}/{variant.name}/{field}"))
    return out


@pytest.mark.parametrize(("set_name", "variant", "field"), _params())
def test_variant_field_is_never_wrong(checked: Checked, set_name: str, variant: str, field: str) -> None:
    report = checked(set_name, variant)
    wrong = [f"move {o.move}: {o.detail}" for o in report.wrong if o.field == field]
    assert not wrong, f"{set_name}/{variant} {field} wrong:\n" + "\n".join(wrong)


def test_variant_matrix_knows_most_of_what_the_as_collected_sets_show(checked: Checked) -> None:
    """The sets as collected: everything the truth supports is known except the listed bugs' fields."""
    for set_name, variant in all_variants():
        if variant.name != "layout-as-is":
            continue
        report = checked(set_name, variant.name)
        assert report.run.exit_code == 0, report.run.stderr
        lost = [o for o in report.outcomes if o.result == "lost"]
        known = [o for o in report.outcomes if o.result == "known"]
        assert len(known) > 2 * len(lost), (set_name, [(o.move, o.field, o.detail) for o in lost])


def test_variant_xfail_list_names_only_existing_variants_and_fields() -> None:
    names = {f"{s}/{v.name}" for s, v in all_variants()}
    for key, fields in known_failures().items():
        assert key in names, key
        assert set(fields) <= set(CHECKED), key
        assert all(bugs and all(b in TITLES for b in bugs) for bugs in fields.values()), key
