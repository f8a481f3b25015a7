"""Windowed pass 2: a moved instance's lines are read only around its moves, and nothing printed changes.

The sample sets print the same `list`, `diagnose` and `stats` JSON with
`--full-read` and with the windowed selective read.  A generated set shows
what the windows are for: an instance moves, logs an idle line every
minute for hours, moves again, and logs on; the windowed read keeps what
correlation joins to the second move (a `[-]` line a minute after it) but
none of the hours of idle lines the full read parses, and finds the same
migrations.  The rest checks the pieces: time samples to line ranges,
stamp windows, the fallbacks when a file's times go back or its stamps
change offset, and that the terms survive the trip to a worker process.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import _common, cli
from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline._load import WINDOWS_VARIABLE, load
from migtrace.pipeline._window import MARGIN_S, Evidence
from migtrace.pipeline.analysis import Analysis
from migtrace.sources._window import WindowedTerms
from tests.conftest import SAMPLE_LOGS
from tools.variants.generate import sample_sets

VM_B = "d201e75d-65f8-4b00-a2f1-d89bf444d2d1"
REQ_B = "req-0e4bcccc-5e9f-4b57-92c9-45a313b7fdb9"
REQ_B2 = "req-0e4bcccc-5e9f-4b57-92c9-45a313b7fdb2"
AGAIN = timedelta(hours=7)
IDLE = ("{t} 2977 DEBUG nova.compute.manager [req-80def8d5-bdf5-4321-804d-7e0689313129 - - - - -] "
        f"[instance: {VM_B}] Updated the network info_cache for instance _heal_instance_info_cache "
        "/usr/lib/python3/dist-packages/nova/compute/manager.py:7930\n")
#: a line of the instance's `[-]` thread, no marker, no vocabulary: joins a move within GRACE only
LOOSE = (f"{{t}} 2977 DEBUG nova.compute.manager [-] [instance: {VM_B}] Updated the network info_cache "
         "for instance _heal_instance_info_cache /usr/lib/python3/dist-packages/nova/compute/manager.py:7930\n")
_FMT = "%Y-%m-%d %H:%M:%S.%f"


def _stamp(t: datetime) -> str:
    return t.strftime(_FMT)[:23]


def _minutes(first: datetime, last: datetime) -> list[datetime]:
    out, t = [], first
    while t <= last:
        out.append(t)
        t += timedelta(minutes=1)
    return out


@pytest.fixture(scope="module")
def moved_twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train-single-host, then vm-b idle for hours, vm-b's incoming live migration again 7 h later, idle on."""
    lines = (SAMPLE_LOGS / "train-single-host" / "nova-compute.log").read_text(encoding="utf-8").splitlines(True)
    move = [ln for ln in lines if "14:30:50" <= ln[11:19] <= "14:31:40" and (VM_B in ln or REQ_B in ln)]
    assert len(move) > 10
    again = []
    for ln in move:
        t = datetime.strptime(ln[:23], "%Y-%m-%d %H:%M:%S.%f") + AGAIN
        again.append(_stamp(t) + ln[23:].replace(REQ_B, REQ_B2))
    end_again = datetime.strptime(again[-1][:23], _FMT)
    day = datetime(2020, 11, 24)
    idle_before = _minutes(day.replace(hour=16, minute=20), day.replace(hour=21, minute=20))
    idle_after = _minutes(end_again + timedelta(minutes=2, seconds=30), end_again + timedelta(hours=2))
    text = "".join([*lines, *(IDLE.format(t=_stamp(t)) for t in idle_before), *again,
                    LOOSE.format(t=_stamp(end_again + timedelta(seconds=60))),
                    *(IDLE.format(t=_stamp(t)) for t in idle_after)])
    out = tmp_path_factory.mktemp("windowed") / "moved-twice"
    out.mkdir()
    (out / "nova-compute.log").write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def reads(moved_twice: Path) -> dict[str, Analysis]:
    """The generated set read in full, windowed, and selectively without windows."""
    out = {"full": load([moved_twice], LoadOptions(select=False, jobs=1)),
           "windowed": load([moved_twice], LoadOptions(jobs=1))}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(WINDOWS_VARIABLE, "0")
        out["unwindowed"] = load([moved_twice], LoadOptions(jobs=1))
    return out


