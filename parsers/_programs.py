"""Program tags and syslog priorities: what every reader of syslog-shaped records maps the same way.

A journal entry's SYSLOG_IDENTIFIER / unit and a syslog line's TAG name the
program that wrote a record; nova's programs get nova's short service names
(one table, `migtrace._naming.SERVICE_NAMES`), every other program keeps its
tag, normalised.  A syslog PRIORITY (journal field, `<PRI>` of a wire line)
gives the level.  Shared by the journal readers (`_journal_common`) and by the
records of other programs found among nova's lines (`syslog_record`), so a
NetworkManager line gets the same service and level whichever way it came.
"""

from __future__ import annotations

import re
from functools import lru_cache

from migtrace._naming import SERVICE_NAMES

#: Nova's short service names by unit / SYSLOG_IDENTIFIER, after `normalise_identifier`.
#: devstack's super-conductor and cell conductors both become "n-cond": the
#: correlator cares that a line came from a conductor, not which one.

#: Prefixes packagers put in front of nova's unit names (RDO, EDPM/podman).
_UNIT_PREFIXES: tuple[str, ...] = ("devstack@", "openstack-", "edpm_", "tripleo_")
#: devstack names one conductor per cell: n-cond-cell1, n-cond-cell2, …
_CELL_CONDUCTOR = re.compile(r"^n-cond-cell\d+$")

#: syslog PRIORITY → oslo level name (index = priority).
LEVEL_BY_PRIORITY: tuple[str, ...] = (
    "CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG",
)


def normalise_identifier(ident: str) -> str:
    """Strip the `.service` suffix and packagers' prefixes from a unit or identifier."""
    name = ident.strip()
    if name.endswith(".service"):
        name = name[: -len(".service")]
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name


@lru_cache(maxsize=4096)  # a journal names few units, each on millions of entries
def known_service(ident: str | None) -> str | None:
    """Return nova's short service name for a unit/identifier, or None if it is not nova's."""
    if not ident:
        return None
    name = normalise_identifier(ident)
    # one table for file names, units and identifiers: migtrace._naming.SERVICE_NAMES
    found = SERVICE_NAMES.get(name)
    if found is None and _CELL_CONDUCTOR.match(name):
        return "n-cond"
    return found


@lru_cache(maxsize=4096)
def service_from_identifier(ident: str | None) -> str | None:
    """Map a unit or SYSLOG_IDENTIFIER to nova's short name; other names pass through normalised."""
    if not ident or not ident.strip():
        return None
    return known_service(ident) or normalise_identifier(ident)


def level_from_priority(priority: int | None) -> str | None:
    """Return the oslo level name for a syslog PRIORITY (0-7), None when absent or out of range."""
    if priority is None or not 0 <= priority < len(LEVEL_BY_PRIORITY):
        return None
    return LEVEL_BY_PRIORITY[priority]
