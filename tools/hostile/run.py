"""Measure migtrace against the hostile corpus: ``python -m tools.hostile.run CORPUS [--mode ci|full]``.

Every command (`list`, `timeline`, `diagnose`, `merge`, `report -f
html|json|markdown`, `report --redact all`, the `-o` variants) runs over
every case under `prlimit` and `timeout`, and the runner counts, per
category:

* traceback        stderr holds a Python traceback
* hang             `timeout` had to stop the command
* killed           ended by a signal (memory, file size) without a traceback
* exit-nonzero / exit-zero / exit-other   exit status not what a correct product gives
* records-lost     the good file's `merge --stats` row differs from the good file read alone
* good-missing     the good migration is absent from `list -f json` / `report -f json`
* total-short      fewer records accounted than the case holds (many-files)
* unbalanced       a file's lines are not all accounted for (`merge --stats` says ok NO): lines lost
* walk-escaped     a file read through a symlink that leads out of the trees named on the command line
* input-modified   an input changed (content hash, type, mode) during the runs
* special-replaced a device, FIFO, socket or symlink target was replaced
* output-target    an `-o` target was replaced, left partial or not written
* secret-leak      a planted secret in any output (raw, HTML, JSON, URL, Markdown escaped)
* near-miss-redacted  a value that is no secret was masked
* names-leak / own-text-altered   `--redact all` left a host name, or changed migtrace's own links
* injection-terminal / -html / -markdown / -csv   hostile log text live in an output

It exits 0 when nothing at all went wrong, 1 otherwise, and writes the full
result as JSON (`--json`), each failure with a reproducer command line.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shlex
import shutil
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools.hostile import checks, outputs, payloads, specials
from tools.hostile.execute import Limits, Outcome, display, run
from tools.hostile.generate import needs_unmet, remove_tree

MODES = {
    # 15 s: ten times what any non-hanging case needs on an idle CI machine, with room for a loaded one
    "ci": Limits(address_space=512 << 20, nofile=256, fsize=512 << 20, timeout=15.0),
    "full": Limits(address_space=1 << 30, nofile=1024, fsize=1 << 30, timeout=60.0),
}


@dataclass(frozen=True, slots=True)
class Command:
    """One way of running the product: its arguments, whether a person reads it on a terminal."""

    args: tuple[str, ...]
    tty: bool = False
    #: the file the command writes (`-o`), relative to the run's scratch dir
    output: str | None = None
    #: injection detectors that apply to what it prints/writes
    detect: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {
    "list": Command(("list",), tty=True, detect=("terminal",)),
    "list-json": Command(("list", "-f", "json")),
    "list-csv": Command(("list", "-f", "csv"), detect=("csv",)),
    "list-md": Command(("list", "-f", "markdown"), detect=("markdown",)),
    "timeline": Command(("timeline", "{req}", "--full"), tty=True, detect=("terminal",)),
    "diagnose": Command(("diagnose",), tty=True, detect=("terminal",)),
    "diagnose-json": Command(("diagnose", "-f", "json")),
    "diagnose-md": Command(("diagnose", "-f", "markdown"), detect=("markdown",)),
    "merge": Command(("merge", "--full"), tty=True, detect=("terminal",)),
    "stats": Command(("merge", "--stats")),
    "report-html": Command(("report", "-f", "html", "-o", "{out}"), output="report.html", detect=("html",)),
    "report-json": Command(("report", "-f", "json", "-o", "{out}"), output="report.json"),
    "report-md": Command(("report", "-f", "markdown", "-o", "{out}"), output="report.md", detect=("markdown",)),
    "report-redact": Command(("report", "-f", "html", "--redact", "all", "-o", "{out}"),
                             output="report-redacted.html", detect=("html",)),
}
CI_COMMANDS = ("stats", "report-json")
#: in CI an injection case adds only the commands whose output its payloads target
CI_INJECTION_COMMANDS = {
    "inject-terminal": ("list", "timeline", "merge", "diagnose"),
    "inject-html": ("report-html",),
    "inject-markdown": ("list-md", "diagnose-md", "report-md"),
    "inject-csv": ("list-csv",),
    "inject-journal-host": ("list", "list-csv", "list-md", "timeline", "merge", "diagnose", "diagnose-md",
                            "report-html", "report-md"),
}
DETECTORS = {"terminal": payloads.terminal_hits, "html": payloads.html_hits,
             "markdown": payloads.markdown_hits, "csv": payloads.csv_hits}
#: the machine's own device nodes: never handed to the product as -o, checked after every run anyway
GUARDED = ("/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/random")
#: after this many crashes/hangs in one case its remaining commands are not run: in CI one is enough to fail
#: the case (the next command would mostly repeat it); in full mode only repeated hangs stop a case
GIVE_UP_AFTER = {"ci": ("any", 1), "full": ("hang", 2)}


@dataclass(slots=True)
class Failure:
    category: str
    case: str
    command: str
    detail: str
    reproducer: str


@dataclass(slots=True)
class Result:
    mode: str
    limits: dict[str, Any]
    runs: int = 0
    failures: list[Failure] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(f.category for f in self.failures).items()))

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "limits": self.limits, "runs": self.runs, "counts": self.counts(),
                "secrets_leaked": {k: v for k, v in sorted(self.secrets.items()) if v},
                "skipped": self.skipped, "cases": self.cases, "failures": [asdict(f) for f in self.failures]}


class Runner:
    """Runs the corpus; one instance per invocation (thread-safe appends only)."""

    def __init__(self, corpus: Path, mode: str, *, exe: Sequence[str], scratch: Path,
                 limits: Limits | None = None) -> None:
        self.corpus = corpus.resolve()
        self.manifest: dict[str, Any] = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
        self.mode = mode
        self.limits = limits or MODES[mode]
        self.exe = list(exe)
        self.scratch = scratch
        self.result = Result(mode, asdict(self.limits))
        self.env = {k: v for k, v in os.environ.items() if k not in ("MIGTRACE_DEBUG", "MIGTRACE_LOGS")}
        self.env.update(PYTHONDONTWRITEBYTECODE="1", TERM="xterm-256color", COLUMNS="200")
        self._lock = threading.Lock()
        self._baselines: dict[tuple[Any, ...], checks.StatsRow | None] = {}

    # -------------------------------------------------------------- helpers
    def _fail(self, category: str, case: str, command: str, detail: str, reproducer: str) -> None:
        # scratch paths differ per run: readers see where outputs go, not a dead temp dir
        scratch = str(self.scratch)
        self.result.failures.append(Failure(category, case, command, detail.replace(scratch, "$OUT"),
                                            reproducer.replace(scratch, "$OUT")))

    def _argv(self, command: str, *, paths: Sequence[str], options: Sequence[str], req: str, out: Path,
              nofile: int | None = None, slow: bool = False) -> list[str]:
        spec = COMMANDS[command]
        args = [a.format(req=req, out=out / (spec.output or "")) for a in spec.args]
        if args[0] == "timeline":  # ID comes first, then options, then paths
            words = [args[0], args[1], *args[2:], *options, *paths]
        else:
            words = [*args, *options, *paths]
        return [*self.limits.prefix(nofile, slow), *self.exe, *words]

    def _execute(self, argv: list[str], *, cwd: Path, scratch: Path, stdin: str | None = None,
                 tty: bool = False, preexec: Any = None, stdout_to: str | None = None,
                 slow: bool = False) -> Outcome:
        before = checks.special_kinds(GUARDED)
        outcome = run(argv, cwd=cwd, scratch=scratch, timeout=self.limits.timeout * (4 if slow else 1),
                      stdin=stdin, stdout_to=stdout_to, use_tty=tty, preexec=preexec, env=self.env)
        with self._lock:
            self.result.runs += 1
        after = checks.special_kinds(GUARDED)
        if after != before:
            replaced = [p for p in GUARDED if after[p] != before[p]]
            self._fail("special-replaced", "machine", "-", f"{replaced} changed type: {before} -> {after}",
                       display(argv, str(cwd), exe=self.exe))
        return outcome

    def _judge_process(self, case: str, command: str, outcome: Outcome, expect: Iterable[int], repro: str) -> bool:
        """Record traceback / hang / kill / exit failures; True when the run ended normally."""
        expect = set(expect)
        if checks.has_traceback(outcome.stderr):
            last = [ln for ln in outcome.stderr.strip().splitlines() if ln.strip()][-1:] or ["?"]
            self._fail("traceback", case, command, last[0][:300], repro)
            return False
        if outcome.timed_out:
            self._fail("hang", case, command, f"stopped after {outcome.seconds:.0f}s", repro)
            return False
        if outcome.rc < 0 or outcome.rc > 128:
            signo = -outcome.rc if outcome.rc < 0 else outcome.rc - 128
            self._fail("killed", case, command, f"exit {outcome.rc} (signal {signo}); "
                       f"stderr: {outcome.stderr.strip()[-200:]!r}", repro)
            return False
        if outcome.rc not in expect:
            if 0 in expect and outcome.rc != 0:
                cat = "exit-nonzero"
            elif outcome.rc == 0:
                cat = "exit-zero"
            else:
                cat = "exit-other"
            self._fail(cat, case, command, f"exit {outcome.rc}, expected {sorted(expect)}; stderr: "
                       f"{outcome.stderr.strip()[-300:]!r}", repro)
        return True

    # -------------------------------------------------------------- input cases
    def case_commands(self, case: dict[str, Any]) -> list[str]:
        """The commands a case runs: its own list, else every command (full) or the CI subset."""
        if case["commands"] is not None:
            chosen = list(case["commands"])
        elif self.mode == "full":
            chosen = list(COMMANDS)
        else:
            chosen = [*CI_COMMANDS, *CI_INJECTION_COMMANDS.get(case["name"], ())]
        if case["good"] and "stats" not in chosen:
            chosen.insert(0, "stats")
        return chosen

    def run_case(self, case: dict[str, Any]) -> None:
        name = case["name"]
        reason = case["skip"] or needs_unmet(frozenset(case["needs"]))
        if reason:
            self.result.skipped[name] = reason
            return
        root = self.corpus / "cases" / name
        req = self.manifest["good"]["req"]
        preexec = specials.drop_dac_capabilities if "dac" in case["needs"] and os.geteuid() == 0 else None
        before = checks.snapshot(root)
        info: dict[str, Any] = {"commands": {}}
        baseline = self._baseline(case, root, preexec) if case["good"] and 0 in case["expect_exit"] else None
        info["baseline_records"] = baseline.records if baseline else None
        what, limit = GIVE_UP_AFTER[self.mode]
        bad = 0
        for command in self.case_commands(case):
            if bad >= limit:
                info["commands"][command] = f"not run: the case already {'crashed or ' if what == 'any' else ''}hung"
                continue
            scratch = self.scratch / name / command
            scratch.mkdir(parents=True, exist_ok=True)
            argv = self._argv(command, paths=case["args"], options=case["options"], req=req, out=scratch,
                              nofile=case["nofile"], slow=case["slow"])
            repro = display(argv, f"$CORPUS/cases/{name}", exe=self.exe, stdin=case["stdin"])
            outcome = self._execute(argv, cwd=root, scratch=scratch, stdin=case["stdin"],
                                    tty=COMMANDS[command].tty, preexec=preexec, slow=case["slow"])
            info["commands"][command] = {"rc": outcome.rc, "seconds": round(outcome.seconds, 2),
                                         "timed_out": outcome.timed_out}
            ended = self._judge_process(name, command, outcome, case["expect_exit"], repro)
            bad += outcome.timed_out if what == "hang" else not ended
            text = self._texts(outcome, scratch, command)
            self._injection(name, command, text, repro)
            if not ended or outcome.rc != 0:
                continue
            if command == "stats" and case["good"]:
                self._accounting(case, outcome, baseline, repro)
            if command in ("list-json", "report-json") and case["good"] and case["commands"] is None \
                    and req not in text:
                self._fail("good-missing", name, command, f"{req} not in the output", repro)
        for was, change in checks.changes(before, checks.snapshot(root)):
            cat = "input-modified" if was in ("file", "dir", "absent") else "special-replaced"
            self._fail(cat, name, "*", change, f"cd $CORPUS/cases/{name} && (any command above)")
        self.result.cases[name] = info

    def _baseline(self, case: dict[str, Any], root: Path, preexec: Any) -> checks.StatsRow | None:
        """`merge --stats` of the good file alone (cached: every case has the same good file)."""
        key = (case["good"], tuple(case["options"]), preexec is not None,
               (root / case["good"]).read_bytes() if (root / case["good"]).is_file() else b"")
        with self._lock:
            if key in self._baselines:
                return self._baselines[key]
        scratch = self.scratch / case["name"] / "baseline"
        argv = self._argv("stats", paths=[case["good"]], options=case["options"], req="", out=scratch)
        base = self._execute(argv, cwd=root, scratch=scratch, preexec=preexec)
        row = checks.parse_stats(base.stdout).get(os.path.normpath(case["good"]))
        with self._lock:
            self._baselines[key] = row
        return row

    def _texts(self, outcome: Outcome, scratch: Path, command: str) -> str:
        spec = COMMANDS[command]
        text = outcome.stdout
        if spec.output and (scratch / spec.output).is_file():
            with open(scratch / spec.output, "rb") as fh:
                text += "\n" + fh.read(64 << 20).decode("utf-8", "replace")
        return text

    def _injection(self, case: str, command: str, text: str, repro: str) -> None:
        for det in COMMANDS[command].detect:
            hits = DETECTORS[det](text)
            if hits:
                shown = sorted({h[:40] for h in hits})[:6]
                self._fail(f"injection-{det}", case, command, f"{len(hits)} live: {shown}", repro)

    def _accounting(self, case: dict[str, Any], outcome: Outcome, baseline: checks.StatsRow | None,
                    repro: str) -> None:
        rows = checks.parse_stats(outcome.stdout)
        name = case["name"]
        good = rows.get(os.path.normpath(case["good"])) or rows.get(os.path.normpath("./" + case["good"]))
        if baseline is not None:
            if good is None:
                self._fail("records-lost", name, "stats", f"good file not in the stats ({baseline.records} records)",
                           repro)
            elif (good.records, good.lines) != (baseline.records, baseline.lines):
                self._fail("records-lost", name, "stats",
                           f"good file {good.records}/{good.lines} records/lines beside bad input, "
                           f"{baseline.records}/{baseline.lines} alone", repro)
        for key, row in rows.items():
            if key != "TOTAL" and row.ok != "yes":
                self._fail("unbalanced", name, "stats", f"{row.path}: {row.lines} lines read, {row.records} records, "
                           "not all accounted for", repro)
        roots = [os.path.realpath(self.corpus / "cases" / name / a) for a in case["args"] if a != "-"]
        for key, row in rows.items():
            if key == "TOTAL" or row.path in ("-", "<stdin>") or row.lines == 0:
                continue  # nothing was read (a dangling link): nothing came from outside
            real = os.path.realpath(self.corpus / "cases" / name / row.path)
            if not any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots):
                self._fail("walk-escaped", name, "stats", f"{row.path} is {real} ({row.records} records)", repro)
        want = case["total_records"]
        total = rows.get("TOTAL")
        if want is not None and (total is None or total.records < want):
            self._fail("total-short", name, "stats",
                       f"{total.records if total else 'no'} records accounted of {want}", repro)

    # -------------------------------------------------------------- -o targets
    def run_output_case(self, oc: outputs.OutputCase) -> None:
        reason = needs_unmet(oc.needs)
        if reason:
            self.result.skipped[oc.name] = reason
            return
        scratch = self.scratch / oc.name
        (scratch / "input").parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.corpus / "outputs" / "input", scratch / "input")
        target = oc.setup(scratch)
        preexec = specials.drop_dac_capabilities if "dac" in oc.needs and os.geteuid() == 0 else None
        words = [*self.limits.prefix(), *self.exe, "report", "-f", oc.fmt, "-o", target, "input"]
        argv = words
        if oc.namespace is not None:
            prelude = oc.namespace.format(dir=shlex.quote(str(scratch)))
            probe = (oc.probe or "true").format(dir=shlex.quote(str(scratch)))
            script = (f'set -e; {prelude}; set +e; "$@"; rc=$?; ({probe}) > {shlex.quote(str(scratch))}/probe.txt '
                      "2>&1; exit $rc")
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *words]
        before_input = checks.snapshot(scratch / "input")
        drain = None
        if oc.drain_fifo:
            drain = _FifoReader(target)
        outcome = self._execute(argv, cwd=scratch, scratch=scratch / "run", preexec=preexec, stdout_to=oc.stdout)
        got = drain.stop() if drain else None
        repro = display(argv, "$SCRATCH", exe=self.exe, stdout_to=oc.stdout).replace(str(scratch), "$SCRATCH")
        self._judge_process(oc.name, "report", outcome, oc.expect_exit, repro)
        probe_text = (scratch / "probe.txt").read_text(errors="replace") if (scratch / "probe.txt").exists() else ""
        for problem in oc.check(scratch, target, outcome.rc, probe_text):
            self._fail("output-target", oc.name, "report", problem.replace(str(scratch), "$SCRATCH"), repro)
        for _, change in checks.changes(before_input, checks.snapshot(scratch / "input")):
            self._fail("input-modified", oc.name, "report", change, repro)
        self.result.cases[oc.name] = {"rc": outcome.rc, "seconds": round(outcome.seconds, 2),
                                      "fifo_bytes_read": got, "probe": probe_text.strip()[:200]}

    # -------------------------------------------------------------- secrets
    def run_secrets(self) -> None:
        sec = self.manifest["secrets"]
        root = self.corpus / "secrets"
        planted = sec["planted"]
        secrets_ = [p for p in planted if p["kind"] == "secret"]
        near = [p for p in planted if p["kind"] == "near-miss"]
        leaks: dict[str, list[str]] = {p["id"]: [] for p in secrets_}
        texts: dict[str, str] = {}
        before = checks.snapshot(root)
        for command, spec in COMMANDS.items():
            scratch = self.scratch / "secrets" / command
            argv = self._argv(command, paths=["."], options=[], req=sec["req"], out=scratch)
            repro = display(argv, "$CORPUS/secrets", exe=self.exe)
            outcome = self._execute(argv, cwd=root, scratch=scratch, tty=spec.tty)
            self._judge_process("secrets", command, outcome, {0}, repro)
            text = checks.plain(self._texts(outcome, scratch, command) + "\n" + outcome.stderr)
            texts[command] = text
            for p in secrets_:
                if checks.find_forms([p["value"], *p["forms"]], text):
                    leaks[p["id"]].append(command)
            for p in near:
                # shown (its line's own context is there) but not even the value's start after its key:
                # masked (a display that cuts the value short with "…" still shows its start)
                shown = any(f in text for f in checks.secret_forms(p["context"]))
                if shown and not checks.find_forms([p["anchor"] + p["value"][:8]], text):
                    self._fail("near-miss-redacted", "secrets", command,
                               f"{p['id']}: {p['shape']} masked ({p['file']}:{p['line']})", repro)
        for pid, commands in leaks.items():
            if commands:
                p = next(x for x in secrets_ if x["id"] == pid)
                self._fail("secret-leak", "secrets", ",".join(commands),
                           f"{pid}: {p['shape']} ({p['file']}:{p['line']})",
                           display(self._argv(commands[-1], paths=["."], options=[], req=sec["req"],
                                              out=Path("/tmp/hostile-out")), "$CORPUS/secrets", exe=self.exe))
        self.result.secrets = leaks
        redacted = texts.get("report-redact", "")
        if not (self.scratch / "secrets" / "report-redact" / COMMANDS["report-redact"].output).is_file():
            for cat in ("names-leak", "own-text-altered"):
                self._fail(cat, "secrets", "report-redact", "not measurable: report --redact all wrote no report", "")
            redacted = ""
            sec = {**sec, "host_names": [], "own_text": []}
        for host in sec["host_names"]:
            n = redacted.count(host)
            if n:
                self._fail("names-leak", "secrets", "report-redact", f"host {host!r} appears {n} times", "")
        for own in sec["own_text"]:
            if own in texts.get("report-html", "") and own not in redacted:
                self._fail("own-text-altered", "secrets", "report-redact", f"{own!r} changed by --redact all", "")
        for _, change in checks.changes(before, checks.snapshot(root)):
            self._fail("input-modified", "secrets", "*", change, "cd $CORPUS/secrets")
        self.result.cases["secrets"] = {"planted": len(secrets_), "near_misses": len(near),
                                        "leaked": sum(1 for v in leaks.values() if v)}

    # -------------------------------------------------------------- all
    def run_all(self, only: set[str] | None = None, jobs: int = 4) -> Result:
        tasks: list[Any] = []
        # the secrets corpus runs every command one after the other: started first, it is not the tail
        if not only or "secrets" in only:
            tasks.append((lambda _: self.run_secrets(), None))
        for case in self.manifest["cases"]:
            if not only or case["name"] in only:
                tasks.append((self.run_case, case))
        for oc in outputs.OUTPUT_CASES:
            if not only or oc.name in only:
                tasks.append((self.run_output_case, oc))
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for fut in [pool.submit(fn, arg) for fn, arg in tasks]:
                fut.result()
        self.result.failures.sort(key=lambda f: (f.category, f.case, f.command))
        return self.result


class _FifoReader:
    """Keep a FIFO open for reading while the product runs (opened non-blocking: no writer needed)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except BlockingIOError:
                    continue
                self.count += len(chunk)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.fd)
        return self.count


