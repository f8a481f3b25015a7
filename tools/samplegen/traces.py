"""Python tracebacks as nova's services print them, and the texts embedded in exceptions."""

from __future__ import annotations

from tools.samplegen.core import Release

CPU_XML = """<cpu>
  <arch>x86_64</arch>
  <model>Skylake-Server-IBRS</model>
  <vendor>Intel</vendor>
  <topology sockets="1" cores="2" threads="1"/>
  <feature name="pcid"/>
  <feature name="ssbd"/>
  <feature name="avx512f"/>
</cpu>
"""

Frame = tuple[str, int, str, str]  # path (relative to site-packages), line, function, code


def libvirt_error_class(release: Release) -> str:
    """Return how format_exception_only names a libvirtError in this Python."""
    return "libvirt.libvirtError" if release.py3 else "libvirtError"


def _frames(release: Release, frames: list[Frame]) -> list[str]:
    out = []
    for path, line, func, code in frames:
        root = release.nova_root[: -len("/nova")] if path.startswith("nova/") else release.lib_root
        out.append(f'  File "{root}/{path}", line {line}, in {func}')
        out.append(f"    {code}")
    return out


def _exc(cls: str, text: str) -> list[str]:
    return f"{cls}: {text}".split("\n")


def _absolute_tb(frames: list[tuple[str, int, str, str]], cls: str, text: str) -> list[str]:
    """Return a traceback whose frames already carry absolute paths (the Kilo ones)."""
    out = ["Traceback (most recent call last):"]
    for path, line, func, code in frames:
        out += [f'  File "{path}", line {line}, in {func}', f"    {code}"]
    return out + _exc(cls, text)


