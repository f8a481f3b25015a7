"""Shared test factories: events, log files on disk, the CLI runner, real excerpts."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

# Tests see output as a pipe does (100 columns): $COLUMNS, set by some terminals and by pytest-xdist
# workers, must not change the tables a test or a CLI it starts reads.
os.environ.pop("COLUMNS", None)
# The CLI keeps an on-disk index of inputs already read (docs/cache.md): tests never touch the user's; each
# test process gets an empty private one (subprocesses inherit it), removed at exit.
os.environ["MIGTRACE_CACHE_DIR"] = tempfile.mkdtemp(prefix="migtrace-test-cache-")

from migtrace.model import Event

# The suite is deterministic: hypothesis draws the same examples on every run and machine (a CI run that fails
# fails again, with the same example, on a developer's clone). Fuzzing for new examples is a choice:
# HYPOTHESIS_PROFILE=explore draws fresh ones (and keeps failures in .hypothesis/ to replay).
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

atexit.register(shutil.rmtree, os.environ["MIGTRACE_CACHE_DIR"], True)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_LOGS = SHARED / "real_logs"
#: in CI the shared excerpts must be there; on a developer's fresh clone they may not be
IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED_MISSING = f"{SHARED} is not beside the repository (the real-log excerpts are shared, not shipped)"

#: mark for tests that read ../shared: skipped with the reason where it is absent, never in CI
needs_shared = pytest.mark.skipif(not REAL_LOGS.is_dir() and not IN_CI, reason=SHARED_MISSING)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the whole run loudly when CI=true and ../shared is missing (tests must not skip in CI)."""
    if IN_CI and not REAL_LOGS.is_dir():
        raise pytest.UsageError(f"CI=true but {SHARED_MISSING}")


