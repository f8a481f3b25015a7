"""The per-line tests of a pass, made cheaper (issue 13 P2, branch i14p), answer as before.

* `pipeline._clues._FirstShown` handles the clues by index (`_Traits`) instead of hashing each
  `Clue` (a frozen dataclass hashed field by field) several times a line: on every sample log line
  and on fuzzed clue lines, each file's test passes the same lines, in order, as the Clue-keyed
  reference below (the former implementation, kept here as the oracle).
* `sources._window.WindowTest.select` tests a candidate line inside its window, without copying it:
  `_RECORD_START_AT.match(w, a, b)` (MULTILINE `^` at a line start) must be `RECORD_START.match(w[a:b])`
  and the stamp searched in place must be the one found in the copy, at every line start of windows
  of header, syslog, continuation, coloured, CRLF, NUL and non-ASCII lines.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.diagnose._release import Clue, clues
from migtrace.parsers._header import RECORD_START
from migtrace.pipeline import _clues
from migtrace.sources._open import decode_line
from migtrace.sources._window import _OSLO_STAMP, _RECORD_START_AT, _STAMP_WITHIN

ROOT = Path(__file__).resolve().parents[2]


class _Reference:
    """`_FirstShown` as it was (Clue-keyed sets): the oracle."""

    def __init__(self, pending: tuple[Clue, ...]) -> None:
        self.pending = pending

    def __call__(self, _lineno: int, raw: bytes) -> bool:
        covers = _covers(self.pending)
        if covers is None:
            candidates = set(self.pending)
        else:
            lowered = raw.lower()
            candidates = {c for (text, caseless), held in covers.items() if text in (lowered if caseless else raw)
                          for c in held}
        if not candidates:
            return False
        if RECORD_START.match(raw) is not None and raw[:1].isdigit():
            candidates = {c for c in candidates if c.logger is None or c.logger.encode() in raw}
            if not candidates:
                return False
        weak = _clues._weak()
        if all(c in weak for c in candidates) and not any(weak[c].search(decode_line(raw)) for c in candidates):
            return False
        record = _clues._header_record(raw, any(c.message is not None for c in self.pending))
        if record is None:
            return True
        shown = {c for c in candidates if c.matches(record)}
        self.pending = tuple(c for c in self.pending if c not in shown)
        return bool(shown)


@cache
def _covers(pending: tuple[Clue, ...]) -> dict[tuple[bytes, bool], list[Clue]] | None:
    covers: dict[tuple[bytes, bool], list[Clue]] = {}
    for clue in pending:
        found = _clues.clue_cover(clue)
        if found is None:
            return None
        for t in found[0]:
            covers.setdefault((t.lower().encode() if found[1] else t.encode(), found[1]), []).append(clue)
    return covers


def _pendings() -> list[tuple[Clue, ...]]:
    covered = tuple(c for c in clues() if _clues.clue_cover(c) is not None)
    return [tuple(c for c in clues() if _clues.is_header_clue(c)), covered[::-1], tuple(clues())]


def _same_answers(lines: list[bytes], every: bool = True) -> None:
    for pending in _pendings() if every else _pendings()[:2]:
        test, reference = _clues._FirstShown(pending), _Reference(pending)
        for no, raw in enumerate(lines, 1):
            assert test(no, raw) is reference(no, raw), (pending[0].id, raw)
            assert set(test.pending) == set(reference.pending)


def test_first_shown_passes_the_lines_the_reference_passes_on_every_sample_log() -> None:
    files = sorted(p for p in (ROOT / "sample_logs").rglob("*") if p.is_file() and p.suffix in ("", ".log"))
    assert files
    for path in files:
        _same_answers(path.read_bytes().splitlines(keepends=True), every=False)


def _clue_samples() -> list[str]:
    import yaml

    doc = yaml.safe_load((ROOT / "migtrace" / "data" / "releases.yaml").read_text(encoding="utf-8"))
    return [c["sample"] for c in doc["clues"]]


_SAMPLES = _clue_samples()
_EDITS = st.sampled_from(["as is", "upper", "lower", "no logger", "INFO", "DEBUG", "cut", "syslog", "crlf",
                          "continuation", "unclosed"])


def _edit(sample: str, edit: str) -> bytes:
    if edit == "upper":
        sample = sample.upper()
    elif edit == "lower":
        sample = sample.lower()
    elif edit == "no logger":
        sample = sample.replace(" nova.", " other.").replace(" oslo", " other")
    elif edit in ("INFO", "DEBUG"):
        for level in ("DEBUG", "INFO", "TRACE", "AUDIT", "ERROR", "WARNING"):
            sample = sample.replace(f" {level} ", f" {edit} ", 1)
    elif edit == "cut":
        sample = sample[: len(sample) // 2]
    elif edit == "syslog":
        sample = "Mar  5 00:00:18 cmp1 nova-compute[4434]: " + sample
    elif edit == "continuation":
        sample = "  " + sample[40:]
    elif edit == "unclosed":
        sample += " [x"
    return sample.encode() + (b"\r\n" if edit == "crlf" else b"\n")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_SAMPLES), _EDITS), min_size=1, max_size=30))
def test_first_shown_passes_the_lines_the_reference_passes_on_fuzzed_clue_lines(picks: list[tuple[str, str]]) -> None:
    _same_answers([_edit(sample, edit) for sample, edit in picks])


_LINES = st.sampled_from([
    b"2024-05-02 10:11:12.123 7 DEBUG nova.compute.manager [req-1 - - - - -] [instance: x] msg",
    b"2024-05-02 10:11:12 INFO nova.virt.libvirt.driver [-] msg",
    b"2024-05-02T10:11:12.123456+00:00 cmp1 nova-compute[7]: 2024-05-02 10:11:12.123 7 ERROR nova [req-2] e",
    b"May  2 10:11:12 cmp1 nova-compute[7]: 2024-05-02 10:11:12.123 7 WARNING nova.x [-] w",
    b"\x1b[01;31m2024-05-02 10:11:12.123 7 ERROR nova.x [-] coloured",
    b"2024-05-02 10:11:12.123 7 ERROR nova.x [instance: 1] not a context",
    b"2024-05-02 10:11:12.123 7 TRACE nova.x Traceback",
    b"2024-05-02 10:11:12.123 7 INFO nova.x\t\t[req-3] tabs",
    b"2024-05-02 10:11:12.123 7 INFO nova.x",
    b"  File \"/usr/lib/python3/x.py\", line 1, in f",
    b"2024-05-02 10:11:12.123 7 INFO nova.x \xc3\xa9\xff [req-4] non-ASCII",
    b"2024-05-02 10:11:12.123 7 INFO nova.x\x00 [req-5] NUL",
    b"2024-05-02 10:11:12.123 7 INFO",
    b"",
    b"2024-05-02",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_LINES, st.sampled_from([b"\n", b"\r\n"]), st.integers(0, 3)), min_size=1, max_size=25),
       st.booleans(), st.integers(0, 200))
def test_record_start_and_stamp_in_place_are_those_of_the_copied_line(
        picks: list[tuple[bytes, bytes, int]], unterminated: bool, pad: int) -> None:
    parts = [line + b" " * spaces * 40 + end for line, end, spaces in picks]
    window = bytearray(b"".join(parts) + (b"x" * pad if unterminated else b""))
    size = len(window)
    window += b"2024-05-02 10:11:12.123 7 INFO nova.x [-] past the window's size\n"  # a reused buffer's stale tail
    start = 0
    while start < size:
        end = window.find(b"\n", start, size) + 1 or size
        raw = bytes(window[start:end])
        here = _RECORD_START_AT.match(window, start, end)
        copied = RECORD_START.match(raw)
        assert (here is None) == (copied is None), raw
        if here is not None and copied is not None:
            assert here.end() - start == copied.end()
        found = _OSLO_STAMP.search(window, start, min(end, start + _STAMP_WITHIN))
        wanted = _OSLO_STAMP.search(raw, 0, _STAMP_WITHIN)
        assert (found and found.group()) == (wanted and wanted.group()), raw
        start = end
