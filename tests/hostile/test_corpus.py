"""The product against the hostile corpus (issue 15 "Done when"), in CI, under prlimit and timeout.

One run of `tools.hostile.run` in CI mode (conftest.py) judges every case:
no traceback, no hang, the expected exit, the good file read in full, no
line unaccounted, no input modified, no special file replaced, no walk out
of the tree, no live injection, no planted secret in any output.

Every case passes since issue 15; a case that regresses can be listed
again in the tables below (xfail, strict=False) with the bug that causes it
while it is being fixed.
"""

from __future__ import annotations

import pytest

from tools.hostile import secrets
from tools.hostile.cases import CASES
from tools.hostile.outputs import OUTPUT_CASES
from tools.hostile.run import COMMANDS, Failure, Result

pytestmark = pytest.mark.slow


#: case -> the bug that makes it fail today (issue 15)
KNOWN_CASE_BUGS: dict[str, str] = {}

REPORT_COMMANDS = ("report-html", "report-json", "report-md", "report-redact")

#: planted secrets that survive into a report today (any of html/json/markdown, with or without --redact all)
KNOWN_REPORT_LEAKS: frozenset[str] = frozenset()
#: commands that show at least one planted secret today
KNOWN_COMMAND_LEAKS: dict[str, str] = {}

CASE_NAMES = [c.name for c in CASES if "ci" in c.scales] + [c.name for c in OUTPUT_CASES]
SECRET_IDS = [p.id for p in secrets.plan() if p.kind == "secret"]
#: secrets whose record belongs to the migration: the ones a report can show (the rest only reach `merge`)
REPORTABLE_IDS = [p.id for p in secrets.plan() if p.kind == "secret" and p.in_migration]


def _known(names: list[str], bugs: dict[str, str]) -> list[object]:
    return [pytest.param(n, marks=pytest.mark.xfail(reason=f"issue 15 {bugs[n]}", strict=False)) if n in bugs else n
            for n in names]


def _explain(failures: list[Failure]) -> str:
    return "\n".join(f"{f.category}: {f.command}: {f.detail}\n    {f.reproducer}" for f in failures)


@pytest.mark.parametrize("name", _known(CASE_NAMES, KNOWN_CASE_BUGS))
def test_hostile_case_is_survived(hostile_result: Result, name: str) -> None:
    if name in hostile_result.skipped:
        pytest.skip(hostile_result.skipped[name])
    assert name in hostile_result.cases, f"{name} did not run"
    failures = [f for f in hostile_result.failures if f.case == name]
    assert not failures, _explain(failures)


@pytest.mark.parametrize("secret_id", _known(REPORTABLE_IDS, dict.fromkeys(KNOWN_REPORT_LEAKS, "a detector misses this shape")))
def test_reports_show_no_planted_secret(hostile_result: Result, secret_id: str) -> None:
    leaked_in = [c for c in hostile_result.secrets[secret_id] if c in REPORT_COMMANDS]
    assert not leaked_in, f"{secret_id} is in the output of {leaked_in}"


@pytest.mark.parametrize("command", _known(list(COMMANDS), KNOWN_COMMAND_LEAKS))
def test_no_command_shows_a_planted_secret(hostile_result: Result, command: str) -> None:
    leaked = sorted(k for k, v in hostile_result.secrets.items() if command in v)
    assert not leaked, f"{len(leaked)} planted secrets in `{command}` output: {leaked}"


def test_redaction_keeps_values_that_are_not_secrets(hostile_result: Result) -> None:
    masked = [f for f in hostile_result.failures if f.category == "near-miss-redacted"]
    assert not masked, _explain(masked)


def test_secrets_corpus_runs_cleanly_with_every_command(hostile_result: Result) -> None:
    crashed = [f for f in hostile_result.failures if f.case == "secrets" and f.category in
               ("traceback", "hang", "killed", "exit-nonzero", "exit-zero", "exit-other", "input-modified")]
    assert not crashed, _explain(crashed)


def test_redact_all_hides_every_host_name(hostile_result: Result) -> None:
    left = [f for f in hostile_result.failures if f.category == "names-leak"]
    assert not left, _explain(left)


def test_redact_all_keeps_migtraces_own_text(hostile_result: Result) -> None:
    altered = [f for f in hostile_result.failures if f.category == "own-text-altered"]
    assert not altered, _explain(altered)


def test_machine_device_nodes_are_never_replaced(hostile_result: Result) -> None:
    touched = [f for f in hostile_result.failures if f.case == "machine"]
    assert not touched, _explain(touched)
