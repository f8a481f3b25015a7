"""DEBUG call sites: the ``funcName pathname:lineno`` suffix oslo.log adds to DEBUG lines.

Each site is (funcName, path relative to site-packages, queens line, master
line).  Queens and master numbers come from the appendix TSVs of the nova
log catalog where the call is listed there; the other releases are derived
from them (files grow roughly linearly between releases), which keeps the
suffixes plausible without pretending to exact line numbers for every
release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.samplegen.core import Release

Site = tuple[str, str, int, int]

_SCALE = {"kilo": 0.86, "queens": 1.0, "zed": 0.95, "caracal": 0.985}


def resolve_site(site: Site, release: Release) -> tuple[str, str, int]:
    """Return (funcName, absolute path, line) for this release."""
    func, rel, q_line, m_line = site
    if rel.startswith("nova/"):
        if rel == "nova/network/neutronv2/api.py" and release.era in ("zed", "caracal"):
            rel = "nova/network/neutron.py"
        path = release.nova_root + rel[4:]
        if release.era in ("kilo", "queens"):
            line = round(q_line * _SCALE[release.era])
        else:
            line = round(m_line * _SCALE[release.era])
    else:
        if release.era == "kilo" and rel.startswith("oslo_service/"):
            rel = "nova/openstack/common/" + rel.split("/", 1)[1]
            path = release.lib_root + "/" + rel
        else:
            path = release.lib_root + "/" + rel
        line = q_line if release.era in ("kilo", "queens") else m_line
    return func, path, line


# --- oslo libraries -------------------------------------------------------
PERIODIC = ("run_periodic_tasks", "oslo_service/periodic_task.py", 215, 210)
LOCK_ACQ = ("inner", "oslo_concurrency/lockutils.py", 273, 409)
LOCK_ACQUIRING = ("inner", "oslo_concurrency/lockutils.py", 270, 404)
LOCK_REL = ("inner", "oslo_concurrency/lockutils.py", 285, 423)
LOCK_PLAIN = ("lock", "oslo_concurrency/lockutils.py", 212, 312)
LOCK_PLAIN_ACQ = ("lock", "oslo_concurrency/lockutils.py", 215, 315)
LOCK_PLAIN_REL = ("lock", "oslo_concurrency/lockutils.py", 228, 333)
CMD_RUN = ("execute", "oslo_concurrency/processutils.py", 372, 384)
CMD_RET = ("execute", "oslo_concurrency/processutils.py", 409, 422)
CMD_FAILED = ("execute", "oslo_concurrency/processutils.py", 457, 473)

# --- nova api -------------------------------------------------------------
API_ACTION = ("_process_stack", "nova/api/openstack/wsgi.py", 604, 545)
API_LIVE = ("live_migrate", "nova/compute/api.py", 4437, 5579)
API_FORCE = ("live_migrate_force_complete", "nova/compute/api.py", 4497, 5639)
API_FLAVOR_NONE = ("resize", "nova/compute/api.py", 3431, 4330)
API_OLD_NEW = ("resize", "nova/compute/api.py", 3455, 4354)
API_EVAC = ("evacuate", "nova/compute/api.py", 4579, 5724)
API_EXT_EVENT = ("create", "nova/api/openstack/compute/server_external_events.py", 127, 129)

# --- conductor ------------------------------------------------------------
COND_REQ_CELL_LM = ("_get_request_spec_for_select_destinations", "nova/conductor/tasks/live_migrate.py", 328, 516)
COND_SKIP = ("_find_destination", "nova/conductor/tasks/live_migrate.py", 372, 577)
COND_BIND = ("_bind_ports_on_destination", "nova/conductor/tasks/live_migrate.py", 300, 404)
COND_ALLOC_MIG = ("replace_allocation_with_migration", "nova/conductor/tasks/migrate.py", 75, 88)
COND_REQ_CELL_MIG = ("_execute", "nova/conductor/tasks/migrate.py", 192, 283)
COND_PREP = ("_execute", "nova/conductor/tasks/migrate.py", 304, 325)
COND_SELECTED = ("build_instances", "nova/conductor/manager.py", 1261, 1773)
COND_CLAIM_DEST = ("claim_resources_on_destination", "nova/scheduler/utils.py", 402, 932)
COND_ATTEMPT_CLAIM = ("claim_resources", "nova/scheduler/utils.py", 852, 1345)

# --- scheduler ------------------------------------------------------------
SCH_START = ("select_destinations", "nova/scheduler/manager.py", 110, 197)
SCH_FILTER = ("get_filtered_objects", "nova/filters.py", 102, 102)
SCH_FILTERED = ("_get_sorted_hosts", "nova/scheduler/filter_scheduler.py", 404, 650)
SCH_WEIGHED = ("_get_sorted_hosts", "nova/scheduler/filter_scheduler.py", 423, 672)
SCH_SELECTED = ("_consume_selected_host", "nova/scheduler/filter_scheduler.py", 325, 612)
SCH_RETRY = ("host_passes", "nova/scheduler/filters/retry_filter.py", 42, 42)
SCH_HOSTSTATE = ("_get_host_states", "nova/scheduler/host_manager.py", 732, 780)

# --- compute manager ------------------------------------------------------
CM_DEST_CHECK = ("check_can_live_migrate_destination", "nova/compute/manager.py", 6197, 9191)
CM_SRC_CHECK = ("check_can_live_migrate_source", "nova/compute/manager.py", 6231, 9399)
CM_PRE_DATA = ("pre_live_migration", "nova/compute/manager.py", 6250, 9438)
CM_PRE_DRIVER = ("pre_live_migration", "nova/compute/manager.py", 6304, 9504)
CM_PRE_RESULT = ("pre_live_migration", "nova/compute/manager.py", 6347, 9570)
CM_WAIT_EVENT = ("prepare_for_instance_event", "nova/compute/manager.py", 329, 307)
CM_LM_DATA = ("_do_live_migration", "nova/compute/manager.py", 6463, 9786)
CM_POST_SRC = ("_post_live_migration", "nova/compute/manager.py", 6680, 10192)
CM_CLEANUP = ("_post_live_migration", "nova/compute/manager.py", 6732, 10215)
CM_DROP_CLAIM = ("_rollback_live_migration", "nova/compute/manager.py", 6960, 10590)
CM_DROP_CLAIM_DEST = ("drop_move_claim_at_destination", "nova/compute/manager.py", 7050, 10622)
CM_RECEIVED = ("external_instance_event", "nova/compute/manager.py", 8125, 11974)
CM_PROCESSING = ("_process_instance_event", "nova/compute/manager.py", 8010, 11732)
CM_SYNC = ("handle_lifecycle_event", "nova/compute/manager.py", 1129, 1362)
CM_BINDING = ("handle_lifecycle_event", "nova/compute/manager.py", 1140, 1391)
CM_STASH = ("_prep_resize", "nova/compute/manager.py", 4362, 6241)
CM_CONFIRM = ("do_confirm_resize", "nova/compute/manager.py", 3890, 5355)
CM_RESCHED = ("_reschedule", "nova/compute/manager.py", 1486, 6429)
CM_SHARED = ("_do_rebuild_instance", "nova/compute/manager.py", 3190, 4102)
CM_HEAL_START = ("_heal_instance_info_cache", "nova/compute/manager.py", 7070, 10560)
CM_HEAL_REBUILD = ("_heal_instance_info_cache", "nova/compute/manager.py", 7074, 10564)
CM_HEAL_UPDATED = ("_heal_instance_info_cache", "nova/compute/manager.py", 7141, 10638)
CM_RECLAIM = ("_reclaim_queued_deletes", "nova/compute/manager.py", 7590, 11145)
CM_INCOMPLETE = ("_cleanup_incomplete_migrations", "nova/compute/manager.py", 8190, 11842)
CM_STARTING = ("_do_build_and_run_instance", "nova/compute/manager.py", 1860, 2316)

# --- resource tracker -----------------------------------------------------
RT_AUDIT = ("update_available_resource", "nova/compute/resource_tracker.py", 700, 937)
RT_HYPERVISOR = ("_report_hypervisor_resource_view", "nova/compute/resource_tracker.py", 840, 1080)
RT_TOTAL = ("_report_final_resource_view", "nova/compute/resource_tracker.py", 855, 1100)
RT_FINAL = ("_report_final_resource_view", "nova/compute/resource_tracker.py", 864, 1109)
RT_UPDATED = ("_update_available_resource", "nova/compute/resource_tracker.py", 797, 1037)
RT_TRACK_IN = ("_update_usage_from_migration", "nova/compute/resource_tracker.py", 1010, 1478)
RT_INV = ("_update_inventory", "nova/scheduler/client/report.py", 935, 990)

# --- libvirt driver -------------------------------------------------------
LV_CPU_XML = ("_compare_cpu", "nova/virt/libvirt/driver.py", 6933, 11222)
LV_TMPFILE = ("_create_shared_storage_test_file", "nova/virt/libvirt/driver.py", 6955, 11244)
LV_CHECK_TMP = ("_check_shared_storage_test_file", "nova/virt/libvirt/driver.py", 6979, 11268)
LV_PRE_MIGDATA = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7637, 12042)
LV_PRE_DIR = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7650, 12055)
LV_PRE_DISKINFO = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7664, 12069)
LV_PRE_IMAGES = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7674, 12079)
LV_PRE_VOLUMES = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7711, 12103)
LV_PRE_VIFS = ("pre_live_migration", "nova/virt/libvirt/driver.py", 7732, 12015)
LV_PRE_VIFS_BIND = ("_pre_live_migration_plug_vifs", "nova/virt/libvirt/driver.py", 7732, 12009)
LV_START_MON = ("_live_migration", "nova/virt/libvirt/driver.py", 7536, 11843)
LV_ABOUT = ("_live_migration_operation", "nova/virt/libvirt/driver.py", 7150, 11475)
LV_API_DONE = ("_live_migration_operation", "nova/virt/libvirt/driver.py", 7170, 11484)
LV_THREAD_DONE = ("_live_migration_operation", "nova/virt/libvirt/driver.py", 7192, 11532)
LV_NOT_RUNNING = ("_live_migration_monitor", "nova/virt/libvirt/driver.py", 7320, 11656)
LV_PROGRESS = ("_live_migration_monitor", "nova/virt/libvirt/driver.py", 7429, 11741)
LV_DATA_REMAINING = ("_live_migration_monitor", "nova/virt/libvirt/driver.py", 7438, 11750)
LV_MON_DONE = ("_live_migration", "nova/virt/libvirt/driver.py", 7547, 11869)
LV_MIGRATE_DISK = ("migrate_disk_and_power_off", "nova/virt/libvirt/driver.py", 8246, 12731)
LV_SHUTTING = ("_clean_shutdown", "nova/virt/libvirt/driver.py", 2992, 4427)
LV_FINISH = ("finish_migration", "nova/virt/libvirt/driver.py", 8380, 12918)
LV_FINISH_DONE = ("finish_migration", "nova/virt/libvirt/driver.py", 8471, 13013)
LV_REVERT = ("finish_revert_migration", "nova/virt/libvirt/driver.py", 8490, 13063)
LV_REVERT_DONE = ("finish_revert_migration", "nova/virt/libvirt/driver.py", 8530, 13109)
LV_WAIT_DESTROY = ("_wait_for_destroy", "nova/virt/libvirt/driver.py", 990, 1590)
LV_CONNECT_VOL = ("connect_volume", "nova/virt/libvirt/volume/iscsi.py", 310, 64)
LV_ISCSIADM = ("_run_iscsiadm", "nova/virt/libvirt/volume/iscsi.py", 150, 150)
MIG_FIND_JOB = ("find_job_type", "nova/virt/libvirt/migration.py", 241, 241)
RFS_FILE = ("create_file", "nova/virt/libvirt/volume/remotefs.py", 83, 79)
RFS_DIR = ("create_dir", "nova/virt/libvirt/volume/remotefs.py", 95, 91)
RFS_COPY = ("copy_file", "nova/virt/libvirt/volume/remotefs.py", 107, 103)
DRV_EMIT = ("emit_event", "nova/virt/driver.py", 1546, 1893)
HOST_REMOVED = ("_event_emit_delayed", "nova/virt/libvirt/host.py", 301, 520)
NET_UPDATE_CACHE = ("_get_instance_nw_info", "nova/network/neutronv2/api.py", 1480, 1987)
NET_BINDING = ("_update_port_binding_for_instance", "nova/network/neutronv2/api.py", 2860, 3470)
