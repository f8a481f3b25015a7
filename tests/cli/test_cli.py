"""The CLI contract of DESIGN.md: formats, filters, exit codes, stdout/stderr discipline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.correlate.test_correlate import R1, R2, U, live_migration, write_set


@pytest.fixture
def incident(tmp_path: Path) -> Path:
    return write_set(tmp_path / "incident", live_migration(R1, 0, "compute2"), live_migration(R2, 5, "compute3"))


def test_list_json_has_the_contract_keys(cli, incident: Path) -> None:
    result = cli("list", str(incident), "-f", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [R1, R2]
    for key in ("id", "kind", "instance", "request_ids", "source_host", "dest_host", "started", "ended",
                "duration_s", "status", "block_migration", "downtime_s", "findings"):
        assert key in rows[0]
    assert rows[0]["started"].endswith("+00:00")


@pytest.mark.parametrize("fmt, check", [
    ("table", lambda out: "live" in out and "compute2" in out and "req-11111111" in out),
    ("csv", lambda out: out.splitlines()[0].startswith("id,kind,instance")),
    ("markdown", lambda out: out.startswith("| id | kind |")),
    ("yaml", lambda out: yaml.safe_load(out)[1]["dest_host"] == "compute3"),
])
def test_list_formats(cli, incident: Path, fmt: str, check) -> None:
    result = cli("list", str(incident), "-f", fmt)
    assert result.exit_code == 0 and check(result.stdout)


def test_list_filters(cli, incident: Path) -> None:
    def ids(*args: str) -> list[str]:
        return [r["id"] for r in json.loads(cli("list", str(incident), "-f", "json", *args).stdout)]
    assert ids("--host", "compute3") == [R2]
    assert ids("--since", "2018-03-01 10:04") == [R2]
    assert ids("--until", "2018-03-01T10:03:00Z") == [R1]
    assert ids("--status", "failed") == []
    assert ids("--kind", "live-migration", "--instance", U) == [R1, R2]


def test_timeline_by_request_id_with_and_without_prefix(cli, incident: Path) -> None:
    for ident in (R1, R1.removeprefix("req-")):
        result = cli("timeline", ident, str(incident))
        assert result.exit_code == 0, result.stderr
        out = result.stdout
        assert "live-migration" in out and "compute1 → compute2" in out and "COMPLETED" in out
        assert "▸ pre_live_migration" in out and "compute2/n-cpu" in out
        assert "\x1b[" not in out  # not a TTY: no colours


def test_timeline_by_instance_lists_all_moves_newest_last(cli, incident: Path) -> None:
    out = cli("timeline", U, str(incident)).stdout
    assert out.index("compute1 → compute2") < out.index("compute1 → compute3")


def test_timeline_unknown_id_exits_1_with_hint(cli, incident: Path) -> None:
    result = cli("timeline", R1[:-4] + "ffff", str(incident))
    assert result.exit_code == 1
    assert "no migration matches" in result.stderr and R1 in result.stderr


def test_timeline_color_always_and_no_color(cli, incident: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" in cli("timeline", R1, str(incident), "--color", "always").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("timeline", R1, str(incident), "--color", "auto").stdout


def test_merge_is_chronological_and_tagged(cli, incident: Path) -> None:
    out = cli("merge", str(incident), "--request", R1).stdout.splitlines()
    heads = [line for line in out if not line.startswith("    ")]
    assert heads == sorted(heads)
    assert any("[controller/n-api]" in h for h in heads) and any("[compute2/n-cpu]" in h for h in heads)
    assert all(R1 in h or U in h for h in heads)


def test_merge_stats_accounts_every_line(cli, incident: Path) -> None:
    out = cli("merge", str(incident), "--stats").stdout
    assert "TOTAL" in out and " NO" not in out
    total = out.splitlines()[-1].split()
    assert total[1] == str(sum(len(p.read_text().splitlines()) for p in incident.rglob("*.log")))


def test_no_readable_input_exits_2(cli, tmp_path: Path) -> None:
    result = cli("list", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_works(incident: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "migtrace", "list", str(incident), "-f", "json"],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 2


def test_help_texts_end_with_an_example(cli) -> None:
    from migtrace.cli import cli as group

    for name, command in group.commands.items():
        assert "Example:" in (command.help or ""), name


def test_timeline_context_shows_raw_neighbouring_lines(cli) -> None:
    from tests.conftest import SAMPLE_LOGS

    out = cli("timeline", "req-a2ca325d", str(SAMPLE_LOGS / "kilo-files"), "--context", "2").stdout
    assert "context (±2 lines) in" in out and "Exit code: 21" in out


def test_timeline_accepts_a_unique_shortened_request_id(cli, incident: Path) -> None:
    result = cli("timeline", R1[:12], str(incident))
    assert result.exit_code == 0 and "compute1 → compute2" in result.stdout