def _idle_kept(a: Analysis, first: datetime, last: datetime) -> list[Event]:
    lo, hi = first.replace(tzinfo=UTC), last.replace(tzinfo=UTC)
    return [e for e in a.events if e.instance == VM_B and lo <= e.time <= hi and "info_cache" in e.message]


def test_the_windowed_read_finds_the_same_moves(reads: dict[str, Analysis]) -> None:
    full, windowed = reads["full"], reads["windowed"]
    assert windowed.migrations == full.migrations
    assert windowed.orphan_findings == full.orphan_findings
    assert windowed.last_seen == full.last_seen
    moves = [m for m in full.migrations if m.instance == VM_B]
    assert [m.request_ids for m in moves] == [(REQ_B,), (REQ_B2,)]


def test_what_correlation_joins_is_read(reads: dict[str, Analysis]) -> None:
    for mode in ("full", "windowed"):
        second = next(m for m in reads[mode].migrations if m.request_ids == (REQ_B2,))
        assert any(e.request_id is None and "info_cache" in e.message for e in second.events), mode


def test_hours_of_idle_lines_are_not_read(reads: dict[str, Analysis]) -> None:
    day = datetime(2020, 11, 24)
    middle = (day.replace(hour=17), day.replace(hour=20))
    later = (day.replace(hour=22, minute=0), day.replace(hour=23, minute=30))
    assert len(_idle_kept(reads["full"], *middle)) > 150
    assert len(_idle_kept(reads["unwindowed"], *middle)) > 150
    assert _idle_kept(reads["windowed"], *middle) == []
    assert len(_idle_kept(reads["full"], *later)) > 60
    assert _idle_kept(reads["windowed"], *later) == []
    parsed = {mode: sum(s.lines_read - s.skipped_lines for s in a.stats) for mode, a in reads.items()}
    assert parsed["windowed"] < parsed["unwindowed"] - 300 < parsed["full"]


@pytest.fixture
def load_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's load, memoised per paths and options: each set is read once per mode for the 3 commands."""
    memo: dict[str, Analysis] = {}

    def memoised(paths: Sequence[str], options: LoadOptions) -> Analysis:
        key = repr((tuple(paths), dataclasses.replace(options, warn=None, progress=None)))
        if key not in memo:
            memo[key] = load(paths, options)
        return memo[key]
    monkeypatch.setattr(_common, "load", memoised)


@pytest.mark.parametrize("root", sample_sets(SAMPLE_LOGS), ids=lambda p: p.name)
def test_sample_sets_print_the_same(root: Path, load_once: None) -> None:
    for command in ("list", "diagnose", "stats"):
        full = CliRunner().invoke(cli, [command, "-f", "json", "--full-read", "-j", "1", str(root)])
        windowed = CliRunner().invoke(cli, [command, "-f", "json", "-j", "1", str(root)])
        assert (windowed.exit_code, windowed.stdout) == (full.exit_code, full.stdout), command


def _event(src: str, lineno: int, t: datetime, text: str | None = None, instance: str | None = None) -> Event:
    return Event(time=t, time_text=text if text is not None else t.strftime(_FMT)[:23], message="m",
                 source=src, lineno=lineno, instance=instance)


