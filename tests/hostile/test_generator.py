"""The hostile corpus generator: deterministic, complete, and faithful about what it plants.

The runner's verdicts are only as good as the corpus, so these check the
corpus itself: the same bytes on every build, a good file beside every bad
input, every input the issue names present, every planted secret really on
the line the manifest says, and the detectors the runner relies on telling
live injection from migtrace's own markup.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tools.hostile import checks, payloads, secrets
from tools.hostile.cases import BY_NAME, CASES, GOOD, Scale
from tools.hostile.generate import generate, remove_tree, tree_digest
from tools.hostile.outputs import OUTPUT_CASES

#: small sizes: the same shapes as CI, built in a second
SMALL = Scale("ci", bomb_bytes=8 << 20, sparse_bytes=8 << 20, many_files=40, regex_tokens=(200_000,), deep_dirs=40,
              big_line_bytes=1 << 20)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("corpus")
    manifest = generate(root / "a", SMALL)
    yield {"root": root / "a", "manifest": manifest, "parent": root}
    remove_tree(root)


def test_generator_is_deterministic(corpus: dict[str, object], tmp_path: Path) -> None:
    again = tmp_path / "b"
    manifest = generate(again, SMALL)
    try:
        assert manifest == corpus["manifest"]
        assert tree_digest(again) == tree_digest(corpus["root"])  # type: ignore[arg-type]
        assert (again / "manifest.json").read_bytes() == (corpus["root"] / "manifest.json").read_bytes()  # type: ignore[operator]
    finally:
        remove_tree(again)


def test_every_input_the_issue_names_is_a_case() -> None:
    named = {
        "binary", "gz-truncated", "gz-corrupt", "bz2-truncated", "bz2-corrupt", "xz-truncated", "xz-corrupt",
        "bad-utf8", "journal-surrogates", "nul-head", "line-10mb", "no-newline-sparse", "no-newline-text",
        "gz-bomb", "empty-files", "unreadable-file", "dir-loop", "symlink-root", "symlink-proc", "fifo-in-tree",
        "fifo-named", "dev-zero-named", "dev-urandom-named", "socket-in-tree", "many-files", "date-feb30",
        "year-0001-tz-east", "year-9999-tz-west", "hour-25", "since-year1-east", "until-9999-west",
        "inject-terminal", "inject-html", "inject-markdown", "inject-csv", "regex-200k", "regex-1mb",
    }
    assert named <= set(BY_NAME)
    outputs = {c.name for c in OUTPUT_CASES}
    assert {"o-directory", "o-fifo", "o-symlink", "o-chardev-null", "o-dev-null", "o-disk-full",
            "o-stdout-full"} <= outputs


def test_a_good_file_sits_beside_every_bad_input(corpus: dict[str, object]) -> None:
    root: Path = corpus["root"]  # type: ignore[assignment]
    good = (root / "cases" / "binary" / GOOD).read_bytes()
    for entry in corpus["manifest"]["cases"]:  # type: ignore[index]
        if entry["skip"] or entry["good"] is None:
            continue
        assert (root / "cases" / entry["name"] / entry["good"]).read_bytes() == good, entry["name"]


def test_special_files_are_real_special_files(corpus: dict[str, object]) -> None:
    cases = Path(corpus["root"]) / "cases"  # type: ignore[arg-type]
    assert checks.special_kinds([str(cases / "fifo-in-tree/compute2/var/log/nova/nova-compute.log.1")]) \
        == {str(cases / "fifo-in-tree/compute2/var/log/nova/nova-compute.log.1"): "p"}
    assert os.readlink(cases / "symlink-root/compute2/escape") == "/"
    sparse = cases / "no-newline-sparse/compute2/var/log/nova/nova-compute.log"
    assert sparse.stat().st_size == SMALL.sparse_bytes and sparse.stat().st_blocks * 512 < SMALL.sparse_bytes // 4
    with open(sparse, "rb") as fh:
        assert b"\n" not in fh.read()[fh.tell() + 2000:]  # nothing after the records but the endless line


def test_manifest_points_at_each_planted_value(corpus: dict[str, object]) -> None:
    root: Path = corpus["root"] / "secrets"  # type: ignore[operator]
    planted = corpus["manifest"]["secrets"]["planted"]  # type: ignore[index]
    assert len({p["id"] for p in planted}) == len(planted)
    for p in planted:
        line = (root / p["file"]).read_text(encoding="utf-8").split("\n")[p["line"] - 1]
        assert any(v in line for v in (p["value"], *p["forms"])), p["id"]


def test_near_miss_context_is_unique_to_its_line() -> None:
    lines = [ln for f in secrets._compose().values() for ln in f.lines]
    for p in secrets.plan():
        if p.kind == "near-miss":
            assert sum(p.context in ln for ln in lines) == 1, p.id


def test_planted_set_is_broader_than_the_products_patterns() -> None:
    """Every shape the issue lists, every key of oslo's mask list, and near-misses that must survive."""
    ids = {p.id for p in secrets.plan()}
    for needed in ("adminpass-evacuate-body", "private-key-rsa", "private-key-openssh", "private-key-ec",
                   "authorization-basic", "authorization-bearer", "sshpass-p", "os-password-flag",
                   "url-encoded-password", "keystone-v2-token-body", "password-with-at", "password-with-slash",
                   "password-with-spaces", "transport-multi-host-2", "mysql-connection", "cephx-key-flag",
                   "fernet-bare", "x-auth-token-raw", "aws-secret-key", "libvirt-secret-value",
                   "near-rbd-secret-uuid", "near-sha256-token", "near-public-key"):
        assert needed in ids
    covered = {p.oslo_key or p.id.removeprefix("near-mask-") for p in secrets.plan()}
    assert set(secrets.OSLO_SANITIZE_KEYS) <= covered


