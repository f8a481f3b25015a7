"""The variant generator: deterministic, and each family changes exactly what it says."""

from __future__ import annotations

import gzip
import io
import json
import lzma
import re
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_LOGS
from tests.variants.conftest import variant_doc
from tools.variants.generate import generate
from tools.variants.records import JOURNAL_LINE, OSLO_PREFIX, SampleSet, load_set, parse_export


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _text(root: Path) -> str:
    """Return every log file's text under root, decompressed."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "variant.json":
            data = p.read_bytes()
            out.append((gzip.decompress(data) if p.suffix == ".gz" else data).decode("utf-8", "replace"))
    return "\n".join(out)


def test_variants_regenerate_byte_for_byte(variants_root: Path, tmp_path: Path) -> None:
    """A second generation (every family of kilo-files, and devstack's tarballs, stdin, skew) is identical."""
    generate(SAMPLE_LOGS, tmp_path, ["kilo-files"])
    generate(SAMPLE_LOGS, tmp_path, ["devstack-2024.1"],
             only=["layout-sosreport", "layout-stdin-export", "skew-compute1-plus45", "info-only", "tz-compute1"])
    for set_dir in sorted(p for p in tmp_path.iterdir()):
        for variant in sorted(p for p in set_dir.iterdir()):
            fresh, first = _tree(variant), _tree(variants_root / set_dir.name / variant.name)
            assert fresh.keys() == first.keys(), variant
            for rel, data in fresh.items():
                assert data == first[rel], f"{set_dir.name}/{variant.name}/{rel} differs between two generations"


def test_variants_every_set_has_every_family(variants_root: Path) -> None:
    for set_dir in sorted(p for p in variants_root.iterdir()):
        families = {variant_doc(variants_root, set_dir.name, v.name)["family"] for v in set_dir.iterdir()}
        expected = {"layout", "info-only"} if set_dir.name != "yoga-info" else {"layout"}
        if set_dir.name not in ("train-single-host",):
            expected |= {"removal", "skew", "tz"}
        assert families == expected, set_dir.name


def test_variants_as_is_keeps_every_record_and_line(variants_root: Path, sets: dict[str, SampleSet]) -> None:
    for name, sset in sets.items():
        doc = variant_doc(variants_root, name, "layout-as-is")
        assert doc["records_kept"] == doc["records_total"] == len(sset.records)
        for lf in sset.files:
            original = (SAMPLE_LOGS / name / lf.rel).read_bytes()
            assert (variants_root / name / "layout-as-is" / "logs" / lf.rel).read_bytes() == original, lf.rel


def test_variants_layouts_place_files_as_operators_collect_them(variants_root: Path) -> None:
    flat = variants_root / "queens-files" / "layout-flat" / "incident"
    assert (flat / "compute1" / "nova-compute.log.2.gz").is_file() and (flat / "controller" / "nova-api.log").is_file()
    prefixed = variants_root / "queens-files" / "layout-prefixed" / "incident"
    assert (prefixed / "compute3-nova-compute.log").is_file()
    devstack = variants_root / "queens-files" / "layout-devstack" / "logs" / "compute1" / "opt" / "stack" / "logs"
    joined = (devstack / "screen-n-cpu.log").read_text()
    stamps = [m.group("ts") for line in joined.splitlines() if (m := OSLO_PREFIX.match(line))]
    assert stamps == sorted(stamps), "rotation members are joined oldest first"
    shuffled = variant_doc(variants_root, "queens-files", "layout-shuffled")["invocation"]["paths"]
    assert len(shuffled) == 8 and shuffled != sorted(shuffled)


def test_variants_sosreport_tarball_has_the_sos_layout(variants_root: Path) -> None:
    doc = variant_doc(variants_root, "zed-mixed", "layout-sosreport")
    assert len(doc["invocation"]["paths"]) == 3
    path = variants_root / "zed-mixed" / "layout-sosreport" / doc["invocation"]["paths"][0]
    assert re.fullmatch(r"sosreport-compute1-2023-03-07-[a-z]{7}\.tar\.xz", path.name)
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(path.read_bytes()))) as tar:
        names = tar.getnames()
        root = path.name.removesuffix(".tar.xz")
        assert f"{root}/hostname" in names and f"{root}/var/log/nova/nova-compute.log" in names
        assert any(n.startswith(f"{root}/sos_commands/") for n in names)
        hostname = tar.extractfile(f"{root}/hostname")
        assert hostname is not None and hostname.read() == b"compute1\n"


def test_variants_stdin_is_every_file_concatenated(variants_root: Path, sets: dict[str, SampleSet]) -> None:
    doc = variant_doc(variants_root, "kilo-files", "layout-stdin")
    assert doc["invocation"] == {"cwd": ".", "paths": ["-"], "stdin": "stdin.log", "flags": []}
    stream = (variants_root / "kilo-files" / "layout-stdin" / "stdin.log").read_text()
    assert len(stream.splitlines()) == sum(len(r.lines) for r in sets["kilo-files"].records)
    export = variant_doc(variants_root, "devstack-2024.1", "layout-stdin-export")
    data = (variants_root / "devstack-2024.1" / "layout-stdin-export" / export["invocation"]["stdin"]).read_bytes()
    assert data == (SAMPLE_LOGS / "devstack-2024.1" / "devstack.journal.export").read_bytes()


