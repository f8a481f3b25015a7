"""`LiteralSet` answers the same with hyperscan and with its pure-Python trie (issue 13: correlation speed).

Correlation asks every record's message which marker texts it holds; the
answer must be every text that occurs (nested and overlapping ones too),
whichever engine is installed, and a copy sent to a worker must answer alike.
"""

from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.correlate.markers import load_markers
from migtrace.sources._literals import LiteralSet, trie_pattern
from migtrace.sources._scan import ENGINE_VARIABLE, _hyperscan

_TEXTS = sorted({m.text for m in load_markers().markers if m.text and not m.traceback})
_SMALL = ["abc", "bcd", "cde", "abcde", "b", "e", "ab", "dea", "aaa", "aa", "é", "aé"]
ENGINES = ["python", pytest.param("hyperscan", marks=pytest.mark.skipif(
    _hyperscan() is None, reason="hyperscan (the `fast` extra) is not installed"))]


def _brute(texts: list[str], message: str) -> set[str]:
    return {t for t in texts if t in message}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENGINE_VARIABLE, request.param)
    return str(request.param)


def test_shipped_texts_glued_in_every_overlap(engine: str) -> None:
    found = LiteralSet(_TEXTS)
    for a in _TEXTS[::3]:
        for b in _TEXTS:
            overlap = max((k for k in range(1, min(len(a), len(b))) if a.endswith(b[:k])), default=0)
            for message in (a + b, a[:len(a) - overlap] + b, "x" + a + b[overlap:] + "y"):
                assert found.occurring(message) == _brute(_TEXTS, message), message
                assert found.any_in(message)
    assert not found.any_in("Running periodic task ComputeManager._poll_rebooting_instances")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeé ", max_size=30))
def test_tiny_alphabet_both_engines(message: str) -> None:
    """Texts that nest, overlap and repeat, a non-ASCII one among them: both engines give the brute answer."""
    answers = []
    for name in ("python", "hyperscan") if _hyperscan() is not None else ("python",):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(ENGINE_VARIABLE, name)
            found = LiteralSet(_SMALL)
            answers.append((found.occurring(message), found.any_in(message)))
    want = _brute(_SMALL, message)
    assert all(a == (want, bool(want)) for a in answers)


def test_a_pickled_copy_answers_alike(engine: str) -> None:
    found = LiteralSet(_SMALL)
    assert found.occurring("xabcdex") == {"abc", "bcd", "cde", "abcde", "b", "e", "ab"}
    copy = pickle.loads(pickle.dumps(found))
    assert copy.occurring("xabcdex") == found.occurring("xabcdex")
    assert copy.texts == found.texts


def test_an_empty_set_finds_nothing(engine: str) -> None:
    assert LiteralSet([]).occurring("anything") == set()
    assert not LiteralSet([""]).any_in("anything")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc", min_size=1, max_size=4), min_size=1, max_size=6), st.text(alphabet="abc"))
def test_trie_pattern_is_the_longest_alternation(texts: list[str], message: str) -> None:
    """At every position the trie regex takes the text the longest-first alternation takes."""
    flat = re.compile("|".join(re.escape(t) for t in sorted(set(texts), key=len, reverse=True)))
    assert re.findall(trie_pattern(texts), message) == flat.findall(message)