#: the files that take the most CPU (measured, `--durations` and CPU time per test, December 2026),
#: heaviest first.  pytest-xdist (`--dist loadfile`) hands whole files to the workers in collection
#: order (`--no-loadscope-reorder` in pyproject): these go first, so that no heavy file starts last and
#: runs alone while the other worker idles; the other files follow, the ones with more tests first
#: (xdist's own default order).  A file missing here only costs balance, never a test.
HEAVY_FILES = (
    "tests/hostile/test_corpus.py",
    "tests/variants/test_variants_matrix.py",
    "tests/variants/test_variants_one_story.py",
    "tests/variants/test_variants_engines.py",
    "tests/reports/test_chromium.py",
    "tests/reports/test_print.py",
    "tests/cli/test_output.py",
    "tests/reports/test_redaction_shapes.py",
    "tests/diagnose/test_catalog.py",
    "tests/pipeline/test_real_logs_accounting.py",
    "tests/diagnose/test_diagnose.py",
    "tests/cli/test_stats_fleet.py",
    "tests/diagnose/test_physics.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the heavy files first, then the others by number of tests (the order within a file is kept)."""
    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    counts: dict[str, int] = {}
    for item in items:
        counts[file_of(item)] = counts.get(file_of(item), 0) + 1
    rank = {name: i for i, name in enumerate(HEAVY_FILES)}
    first = {file_of(item): i for i, item in reversed(list(enumerate(items)))}
    items.sort(key=lambda it: (rank.get(file_of(it), len(rank)), -counts[file_of(it)], first[file_of(it)]))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile the package once before the workers start (in the controller only).

    The suite starts a few hundred `python -m migtrace` processes (the hostile corpus alone runs the
    product 203 times under prlimit).  Where PYTHONDONTWRITEBYTECODE is set (CI machines) no
    __pycache__ is ever written, so every one of them compiled all of migtrace again: its start-up
    took 0.93 s of CPU instead of 0.67 (measured).  The .pyc files are what Python writes by default (git ignores them, Python checks them
    against the source's mtime and size), so this changes nothing of what runs.
    """
    if hasattr(config, "workerinput"):
        return
    import compileall

    for top in ("migtrace", "parsers", "reports"):
        compileall.compile_dir(REPO / top, quiet=2, workers=1)


SAMPLE_LOGS = REPO / "sample_logs"

#: sample sets whose expected.json is what their truth supports, not (yet) what migtrace prints
#: (bug ids: NOTES-variants.md); remove a set here once migtrace gets it right
PENDING_SETS: dict[str, str] = {}


def sample_set_params(names: list[str]) -> list[Any]:
    """Return the set names as parameters, the pending ones marked as expected failures."""
    return [pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=PENDING_SETS[n]))
            if n in PENDING_SETS else n for n in names]


def make_event(**overrides: Any) -> Event:
    """Return a plausible n-cpu INFO event; override any field."""
    fields: dict[str, Any] = {
        "time": datetime(2018, 3, 1, 10, 0, 0, tzinfo=UTC),
        "time_text": "2018-03-01 10:00:00.000",
        "message": "Instance spawned successfully.",
        "host": "compute1", "service": "n-cpu", "pid": 1234, "level": "INFO",
        "logger": "nova.compute.manager", "source": "nova-compute.log", "lineno": 1,
    }
    fields.update(overrides)
    return Event(**fields)


@pytest.fixture
def event_factory() -> Callable[..., Event]:
    return make_event


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to tmp_path/name (creating directories) and return the path."""
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
    return write


#: directories of the repository that tests only read: an analysis of them is the same every time
#: (a session fixture that generates a tree once and never changes it adds it with `read_only_data`)
READ_ONLY_DATA = [SAMPLE_LOGS, REPO / "tests" / "fixtures", REPO / "tests" / "reports" / "data"]
_ANALYSES: dict[tuple[Any, ...], Any] = {}


def read_only_data(root: Path) -> Path:
    """Declare a generated tree read-only for the rest of the session: `cached_load` may share its analyses."""
    READ_ONLY_DATA.append(Path(os.path.abspath(root)))
    return root


def _options_key(options: Any) -> tuple[Any, ...] | None:
    """Return LoadOptions as a hashable key without its hooks; None when it holds something not comparable."""
    key: list[Any] = []
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if f.name in ("warn", "progress"):
            continue
        if isinstance(value, Mapping):
            value = tuple(sorted(value.items()))
        try:
            hash(value)
        except TypeError:
            return None
        key.append((f.name, value))
    return tuple(key)


def cached_load(paths: Any = (), options: Any = None) -> Any:
    """`migtrace.pipeline.load` of one path or several, memoised for the repository's read-only data.

    Loading a sample set costs seconds and is deterministic (tests/pipeline/test_deterministic.py):
    the tests that check what the CLI prints of the same set share one Analysis per worker.  Anything
    else (tmp_path inputs, no paths, a progress hook, user signature files a test may rewrite) is
    loaded afresh.  The warnings of the load are passed to the caller's hook in the same order on
    every call, as a fresh load does (Warnings forwards each line it keeps, once).
    """
    from migtrace import LoadOptions
    from migtrace.pipeline import load

    options = options or LoadOptions()
    names = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    where = [Path(os.path.abspath(n)) for n in names]
    key_options = _options_key(options)
    if (not names or options.progress is not None or key_options is None or options.signatures
            or not all(any(w.is_relative_to(d) for d in READ_ONLY_DATA) for w in where)):
        return load(names, options)
    key = (tuple(names), os.getcwd(), key_options)
    if key not in _ANALYSES:
        _ANALYSES[key] = load(names, dataclasses.replace(options, warn=None))
    analysis = _ANALYSES[key]
    if options.warn is not None:
        for line in analysis.warnings:
            options.warn(line)
    return analysis


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the migtrace CLI in-process (click's CliRunner) and return the result.

    Output goes to a pipe, as when pasted (see COLUMNS below).  The commands' analyses of the
    repository's read-only data come from `cached_load` (a test may still replace `load` itself).
    """
    import migtrace.cli._common as common
    from migtrace.cli import cli as group

    monkeypatch.setattr(common, "load", cached_load)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(group, list(args), input=input, catch_exceptions=False)
    return run


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.skip(SHARED_MISSING)
    return REAL_LOGS


def require_dask() -> None:
    """Skip the calling test module, saying why, where the dask extra is missing (in CI it is an error)."""
    try:
        import distributed  # noqa: F401 - the dask extra: only its tests import it
    except ImportError:  # pragma: no cover - the dask extra is part of the test install (setup.sh)
        if IN_CI:
            raise
        pytest.skip("the dask extra is not installed (pip install -e '.[dask]'); CI installs and runs it",
                    allow_module_level=True)


@contextlib.contextmanager
def local_cluster_client(workers: int = 2) -> Iterator[Any]:
    """A `distributed.Client` on a real LocalCluster: single-threaded worker processes on loopback."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as c:
        yield c


def json_outputs(paths: list[str], *flags: str) -> list[str]:
    """`list`, `diagnose` and `stats` in JSON with the flags, each as its exit code and output: what a read
    must leave unchanged whichever process joins and drops."""
    from migtrace.cli import cli as group

    runner = CliRunner()
    out = []
    for command in (["list", "-f", "json"], ["diagnose", "-f", "json"], ["stats", "-f", "json"]):
        result = runner.invoke(group, [*command, *flags, *paths])
        out.append(f"{result.exit_code}\n{result.output}")
    return out


#: the start of a script `cluster_script_output` runs: every file goes to the workers, however small
CLUSTER_SCRIPT_HEAD = """
import sys
from distributed import Client, LocalCluster
from migtrace.options import LoadOptions
from migtrace.pipeline import _drop, _load
from migtrace.sources import _parallel

_parallel.MIN_WORKER_BYTES = _parallel.MIN_POOL_BYTES = 0
"""
#: its end: the paths it is given loaded with -j 1 and on a 2-worker LocalCluster, the script's own `check()`,
#: then "same" printed when both loads agree
_CLUSTER_SCRIPT_TAIL = """
paths = sys.argv[1:]
if __name__ == "__main__":
    local = _load.load(paths, LoadOptions(jobs=1))
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        remote = _load.load(paths, LoadOptions(client=client))
    check()
    assert remote.migrations == local.migrations and remote.warnings == local.warnings
    assert remote.events == local.events and remote.last_seen == local.last_seen
    print("same")
"""


def cluster_script_output(tmp_path: Path, body: str, *paths: Path) -> str:
    """Run HEAD + `body` (which defines `check()`) + the comparing end in a process of its own; its stdout.

    Its own process: a LocalCluster leaves distributed's offload thread behind, and a later local pool in
    the test process would then start its workers from a fork server (`_parallel._context`), where the
    test's patches never reach.
    """
    require_dask()
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER_SCRIPT_HEAD + body + _CLUSTER_SCRIPT_TAIL, encoding="utf-8")
    return _script_output(str(script), *map(str, paths))


def every_file_to_the_pool() -> contextlib.AbstractContextManager[None]:
    """Send every regular file to the workers, however small (the shipped thresholds keep small reads serial)."""
    from tools.variants.engines import every_file_to_the_workers

    return every_file_to_the_workers()


def pool_script_output(script: str, *args: str) -> str:
    """Run `script` (whose load sends inputs to the local pool) in a fresh interpreter; its stdout.

    A script that patches the pool's callable (a spy on `_parallel.read_input`) needs the pool to fork,
    which it does only where no thread runs (`_parallel._context`), as in a user's `migtrace list`.  In
    the test process a thread left by an earlier test (distributed's offload thread) would make the pool
    start from a fork server, whose children never see the patch.
    """
    return _script_output("-c", script, *args)


def _script_output(*argv: str) -> str:
    """`python ARGV…` run from the repository in a fresh interpreter: its stdout, once it exited 0."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=300, cwd=REPO,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def every_file_pooled() -> Iterator[None]:
    """`every_file_to_the_pool` around a test; a module of small sample files that must reach the workers
    names it in `pytestmark = pytest.mark.usefixtures("every_file_pooled")`."""
    with every_file_to_the_pool():
        yield


def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display name of each input every time a reader starts reading its records (a spy on
    `FileReader.events`): what tests count to show how many reads a load makes of each input."""
    from migtrace.sources._reader import FileReader

    opened: list[str] = []
    events = FileReader.events

    def counting(self: FileReader) -> Iterator[Event]:
        opened.append(self.item.display)
        return events(self)

    monkeypatch.setattr(FileReader, "events", counting)
    return opened


def unwritable_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point MIGTRACE_CACHE_DIR below a regular file, where no cache can be written or read."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(blocker / "cache"))
