"""Write the whole hostile corpus (cases, secrets, -o input) and its manifest.

Layout of OUTDIR:

    manifest.json           what was built, how to run it, what is planted where
    cases/<name>/           one directory per hostile input case (good file at cases.GOOD)
    secrets/                the planted-secrets corpus (one failed live migration, four logs)
    outputs/input/          the log every `-o` case reads

Same code, same scale: same bytes (special files and sparse holes included;
mtimes aside).  A case whose special file this machine cannot make is listed
with `skip` and its reason instead of being faked.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tools.hostile import nova, secrets, specials
from tools.hostile.cases import CASES, SCALES, Case, Scale
from tools.hostile.checks import snapshot
from tools.hostile.outputs import INPUT, OUTPUT_CASES


def needs_unmet(needs: frozenset[str]) -> str | None:
    """The reason a case cannot run on this machine, or None."""
    probes = {"mknod": specials.can_mknod, "dac": specials.can_honour_modes, "mount": specials.can_unshare_mount}
    for need in sorted(needs):
        reason = probes[need]()
        if reason:
            return reason
    return None


def remove_tree(path: Path) -> None:
    """Delete a corpus: restore modes first (mode-000 dirs), no recursion (1100-deep trees)."""
    if not path.exists() and not path.is_symlink():
        return
    subprocess.run(["chmod", "-R", "u+rwX", str(path)], check=False, capture_output=True)
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=True)


def _case_entry(case: Case, scale: Scale, skip: str | None) -> dict[str, Any]:
    return {
        "name": case.name, "category": case.category, "summary": case.summary,
        "args": list(case.args), "options": list(case.options),
        "commands": list(case.commands) if case.commands is not None else None,
        "expect_exit": sorted(case.expect_exit), "needs": sorted(case.needs), "stdin": case.stdin,
        "nofile": case.nofile, "good": case.good,
        "total_records": case.total_records(scale) if case.total_records else None,
        "slow": case.slow, "skip": skip,
    }


def generate(out: Path, scale: Scale = SCALES["ci"], only: set[str] | None = None) -> dict[str, Any]:
    """Build the corpus under `out` (replacing an earlier corpus there) and return the manifest."""
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise SystemExit(f"{out} is not empty and holds no hostile corpus: refusing to replace it")
    remove_tree(out)
    (out / "cases").mkdir(parents=True)
    entries = []
    for case in CASES:
        if (only and case.name not in only) or scale.name not in case.scales:
            continue
        build_needs = case.needs & {"mknod"}  # "dac" and "mount" only matter when running
        skip = needs_unmet(build_needs)
        if skip is None:
            case.build(out / "cases" / case.name, scale)
        entries.append(_case_entry(case, scale, skip))
    planted = secrets.build(out / "secrets")
    inp = out / "outputs" / INPUT
    inp.parent.mkdir(parents=True)
    inp.write_bytes(nova.good_log())
    manifest: dict[str, Any] = {
        "scale": scale.name,
        "good": {"req": nova.REQ, "instance": nova.INSTANCE, "records": nova.GOOD_RECORDS},
        "cases": entries,
        "outputs": [{"name": c.name, "summary": c.summary, "needs": sorted(c.needs)} for c in OUTPUT_CASES
                    if not only or c.name in only],
        "secrets": {
            "req": secrets.REQ, "instance": secrets.INSTANCE, "files": secrets.FILES,
            "host_names": list(secrets.HOST_NAMES), "own_text": list(secrets.OWN_TEXT),
            "planted": [
                {"id": p.id, "kind": p.kind, "shape": p.shape, "value": p.value, "file": p.file, "line": p.line,
                 "forms": list(p.forms), "anchor": p.anchor, "context": p.context, "oslo_key": p.oslo_key,
                 "in_migration": p.in_migration}
                for p in planted
            ],
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def tree_digest(root: Path) -> dict[str, tuple[str, ...]]:
    """Everything that makes a corpus what it is, mtimes aside (for the determinism test)."""
    return snapshot(root)
