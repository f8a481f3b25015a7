"""Check migtrace against a variant's truth, field by field.

``python -m tools.variants.check DIR…`` (a variant directory, or a tree of
them) runs ``migtrace list -f json`` on each variant as its variant.json says
(paths, stdin, flags; working directory = the variant directory), matches the
printed rows to the true migrations, and classifies every field:

- **known**: the product states the value the logs support (or, for a
  bounded number, a value inside the bounds);
- **lost**: the product says nothing although the logs show it;
- **wrong**: the product states a value that differs from the truth, or any
  value where the logs cannot support one (``unsupported`` in the detail);
- **unknowable**: the logs cannot support the field and the product says
  nothing — the right answer.

The migration count is checked as the field ``rows``: one row per move is
known, a move split over several rows or several moves merged into one row
is wrong, a visible move with no row is lost, and a row matching no move is a
phantom (wrong).  ``--timeline`` also runs ``migtrace timeline ID`` for every
id ``list`` printed (field ``timeline``: accepted or wrong).

"Unknown" in the product's output is JSON null, an empty list or string,
``"unknown"``; for ``kind`` also any value that is not one of nova's four
kinds (a hedge such as ``"migration-or-resize"``).  A number may come with
an uncertainty ``<field>_uncertainty_s`` (±); the value then only has to
reach the truth's bounds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

KINDS = ("live-migration", "migration", "resize", "evacuation")
#: the fields the matrix asserts (block_migration, post_copy, findings are in variant.json but not checked)
CHECKED = ("rows", "kind", "instance", "source_host", "dest_host", "status", "request_ids", "duration_s",
           "downtime_s", "phases")
RESULTS = ("known", "lost", "wrong", "unknowable")
_RANK = {"wrong": 3, "lost": 2, "known": 1, "unknowable": 0}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict on one field of one move (or one phantom row) of one variant."""

    set: str
    variant: str
    family: str
    move: int | None
    field: str
    result: str
    detail: str = ""


@dataclass(slots=True)
class Run:
    """What migtrace printed for a variant."""

    exit_code: int
    rows: list[dict[str, Any]]
    stderr: str
    error: str = ""


@dataclass(slots=True)
class VariantReport:
    """Every outcome of one variant, and the run it judged."""

    set: str
    variant: str
    family: str
    run: Run
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        """Return how many fields got this result."""
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def wrong(self) -> list[Outcome]:
        """Return the wrong fields."""
        return [o for o in self.outcomes if o.result == "wrong"]


# ------------------------------------------------------------------------------------ running


Runner = Callable[[Path, list[str], bytes | None], tuple[int, str, str]]


def subprocess_runner(command: list[str] | None = None) -> Runner:
    """Return a runner that starts migtrace as a process (default: this Python's ``-m migtrace``)."""
    base = command or [sys.executable, "-m", "migtrace"]

    def run(cwd: Path, args: list[str], stdin: bytes | None) -> tuple[int, str, str]:
        env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
        proc = subprocess.run([*base, *args], cwd=cwd, input=stdin or b"", capture_output=True, env=env,
                              check=False)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    return run


def inprocess_runner() -> Runner:
    """Return a runner that calls the same click command in this process (no interpreter start-up)."""
    from click.testing import CliRunner

    from migtrace.cli import cli

    def run(cwd: Path, args: list[str], stdin: bytes | None) -> tuple[int, str, str]:
        here = os.getcwd()
        os.chdir(cwd)
        try:
            res = CliRunner().invoke(cli, args, input=stdin or b"", catch_exceptions=True)
        finally:
            os.chdir(here)
        err = res.stderr if res.stderr_bytes is not None else ""
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            import traceback

            err += "".join(traceback.format_exception(res.exception))
        return res.exit_code, res.stdout, err
    return run


def run_list(variant_dir: Path, doc: dict[str, Any], runner: Runner) -> Run:
    """Run ``list -f json`` on a variant as its invocation says."""
    inv = doc["invocation"]
    stdin = (variant_dir / inv["stdin"]).read_bytes() if inv.get("stdin") else None
    code, out, err = runner(variant_dir, ["list", "-f", "json", *inv["flags"], *inv["paths"]], stdin)
    try:
        rows = json.loads(out) if out.strip() else []
    except json.JSONDecodeError as exc:
        return Run(code, [], err, f"output is not JSON: {exc}")
    if not isinstance(rows, list):
        return Run(code, [], err, "output is not a JSON array")
    return Run(code, rows, err, "" if code == 0 else f"exit code {code}")


