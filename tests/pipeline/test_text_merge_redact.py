"""The prefilters `merge`'s text path leans on change no result: `keyword_hits` with hyperscan or without,
`leak_check` with its literal prefilters or running every pattern everywhere."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.reports import redact
from migtrace.reports.redact import keyword_hits, leak_check
from migtrace.sources._scan import ENGINE_VARIABLE
from tests.cli.test_merge_fast import ODD
from tests.reports.test_redaction_shapes import KEPT, SHAPES

pytestmark = pytest.mark.skipif(redact.engine_name() != "hyperscan", reason="hyperscan (the fast extra) not installed")

_FRAGMENTS = st.sampled_from([*redact._KEYWORD_LIST, *redact._LEAK_KEY_WORDS, "Authorization: Bearer abcdefgh1234",
                              "AUTHORIZATION=basic QWxhZGRpbjpvcGVu", "PassWord = Xy7#kQ2!mZ9p", "apiKey: 'k3Y#9xLmQ2w'",
                              "&#112;assword=Xy7#kQ2!mZ9p", "p\\assword=Xy7#kQ2!mZ9p", "ſecret", "x", " ", "\n",
                              *(line for line, _ in SHAPES), *KEPT, *ODD])
_TEXT = st.lists(st.one_of(_FRAGMENTS, st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                                                  max_size=12)), max_size=12).map("".join)


def _leak_check_reference(output_text: str) -> list[str]:
    """`leak_check` as it was before its prefilters: every pattern over the whole text."""
    text = redact._MARKDOWN_ESCAPED.sub(r"\1", html.unescape(output_text).replace('\\"', '"').replace("\\/", "/"))
    found: list[str] = []
    for m in redact._LEAK_KEYED.finditer(text):
        value = m.group("v")
        if redact._looks_random(value):
            found.append(f"a random-looking value after {m.group(0)[:m.start('v') - m.start(0)].strip()!r}")
    for name, pattern in redact._LEAK_SHAPES:
        for m in pattern.finditer(text):
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_/+-"):
                continue
            found.append(f"a {name} shape ({m.group(0)[:12]}…)")
    return found


def _python_hits(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> set[int]:
    with monkeypatch.context() as m:
        m.setenv(ENGINE_VARIABLE, "python")
        redact._caseless_literals.cache_clear()
        try:
            return keyword_hits(texts)
        finally:
            redact._caseless_literals.cache_clear()


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_TEXT, min_size=1, max_size=8))
def test_keyword_hits_same_with_both_engines(texts: list[str]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert keyword_hits(texts) == _python_hits(texts, monkeypatch)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT)
def test_leak_check_same_as_every_pattern_everywhere(text: str) -> None:
    assert leak_check(text) == _leak_check_reference(text)


def test_leak_check_known_shapes() -> None:
    for text in [line for line, _ in SHAPES] + KEPT + ODD + ["\n".join(line for line, _ in SHAPES)]:
        assert leak_check(text) == _leak_check_reference(text)