def rpc_server_tb(release: Release, method: str, frames: list[Frame], cls: str, text: str) -> list[str]:
    """Return the traceback oslo.messaging's RPC server logs for a failing compute method."""
    head: list[Frame] = [
        ("oslo_messaging/rpc/server.py", 163, "_process_incoming", "res = self.dispatcher.dispatch(message)"),
        ("oslo_messaging/rpc/dispatcher.py", 220, "dispatch", "return self._do_dispatch(endpoint, method, ctxt, args)"),
        ("oslo_messaging/rpc/dispatcher.py", 190, "_do_dispatch", "result = func(ctxt, **new_args)"),
        ("nova/exception_wrapper.py", 76, "wrapped", "function_name, call_dict, binary)"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/exception_wrapper.py", 67, "wrapped", "return f(self, context, *args, **kw)"),
    ]
    if release.era in ("zed", "caracal"):
        head = [
            ("oslo_messaging/rpc/server.py", 165, "_process_incoming", "res = self.dispatcher.dispatch(message)"),
            ("oslo_messaging/rpc/dispatcher.py", 309, "dispatch", "return self._do_dispatch(endpoint, method, ctxt, args)"),
            ("oslo_messaging/rpc/dispatcher.py", 229, "_do_dispatch", "result = func(ctxt, **new_args)"),
            ("nova/exception_wrapper.py", 65, "wrapped", "with excutils.save_and_reraise_exception():"),
            ("oslo_utils/excutils.py", 227, "__exit__", "self.force_reraise()"),
            ("oslo_utils/excutils.py", 200, "force_reraise", "raise self.value"),
            ("nova/exception_wrapper.py", 63, "wrapped", "return f(self, context, *args, **kw)"),
        ]
    return ["Traceback (most recent call last):", *_frames(release, head + frames), *_exc(cls, text)]


def conductor_cast_tb(release: Release, cls: str, text: str) -> list[str]:
    """Return the conductor's traceback for a re-raised pre-check error in live_migrate_instance."""
    frames: list[Frame] = [
        ("oslo_messaging/rpc/server.py", 163, "_process_incoming", "res = self.dispatcher.dispatch(message)"),
        ("oslo_messaging/rpc/dispatcher.py", 220, "dispatch", "return self._do_dispatch(endpoint, method, ctxt, args)"),
        ("oslo_messaging/rpc/dispatcher.py", 190, "_do_dispatch", "result = func(ctxt, **new_args)"),
        ("nova/conductor/manager.py", 403, "live_migrate_instance", "self._live_migrate(context, instance, scheduler_hint, block_migration, disk_over_commit, request_spec)"),
        ("nova/conductor/manager.py", 428, "_live_migrate", "migration.save()"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/conductor/manager.py", 407, "_live_migrate", "task.execute()"),
        ("nova/conductor/tasks/base.py", 27, "wrap", "self.rollback()"),
        ("oslo_utils/excutils.py", 220, "__exit__", "self.force_reraise()"),
        ("oslo_utils/excutils.py", 196, "force_reraise", "six.reraise(self.type_, self.value, self.tb)"),
        ("six.py", 693, "reraise", "raise value"),
        ("nova/conductor/tasks/base.py", 24, "wrap", "return original(self)"),
        ("nova/conductor/tasks/live_migrate.py", 68, "_execute", "self._check_requested_destination()"),
        ("nova/conductor/tasks/live_migrate.py", 201, "_check_requested_destination", "self._call_livem_checks_on_host(self.destination)"),
        ("nova/conductor/tasks/live_migrate.py", 230, "_call_livem_checks_on_host", "self.block_migration, self.disk_over_commit)"),
        ("nova/compute/rpcapi.py", 533, "check_can_live_migrate_destination", "disk_over_commit=disk_over_commit)"),
        ("oslo_messaging/rpc/client.py", 174, "call", "retry=self.retry)"),
        ("oslo_messaging/transport.py", 131, "_send", "timeout=timeout, retry=retry)"),
        ("oslo_messaging/_drivers/amqpdriver.py", 559, "send", "retry=retry)"),
        ("oslo_messaging/_drivers/amqpdriver.py", 550, "_send", "raise result"),
    ]
    return ["Traceback (most recent call last):", *_frames(release, frames), *_exc(cls, text)]


def remote_tb_text(tb: list[str], *, py2: bool = False) -> str:
    """Return the remote traceback text oslo.messaging appends to a deserialized exception.

    The sender's ``traceback.format_exception`` list is joined with newlines,
    and each element already ends with one, hence the blank lines between
    frames.  Python 2 RemoteError prints the list itself instead.
    """
    entries: list[str] = [tb[0] + "\n"]
    i = 1
    while i < len(tb) and tb[i].startswith("  File "):
        entries.append(tb[i] + "\n" + tb[i + 1] + "\n")
        i += 2
    entries.append("\n".join(tb[i:]) + "\n")
    if py2:
        return "[" + ", ".join("u" + repr(e) for e in entries) + "]"
    return "\n".join(entries).rstrip("\n")


def kilo_pre_live_dst_tb(exc_text: str) -> list[str]:
    """Return the Kilo DST dispatcher traceback for pre_live_migration's iscsiadm failure."""
    r = "/usr/lib/python2.7/dist-packages"
    fr = [
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 142, "_dispatch_and_reply", "executor_callback))"),
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 186, "_dispatch", "executor_callback)"),
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 130, "_do_dispatch", "result = func(ctxt, **new_args)"),
        (f"{r}/nova/exception.py", 88, "wrapped", "payload)"),
        (f"{r}/oslo_utils/excutils.py", 85, "__exit__", "six.reraise(self.type_, self.value, self.tb)"),
        (f"{r}/nova/exception.py", 71, "wrapped", "return f(self, context, *args, **kw)"),
        (f"{r}/nova/compute/manager.py", 5262, "pre_live_migration", "migrate_data)"),
        (f"{r}/nova/virt/libvirt/driver.py", 5854, "pre_live_migration", "vol['mount_device'])"),
        (f"{r}/nova/virt/libvirt/driver.py", 1191, "_connect_volume", "driver.connect_volume(connection_info, disk_info)"),
        (f"{r}/oslo_concurrency/lockutils.py", 445, "inner", "return f(*args, **kwargs)"),
        (f"{r}/nova/virt/libvirt/volume.py", 409, "connect_volume", 'self._run_iscsiadm(iscsi_properties, ("--rescan",))'),
        (f"{r}/nova/virt/libvirt/volume.py", 236, "_run_iscsiadm", "check_exit_code=check_exit_code)"),
        (f"{r}/nova/utils.py", 209, "execute", "return processutils.execute(*cmd, **kwargs)"),
        (f"{r}/oslo_concurrency/processutils.py", 233, "execute", "cmd=sanitized_cmd)"),
    ]
    return _absolute_tb(fr, "ProcessExecutionError", exc_text)


