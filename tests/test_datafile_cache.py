"""A shipped data file's parsed document is kept in the cache directory, and only a trusted file of its very text
is used (`_datafile.load_document`): the same document as parsing the YAML, never another one."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest
import yaml

from migtrace import _datafile
from migtrace._cachefile import DERIVED, OFF_VARIABLE, derived_files, read_private
from migtrace._datafile import SHIPPED, load_document, read_text
from migtrace.errors import DataError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(OFF_VARIABLE, raising=False)
    return tmp_path / "cache"


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("data-*.pickle")) if cache.exists() else []


@pytest.mark.parametrize("name", ["phases.yaml", "releases.yaml", "nonlogs.yaml", "transports.yaml"])
def test_a_shipped_document_is_the_parsed_yaml_first_and_from_its_cache_file_after(cache: Path, name: str) -> None:
    text, where = read_text(name)
    assert where == f"{SHIPPED}{name}"
    parsed = yaml.load(text, Loader=_datafile.yaml_loader())
    first = load_document(text, where)
    assert first == parsed
    [path] = _files(cache)
    assert path.name.startswith(f"data-{name}-")
    assert path in derived_files(cache) and any(path.match(p) for p in DERIVED)  # `cache clear --compiled` removes it
    payload = read_private(path)
    assert payload is not None and pickle.loads(payload) == parsed
    again = load_document(text, where)
    assert again == parsed and again is not first  # a fresh copy: a caller may change what it was given
    assert list(again) == list(parsed)  # the keys in the file's order, as YAML gives them


def test_a_cache_file_is_used_only_for_its_own_text(cache: Path) -> None:
    text, where = read_text("causal_pairs.yaml")
    load_document(text, where)
    [old] = _files(cache)
    changed = text + "\n# an edit of the shipped file\nextra: 1\n"
    got = load_document(changed, where)
    assert got["extra"] == 1
    [new] = _files(cache)
    assert new != old  # another key; the stale file of this name is removed when the new one is written


def _plant(path: Path, payload: bytes) -> None:
    path.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    path.chmod(0o600)


def test_an_untrusted_corrupt_or_foreign_cache_file_is_parsed_again(cache: Path) -> None:
    text, where = read_text("physics.yaml")
    parsed = load_document(text, where)
    [path] = _files(cache)
    _plant(path, pickle.dumps(["not", "a", "document"]))
    assert load_document(text, where) == parsed  # a pickle of something else: parsed again and rewritten
    assert pickle.loads(read_private(path) or b"") == parsed
    path.write_bytes(b"0" * 64 + b"\n" + pickle.dumps({"planted": True}))  # its digest line does not match
    assert load_document(text, where) == parsed
    _plant(path, pickle.dumps({"planted": True}))
    path.chmod(0o666)  # writable by others: never read
    assert load_document(text, where) == parsed
    _plant(path, b"not a pickle")
    assert load_document(text, where) == parsed


def test_no_cache_file_for_a_file_not_shipped_with_the_switch_off_or_for_a_bad_document(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_document("pairs: []\n", "mine.yaml") == {"pairs": []}
    assert _files(cache) == []
    with pytest.raises(DataError, match="expected a mapping"):
        load_document("- a\n", f"{SHIPPED}broken.yaml")
    with pytest.raises(DataError, match="invalid YAML"):
        load_document("a: [\n", f"{SHIPPED}broken.yaml")
    assert _files(cache) == []  # a document that does not load is never cached
    monkeypatch.setenv(OFF_VARIABLE, "1")
    text, where = read_text("stalls.yaml")
    assert load_document(text, where) == yaml.load(text, Loader=_datafile.yaml_loader())
    assert _files(cache) == []


def test_an_unwritable_cache_directory_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(blocker / "cache"))
    text, where = read_text("error_masks.yaml")
    assert load_document(text, where) == yaml.load(text, Loader=_datafile.yaml_loader())
