"""The on-disk index: remember what reading an unchanged input gave, so a repeated query need not read it again.

A whole-set query (`list`, `diagnose`, `report`, `stats`) reads every input
twice with raw-text terms, `timeline ID` two or three times; an operator
asks several questions of the same logs.  The unit of work of a read is one
input (`_parallel.read_input` → `InputResult`: its selected events packed,
its line accounting, its warnings at their positions, the error that stopped
it); the index stores that result in an SQLite database in the user's cache
directory, under a key made of

- the input's identity: its real path (+ tarball member, offset and size),
  st_dev, st_ino, size, mtime_ns, and a SHA-256 of its first `HEAD_BYTES`
  (a file rewritten or truncated then regrown to the same size and mtime
  within the clock's resolution still differs there);
- everything the result depends on: the package's code and data (version
  plus the name, size and mtime of every file of the installed package: a
  new parser, marker or signature file makes a new key), the `InputFile`
  as given (the path as named decides the event's `source`, its host and
  zone), every `LoadOptions` field that reaches the reader (all but a short
  list of fields known not to: callbacks, workers, the cache switch — a new
  field is in the key unless added there), and the raw-text terms of the pass
  with their flags (a selective pass's vocabulary and move ids, a timeline's
  ids).

A hit replays the stored result exactly as the worker's result is replayed
(`_parallel.replay`), so a warm read gives the same events, stats and
warnings in the same order as a cold one, with `-j 1`, `-j N` or a cluster.
Only regular files are cached: stdin, FIFOs and devices can be read once
only and have no identity; the local journal and binary journal files are
rewritten in place by journald; fsspec URLs name objects whose identity the
local filesystem cannot vouch for.  Stale entries of a path (a rotation, a
truncation, a rewrite) are deleted when that path is stored again, and the
least recently used entries go once the database passes `max_bytes()`.

The database holds log text (the selected records): its directory is created
0700 and the file 0600, and a directory that another user owns or others may
write is refused (its entries would be unpickled: only the user's own).
Anything wrong with it (corrupt, locked past the busy timeout, unwritable,
a full disk) is one warning line and the read goes on uncached: the index
can make a query faster, never different or failed.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import pickle
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from migtrace._cachefile import DIR_VARIABLE as DIR_VARIABLE  # noqa: PLC0414 - the index's, as before
from migtrace._cachefile import cache_dir as cache_dir  # noqa: PLC0414
from migtrace._version import __version__
from migtrace.errors import ParseError
from migtrace.model import FileStats
from migtrace.options import LoadOptions
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.sources import _standing
from migtrace.sources._code import package_file_names
from migtrace.sources._discover import InputFile
from migtrace.sources._grown import Checkpoint, checkpoint, resume
from migtrace.sources._parallel import InputResult, portable
from migtrace.sources._url import is_url
from migtrace.sources._window import WindowedTerms

_log = logging.getLogger(__name__)

#: the index's size limit in MiB (least recently used entries are dropped past it)
MAX_VARIABLE = "MIGTRACE_CACHE_MAX_MB"
#: `MIGTRACE_INDEX_STANDING=0`: no standing parts (`_standing`) stored or used (tests and benchmarks compare)
STANDING_VARIABLE = "MIGTRACE_INDEX_STANDING"
DEFAULT_MAX_MB = 1024
DB_NAME = "index.sqlite3"
#: bump when the stored value or the key changes shape: old entries are then never hit
SCHEMA = 4
#: bytes of an input's head digested into its identity
HEAD_BYTES = 64 << 10
#: how long a run waits for another run's write lock before reading uncached
BUSY_TIMEOUT_S = 10.0
#: the first bytes of a binary journal file (rewritten in place by journald: never cached)
JOURNAL_MAGIC = b"LPKSHHRH"

#: LoadOptions fields that never change what reading one input gives (everything else is in the key)
#: (`focus`, the id a `timeline` asks for, reaches the reader only as its terms: a stored standing part of a
#: read, `_standing`, serves every id)
_NOT_IN_KEY = frozenset({"warn", "progress", "client", "jobs", "scheduler", "cache", "focus"})

_warned: set[str] = set()
#: hits, misses and stores of every index this process opened, and the inputs whose result was merged from a
#: stored standing part and a read for the query's texts (`_standing`) (tests and benchmarks look at them)
TOTALS = {"hits": 0, "misses": 0, "stored": 0, "merged": 0}


def db_path() -> Path:
    """The index's database file."""
    return cache_dir() / DB_NAME