# ------------------------------------------------------------------------------------ judging


def says_unknown(name: str, value: object) -> bool:
    """True when the product states nothing for this field."""
    if value is None or value in ("", []):
        return True
    if isinstance(value, str) and value.strip().lower() in ("unknown", "?", "-", "n/a"):
        return True
    return name == "kind" and value not in KINDS


def _time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def match_rows(moves: list[dict[str, Any]], rows: list[dict[str, Any]]) -> tuple[dict[int, list[int]], list[int]]:
    """Assign rows to moves: by a shared request id, else by instance and nearest start; return phantoms."""
    by_move: dict[int, list[int]] = {m["index"]: [] for m in moves}
    phantoms: list[int] = []
    for r_i, row in enumerate(rows):
        ids = set(row.get("request_ids") or []) | {str(row.get("id"))}
        hits = [m["index"] for m in moves if ids & (set(m["request_ids"]) | set(m["request_ids_optional"]))]
        if not hits:
            same = [m for m in moves if m["instance"] == row.get("instance")]
            start = _time(row.get("started"))
            if same and start is not None:
                same.sort(key=lambda m: abs((_time(m["started"]) - start).total_seconds()))  # type: ignore[operator]
            hits = [same[0]["index"]] if same else []
        if not hits:
            phantoms.append(r_i)
        for h in hits:
            by_move[h].append(r_i)
    return by_move, phantoms


def judge(name: str, truth: dict[str, Any], value: object, row: dict[str, Any]) -> tuple[str, str]:
    """Return (result, detail) for one field of one row against the variant truth."""
    if "unknown" in truth:
        return _judge_unknowable(name, truth, value)
    expected = truth["value"]
    if name in ("duration_s", "downtime_s"):
        return _judge_number(name, truth, value, row)
    if name == "request_ids":
        printed = set(value or [])  # type: ignore[arg-type]
        allowed = set(expected) | set(truth.get("optional") or [])
        extra = printed - allowed
        if extra:
            return "wrong", f"lists {sorted(extra)} which are not this move's"
        missing = set(expected) - printed
        return ("lost", f"misses {sorted(missing)}") if missing else ("known", "")
    if name == "phases":
        printed = list(value or [])  # type: ignore[arg-type]
        extra = [p for p in printed if p not in truth["happened"]]
        if extra:
            return "wrong", f"phases the move never went through: {extra}"
        missing = [p for p in expected if p not in printed]
        return ("lost", f"misses {missing}") if missing else ("known", "")
    if says_unknown(name, value):
        if expected is None:
            return "known", ""
        return "lost", f"unknown, logs show {expected!r}"
    if value == expected:
        return "known", ""
    return "wrong", f"{value!r}, truth {expected!r}"


def _judge_unknowable(name: str, truth: dict[str, Any], value: object) -> tuple[str, str]:
    if name == "request_ids":
        extra = set(value or []) - set(truth.get("optional") or [])  # type: ignore[arg-type]
        if extra:
            return "wrong", f"unsupported: lists {sorted(extra)}; {truth['unknown']}"
        return "unknowable", ""
    if name == "phases":
        extra = [p for p in (value or []) if p not in truth.get("happened", [])]  # type: ignore[union-attr]
        return ("wrong", f"phases the move never went through: {extra}") if extra else ("unknowable", "")
    if says_unknown(name, value):
        return "unknowable", ""
    if "actual" in truth and truth["actual"] != value:
        return "wrong", f"states {value!r} (really {truth['actual']!r}, which the logs cannot show either)"
    return "wrong", f"unsupported: states {value!r}; {truth['unknown']}"


