"""Our numba modules compiled ahead of time (`numba.pycc`): a plain extension that runs without importing numba.

Importing numba and loading the kernel and the gather from numba's cache
costs ≈ 0.64 CPU s of `merge`'s serial start-up (and ≈ 0.36 s in each worker
process that would use them).  `build` compiles the same functions once,
with pycc, into an extension module in the user's cache directory
(`cache_dir()`); `load` then imports that module alone — numpy, no numba.

Nothing here is written by hand that could drift from the JIT: the exported
signatures are the ones numba compiled for the gate's own warm-up call
(`dispatcher.nopython_signatures`), and each function is compiled with its
decorator's options (`nogil` releases the GIL, `boundscheck`…).  At run time
each call checks its arguments against the exported types (dtype, dimensions,
contiguity, writability) and hands a call the AOT code was not compiled for
to the JIT, as numba's own dispatcher would compile a new specialisation.

A build is found by a key (`key`): the sha256 of the JIT module's source,
this file's, the Python, numpy and numba versions, the extension suffix and
the CPU (the code is compiled for this CPU's instruction set).  A changed
source or version means another key: a stale build is never loaded, the JIT
runs until `build` runs again.  A missing C compiler, a pycc failure or a
numba without pycc only means the JIT (or the numpy way) as before, with the
reason in `status` (`python -m migtrace.sources._aot_build status`) and in the
`migtrace.aot` debug log.

Build: `python -m migtrace.sources._aot_build` (setup.sh runs it).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

LOG = logging.getLogger("migtrace.aot")
#: the directory under the cache directory where builds live, one subdirectory per module and key
SUBDIR = "aot"
#: what a build directory holds beside the extension: each export's argument types (`_describe`)
EXPORTS = "exports.json"
#: `MIGTRACE_AOT=0` ignores the AOT builds (the JIT runs, as before this module)
AOT_VARIABLE = "MIGTRACE_AOT"


class Gate(Protocol):
    """What `load` and `build` need of a gate (`_bulk_kernel.OptionalJit`)."""

    name: str
    exports: tuple[str, ...]

    warm: Callable[[Any], object]

    def jit(self) -> ModuleType: ...


def cache_dir() -> Path:
    """Where builds live: $MIGTRACE_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/migtrace, then `SUBDIR`
    (the index's directory, `_index.cache_dir`, without importing the index)."""
    explicit = os.environ.get("MIGTRACE_CACHE_DIR")
    if explicit:
        return Path(explicit) / SUBDIR
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "migtrace" / SUBDIR


def _cpu() -> bytes:
    """The CPU's model and instruction-set flags (the build targets this CPU), without its clock speed."""
    try:
        with open("/proc/cpuinfo", "rb") as f:  # the first processor's block (all processors: slow on big hosts)
            lines = f.read(1 << 16).split(b"\n\n", 1)[0].splitlines()
    except OSError:
        return os.uname().machine.encode()
    wanted = (b"vendor_id", b"model name", b"flags", b"Features", b"CPU part")
    seen: dict[bytes, bytes] = {}
    for line in lines:
        name = line.split(b":", 1)[0].strip()
        if name in wanted and name not in seen:
            seen[name] = line
    return os.uname().machine.encode() + b"\n" + b"\n".join(seen.values())


def _source(name: str) -> bytes:
    """The source bytes of module `name` (found, not imported: the JIT module imports numba)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(f"no module {name}")
    return Path(spec.origin).read_bytes()


def _numba_version() -> bytes:
    """numba's version file, read without importing numba; empty where numba is not installed."""
    spec = importlib.util.find_spec("numba")
    if spec is None or spec.origin is None:
        return b""
    try:
        return (Path(spec.origin).parent / "_version.py").read_bytes()
    except OSError:
        return b"numba without _version.py"


def key(name: str) -> str:
    """The key of module `name`'s build: a build made from another source, Python, numpy, numba or CPU differs."""
    h = hashlib.sha256()
    for part in (_source(name), Path(__file__).read_bytes(), sys.version.encode(),
                 sys.implementation.cache_tag.encode(), np.__version__.encode(), _numba_version(),
                 importlib.machinery.EXTENSION_SUFFIXES[0].encode(), _cpu()):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _module_name(name: str, digest: str) -> str:
    """The extension's own module name (unique per key: two builds never share an init symbol)."""
    return f"_migtrace_aot_{name.rsplit('.', 1)[-1].lstrip('_')}_{digest[:16]}"


def location(name: str, root: Path | None = None) -> tuple[Path, str]:
    """The directory of module `name`'s current build, and the extension's module name."""
    digest = key(name)
    return (root or cache_dir()) / f"{name.rsplit('.', 1)[-1].lstrip('_')}-{digest[:16]}", _module_name(name, digest)


def current(name: str, root: Path | None = None) -> Path:
    """The path of module `name`'s current build (there or not)."""
    where, module_name = location(name, root)
    return where / (module_name + importlib.machinery.EXTENSION_SUFFIXES[0])


# --- run time: load a build, no numba -------------------------------------------------------------------

def stored(root: Path | None = None) -> list[Path]:
    """Every build directory under `root` (else `cache_dir()`), current or not, and a crashed build's staging.

    Builds are never replaced in place: a new source or version writes a new
    directory beside the old ones, so they pile up until `prune` runs
    (`migtrace cache clear --compiled`)."""
    where = root or cache_dir()
    try:
        return sorted(p for p in where.iterdir() if p.is_dir() and not p.is_symlink())
    except FileNotFoundError:
        return []


def prune(keep: Sequence[Path], root: Path | None = None) -> list[Path]:
    """Remove every stored build but the directories in `keep`; return what was removed.

    A process that has a removed build loaded keeps running it (the file is
    unlinked, its mapping stays); the next one runs the JIT until `build`."""
    kept = {k.resolve() for k in keep}
    removed = []
    for where in stored(root):
        if where.resolve() not in kept:
            shutil.rmtree(where)
            removed.append(where)
    return removed


def size(where: Path) -> int:
    """The bytes of a build directory's files."""
    return sum(p.stat().st_size for p in where.rglob("*") if p.is_file() and not p.is_symlink())


def _check(kind: dict[str, Any]) -> Callable[[object], bool]:
    """The test of whether a value is what the exported argument type `kind` (`_describe`) takes, its dtype and
    flags resolved once (a call of the gather or the kernel is checked on every call: ≈ 4,000 a `merge` of
    1 GiB in the printing thread, where `dtype.name` alone, a Python property building a string, cost ≈ 30 µs
    a call).

    An array's dtype compares equal to the exported one exactly where its name is the same and its byte
    order native (the exported types are numeric: `_describe`)."""
    if "array" in kind:
        dtype, ndim, layout, mutable = np.dtype(kind["array"]), kind["ndim"], kind["layout"], kind["mutable"]

        def array(value: object) -> bool:
            if not isinstance(value, np.ndarray) or value.ndim != ndim or value.dtype != dtype:
                return False
            flags = value.flags
            return ((layout != "C" or flags.c_contiguous) and (layout != "F" or flags.f_contiguous)
                    and (not mutable or flags.writeable))
        return array
    if "boolean" in kind:
        return lambda value: isinstance(value, (bool, np.bool_))
    if "float" in kind:
        return lambda value: isinstance(value, (float, np.floating))
    return lambda value: isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class _Checked:
    """One exported function: the AOT code where the arguments are of its exported types, else the JIT's."""

    def __init__(self, fn: Callable[..., Any], kinds: Sequence[dict[str, Any]], name: str, gate: Gate) -> None:
        self.fn, self.kinds, self.name, self.gate = fn, kinds, name, gate
        self.checks = tuple(_check(k) for k in kinds)

    def __call__(self, *args: Any) -> Any:
        checks = self.checks
        if len(args) == len(checks) and all(check(a) for check, a in zip(checks, args, strict=True)):
            return self.fn(*args)
        LOG.debug("%s.%s: arguments the AOT build was not compiled for; the JIT runs", self.gate.name, self.name)
        return getattr(self.gate.jit(), self.name)(*args)


class Loaded:
    """A loaded build: the gate's exports as attributes (`kernel`, `spans`…), like the JIT module's."""

    def __init__(self, path: Path, functions: dict[str, _Checked]) -> None:
        self.path = path
        self.__dict__.update(functions)

    def __getattr__(self, name: str) -> Any:  # the exports are set in __init__; this is for mypy
        raise AttributeError(name)


def load(gate: Gate, root: Path | None = None) -> tuple[Loaded | None, str]:
    """The gate's current build, loaded; or None and why not (no build for this key, `AOT_VARIABLE`=0…)."""
    if os.environ.get(AOT_VARIABLE, "").strip() == "0":
        return None, f"{AOT_VARIABLE}=0"
    try:
        if not _numba_version():
            return None, "numba is not installed (a build is keyed by its version)"
        path = current(gate.name, root)
        where, module_name = path.parent, path.name.split(".", 1)[0]
        if not path.is_file():
            return None, f"no build for this source and versions at {where} (python -m migtrace.sources._aot_build)"
        exports = json.loads((where / EXPORTS).read_text())
        loader = importlib.machinery.ExtensionFileLoader(module_name, str(path))
        spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        functions = {n: _Checked(getattr(module, n), exports[n], n, gate) for n in gate.exports}
    except Exception as exc:  # a damaged or foreign build: the JIT runs
        return None, f"the build could not be loaded: {type(exc).__name__}: {exc}"
    return Loaded(path, functions), f"loaded {path}"


# --- build time: numba, pycc and a C compiler ----------------------------------------------------------------

def _describe(t: Any) -> dict[str, Any]:
    """A numba argument type as `_check` checks it: an array's dtype, dimensions, layout and writability, or a
    boolean, integer or float.  Any other type cannot be checked without numba: the build refuses it (the JIT runs)."""
    types: Any = importlib.import_module("numba.core.types")  # numba at build time only
    if isinstance(t, types.Array):
        return {"array": str(np.dtype(t.dtype.name)), "ndim": t.ndim, "layout": t.layout, "mutable": bool(t.mutable)}
    if isinstance(t, types.Boolean):
        return {"boolean": str(t)}
    if isinstance(t, types.Integer):
        return {"integer": str(t)}
    if isinstance(t, types.Float):
        return {"float": str(t)}
    raise TypeError(f"argument type {t} is not one the run-time check knows (arrays, booleans, integers, floats)")


def signatures(gate: Gate) -> dict[str, Any]:
    """Each export's one signature, as numba compiled it for the gate's warm-up call (never written by hand)."""
    module = gate.jit()
    gate.warm(module)
    found = {}
    for n in gate.exports:
        sigs = getattr(module, n).nopython_signatures
        if len(sigs) != 1:
            raise RuntimeError(f"{gate.name}.{n} has {len(sigs)} compiled signatures after the warm-up, not 1")
        found[n] = sigs[0]
    return found


def flags_with(base: Any, dispatcher: Any) -> Any:
    """pycc's `Flags` class with `dispatcher`'s decorator options applied, as numba's JIT applies them (`nogil`:
    the wrapper releases the GIL, which `merge`'s worker threads need; `boundscheck`…); pycc's own would not."""
    options = {k: v for k, v in dispatcher.targetoptions.items() if k != "cache"}
    target = dispatcher.targetdescr

    class Flags(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            target.options.parse_as_flags(self, options)

    return Flags


def build(gate: Gate, root: Path | None = None) -> Path:
    """Compile the gate's exports with pycc into its current build directory (under `root`, else `cache_dir()`).

    Raises where it cannot (no pycc, no compiler, a type `_describe` refuses); the caller reports it.
    """
    path = current(gate.name, root)
    if path.is_file():
        return path
    where = path.parent
    module_name = path.name.split(".", 1)[0]
    with warnings.catch_warnings():  # pycc's pending deprecation: `main` says when it is gone
        warnings.simplefilter("ignore")
        pycc: Any = importlib.import_module("numba.pycc")  # numba at build time only
    pycc_compiler: Any = importlib.import_module("numba.pycc.compiler")

    found = signatures(gate)
    module = gate.jit()
    kinds = {n: [_describe(t) for t in sig.args] for n, sig in found.items()}
    dispatchers = [getattr(module, n) for n in gate.exports]
    options = {k: v for k, v in dispatchers[0].targetoptions.items() if k != "cache"}
    if any({k: v for k, v in d.targetoptions.items() if k != "cache"} != options for d in dispatchers):
        raise RuntimeError(f"{gate.name}'s exports are compiled with different options: one build cannot keep them")
    where.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=where.name + ".", dir=where.parent))
    try:
        cc = pycc.CC(module_name, source_module=module)
        cc.output_dir = str(staging)
        cc.target_cpu = "host"  # as numba's JIT: this CPU's instruction set (the key names the CPU)
        for n, sig in found.items():
            cc.export(n, sig)(getattr(module, n).py_func)
        base = pycc_compiler.Flags
        pycc_compiler.Flags = flags_with(base, dispatchers[0])
        try:
            cc.compile()
        finally:
            pycc_compiler.Flags = base
        (staging / EXPORTS).write_text(json.dumps(kinds, indent=1))
        try:
            staging.rename(where)
        except OSError:  # another build of the same key got there first: it is the same build
            if not path.is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path