def max_bytes() -> int:
    """The size the index is kept under ($MIGTRACE_CACHE_MAX_MB, default 1024 MiB)."""
    try:
        return max(1, int(os.environ.get(MAX_VARIABLE, DEFAULT_MAX_MB))) << 20
    except ValueError:
        return DEFAULT_MAX_MB << 20


def _tell(warn: Callable[[str], None] | None, message: str) -> None:
    """One warning line per distinct problem per process (several passes open the index)."""
    if message in _warned:
        return
    _warned.add(message)
    if warn is not None:
        warn(message)
    else:
        _log.warning("%s", message)


_CODE: str | None = None


def code_digest() -> str:
    """A digest of the installed code (version, every file's name, size and mtime: `_code.package_file_names`):
    what parsing runs.  Times, not bytes: it is worked out by every query that reads the index."""
    global _CODE  # noqa: PLW0603 - computed once per process
    if _CODE is None:
        h = hashlib.sha256(f"{SCHEMA}\0{__version__}".encode())
        for name, path in package_file_names():
            try:
                st = os.stat(path)
            except OSError:
                continue
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        _CODE = h.hexdigest()
    return _CODE


def identity(item: InputFile) -> tuple[Any, ...] | None:
    """The identity of a cacheable input (regular file or tarball member), None when it is not cacheable."""
    if item.skip is not None or item.path in ("-", LOCAL_JOURNAL) or is_url(item.path):
        return None
    real = os.path.realpath(item.path)
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None  # a FIFO or device: never opened here (it could block, or be read only once)
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(JOURNAL_MAGIC):
        return None
    return (real, item.member, item.offset, item.size, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            hashlib.sha256(head).hexdigest())


def _same_file(ident: tuple[Any, ...]) -> bool:
    """True when the file still has the identity it had before the read (it did not change meanwhile)."""
    try:
        st = os.stat(ident[0])
    except OSError:
        return False
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == ident[4:8]


def entry_key(ident: tuple[Any, ...], item: InputFile, options: LoadOptions, terms: frozenset[str]) -> str:
    """The key of one input's result: its identity, the code, the options that reach the reader, the terms."""
    return _digest_of((ident, _unit(item, options, terms)))


def unit_key(ident: tuple[Any, ...], item: InputFile, options: LoadOptions, terms: frozenset[str]) -> str:
    """The same key without the file's size, mtime and content: finds the entry of a file that grew."""
    return _digest_of((ident[:4], _unit(item, options, terms)))


def _unit(item: InputFile, options: LoadOptions, terms: frozenset[str]) -> tuple[Any, ...]:
    opts = []
    for f in fields(LoadOptions):
        if f.name in _NOT_IN_KEY:
            continue
        value = getattr(options, f.name)
        opts.append((f.name, sorted(value.items()) if f.name in ("tz_by_path", "host_aliases") else value))
    flags = (sorted(getattr(terms, "caseless", ())), getattr(terms, "tail", False),
             getattr(terms, "plain_only", False), type(terms).__name__)
    # a selective read's pass-2 terms carry per-file windows (`_window.WindowedTerms`): those are in the key too
    windows = terms.cache_parts(item.display) if isinstance(terms, WindowedTerms) else ()
    return (SCHEMA, code_digest(), item, opts, sorted(terms), flags, windows)


def _digest_of(value: Any) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def _ident_key(ident: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(ident).encode("utf-8", "surrogatepass")).hexdigest()


