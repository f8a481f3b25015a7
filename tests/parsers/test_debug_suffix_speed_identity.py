"""`_strip_debug_suffix`'s quick bare-suffix way (no tail walk, matches remembered per message end) gives
what the tail walk gave, on every spelling and near-miss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.parsers.oslo import _DEBUG_SUFFIXES, _SUFFIX_WORDS, _strip_debug_suffix


def _reference(message: str) -> tuple[str, int | None]:
    """The function before the quick way (the tail of the last few words, each pattern where its literal is)."""
    if not message.endswith(("}}", ")")) and ".py:" not in message[-200:]:
        return message, None
    parts = message.rsplit(None, _SUFFIX_WORDS)
    start = len(parts[0]) if len(parts) > _SUFFIX_WORDS else 0
    tail = message[start:]
    braces, plain, bare = _DEBUG_SUFFIXES
    m = braces.search(tail) if tail.endswith(("}}", "}}\n")) else None
    if m is None and "(pid=" in tail:
        m = plain.search(tail)
    if m is not None:
        return message[: start + m.start()], int(m.group("pid"))
    if ".py:" not in tail:
        return message, None
    words = message.rsplit(None, 2)
    m = bare.match(message, len(words[0])) if len(words) == 3 else bare.search(message)
    return (message[: m.start()], None) if m else (message, None)


_WORDS = st.sampled_from(["Running", "periodic", "task", "f", "run_periodic_tasks", "<lambda>", "a.b", "x-y", "ünï",
                          "/usr/lib/python3/dist-packages/oslo_service/periodic_task.py:215", "/a.py:1", "/a.py:x",
                          "a.py:1", "/.py:3", "/x.py:١٢", ".py:", "{{(pid=12)", "(pid=3)", "from", "}}", ")", "/b.py:2}}",
                          "/x/y.py:12\n", ""])
_SEPS = st.sampled_from([" ", "  ", "\t", " \t", "\n", "\u2003"])


@st.composite
def _message(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORDS, min_size=0, max_size=7))
    out = ""
    for w in words:
        out += draw(_SEPS) + w if out else w
    return out + draw(st.sampled_from(["", " ", "\n", "\t"]))


@settings(max_examples=2000, deadline=None)
@given(message=_message())
def test_same_as_the_tail_walk(message: str) -> None:
    assert _strip_debug_suffix(message) == _reference(message)


def test_known_spellings() -> None:
    for message in ["Running periodic task X run_periodic_tasks /usr/lib/python3/dist-packages/a.py:215",
                    "Lock acquired {{(pid=100024) inner /opt/stack/oslo_concurrency/lockutils.py:404}}",
                    "Lock acquired from (pid=100024) inner /opt/stack/oslo_concurrency/lockutils.py:404",
                    "two words /a.py:1", "/a.py:1", "x  f /a.py:1", "x f  /a.py:1", "x f /a.py:1 "]:
        assert _strip_debug_suffix(message) == _reference(message)
