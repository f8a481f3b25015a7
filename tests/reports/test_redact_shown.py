"""Reports redact only what they show (`Redactor.analysis(shown_only=True)`), and still learn from the rest:
a secret in a shown event is masked, none reaches any output, and the outputs equal a full redacted copy's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from _report_factory import SECRETS, make_analysis, make_event

from migtrace.reports import render_report
from migtrace.reports.redact import MASK, Redactor, leak_check

FORMATS = ("html", "markdown", "json")
GENERATED = datetime(2020, 1, 1, tzinfo=UTC)
#: learnt only from an event no report shows (a config dump at start-up), then mentioned bare in a shown one
HIDDEN_PW = "Zq8vLm2pR4xxK"


def _with_hidden_secret() -> object:
    a = make_analysis(hostile=True, secrets=True)
    m = a.migrations[0]
    hidden = make_event(t=-50, message=f"Option database.connection = mysql+pymysql://nova:{HIDDEN_PW}@db/nova",
                        request_id=None, instance=None)
    shown = make_event(t=5, message=f"Retrying the copy as nova with {HIDDEN_PW} (was refused)",
                       request_id=m.request_ids[0], instance=m.instance)
    m = dataclasses.replace(m, events=(*m.events, shown))
    return dataclasses.replace(a, events=(hidden, *a.events, shown), migrations=(m, *a.migrations[1:]))


@pytest.mark.parametrize("categories", [(), ("hosts", "ips", "users")])
def test_shown_only_keeps_and_redacts_the_shown_events(categories: tuple[str, ...]) -> None:
    a = _with_hidden_secret()
    full = Redactor(categories).analysis(a)  # type: ignore[arg-type]
    shown = Redactor(categories).analysis(a, shown_only=True)  # type: ignore[arg-type]
    assert len(shown.events) == len(a.events) - 1  # type: ignore[attr-defined]
    assert all(HIDDEN_PW not in e.message for e in shown.events)
    assert shown.migrations == full.migrations and shown.orphan_findings == full.orphan_findings
    assert [e for e in full.events if "Option database.connection" not in e.message] == list(shown.events)
    assert any(f"with {MASK} (was refused)" in e.message for e in shown.migrations[0].events)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("categories", [(), ("hosts", "ips", "users")])
def test_no_secret_reaches_any_report(fmt: str, categories: tuple[str, ...]) -> None:
    a = _with_hidden_secret()
    text = render_report(a, fmt, redactor=Redactor(categories), generated=GENERATED)  # type: ignore[arg-type]
    for secret in (*SECRETS.values(), HIDDEN_PW):
        assert secret not in text
    assert not leak_check(text)
    if fmt != "markdown":  # (Markdown shows a few chosen events per migration)
        assert "Retrying the copy as nova with" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_equals_the_one_of_a_full_redacted_copy(fmt: str) -> None:
    """What a renderer is given differs only by the events no report shows: the output is the same."""
    from migtrace.reports import get_renderer
    from migtrace.reports._registry import RenderOptions

    a = _with_hidden_secret()
    opts = RenderOptions(redacted=("secrets",), generated=GENERATED)
    renderer = get_renderer(fmt, "report")
    assert renderer.render(Redactor().analysis(a, shown_only=True), opts) == \
        renderer.render(Redactor().analysis(a), opts)  # type: ignore[arg-type]
