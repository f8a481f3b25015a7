"""LoadOptions: one frozen object, validated where it is built."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from migtrace import LoadOptions, load
from tests.conftest import SAMPLE_LOGS


def test_options_refuse_an_unknown_zone_by_name() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        LoadOptions(tz="Mars/Olympus")
    with pytest.raises(ValueError, match="Nowhere"):
        LoadOptions(tz_by_path={"x.log": "Nowhere"})


def test_options_are_frozen_and_their_maps_read_only() -> None:
    options = LoadOptions(host_aliases={"a.log": "compute1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.tz = "UTC"  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.host_aliases["b.log"] = "compute2"  # type: ignore[index]


def test_options_cli_bad_zone_is_a_usage_error(cli) -> None:
    result = cli("list", str(SAMPLE_LOGS / "kilo-files"), "--tz", "Mars/Olympus")
    assert result.exit_code == 2 and "unknown time zone" in result.output


def test_load_accepts_path_objects_and_strings_alike() -> None:
    by_path = load(Path(SAMPLE_LOGS / "kilo-files"))
    by_str = load(str(SAMPLE_LOGS / "kilo-files"))
    assert [m.id for m in by_path.migrations] == [m.id for m in by_str.migrations]
