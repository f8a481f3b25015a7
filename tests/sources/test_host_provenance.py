"""A host a record or its wrapper names never overrides the host the user gave: user > record > path.

The context knows where its host came from (`ParseContext.host_from`): a host
read from the path (`<host>/var/log/…`) gives way to the one a syslog
HOSTNAME, a Loki label, OpenSearch's `Hostname` or journald's `_HOSTNAME`
names, but `--host-alias` is the user's word and stays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import migtrace
from migtrace.options import LoadOptions
from migtrace.sources import open_inputs

UUID = "1b8789a8-7c9e-4f78-81d7-9d78947b67c8"
ORIGINAL = (f"2023-03-07 09:51:58.947 4392 INFO nova.compute.manager [None req-08357a7e-04a4-4e55-9275-"
            f"c795459c9881 - - - - - -] [instance: {UUID}] VM Stopped (Lifecycle Event)")
SOURCE = {"Timestamp": "2023-03-07 09:51:58.947", "Pid": "4392", "log_level": "INFO",
          "python_module": "nova.compute.manager", "request_id": "08357a7e-04a4-4e55-9275-c795459c9881",
          "Payload": f" [instance: {UUID}] VM Stopped (Lifecycle Event)", "Hostname": "compute2",
          "Logger": "openstack.nova", "programname": "nova-compute",
          "@timestamp": "2023-03-07T09:51:58.947000000+00:00"}

#: form -> (file name under <path-host>/var/log/, its one line); each line names host compute2
FORMS = {
    "syslog": ("syslog", f"Mar  7 09:51:58 compute2 nova-compute[4392]: {ORIGINAL}"),
    "rfc5424": ("remote/openstack.log",
                f"<14>1 2023-03-07T09:51:58.947294+00:00 compute2 nova-compute 4392 - - {ORIGINAL}"),
    "loki-jsonl": ("loki/query.jsonl", json.dumps(
        {"labels": {"host": "compute2", "service_name": "nova-compute"}, "line": ORIGINAL,
         "timestamp": "2023-03-07T09:51:58.947294Z"}, separators=(",", ":"))),
    "opensearch": ("export/flog-dump.ndjson", json.dumps(
        {"_index": "flog-2023.03.07", "_type": "_doc", "_id": "yd3mj-1Lm7UcanirX2-G", "_score": 1,
         "_source": SOURCE})),
    "journal-json": ("journal/nova.json", json.dumps(
        {"__REALTIME_TIMESTAMP": "1678182718947294", "_HOSTNAME": "compute2", "PRIORITY": "6",
         "SYSLOG_IDENTIFIER": "nova-compute", "_PID": "4392", "MESSAGE": ORIGINAL})),
}


def _write(tmp_path: Path, form: str) -> Path:
    rel, line = FORMS[form]
    path = tmp_path / "logs-of-compute9" / "compute9" / "var" / "log" / rel
    path.parent.mkdir(parents=True)
    path.write_text(line + "\n")
    return path


def _event_hosts(path: Path, aliases: dict[str, str]) -> set[str | None]:
    analysis = migtrace.load(str(path), tz="UTC", year=2023, host_aliases=aliases)
    assert all(st.balanced and st.records == 1 for st in analysis.stats), analysis.stats
    return {e.host for e in analysis.events}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_record_names_the_host_over_the_path(tmp_path: Path, form: str) -> None:
    path = _write(tmp_path, form)
    assert _event_hosts(path, {}) == {"compute2"}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_users_host_alias_wins_over_the_record(tmp_path: Path, form: str) -> None:
    path = _write(tmp_path, form)
    assert _event_hosts(path, {str(tmp_path / "logs-of-compute9"): "cmp-user-9"}) == {"cmp-user-9"}


def test_the_context_says_where_its_host_came_from(tmp_path: Path) -> None:
    path = _write(tmp_path, "syslog")
    bare = tmp_path / "nohost.log"
    bare.write_text(ORIGINAL + "\n")
    aliased = {str(path): "cmp-user-9"}
    got = {}
    for aliases in ({}, aliased):
        for reader in open_inputs([str(path), str(bare)], LoadOptions(host_aliases=aliases), lambda _: None):
            ctx = reader._context()
            got[(reader.item.path, bool(aliases))] = (ctx.host, ctx.host_from, ctx.record_host("compute2"))
    assert got == {(str(path), False): ("compute9", "path", "compute2"),
                   (str(bare), False): (None, None, "compute2"),
                   (str(path), True): ("cmp-user-9", "user", "cmp-user-9"),
                   (str(bare), True): (None, None, "compute2")}