@pytest.mark.parametrize("name", ["queens-files", "devstack-2024.1"])
def test_variants_info_only_drops_debug_records_with_their_continuations(variants_root: Path, name: str) -> None:
    root = variants_root / name / "info-only" / "logs"
    text = _text(root)
    assert "CPU doesn't have compatibility" in text or name != "queens-files"  # ERROR multi-line message kept
    for line in text.splitlines():
        assert " DEBUG " not in line[:60] and "DEBUG nova" not in line and "DEBUG oslo" not in line, line
    # the DEBUG 'cpu compare xml' message spans lines: none of its continuation lines may survive
    assert "<arch>x86_64</arch>" not in text
    if name == "devstack-2024.1":
        entries = list(parse_export((root / "devstack.journal.export").read_bytes()))
        assert entries and all(b"DEBUG" not in dict(e)["MESSAGE"][:20] for e in entries)


def test_variants_removal_drops_the_host_everywhere(variants_root: Path) -> None:
    root = variants_root / "devstack-2024.1" / "without-compute2" / "logs"
    assert not (root / "compute2").exists()
    hosts = {dict(e)["_HOSTNAME"] for e in parse_export((root / "devstack.journal.export").read_bytes())}
    assert hosts == {b"controller", b"compute1"}
    only = variant_doc(variants_root, "queens-files", "controller-only")
    assert only["hosts_kept"] == ["controller"]


def test_variants_skew_shifts_every_time_the_host_writes(variants_root: Path, sets: dict[str, SampleSet]) -> None:
    base, skewed = SAMPLE_LOGS / "devstack-2024.1", variants_root / "devstack-2024.1" / "skew-compute1-plus45" / "logs"
    first = (base / "compute1" / "screen-n-cpu.txt").read_text().splitlines()
    moved = (skewed / "compute1" / "screen-n-cpu.txt").read_text().splitlines()
    assert "08:03:11" in first[0] and "08:03:56" in moved[0]  # the journal banner
    for a, b in zip(first[1:50], moved[1:50], strict=True):
        ta, tb = JOURNAL_LINE.match(a), JOURNAL_LINE.match(b)
        assert ta and tb
        assert datetime.strptime(tb.group("ts"), "%b %d %H:%M:%S.%f") - \
            datetime.strptime(ta.group("ts"), "%b %d %H:%M:%S.%f") == timedelta(seconds=45)
    epochs = re.findall(r"LifecycleEvent: (\d+\.\d+)", "\n".join(first)), \
        re.findall(r"LifecycleEvent: (\d+\.\d+)", "\n".join(moved))
    assert epochs[0] and all(abs(float(b) - float(a) - 45) < 1e-6 for a, b in zip(*epochs, strict=True))
    for entry in parse_export((skewed / "devstack.journal.export").read_bytes()):
        fields = dict(entry)
        if fields["_HOSTNAME"] == b"compute1":
            assert f";t={int(fields['__REALTIME_TIMESTAMP']):x};".encode() in fields["__CURSOR"]
    # the controller's clock is untouched
    assert (skewed / "controller" / "screen-n-api.txt").read_bytes() == (base / "controller" / "screen-n-api.txt").read_bytes()


def test_variants_wrong_zone_rewrites_naive_times_only(variants_root: Path) -> None:
    base = (SAMPLE_LOGS / "kilo-files" / "compute1" / "var" / "log" / "nova" / "nova-compute.log").read_text()
    local = (variants_root / "kilo-files" / "tz-compute1" / "logs" / "compute1" / "var" / "log" / "nova"
             / "nova-compute.log").read_text()
    a, b = OSLO_PREFIX.match(base), OSLO_PREFIX.match(local)
    assert a and b
    delta = datetime.strptime(b.group("ts"), "%Y-%m-%d %H:%M:%S.%f") - datetime.strptime(a.group("ts"), "%Y-%m-%d %H:%M:%S.%f")
    assert delta == timedelta(hours=5, minutes=30)
    # epochs are UTC whatever the zone: unchanged
    assert re.findall(r"LifecycleEvent: (\d+\.\d+)", base) == re.findall(r"LifecycleEvent: (\d+\.\d+)", local) or \
        "LifecycleEvent" not in base


def test_variants_flagged_zone_is_told_to_migtrace(variants_root: Path) -> None:
    doc = variant_doc(variants_root, "zed-mixed", "tz-compute1-flagged")
    assert doc["invocation"]["flags"] == ["--tz", "logs/sosreport-compute1-2023-03-07-abcdef=Asia/Kolkata"]
    assert doc["clock_offsets_s"] == {"compute1": 0.0}
    assert variant_doc(variants_root, "zed-mixed", "tz-compute1")["clock_offsets_s"] == {"compute1": 19800.0}


def test_variants_single_host_file_is_attributed_by_its_own_lines(sets: dict[str, SampleSet]) -> None:
    sset = sets["train-single-host"]
    assert [f.rel for f in sset.files] == ["nova-compute.log"] and sset.files[0].host == "compute2"
    assert json.loads((SAMPLE_LOGS / "train-single-host" / "truth.json").read_text())[3]["request_ids"] == []


def test_variants_records_keep_tracebacks_with_their_header(sets: dict[str, SampleSet]) -> None:
    recs = [r for r in sets["queens-files"].records if "Exception during message handling" in r.text]
    assert recs and all(len(r.lines) > 5 and "Traceback (most recent call last):" in r.text for r in recs)
    assert all(r.time is not None and r.time.tzinfo is UTC for r in sets["queens-files"].records)


def test_variants_load_set_reads_what_the_set_holds() -> None:
    sset = load_set(SAMPLE_LOGS / "zed-mixed")
    assert sset.hosts() == ["controller", "compute1", "compute2"] and sset.computes() == ["compute1", "compute2"]
    assert {f.host for f in sset.files if "sosreport" in f.rel} == {"compute1"}
