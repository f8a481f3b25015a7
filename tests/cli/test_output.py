"""OpenStack-CLI output for every tabular command, global flags, colour, exit codes, runnable examples."""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path

import click
import pandas as pd
import pytest
import yaml

from migtrace.cli import cli as group
from migtrace.cli._common import EXIT_CODES, INTERNAL_ERROR
from migtrace.reports._listing import table_spec
from tests.conftest import REPO, SAMPLE_LOGS

KILO = str(SAMPLE_LOGS / "kilo-files")
QUEENS = str(SAMPLE_LOGS / "queens-files")

#: every tabular command line, and the view whose columns it takes
TABULAR = {
    "list": (["list", QUEENS], "list"),
    "diagnose": (["diagnose", QUEENS], "diagnose"),
    "signatures list": (["signatures", "list"], "signatures"),
    "merge --stats": (["merge", KILO, "--stats"], "merge-stats"),
}


def _row_formats(view: str) -> list[str]:
    spec = table_spec(view)
    return [f for f in ("table", "value", "json", "yaml", "csv", "markdown") if f not in spec.documents]



@pytest.fixture(autouse=True)
def _not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widths here are the pipe's (100 columns) whatever $COLUMNS the test runner has."""
    monkeypatch.delenv("COLUMNS", raising=False)

@pytest.mark.parametrize("name", TABULAR)
@pytest.mark.parametrize("fmt", ["table", "value", "json", "yaml", "csv", "markdown"])
def test_output_every_tabular_command_speaks_every_format(cli, name: str, fmt: str) -> None:
    args, view = TABULAR[name]
    result = cli(*args, "-f", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "json":
        json.loads(out)
    elif fmt == "yaml":
        assert yaml.safe_load(out) is not None
    elif fmt == "csv" and fmt in _row_formats(view):
        header = next(iter(io.StringIO(out))).strip().split(",")
        assert set(header) <= set(table_spec(view).names())
    elif fmt == "table" and table_spec(view).fit:
        assert max(len(line) for line in out.splitlines()) <= 100  # CliRunner is not a terminal


@pytest.mark.parametrize("name", TABULAR)
def test_output_unknown_column_is_a_usage_error_listing_the_valid_ones(cli, name: str) -> None:
    args, view = TABULAR[name]
    for option in ("-c", "--sort-column"):
        result = cli(*args, option, "no_such_column")
        assert result.exit_code == 2
        assert "no_such_column" in result.stderr and "valid:" in result.stderr
        assert all(c in result.stderr for c in table_spec(view).names())
        assert "Traceback" not in result.stderr


def test_output_column_selection_accepts_names_and_headers_in_every_row_format(cli) -> None:
    out = cli("list", QUEENS, "-f", "json", "-c", "id", "-c", "duration").stdout
    rows = json.loads(out)
    assert rows and all(list(r) == ["id", "duration_s"] for r in rows)
    assert all(r["id"].startswith("req-") and len(r["id"]) == 40 for r in rows)  # full values outside the table
    value = cli("list", QUEENS, "-f", "value", "-c", "id").stdout.split()
    assert value == [r["id"] for r in rows]


def test_output_sort_column_numbers_numerically_missing_last(cli) -> None:
    def durations(*extra: str) -> list[float | None]:
        rows = json.loads(cli("list", QUEENS, "-f", "json", "-c", "id", "-c", "duration_s", "-c", "downtime_s",
                              *extra).stdout)
        return [r["duration_s"] for r in rows], [r["downtime_s"] for r in rows]

    up, _ = durations("--sort-column", "duration_s")
    assert up == sorted(up)
    down, _ = durations("--sort-column", "duration", "--sort-descending")
    assert down == sorted(down, reverse=True)
    _, downtimes = durations("--sort-column", "downtime_s")
    known = [d for d in downtimes if d is not None]
    assert downtimes[: len(known)] == sorted(known) and all(d is None for d in downtimes[len(known):])


def test_output_noindent_and_max_width(cli) -> None:
    assert len(cli("list", QUEENS, "-f", "json", "--noindent").stdout.strip().splitlines()) == 1
    narrow = cli("list", QUEENS, "--max-width", "90").stdout.splitlines()
    assert max(len(x) for x in narrow) <= 90 and any("…" in x for x in narrow)
    wide = cli("list", QUEENS, "--max-width", "0").stdout.splitlines()
    assert not any("…" in x for x in wide)
    assert "live-migration-completion-timeout" in "\n".join(wide)


def test_output_csv_is_read_by_pandas_with_numbers_as_numbers(cli) -> None:
    out = cli("list", str(SAMPLE_LOGS), "-f", "csv").stdout
    assert ",-," not in out and "True" not in out and "False" not in out
    frame = pd.read_csv(io.StringIO(out))
    assert pd.api.types.is_float_dtype(frame["duration_s"])
    assert pd.api.types.is_float_dtype(frame["downtime_s"]) and frame["downtime_s"].isna().any()
    assert {type(x) for x in frame["post_copy"].dropna()} == {bool}  # true/false, empty for non-live moves
    assert set(frame["status"]) <= {"completed", "failed", "confirmed", "reverted", "cancelled", "in-progress",
                                    "unknown"}
    stats = pd.read_csv(io.StringIO(cli("merge", KILO, "--stats", "-f", "csv").stdout))
    assert pd.api.types.is_integer_dtype(stats["lines"]) and pd.api.types.is_bool_dtype(stats["ok"])


def test_output_list_table_fits_100_columns_with_short_unique_ids(cli) -> None:
    out = cli("list", str(SAMPLE_LOGS)).stdout.splitlines()
    assert max(len(x) for x in out) <= 100
    ids = [line.split()[0] for line in out[2:]]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"req-[0-9a-f]{8,}|[0-9a-f]{8,}@\d{8}T\d{6}", i) for i in ids)
    assert any(d in "\n".join(out) for d in ("26m44s", "55.6s", "544ms"))  # human durations


