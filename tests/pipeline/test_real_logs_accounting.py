"""Every real log excerpt in shared/real_logs loads with full line accounting.

These are public excerpts (tickets, pastes, blogs, mailing lists; see
PROVENANCE.md) in all the shapes users really paste.  Each must load through
the whole pipeline without an exception and with balanced accounting.  The
numbers below were measured when this test was written; they are the floor
a change must not fall below: the format stays recognised, the records do
not decrease and the unparsed lines do not increase.  When a parser change
improves a file, raise its numbers here in the same commit.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import pytest

from migtrace import load
from migtrace.pipeline import Analysis
from tests.conftest import REAL_LOGS, needs_shared

pytestmark = needs_shared


class Today(NamedTuple):
    """What a file gave when the expectations were recorded."""

    fmt: str
    records: int
    unparsed: int


RECORDED: dict[str, Today] = {
    "PROVENANCE.md":
        Today("unrecognised", records=0, unparsed=42),
    "blog_cn_livemig_selinux_seclabel_mismatch_ncpu.log":
        Today("oslo", records=3, unparsed=0),
    "blog_kr_grizzly_livemig_unsafe_cache_markdown_escaped.log":
        Today("oslo+indent", records=1, unparsed=0),
    "blog_vn_livemig_postcopy_unsupported_ncpu.log":
        Today("oslo", records=4, unparsed=0),
    "elasticrecheck_migration_signature_queries_NOT_LOGS.txt":
        Today("unrecognised", records=0, unparsed=73),
    "gh_cinder_kilo_volmigrate_iscsiadm_no_session_exit21_cinder-volume.log":
        Today("oslo+hashes", records=7, unparsed=0),
    "gh_emcvnx4_kilo_livemig_migration_instance_not_found_remote_tb.log":
        Today("unrecognised", records=0, unparsed=19),
    "gh_novalxd33_liberty_resize_failed_instance_prefixed_traceback_ncpu.log":
        Today("oslo", records=1, unparsed=0),
    "gh_novaoperator1001_edpm_journal_MigrationPreCheckError_cpu_compare.log":
        Today("journal-text", records=1, unparsed=0),
    "gh_novaoperator480_antelope_coldmigrate_resize_refers_to_another_host_ncpu.log":
        Today("oslo", records=3, unparsed=0),
    "gh_novaoperator621_antelope_livemig_paused_EOF_failure_ncpu.log":
        Today("oslo", records=1, unparsed=3),
    "gh_openstackforensics_havana_nova-compute_excerpt_L100-200.log":
        Today("oslo", records=73, unparsed=0),
    "gh_puppetlabs162_icehouse_resize_novalidhost_conductor_wrapped.log":
        Today("oslo", records=3, unparsed=1),
    "gh_qeas_devstack_journal_n-cpu_volume_boot.log":
        Today("journal-text", records=76, unparsed=0),
    "gh_rcbops262_folsom_block_migration_failed_ncpu.log":
        Today("oslo", records=4, unparsed=1),
    "gist_mnaser_ocata_osbrick_iscsi_rescan_ncpu_gisttable.txt":
        Today("oslo+gist-table", records=4, unparsed=0),
    "ml_qemudevel_lp1929710_wallaby_devstack_journal_ncpu_quotedprintable.txt":
        Today("unrecognised", records=0, unparsed=65),
    "ml_yahooengteam_lp1414065_kilo_devstack_livemig_wrapped72.log":
        Today("oslo+indent", records=2, unparsed=0),
    "osloganalyze_pike_devstack_journal_c-api_sample.txt":
        Today("journal-text", records=9, unparsed=0),
    "pastebin_1sdyYNZ5_ocata_grep_uuid_claims_64hex_userid.txt":
        Today("oslo+list-dash", records=4, unparsed=1),
    "pastebin_2WxVCbGT_folsom_ncpu_terminal_escape_residue.txt":
        Today("oslo+list-dash", records=6, unparsed=0),
    "pastebin_DHPWEkaZ_newton_livemig_EOF_aborted_src_libvirt_and_dest_syslog.txt":
        Today("oslo+list-dash", records=7, unparsed=3),
    "pastebin_Ly9kT60T_liberty_devstack_pre_live_migration_failed_wrapped.txt":
        Today("oslo+list-dash", records=1, unparsed=1),
    "pastebin_cY82PP34_queens_livemig_postcopy_success_src_ncpu.txt":
        Today("oslo+pastebin-number", records=5, unparsed=0),
    "pastebin_gdMsXLE1_pike_devstack_journalctl_unit_n-cpu_grep_error.txt":
        Today("journal-text+list-dash", records=3, unparsed=1),
    "pastebin_ix6q0xL3_mitaka_MigrationError_graphics_listen_conductor.txt":
        Today("oslo+list-dash", records=1, unparsed=0),
    "pastebin_sQiRg0eD_kolla_ceph_librados_EPERM_NOT_NOVA.txt":
        Today("lines+list-dash", records=1, unparsed=1),
    "pastebin_zptiw5jn_stein_osbrick_iscsi_login_failed_no_active_sessions_ncpu.txt":
        Today("oslo+pastebin-number", records=4, unparsed=0),
    "pastebin_zrBSLtMn_livemig_qemu_closed_monitor_cpu_ncpu.txt":
        Today("oslo+pastebin-number", records=1, unparsed=1),
}

UNRECOGNISED = {"unrecognised", "binary", "empty", "unknown"}


def _files() -> list[str]:
    return sorted(p.name for p in REAL_LOGS.iterdir() if p.is_file()) if REAL_LOGS.is_dir() else []


@functools.cache
def _load(name: str) -> Analysis:
    """Read one excerpt once per session: three tests judge the same (frozen) analysis.

    Every record is parsed (not the selective read of moves' records): these numbers measure the parsers.
    """
    return load(str(REAL_LOGS / name), select=False)


@pytest.mark.parametrize("name", _files())
def test_real_logs_load_balanced(name: str) -> None:
    analysis = _load(name)
    assert len(analysis.stats) == 1
    stats = analysis.stats[0]
    assert stats.balanced, stats
    assert stats.lines_read == sum(1 for _ in (REAL_LOGS / name).open("rb"))
    assert stats.errors == []


@pytest.mark.parametrize("name", _files())
def test_real_logs_no_regression_from_recorded(name: str) -> None:
    assert name in RECORDED, f"new file {name}: record its numbers in RECORDED"
    stats = _load(name).stats[0]
    today = RECORDED[name]
    if today.fmt not in UNRECOGNISED:
        assert stats.fmt not in UNRECOGNISED, f"{name} is no longer recognised ({stats.fmt})"
    assert stats.records >= today.records
    assert stats.unparsed_lines <= today.unparsed, stats.unparsed_examples


def test_real_logs_fully_parsed_set() -> None:
    fully = {name for name in _files() if _load(name).stats[0].unparsed_lines == 0}
    expected = {name for name, today in RECORDED.items() if today.unparsed == 0}
    assert fully >= expected, f"no longer fully parsed: {sorted(expected - fully)}"
    assert len(expected) == 16


def test_real_logs_whole_directory_balanced() -> None:
    analysis = load(str(REAL_LOGS))
    names = {Path(s.path).name for s in analysis.stats}
    assert "PROVENANCE.md" not in names  # a directory walk skips documentation
    assert all(s.balanced for s in analysis.stats)
    assert analysis.migrations, "the excerpts hold several migrations"
