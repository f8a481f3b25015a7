"""Records that name no wall-clock time are counted as records, never given a guessed time (issue 11).

A bare `dmesg` line counts seconds since boot; a blog or paste may cut an oslo
header's stamp and pid (real_logs blog_vn: `WARNING nova.compute.manager
[req-…] [instance: …] Received unexpected event …`).  Rule 1 forbids a guessed
time, the accounting rule wants every line parsed or unparsed: such a record's
lines are record (and continuation) lines, it is counted in
`FileStats.timeless_records` with examples, shown by `merge --stats` and the
JSON stats, and it gives no Event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.model import Event, FileStats
from migtrace.options import LoadOptions
from migtrace.parsers._base import ParseContext
from migtrace.parsers._memory import MemoryInput
from migtrace.parsers.oslo import PARSER
from migtrace.sources._discover import InputFile
from migtrace.sources._reader import FileReader

UUID = "b54f2810-fd42-44ae-89d6-343a7030e2f3"
CTX = "b7b6e6d00a77423c8b9627305edcd3e7 738eefc285c846dd86504d0c09bb55de - default default"
#: real_logs blog_vn's first line: the blog cut the stamp and pid
CUT = (f"WARNING nova.compute.manager [req-250fb3fd-5ec2-4a4d-96c7-69fd9f4ab517 {CTX}] [instance: {UUID}] "
       "Received unexpected event network-vif-plugged-4df35fff-5674-42d8-921c-028b1a91874f for instance")
FAIL = (f"2018-11-13 13:59:12.653 134780 ERROR nova.virt.libvirt.driver [req-e2a6270f-a772-4c51-916d-8e6e735c089f "
        f"{CTX}] [instance: {UUID}] Live Migration failure: internal error: unable to execute QEMU command "
        "'migrate-set-capabilities': Postcopy is not supported")
ABORTED = (f"2018-11-13 13:59:13.021 134780 ERROR nova.virt.libvirt.driver [req-e2a6270f-a772-4c51-916d-8e6e735c089f "
           f"{CTX}] [instance: {UUID}] Migration operation has aborted")
DMESG = "[110474.268000] audit: type=1400 audit(1542117552.268:1004): apparmor=\"STATUS\" operation=\"profile_replace\""


def _parse(lines: list[str], per_line: bool = False) -> tuple[list[Event], FileStats]:
    ctx = ParseContext(path="paste.txt", stats=FileStats(path="paste.txt"), tz=UTC, per_line=per_line)
    events = list(PARSER.parse(MemoryInput.from_lines(enumerate(lines, 1)), ctx))
    return events, ctx.stats


def _read(path: Path) -> tuple[list[Event], FileStats, list[str]]:
    warnings: list[str] = []
    reader = FileReader(InputFile(str(path), str(path)), LoadOptions(tz="UTC"), warnings.append)
    return list(reader.events()), reader.stats, warnings


def test_golden_blog_paste_with_a_cut_header() -> None:
    events, st_ = _parse([CUT, FAIL, ABORTED])
    assert st_.balanced and (st_.records, st_.record_lines, st_.unparsed_lines, st_.timeless_records) == (2, 3, 0, 1)
    assert st_.timeless_examples == [(1, CUT[:200])]
    assert [e.lineno for e in events] == [2, 3]  # no Event, no guessed time for the cut record


def test_a_cut_header_between_records_closes_the_record_before_and_keeps_its_traceback() -> None:
    lines = [FAIL, "Traceback (most recent call last):", CUT, "Traceback (most recent call last):",
             '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 6012, in x', ABORTED]
    events, st_ = _parse(lines)
    assert st_.balanced and st_.timeless_records == 1 and st_.unparsed_lines == 0
    assert (st_.records, st_.record_lines, st_.continuation_lines) == (2, 3, 3)
    assert events[0].extra == ("Traceback (most recent call last):",)  # the cut record's traceback is not FAIL's
    assert events[1].lineno == 6


def test_bare_dmesg_between_traceback_lines_keeps_the_nova_record_whole() -> None:
    lines = [FAIL, "Traceback (most recent call last):", DMESG, '  File "x.py", line 1, in y', ABORTED]
    events, st_ = _parse(lines)
    assert st_.balanced and (st_.records, st_.timeless_records, st_.unparsed_lines) == (2, 1, 0)
    assert events[0].extra == (lines[1], lines[3])
    assert st_.timeless_examples == [(3, DMESG)]


def test_timed_forms_stay_events() -> None:
    """`dmesg -T` and a kernel line inside syslog carry a time; a devstack header under journald takes journald's."""
    events, st_ = _parse([FAIL, "[Tue Nov 13 13:59:12 2018] virbr0: port 2(tap0) entered disabled state",
                          f"Nov 13 13:59:12 compute1 kernel: {DMESG}"])
    assert st_.timeless_records == 0 and len(events) == 3 and st_.balanced and st_.unparsed_lines == 0