T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_windows_from_samples() -> None:
    ev = Evidence()
    # file a: a record every 10 s for 2 h; the instance is named at 1 h only
    for i in range(720):
        t = T0 + timedelta(seconds=10 * i)
        ev.note(_event("a", 1 + 3 * i, t), [VM_B] if i == 360 else [], None)
    # file b: times go back once; file c: its stamps read an hour ahead from a point on (a zone change)
    for i, s in enumerate((0, 50, 40, 60)):
        ev.note(_event("b", i + 1, T0 + timedelta(seconds=s)), [], None)
    for i in range(4):
        t = T0 + timedelta(seconds=10 * i)
        ev.note(_event("c", i + 1, t, _stamp(t + timedelta(hours=1 if i > 1 else 0))), [], None)
    ids, ranges, stamps = ev.windows({VM_B, "not-a-uuid"}, {})
    assert ids == {VM_B}  # only uuid-shaped ids are windowed
    named_at = T0 + timedelta(seconds=3600)
    (first, last), = ranges["a"][VM_B]
    lo, hi = named_at - timedelta(seconds=MARGIN_S), named_at + timedelta(seconds=MARGIN_S)
    assert first == 1 + 3 * ((lo - T0).seconds // 10 - 1)  # the sample before the window's start
    assert last == 1 + 3 * ((hi - T0).seconds // 10 + 1)  # the sample after its end
    assert stamps["a"][VM_B] == [(lo.strftime("%Y-%m-%d %H:%M:%S"), hi.strftime("%Y-%m-%d %H:%M:%S"))]
    assert "b" not in ranges and "b" in stamps  # gone back in time: placed by stamps only
    assert "c" in ranges and "c" not in stamps  # two offsets: placed by line numbers only


def test_a_request_span_widens_its_instances_window() -> None:
    ev = Evidence()
    for i in range(100):
        ev.note(_event("a", i + 1, T0 + timedelta(minutes=i)), [], "req-1" if i in (10, 70) else None)
    ev.note(_event("a", 101, T0 + timedelta(minutes=100)), [VM_B], None)
    _, _, stamps = ev.windows({VM_B}, {"req-1": {VM_B}})
    starts = [lo for lo, _ in stamps["a"][VM_B]]
    assert starts[0] == (T0 + timedelta(minutes=10, seconds=-MARGIN_S)).strftime("%Y-%m-%d %H:%M:%S")


def _line(t: str, instance: str = VM_B) -> bytes:
    return f"{t}.123 77 DEBUG nova.compute.manager [-] [instance: {instance}] idle\n".encode()


def test_line_test_places_headers_by_stamp_and_the_rest_by_number() -> None:
    terms = WindowedTerms({"x"}, windowed=frozenset({VM_B}),
                          ranges={"f": {VM_B: [(10, 20)]}, "g": {VM_B: [(10, 20)]}},
                          stamps={"f": {VM_B: [("2024-03-01 12:00:00", "2024-03-01 12:10:00")]}})
    test = terms.line_test("f")
    assert test(500, _line("2024-03-01 12:05:00"))  # the stamp is inside, the line number is not
    assert not test(15, _line("2024-03-01 12:10:01"))
    assert test(15, f"  File x, {VM_B}\n".encode())  # no header: its number
    assert not test(21, f"  File x, {VM_B}\n".encode())
    assert test(500, _line("2024-03-01 13:00:00", "0badc0de-0000-4000-8000-00000000beef"))  # no windowed id
    assert test(15, _line("2025-01-01 00:00:00")) is False
    assert terms.line_test("g")(15, _line("2025-01-01 00:00:00"))  # g: line numbers only
    assert terms.line_test("unknown")(1, _line("2025-01-01 00:00:00"))  # no windows: kept


def test_self_naming_texts_only_where_the_host_is_unknown() -> None:
    terms = WindowedTerms({"x"}, hostless=frozenset({"Final resource view: name="}))
    assert "Final resource view: name=" in terms.searched(None)
    assert "Final resource view: name=" not in terms.searched("compute1")


def test_windowed_terms_travel_to_workers() -> None:
    terms = WindowedTerms({"x"}, frozenset({"y"}), tail=True, plain_only=True, windowed=frozenset({VM_B}),
                          ranges={"f": {VM_B: [(1, 5)]}}, stamps={"f": {VM_B: [("a", "b")]}},
                          hostless=frozenset({"z"}))
    back = pickle.loads(pickle.dumps(terms))
    assert (set(back), back.caseless, back.tail, back.plain_only, back.windowed, back.ranges, back.stamps,
            back.hostless) == ({"x"}, {"y"}, True, True, {VM_B}, terms.ranges, terms.stamps, {"z"})
    assert re.fullmatch(r"[0-9a-f-]{36}", VM_B)
