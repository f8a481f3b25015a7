"""OpenSearch/Elasticsearch exports that are documents: `_search` pages and Dashboards Discover CSV.

Built from nova's real line format and kolla's fluentd field names (the
faithful documents of tests/fixtures/inputs/opensearch, README there), plus
the generic `message` mapping (Logstash/journalbeat).  Every physical line
is counted: a hit's first line is its record, the rest of the hit
continuation, the response envelope and the CSV header meta; what does not
decode is counted unparsed.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from pathlib import Path

import pytest

import migtrace
from migtrace.model import FileStats
from migtrace.parsers._base import ParseContext
from migtrace.parsers.opensearch import document_kind, documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "opensearch" / "zed-z-web-01"
UUID = "1b8789a8-7c9e-4f78-81d7-9d78947b67c8"
MOVE = ("live-migration", UUID, "completed", "compute2", "compute1")


def _hits() -> list[dict[str, object]]:
    lines = (FIXTURES / "opensearch-elasticdump/export/flog-dump.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _page(hits: list[dict[str, object]], n: int, *, indent: int | None = 2) -> str:
    body = {"_scroll_id": f"FGluY2x1ZGVfY29udGV4dF91dWlkDXF1ZXJ5QW5kRmV0Y2gBFk{n}", "took": 7, "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": 67, "relation": "eq"}, "max_score": None,
                     "hits": [{**h, "_score": None, "sort": [1678182674099 + i]} for i, h in enumerate(hits)]}}
    return json.dumps(body, indent=indent, ensure_ascii=False) + "\n"


def _load(*paths: Path) -> migtrace.pipeline.Analysis:
    analysis = migtrace.load(*[str(p) for p in paths], tz="UTC", missing="warn")
    for st in analysis.stats:
        assert st.balanced, st
    return analysis


def _moves(analysis: migtrace.pipeline.Analysis) -> list[tuple[object, ...]]:
    return [(m.kind, m.instance, m.status, m.source_host, m.dest_host) for m in analysis.migrations]


def _physical(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_a_pretty_printed_search_page_gives_the_migration_and_counts_every_line() -> None:
    path = FIXTURES / "opensearch-scroll/export/search-page-1.json"
    analysis = _load(path)
    assert _moves(analysis) == [MOVE]
    (st,) = analysis.stats
    assert (st.lines_read, st.records, st.unparsed_lines) == (_physical(path), 67, 0)
    assert st.meta_lines > 0 and st.continuation_lines > 0


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "compact"])
def test_scroll_pages_concatenated_in_one_file_or_one_per_file(tmp_path: Path, indent: int | None) -> None:
    hits = _hits()
    pages = [_page(hits[i:i + 20], i, indent=indent) for i in range(0, len(hits), 20)]
    one = tmp_path / "one" / "scroll.json"
    one.parent.mkdir()
    one.write_text("".join(pages))
    many = tmp_path / "many"
    many.mkdir()
    for i, page in enumerate(pages, 1):
        (many / f"page-{i}.json").write_text(page)
    for analysis in (_load(one), _load(many)):
        assert _moves(analysis) == [MOVE]
        assert sum(st.records for st in analysis.stats) == 67
        assert sum(st.unparsed_lines for st in analysis.stats) == 0
    if indent is not None:
        assert _load(one).stats[0].lines_read == _physical(one)
    else:
        # a compact page is one physical line holding many hits: one line read per hit, plus the envelope
        assert _load(one).stats[0].lines_read == 67


def test_hits_with_the_whole_line_in_message(tmp_path: Path) -> None:
    """Logstash/journalbeat mappings: `message` is the oslo line; host as `host`, `host.name` or `Hostname`."""
    hits = []
    for i, h in enumerate(_hits()):
        src = h["_source"]
        assert isinstance(src, dict)
        rid = f"req-{src['request_id']}" if src.get("request_id") else None
        context = f"[{rid} {src['user_id']} {src['tenant_id']} - default default]" if rid else "[-]"
        line = f"{src['Timestamp']} {src['Pid']} {src['log_level']} {src['python_module']} {context}{src['Payload']}"
        host = ({"host": {"name": src["Hostname"]}}, {"host": src["Hostname"]}, {"Hostname": src["Hostname"]})[i % 3]
        prog = ({"programname": src["programname"]}, {"syslog_identifier": src["programname"]})[i % 2]
        hits.append({"_index": "logstash-2023.03.07", "_id": f"id{i}",
                     "_source": {"@timestamp": src["@timestamp"], **host, **prog, "message": line}})
    path = tmp_path / "page.json"
    path.write_text(_page(hits, 0))
    analysis = _load(path)
    assert _moves(analysis) == [MOVE]
    assert {e.host for e in analysis.events} == {"controller", "compute1", "compute2"}


def test_a_discover_csv_report_gives_the_migration_newest_first_and_quoted_lines() -> None:
    path = FIXTURES / "dashboards-csv/export/discover.csv"
    analysis = _load(path)
    assert _moves(analysis) == [MOVE]
    (st,) = analysis.stats
    assert (st.lines_read, st.records, st.meta_lines, st.unparsed_lines) == (_physical(path), 67, 1, 0)
    times = [e.time for e in analysis.events]
    assert times == sorted(times)


def test_a_csv_field_over_several_lines_is_one_record(tmp_path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["@timestamp", "Hostname", "programname", "log_level", "python_module", "Pid", "request_id", "Payload"])
    w.writerow(["Mar 7, 2023 @ 09:51:46.443", "compute1", "nova-compute", "ERROR", "nova.compute.manager", "4410",
                "5b7769c9-ed32-4a28-a7db-35998fc9497d",
                f" [instance: {UUID}] Post live migration at destination failed\nTraceback (most recent call last):\n"
                '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 9040, in _post_live_migration'])
    path = tmp_path / "discover.csv"
    path.write_text(buf.getvalue())
    (st,) = _load(path).stats
    assert (st.lines_read, st.records, st.meta_lines, st.continuation_lines, st.unparsed_lines) == (4, 1, 1, 2, 0)


def test_empty_exports(tmp_path: Path) -> None:
    empty_page = tmp_path / "empty.json"
    empty_page.write_text(_page([], 0))
    header_only = tmp_path / "header.csv"
    header_only.write_text("@timestamp,Hostname,programname,log_level,request_id,Payload\n")
    analysis = _load(empty_page, header_only)
    # no hit to recognise a format by: nothing is read as a record, every line is still counted
    assert [(st.records, st.lines_read) for st in analysis.stats] == [(0, _physical(empty_page)), (0, 1)]
    assert analysis.migrations == ()
    ctx = ParseContext(path="x", stats=FileStats(path="x"), tz=UTC)
    assert list(documents(enumerate(empty_page.read_text().splitlines(), 1), "search", ctx)) == []
    assert ctx.stats.lines_read == ctx.stats.meta_lines == _physical(empty_page)


def test_malformed_exports_count_what_does_not_decode(tmp_path: Path) -> None:
    page = _page(_hits()[:5], 0)
    cut = page[: page.index('"_id": "VttOb')]  # truncated inside the second hit
    truncated = tmp_path / "truncated.json"
    truncated.write_text(cut)
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text('@timestamp,Hostname,log_level,python_module,Payload\n'
                        '"Mar 7, 2023 @ 09:51:46.443",compute1\n'
                        f'"Mar 7, 2023 @ 09:51:46.443",compute1,INFO,nova.compute.manager, [instance: {UUID}] Post operation '
                        'of migration started\n')
    analysis = _load(truncated, csv_path)
    by_name = {Path(st.path).name: st for st in analysis.stats}
    st = by_name["truncated.json"]
    assert st.records == 1 and st.lines_read == _physical(truncated) and st.unparsed_lines > 0
    bad = by_name["bad.csv"]
    assert (bad.lines_read, bad.records, bad.meta_lines, bad.unparsed_lines) == (3, 1, 1, 1)
    assert bad.unparsed_examples == [(2, '"Mar 7, 2023 @ 09:51:46.443",compute1')]


def test_documents_are_recognised_by_their_head_only() -> None:
    assert document_kind(['{', '  "took": 7,', '  "hits": {', '    "hits": [']) == "search"
    assert document_kind(["@timestamp,Hostname,Payload"]) == "csv"
    assert document_kind(['{"_index":"flog","_source":{"Payload":"x"}}']) is None
    assert document_kind(["2023-03-07 09:51:46.443 4410 INFO nova.compute.manager [-] a, b"]) is None
    ctx = ParseContext(path="x", stats=FileStats(path="x"), tz=UTC)
    out = list(documents(enumerate(['{"took": 1, "hits": {"hits": []}}'], 1), "search", ctx))
    assert out == [] and ctx.stats.lines_read == ctx.stats.meta_lines == 1