def test_no_header_shape_no_record() -> None:
    """Only a level, a dotted logger and a request block make a cut header: prose and tracebacks do not."""
    events, st_ = _parse(["WARNING: this is prose", "ERROR nova.compute.manager something without a block",
                          "INFO [-] no logger", "[abc] not uptime", "[ 12.5] not six digits"])
    assert events == [] and st_.timeless_records == 0 and st_.unparsed_lines == 5 and st_.balanced


def test_empty_input() -> None:
    events, st_ = _parse([])
    assert events == [] and st_.lines_read == 0 and st_.timeless_records == 0 and st_.balanced


def test_in_an_unrecognised_input_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(["What we saw on compute1:", DMESG, "and then nova said", CUT, "nothing else", ""]),
                    encoding="utf-8")
    events, stats, warnings = _read(path)
    assert events == [] and stats.fmt == "lines" and stats.balanced
    assert (stats.timeless_records, stats.record_lines, stats.unparsed_lines) == (2, 2, 3)
    assert [w.split(": ", 1)[1] for w in warnings] == [
        f"2 record(s) without a wall-clock time, counted but not placed in time, first: {DMESG[:80]!r}",
        "3 unparsed line(s), first: 'What we saw on compute1:'"]


def test_cli_stats_and_json_show_them(tmp_path: Path, cli: Callable[..., Result]) -> None:
    path = tmp_path / "blog.log"
    path.write_text("\n".join([CUT, FAIL, ABORTED, ""]), encoding="utf-8")
    out = cli("merge", str(path), "--stats").stdout.splitlines()
    header = out[0].split()
    row = dict(zip(header, next(line.split() for line in out if line.startswith(str(path))), strict=True))
    assert (row["records"], row["unparsed"], row["timeless"], row["ok"]) == ("2", "0", "1", "yes")
    assert len([line for line in cli("merge", str(path), "--tz", "UTC").stdout.splitlines() if line[:4] == "2018"]) == 2
    report = json.loads(cli("report", str(path), "-f", "json", "--tz", "UTC").stdout)
    [inp] = report["inputs"]
    assert inp["timeless_records"] == 1 and inp["timeless_examples"] == [{"line": 1, "text": CUT[:200]}]
    assert inp["unparsed_lines"] == 0 and inp["balanced"]
    html = tmp_path / "r.html"
    cli("report", str(path), "--tz", "UTC", "-o", str(html))
    assert "1 record(s) without a wall-clock time (bare dmesg, a cut header)" in html.read_text(encoding="utf-8")


FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LINES = st.lists(st.one_of(
    st.sampled_from([CUT, FAIL, ABORTED, DMESG, "Traceback (most recent call last):", '  File "x.py", line 1', "",
                     "[Tue Nov 13 13:59:12 2018] k", "[    3.000001] k", "WARNING x [req-1]"]),
    st.text(st.characters(blacklist_characters="\n\r"), max_size=60)), max_size=25)


@FUZZ
@given(LINES, st.booleans())
def test_fuzz_balanced_and_timeless_never_events(lines: list[str], per_line: bool) -> None:
    events, st_ = _parse(lines, per_line)
    assert st_.balanced and st_.records == len(events) and st_.lines_read == len(lines)
    assert st_.timeless_records <= st_.record_lines - st_.records
    assert st_.timeless_records >= sum(1 for line in lines if line in (CUT, DMESG, "[    3.000001] k"))
    assert all(e.time is not None for e in events)
