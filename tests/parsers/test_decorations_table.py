"""Paste decorations are data: `wrappers` builds them from the `scope: file` entries of transports.yaml.

Each entry's own samples, repeated as a file's head, switch that decoration on and peel to the sample's
`keep`; the order of peeling is the table's `peel`; an indent is a paste's only when a header is indented.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from migtrace.model import FileStats
from migtrace.parsers import wrappers
from migtrace.parsers._base import ParseContext
from migtrace.parsers.transport import table

FILE_ENTRIES: list[Any] = [e for e in table().entries if e.get("scope") == "file"]


def test_every_file_scope_entry_is_a_decoration_in_peel_order() -> None:
    assert all(isinstance(e.get("peel"), int) and e["kind"] == "line" for e in FILE_ENTRIES)
    ordered = sorted(FILE_ENTRIES, key=lambda e: e["peel"])
    assert [d.name for d in wrappers.DECORATIONS] == [e["name"] for e in ordered]
    assert wrappers.DECORATIONS is wrappers.decorations()
    assert len({e["peel"] for e in FILE_ENTRIES}) == len(FILE_ENTRIES)


@pytest.mark.parametrize("entry", FILE_ENTRIES, ids=lambda e: e["name"])
def test_a_head_of_an_entrys_samples_switches_it_on_and_peels_to_keep(entry: Any) -> None:
    lines = [s["line"] for s in entry["samples"]] * 3
    found = wrappers.detect(lines)
    assert [d.name for d in found] == [entry["name"]]
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC)
    peeled = [text for _, text in wrappers.peel(enumerate(lines, 1), ctx, found)]
    assert peeled == [s["fields"]["keep"] for s in entry["samples"]] * 3


def test_an_indented_traceback_alone_is_no_indented_paste() -> None:
    head = ["2018-03-14 06:41:14.268 2311 ERROR nova.compute.manager [-] Exception",
            "  File \"/usr/lib/python3/dist-packages/nova/compute/manager.py\", line 6343, in _do_live_migration",
            "    block_migration, migrate_data)",
            "  File \"/usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py\", line 6795, in live_migration"]
    assert wrappers.detect(head) == ()


def test_a_grep_prefix_names_the_service_of_the_lines_after_it() -> None:
    (entry,) = [e for e in FILE_ENTRIES if e["name"] == "grep-prefix"]
    line = entry["samples"][0]["line"].replace("kern.log", "nova/nova-compute.log")
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC)
    found = wrappers.detect([line] * 3)
    list(wrappers.peel([(1, line)], ctx, found))
    assert ctx.service == "n-cpu" and ctx.host == "compute1"
