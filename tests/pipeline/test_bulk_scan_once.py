"""One hyperscan scan of a bulk window for its three literal sets (`_bulk.Literals.once`).

`bulk_window` used to scan the window for the texts that send a line to the
text path (and the learnt secrets), then the printed blob for the leak
prefilter's literals (and the learnt secrets again).  Now one scan of the
window reports all three sets; the blob's flags come from the matches on
taken lines, which is exact only because no literal `may_cross` a byte the
bulk path cut or put in.  Checked here: that rule on every substring of real
printed records (hypothesis), and the flags against scans of the blob itself
on fuzzed windows holding leak literals and secrets anywhere (a field, a
cut request block, a DEBUG suffix, the tag), kernel and numpy way alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migtrace.cli._merge import _leak_literals
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _bulk, _bulk_kernel
from migtrace.sources._bulk import Literals, Window, bulk_window, may_cross, set_leak_prefilter
from migtrace.sources._scan import engine_name, holds_any, literal_database
from tests.pipeline.test_bulk_kernel_fuzz import _line

pytestmark = pytest.mark.skipif(engine_name() != "hyperscan", reason="the one scan is made where hyperscan runs")

_LITERALS = Literals(_KEYWORD_LIST)
#: the same finds, not through a `Literals`: `bulk_window` then makes the separate scans (the way before)
_SEPARATE = _LITERALS.__call__
_REQ = "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a"
_GOOD = ("2018-03-05 00:00:58.995 4400 DEBUG nova.compute.manager "
         f"[{_REQ} - - - - -] Starting heal instance info cache _heal /usr/lib/nova/compute/manager.py:7070")
_INFO = f"2018-03-05 00:00:59.001 INFO nova.compute.manager [{_REQ} 5e4d default default] Took 3.20 seconds"
#: texts put into lines: leak literals (each case), secrets, and texts that would cross a cut
_TEXTS = st.sampled_from(["&", "\\", "AQ", "AKIA", "-----BEGIN ", "uthorization", "PWD", "Pass", "pswd", "x",
                          "Qw8#zR4!nB7x", "Qw8#", "T0", "5T", "185000", "00+00", "] [", "a b", "default"])
_TAGS = st.sampled_from([b"[compute-01/nova-compute]", b"[pass-host/nova-compute]", b"[c&d/nova-api]",
                         b"[Qw8#zR4!nB7x/x]"])
#: learnt secrets: some that may cross (the one scan is then not used), most not
_SECRETS = st.sampled_from([frozenset(), frozenset({b"Qw8#zR4!nB7x"}), frozenset({b"Qw8#"}),
                            frozenset({b"default", b"Qw8#zR4!nB7x"}), frozenset({b"185000"}),
                            frozenset({b"x]"}), frozenset({b"58.995"})])


@contextmanager
def _flags(learnt: frozenset[bytes]) -> Iterator[None]:
    before = (_bulk._learnt, _bulk._leak_literals)
    try:
        set_leak_prefilter(*_leak_literals())
        _bulk.set_learnt(learnt)
        yield
    finally:
        _bulk._learnt, _bulk._leak_literals = before


@contextmanager
def _kernel(on: bool) -> Iterator[None]:
    before = os.environ.get(_bulk_kernel.KERNEL_VARIABLE)
    os.environ[_bulk_kernel.KERNEL_VARIABLE] = "1" if on else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[_bulk_kernel.KERNEL_VARIABLE]
        else:
            os.environ[_bulk_kernel.KERNEL_VARIABLE] = before


_LEAK_DB = literal_database(*_leak_literals())


def _expected(win: Window, window: bytes, learnt: frozenset[bytes]) -> tuple[bool, bool]:
    """The flags by their definition: scans of the printed blob (and the window, for the learnt secrets)."""
    return not holds_any(_LEAK_DB, win.blob), any(w in win.blob or w in window for w in learnt)


@st.composite
def _windows(draw: st.DrawFn) -> bytes:
    """Lines (fuzzed headers and plain taken ones), some with a drawn text put in anywhere."""
    lines = draw(st.lists(st.one_of(_line(), st.sampled_from([_GOOD.encode(), _INFO.encode()])), min_size=1,
                          max_size=12))
    out = []
    for line in lines:
        if draw(st.booleans()):
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(_TEXTS).encode() + line[at:]
        out.append(line)
    return b"\n".join(out) + b"\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window=_windows(), tag=_TAGS, learnt=_SECRETS, kernel=st.booleans())
def test_flags_are_those_of_the_blob(window: bytes, tag: bytes, learnt: frozenset[bytes], kernel: bool) -> None:
    """The one scan's flags equal scans of the blob; the Window is the one the separate scans make."""
    if kernel and not _bulk_kernel.available():
        kernel = False
    with _flags(learnt), _kernel(kernel):
        win = bulk_window(window, tag, _LITERALS)
        plain = bulk_window(window, tag, _SEPARATE)
    assert (win.clean, win.learnt) == (plain.clean, plain.learnt)
    assert (win.clean, win.learnt[1] if win.learnt else None) == _expected(win, window, learnt)
    assert win.blob == plain.blob
    for name in ("taken", "starts", "ends", "keys", "record_ends", "pids", "lines"):
        assert np.array_equal(getattr(win, name), getattr(plain, name)), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window=_windows(), tag=_TAGS)
