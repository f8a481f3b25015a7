"""Load the knowledge migtrace ships as data (markers, causal pairs, error masks) and check it.

Each data file is a YAML mapping with a list of entries under one key; every
entry is checked against a schema — known keys, required keys, value types,
allowed words, compilable regexes — so that a reviewer's typo fails loudly at
load time with the file and the entry named, never silently changes an answer.

A shipped file's document is parsed once per content and kept pickled in the
cache directory (`data-<name>-<key>.pickle`, under `_cachefile`'s rules): the
YAML parser and its import (PyYAML's constructors are Python even under
libyaml) were ~0.04 CPU s of every run, phases.yaml most of it, for the same
document every time.  The checks still run on every load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from migtrace._cachefile import cache_dir, code_cache_enabled, pickled
from migtrace.errors import DataError

if TYPE_CHECKING:  # PyYAML is imported where YAML is parsed: a run whose documents are all cached needs none
    import yaml

#: how `read_text` names a shipped file: only those documents are cached (a file of the user's or a test's is not)
SHIPPED = "migtrace/data/"


def yaml_loader() -> type[yaml.SafeLoader]:
    """libyaml's safe loader when PyYAML was built with it (the usual wheels are): the same documents ~10x
    faster than the pure-Python one, which cost every load 0.7 CPU-s for the 83 signature files alone."""
    import yaml  # noqa: PLC0415 - see TYPE_CHECKING above

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


@dataclass(frozen=True, slots=True)
class Key:
    """What one key of an entry may hold."""

    kind: type | tuple[type, ...] = str
    required: bool = False
    #: the allowed values (for str keys) or items (for list keys); empty: any
    choices: tuple[str, ...] = ()
    #: the value is a regular expression that must compile
    regex: bool = False


Schema = Mapping[str, Key]


def read_text(name: str, path: str | None = None) -> tuple[str, str]:
    """Return (text, where) of a shipped data file `migtrace/data/<name>`, or of `path` when given."""
    if path is None:
        return resources.files("migtrace").joinpath(f"data/{name}").read_text(encoding="utf-8"), f"migtrace/data/{name}"
    with open(path, encoding="utf-8") as fh:
        return fh.read(), path


def load_document(text: str, where: str) -> Mapping[str, Any]:
    """Parse a data file's YAML; it must be a mapping.  A shipped file's (`SHIPPED`) comes from its cache file
    when there is a trusted one for this very text (see the module's docstring); a fresh copy each call."""
    if not where.startswith(SHIPPED) or not code_cache_enabled():
        return _parse(text, where)
    name = where[len(SHIPPED):].replace("/", "_")
    return pickled(cache_dir() / f"data-{name}-{_key(text, where)}.pickle", f"data-{name}-*.pickle",
                   lambda: _parse(text, where), lambda found: isinstance(found, dict))


def _parse(text: str, where: str) -> Mapping[str, Any]:
    import yaml  # noqa: PLC0415 - see TYPE_CHECKING above

    try:
        data = yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        raise DataError(f"{where}: invalid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected a mapping at the top")
    return data


def _key(text: str, where: str) -> str:
    """What a cached document depends on: its name and text, this module's parse (`FORMAT`), PyYAML as
    installed (its files' sizes and times: an upgrade parses anew), Python's version and pickle's protocol."""
    h = hashlib.sha256(f"{FORMAT}\0{where}\0{_yaml_identity()}\0{sys.version_info[:2]}\0"
                       f"{pickle.HIGHEST_PROTOCOL}\n".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


#: bump when `_parse` changes what it makes of a text (older cache files are then never read)
FORMAT = 1
_YAML_IDENTITY: list[str] = []


def _yaml_identity() -> str:
    """PyYAML's installed files (path, size, mtime of the package and its C extension), found without importing it."""
    if not _YAML_IDENTITY:
        spec = importlib.util.find_spec("yaml")
        parts = []
        for where in (spec.submodule_search_locations or []) if spec is not None else []:
            try:
                names = sorted(os.listdir(where))
            except OSError:
                continue
            for name in names:
                if name.endswith((".py", ".so", ".pyd")):
                    try:
                        st = os.stat(os.path.join(where, name))
                    except OSError:
                        continue
                    parts.append(f"{where}/{name}:{st.st_size}:{st.st_mtime_ns}")
        _YAML_IDENTITY.append("\n".join(parts))
    return _YAML_IDENTITY[0]


def entries(document: Mapping[str, Any], key: str, schema: Schema, where: str) -> list[dict[str, Any]]:
    """Return the list under `key`, each entry checked against the schema."""
    items = document.get(key)
    if not isinstance(items, list):
        raise DataError(f"{where}: '{key}' must be a list of entries")
    return [check_entry(item, schema, f"{where}: {key}[{i}]") for i, item in enumerate(items)]


def check_entry(entry: Any, schema: Schema, where: str) -> dict[str, Any]:
    """Check one entry: a mapping of known keys with values of the right type and words."""
    if not isinstance(entry, Mapping):
        raise DataError(f"{where}: expected a mapping")
    name = f"{where} ({entry['id']})" if "id" in entry else where
    unknown = sorted(set(entry) - set(schema))
    if unknown:
        raise DataError(f"{name}: unknown keys {unknown} (known: {', '.join(sorted(schema))})")
    for key, spec in schema.items():
        if key not in entry or entry[key] is None:
            if spec.required:
                raise DataError(f"{name}: missing required key '{key}'")
            continue
        _check_value(entry[key], key, spec, name)
    return dict(entry)


def _check_value(value: Any, key: str, spec: Key, name: str) -> None:
    kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
    # bool is an int to isinstance: `true` where a number is meant is still a mistake
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise DataError(f"{name}: '{key}' must be {_type_name(spec.kind)}, not {type(value).__name__}")
    items: Sequence[Any] = value if isinstance(value, list) else [value]
    if spec.choices and any(v not in spec.choices for v in items):
        raise DataError(f"{name}: '{key}' must be one of {', '.join(spec.choices)}, not {value!r}")
    if spec.regex:
        try:
            re.compile(str(value))
        except re.error as exc:
            raise DataError(f"{name}: '{key}' is not a valid regex: {exc}") from exc


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"str": "text", "bool": "true/false", "list": "a list", "int": "a number"}.get(
        k.__name__, k.__name__) for k in kinds)
