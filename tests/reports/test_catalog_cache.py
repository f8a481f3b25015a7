"""The compiled caches of migtrace's own files (issue 13 P4): the shipped signature catalog pickled and the
report templates' jinja2 bytecode, both in the private cache directory.

Each is used only when the file is this user's alone, a regular file (not a symlink) in a directory that is
this user's alone, and intact against its digest line; anything else is ignored and rebuilt, never trusted.
The answers never change: the cached catalog equals the parsed one, and pyparsing is not even imported
when the catalog comes from the cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from migtrace import _cachefile
from migtrace.diagnose import _compiled, catalog
from migtrace.reports import _bytecode, html_report
from tests.conftest import unwritable_cache_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def parsed() -> tuple[catalog.Signature, ...]:
    """The shipped catalog parsed from its YAML, no cache involved."""
    return tuple(catalog._load_tree(catalog.SHIPPED_DIR))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(root))
    monkeypatch.delenv(_compiled.OFF_VARIABLE, raising=False)
    _compiled._MEMO.clear()
    yield root
    _compiled._MEMO.clear()


def _catalog_file(root: Path) -> Path:
    (found,) = root.glob("catalog-*.pickle")
    return found


def _no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make compiling the catalog from YAML fail, so a test proves the cache file was used."""
    monkeypatch.setattr(catalog, "_load_tree", lambda directory: pytest.fail("the catalog was parsed again"))


def _rebuilt(monkeypatch: pytest.MonkeyPatch, parsed: tuple[catalog.Signature, ...]) -> None:
    """The next `shipped_signatures()` must parse the YAML again and give the parsed catalog."""
    calls: list[int] = []
    original = catalog._load_tree

    def counting(directory: Path) -> object:
        calls.append(1)
        return original(directory)

    monkeypatch.setattr(catalog, "_load_tree", counting)
    _compiled._MEMO.clear()
    assert catalog.shipped_signatures() == parsed
    assert calls == [1]
    monkeypatch.setattr(catalog, "_load_tree", original)


def test_compiled_once_then_read_back_equal(cache: Path, parsed: tuple[catalog.Signature, ...],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert catalog.shipped_signatures() == parsed
    path = _catalog_file(cache)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600) and oct(cache.stat().st_mode & 0o777) == oct(0o700)
    digest, _, payload = path.read_bytes().partition(b"\n")
    assert hashlib.sha256(payload).hexdigest().encode() == digest
    _compiled._MEMO.clear()
    _no_parse(monkeypatch)
    assert catalog.shipped_signatures() == parsed
    assert catalog.load_catalog().signatures == tuple(sorted(parsed, key=lambda s: (s.component, s.id)))


def test_the_key_covers_the_signature_files(tmp_path: Path) -> None:
    one, two = tmp_path / "a.yaml", tmp_path / "b.yaml"
    one.write_text("id: a\n")
    two.write_text("id: b\n")
    first = _compiled.key_of("catalog", [one, two], tmp_path)
    assert _compiled.key_of("catalog", [one, two], tmp_path) == first
    two.write_text("id: c\n")
    assert _compiled.key_of("catalog", [one, two], tmp_path) != first
    assert _compiled.key_of("catalog", [one], tmp_path) != first
    assert _compiled.key_of("other", [one, two], tmp_path) != _compiled.key_of("catalog", [one, two], tmp_path)
    moved = tmp_path / "moved"
    moved.mkdir()
    for f in (one, two):
        (moved / f.name).write_bytes(f.read_bytes())
    assert _compiled.key_of("catalog", [moved / "a.yaml", moved / "b.yaml"], moved) != \
        _compiled.key_of("catalog", [one, two], tmp_path)  # signatures keep their path: another place, another key