def test_planted_values_occur_nowhere_else() -> None:
    """A value found in an output can only have come from its own line (no accidental collisions)."""
    text = "\n".join(ln for f in secrets._compose().values() for ln in f.lines)
    for p in secrets.plan():
        if p.kind == "secret":
            assert text.count(p.value) == 1 or p.id.startswith("transport-multi-host"), p.id


# ------------------------------------------------------------------ detectors the runner relies on


def test_terminal_detector_spares_sgr_colours_and_crlf() -> None:
    assert payloads.terminal_hits("\x1b[1mbold\x1b[0m line\r\n") == []
    assert payloads.terminal_hits("x\x1b]0;t\x07") == ["\x1b", "\x07"]
    assert payloads.terminal_hits("done\roverwritten") == ["\r"]


def test_markdown_detector_ignores_code_and_fences() -> None:
    assert payloads.markdown_hits("`@everyone` and\n````text\n@here <https://evil.example/mtxm-3>\n````\n") == []
    assert payloads.markdown_hits("````text\n```\n@here\n````\nping @everyone") == ["@everyone"]


def test_csv_detector_flags_formula_cells_only() -> None:
    assert payloads.csv_hits('a,"=HYPERLINK(""https://evil.example/mtxc-1"",""x"")",-\n') == [
        '=HYPERLINK("https://evil.example/mtxc-1","x")']
    assert payloads.csv_hits("a,\"'=HYPERLINK(mtxc)\",-\n") == []


def test_html_detector_finds_plotly_labels_not_escaped_text() -> None:
    assert payloads.html_hits('title="&lt;script&gt;alert(&#34;mtxh-1&#34;)"') == []
    assert payloads.html_hits('"y":["\\u003ca href=\\"https://evil.example/mtxh-5\\"\\u003ex"]') != []


def test_secret_forms_cover_each_format_escape() -> None:
    forms = checks.secret_forms('p@ss/w<o>rd"_*')
    assert {'p@ss/w<o>rd"_*', "p@ss/w&lt;o&gt;rd&quot;_*", 'p@ss/w\\u003co\\u003erd\\"_*',
            "p%40ss%2Fw%3Co%3Erd%22_%2A", 'p@ss/w<o>rd""_*'} <= forms


def test_stats_parser_reads_the_merge_stats_table() -> None:
    table = ("file                                      format  host      service  lines  records  cont  meta  "
             "unparsed  skipped  ok \n"
             "./compute1/var/log/nova/nova-compute.log  oslo    compute1  n-cpu    6      6        0     0     "
             "0         0        yes\n"
             "TOTAL                                                               6      6        0     0     "
             "0         0        yes\n")
    rows = checks.parse_stats(table)
    assert rows["compute1/var/log/nova/nova-compute.log"].records == 6 and rows["TOTAL"].lines == 6


def test_snapshot_sees_a_fifo_replaced_by_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p")
    before = checks.snapshot(tmp_path)
    (tmp_path / "p").unlink()
    (tmp_path / "p").write_text("x")
    assert [was for was, _ in checks.changes(before, checks.snapshot(tmp_path))] == ["p"]


def test_manifest_is_json_the_runner_reads(corpus: dict[str, object]) -> None:
    data = json.loads((Path(corpus["root"]) / "manifest.json").read_text())  # type: ignore[arg-type]
    assert {c["name"] for c in data["cases"]} == {c.name for c in CASES if "ci" in c.scales}
