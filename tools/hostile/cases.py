"""The hostile inputs: one directory per case, a good nova log always beside the bad input.

Every case is a `Case`: a builder that writes its directory (deterministic
bytes; special files where the machine allows them), the command-line paths
and options it is run with, and what a correct product does (exit codes,
records to account for).  The good file sits at `GOOD` in every case, so the
runner can check that it is still read in full however hostile its
neighbours are.

Sizes that only matter to memory and time (bombs, sparse no-newline input,
the many-files case, the 1 MB regex token) come from a `Scale`, so CI builds
the same shapes at a size that takes seconds, while `--scale full` rebuilds
the numbers the issue reports.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tools.hostile import nova, payloads, specials
from tools.hostile.nova import INSTANCE, REQ, T0, good_lines, oslo, text

GOOD = "compute1/var/log/nova/nova-compute.log"
BAD = "compute2/var/log/nova"
#: a second migration, for the bad files' own records (so they can be counted apart)
REQ2 = "req-9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
INSTANCE2 = "5b4a3928-1706-4f5e-9d4c-3b2a19087f6e"
T2 = datetime(2018, 3, 1, 11, 0, 0, 500000)


@dataclass(frozen=True, slots=True)
class Scale:
    """Sizes of the cases that test memory and time rather than logic."""

    name: str
    bomb_bytes: int
    sparse_bytes: int
    many_files: int
    regex_tokens: tuple[int, ...]
    big_line_bytes: int = 12 << 20
    deep_dirs: int = 1100


SCALES = {
    # a bomb or sparse file twice the CI address-space limit (run.py: 512 MiB)
    "ci": Scale("ci", bomb_bytes=1 << 30, sparse_bytes=1 << 30, many_files=1200, regex_tokens=(200_000,)),
    # the numbers: 20,000 files at ulimit -n 1024, 1 MB tokens
    "full": Scale("full", bomb_bytes=4 << 30, sparse_bytes=4 << 30, many_files=20_000,
                  regex_tokens=(200_000, 1_000_000)),
}

Builder = Callable[[Path, Scale], None]


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input and how to run it."""

    name: str
    category: str
    summary: str
    build: Builder
    #: command-line paths: relative to the case directory, or absolute (`/dev/zero`), or `-` (stdin)
    args: tuple[str, ...] = (".",)
    #: options added to every command this case runs
    options: tuple[str, ...] = ()
    #: only these command ids (run.py COMMANDS); None: every command
    commands: tuple[str, ...] | None = None
    expect_exit: frozenset[int] = frozenset({0})
    #: capabilities the case needs: mknod, dac (mode 000 honoured), mount
    needs: frozenset[str] = frozenset()
    #: file fed to the product's stdin (default: /dev/null)
    stdin: str | None = None
    #: the product must account for this many records in total (`merge --stats` TOTAL)
    total_records: Callable[[Scale], int] | None = None
    #: RLIMIT_NOFILE for this case (default: run.py's limit)
    nofile: int | None = None
    #: built and run only at these scales
    scales: frozenset[str] = frozenset(SCALES)
    #: the good file (None: the case has none, e.g. usage errors that never read)
    good: str | None = GOOD
    #: reads gigabytes even when correct: the runner allows it a longer timeout
    slow: bool = False


# ------------------------------------------------------------------ helpers


def write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def good(root: Path) -> None:
    write(root, GOOD, nova.good_log())


def other_lines(t0: datetime = T2) -> list[str]:
    """The destination side of a second migration: the bad files' own valid records."""
    return good_lines(t0, req=REQ2, instance=INSTANCE2, dest="compute3")


def with_good(build: Callable[[Path, Scale], None]) -> Builder:
    """Wrap a builder so the good file is always written first."""
    def both(root: Path, scale: Scale) -> None:
        good(root)
        build(root, scale)
    both.__doc__ = build.__doc__
    return both