def test_output_short_id_from_list_is_accepted_by_timeline(cli) -> None:
    short = cli("list", QUEENS, "--status", "failed", "-c", "id").stdout.splitlines()[2].strip()
    full = json.loads(cli("list", QUEENS, "--status", "failed", "-f", "json", "-c", "id").stdout)[0]["id"]
    result = cli("timeline", short, QUEENS)
    assert result.exit_code == 0 and full in result.stdout


def test_output_diagnose_rows_and_documents(cli) -> None:
    rows = list(pd.read_csv(io.StringIO(cli("diagnose", QUEENS, "-f", "csv").stdout))["finding"])
    assert "live-migration-completion-timeout" in rows
    picked = cli("diagnose", QUEENS, "-f", "value", "-c", "finding", "--sort-column", "finding").stdout.split()
    assert picked == sorted(picked) and picked
    refused = cli("diagnose", QUEENS, "-f", "json", "-c", "finding")
    assert refused.exit_code == 2 and "do not apply to -f json" in refused.stderr
    table = cli("diagnose", QUEENS, "-c", "finding", "-c", "severity").stdout
    assert "FINDING" in table and "TITLE" not in table
    fitted = cli("diagnose", QUEENS, "--max-width", "120").stdout.splitlines()
    assert all(len(line) <= 120 for line in fitted if line.startswith("  ")) and any("…" in x for x in fitted)


def test_output_merge_takes_output_options_only_with_stats(cli) -> None:
    result = cli("merge", KILO, "-f", "json")
    assert result.exit_code == 2 and "apply to --stats" in result.stderr
    for ignored in ("--skew", "--signatures"):  # merge does not analyse: these options do not exist there
        assert cli("merge", KILO, ignored, "none").exit_code == 2


def test_output_quiet_drops_warnings_and_debug_shows_the_traceback(cli, tmp_path: Path) -> None:
    loud = cli("list", str(SAMPLE_LOGS / "devstack-2024.1"))
    assert "warning:" in loud.stderr
    for args in (["--quiet", "list"], ["list", "-q"]):
        quiet = cli(*args, str(SAMPLE_LOGS / "devstack-2024.1"))
        assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == loud.stdout
    missing = str(tmp_path / "nope")
    plain = cli("list", missing)
    assert plain.exit_code == 2 and "Traceback" not in plain.stderr
    for args in (["--debug", "list", missing], ["list", missing, "--debug"]):
        debug = cli(*args)
        assert debug.exit_code == 2 and "Traceback (most recent call last)" in debug.stderr
        assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip().splitlines()[-1]


def test_output_unexpected_error_is_one_line_and_exit_3(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import migtrace.cli._common as common

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(common, "load", broken)
    result = cli("list", KILO)
    assert result.exit_code == INTERNAL_ERROR
    assert result.stderr.strip() == ("migtrace: error: unexpected RuntimeError: boom "
                                     "(a bug: run again with --debug and report it)")
    assert "Traceback" in cli("list", KILO, "--debug").stderr


@pytest.mark.parametrize(("env", "expect"), [
    ({}, False),
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "0"}, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
    ({"TERM": "dumb"}, False),
])
def test_output_colour_follows_no_color_force_color_and_term(cli, monkeypatch, env, expect) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = cli("timeline", "req-a2ca325d", KILO).stdout
    assert ("\x1b[" in out) is expect


def _commands(group_: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group_.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


COMMANDS = [((), group), *_commands(group)]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_output_help_shows_exit_codes(cli, path: tuple[str, ...], command: click.Command) -> None:
    text = " ".join(cli(*path, "--help").stdout.split())
    assert " ".join(EXIT_CODES.split()) in text


def _examples() -> list[str]:
    lines = []
    for _, command in COMMANDS:
        lines += [m.group(1) for m in re.finditer(r"Example: (.+)", command.help or "")]
    return lines


@pytest.mark.parametrize("example", _examples())
def test_output_every_help_example_runs_as_pasted(cli, example: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sample_logs").symlink_to(REPO / "sample_logs")
    monkeypatch.chdir(tmp_path)
    words = shlex.split(example)
    assert words[0] == "migtrace" and "…" not in example
    result = cli(*words[1:])
    # 1 is an answer too (`--fail-on` found something); 2 would be a usage error or no input
    assert result.exit_code in (0, 1), f"{example}: {result.stderr}"
    assert result.stdout or "written to" in result.stderr


def test_output_list_redact_hosts_hides_host_names_and_keeps_ids_timeline_takes(cli) -> None:
    plain = json.loads(cli("list", QUEENS, "-f", "json").stdout)
    hosts = {h for m in plain for h in (m["source_host"], m["dest_host"]) if h}
    redacted = cli("list", QUEENS, "-f", "json", "--redact", "hosts").stdout
    assert hosts and not any(re.search(rf"\b{re.escape(h)}\b", redacted) for h in hosts)
    rows = json.loads(redacted)
    assert [m["id"] for m in rows] == [m["id"] for m in plain]
    assert all(m["source_host"] is None or m["source_host"].startswith("host-") for m in rows)
    short = cli("list", QUEENS, "--redact", "hosts", "-c", "id").stdout.splitlines()[2].strip()
    assert cli("timeline", short, QUEENS, "--redact", "hosts").exit_code == 0
