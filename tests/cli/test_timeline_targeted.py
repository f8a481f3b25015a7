"""`timeline ID` reads only what the move needs, and tells the story `list` tells (issue 10 item 7, issue 13 P1).

For every id `list` prints on the sample sets (its short form and the whole
id), the targeted read's move (records holding the move's ids, self-naming
lines only where no host is known, each file's last record for the host's
last sign of life, only the shown moves diagnosed) is rendered exactly as the
whole-set read's Migration, remedies included: both infer the release range
from the clue records of every input (`pipeline._clues`), not from the
records each happened to keep.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from migtrace.model import Migration
from migtrace.options import LoadOptions
from migtrace.pipeline import Analysis, load, with_diagnosis
from migtrace.pipeline import _load as load_module
from migtrace.reports import RenderOptions, render
from migtrace.reports.listing import short_ids
from migtrace.reports.redact import Redactor
from migtrace.reports.terminal import TimelineView
from tests.conftest import cached_load

SETS = ("devstack-2024.1", "kilo-files", "queens-files", "train-single-host", "yoga-info", "zed-mixed")
ROOT = Path(__file__).resolve().parents[2] / "sample_logs"
SHOWN = RenderOptions(color=False, full=False, debug=False, max_width=0)


def _text(m: Migration, analysis: Analysis) -> str:
    red = Redactor(())
    view = TimelineView(migration=red.migration(m), skew=dict(analysis.skew), context={}, radius=0)
    return render("timeline", "text", view, SHOWN)


def _targeted(path: str, ident: str) -> tuple[Analysis, list[Migration]]:
    """What `timeline ID` computes: a focused read, then diagnosis of the moves found only."""
    analysis = load([path], LoadOptions(focus=ident, diagnose=False))
    found = analysis.find(ident)
    shown = with_diagnosis(dataclasses.replace(analysis, migrations=tuple(found)), orphans=False)
    return shown, list(shown.migrations)


@pytest.mark.parametrize("name", SETS)
def test_timeline_of_every_listed_id_is_the_whole_set_move(name: str) -> None:
    path = str(ROOT / name)
    whole = cached_load(path)
    shorts = short_ids(whole.migrations)
    for m in whole.migrations:
        shown, found = _targeted(path, shorts[m.id])
        assert [x.id for x in found] == [m.id], shorts[m.id]
        assert shown.release == whole.release, m.id
        assert found[0] == m, m.id
        assert _text(found[0], shown) == _text(m, whole), m.id


def test_every_id_form_is_accepted(cli) -> None:
    """The whole request id, without `req-`, the short form, a unique 4-character prefix, the instance."""
    path = str(ROOT / "queens-files")
    whole = cached_load(path)
    m = next(x for x in whole.migrations if x.request_ids)
    request = m.request_ids[0]
    bare = request.removeprefix("req-")
    others = [s for x in whole.migrations if x is not m for s in (*x.request_ids, x.instance or "")]
    prefix = next(bare[:n] for n in range(4, len(bare)) if not any(
        o.lower().removeprefix("req-").startswith(bare[:n]) for o in others))
    reference = cli("timeline", request, path, "--color", "never").stdout
    assert m.id.removeprefix("req-")[:8] in reference
    for ident in (bare, short_ids(whole.migrations)[m.id], prefix, "req-" + prefix):
        result = cli("timeline", ident, path, "--color", "never")
        assert result.exit_code == 0, (ident, result.stderr)
        assert result.stdout == reference, ident
    if m.instance:
        by_instance = cli("timeline", m.instance, path, "--color", "never").stdout
        assert request in by_instance or m.id in by_instance


def test_a_too_short_prefix_is_not_taken(cli) -> None:
    path = str(ROOT / "queens-files")
    request = next(x for x in cached_load(path).migrations if x.request_ids).request_ids[0]
    result = cli("timeline", request.removeprefix("req-")[:3], path, "--color", "never")
    assert result.exit_code == 1


@pytest.fixture
def no_whole_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if anything reads the whole set (the selective or full read of `load()` without focus)."""
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the unknown-id hint must not read the whole set")
    monkeypatch.setattr(load_module, "_selective", refuse)


@pytest.mark.parametrize("spoil", [
    lambda r: r[:-4] + "ffff",  # the last run of the uuid
    lambda r: r[:4] + "0" + r[5:],  # the first run
    lambda r: r.removeprefix("req-")[:7] + "z",  # the short form's only run
], ids=["last-run", "first-run", "short-form"])
def test_unknown_id_hint_comes_from_raw_passes(spoil, no_whole_read: None) -> None:
    path = ROOT / "queens-files"
    request = next(x for x in cached_load(str(path)).migrations if x.request_ids).request_ids[0]
    mistyped = spoil(request)
    assert not cached_load(str(path)).find(mistyped)
    from click.testing import CliRunner

    from migtrace.cli import cli as group
    result = CliRunner().invoke(group, ["timeline", mistyped, str(path)])
    assert result.exit_code == 1
    assert f"no migration matches {mistyped!r}" in result.stderr
    assert "nearest ids seen:" in result.stderr and request in result.stderr


def test_unknown_id_without_a_likeness(no_whole_read: None) -> None:
    from click.testing import CliRunner

    from migtrace.cli import cli as group
    result = CliRunner().invoke(group, ["timeline", "req-zzzzzzzz-qqqq", str(ROOT / "kilo-files")])
    assert result.exit_code == 1
    assert "no migration matches 'req-zzzzzzzz-qqqq'; no id like it in these logs" in result.stderr


def test_id_in_the_logs_but_in_no_move_says_so(tmp_path: Path) -> None:
    """An instance that never moved: the hint counts its records instead of suggesting another id."""
    log = tmp_path / "compute1" / "var" / "log" / "nova"
    log.mkdir(parents=True)
    uuid = "0f0e0d0c-1111-2222-3333-444455556666"
    (log / "nova-compute.log").write_text(
        "2024-05-02 10:00:00.000 7 INFO nova.compute.manager [req-11111111-2222-3333-4444-555555555555 u p - - -]"
        f" [instance: {uuid}] Took 1.00 seconds to spawn the instance on the hypervisor.\n")
    from click.testing import CliRunner

    from migtrace.cli import cli as group
    result = CliRunner().invoke(group, ["timeline", uuid, str(tmp_path)])
    assert result.exit_code == 1
    assert "1 record(s) of these logs contain it" in result.stderr
