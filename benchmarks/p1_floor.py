"""P1's floor: what a bare Python process costs to read a log set and search it, part by part (CPU s).

    python -m benchmarks.p1_floor benchmarks/_data/main req-89d652ee-8475-4736-9a82-216d4b28081e

Each mode reads every `*.log` under the directory in 1 MiB windows and does
only its part: `read` (page cache -> a page-aligned buffer), `read-misaligned`
(the same into a buffer 16 bytes past a page start, as a fresh `bytearray` is:
the kernel's copy is ~4x slower on this machine's AMD EPYC when the
destination sits a few bytes past the source's page offset), `read-hs` (plus
one hyperscan literal: the id), `read-hs-count` (plus the newlines counted by
numpy, as `_scan._newlines` does), `mmap-hs` (no copy: the file mapped, one
literal).  Start-up (`python -c pass`) is printed apart.
"""

from __future__ import annotations

import ctypes
import glob
import mmap
import resource
import subprocess
import sys
from typing import Any

MODES = ("read", "read-misaligned", "read-hs", "read-hs-count", "mmap-hs")
WINDOW = 1 << 20


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _buffer(offset: int) -> memoryview:
    """A WINDOW-byte buffer starting `offset` bytes past a page start."""
    raw = bytearray(WINDOW + 8192)
    address = ctypes.addressof((ctypes.c_char * len(raw)).from_buffer(raw))
    start = (-address) % 4096 + offset
    return memoryview(raw)[start:start + WINDOW]


def _database(literal: bytes) -> Any:
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[literal], ids=[0], elements=1, literal=True, flags=[0])
    return db


def run(mode: str, files: list[str], literal: bytes) -> float:
    """CPU seconds of one mode over the files."""
    db = _database(literal) if "hs" in mode else None
    np: Any = None
    if mode.endswith("count"):
        import numpy as np

    def on_match(*_args: object) -> None:
        return None
    start = _cpu()
    for path in files:
        if mode == "mmap-hs":
            with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                view = memoryview(m)
                for at in range(0, len(m), 64 << 20):
                    db.scan(view[at:at + (64 << 20)], match_event_handler=on_match)
                view.release()
            continue
        buf = _buffer(16 if mode == "read-misaligned" else 0)
        with open(path, "rb", buffering=0) as f:
            while n := f.readinto(buf):
                window = buf[:n]
                if db is not None:
                    db.scan(window, match_event_handler=on_match)
                if np is not None:
                    np.count_nonzero(np.frombuffer(window, np.uint8) == 10)
    return _cpu() - start


def main() -> None:
    root, literal = sys.argv[1], sys.argv[2].encode()
    files = sorted(glob.glob(f"{root}/**/*.log", recursive=True))
    startup = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"python -c pass: {after.ru_utime + after.ru_stime - startup.ru_utime - startup.ru_stime:.3f} CPU s")
    for mode in MODES:
        print(f"{mode}: {min(run(mode, files, literal) for _ in range(2)):.3f} CPU s")


if __name__ == "__main__":
    main()
