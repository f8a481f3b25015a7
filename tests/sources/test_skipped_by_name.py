"""Files a directory walk leaves out by their name are listed by `merge --stats` (issue 11, item 6).

A `.conf`, a README.md or a sample set's truth.json is never read, but nothing the user gave may vanish
without a word: `merge --stats` lists each after the inputs, as `skipped: not a log by its name (…)`, with
no line counted.  Analyses (list, report, their stats and goldens) do not list them: only `merge --stats`.
"""

from __future__ import annotations

from pathlib import Path

from migtrace import load
from migtrace.sources import skipped_by_name

GOOD = ("2018-03-14 06:41:12.500 2311 INFO nova.compute.manager [req-a21a38c5-ac07-4caf-a0b3-e22c4af7d884 - - - - -] "
        "[instance: a23f1959-5c09-4f20-a586-37bbaf386386] Took 0.01 seconds\n")


def _tree(root: Path) -> Path:
    (root / "compute1/var/log/nova").mkdir(parents=True)
    (root / "compute1/var/log/nova/nova-compute.log").write_text(GOOD, encoding="utf-8")
    (root / "compute1/etc/nova").mkdir(parents=True)
    (root / "compute1/etc/nova/nova.conf").write_text("[DEFAULT]\ndebug = True\n", encoding="utf-8")
    (root / "README.md").write_text("# the incident\n", encoding="utf-8")
    (root / "truth.json").write_text("{}\n", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git/config.conf").write_text("x\n", encoding="utf-8")  # hidden trees are not walked at all
    return root


def test_the_walk_reports_what_it_left_out_by_name(tmp_path: Path) -> None:
    root = _tree(tmp_path / "incident")
    got = dict(skipped_by_name([str(root)]))
    assert got == {
        str(root / "README.md"): "not a log by its name (.md)",
        str(root / "compute1/etc/nova/nova.conf"): "not a log by its name (.conf)",
        str(root / "truth.json"): "not a log by its name (a sample set's answer file)",
    }
    assert skipped_by_name([str(root / "compute1/var/log/nova/nova-compute.log"), "-"]) == []


def test_merge_stats_lists_them_and_analyses_do_not(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = _tree(tmp_path / "incident")
    out = cli("merge", str(root), "--stats", "-f", "csv").stdout.splitlines()
    rows = {line.split(",")[0]: line for line in out[1:]}
    assert "not a log by its name (.conf)" in rows[str(root / "compute1/etc/nova/nova.conf")]
    assert "not a log by its name (.md)" in rows[str(root / "README.md")]
    assert str(root / "compute1/var/log/nova/nova-compute.log") in rows
    assert not any(".git" in path for path in rows)
    assert [s.path for s in load(str(root)).stats] == [str(root / "compute1/var/log/nova/nova-compute.log")]