def test_a_text_that_does_not_cross_stands_on_its_line(window: bytes, tag: bytes) -> None:
    """`may_cross`'s rule on every substring (up to 14 bytes) of every printed record: a text found in a
    record that `may_cross` says cannot cross is in the record's raw line or in the insert."""
    win = bulk_window(window, tag, _SEPARATE)
    insert = b"000+00:00 " + tag + b" "
    for slot, line in enumerate(win.lines.tolist()):
        begin = int(win.record_ends[slot - 1]) + 1 if slot else 0
        record = win.blob[begin:int(win.record_ends[slot]) + 1]  # its newline included
        raw = window[int(win.starts[line]):int(win.ends[line])]
        texts = {record[i:j] for i in range(len(record)) for j in range(i + 1, min(len(record), i + 14) + 1)}
        for text in texts - {t for t in texts if t in raw or t in insert}:
            assert may_cross(text, False), (text, record, raw)
            if not may_cross(text.lower(), True):  # a caseless text matches this one if it is its lower case
                raise AssertionError((text, record, raw))


@pytest.mark.parametrize(("text", "caseless", "crosses"), [
    (b"T", False, True), (b"t", True, True), (b"t", False, False), (b"5T", False, True), (b"T0", False, True),
    (b"UTHORIZATION", False, False), (b"token", True, False), (b"185000", False, True), (b"12:30.5", False, True),
    (b"x+y", False, True), (b"a]", False, True), (b"a b", False, True), (b"-----BEGIN ", False, False),
    (b"a\nb", False, True), (b"Qw8#zR4!nB7x", False, False), (b"&", False, False),
])
def test_may_cross(text: bytes, caseless: bool, crosses: bool) -> None:
    assert may_cross(text, caseless) is crosses


def test_the_prefilter_literals_take_the_one_scan() -> None:
    """None of the leak prefilter's literals may cross: `merge`'s windows take the one scan."""
    assert not any(map(may_cross, *_leak_literals()))
    window = f"{_GOOD}\n{_INFO} a & b\n{_GOOD}\n".encode()
    with _flags(frozenset({b"Qw8#zR4!nB7x"})):
        once = _LITERALS.once(window, frozenset({b"Qw8#zR4!nB7x"}))
        assert once is not None
        assert once[0].tolist() == _LITERALS(window).tolist()
        assert once[1] is not None and len(once[1]) == 1 and not once[2]
        win = bulk_window(window, b"[compute-01/nova-compute]", _LITERALS)
        assert win.clean is False and win.learnt == (frozenset({b"Qw8#zR4!nB7x"}), False)
        # a secret that may cross: the blob is scanned as before (it stands only across the insert here)
        assert _LITERALS.once(window, frozenset({b"995000"})) is None
        _bulk.set_learnt(frozenset({b"995000"}))
        win = bulk_window(window, b"[compute-01/nova-compute]", _LITERALS)
        assert b"995000" not in window and win.learnt == (frozenset({b"995000"}), True)
