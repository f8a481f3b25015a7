"""What issue 13 P4 changed to make `report` cheaper gives the same answers (no timings here: benchmarks/).

- the redaction re-scan finds its candidates without the leading look-behind and checks it in Python
  (`redact._standalone`): the same matches as the look-behind pattern, on any text;
- the HTML report is the same text whether the compiled catalog and the templates' bytecode come from
  the cache, are compiled afresh, or the caches are switched off;
- a rendered report still fails on a surviving secret (the re-scan still finds it, at a word boundary);
- the leak check's authorization shape, tried only where its spellings are, finds what `finditer` finds;
- times are formatted as `strftime` formats them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from _report_factory import make_analysis
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.diagnose import _compiled
from migtrace.errors import RenderError
from migtrace.reports import html_report, render_report
from migtrace.reports._charts import plot_time
from migtrace.reports._format import clock
from migtrace.reports.redact import _AUTH_ANCHORS, _LEAK_SHAPES, Redactor, _after_anchors, _standalone

GENERATED = datetime(2020, 1, 1, tzinfo=UTC)

#: word and non-word characters, the boundary ones (`-`, `_`), and non-ASCII letters and digits (`\w` is Unicode)
_ALPHABET = "ab-_. x1é٣\n/"
_words = st.text(_ALPHABET, min_size=1, max_size=4)


def _with_lookbehind(words: list[str], text: str) -> list[tuple[int, int, str]]:
    alternation = "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))
    return [(m.start(), m.end(), m.group(0))
            for m in re.finditer(rf"(?<![\w-])(?:{alternation})(?![\w-])", text)]


def _without(words: list[str], text: str) -> list[tuple[int, int, str]]:
    alternation = "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))
    return [(m.start(), m.end(), m.group(0)) for m in _standalone(re.compile(rf"(?:{alternation})(?![\w-])"), text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(_words, min_size=1, max_size=4), st.text(_ALPHABET, max_size=40))
def test_standalone_gives_the_matches_of_the_lookbehind(words: list[str], text: str) -> None:
    assert _without(words, text) == _with_lookbehind(words, text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_words, min_size=1, max_size=3), st.lists(st.tuples(st.text(_ALPHABET, max_size=6), _words),
                                                          max_size=6))
def test_standalone_on_texts_built_from_the_words(words: list[str], parts: list[tuple[str, str]]) -> None:
    text = "".join(f"{glue}{words[i % len(words)] if i % 2 else word}" for i, (glue, word) in enumerate(parts))
    assert _without(words, text) == _with_lookbehind(words, text)


def test_the_rescan_still_fails_on_a_surviving_original() -> None:
    redactor = Redactor(["hosts"], {"hosts": {"compute-7.example.org": "host-1"}})
    redactor.verify("moved to x-compute-7.example.org and ok")  # inside a longer name: not the original
    with pytest.raises(RenderError, match=r"compute-7\.example\.org"):
        redactor.verify("x.compute-7.example.org went away")  # after a dot: standalone, as before
    with pytest.raises(RenderError, match=r"compute-7\.example\.org"):
        redactor.verify("xcompute-7.example.org, then compute-7.example.org")  # the second one


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(root))
    monkeypatch.delenv(_compiled.OFF_VARIABLE, raising=False)
    _compiled._MEMO.clear()
    html_report.environment.cache_clear()
    yield root
    _compiled._MEMO.clear()
    html_report.environment.cache_clear()


def _render() -> str:
    _compiled._MEMO.clear()
    html_report.environment.cache_clear()
    return render_report(make_analysis(hostile=True, secrets=True), "html", generated=GENERATED)  # type: ignore[arg-type]


def test_html_is_the_same_cold_warm_and_without_caches(caches: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _render()
    assert list(caches.glob("jinja-*.code"))
    warm = _render()
    monkeypatch.setenv(_compiled.OFF_VARIABLE, "1")
    off = _render()
    assert cold == warm == off


_AUTH_ALPHABET = "auAUthorizTHORIZ:= '\"Bb" + "earer" + "asic" + "x1+/=*\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["authorization", "Authorization", "AUTHORIZATION", "uthorization", ": ", "=",
                                 "Bearer ", "basic  ", "***", "abcdefgh1234", "x", "'", "\n"]), max_size=12),
       st.text(_AUTH_ALPHABET, max_size=10))
def test_the_authorization_shape_is_found_where_finditer_finds_it(parts: list[str], noise: str) -> None:
    pattern = dict(_LEAK_SHAPES)["authorization"]
    text = noise.join(parts)
    assert [m.span() for m in _after_anchors(pattern, text, _AUTH_ANCHORS, 1)] == \
        [m.span() for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from(
    [None, UTC, timezone(timedelta(hours=5, minutes=30))])))
def test_clock_and_plot_time_are_strftime(t: datetime) -> None:
    assert clock(t) == t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
    assert plot_time(t) == t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