def _plant(path: Path, obj: object) -> None:
    """Write a well-formed cache file (digest line and pickle) holding `obj`."""
    payload = pickle.dumps(obj)
    path.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def test_a_corrupt_or_foreign_content_is_rebuilt(cache: Path, parsed: tuple[catalog.Signature, ...],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.shipped_signatures()
    path = _catalog_file(cache)
    good = path.read_bytes()
    path.write_bytes(good[:-10])  # cut short: the digest no longer matches
    _rebuilt(monkeypatch, parsed)
    assert path.read_bytes() == good  # rewritten
    path.write_bytes(hashlib.sha256(b"junk").hexdigest().encode() + b"\njunk")  # intact, not a pickle
    _rebuilt(monkeypatch, parsed)
    _plant(path, ["not", "signatures"])  # a pickle of something else
    _rebuilt(monkeypatch, parsed)
    path.write_bytes(b"")
    _rebuilt(monkeypatch, parsed)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_file_others_could_have_written_is_never_unpickled(cache: Path, parsed: tuple[catalog.Signature, ...],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.shipped_signatures()
    path = _catalog_file(cache)
    planted = parsed[:3]  # a valid-looking catalog: used only if the file were trusted
    _plant(path, planted)
    _compiled._MEMO.clear()
    assert catalog.shipped_signatures() == planted  # (the control: ours alone, intact, so it is read)
    _plant(path, planted)
    path.chmod(0o666)
    _rebuilt(monkeypatch, parsed)
    _plant(path, planted)
    path.chmod(0o600)
    cache.chmod(0o777)
    _rebuilt(monkeypatch, parsed)
    cache.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="chown to another user needs root")
def test_a_file_of_another_user_is_never_unpickled(cache: Path, parsed: tuple[catalog.Signature, ...],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.shipped_signatures()
    path = _catalog_file(cache)
    _plant(path, parsed[:3])
    os.chown(path, 12345, 12345)
    _rebuilt(monkeypatch, parsed)
    assert path.stat().st_uid == os.getuid()  # replaced by our own
    os.chown(cache, 12345, 12345)
    _plant(path, parsed[:3])
    _rebuilt(monkeypatch, parsed)
    os.chown(cache, os.getuid(), os.getgid())


def test_a_symlink_is_not_followed(cache: Path, parsed: tuple[catalog.Signature, ...], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.shipped_signatures()
    path = _catalog_file(cache)
    elsewhere = tmp_path / "elsewhere.pickle"
    _plant(elsewhere, parsed[:3])
    elsewhere.chmod(0o600)
    planted = elsewhere.read_bytes()
    path.unlink()
    path.symlink_to(elsewhere)
    _rebuilt(monkeypatch, parsed)
    assert not path.is_symlink() and elsewhere.read_bytes() == planted  # the link replaced, its target untouched
    # a symlinked cache directory is not ours alone either
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    assert _cachefile.trusted_dir(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert not _cachefile.trusted_dir(link)
    assert _cachefile.read_private(link / "x") is None


def test_switched_off_nothing_is_written(cache: Path, parsed: tuple[catalog.Signature, ...],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_compiled.OFF_VARIABLE, "1")
    assert catalog.shipped_signatures() == parsed
    assert not list(cache.glob("catalog-*")) if cache.exists() else True


def test_an_unwritable_cache_still_gives_the_catalog(tmp_path: Path, parsed: tuple[catalog.Signature, ...],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    unwritable_cache_dir(tmp_path, monkeypatch)
    _compiled._MEMO.clear()
    try:
        assert catalog.shipped_signatures() == parsed
    finally:
        _compiled._MEMO.clear()


def test_a_user_signature_is_still_parsed_and_checked(cache: Path, tmp_path: Path) -> None:
    catalog.shipped_signatures()
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: t\nseverity: error\nmatch: 'level>>ERROR'\nexplanation: e\nremedy: r\n")
    with pytest.raises(Exception, match=r"bad\.yaml"):
        catalog.load_catalog((str(bad),))


_PROBE = ("import sys; from migtrace.diagnose.catalog import load_catalog; n = len(load_catalog()); "
          "print(n, 'pyparsing' in sys.modules)")


def test_pyparsing_is_imported_only_to_compile(tmp_path: Path) -> None:
    env = {**os.environ, "MIGTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop(_compiled.OFF_VARIABLE, None)
    runs = [subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=env,
                           cwd=ROOT, timeout=120).stdout.split() for _ in range(2)]
    assert runs[0][1] == "True" and runs[1][1] == "False"
    assert runs[0][0] == runs[1][0]


# ------------------------------------------------------------------ the templates' bytecode


@pytest.fixture
def fresh_env(cache: Path) -> Iterator[Path]:
    html_report.environment.cache_clear()
    yield cache
    html_report.environment.cache_clear()


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count jinja2's compilations of template source."""
    calls: list[str] = []
    env_class = type(html_report.environment())
    original = env_class.compile

    def counting(self: object, source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        calls.append(str(name))
        return original(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(env_class, "compile", counting)
    return calls


def test_templates_compiled_once_then_read_back(fresh_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html_report.environment().get_template("report.html.j2")
    files = sorted(fresh_env.glob("jinja-*.code"))
    assert files and all(oct(f.stat().st_mode & 0o777) == oct(0o600) for f in files)
    html_report.environment.cache_clear()
    calls = _compiles(monkeypatch)
    html_report.environment().get_template("report.html.j2")
    assert calls == []


def test_tampered_or_linked_bytecode_is_compiled_again(fresh_env: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    html_report.environment().get_template("_footer.html.j2")
    (path,) = fresh_env.glob("jinja-*.code")
    good = path.read_bytes()
    for bad in ("cut", "mode", "link"):
        if bad == "cut":
            path.write_bytes(good[:-5])
        elif bad == "mode":
            path.write_bytes(good)
            path.chmod(0o646)
        else:
            target = tmp_path / "target.code"
            target.write_bytes(good)
            target.chmod(0o600)
            path.unlink()
            path.symlink_to(target)
        html_report.environment.cache_clear()
        calls = _compiles(monkeypatch)
        html_report.environment().get_template("_footer.html.j2")
        assert calls == ["_footer.html.j2"], bad
        monkeypatch.undo()
        monkeypatch.setenv("MIGTRACE_CACHE_DIR", str(fresh_env))
        assert path.read_bytes() == good and not path.is_symlink(), bad  # rewritten, ours again
        path.chmod(0o600)


def test_the_bytecode_name_covers_the_settings(fresh_env: Path) -> None:
    env = html_report.environment()
    bucket = env.bytecode_cache.get_bucket(env, "x.j2", "x.j2", "source")  # type: ignore[union-attr]
    one = _bytecode.PrivateBytecodeCache("autoescape")._path(bucket)
    assert one != _bytecode.PrivateBytecodeCache("autoescape trim_blocks")._path(bucket)
    assert one.parent == fresh_env
