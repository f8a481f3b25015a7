"""`migtrace report` end to end: real oslo.log files through the pipeline to every format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migtrace.cli._report import report

DATA = Path(__file__).resolve().parents[1] / "reports" / "data" / "live_ok"
REQ = "req-6f0c6d2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
INSTANCE = "0a1b2c3d-1111-4222-8333-444455556666"
#: Secrets planted in data/live_ok (rabbit password, cephx key, token, password field).
PLANTED = ("R4bbitPassw0rd", "AQBzQ2hjAAAAABAAq1pXg0jYTiSg8mEdN5rJ4Q==",
           "gAAAAABl1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTUVWXyz0123456789abcdefGHIJ", "hunter2hunter2")


def _inputs() -> list[str]:
    return [str(DATA), "--host-alias", f"{DATA / 'compute1'}=compute1",
            "--host-alias", f"{DATA / 'compute2'}=compute2"]


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(report, [*_inputs(), *args], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize("suffix,fmt", [(".html", "html"), (".md", "markdown"), (".json", "json"), (".txt", "text")])
def test_cli_report_writes_each_format_from_its_suffix(tmp_path: Path, suffix: str, fmt: str) -> None:
    out = tmp_path / f"r{suffix}"
    code, stdout, stderr = _run("-o", str(out), "--title", "Ticket 1")
    assert code == 0, stderr
    assert stdout == "" and f"report written to {out}" in stderr
    text = out.read_text(encoding="utf-8")
    assert REQ in text and INSTANCE in text
    for secret in PLANTED:
        assert secret not in text
    if fmt == "json":
        doc = json.loads(text)
        assert doc["migrations"][0]["status"] == "completed"
        assert doc["migrations"][0]["source_host"] == "compute1"
        assert len(doc["inputs"]) == 2
    if fmt == "html":
        assert "<script>window.__pwned" not in text and "&lt;script&gt;window.__pwned" in text
        assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", text)


def test_cli_report_markdown_to_stdout_with_redaction(tmp_path: Path) -> None:
    mapfile = tmp_path / "map.json"
    code, stdout, _ = _run("-f", "markdown", "--redact", "hosts,ips,users", "--redact-map", str(mapfile))
    assert code == 0
    assert "compute1" not in stdout and "compute2" not in stdout
    assert "host-1 → host-2" in stdout or "host-2 → host-1" in stdout
    assert REQ in stdout
    assert json.loads(mapfile.read_text())["hosts"].keys() >= {"compute1", "compute2", "controller"}


def test_cli_report_one_migration_and_unknown_id(tmp_path: Path) -> None:
    code, stdout, _ = _run("-f", "json", "--migration", INSTANCE)
    assert code == 0 and [m["instance"] for m in json.loads(stdout)["migrations"]] == [INSTANCE]
    code, _, stderr = _run("-f", "json", "--migration", "req-00000000-0000-4000-8000-000000000000")
    assert code == 1 and "no migration matches" in stderr


def test_cli_report_bad_redact_category_is_a_usage_error() -> None:
    code, _, stderr = _run("-f", "json", "--redact", "hosts,passwords")
    assert code == 2 and "unknown redaction categories: passwords" in stderr


SAMPLE_LOGS = Path(__file__).resolve().parents[2] / "sample_logs"


def test_cli_report_of_all_sample_logs_is_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "all.html"
    res = CliRunner().invoke(report, [str(SAMPLE_LOGS), "-o", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["all.html"]
    text = out.read_text(encoding="utf-8")
    assert text.count('class="migration"') >= 4  # every incident set contributes migrations
    # nothing that loads code, styles or media may point anywhere: no src=, no <link href=>
    assert not re.search(r"<(?:script|img|iframe|embed|source|audio|video)\b[^>]*\ssrc\s*=", text, re.I)
    assert not re.search(r"<link\b[^>]*href\s*=", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text)
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask
