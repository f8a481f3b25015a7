"""The HTML report's packed plotly.js is built once per installed plotly and read back from the cache directory,
never from a file that is not the user's alone or that does not match its digest."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from migtrace.reports import html_report
from tests.conftest import unwritable_cache_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(root))
    html_report.plotly_js_packed.cache_clear()
    yield root
    html_report.plotly_js_packed.cache_clear()


@pytest.fixture(scope="module")
def packed() -> str:
    return html_report.pack_bundle(html_report.plotly_js())


def test_packed_once_then_read_back(cache: Path, packed: str) -> None:
    path = html_report.bundle_cache_path()
    assert path is not None and path.parent == cache
    assert html_report.plotly_js_packed() == packed
    assert path.is_file() and oct(cache.stat().st_mode & 0o777) == oct(0o700)
    digest, _, body = path.read_text(encoding="ascii").partition("\n")
    assert body == packed and len(digest) == 64
    html_report.plotly_js_packed.cache_clear()
    # a second process reads it: make packing impossible to prove it is not done again
    original = html_report.pack_bundle
    try:
        html_report.pack_bundle = lambda js: pytest.fail("packed again")  # type: ignore[assignment]
        assert html_report.plotly_js_packed() == packed
    finally:
        html_report.pack_bundle = original  # type: ignore[assignment]


def test_a_tampered_bundle_is_not_used(cache: Path, packed: str) -> None:
    html_report.plotly_js_packed()
    path = html_report.bundle_cache_path()
    assert path is not None
    digest, _, body = path.read_text(encoding="ascii").partition("\n")
    path.write_text(digest + "\n" + body[:-8] + "AAAAAAA=", encoding="ascii")
    html_report.plotly_js_packed.cache_clear()
    assert html_report.plotly_js_packed() == packed
    assert path.read_text(encoding="ascii").partition("\n")[2] == packed  # rewritten


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_bundle_others_may_write_is_not_used(cache: Path, packed: str) -> None:
    html_report.plotly_js_packed()
    path = html_report.bundle_cache_path()
    assert path is not None
    planted = "ZmFrZQ=="
    path.write_text(hashlib.sha256(planted.encode()).hexdigest() + "\n" + planted, encoding="ascii")
    cache.chmod(0o777)
    html_report.plotly_js_packed.cache_clear()
    assert html_report.plotly_js_packed() == packed
    cache.chmod(0o700)
    path.chmod(0o666)
    html_report.plotly_js_packed.cache_clear()
    assert html_report.plotly_js_packed() == packed


def test_an_unwritable_cache_still_gives_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    packed: str) -> None:
    unwritable_cache_dir(tmp_path, monkeypatch)
    html_report.plotly_js_packed.cache_clear()
    try:
        assert html_report.plotly_js_packed() == packed
    finally:
        html_report.plotly_js_packed.cache_clear()