def default_exe() -> list[str]:
    """The product's command: the `migtrace` script beside this interpreter, else `python -m migtrace`."""
    script = Path(sys.executable).with_name("migtrace")
    return [str(script)] if script.exists() else [sys.executable, "-m", "migtrace"]


def summary(result: Result) -> str:
    """Counts per category, then one line per failure (what a person reads first)."""
    lines = [f"hostile: mode {result.mode}, {result.runs} runs, limits {result.limits}"]
    counts = result.counts()
    lines.append("hostile: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "no failures"))
    leaked = [k for k, v in result.secrets.items() if v]
    if result.secrets:
        per = Counter(c for v in result.secrets.values() for c in v)
        lines.append(f"hostile: secrets leaked {len(leaked)} of {len(result.secrets)}; per command: "
                     + ", ".join(f"{c} {per.get(c, 0)}" for c in COMMANDS))
    for name, reason in sorted(result.skipped.items()):
        lines.append(f"skipped {name}: {reason}")
    for f in result.failures:
        lines.append(f"{f.category:20} {f.case:26} {f.command:14} {f.detail[:160]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hostile.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a directory built by `python -m tools.hostile`")
    parser.add_argument("--mode", choices=sorted(MODES), default="ci",
                        help="ci: merge --stats and report -f json per case (plus what injection payloads target), "
                             "a case stops at its first crash; full: every command on every case")
    parser.add_argument("--only", nargs="*", default=None, help="run only these cases (names; 'secrets')")
    parser.add_argument("--jobs", type=int, default=4, help="cases run at once (hangs wait, so more than cores)")
    parser.add_argument("--json", type=Path, help="write the full result here")
    parser.add_argument("--keep", type=Path, help="keep every run's stdout/stderr/outputs here")
    parser.add_argument("--migtrace", default=None, help="the product's command (default: beside this python)")
    args = parser.parse_args(argv)
    exe = shlex.split(args.migtrace) if args.migtrace else default_exe()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="hostile-runs-"))
    try:
        runner = Runner(args.corpus, args.mode, exe=exe, scratch=scratch)
        result = runner.run_all(set(args.only) if args.only else None, args.jobs)
    finally:
        if args.keep is None:
            remove_tree(scratch)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(summary(result))
    return 0 if not result.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
