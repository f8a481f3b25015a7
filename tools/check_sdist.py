"""Check that an sdist holds every tracked file the tests and the README need (run by .ci/run).

    python -m tools.check_sdist dist/migtrace-0.1.0.tar.gz

A source distribution that cannot run its own tests is not one: the file list
is compared with `git ls-files`, so a new fixture directory or tool that
MANIFEST.in forgets fails CI instead of shipping a broken sdist.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: tracked paths an sdist does not need: git's own file, and the two links inside migtrace/ that
#: editors and mypy use (an install maps parsers/ and reports/ with package-dir instead)
NOT_SHIPPED = {".gitignore", "migtrace/parsers", "migtrace/reports"}


def tracked() -> set[str]:
    """Return the files git tracks in the repository."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return {p for p in out.decode().split("\0") if p} - NOT_SHIPPED


def shipped(sdist: Path) -> set[str]:
    """Return the member files of an sdist, relative to its top directory."""
    with tarfile.open(sdist) as tar:
        return {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile() and "/" in m.name}


def main(argv: list[str]) -> int:
    """Print what the sdist lacks; exit 1 when anything tracked is missing."""
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    missing = sorted(tracked() - shipped(Path(argv[0])))
    for path in missing:
        sys.stdout.write(f"missing from the sdist: {path}\n")
    if not missing:
        sys.stdout.write(f"sdist complete: every tracked file is in {argv[0]}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