def _bytes_record(t: datetime, payload: bytes, *, level: str = "ERROR", req: str = REQ2,
                  instance: str = INSTANCE2) -> bytes:
    """A valid oslo header whose message is arbitrary bytes."""
    head = oslo(t, level, "nova.virt.libvirt.driver", "Live Migration failure: ", req=req, instance=instance)
    return head.encode() + payload + b"\n"


def _multi_member(chunk: bytes, total: int, compress: Callable[[bytes], bytes]) -> bytes:
    """A compressed stream of `total` bytes built from repeated members (cheap to make, costly to expand)."""
    member = compress(chunk)
    count, rest = divmod(total, len(chunk))
    return member * count + (compress(chunk[:rest]) if rest else b"")


def sparse(path: Path, head: bytes, size: int, tail: bytes = b"") -> None:
    """Write `head`, a hole up to `size`, then `tail`: gigabytes that take no disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.seek(max(size - len(tail), len(head)))
        fh.write(tail)
        fh.truncate()


# ------------------------------------------------------------------ compression


def _compressed(name: str, fn: Callable[[bytes], bytes], damage: Callable[[bytes], bytes]) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        write(root, f"{BAD}/nova-compute.log.2{name}", damage(fn(text(other_lines()))))
    return with_good(build)


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, 9, mtime=0)


def _cut(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _corrupt(data: bytes) -> bytes:
    """Flip a run of bytes in the middle, leaving header and trailer intact."""
    mid = len(data) // 2
    return data[:mid] + bytes(b ^ 0x5A for b in data[mid:mid + 24]) + data[mid + 24:]


def _gz_then_garbage(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log.3.gz", _gz(text(other_lines())) + b"\x00garbage after the member\n" * 4)


def _mislabelled(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log.4.gz", text(other_lines()))
    write(root, f"{BAD}/nova-compute.log.5.xz", b"")
    write(root, f"{BAD}/nova-compute.log.6.bz2", bz2.compress(b""))


def _bomb(suffix: str, compress: Callable[[bytes], bytes]) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        # one valid record, then a "message" of A's that never ends a line: small file, huge expansion
        head = text(other_lines()[:1])[:-1]
        body = _multi_member(b"A" * (64 << 20), scale.bomb_bytes, compress)
        write(root, f"{BAD}/nova-compute.log.1{suffix}", compress(head) + body)
    return with_good(build)


# ------------------------------------------------------------------ encoding


def _binary(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", bytes((i * 7919 + 13) % 256 for i in range(100_000)))


def _bad_utf8(root: Path, scale: Scale) -> None:
    t = T2
    payloads_ = [b"overlong \xc0\xaf slash", b"lone continuation \x80\xbf", b"truncated \xe2\x82",
                 b"cesu surrogate \xed\xa0\x80\xed\xb0\x80", b"latin-1 caf\xe9 h\xf4te", b"\xff\xfe BOM-ish",
                 b"5-byte \xf8\x88\x80\x80\x80 and 0x110000 \xf4\x90\x80\x80"]
    out = text(other_lines(t)[:3])
    for i, p in enumerate(payloads_):
        out += _bytes_record(t + timedelta(seconds=4 + i * 0.01), p)
    out += text(other_lines(t)[3:])[:-1] + b"\xe2\x82"  # file ends inside a character
    write(root, f"{BAD}/nova-compute.log", out)


def _utf16(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", b"\xff\xfe" + "\n".join(other_lines()).encode("utf-16-le"))


def _nul_head(root: Path, scale: Scale) -> None:
    """logrotate copytruncate: the writer keeps its offset, the file restarts as a NUL hole."""
    sparse(root / BAD / "nova-compute.log", b"", (2 << 20) + len(text(other_lines())), text(other_lines()))


def _nul_inline(root: Path, scale: Scale) -> None:
    lines = other_lines()
    lines[2] = lines[2].replace("VM Paused", "VM\x00Paused\x00\x00")
    write(root, f"{BAD}/nova-compute.log", text(lines[:4]) + b"\x00" * 5000 + text(lines[4:]))


def _cr_only(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", "\r".join(other_lines()).encode() + b"\r")


def _journal(name: str, lines: list[str]) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        write(root, f"{BAD}/{name}", ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    return with_good(build)


def _jmsg(text_: str) -> str:
    return nova.devstack_message("INFO", "nova.compute.manager", text_, req=REQ2, instance=INSTANCE2)


def _journal_surrogates() -> list[str]:
    t = T2
    return [
        nova.journal_json(t, _jmsg("Migrating instance to compute3 finished successfully."), cursor=1),
        # lone surrogates as JSON escapes: json.loads accepts them, UTF-8 encoders do not
        nova.journal_json(t + timedelta(seconds=1), _jmsg("VM Paused (Lifecycle Event) \ud800 high"), cursor=2)
        .replace("\ud800", "\\ud800"),
        nova.journal_json(t + timedelta(seconds=2), _jmsg("VM Resumed \udfff"), cursor=3).replace("\udfff", "\\udfff"),
        nova.journal_json(t + timedelta(seconds=3), _jmsg("host field"), host="cmp\udc80x", cursor=4)
        .replace("\udc80", "\\udc80"),
        nova.journal_json(t + timedelta(seconds=4), _jmsg("odd field name"), cursor=5, raw_fields='"X\\ud800Y":"z"'),
        nova.journal_json(t + timedelta(seconds=5), _jmsg("a valid pair \U0001f600"), cursor=6),
    ]


def _journal_arrays() -> list[str]:
    t = T2
    good_bytes = [*_jmsg("Migration operation has completed").encode(), 0xFF, 0xFE]
    rows = [
        ('"MESSAGE":' + json.dumps(good_bytes)),
        '"MESSAGE":[300,-1,"x",null,1.5]',
        '"MESSAGE":[]',
        '"MESSAGE":[[73,78]]',
        '"MESSAGE":null',
        '"MESSAGE":12',
        '"MESSAGE":{"nested":"object"}',
        '"MESSAGE":["INFO a", "INFO b"]',
    ]
    out = []
    for i, raw in enumerate(rows):
        base = nova.journal_json(t + timedelta(seconds=i), "placeholder", cursor=i + 1)
        out.append(base.replace('"MESSAGE":"placeholder"', raw))
    return out


def _journal_realtime() -> list[str]:
    out = []
    for i, stamp_ in enumerate(("99999999999999999999", "253402300800000000", "18446744073709551615", "0",
                                "1" + "0" * 400)):
        base = nova.journal_json(T2 + timedelta(seconds=i), _jmsg(f"extreme realtime {i}"), cursor=i + 1)
        real = json.loads(base)["__REALTIME_TIMESTAMP"]
        out.append(base.replace(f'"__REALTIME_TIMESTAMP":"{real}"', f'"__REALTIME_TIMESTAMP":"{stamp_}"'))
    return out


def _journal_nesting(root: Path, scale: Scale) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    base = nova.journal_json(T2, "placeholder")
    write(root, f"{BAD}/nova-compute.journal.json", (base.replace('"placeholder"', deep) + "\n").encode())


# ------------------------------------------------------------------ size


def _big_line(first: bool) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        filler = ("<disk type='network' device='disk'>" * (scale.big_line_bytes // 36 + 1))[: scale.big_line_bytes]
        big = oslo(T2 + timedelta(seconds=1), "DEBUG", "nova.virt.libvirt.migration",
                   f"_update_graphics_xml output xml={filler}", req=REQ2, instance=INSTANCE2,
                   site=("get_updated_guest_xml", "/usr/lib/python2.7/site-packages/nova/virt/libvirt/migration.py",
                         58))
        lines = other_lines()
        lines.insert(0 if first else 2, big)
        write(root, f"{BAD}/nova-compute.log", text(lines))
    return with_good(build)


def _no_newline_sparse(root: Path, scale: Scale) -> None:
    """Valid records, then one that never ends: a hole of gigabytes (reads as NULs), no newline at all."""
    head = text(other_lines()[:3]) + oslo(T2 + timedelta(seconds=9), "DEBUG", "nova.virt.libvirt.guest",
                                          "get_job_info: ", req=REQ2, instance=INSTANCE2).encode()
    sparse(root / BAD / "nova-compute.log", head, scale.sparse_bytes)


def _no_newline_text(root: Path, scale: Scale) -> None:
    """24 MB of text and no newline anywhere (a paste with the line ends lost)."""
    body = " ".join(other_lines()).encode()
    write(root, f"{BAD}/nova-compute.log", (body * (24 * 1024 * 1024 // len(body) + 1))[: 24 << 20])


def _many_files(root: Path, scale: Scale) -> None:
    for i in range(scale.many_files):
        t = T2 + timedelta(seconds=i)
        line = oslo(t, "INFO", "nova.compute.manager", f"Took {i % 97}.{i % 10} seconds to build instance.",
                    req=f"req-{i:08x}-1111-4222-8333-444455556666", instance=f"{i:08x}-aaaa-4bbb-8ccc-ddddeeeeffff")
        write(root, f"compute{i:05d}/var/log/nova/nova-compute.log", text([line]))


def _deep_tree(root: Path, scale: Scale) -> None:
    """Directories nested past Python's recursion limit, a log at the bottom."""
    deep = root / BAD
    deep.mkdir(parents=True, exist_ok=True)
    cur = os.open(deep, os.O_RDONLY)
    try:
        for _ in range(scale.deep_dirs):  # relative steps: the whole path outgrows what one syscall takes
            os.mkdir("d", dir_fd=cur)
            nxt = os.open("d", os.O_RDONLY, dir_fd=cur)
            os.close(cur)
            cur = nxt
        fd = os.open("nova-compute.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=cur)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text(other_lines()))
    finally:
        os.close(cur)


def _empty(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", b"")
    write(root, f"{BAD}/nova-compute.log.1.gz", b"")
    write(root, f"{BAD}/nova-compute.log.2.gz", gzip.compress(b"", mtime=0))
    write(root, f"{BAD}/nova-api.log", b"\n\n\n")


# ------------------------------------------------------------------ special files


def _unreadable_file(root: Path, scale: Scale) -> None:
    path = write(root, f"{BAD}/nova-compute.log", text(other_lines()))
    path.chmod(0)


def _unreadable_dir(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", text(other_lines()))
    (root / BAD).chmod(0)


def _fifo(rel: str) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        specials.make_fifo(root / rel)
    return with_good(build)


def _socket(root: Path, scale: Scale) -> None:
    specials.make_socket(root / BAD / "nova-api.log")


def _chardev(root: Path, scale: Scale) -> None:
    specials.make_device(root / BAD / "nova-compute.log.1", "zero")


def _nothing(root: Path, scale: Scale) -> None:
    """Only the good file: the hostile part is named on the command line."""


# ------------------------------------------------------------------ walk


def _loop(root: Path, scale: Scale) -> None:
    write(root, f"{BAD}/nova-compute.log", text(other_lines()))
    (root / BAD / "again").symlink_to("..")
    (root / BAD / "self").symlink_to(".")
    (root / "compute2" / "var" / "up").symlink_to("../..")


def _symlink(rel: str, target: str) -> Builder:
    def build(root: Path, scale: Scale) -> None:
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    return with_good(build)


def _outside_file(root: Path, scale: Scale) -> None:
    """A log outside the given tree, reached only through a symlink inside it."""
    outside = root / "outside" / "nova-compute.log"
    write(root, "outside/nova-compute.log", text(other_lines()))
    link = root / "tree" / BAD / "nova-compute.log"
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.relpath(outside, link.parent))
    write(root, f"tree/{GOOD}", nova.good_log())


# ------------------------------------------------------------------ time


def _timed(stamps: list[str]) -> Builder:
    """Records of the good migration's destination with the given (impossible) timestamps."""
    def build(root: Path, scale: Scale) -> None:
        msgs = ["Pre live migration starting", "VM Resumed (Lifecycle Event)", "Migration running for 1 secs",
                "Post operation of migration started", "Instance spawned successfully."]
        lines = [oslo(s, "INFO", "nova.compute.manager", msgs[i % len(msgs)]) for i, s in enumerate(stamps)]
        write(root, f"{BAD}/nova-compute.log", text(lines + other_lines()))
    return with_good(build)


def _journal_text_no_year(root: Path, scale: Scale) -> None:
    """`journalctl -o short-precise` lines (no year): the year comes from --year or the mtime."""
    lines = [f"Dec 31 23:59:59.{i:06d} compute2 nova-compute[4242]: " +
             nova.devstack_message("INFO", "nova.compute.manager", "VM Resumed (Lifecycle Event)") for i in range(3)]
    lines.append("Feb 29 12:00:00.000000 compute2 nova-compute[4242]: " +
                 nova.devstack_message("INFO", "nova.compute.manager", "leap day in a year that may have none"))
    write(root, f"{BAD}/screen-n-cpu.txt", ("\n".join(lines) + "\n").encode())


# ------------------------------------------------------------------ injection


def _mini_migration(req: str, instance: str, dest: str, t0: datetime, failure: str | None = None) -> list[str]:
    lines = good_lines(t0, req=req, instance=instance, dest=dest)
    if failure is not None:
        lines.insert(4, oslo(t0 + timedelta(seconds=9.05), "ERROR", "nova.virt.libvirt.driver",
                             f"Live Migration failure: {failure}", req=req, instance=instance))
    return lines


def _inject(table: dict[str, str], *, as_hosts: bool = False) -> Builder:
    """One migration per payload (in its failure text, or as its destination host), and every text
    payload also on the good migration's destination side, so `timeline REQ` meets them too."""
    def build(root: Path, scale: Scale) -> None:
        lines: list[str] = []
        for i, (name, payload) in enumerate(sorted(table.items())):
            req = f"req-{i:08x}-7e57-4a11-8b0c-1dea5e1ec7ed"
            inst = f"{i:08x}-1e57-4a11-8b0c-1dea5e1ec7ed"
            t0 = T2 + timedelta(minutes=i)
            if as_hosts:
                lines += _mini_migration(req, inst, payload, t0)
            else:
                lines += _mini_migration(req, inst, f"compute{3 + i}", t0, failure=f"{payload} ({name})")
        if not as_hosts:
            lines += [oslo(T0 + timedelta(seconds=2 + i * 0.01), "WARNING", "nova.compute.manager",
                           f"Detach interface failed, port_id=None, reason: {payload} ({name})")
                      for i, (name, payload) in enumerate(sorted(table.items()))]
        write(root, f"{BAD}/nova-compute.log", text(lines))
    return with_good(build)


def _inject_journal_host(root: Path, scale: Scale) -> None:
    """Hostile `_HOSTNAME` / unit values: they become host labels in tables and charts."""
    hosts = [payloads.HTML["plotly-link"], payloads.HTML["script"], payloads.TERMINAL["osc-title"],
             payloads.CSV["hyperlink"], payloads.MARKDOWN["mention-everyone"]]
    lines = []
    for i, host in enumerate(hosts):
        t = T2 + timedelta(minutes=i)
        req = f"req-{i:08x}-0b5e-4a11-8b0c-1dea5e1ec7ed"
        inst = f"{i:08x}-0b5e-4a11-8b0c-1dea5e1ec7ed"
        for j, msg in enumerate(("Starting monitoring of live migration", "Migration operation has completed",
                                 "_post_live_migration() is started..",
                                 "Migrating instance to compute9 finished successfully.")):
            lines.append(nova.journal_json(t + timedelta(seconds=j), nova.devstack_message(
                "INFO", "nova.compute.manager", msg, req=req, instance=inst), host=host, cursor=i * 10 + j))
    write(root, f"{BAD}/nova-compute.journal.json", ("\n".join(lines) + "\n").encode())


# ------------------------------------------------------------------ regex


def _long_tokens(n: int) -> Builder:
    """Long tokens right after secret-like keys: a quadratic regex takes minutes on them."""
    def build(root: Path, scale: Scale) -> None:
        tok = ("a1B2c3D4e5" * (n // 10 + 1))[:n]
        msgs = [f"Connecting volume with connection_info {{'auth_password': '{tok}'}}",
                f"transport_url = rabbit://nova:{tok}",
                f"auth_token={tok}",
                f"key={tok}",
                f"Token: {tok}",
                f"ftp://{tok}",
                "," * n]
        lines = [oslo(T2 + timedelta(seconds=i), "DEBUG", "nova.virt.libvirt.driver", m, req=REQ, instance=INSTANCE)
                 for i, m in enumerate(msgs)]
        write(root, f"{BAD}/nova-compute.log", text(lines))
    return with_good(build)


# ------------------------------------------------------------------ the list

_STATS_ONLY = ("list-json", "stats", "merge")
_ZERO_OR_USAGE = frozenset({0, 2})


CASES: tuple[Case, ...] = (
    # compression
    Case("gz-truncated", "compression", "gzip cut at two thirds", _compressed(".gz", _gz, _cut)),
    Case("gz-corrupt", "compression", "gzip with flipped bytes mid-stream", _compressed(".gz", _gz, _corrupt)),
    Case("bz2-truncated", "compression", "bzip2 cut at two thirds", _compressed(".bz2", bz2.compress, _cut)),
    Case("bz2-corrupt", "compression", "bzip2 with flipped bytes", _compressed(".bz2", bz2.compress, _corrupt)),
    Case("xz-truncated", "compression", "xz cut at two thirds", _compressed(".xz", lzma.compress, _cut)),
    Case("xz-corrupt", "compression", "xz with flipped bytes", _compressed(".xz", lzma.compress, _corrupt)),
    Case("gz-trailing-garbage", "compression", "a valid gzip member followed by garbage",
         with_good(_gz_then_garbage)),
    Case("compression-mislabelled", "compression", "plain text named .gz, empty .xz, empty bz2 stream",
         with_good(_mislabelled)),
    Case("gz-bomb", "compression", "small gzip expanding to gigabytes of one line", _bomb(".gz", _gz),
         slow=True),
    Case("bz2-bomb", "compression", "a few KB of bzip2 expanding to gigabytes of one line", _bomb(".bz2", bz2.compress),
         slow=True),
    # encoding
    Case("binary", "encoding", "100 kB of binary data named nova-compute.log", with_good(_binary)),
    Case("bad-utf8", "encoding", "overlong, truncated, CESU, latin-1 and 5-byte sequences in records",
         with_good(_bad_utf8)),
    Case("utf16", "encoding", "a UTF-16LE log with BOM", with_good(_utf16)),
    Case("nul-head", "encoding", "copytruncate: 2 MiB NUL hole then records", with_good(_nul_head)),
    Case("nul-inline", "encoding", "NULs inside a record and a NUL run between records", with_good(_nul_inline)),
    Case("cr-only", "encoding", "records separated by CR only", with_good(_cr_only)),
    Case("journal-surrogates", "encoding", "lone surrogates (\\ud800) in journal JSON values and keys",
         _journal("nova-compute.journal.json", _journal_surrogates())),
    Case("journal-arrays", "encoding", "journal MESSAGE as byte arrays (out-of-range, nested, null, number)",
         _journal("nova-compute.journal.json", _journal_arrays())),
    Case("journal-realtime-extreme", "time", "__REALTIME_TIMESTAMP past year 9999 / 2**64 / 400 digits",
         _journal("nova-compute.journal.json", _journal_realtime())),
    Case("journal-deep-nesting", "encoding", "a journal JSON value nested 100,000 deep", with_good(_journal_nesting)),
    # size
    Case("line-10mb", "size", "a 12 MB record between normal ones", _big_line(first=False), slow=True),
    Case("line-10mb-first", "size", "a 12 MB first line", _big_line(first=True), slow=True),
    Case("no-newline-sparse", "size", "records then a line that never ends (sparse, gigabytes)",
         with_good(_no_newline_sparse), slow=True),
    Case("no-newline-text", "size", "24 MB of text without a single newline", with_good(_no_newline_text),
         slow=True),
    Case("many-files", "size", "thousands of one-record files (more than RLIMIT_NOFILE)", with_good(_many_files),
         total_records=lambda s: s.many_files + nova.GOOD_RECORDS, commands=("stats", "list-json", "report-json"),
         slow=True),
    Case("deep-tree", "walk", "a log 1100 directories deep", with_good(_deep_tree)),
    Case("empty-files", "size", "empty log, empty .gz, empty gzip stream, blank lines", with_good(_empty)),
    # special files
    Case("unreadable-file", "special", "a mode-000 log", with_good(_unreadable_file), needs=frozenset({"dac"})),
    Case("unreadable-dir", "special", "a mode-000 directory", with_good(_unreadable_dir), needs=frozenset({"dac"})),
    Case("fifo-in-tree", "special", "a FIFO named like a rotated log inside the walked tree",
         _fifo(f"{BAD}/nova-compute.log.1")),
    Case("fifo-named", "special", "a FIFO with no writer named on the command line",
         _fifo("pipe/nova-compute.log"), args=("pipe/nova-compute.log", "compute1")),
    Case("socket-in-tree", "special", "a unix socket named nova-api.log in the tree", with_good(_socket)),
    Case("chardev-in-tree", "special", "a zero device named nova-compute.log.1 in the tree", with_good(_chardev),
         needs=frozenset({"mknod"})),
    Case("dev-zero-named", "special", "/dev/zero named on the command line", with_good(_nothing),
         args=("/dev/zero", "compute1")),
    Case("dev-urandom-named", "special", "/dev/urandom named on the command line", with_good(_nothing),
         args=("/dev/urandom", "compute1")),
    Case("dev-null-named", "special", "/dev/null named on the command line", with_good(_nothing),
         args=("/dev/null", "compute1")),
    Case("stdin-zero", "special", "'-' with /dev/zero on stdin", with_good(_nothing), args=("-", "compute1"),
         stdin="/dev/zero"),
    # walk
    Case("dir-loop", "walk", "symlinks to '..', '.' and '../..' inside the tree", with_good(_loop)),
    Case("symlink-root", "walk", "a symlink to / inside the tree", _symlink("compute2/escape", "/")),
    Case("symlink-proc", "walk", "a symlink to /proc inside the tree", _symlink("compute2/var/log/nova/proc", "/proc")),
    Case("symlink-dangling", "walk", "a dangling symlink named like a log",
         _symlink(f"{BAD}/nova-compute.log.3", "/nonexistent/hostile/nova-compute.log")),
    Case("symlink-dev-zero", "walk", "a symlink named like a log pointing at /dev/zero",
         _symlink(f"{BAD}/nova-compute.log.1", "/dev/zero")),
    Case("symlink-file-outside", "walk", "a log outside the tree reached by a symlink", _outside_file,
         args=("tree",), good=f"tree/{GOOD}"),
    # time
    Case("date-feb30", "time", "2018-02-30 and 2019-02-29 timestamps",
         _timed(["2018-02-30 10:00:03.000", "2019-02-29 10:00:04.000", "2018-04-31 10:00:05.000"])),
    Case("hour-25", "time", "hour 25, minute 61, second 61",
         _timed(["2018-03-01 25:00:03.000", "2018-03-01 10:61:03.000", "2018-03-01 10:00:61.000"])),
    Case("impossible-fields", "time", "month 13, day 0, month 0, leap second, 24:00",
         _timed(["2018-13-01 10:00:03.000", "2018-03-00 10:00:03.000", "2018-00-10 10:00:03.000",
                 "2016-12-31 23:59:60.000", "2018-03-01 24:00:00.000", "0000-01-01 00:00:00.000"])),
    Case("year-0001", "time", "records in year 0001 (UTC)", _timed(["0001-01-01 00:00:00.000", "0001-01-01 00:00:01.500"])),
    Case("year-0001-tz-east", "time", "year 0001 with --tz UTC+14 (before datetime.min in UTC)",
         _timed(["0001-01-01 00:00:00.000", "0001-01-01 03:00:00.000"]), options=("--tz", "Pacific/Kiritimati")),
    Case("year-9999", "time", "records in year 9999 (UTC)", _timed(["9999-12-31 23:59:58.000", "9999-12-31 23:59:59.999"])),
    Case("year-9999-tz-west", "time", "year 9999 with --tz UTC-12 (after datetime.max in UTC)",
         _timed(["9999-12-31 23:59:58.000", "9999-12-31 20:00:00.000"]), options=("--tz", "Etc/GMT+12")),
    Case("tz-path-extreme", "time", "--tz PATH=+23:59 on the bad host only",
         _timed(["0001-01-01 00:00:00.000", "9999-12-31 23:59:59.000"]), options=("--tz", "compute2=+23:59")),
    Case("tz-offset-invalid", "time", "--tz +25:00 (no such offset)", with_good(_nothing),
         options=("--tz", "+25:00"), expect_exit=frozenset({2})),
    Case("tz-unknown", "time", "--tz naming no zone", with_good(_nothing), options=("--tz", "Mars/Olympus_Mons"),
         expect_exit=frozenset({2})),
    Case("year-option-0", "time", "--year 0 with journal text lines that print no year",
         with_good(_journal_text_no_year), options=("--year", "0"), expect_exit=_ZERO_OR_USAGE),
    Case("year-option-10000", "time", "--year 10000 with Dec 31 23:59 journal text lines",
         with_good(_journal_text_no_year), options=("--year", "10000"), expect_exit=_ZERO_OR_USAGE),
    Case("year-option-9999-tz", "time", "--year 9999 and --tz UTC-12 with Dec 31 23:59 lines",
         with_good(_journal_text_no_year), options=("--year", "9999", "--tz", "Etc/GMT+12")),
    Case("since-year1-east", "time", "--since 0001-01-01T00:00+14:00", with_good(_nothing),
         options=("--since", "0001-01-01T00:00:00+14:00"), commands=_STATS_ONLY, expect_exit=_ZERO_OR_USAGE),
    Case("until-9999-west", "time", "--until 9999-12-31T23:59:59-12:00", with_good(_nothing),
         options=("--until", "9999-12-31T23:59:59-12:00"), commands=_STATS_ONLY, expect_exit=_ZERO_OR_USAGE),
    Case("since-huge-number", "time", "--since 99999999999999999999", with_good(_nothing),
         options=("--since", "99999999999999999999"), commands=_STATS_ONLY, expect_exit=_ZERO_OR_USAGE),
    Case("since-garbage", "time", "--since 'the day after never'", with_good(_nothing),
         options=("--since", "the day after never"), commands=_STATS_ONLY, expect_exit=frozenset({2})),
    Case("since-after-until", "time", "--since 2019 --until 2017: an empty window", with_good(_nothing),
         options=("--since", "2019-01-01", "--until", "2017-01-01"), commands=_STATS_ONLY),
    # output injection
    Case("inject-terminal", "injection", "OSC title/hyperlink, CR overwrite, BEL, CSI clear in log text",
         _inject(payloads.TERMINAL)),
    Case("inject-html", "injection", "<script>, onerror, </script> breakout, plotly <a href> in log text",
         _inject(payloads.HTML)),
    Case("inject-markdown", "injection", "@everyone, @here, autolinks, links, images, fence breaks in log text",
         _inject(payloads.MARKDOWN)),
    Case("inject-csv", "injection", "=HYPERLINK(…), +, -, @ formulas as destination host names",
         _inject(payloads.CSV, as_hosts=True)),
    Case("inject-journal-host", "injection", "HTML, OSC, formula and mention payloads as journal _HOSTNAME",
         with_good(_inject_journal_host)),
    # redaction regexes
    Case("regex-200k", "regex", "200k-character tokens after secret-like keys", _long_tokens(200_000)),
    Case("regex-1mb", "regex", "1 MB tokens after secret-like keys", _long_tokens(1_000_000),
         scales=frozenset({"full"})),
)

BY_NAME = {c.name: c for c in CASES}
