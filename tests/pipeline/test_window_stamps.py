"""`Evidence.windows` makes each stamp text once: the windows are the ones made text by text.

Every file's stamp windows are each moved instance's windows shifted by the file's offset; on
100 hosts and 200 moved instances that was 80 k texts (4.5 µs each) in the client's serial part.
The texts are now made once per (time, rounding).  This compares the windows with the ones built
the former way, each text made on its own, over files with many offsets (none, negative,
fractional, a zone's hour), instances in several windows and times at datetime's ends.
"""

from __future__ import annotations

import math
import random
from array import array

import pytest

from migtrace.pipeline._window import MARGIN_S, Evidence, _merged, _stamp


def _evidence(seed: int) -> Evidence:
    rnd = random.Random(seed)
    ev = Evidence()
    base = 1.7e9
    for k in range(rnd.randint(1, 12)):
        src = f"compute-{k}/nova-compute.log"
        times = sorted(base + rnd.uniform(0, 86400) for _ in range(rnd.randint(1, 30)))
        ev.samples[src] = (array("d", times), array("q", range(1, 10 * len(times) + 1, 10)))
        ev.offsets[src] = rnd.choice([0.0, 0.0, 3600.0, -7200.5, 0.123, None, 1e12, -1e12])
        if rnd.random() < 0.2:
            ev.unordered.add(src)
    for i in range(rnd.randint(1, 20)):
        inst = f"{i:08x}-0000-4000-8000-{rnd.getrandbits(48):012x}"
        ev.spans[inst] = [[t, t + rnd.uniform(0, 600)] for t in
                          sorted(base + rnd.uniform(0, 86400) for _ in range(rnd.randint(1, 4)))]
    return ev


def _text_by_text(ev: Evidence, instances: list[str]) -> dict[str, dict[str, list[tuple[str, str]]]]:
    times_of = {inst: _merged([(lo - MARGIN_S, hi + MARGIN_S) for lo, hi in ev.spans.get(inst, ())])
                for inst in instances}
    return {src: {inst: [(_stamp(lo + offset, math.floor), _stamp(hi + offset, math.ceil)) for lo, hi in windows]
                  for inst, windows in times_of.items()}
            for src in ev.samples if (offset := ev.offsets.get(src)) is not None}


@pytest.mark.parametrize("seed", range(40))
def test_stamp_windows_as_made_text_by_text(seed: int) -> None:
    ev = _evidence(seed)
    instances = sorted(ev.spans)
    ids, _ranges, stamps = ev.windows(instances, {})
    assert ids == frozenset(instances)
    assert stamps == _text_by_text(ev, instances)


def test_a_window_ending_where_another_begins() -> None:
    """One time is both an end (rounded up) and a start (rounded down): two texts, not one."""
    ev = _evidence(0)
    t = 1.7e9 + 0.5
    ev.spans = {"a0000000-0000-4000-8000-000000000001": [[t, t]],
                "b0000000-0000-4000-8000-000000000002": [[t + 2 * MARGIN_S, t + 2 * MARGIN_S + 60]]}
    instances = sorted(ev.spans)
    _ids, _ranges, stamps = ev.windows(instances, {})
    assert stamps == _text_by_text(ev, instances)
    shown = [w for per_id in stamps.values() for spans in per_id.values() for w in spans]
    assert any(a[1] != b[0] and a[1][:-2] == b[0][:-2] for a in shown for b in shown)  # 12:00:01 and 12:00:00


@pytest.mark.parametrize("seed", range(40))
def test_files_of_one_offset_share_one_table(seed: int) -> None:
    """The same windows, made once per offset: the files of one zone name one table (the worker terms send it once)."""
    ev = _evidence(seed)
    _ids, _ranges, stamps = ev.windows(sorted(ev.spans), {})
    tables: dict[float, int] = {}
    for src, table in stamps.items():
        offset = ev.offsets[src]
        assert offset is not None
        assert tables.setdefault(offset, id(table)) == id(table)
    assert len({id(t) for t in stamps.values()}) == len(tables)
