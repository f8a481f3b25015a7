"""`report -o TARGET` against targets that are not a plain new file.

Each target is made fresh by the runner in its own scratch directory (a
run may replace it), so no real device or shared path is ever at risk:
device targets are private `mknod` nodes, `/dev/null` itself is only used
inside a private mount namespace whose `/dev` is a tmpfs, and the disk-full
cases mount a tiny tmpfs in such a namespace.  A case whose capability is
missing here is skipped with the reason.

What a correct product does (issue 15, "What to build" 1): a regular file is
replaced atomically; a device, FIFO or symlink target is written through or
refused with a clear message, never replaced; every write error is one line
and a non-zero exit, with no partial file left looking complete.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.hostile import specials
from tools.hostile.specials import kind

#: a shell prelude that gives the namespace its own /dev (tmpfs + private nodes)
PRIVATE_DEV = ("mount -t tmpfs -o mode=755,size=16m hostile-dev /dev && "
               "mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/full c 1 7 && "
               "mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/random c 1 8")
#: a 64 KiB tmpfs with 4 KiB left: the report starts, then meets ENOSPC
TINY_DISK = ("mount -t tmpfs -o size=64k hostile-full {dir} && head -c 61440 /dev/zero > {dir}/filler")

#: (scratch dir, -o argument, exit status, probe output) -> problems
Check = Callable[[Path, str, int, str], list[str]]


@dataclass(frozen=True, slots=True)
class OutputCase:
    """One `-o` target: how to make it, how to run, what must hold afterwards."""

    name: str
    summary: str
    #: make the target inside the scratch dir; return the `-o` argument
    setup: Callable[[Path], str]
    #: problems left after the run
    check: Check
    fmt: str = "html"
    expect_exit: frozenset[int] = frozenset({0})
    needs: frozenset[str] = frozenset()
    #: shell run first inside a private mount namespace ({dir} = scratch dir); None: no namespace
    namespace: str | None = None
    #: shell run in the namespace after the product; its stdout is kept as the "after" state
    probe: str | None = None
    #: where the product's stdout goes (default: a capture file)
    stdout: str | None = None
    #: keep a reader on the FIFO target while the product runs
    drain_fifo: bool = False


def _preserved(expected: str) -> Check:
    def check(scratch: Path, target: str, rc: int, probe: str) -> list[str]:
        now = kind(target)
        return [] if now == expected else [f"{target}: was a {expected}, is now a {now}"]
    return check


def _new_file(scratch: Path, target: str, rc: int, probe: str = "") -> list[str]:
    if rc != 0:
        return []
    if kind(target) != "file" or os.path.getsize(target) == 0:
        return [f"{target}: exit 0 but no report written ({kind(target)})"]
    return []


def _existing_file(scratch: Path, target: str, rc: int, probe: str = "") -> list[str]:
    problems = _new_file(scratch, target, rc, probe)
    if rc == 0 and Path(target).read_bytes().startswith(b"old report"):
        problems.append(f"{target}: exit 0 but the old content is still there")
    leftovers = [p.name for p in Path(target).parent.iterdir() if p.name not in ("report.html",)]
    if leftovers:
        problems.append(f"temporary files left beside the target: {leftovers}")
    return problems


def _dir_intact(scratch: Path, target: str, rc: int, probe: str = "") -> list[str]:
    problems = _preserved("dir")(scratch, target, rc, probe)
    if kind(target) == "dir" and sorted(os.listdir(target)) != ["keep.txt"]:
        problems.append(f"{target}: directory content changed: {sorted(os.listdir(target))}")
    return problems


def _symlink_kept(scratch: Path, target: str, rc: int, probe: str = "") -> list[str]:
    problems = _preserved("symlink")(scratch, target, rc, probe)
    real = Path(target).parent / "real-report.html"
    if rc == 0 and kind(target) == "symlink" and real.exists() and real.read_bytes() == b"old report\n":
        problems.append("exit 0 but the symlink's target was not written")
    return problems


def _input_untouched(scratch: Path, target: str, rc: int, probe: str = "") -> list[str]:
    data = Path(target).read_bytes() if kind(target) == "file" else b""
    return [] if data.startswith(b"2018-03-01 10:00:00.100 12345 DEBUG") else [f"{target}: the input log was overwritten"]


def _nothing(scratch: Path, target: str, rc: int, probe: str) -> list[str]:
    return []


def _dev_null_kept(scratch: Path, target: str, rc: int, probe: str) -> list[str]:
    return [] if "character special file" in probe else [f"/dev/null (private) is now: {probe.strip()!r}"]


def _no_partial(scratch: Path, target: str, rc: int, probe: str) -> list[str]:
    left = [n for n in probe.split() if n != "filler"]
    return [f"partial output left on the full disk: {left}"] if left else []


def _mk(rel: str, make: Callable[[Path], None]) -> Callable[[Path], str]:
    def setup(scratch: Path) -> str:
        path = scratch / "out" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
        return str(path)
    return setup


def _old_file(path: Path) -> None:
    path.write_bytes(b"old report\n")


def _dir(path: Path) -> None:
    path.mkdir()
    (path / "keep.txt").write_text("keep\n")


def _link(path: Path) -> None:
    (path.parent / "real-report.html").write_bytes(b"old report\n")
    path.symlink_to("real-report.html")


def _ro_dir(path: Path) -> None:
    path.parent.chmod(0o555)


#: the input every -o case reads (inside the scratch dir, so `o-input-file` can aim at it)
INPUT = "input/compute1/var/log/nova/nova-compute.log"

OUTPUT_CASES: tuple[OutputCase, ...] = (
    OutputCase("o-new-file", "a new regular file (the control case)", _mk("report.html", lambda p: None), _new_file),
    OutputCase("o-existing-file", "an existing regular file: replaced atomically, no temp left",
               _mk("report.html", _old_file), _existing_file),
    OutputCase("o-directory", "a directory", _mk("outdir", _dir), _dir_intact, expect_exit=frozenset({1, 2})),
    OutputCase("o-missing-dir", "a file in a directory that does not exist (made, or a clear error)",
               _mk("nowhere/report.html", lambda p: p.parent.rmdir()), _new_file, expect_exit=frozenset({0, 1, 2})),
    OutputCase("o-readonly-dir", "a file in a mode-555 directory", _mk("ro/report.html", _ro_dir),
               _nothing, expect_exit=frozenset({1, 2}), needs=frozenset({"dac"})),
    OutputCase("o-input-file", "the input log itself", lambda s: str(s / INPUT), _input_untouched,
               expect_exit=frozenset({1, 2})),
    OutputCase("o-fifo", "a FIFO with a reader: written through or refused, never replaced",
               _mk("report.fifo", specials.make_fifo), _preserved("fifo"), expect_exit=frozenset({0, 1, 2}),
               drain_fifo=True),
    OutputCase("o-fifo-no-reader", "a FIFO nobody reads: refused or bounded, never a hang or a replacement",
               _mk("report.fifo", specials.make_fifo), _preserved("fifo"), expect_exit=frozenset({0, 1, 2})),
    OutputCase("o-symlink", "a symlink to an existing report: the link stays a link",
               _mk("report-link.html", _link), _symlink_kept, expect_exit=frozenset({0, 1, 2})),
    OutputCase("o-chardev-null", "a private null device (mknod c 1 3)",
               _mk("null", lambda p: specials.make_device(p, "null")), _preserved("chr"),
               expect_exit=frozenset({0, 1, 2}), needs=frozenset({"mknod"})),
    OutputCase("o-chardev-full", "a private full device (mknod c 1 7): ENOSPC on write",
               _mk("full", lambda p: specials.make_device(p, "full")), _preserved("chr"),
               expect_exit=frozenset({1, 2}), needs=frozenset({"mknod"})),
    OutputCase("o-dev-null", "/dev/null itself, in a private mount namespace with its own /dev",
               lambda s: "/dev/null", _dev_null_kept, expect_exit=frozenset({0, 1, 2}),
               needs=frozenset({"mount"}), namespace=PRIVATE_DEV, probe="stat -c %F /dev/null"),
    OutputCase("o-disk-full", "a file on a full filesystem (64k tmpfs, 4k free)",
               lambda s: str(s / "tiny" / "report.html"), _no_partial, expect_exit=frozenset({1, 2}),
               needs=frozenset({"mount"}), namespace=f"mkdir -p {{dir}}/tiny && {TINY_DISK.format(dir='{dir}/tiny')}",
               probe="ls -A {dir}/tiny"),
    OutputCase("o-disk-full-json", "report -f json on a full filesystem",
               lambda s: str(s / "tiny" / "report.json"), _no_partial, fmt="json",
               expect_exit=frozenset({1, 2}), needs=frozenset({"mount"}),
               namespace=f"mkdir -p {{dir}}/tiny && {TINY_DISK.format(dir='{dir}/tiny')}",
               probe="ls -A {dir}/tiny"),
    OutputCase("o-stdout-full", "report -f json -o - with stdout on a full device",
               lambda s: "-", _nothing, fmt="json", expect_exit=frozenset({1, 2}), stdout="/dev/full"),
)

BY_NAME = {c.name: c for c in OUTPUT_CASES}