def kilo_pre_live_src_tb(remote: str) -> list[str]:
    """Return the Kilo SRC LOG.exception traceback for 'Pre live migration failed at'."""
    r = "/usr/lib/python2.7/dist-packages"
    fr = [
        (f"{r}/nova/compute/manager.py", 5361, "live_migration", "block_migration, disk, dest, migrate_data)"),
        (f"{r}/nova/compute/rpcapi.py", 644, "pre_live_migration", "disk=disk, migrate_data=migrate_data)"),
        (f"{r}/oslo_messaging/rpc/client.py", 156, "call", "retry=self.retry)"),
        (f"{r}/oslo_messaging/transport.py", 90, "_send", "timeout=timeout, retry=retry)"),
        (f"{r}/oslo_messaging/_drivers/amqpdriver.py", 350, "send", "retry=retry)"),
        (f"{r}/oslo_messaging/_drivers/amqpdriver.py", 341, "_send", "raise result"),
    ]
    return _absolute_tb(fr, "RemoteError", remote)


def kilo_src_dispatch_tb(remote: str) -> list[str]:
    """Return the Kilo SRC dispatcher traceback when live_migration re-raises."""
    r = "/usr/lib/python2.7/dist-packages"
    fr = [
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 142, "_dispatch_and_reply", "executor_callback))"),
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 186, "_dispatch", "executor_callback)"),
        (f"{r}/oslo_messaging/rpc/dispatcher.py", 130, "_do_dispatch", "result = func(ctxt, **new_args)"),
        (f"{r}/nova/exception.py", 88, "wrapped", "payload)"),
        (f"{r}/oslo_utils/excutils.py", 85, "__exit__", "six.reraise(self.type_, self.value, self.tb)"),
        (f"{r}/nova/exception.py", 71, "wrapped", "return f(self, context, *args, **kw)"),
        (f"{r}/nova/compute/manager.py", 363, "decorated_function", "kwargs['instance'], e, sys.exc_info())"),
        (f"{r}/oslo_utils/excutils.py", 85, "__exit__", "six.reraise(self.type_, self.value, self.tb)"),
        (f"{r}/nova/compute/manager.py", 351, "decorated_function", "return function(self, context, *args, **kwargs)"),
        (f"{r}/nova/compute/manager.py", 5366, "live_migration", "migrate_data)"),
        (f"{r}/oslo_utils/excutils.py", 85, "__exit__", "six.reraise(self.type_, self.value, self.tb)"),
        (f"{r}/nova/compute/manager.py", 5361, "live_migration", "block_migration, disk, dest, migrate_data)"),
        (f"{r}/nova/compute/rpcapi.py", 644, "pre_live_migration", "disk=disk, migrate_data=migrate_data)"),
        (f"{r}/oslo_messaging/rpc/client.py", 156, "call", "retry=self.retry)"),
        (f"{r}/oslo_messaging/transport.py", 90, "_send", "timeout=timeout, retry=retry)"),
        (f"{r}/oslo_messaging/_drivers/amqpdriver.py", 350, "send", "retry=retry)"),
        (f"{r}/oslo_messaging/_drivers/amqpdriver.py", 341, "_send", "raise result"),
    ]
    return _absolute_tb(fr, "RemoteError", remote)


def frames_tb(release: Release, frames: list[Frame], cls: str, text: str) -> list[str]:
    """Return a plain traceback from explicit frames."""
    return ["Traceback (most recent call last):", *_frames(release, frames), *_exc(cls, text)]


#: InvalidSharedStorage raised by the source's check (Yoga line numbers)
SHARED_STORAGE_SRC_FRAMES: list[Frame] = [
    ("nova/compute/utils.py", 1434, "decorated_function", "return function(self, context, *args, **kwargs)"),
    ("nova/compute/manager.py", 8480, "check_can_live_migrate_source", "dest_check_data)"),
    ("nova/virt/libvirt/driver.py", 9148, "check_can_live_migrate_source",
     "raise exception.InvalidSharedStorage(reason=reason, path=source)"),
]

