"""Tests for the match-expression language (migtrace.query)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from migtrace.diagnose.query import compile_query
from migtrace.errors import QueryError
from migtrace.model import Event

T0 = datetime(2019, 5, 6, 12, 1, 22, tzinfo=UTC)


def _event(**overrides: object) -> Event:
    fields: dict[str, object] = {
        "time": T0, "time_text": "2019-05-06 12:01:22.513",
        "message": "Live Migration failure: unsupported configuration: "
                   "Unable to find security driver for label apparmor",
        "level": "ERROR", "logger": "nova.virt.libvirt.driver", "host": "compute-1",
        "service": "n-cpu", "request_id": "req-9f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
        "instance": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "source": "/var/log/nova/nova-compute.log",
    }
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, expected", [
    ('logger:nova.virt.libvirt.driver AND message:"Unable to find security driver" AND level>=ERROR', True),
    ('message:"unable to FIND security driver"', True),
    ('"security driver"', True),
    ("apparmor", True),
    ("selinux", False),
    ("level>=WARNING", True),
    ("level>ERROR", False),
    ("level<=INFO", False),
    ("level=ERROR", True),
    ("level:error", True),
    ("logger:nova.virt.*", True),
    ("logger:nova.virt", False),
    ("logger:nova.compute.*", False),
    ("host:compute", True),
    ("host=compute", False),
    ("host=COMPUTE-1", True),
    ("service:n-cpu AND NOT service:n-api", True),
    ("instance:5d4c3b2a", True),
    ("request_id:9f1d2c3b", True),
    ("source:nova-compute", True),
    ("message~/security driver for (label|model) apparmor/", True),
    ("message~/SECURITY DRIVER/i", True),
    ("message~/SECURITY DRIVER/", False),
    ("selinux OR apparmor", True),
    ("NOT apparmor", False),
    ("(selinux OR apparmor) AND level>=ERROR", True),
    ("selinux OR apparmor AND level<=DEBUG", False),
    ("apparmor security", True),
    ("not apparmor or level:error", True),
])
def test_query_matches_fields_and_operators(text: str, expected: bool) -> None:
    assert compile_query(text).matches(_event()) is expected


def test_query_message_searches_extra_lines() -> None:
    event = _event(message="Exception during message handling",
                   extra=("Traceback (most recent call last):", "InvalidSharedStorage: x is not on shared storage"))
    assert compile_query('message:"is not on shared storage"').matches(event)


def test_query_request_id_matches_global_request_id_too() -> None:
    event = _event(request_id=None, global_request_id="req-11111111-2222-3333-4444-555555555555")
    assert compile_query("request_id:req-11111111").matches(event)


def test_query_missing_field_never_matches() -> None:
    assert not compile_query("host:compute").matches(_event(host=None))
    assert compile_query("NOT host:compute").matches(_event(host=None))


def test_query_unknown_level_on_event_ranks_as_info() -> None:
    assert compile_query("level=INFO").matches(_event(level=None))


@pytest.mark.parametrize("text, hint", [
    ('message:"Unable to find Security driver" AND level>=ERROR', "unable to find security driver"),
    ('"short" AND message:"a much longer phrase"', "a much longer phrase"),
    ("selinux OR apparmor", None),
    ("NOT apparmor", None),
    ("level>=ERROR", None),
    ("host:compute-1", None),
    (r"message~/Live migration not completed after \d+ sec/", "live migration not completed after"),
    ("message~/Exit code: 21\\b/ AND message:\"No session\"", "exit code: 21"),
    ("message~/a|b/", None),
    ("message~/(foo|bar) security driver/", "security driver"),
    ("message~/colou?r scheme/", "r scheme"),
    ("message~/[abc]+xyz/", "xyz"),
])
def test_query_hint_is_a_required_lowercase_substring(text: str, hint: str | None) -> None:
    assert compile_query(text).hint == hint


@pytest.mark.parametrize("text, message, line, column", [
    ('modul:"x"', "unknown field 'modul'", 1, 1),
    ('message:"x" AND', "expected a term", 1, 16),
    ("AND x", "unexpected 'AND'", 1, 1),
    ("(a OR b", "expected ')'", 1, 8),
    ("level>=LOUD", "unknown level 'LOUD'", 1, 1),
    ("message~/(/", "bad regex", 1, 1),
    ("host>=x", "operator '>=' only applies to level", 1, 1),
    ("message~/x/q", "unknown regex flag 'q'", 1, 1),
    ("a OR\n  bogus:1", "unknown field 'bogus'", 2, 3),
    ("a )", "unexpected ')'", 1, 3),
    ('"unterminated', "unterminated quoted string", 1, 1),
    ("message:", "expected a value", 1, 9),
    ("message~x", "expected /regex/", 1, 9),
    ("", "empty expression", 1, 1),
    ("   ", "empty expression", 1, 1),
])
def test_query_errors_name_line_and_column(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert message in str(info.value)
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value).startswith(f"line {line}, column {column}: ")


def test_query_keeps_text_and_source() -> None:
    query = compile_query("apparmor", source="my.yaml")
    assert (query.text, query.source, str(query)) == ("apparmor", "my.yaml", "apparmor")


@pytest.mark.parametrize("text, any_of", [
    ('"a b" OR "c d"', ("a b", "c d")),
    ('("abc" OR "def") AND level>=ERROR', ("abc", "def")),
    ('"abc" OR level>=ERROR', None),
    ('"abc" AND ("x" OR "y")', ("abc",)),
    ("NOT abc", None),
])
def test_query_any_of_lists_alternative_needles(text: str, any_of: tuple[str, ...] | None) -> None:
    assert compile_query(text).any_of == any_of
