"""What the runner measures in one run: tracebacks, accounting, leaks, modified inputs.

Each function looks at what a finished run left behind (exit status,
stdout, stderr, output files, the input tree) and says what went wrong.
None of them needs to know which case produced the run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: SGR colour sequences migtrace writes itself: removed before searching text for secrets
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: characters a Markdown writer may backslash-escape: migtrace's own set, and all of CommonMark's
_MD_SETS = (re.compile(r"([\\`*_{}\[\]|#!~])"), re.compile(r"([!-/:-@\[-`{-~])"))
#: files larger than this are fingerprinted by their ends, not hashed whole (sparse giants)
HASH_WHOLE_LIMIT = 64 << 20


def has_traceback(stderr: str) -> bool:
    return "Traceback (most recent call last)" in stderr


def plain(output: str) -> str:
    """Output with migtrace's SGR colours removed (a secret split by colour codes still leaks)."""
    return _SGR.sub("", output)


def secret_forms(value: str) -> set[str]:
    """Every literal form a value may take in an output: raw, HTML, JSON, URL, Markdown, CSV escaped."""
    forms = {value, html.escape(value, quote=True), html.escape(value, quote=False)}
    dumped = json.dumps(value)[1:-1]
    forms |= {dumped, dumped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
              json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value, safe=""),
              urllib.parse.quote(value, safe="/:@")}
    for md in _MD_SETS:
        forms |= {md.sub(r"\\\1", value), md.sub(r"\\\1", html.escape(value, quote=False))}
    forms.add(value.replace('"', '""'))
    # an HTML report may embed JSON in a <script> (JSON-escaped, then HTML-escaped in attributes)
    forms.add(html.escape(dumped, quote=True))
    return {f for f in forms if f}


def find_forms(values: Iterable[str], output: str) -> bool:
    """True when any form of any of `values` occurs in `output`."""
    return any(f in output for v in values for f in secret_forms(v))


# ------------------------------------------------------------------ merge --stats


@dataclass(frozen=True, slots=True)
class StatsRow:
    """One row of `merge --stats`: a file's line accounting."""

    path: str
    fmt: str
    lines: int
    records: int
    unparsed: int
    ok: str


def parse_stats(output: str) -> dict[str, StatsRow]:
    """Rows of the `merge --stats` table by normalised path (TOTAL under "TOTAL")."""
    rows: dict[str, StatsRow] = {}
    for line in output.splitlines():
        parts = line.split()
        if not parts or parts[0] == "file":
            continue
        if parts[0] == "TOTAL" and len(parts) >= 8:
            nums = parts[1:7]
            if all(n.isdigit() for n in nums):
                rows["TOTAL"] = StatsRow("TOTAL", "-", int(nums[0]), int(nums[1]), int(nums[4]), parts[-1])
            continue
        # file format host service lines records cont meta unparsed skipped ok
        if len(parts) >= 11 and all(p.isdigit() for p in parts[-7:-1]):
            nums = parts[-7:-1]
            path = " ".join(parts[:-10])
            rows[os.path.normpath(path)] = StatsRow(path, parts[-10], int(nums[0]), int(nums[1]), int(nums[4]),
                                                    parts[-1])
    return rows


# ------------------------------------------------------------------ input snapshots


def _fingerprint(path: str, st: os.stat_result) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            if st.st_size <= HASH_WHOLE_LIMIT:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            else:
                h.update(fh.read(1 << 20))
                fh.seek(st.st_size - (1 << 20))
                h.update(fh.read(1 << 20))
    except OSError as exc:
        return f"unreadable:{exc.errno}"
    return h.hexdigest()


def snapshot(root: Path) -> dict[str, tuple[str, ...]]:
    """Type, mode, size, content hash (files) or target (links) of everything under root.

    Iterative (a case nests directories past the recursion limit) and never
    follows links or opens special files.
    """
    out: dict[str, tuple[str, ...]] = {}
    stack = [str(root)]
    while stack:
        d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError as exc:
            out[os.path.relpath(d, root) + "/"] = ("unlistable", str(exc.errno))
            continue
        for e in entries:
            rel = os.path.relpath(e.path, root)
            st = e.stat(follow_symlinks=False)
            mode = st.st_mode
            if stat.S_ISLNK(mode):
                out[rel] = ("symlink", os.readlink(e.path))
            elif stat.S_ISDIR(mode):
                out[rel] = ("dir", oct(stat.S_IMODE(mode)))
                stack.append(e.path)
            elif stat.S_ISREG(mode):
                out[rel] = ("file", oct(stat.S_IMODE(mode)), str(st.st_size), _fingerprint(e.path, st))
            else:
                out[rel] = (stat.filemode(mode)[0], oct(stat.S_IMODE(mode)), str(st.st_rdev))
    return out


def changes(before: dict[str, tuple[str, ...]], after: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """What differs between two snapshots: (kind it was, "path: was -> now")."""
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            was = a[0] if a else "absent"
            out.append((was, f"{key}: {was} -> {b[0] if b else 'absent'}"
                        + (" (changed)" if a and b and a[0] == b[0] else "")))
    return out


def special_kinds(paths: Iterable[str]) -> dict[str, str]:
    """The file type of each path (not following links), for 'special file replaced' checks."""
    out = {}
    for p in paths:
        try:
            out[p] = stat.filemode(os.lstat(p).st_mode)[0]
        except FileNotFoundError:
            out[p] = "absent"
    return out