class Index:
    """The open index database of one read; every failure turns it off for the rest of the read."""

    def __init__(self, conn: sqlite3.Connection, path: Path, warn: Callable[[str], None] | None) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self._warn = warn
        #: counts of this read (tests and `--debug` look at them)
        self.hits = 0
        self.misses = 0
        self.stored = 0
        self.resumed = 0

    @property
    def usable(self) -> bool:
        return self._conn is not None

    def _failed(self, exc: BaseException) -> None:
        _tell(self._warn, f"cache {self.path}: {_reason(exc)}; reading without it "
                          "(--no-cache skips it, `migtrace cache clear` removes it)")
        self.close()

    def get(self, key: str) -> InputResult | None:
        """The stored result under `key`, or None."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None:
                self.misses += 1
                TOTALS["misses"] += 1
                return None
            result = pickle.loads(row[0])  # written by this user's own runs into a 0700 directory
            if not isinstance(result, InputResult):
                raise sqlite3.DatabaseError("an entry is not a stored read")
            with self._conn:
                self._conn.execute("UPDATE entries SET used = ? WHERE key = ?", (time.time(), key))
        except Exception as exc:  # a damaged entry or database: read the input instead
            self._failed(exc)
            return None
        self.hits += 1
        TOTALS["hits"] += 1
        return result

    def grown(self, ukey: str) -> list[tuple[tuple[Any, ...], InputResult, Checkpoint]]:
        """The stored reads of this unit that carry a checkpoint (a file seen smaller, maybe grown since)."""
        if self._conn is None:
            return []
        try:
            rows = self._conn.execute("SELECT identity, value, mark FROM entries WHERE ukey = ? AND mark IS NOT NULL",
                                      (ukey,)).fetchall()
            return [(pickle.loads(i), pickle.loads(v), pickle.loads(m)) for i, v, m in rows]
        except Exception as exc:  # a damaged entry or database: read the input instead
            self._failed(exc)
            return []

    def put(self, key: str, ident: tuple[Any, ...], result: InputResult, ukey: str = "",
            mark: Checkpoint | None = None) -> None:
        """Store a result (and drop the path's entries of any other identity: rotated, truncated, rewritten)."""
        if self._conn is None or (result.error is not None and not isinstance(result.error, ParseError)):
            return
        if not _same_file(ident):
            return  # the file changed while it was read: what was read is no identity's content
        try:
            value = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            path = os.fsencode(ident[0])  # bytes: a file name need not be valid UTF-8
            with self._conn:
                # another identity of this path is stale (rotated, truncated, rewritten), except the entries of
                # the same file with a checkpoint (it may have grown: other queries can still resume them);
                # this query's own older entry of the file is superseded by this one
                inode = f"{ident[4]}:{ident[5]}"
                self._conn.execute("DELETE FROM entries WHERE path = ? AND ident != ? AND (mark IS NULL OR inode != ?)",
                                   (path, _ident_key(ident), inode))
                self._conn.execute("DELETE FROM entries WHERE ukey = ? AND key != ?", (ukey, key))
                self._conn.execute(
                    "INSERT OR REPLACE INTO entries (key, ident, ukey, path, inode, bytes, created, used, identity, "
                    "value, mark) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, _ident_key(ident), ukey, path, inode, len(value), time.time(), time.time(),
                     pickle.dumps(ident), value, None if mark is None else pickle.dumps(mark)))
                self._evict()
        except Exception as exc:  # the index may make a read faster, never fail it
            self._failed(exc)
            return
        self.stored += 1
        TOTALS["stored"] += 1

    def _evict(self) -> None:
        """Drop the least recently used entries while the stored values pass the size limit."""
        assert self._conn is not None
        (total,) = self._conn.execute("SELECT COALESCE(SUM(bytes), 0) FROM entries").fetchone()
        limit = max_bytes()
        if total <= limit:
            return
        for key, size in self._conn.execute("SELECT key, bytes FROM entries ORDER BY used").fetchall():
            if total <= limit:
                break
            self._conn.execute("DELETE FROM entries WHERE key = ?", (key,))
            total -= size

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__


def _private_dir(path: Path) -> None:
    """Create the directory 0700, or refuse one that is not this user's alone."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if st.st_mode & 0o022:
        raise PermissionError(f"{path} is writable by others (chmod 700 it)")


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (creating 0600) the index database with WAL and a busy timeout; raises sqlite3/OS errors."""
    _private_dir(path.parent)
    if create and not path.exists():
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
    # sqlite creates the -wal and -shm files with the database file's mode: 0600 as well
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with conn:
            # a cache another migtrace version laid out otherwise (a column more or less) is emptied and
            # laid out anew, not reported on every read until the user clears it
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
                conn.execute("DROP TABLE IF EXISTS entries")
                conn.execute(f"PRAGMA user_version = {SCHEMA}")
            conn.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, ident TEXT NOT NULL, "
                         "ukey TEXT NOT NULL, path BLOB NOT NULL, inode TEXT NOT NULL, bytes INTEGER NOT NULL, "
                         "created REAL NOT NULL, "
                         "used REAL NOT NULL, identity BLOB NOT NULL, value BLOB NOT NULL, mark BLOB)")
            conn.execute("CREATE INDEX IF NOT EXISTS entries_ukey ON entries (ukey)")
            conn.execute("CREATE INDEX IF NOT EXISTS entries_path ON entries (path)")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        raise
    return conn


def open_index(options: LoadOptions) -> Index | None:
    """The index for a read with `options.cache`, or None (off, or unusable: one warning said why)."""
    if not options.cache:
        return None
    path = db_path()
    try:
        return Index(connect(path), path, options.warn)
    except (sqlite3.Error, OSError) as exc:
        _tell(options.warn, f"cache {path}: {_reason(exc)}; reading without it "
                            "(--no-cache skips it, `migtrace cache clear` removes it)")
        return None


