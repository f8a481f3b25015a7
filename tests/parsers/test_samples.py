"""lnav's rules for every parser: each sample fully matches exactly one variant, each variant has a sample."""

from __future__ import annotations

import pytest

from migtrace.parsers import registry
from migtrace.parsers._ansi import strip_ansi
from migtrace.parsers._base import Head
from migtrace.parsers._memory import MemoryInput

PARSERS = [p for p in registry.all_parsers() if p.patterns]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
def test_samples_match_exactly_one_variant(parser) -> None:
    for sample in parser.samples:
        line = strip_ansi(sample.line)
        hits = [name for name, pattern in parser.patterns.items() if pattern.fullmatch(line)]
        assert hits == [sample.variant], (parser.name, sample.line[:80], hits)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
def test_every_variant_has_a_sample(parser) -> None:
    covered = {s.variant for s in parser.samples}
    assert set(parser.patterns) <= covered, (parser.name, set(parser.patterns) - covered)


def test_oslo_samples_give_their_fields() -> None:
    from migtrace.parsers.oslo import PARSER, parse_payload

    for sample in PARSER.samples:
        payload = parse_payload(sample.line)
        assert payload is not None
        for key, value in sample.fields.items():
            assert getattr(payload, key) == value, (sample.line[:60], key)


def test_registry_sniffs_every_format_from_its_samples() -> None:
    for parser in registry.all_parsers():
        if not parser.samples:
            continue
        head = MemoryInput.from_lines([s.line for s in parser.samples] * 3).head
        assert registry.sniff(head) is parser, parser.name


def test_registry_sniffs_byte_formats_and_the_local_journal() -> None:
    assert registry.sniff(MemoryInput(b"LPKSHHRH\x00\x00\x00\x00").head).name == "journal-binary"
    assert registry.sniff(Head(path="journal:local", data=b"", lines=())).name == "journal-local"
    assert registry.sniff(MemoryInput(b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1\nMESSAGE=x\n\n").head).name == "journal-export"
    assert registry.sniff(MemoryInput(b"hello\nworld\n").head) is None
