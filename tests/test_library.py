"""The library as a notebook user meets it: typed keywords, paths, errors, short reprs, stable frames."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import migtrace
from migtrace.errors import SourceError
from migtrace.options import LoadKeywords, LoadOptions
from migtrace.pipeline import Analysis
from tests.conftest import SAMPLE_LOGS

KILO = SAMPLE_LOGS / "kilo-files"


def test_library_keywords_are_exactly_the_load_options_fields() -> None:
    assert set(LoadKeywords.__annotations__) == {f.name for f in dataclasses.fields(LoadOptions)}


def test_library_load_takes_pathlike_and_keywords() -> None:
    by_path = migtrace.load(KILO, tz="UTC", skew="none")
    assert [m.kind for m in by_path.migrations] == ["live-migration", "live-migration"]
    assert by_path.skew_mode == "none"
    merged = migtrace.load(KILO, options=LoadOptions(skew="none"), diagnose=False)
    assert merged.skew_mode == "none" and all(not m.findings for m in merged.migrations)
    assert len(migtrace.read_events(KILO / "controller", year=2015)) > 0


def test_library_missing_input_raises_unless_asked_to_warn(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        migtrace.load(KILO, tmp_path / "nope")
    with pytest.raises(SourceError):
        migtrace.load(str(tmp_path / "*.log"))  # a glob that matches nothing
    lenient = migtrace.load(KILO, tmp_path / "nope", missing="warn")
    assert len(lenient.migrations) == 2 and any("nope" in w for w in lenient.warnings)


def test_library_bad_zone_raises() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        migtrace.load(KILO, tz="Mars/Olympus")


def test_library_render_redacts_like_the_cli(write_log) -> None:
    secret = "Sup3rSecretRabbit"
    log = write_log("compute1/nova-compute.log", (KILO / "compute1/var/log/nova/nova-compute.log").read_text()
                    + f"2015-09-22 13:42:21.800 2120 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server "
                      f"amqp://nova:{secret}@192.0.2.5:5672// is unreachable\n")
    a = migtrace.load(log)
    assert any(secret in e.message for e in a.events)
    for fmt in ("json", "markdown", "text", "html"):
        assert secret not in migtrace.render(a, fmt), fmt


def test_library_reprs_are_short() -> None:
    a = migtrace.load(SAMPLE_LOGS)
    n = len(a.migrations)
    assert n > 10 and len(repr(a)) < 300 and repr(a).startswith(f"<Analysis: {n} migrations (")
    html = a._repr_html_()
    assert html.count("<tr>") == n + 1 and len(html) < 20_000
    m = a.migrations[0]
    assert len(repr(m)) < 300 and m.id in repr(m)
    assert all(len(repr(x)) < 200 for x in (*m.phases, *m.findings))


def _kinds(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(str(c), str(t)) for c, t in frame.dtypes.items()]


def test_library_frames_keep_columns_and_dtypes_when_empty() -> None:
    full, empty = migtrace.load(KILO), Analysis()
    assert _kinds(empty.migrations_frame()) == _kinds(full.migrations_frame())
    assert _kinds(empty.events_frame()) == _kinds(full.events_frame())
    frame = full.migrations_frame()
    assert list(frame["kind"].cat.categories) == ["live-migration", "migration", "resize", "evacuation"]
    assert str(frame["downtime_s"].dtype) == "Float64" and frame["downtime_s"].isna().sum() == 1
    assert str(frame["block_migration"].dtype) == "boolean"
    events = full.events_frame()
    assert events["level"].cat.ordered and str(events["pid"].dtype) == "Int64"
    assert str(events["time"].dtype) == "datetime64[us, UTC]"