def read_indexed(readers: Sequence[Any], index: Index,
                 read: Callable[[Sequence[Any]], list[InputResult]]) -> list[InputResult]:
    """Each reader's result: from the index when stored under its key, else read (by `read`) and stored.

    A plain oslo file that only grew since its read was stored is read from
    its last stored record on (`_grown`); everything else missing is read
    whole (on the workers when worth it) and stored with a checkpoint.
    Terms with standing evidence sets (`_standing`: the same for every
    query) store their standing part apart too; a later query of other ids
    over the unchanged file then reads it for its own texts only and merges
    the stored part in (read with all its terms when that is not provably
    the same result).
    """
    results: list[InputResult | None] = [None] * len(readers)
    keys: list[tuple[str, str, tuple[Any, ...]] | None] = [None] * len(readers)
    #: per reader read for its query texts alone: (the reader with those terms, the stored standing part, layout)
    parted: dict[int, tuple[Any, list[InputResult], _standing.Layout]] = {}
    for i, r in enumerate(readers):
        ident = identity(r.item)
        if ident is None:
            continue
        key, ukey = entry_key(ident, r.item, r.options, r.terms), unit_key(ident, r.item, r.options, r.terms)
        keys[i] = (key, ukey, ident)
        found = index.get(key)
        if found is None:
            found = _resumed(index, r, ident, key, ukey)
        if found is None:
            found = _from_parts(index, r, ident, i, parted)
        results[i] = found
        if found is not None and r.progress is not None and r.item.member is None:
            r.progress(ident[6])  # a stored input counts as read, all its bytes
    missing = [i for i, res in enumerate(results) if res is None]
    _log.debug("index %s: %d of %d inputs stored (%d resumed from a checkpoint), %d to read (%d for their query "
               "texts alone)", index.path, len(readers) - len(missing), len(readers), index.resumed, len(missing),
               len(parted))
    if missing:
        todo = [parted[i][0] if i in parted else readers[i] for i in missing]
        again = _took(index, readers, keys, parted, results, missing, read(todo))
        if again:  # not merged provably: read with every term
            _took(index, readers, keys, {}, results, again, read([readers[i] for i in again]))
    return [res for res in results if res is not None]


def _took(index: Index, readers: Sequence[Any], keys: Sequence[tuple[str, str, tuple[Any, ...]] | None],
          parted: dict[int, tuple[Any, list[InputResult], _standing.Layout]], results: list[InputResult | None],
          read: Sequence[int], got: Sequence[InputResult]) -> list[int]:
    """Put the results of the readers `read` in place and store them; return those whose merge failed.

    A reader read for its query texts alone (`parted`) gets the merge of that
    read with its stored standing parts; the others' reads are stored, with
    their standing parts split off.
    """
    again = []
    for i, res in zip(read, got, strict=True):
        stored = keys[i]
        if i in parted:
            query, parts, lay = parted[i]
            if stored is not None:
                _store_unit(index, query, stored[2], res, resumable=False)
            merged = _standing.merge(parts, res, lay)
            if merged is None:
                _log.debug("index: %s: the stored standing parts and the query's read do not merge provably: "
                           "read with every term", readers[i].item.display)
                again.append(i)
                continue
            TOTALS["merged"] += 1
            results[i] = merged
            if stored is not None and index.usable:  # the same query again: one hit, as a cold read's
                index.put(stored[0], stored[2], merged, stored[1])
            continue
        results[i] = res
        if stored is not None:
            key, ukey, ident = stored
            _store(index, readers[i], key, ukey, ident, res)
            _store_standing(index, readers[i], ident, res)
    return again


def _with_terms(reader: Any, terms: frozenset[str]) -> Any:
    """A copy of the reader searching `terms` instead (its own stats: the original's stay untouched)."""
    other = copy.copy(reader)
    other.terms = terms
    other.stats = FileStats(path=reader.item.display)
    return other


def _stored_unit(index: Index, reader: Any, ident: tuple[Any, ...]) -> InputResult | None:
    """The reader's stored result (or resumed from a checkpoint when its file grew), else None."""
    key = entry_key(ident, reader.item, reader.options, reader.terms)
    ukey = unit_key(ident, reader.item, reader.options, reader.terms)
    found = index.get(key)
    return found if found is not None else _resumed(index, reader, ident, key, ukey)


