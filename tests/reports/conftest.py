"""Fixtures for the report tests; the factories live in `_report_factory` so tests can import them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _report_cdp import Browser, chromium_path
from _report_factory import make_analysis

from migtrace.pipeline import Analysis


@pytest.fixture
def analysis() -> Analysis:
    """A plain three-migration analysis."""
    return make_analysis()


@pytest.fixture
def hostile_analysis() -> Analysis:
    """An analysis whose log text tries to inject HTML and script."""
    return make_analysis(hostile=True)


@pytest.fixture
def secret_analysis() -> Analysis:
    """An analysis whose log text carries every kind of secret redaction must remove."""
    return make_analysis(secrets=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (each test opens its own page); required in CI."""
    if chromium_path() is None:
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError("chromium is required in CI (Debian package `chromium`)")
        pytest.skip("chromium is not installed")
    b = Browser()
    try:
        yield b
    finally:
        b.close()
