"""A cache laid out by another migtrace version is laid out anew, not warned about on every read.

The index is a cache: when its table lacks a column this version writes (an
upgrade) or has its `user_version` from another layout, the first connection
empties it and records the current layout; the read goes on cached, silently.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from migtrace import load
from migtrace.sources import _index
from tests.conftest import SAMPLE_LOGS

#: the entries table as an older version created it (no `inode` column)
_OLD_TABLE = ("CREATE TABLE entries (key TEXT PRIMARY KEY, ident TEXT NOT NULL, ukey TEXT NOT NULL, "
              "path BLOB NOT NULL, bytes INTEGER NOT NULL, created REAL NOT NULL, used REAL NOT NULL, "
              "identity BLOB NOT NULL, value BLOB NOT NULL, mark BLOB)")


@pytest.fixture
def old_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    where.mkdir(mode=0o700)
    monkeypatch.setenv(_index.DIR_VARIABLE, str(where))
    db = where / _index.DB_NAME
    fd = os.open(db, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    with sqlite3.connect(db) as conn:
        conn.execute(_OLD_TABLE)
        conn.execute("INSERT INTO entries VALUES ('k', 'i', 'u', x'00', 1, 0, 0, x'00', x'00', NULL)")
    return db


def _columns(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[1] for row in conn.execute("PRAGMA table_info(entries)")}


def test_an_old_layout_is_replaced_and_the_read_is_cached_without_a_warning(old_cache: Path) -> None:
    assert "inode" not in _columns(old_cache)
    warned: list[str] = []
    path = SAMPLE_LOGS / "kilo-files"
    cold = load(path, warn=warned.append, cache=True)
    assert not [w for w in warned if "cache" in w], warned
    assert "inode" in _columns(old_cache)
    with sqlite3.connect(old_cache) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == _index.SCHEMA
        assert conn.execute("SELECT count(*) FROM entries WHERE key = 'k'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] > 0  # this read was stored
    before = dict(_index.TOTALS)
    warm = load(path, warn=warned.append, cache=True)
    assert _index.TOTALS["hits"] > before["hits"]
    assert [m.id for m in warm.migrations] == [m.id for m in cold.migrations]


def test_the_current_layout_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_index.DIR_VARIABLE, str(tmp_path / "cache"))
    path = SAMPLE_LOGS / "kilo-files"
    load(path, cache=True)
    db = tmp_path / "cache" / _index.DB_NAME
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    assert stored > 0
    load(path, cache=True)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == stored