def _judge_number(name: str, truth: dict[str, Any], value: object, row: dict[str, Any]) -> tuple[str, str]:
    expected = truth["value"]
    if value is None:
        if expected is None:
            return "known", ""
        return ("unknowable", "") if "uncertain" in truth else ("lost", f"unknown, logs show {expected}")
    if expected is None:
        return "wrong", f"states {value}, but there is no such time to measure ({truth.get('why', '')})"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "wrong", f"not a number: {value!r}"
    u = float(row.get(f"{name.removesuffix('_s')}_uncertainty_s") or 0)
    lo, hi = truth["interval"]
    tol = truth["tolerance"]
    if v + u >= lo - tol and v - u <= hi + tol:
        return "known", ""
    why = f"; {truth['uncertain']}" if "uncertain" in truth else ""
    return "wrong", f"{v}{f' ±{u}' if u else ''} s, truth {expected} s (accepted {lo - tol:.3f}..{hi + tol:.3f}){why}"


def compare(doc: dict[str, Any], run: Run) -> list[Outcome]:
    """Judge every checked field of every move of a variant."""
    s, v, fam = doc["set"], doc["variant"], doc["family"]
    moves = doc["migrations"]
    by_move, phantoms = match_rows(moves, run.rows)
    row_moves: dict[int, list[int]] = {}
    for m_i, r_list in by_move.items():
        for r_i in r_list:
            row_moves.setdefault(r_i, []).append(m_i)
    out: list[Outcome] = []
    for r_i in phantoms:
        row = run.rows[r_i]
        out.append(Outcome(s, v, fam, None, "rows", "wrong",
                           f"phantom row {row.get('id')} ({row.get('kind')} of {row.get('instance')})"))
    for m in moves:
        idx = m["index"]
        rows = by_move[idx]
        merged = [r_i for r_i in rows if len(row_moves[r_i]) > 1]
        if not rows:
            # "visible": a kept line shows a move happened; else nothing asks for a row
            result = "lost" if m["visible"] else "unknowable"
            detail = (run.error or "no row for this move") if m["visible"] else ""
            out.append(Outcome(s, v, fam, idx, "rows", result, detail))
            for name in CHECKED[1:]:
                f = m["fields"][name]
                knowable = (m["visible"] and "unknown" not in f and "uncertain" not in f
                            and f.get("value") not in (None, []))
                out.append(Outcome(s, v, fam, idx, name, "lost" if knowable else "unknowable",
                                   "no row" if knowable else ""))
            continue
        if len(rows) > 1:
            ids = [run.rows[r].get("id") for r in rows]
            out.append(Outcome(s, v, fam, idx, "rows", "wrong", f"split into {len(rows)} rows: {ids}"))
        elif merged:
            others = sorted(set(row_moves[rows[0]]) - {idx})
            out.append(Outcome(s, v, fam, idx, "rows", "wrong", f"merged with move(s) {others}"))
        else:
            out.append(Outcome(s, v, fam, idx, "rows", "known"))
        for name in CHECKED[1:]:
            verdicts = [(judge(name, m["fields"][name], run.rows[r].get(name), run.rows[r]), r)
                        for r in rows]
            (result, detail), r = max(verdicts, key=lambda x: _RANK[x[0][0]])
            if len(rows) > 1 and detail:
                detail = f"row {run.rows[r].get('id')}: {detail}"
            out.append(Outcome(s, v, fam, idx, name, result, detail))
    return out


def check_timeline(variant_dir: Path, doc: dict[str, Any], run: Run, runner: Runner) -> list[Outcome]:
    """Run ``timeline ID`` for every printed id: each must be accepted."""
    inv = doc["invocation"]
    stdin = (variant_dir / inv["stdin"]).read_bytes() if inv.get("stdin") else None
    out = []
    for row in run.rows:
        rid = str(row.get("id"))
        code, _, err = runner(variant_dir, ["timeline", *inv["flags"], rid, *inv["paths"]], stdin)
        result = "known" if code == 0 else "wrong"
        out.append(Outcome(doc["set"], doc["variant"], doc["family"], None, "timeline", result,
                           "" if code == 0 else f"timeline {rid}: exit {code}: {err.strip().splitlines()[-1:]}"))
    return out


def check_variant(variant_dir: Path, runner: Runner, timeline: bool = False) -> VariantReport:
    """Run migtrace on one variant and judge it."""
    doc = json.loads((variant_dir / "variant.json").read_text(encoding="utf-8"))
    run = run_list(variant_dir, doc, runner)
    report = VariantReport(doc["set"], doc["variant"], doc["family"], run, compare(doc, run))
    if timeline:
        report.outcomes += check_timeline(variant_dir, doc, run, runner)
    return report


