"""How to read and analyse a set of logs: one frozen object, built once and passed down.

The CLI builds it from its flags, a notebook user from keywords; every layer
below (sources, correlation, diagnosis) reads the fields it needs from the
same object, so an option has one name and one meaning everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypedDict

from migtrace._release import release_named
from migtrace._timeutil import zone_named

#: Called with each one-line warning (a bad input, a guess migtrace had to make).
WarnHook = Callable[[str], None]
#: Called as input is read: bytes done so far, bytes in total (0 when unknown, e.g. stdin).
ProgressHook = Callable[[int, int], None]

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Everything the user said about the inputs and the analysis.

    `tz_by_path` and `host_aliases` map a file, a directory prefix or a glob
    to a zone / host name; the last matching entry wins.  `focus` makes the
    read targeted: only records tied to that id (request, instance or
    migration) are parsed.  `release` says which OpenStack release wrote the
    logs (remedies then only name options that release has).
    """

    tz: str | None = None
    tz_by_path: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    year: int | None = None
    host_aliases: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    skew: Literal["auto", "none"] = "auto"
    strict: bool = False
    signatures: tuple[str, ...] = ()
    diagnose: bool = True
    focus: str | None = None
    #: the OpenStack release the logs come from (`queens`, `2023.1`…); None: inferred from their wording
    release: str | None = None
    warn: WarnHook | None = None
    progress: ProgressHook | None = None
    #: follow symlinks that lead out of the directories named (default: skipped with a warning)
    follow_symlinks: bool = False
    #: worker processes reading the inputs (None: all cores; 1: read in this process); results are the same
    jobs: int | None = None
    #: a dask.distributed scheduler address to read the inputs on (the `dask` extra)
    scheduler: str | None = None
    #: a `distributed.Client` to read the inputs on (wins over `scheduler`; left open)
    client: Any = None
    #: a whole-set read parses only the records of moves (two raw-text passes); False: every record
    select: bool = True
    #: remember each unchanged input's read in the on-disk index (sources/_index.py); the CLI turns it on
    cache: bool = False

    def __post_init__(self) -> None:
        for zone in (self.tz, *self.tz_by_path.values()):
            if zone:
                zone_named(zone)  # raises ValueError naming the zone
        if self.release is not None:
            release_named(self.release)  # raises ValueError naming the known releases
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be 1 or more, not {self.jobs}")
        if self.skew not in ("auto", "none"):
            raise ValueError(f"skew must be 'auto' or 'none', not {self.skew!r}")
        # callers pass plain dicts; keep a read-only view so the object stays frozen in spirit too
        object.__setattr__(self, "tz_by_path", MappingProxyType(dict(self.tz_by_path)))
        object.__setattr__(self, "host_aliases", MappingProxyType(dict(self.host_aliases)))
        object.__setattr__(self, "signatures", tuple(self.signatures))


class LoadKeywords(TypedDict, total=False):
    """`LoadOptions`' fields as keywords: `migtrace.load(path, tz="Europe/Paris", skew="none")` type-checks.

    tests/test_library.py keeps the keys equal to LoadOptions' fields, so the
    two lists cannot drift apart.
    """

    tz: str | None
    tz_by_path: Mapping[str, str]
    year: int | None
    host_aliases: Mapping[str, str]
    skew: Literal["auto", "none"]
    strict: bool
    signatures: tuple[str, ...]
    diagnose: bool
    focus: str | None
    release: str | None
    warn: WarnHook | None
    progress: ProgressHook | None
    follow_symlinks: bool
    jobs: int | None
    scheduler: str | None
    client: Any
    select: bool
    cache: bool