#: the destination's check calling the source over RPC and re-raising its error
SHARED_STORAGE_DST_FRAMES: list[Frame] = [
    ("nova/compute/utils.py", 1434, "decorated_function", "return function(self, context, *args, **kwargs)"),
    ("nova/compute/manager.py", 8381, "check_can_live_migrate_destination",
     "migrate_data = self.compute_rpcapi.check_can_live_migrate_source("),
    ("nova/compute/rpcapi.py", 605, "check_can_live_migrate_source", "return cctxt.call(ctxt, 'check_can_live_migrate_source',"),
    ("oslo_messaging/rpc/client.py", 190, "call", "result = self.transport._send("),
    ("oslo_messaging/transport.py", 123, "_send", "return self._driver.send(target, ctxt, message,"),
    ("oslo_messaging/_drivers/amqpdriver.py", 689, "send", "return self._send(target, ctxt, message, wait_for_reply, timeout,"),
    ("oslo_messaging/_drivers/amqpdriver.py", 681, "_send", "raise result"),
]

#: the scheduler's select_destinations when every host is filtered or ignored (Yoga)
NO_VALID_HOST_SCHED_FRAMES: list[Frame] = [
    ("oslo_messaging/rpc/server.py", 241, "inner", "return func(*args, **kwargs)"),
    ("nova/scheduler/manager.py", 209, "select_destinations", "selections = self._select_destinations("),
    ("nova/scheduler/manager.py", 238, "_select_destinations", "selections = self._schedule("),
    ("nova/scheduler/manager.py", 421, "_schedule", "self._ensure_sufficient_hosts("),
    ("nova/scheduler/manager.py", 464, "_ensure_sufficient_hosts", "raise exception.NoValidHost(reason=reason)"),
]

#: the conductor's live_migrate_instance cast re-raising NoValidHost from _find_destination (Yoga)
LIVE_FIND_DESTINATION_COND_FRAMES: list[Frame] = [
    ("oslo_messaging/rpc/server.py", 165, "_process_incoming", "res = self.dispatcher.dispatch(message)"),
    ("oslo_messaging/rpc/dispatcher.py", 309, "dispatch", "return self._do_dispatch(endpoint, method, ctxt, args)"),
    ("oslo_messaging/rpc/dispatcher.py", 229, "_do_dispatch", "result = func(ctxt, **new_args)"),
    ("nova/conductor/manager.py", 478, "live_migrate_instance", "self._live_migrate(context, instance, scheduler_hint,"),
    ("nova/conductor/manager.py", 552, "_live_migrate", "migration.save()"),
    ("oslo_utils/excutils.py", 227, "__exit__", "self.force_reraise()"),
    ("oslo_utils/excutils.py", 200, "force_reraise", "raise self.value"),
    ("nova/conductor/manager.py", 529, "_live_migrate", "task.execute()"),
    ("nova/conductor/tasks/base.py", 25, "wrap", "with excutils.save_and_reraise_exception():"),
    ("oslo_utils/excutils.py", 227, "__exit__", "self.force_reraise()"),
    ("oslo_utils/excutils.py", 200, "force_reraise", "raise self.value"),
    ("nova/conductor/tasks/base.py", 23, "wrap", "return original(self)"),
    ("nova/conductor/tasks/live_migrate.py", 102, "_execute",
     "self.destination, dest_node, self.limits = self._find_destination()"),
    ("nova/conductor/tasks/live_migrate.py", 560, "_find_destination", "selection_lists = self.query_client.select_destinations("),
    ("nova/scheduler/client/query.py", 41, "select_destinations", "return self.scheduler_rpcapi.select_destinations(context, spec_obj,"),
    ("nova/scheduler/rpcapi.py", 160, "select_destinations", "return cctxt.call(ctxt, 'select_destinations', **msg_args)"),
    ("oslo_messaging/rpc/client.py", 190, "call", "result = self.transport._send("),
    ("oslo_messaging/transport.py", 123, "_send", "return self._driver.send(target, ctxt, message,"),
    ("oslo_messaging/_drivers/amqpdriver.py", 689, "send", "return self._send(target, ctxt, message, wait_for_reply, timeout,"),
    ("oslo_messaging/_drivers/amqpdriver.py", 681, "_send", "raise result"),
]
