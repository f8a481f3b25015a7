"""A log repeating its longest line is not taken for a hard-wrapped paste.

A monitoring client's `GET /servers/detail` every few seconds gives a nova-api
log whose longest line recurs in a quarter of its head, the sign of a hard
wrap.  A wrap cuts lines, so the line after a cut one is its rest; when each
line of that length is followed by a new timestamped line, nothing was cut
(and the file stays one a selective read can cut by terms).
"""

from __future__ import annotations

from parsers.wrappers import wrap_width

_LONG = ("2018-03-05 00:00:02.750 2911 DEBUG nova.api.openstack.wsgi [req-a6d2913f-d5ea-40d0-8158-df81c30f29e5 "
         "88c780f6907f96694ba955f3e4096150 e592067375305db71d43d1ffecd1345e - default default] Calling method "
         "'<bound method ServersController.detail>' _process_stack /usr/lib/python3/dist-packages/nova/api/wsgi.py:606")
_SHORT = ("2018-03-05 00:00:03.172 2911 INFO nova.osapi_compute.wsgi.server [req-a6d2913f-d5ea-40d0-8158-df81c30f29e5 "
          "88c780f6907f96694ba955f3e4096150 e592067375305db71d43d1ffecd1345e - default default] "
          "198.51.100.7 \"GET /v2.1/servers/detail HTTP/1.1\" status: 200 len: 1878 time: 0.41")


def test_repeated_longest_line_is_not_a_wrap() -> None:
    assert wrap_width([_LONG, _SHORT] * 8) is None


def test_a_real_hard_wrap_is_still_found() -> None:
    width = 100
    cut = [line[i:i + width] for line in [_LONG, _SHORT] * 8 for i in range(0, len(line), width)]
    assert wrap_width(cut) == width
