"""Load the knowledge migtrace ships as data (markers, causal pairs, error masks) and check it.

Each data file is a YAML mapping with a list of entries under one key; every
entry is checked against a schema — known keys, required keys, value types,
allowed words, compilable regexes — so that a reviewer's typo fails loudly at
load time with the file and the entry named, never silently changes an answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from migtrace.errors import DataError

#: libyaml's safe loader when PyYAML was built with it (the usual wheels are): the same documents ~10x
#: faster than the pure-Python one, which cost every load 0.7 CPU-s for the 83 signature files alone
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """Parse a data file's YAML; it must be a mapping."""
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DataError(f"{where}: invalid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected a mapping at the top")
    return data


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