def variant_dirs(roots: Iterable[Path]) -> Iterator[Path]:
    """Yield every directory holding a variant.json under the given roots, sorted."""
    for root in roots:
        if (root / "variant.json").is_file():
            yield root
        else:
            yield from sorted(p.parent for p in root.rglob("variant.json"))


# ------------------------------------------------------------------------------------ tables


def baseline_wrong(reports: Iterable[VariantReport]) -> set[tuple[str, int | None, str]]:
    """Return the (set, move, field) already wrong on the set as collected (variant layout-as-is)."""
    return {(o.set, o.move, o.field) for r in reports if r.variant == "layout-as-is"
            for o in r.outcomes if o.result == "wrong" and o.move is not None}


def tally(outcomes: Iterable[Outcome], key: Callable[[Outcome], str],
          base: set[tuple[str, int | None, str]] = frozenset()) -> dict[str, dict[str, int]]:  # type: ignore[assignment]
    """Count results per key; `new` counts wrong fields that are right on the set as collected."""
    out: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = out.setdefault(key(o), {**dict.fromkeys(RESULTS, 0), "new": 0})
        row[o.result] += 1
        if o.result == "wrong" and (o.set, o.move, o.field) not in base:
            row["new"] += 1
    return out


def format_table(counts: dict[str, dict[str, int]], title: str) -> str:
    """Render counts as an aligned text table with the share of knowable fields still known.

    ``new`` is the part of ``wrong`` that is right on the set as collected: the
    damage the re-shaping itself does.
    """
    lines = [f"{title:<40} {'known':>6} {'lost':>6} {'wrong':>6} {'(new)':>6} {'unknowable':>10} {'known%':>7}"]
    for name, c in counts.items():
        knowable = c["known"] + c["lost"] + c["wrong"]
        pct = f"{100 * c['known'] / knowable:.0f}%" if knowable else "-"
        lines.append(f"{name:<40} {c['known']:>6} {c['lost']:>6} {c['wrong']:>6} {c['new']:>6} "
                     f"{c['unknowable']:>10} {pct:>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check every variant under the given directories; exit 1 when a field is wrong."""
    parser = argparse.ArgumentParser(prog="python -m tools.variants.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--timeline", action="store_true", help="also run timeline ID for every printed id")
    parser.add_argument("--in-process", action="store_true", help="call the CLI in this process (faster)")
    parser.add_argument("--migtrace", help="command to run (default: this Python's -m migtrace)")
    parser.add_argument("-f", "--format", choices=("table", "json"), default="table")
    parser.add_argument("--details", action="store_true", help="list every wrong and lost field")
    args = parser.parse_args(argv)
    runner = inprocess_runner() if args.in_process else subprocess_runner(args.migtrace.split() if args.migtrace else None)
    reports = [check_variant(d, runner, args.timeline) for d in variant_dirs(args.dirs)]
    outcomes = [o for r in reports for o in r.outcomes]
    if args.format == "json":
        doc = {"variants": [{"set": r.set, "variant": r.variant, "family": r.family, "exit_code": r.run.exit_code,
                             "error": r.run.error,
                             "outcomes": [_as_dict(o) for o in r.outcomes]}
                            for r in reports]}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    else:
        buf = io.StringIO()
        base = baseline_wrong(reports)
        buf.write(format_table(tally(outcomes, lambda o: o.family, base), "family") + "\n\n")
        buf.write(format_table(tally(outcomes, lambda o: o.field, base), "field") + "\n\n")
        buf.write(format_table(tally(outcomes, lambda o: f"{o.set}/{o.variant}", base), "variant") + "\n")
        if args.details:
            buf.write("\n")
            for o in outcomes:
                if o.result in ("wrong", "lost"):
                    buf.write(f"{o.result:5} {o.set}/{o.variant} move {o.move} {o.field}: {o.detail}\n")
        sys.stdout.write(buf.getvalue())
    return 1 if any(o.result == "wrong" for o in outcomes) else 0


def _as_dict(o: Outcome) -> dict[str, Any]:
    return {k: getattr(o, k) for k in Outcome.__slots__}  # type: ignore[attr-defined]


if __name__ == "__main__":
    raise SystemExit(main())
