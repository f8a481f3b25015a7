"""`python -m migtrace.sources._aot_build [build [--strict] | status]`: build our numba modules ahead of time.

The command of `_aot` (setup.sh runs `build`): compile each gate's current
build into the user's cache, or say which way each gate runs here and why
(`status`).  Apart from `_aot` because it needs the gates (`_bulk_kernel`,
`_gather`), which import `_aot`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from migtrace.sources import _aot, _bulk_kernel, _gather


def gates() -> list[_bulk_kernel.OptionalJit]:
    """Our numba modules' gates (the kernel's and the gather's)."""
    return [_bulk_kernel.KERNEL, _gather.GATHER]


def current_builds() -> list[Path]:
    """The build directories this installation would load (one per gate; there or not)."""
    return [_aot.current(gate.name).parent for gate in gates()]


def main(argv: Sequence[str]) -> int:
    """`build`: compile every gate's current build (a failure is reported, the JIT stays: exit 0 unless
    `--strict`); `status`: which way each gate runs here and why."""
    command = argv[0] if argv else "build"
    if command == "build":
        failed = 0
        for gate in gates():
            try:
                if not _aot.current(gate.name).is_file():  # a current build: nothing to say
                    sys.stderr.write(f"aot: {gate.name}: built {_aot.build(gate)}\n")
            except Exception as exc:  # reported; the JIT runs as before
                failed += 1
                sys.stderr.write(f"aot: {gate.name}: not built ({type(exc).__name__}: {exc}); the JIT runs\n")
        return 1 if failed and "--strict" in argv else 0
    if command == "status":
        for gate in gates():
            gate.available()
            sys.stdout.write(f"{gate.name}: {gate.way or 'numpy/Python way'} ({gate.reason})\n")
        return 0
    sys.stderr.write("usage: python -m migtrace.sources._aot_build [build [--strict] | status]\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
