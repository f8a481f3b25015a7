"""Other programs' errors outside every move are not "unrecognised" failures (issue 11).

A paste or a collector file holds sshd's `error:`, NetworkManager's `<error>`,
a ceph daemon's `-1` lines: everyday noise of a host for a migration tool.
Outside every move such a record is listed only when a signature names it; a
nova error outside every move still is an unrecognised finding (nothing that
failed in nova is silent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migtrace import load
from migtrace.diagnose._engine import UNRECOGNISED_ID

NOVA_ERR = ("2017-03-04 17:03:52.842 171181 ERROR nova.compute.manager [req-35e04dac-fc4a-44e5-a8fb-d297e9dc2b49 "
            "03c4073dda924464a60b7fd88ad94e8e 2cae75f18d594a0ea93b6cbf1d23f435 - - -] Error updating resources for "
            "node compute1.: DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection')")
INFO = [NOVA_ERR.replace("17:03:52.842", f"17:03:5{i}.000").replace(" ERROR ", " INFO ").split("] ", 1)[0]
        + "] Final resource view: name=compute1 phys_ram=64GB used_ram=512MB" for i in range(4)]
NOISE = [
    "Mar  4 17:04:01 compute1 sshd[2231]: error: kex_exchange_identification: Connection closed by remote host",
    "Mar  4 17:04:02 compute1 NetworkManager[1050]: <error> [1488647042.1234] dhcp4 (eth1): request timed out",
    "<11>Mar  4 17:04:03 compute1 systemd[1]: Failed to start Daily apt upgrade and clean activities.",
    "2017-03-04 17:04:04.118842 7f9b2effd700 -1 osd.3 1234 heartbeat_check: no reply from 192.0.2.21:6804 osd.1",
]


@pytest.fixture(scope="module")
def orphans(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    path: Path = tmp_path_factory.mktemp("paste") / "compute1-paste.txt"
    path.write_text("\n".join([*INFO, NOVA_ERR, *NOISE, ""]), encoding="utf-8")
    analysis = load(str(path), tz="UTC", select=False)
    assert analysis.migrations == () and all(s.balanced for s in analysis.stats)
    assert analysis.stats[0].fmt == "oslo"
    assert analysis.stats[0].records == len(INFO) + 5  # every noise line is a record of its program (an Event)
    return [(f.signature_id, f.title) for f in analysis.orphan_findings]


def test_other_programs_errors_are_no_unrecognised_orphans(orphans: list[tuple[str, str]]) -> None:
    titles = " | ".join(title for _, title in orphans)
    for word in ("kex_exchange_identification", "dhcp4", "apt upgrade", "heartbeat_check"):
        assert word not in titles


def test_a_nova_error_outside_every_move_still_is(orphans: list[tuple[str, str]]) -> None:
    unrecognised = [title for sid, title in orphans if sid == UNRECOGNISED_ID]
    assert len(unrecognised) == 1 and "Error updating resources" in unrecognised[0]
