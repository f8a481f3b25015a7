"""The scenario DSL: request contexts, log records, releases and the simulation clock.

A scenario never writes text.  It emits `Record`s — what nova's logger was
handed (level, logger, context, instance, message, traceback) — and the
renderers in `render` turn them into what a given release and deployment
writes to disk.  Keeping the two apart is what lets one flow (a live
migration) be written once and come out right as Kilo, Queens, Zed or
devstack 2024.1 text.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tools.samplegen.sites import Site, resolve_site


@dataclass(frozen=True, slots=True)
class Ctx:
    """A request context as oslo.log sees it; `request_id=None` renders as ``[-]``."""

    request_id: str | None
    user_id: str | None = None
    project_id: str | None = None
    user_name: str | None = None
    project_name: str | None = None
    global_id: str | None = None


NOCTX = Ctx(None)


@dataclass(frozen=True, slots=True)
class Record:
    """One call to a nova logger, before any formatting."""

    t: datetime
    host: str
    service: str
    level: str
    logger: str
    ctx: Ctx
    instance: str | None
    message: str
    #: traceback text lines (without the exception prefix), last line is the exception
    tb: tuple[str, ...] = ()
    #: oslo.log >= 3.27 error_summary (first line of format_exception_only)
    summary: str | None = None
    #: DEBUG call site: (funcName, pathname, lineno)
    site: tuple[str, str, int] | None = None
    #: process id override (uwsgi workers); None = the service's pid
    pid: int | None = None
    #: the move phase this record belongs to ("" = not part of a move's own steps)
    phase: str = ""
    #: "" = a move's own step; "followup" = confirm/revert/evacuated-source clean-up; "delayed" =
    #: an event nova logs late on purpose (the 15 s STOPPED lifecycle delay), never a move's end
    part: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """What differs between the releases the sample sets are written as."""

    name: str
    era: str  # kilo | queens | zed | caracal
    nova_root: str
    lib_root: str
    py3: bool
    error_summary: bool
    trace_word: str
    lifecycle_migration_completed: bool
    src_thread_loses_context: bool
    took_pre_live: bool
    progress: str  # none | queens | train
    api_log: str  # eventlet | requestlog
    sched_logger: str
    evacuate_wording: str  # rebuilding | evacuating
    #: request-block style when it differs from the era's (Train/Yoga: Queens style, no global id)
    identity: str = ""


KILO = Release(
    "kilo", "kilo", "/usr/lib/python2.7/dist-packages/nova", "/usr/lib/python2.7/dist-packages",
    py3=False, error_summary=False, trace_word="TRACE", lifecycle_migration_completed=False,
    src_thread_loses_context=False, took_pre_live=False, progress="none", api_log="eventlet",
    sched_logger="nova.scheduler.filter_scheduler", evacuate_wording="rebuilding",
)
QUEENS = Release(
    "queens", "queens", "/usr/lib/python3/dist-packages/nova", "/usr/lib/python3/dist-packages",
    py3=True, error_summary=True, trace_word="ERROR", lifecycle_migration_completed=False,
    src_thread_loses_context=False, took_pre_live=False, progress="queens", api_log="eventlet",
    sched_logger="nova.scheduler.filter_scheduler", evacuate_wording="rebuilding",
)
ZED = Release(
    "zed", "zed", "/usr/lib/python3/dist-packages/nova", "/usr/lib/python3/dist-packages",
    py3=True, error_summary=True, trace_word="ERROR", lifecycle_migration_completed=True,
    src_thread_loses_context=True, took_pre_live=True, progress="train", api_log="requestlog",
    sched_logger="nova.scheduler.manager", evacuate_wording="evacuating",
)
CARACAL = Release(
    "2024.1", "caracal", "/opt/stack/nova/nova", "/usr/local/lib/python3.10/dist-packages",
    py3=True, error_summary=True, trace_word="ERROR", lifecycle_migration_completed=True,
    src_thread_loses_context=False, took_pre_live=True, progress="train", api_log="requestlog",
    sched_logger="nova.scheduler.manager", evacuate_wording="evacuating",
)

#: Yoga (nova 25) from Ubuntu Cloud Archive: Zed-era flows, but oslo.log 4.x has no global id in the
#: request block, and Rocky–Zed source threads lose the request context
YOGA = Release(
    "yoga", "zed", "/usr/lib/python3/dist-packages/nova", "/usr/lib/python3/dist-packages",
    py3=True, error_summary=True, trace_word="ERROR", lifecycle_migration_completed=True,
    src_thread_loses_context=True, took_pre_live=True, progress="train", api_log="requestlog",
    sched_logger="nova.scheduler.manager", evacuate_wording="evacuating", identity="queens",
)
#: Train (nova 20): as Yoga on a compute host; the scheduler still logs from filter_scheduler
TRAIN = Release(
    "train", "zed", "/usr/lib/python3/dist-packages/nova", "/usr/lib/python3/dist-packages",
    py3=True, error_summary=True, trace_word="ERROR", lifecycle_migration_completed=True,
    src_thread_loses_context=True, took_pre_live=True, progress="train", api_log="requestlog",
    sched_logger="nova.scheduler.filter_scheduler", evacuate_wording="evacuating", identity="queens",
)


@dataclass
class Sim:
    """Collects records for one sample set, with deterministic ids and jitter."""

    release: Release
    seed: int
    #: host -> service -> pid
    pids: dict[str, dict[str, int]]
    records: list[Record] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        #: phase/part stamped on every record emitted from now on (flows set them as they go)
        self.phase = ""
        self.part = ""

    # ---- deterministic ids -------------------------------------------------
    def uuid(self) -> str:
        """Return a random-looking but seeded uuid4."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def req(self) -> str:
        """Return a new ``req-<uuid>`` request id."""
        return f"req-{self.uuid()}"

    def hex32(self) -> str:
        """Return a keystone-style 32-hex id."""
        return f"{self.rng.getrandbits(128):032x}"

    def jitter(self, lo: float, hi: float) -> timedelta:
        """Return a random delay in [lo, hi] seconds, microsecond resolution."""
        return timedelta(microseconds=int(self.rng.uniform(lo, hi) * 1_000_000))

    # ---- emitting ------------------------------------------------------------
    def emit(
        self,
        t: datetime,
        host: str,
        service: str,
        level: str,
        logger: str,
        message: str,
        ctx: Ctx = NOCTX,
        inst: str | None = None,
        site: Site | None = None,
        tb: tuple[str, ...] | list[str] = (),
        summary: str | None = None,
        pid: int | None = None,
    ) -> datetime:
        """Add one record and return its time, so flows can chain on it."""
        resolved = None
        if level == "DEBUG":
            if site is None:
                raise ValueError(f"DEBUG record without call site: {message[:60]}")
            resolved = resolve_site(site, self.release)
        self.records.append(
            Record(t, host, service, level, logger, ctx, inst, message, tuple(tb), summary, resolved, pid,
                   self.phase, self.part)
        )
        return t


def at(base: datetime, seconds: float) -> datetime:
    """Return base + seconds (float), for readable scenario timetables."""
    return base + timedelta(microseconds=int(seconds * 1_000_000))
