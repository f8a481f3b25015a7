"""P4's floor: what each part of `report --no-cache -o r.html report50` costs, and what a bare script doing only
that part costs (CPU seconds, best of `-n` runs).  `python -m benchmarks.p4_floor [-n 3] [DIR]`.

Fresh interpreters (subprocesses, their CPU from `resource.getrusage(RUSAGE_CHILDREN)`) for start-up
figures; one process for the stages of a run (`time.process_time`).  The bare parts are the anchors of
benchmarks/README.md's floor table: interpreter start, reading the bytes, one hyperscan scan for the
pass-1 vocabulary, one greedy header regex per line, html-escaping the shown rows into one string.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "benchmarks" / "_data" / "report50"


def _child_cpu(code: str, env: dict[str, str] | None = None) -> float:
    """CPU seconds (user+sys) of `python -c code` in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _best(n: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(n))


def _timed(fn: Callable[[], object]) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def startup(n: int) -> list[tuple[str, float]]:
    """Fresh-interpreter figures: bare python, imports, the catalog cold and cached."""
    no_cache = {**os.environ, "MIGTRACE_NO_CODE_CACHE": "1"}
    rows = [
        ("python -c pass", _best(n, lambda: _child_cpu("pass"))),
        ("import jinja2", _best(n, lambda: _child_cpu("import jinja2"))),
        ("migtrace --version", _best(n, lambda: _child_cpu("from migtrace.cli import main; import sys; "
                                                           "sys.argv=['migtrace','--version']; main()"))),
        ("import the report stack (cli, pipeline, html_report)",
         _best(n, lambda: _child_cpu("import migtrace.cli._report, migtrace.pipeline._load, "
                                     "migtrace.reports.html_report"))),
    ]
    catalog = "from migtrace.diagnose.catalog import load_catalog; load_catalog()"
    _child_cpu(catalog)  # fills the cache
    stack = "import migtrace.cli._report, migtrace.pipeline._load, migtrace.reports.html_report; "
    base = rows[-1][1]
    rows.append(("  + load_catalog(), compiled (YAML, pyparsing)",
                 _best(n, lambda: _child_cpu(stack + catalog, no_cache)) - base))
    rows.append(("  + load_catalog(), from the cache", _best(n, lambda: _child_cpu(stack + catalog)) - base))
    return rows


def _header_loop(blobs: list[bytes]) -> int:
    """One greedy oslo header regex per line: the cheapest honest parse of every line."""
    header = re.compile(rb"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\d+) ([A-Z]+) (\S+) (?:\[([^\]]*)\] )?")
    n = 0
    for blob in blobs:
        for line in blob.splitlines():
            if header.match(line):
                n += 1
    return n


def bare(directory: Path, n: int) -> list[tuple[str, float]]:
    """The bare parts over the set's bytes."""
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix != ".json")
    blobs = [p.read_bytes() for p in files]
    size = sum(map(len, blobs))
    rows = [(f"read {len(files)} files, {size / 1e6:.1f} MB, into bytes",
             _best(n, lambda: _timed(lambda: [p.read_bytes() for p in files])))]
    rows.append(("count their newlines (bytes.count)", _best(n, lambda: _timed(
        lambda: sum(b.count(b"\n") for b in blobs)))))
    try:
        import hyperscan

        from migtrace.correlate.markers import load_markers
        from migtrace.diagnose.catalog import load_catalog
        from migtrace.pipeline._vocab import build

        vocab = build(load_markers(), load_catalog())
        words = sorted(vocab.exact | vocab.caseless)
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=[w.encode() for w in words], ids=list(range(len(words))), elements=len(words),
                   literal=True, flags=[hyperscan.HS_FLAG_CASELESS if w in vocab.caseless else 0 for w in words])
        hits = [0]

        def on(*_: object) -> None:
            hits[0] += 1

        rows.append((f"hyperscan scan for the {len(words)} pass-1 literals (callback per hit)",
                     _best(n, lambda: _timed(lambda: [db.scan(b, match_event_handler=on) for b in blobs]))))
    except ImportError:
        pass
    lines = sum(b.count(b"\n") for b in blobs)
    rows.append((f"one header regex per line ({lines} lines)", _best(n, lambda: _timed(lambda: _header_loop(blobs)))))
    return rows


def stages(directory: Path, n: int) -> list[tuple[str, float]]:
    """One process: migtrace's load (-j 1) and render of the set, and a bare render of the shown rows."""
    import html

    from migtrace.options import LoadOptions
    from migtrace.pipeline import load
    from migtrace.reports._write import render_report

    options = LoadOptions(jobs=1, cache=False)
    analysis = load((str(directory),), options)
    rows = [("migtrace load (-j 1, --no-cache)", _best(n, lambda: _timed(lambda: load((str(directory),), options))))]
    render_report(analysis, "html")
    rows.append(("migtrace render + re-scan (warm process)", _best(n, lambda: _timed(
        lambda: render_report(analysis, "html")))))
    events = [e for m in analysis.migrations for e in m.events]
    esc = html.escape

    def rows_only() -> str:
        return "".join(f"<tr><td>{e.time:%H:%M:%S}</td><td>{esc(e.host or '')}</td><td>{esc(e.level or '')}</td>"
                       f"<td>{esc(e.request_id or '')}</td><td>{esc(e.message)}</td></tr>\n" for e in events)

    rows.append((f"bare: {len(events)} shown rows escaped into one string", _best(n, lambda: _timed(rows_only))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", default=str(DEFAULT))
    parser.add_argument("-n", type=int, default=3)
    args = parser.parse_args()
    for title, rows in (("start-up (fresh interpreters)", startup(args.n)),
                        ("bare parts over the set", bare(Path(args.directory), args.n)),
                        ("stages in one process", stages(Path(args.directory), args.n))):
        print(f"## {title}")
        for name, cpu in rows:
            print(f"{cpu:7.3f}  {name}")


if __name__ == "__main__":
    main()