def _store_unit(index: Index, reader: Any, ident: tuple[Any, ...], result: InputResult,
                resumable: bool = True) -> None:
    """Store a reader's result; `resumable=False`: without a checkpoint (a query's own read: cheap to read
    again, and the checkpoint's proof reads the file's last MiB)."""
    key = entry_key(ident, reader.item, reader.options, reader.terms)
    ukey = unit_key(ident, reader.item, reader.options, reader.terms)
    if resumable:
        _store(index, reader, key, ukey, ident, result)
    elif index.usable:
        index.put(key, ident, result, ukey)


def _from_parts(index: Index, reader: Any, ident: tuple[Any, ...], at: int,
                parted: dict[int, tuple[Any, list[InputResult], _standing.Layout]]) -> InputResult | None:
    """T's result from the stored standing and query parts; or None, noting in `parted` a query read to do."""
    if os.environ.get(STANDING_VARIABLE) == "0":
        return None
    lay = _standing.layout(reader.terms)
    if lay is None:
        return None
    parts = []
    for terms in lay.standing:
        part = _stored_unit(index, _with_terms(reader, terms), ident)
        if part is None:
            return None
        parts.append(part)
    query = _with_terms(reader, lay.query)
    got = _stored_unit(index, query, ident)
    if got is not None:
        merged = _standing.merge(parts, got, lay)
        if merged is not None:
            TOTALS["merged"] += 1
            key, ukey = entry_key(ident, reader.item, reader.options, reader.terms), unit_key(
                ident, reader.item, reader.options, reader.terms)
            index.put(key, ident, merged, ukey)
            return merged
    parted[at] = (query, parts, lay)
    return None


def _store_standing(index: Index, reader: Any, ident: tuple[Any, ...], result: InputResult) -> None:
    """Store the standing part of a read with all its terms (when it splits exactly), for later queries."""
    if not index.usable or os.environ.get(STANDING_VARIABLE) == "0":
        return
    lay = _standing.layout(reader.terms)
    if lay is None:
        return
    parts = _standing.split(result, lay)
    if parts is None:
        _log.debug("index: %s: the standing part of the read is not told apart: not stored", reader.item.display)
        return
    for terms, part in zip(lay.standing, parts, strict=True):
        _store_unit(index, _with_terms(reader, terms), ident, part)


def _store(index: Index, reader: Any, key: str, ukey: str, ident: tuple[Any, ...], result: InputResult) -> None:
    if not index.usable:
        return
    mark = checkpoint(reader.item, portable(reader.options), reader.terms, result, ident[6])
    index.put(key, ident, result, ukey, mark)


def _resumed(index: Index, reader: Any, ident: tuple[Any, ...], key: str, ukey: str) -> InputResult | None:
    """The result of a file that grew since a stored read of it, reading only from its checkpoint on."""
    for old, stored, mark in index.grown(ukey):
        if old[4:6] != ident[4:6] or ident[6] <= old[6] or _head(ident[0], old) != old[8]:
            continue  # another file under that name (rotated), or shrunk, or rewritten
        result = resume(reader.item, portable(reader.options), reader.terms, stored, mark, ident[6])
        if result is not None:
            index.resumed += 1
            _store(index, reader, key, ukey, ident, result)
            return result
    return None


def _head(path: str, old: tuple[Any, ...]) -> str | None:
    """The digest of the file's head as the stored identity took it (over its size then, when smaller)."""
    try:
        with open(path, "rb") as f:
            data = f.read(min(HEAD_BYTES, old[6]))
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest()


def info() -> dict[str, Any]:
    """What `migtrace cache info` prints: where the index is, its entries and bytes (nothing is created)."""
    path = db_path()
    out: dict[str, Any] = {"path": str(path), "exists": path.exists(), "entries": 0, "inputs": 0,
                           "stored_bytes": 0, "file_bytes": 0, "max_bytes": max_bytes()}
    if not path.exists():
        return out
    out["file_bytes"] = sum(p.stat().st_size for p in _db_files(path))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        entries, inputs, stored = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT ident), COALESCE(SUM(bytes), 0) FROM entries").fetchone()
    finally:
        conn.close()
    out.update(entries=entries, inputs=inputs, stored_bytes=stored)
    return out


def _db_files(path: Path) -> Iterator[Path]:
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            yield p


def clear() -> list[Path]:
    """Delete the index database (and its WAL files); return what was removed."""
    path = db_path()
    removed = []
    for p in list(_db_files(path)):
        p.unlink()
        removed.append(p)
    return removed
