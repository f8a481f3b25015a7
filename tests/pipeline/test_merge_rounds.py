"""`merge`'s window and round size, and its narrowed leak check: the same bytes whatever the sizes.

The bulk path reads each input in windows of `_open.MERGE_WINDOW_BYTES` and
merges them in rounds (one round ends where an open input's pending records
run out): a record folded over several lines (a traceback) may cross a
window's or a round's edge at any size, and a window may be smaller than one
line.  Each size is compared with the record-by-record text path (stdout,
stderr, exit code) at `-j 1` and `-j 2`.

A printed block holding a leak prefilter literal (`cli/_merge._write_narrowed`)
has only the records holding one checked by `leak_check`, one by one: the
records before a leak are printed, the command is refused at it, as the text
path does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli import _merge as cli_merge
from migtrace.cli import cli as group
from migtrace.errors import RenderError
from migtrace.pipeline._bulk_merge import BULK_PATH_VARIABLE
from migtrace.sources import _open
from migtrace.sources._scan import engine_name
from tests.pipeline.test_bulk_merge import _header

needs_hyperscan = pytest.mark.skipif(engine_name() != "hyperscan", reason="the bytes way runs where hyperscan runs")

_TRACE = ["Traceback (most recent call last):", '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", '
          "line 7486, in _do_live_migration", "    raise exception.MigrationError(reason=msg)",
          "nova.exception.MigrationError: Migration error: timed out"]


def _merge(path: Path, *args: str, bulk: str = "1") -> tuple[str, str, int]:
    result = CliRunner().invoke(group, ["merge", *args, str(path)], env={BULK_PATH_VARIABLE: bulk},
                                catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


@pytest.fixture(scope="module")
def interleaved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three hosts' logs interleaving in time, with tracebacks (continuation lines) every few records."""
    root = tmp_path_factory.mktemp("rounds")
    for n, host in enumerate(("compute1", "compute2", "controller")):
        (root / host).mkdir()
        lines: list[str] = []
        for i in range(n, 900, 3):
            if i % 17 == 0:
                lines.append(_header(i, f"{host} failed step {i}", level="ERROR"))
                lines.extend(f"{_header(i, '', level='ERROR')}{t}" if k % 2 else t for k, t in enumerate(_TRACE))
            else:
                lines.append(_header(i, f"{host} step {i} " + "x" * (i % 50)))
        (root / host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def text_way(interleaved: Path) -> dict[str, tuple[str, str, int]]:
    return {full: _merge(interleaved, full, bulk="0") for full in ("--full", "--no-full")}


@pytest.fixture
def window_bytes(request: pytest.FixtureRequest) -> Iterator[int]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_open, "MERGE_WINDOW_BYTES", request.param)
        yield request.param


@pytest.mark.parametrize("window_bytes", [40, 700, 4096, 10_000, 1 << 20], indirect=True)
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("full", ["--full", "--no-full"])
def test_every_window_size_prints_as_the_text_path(interleaved: Path, text_way: dict[str, tuple[str, str, int]],
                                                    window_bytes: int, jobs: str, full: str) -> None:
    """40 bytes: a window is less than one line (each window is then one line); 700: a traceback crosses
    windows; 1 MiB: the whole input is one window."""
    out = _merge(interleaved, full, "-j", jobs)
    assert out == text_way[full]
    assert out[2] == 0 and "controller step 899" in out[0]


@pytest.mark.parametrize("window_bytes", [700], indirect=True)
def test_small_windows_make_many_rounds(interleaved: Path, window_bytes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sizes above do change the rounds (else the comparison proves little)."""
    from migtrace.pipeline import _bulk_merge

    rounds: list[int] = []
    real = _bulk_merge._Merge._round

    def counting(self: _bulk_merge._Merge, live: list[_bulk_merge._Input]) -> list[_bulk_merge.Piece]:
        rounds.append(len(live))
        return real(self, live)

    monkeypatch.setattr(_bulk_merge._Merge, "_round", counting)
    _merge(interleaved, "--full")
    assert len(rounds) > 50


def _with_line(tmp_path: Path, text: str, at: int) -> Path:
    for host in ("compute1", "compute2"):
        (tmp_path / host).mkdir()
        lines = [_header(i, f"{host} step {i}" if i != at else f"{host} {text}") for i in range(3000)]
        (tmp_path / host / "nova-compute.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


@needs_hyperscan
@pytest.mark.parametrize("text", [
    "fine & well",  # a literal, no leak: every record printed
    "path C:\\\\x and AQ short",  # two literals in one line
    "key id AKIAIOSFODNN7EXAMPLE & more",  # an AWS key id (masked by the redaction first), and a literal
])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_block_holding_a_literal_is_narrowed_to_its_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               text: str, jobs: str) -> None:
    path = _with_line(tmp_path, text, 2400)
    narrowed: list[int] = []
    real = cli_merge._write_narrowed

    def spy(parts: list[bytes | memoryview], looked: list[bool], runs: list[bool]) -> None:
        narrowed.append(len(parts))
        real(parts, looked, runs)

    monkeypatch.setattr(cli_merge, "_write_narrowed", spy)
    out = _merge(path, "-j", jobs)
    assert narrowed  # the block was narrowed, not written whole nor decoded
    monkeypatch.undo()
    assert out == _merge(path, "-j", jobs, bulk="0")
    assert "compute1 step 2399" in out[0]  # the records before the literal's are printed either way
    assert out[2] == 0 and "compute2 step 2999" in out[0]


@needs_hyperscan
def test_a_leak_left_in_a_bulk_block_is_refused_at_its_record(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """The records before the one holding a leak are printed, then the command stops (`echo_log_text`), as
    when each record is checked; a literal without a leak (`&`) is printed as it is."""
    lines = [f"record {i} & fine" if i % 7 == 0 else f"record {i}" for i in range(40)]
    lines[23] = "record 23 token gAAAAAB" + "kZ3JhbmI0ZQ" * 5
    block = "".join(f"{line}\n" for line in lines).encode()
    mid = block.index(b"record 20")
    with pytest.raises(RenderError, match="a merged record"):
        cli_merge._write_runs([block[:mid], memoryview(block)[mid:], "text record & more"], [True, True, False])
    assert capsysbinary.readouterr().out == block[:block.index(b"record 23")]


@needs_hyperscan
def test_a_block_with_literals_and_no_leak_is_printed_whole(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = [f"record {i} & fine" if i % 7 == 0 else f"record {i} AQ x" if i % 5 == 0 else f"record {i}"
             for i in range(40)]
    block = "".join(f"{line}\n" for line in lines).encode()
    cli_merge._write_runs([block, "text record & more", block[:30]], [True, False, True], {2})
    assert capsysbinary.readouterr().out == block + b"text record & more\n" + block[:30]


def test_many_inputs_share_the_window_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Few inputs: the big merge window; many: smaller ones, never below the usual window (memory stays
    bounded by `MERGE_HELD_BYTES`, as the usual windows bound it where that is less)."""
    assert _open.merge_window_bytes(1) == _open.merge_window_bytes(8) == _open.MERGE_WINDOW_BYTES == 2 << 20
    assert _open.merge_window_bytes(11) == (16 << 20) // 11
    assert _open.merge_window_bytes(100) == _open.merge_window_bytes(10_000) == _open.WINDOW_BYTES
    monkeypatch.setattr(_open, "MERGE_WINDOW_BYTES", 40)
    assert _open.merge_window_bytes(3) == 40
