"""What `pip install migtrace` gets: every package directory, the licence, py.typed, no hard C dependency.

The wheel and sdist themselves are built and installed into a fresh venv by
.ci/run (slow, needs the build backend); these checks are the fast half.
"""

from __future__ import annotations

import tomllib

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _package_dirs() -> set[str]:
    """Return the dotted name of every directory holding package files (code or data)."""
    roots = {"migtrace": REPO / "migtrace", **{k: REPO / v for k, v in SETUPTOOLS["package-dir"].items()}}
    found: set[str] = set()
    for name, root in roots.items():
        for d in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            if d.name == "__pycache__" or d.is_symlink() or not any(f.is_file() for f in d.iterdir()):
                continue
            found.add(".".join((name, *d.relative_to(root).parts)))
    return found


def test_packaging_lists_every_package_directory() -> None:
    missing = _package_dirs() - set(SETUPTOOLS["packages"])
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_packaging_base_install_needs_no_c_extension() -> None:
    deps = " ".join(PYPROJECT["project"]["dependencies"]).lower()
    assert "systemd" not in deps
    assert any(d.startswith("systemd-python") for d in PYPROJECT["project"]["optional-dependencies"]["journal"])


def test_packaging_ships_the_licence_and_py_typed() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert (REPO / "migtrace" / "py.typed").is_file()
    assert "py.typed" in SETUPTOOLS["package-data"]["migtrace"]


def test_packaging_manifest_grafts_what_the_tests_read() -> None:
    manifest = (REPO / "MANIFEST.in").read_text(encoding="utf-8")
    for tree in ("tests", "sample_logs", "docs", "tools"):
        assert f"graft {tree}" in manifest, tree
