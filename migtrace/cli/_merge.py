"""`migtrace merge`: every record of every input in one chronological stream, tagged [host/service]."""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import click

from migtrace.cli._common import (
    EXIT_CODES,
    SETTINGS,
    TableOutput,
    echo_log_text,
    load_options,
    make_redactor,
    read_options,
    redact_option,
    run_safely,
    tabular_options,
    time_option,
)
from migtrace.model import Event
from migtrace.pipeline import merged_events
from migtrace.pipeline._text_merge import TextRecord, TextStream, bulk_may_pay, merged_texts
from migtrace.reports import RenderOptions, get_renderer
from migtrace.reports.neutral import has_controls, terminal_safe
from migtrace.reports.redact import _KEYWORD_LIST as SECRET_WORDS
from migtrace.reports.redact import _LEAK_KEY_WORDS, MIN_BARE_SECRET_LEN, Redactor, keyword_hits, leak_check
from migtrace.sources._scan import engine_name, holds_any, literal_database

if TYPE_CHECKING:  # imported where a bulk merge runs (numpy)
    from migtrace.pipeline._bulk_merge import BulkBlock, BulkRun, BulkStream
    from migtrace.sources._bulk import Batch, Int


@click.command(context_settings=SETTINGS, epilog=EXIT_CODES)
@read_options
@click.option("--request", "request_ids", multiple=True, metavar="ID", help="Only records of this request id.")
@click.option("--instance", "instances", multiple=True, metavar="UUID", help="Only records of this instance.")
@click.option("--since", help="Only records at or after this time.")
@click.option("--until", help="Only records at or before this time.")
@click.option("--stats", is_flag=True, help="Print per-file line accounting instead of the records.")
@tabular_options("merge-stats")
@click.option("--full/--no-full", default=True, help="Include traceback/continuation lines.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Print plain oslo inputs' windows on N processes (default: all cores for inputs of 32 MiB "
                   "or more; 1: in this process). The output is the same.")
@redact_option
@run_safely
def merge(request_ids: tuple[str, ...], instances: tuple[str, ...], since: str | None, until: str | None,
          stats: bool, output: TableOutput, full: bool, jobs: int | None, redact: str | None,
          paths: tuple[str, ...], **inputs: Any) -> None:
    """Print every record of every input in one chronological stream, tagged [host/service].

    Times are printed as logged (no clock-skew correction: that needs the
    whole analysis, see `timeline`). The -f/-c/--sort-column options apply to
    --stats.

    Example: migtrace merge sample_logs/kilo-files --request req-a2ca325d
    """
    if output.given and not stats:
        raise click.UsageError("-f, -c, --sort-column, --noindent and --max-width apply to --stats")
    if stats:
        stream = merged_events(paths, load_options(**inputs), terms=frozenset(request_ids + instances),
                               since=time_option(since), until=time_option(until))
        for _ in stream.events:
            pass
        output.echo(stream.stats() + stream.skipped())
        return
    redactor = make_redactor(redact)
    options = RenderOptions(full=full)
    render_one = get_renderer("text", "merge").render
    if not (request_ids or instances or since or until or redactor.categories):
        bulk = None
        if bulk_may_pay(paths):
            from migtrace.pipeline._bulk_merge import merged_bulk  # noqa: PLC0415 - numpy: only where it pays
            from migtrace.sources._bulk import set_leak_prefilter, set_learnt  # noqa: PLC0415 - the same
            set_leak_prefilter(*_leak_literals())
            bulk = merged_bulk(paths, load_options(**inputs, jobs=jobs), lambda e: render_one(e, options),
                               SECRET_WORDS, full=full)
        if bulk is not None:
            _print_bulk(bulk, _Learnt(redactor, set_learnt), lambda e: render_one(e, options))
            return
        texts = merged_texts(paths, load_options(**inputs), lambda e: render_one(e, options), full=full)
        if texts is not None:
            _print_texts(texts, redactor, lambda e: render_one(e, options))
            return
    pending: list[Event] = []
    stream = merged_events(paths, load_options(**inputs), terms=frozenset(request_ids + instances),
                           since=time_option(since), until=time_option(until))
    try:
        for event in stream.events:
            pending.append(event)
            if len(pending) >= _BATCH_RECORDS:
                block, pending = pending, []
                _write([render_one(e, options) for e in redactor.events(block)])
    finally:
        # the records read before an error (--strict, a read failure) are printed, as one by one
        _write([render_one(e, options) for e in redactor.events(pending)])


def _print_texts(texts: TextStream, redactor: Redactor, render: Callable[[Event], str]) -> None:
    """Print the text path's records in blocks, redacted as `Redactor.events` redacts their Events.

    Secrets only (no categories): a record can change only where a secret
    keyword is, or a secret learnt earlier reappears.  The search runs over
    a text holding every field `Redactor.events` looks at (the printed
    record, its raw lines, its input's name), so it finds at least the
    records `Redactor.events` would change; only those are made Events
    again (`TextStream.event`) and go through `Redactor.events`, which
    decides as it always does.  The others are printed as they are.
    """
    pending: list[TextRecord] = []

    def flush(block: list[TextRecord]) -> None:
        # a text-path record: its raw lines (each field it prints is read from them), its input's names
        checks = [_check_text(r) for r in block]
        tags = list({r.source[2] for r in block if isinstance(r.source, tuple)})
        named = {tags[i] for i in keyword_hits([t.names for t in tags])}
        flagged = keyword_hits(checks)
        if named:
            flagged.update(i for i, r in enumerate(block) if isinstance(r.source, tuple) and r.source[2] in named)
        everything: list[str] = []

        def present() -> list[str]:
            """The learnt secrets found anywhere in the block (only those are looked for record by record)."""
            learnt = [s for s in redactor.originals if len(s) >= MIN_BARE_SECRET_LEN]
            if learnt and not everything:
                everything.append("\n".join([*checks, *(r.text for r in block), *(t.names for t in tags)]))
            return [s for s in learnt if s in everything[0]]

        secrets = present()
        out: list[str] = []
        for i, r in enumerate(block):
            if i in flagged or (secrets and _holds(r, checks[i], secrets)):
                out.append(render(redactor.events([texts.event(r)])[0]))
                secrets = present()
            else:
                out.append(r.text)
        _write(out)

    try:
        for record in texts.records:
            pending.append(record)
            if len(pending) >= _BATCH_RECORDS:
                block, pending = pending, []
                flush(block)
    finally:
        flush(pending)


def _print_bulk(stream: BulkStream, known: _Learnt, render: Callable[[Event], str]) -> None:
    """Print the bulk merge's rounds in blocks, redacted as `_print_texts` redacts (the same decisions).

    A bulk record holds no secret keyword (the bulk path leaves such lines
    to the text path), so it can change only where a secret learnt earlier
    reappears: a run holding one (in its printed bytes or its raw lines) is
    made text records again and each goes the `_print_texts` way.
    """
    pending: list[BulkRun | BulkBlock | TextRecord] = []
    count = 0
    try:
        for pieces in stream.rounds:
            pending.extend(pieces)
            count += sum(1 if isinstance(piece, TextRecord) else piece.count for piece in pieces)
            # a written round's buffer and windows are not held while the next round is made
            del pieces
            if count >= _BATCH_RECORDS:
                block, pending, count = pending, [], 0
                _Block(stream, known, render, block).write()
                del block
    finally:
        _Block(stream, known, render, pending).write()


class _Block:
    """One block of `_print_bulk`: its pieces redacted where they must be, then written (`_write_runs`)."""

    def __init__(self, stream: BulkStream, known: _Learnt, render: Callable[[Event], str],
                 block: list[BulkRun | BulkBlock | TextRecord]) -> None:
        self.stream, self.known, self.render, self.block = stream, known, render, block
        self.checks, self.flagged = _keyword_flags([r for r in block if isinstance(r, TextRecord)])
        self.out: list[_Item] = []
        self.runs: list[bool] = []
        self.clean: set[int] = set()  # the runs cut from windows with no leak literal (`Window.clean`)

    def write(self) -> None:
        for piece in self.block:
            if isinstance(piece, TextRecord):
                self.one(piece)
                continue
            # a bulk run, or a block of them gathered: run by run only where a window may hold a learnt secret
            secrets = self.known.secrets()
            if secrets and any(self.known.window_holds(b, secrets) for b in piece.batches()):
                for run in piece.runs():
                    self.bulk(run)
            else:
                self.data(piece)
        _write_runs(self.out, self.runs, self.clean)

    def data(self, piece: BulkRun | BulkBlock) -> None:
        """A bulk piece printed as it is (a block as its runs' bytes in their windows: `_write_parts`)."""
        self.out.append(piece)
        self.runs.append(True)
        if piece.clean:
            self.clean.add(len(self.out) - 1)

    def bulk(self, run: BulkRun) -> None:
        """A bulk run: its records one by one where it holds a learnt secret."""
        secrets = self.known.secrets()
        if secrets and self.known.holds(run, secrets):
            for r in run.records(self.stream):
                self.one(r)
        else:
            self.data(run)

    def one(self, r: TextRecord) -> None:
        """A text record, redacted where it holds a secret keyword or a learnt secret."""
        secrets = self.known.secrets()
        check = self.checks.get(id(r))
        if check is None:
            check = _check_text(r)
        if id(r) in self.flagged or (secrets and _holds(r, check, secrets)):
            self.out.append(self.render(self.known.redactor.events([self.stream.event(r)])[0]))
            self.known.stale = True
        else:
            self.out.append(r.text)
        self.runs.append(False)


def _keyword_flags(texts: list[TextRecord]) -> tuple[dict[int, str], set[int]]:
    """Per text record (by id): the text its keywords are looked for in; the ids of those holding one (in
    that text or its input's names)."""
    checks = {id(r): _check_text(r) for r in texts}
    tags = list({r.source[2] for r in texts if isinstance(r.source, tuple)})
    named = {tags[i] for i in keyword_hits([t.names for t in tags])}
    flagged = {id(texts[i]) for i in keyword_hits([checks[id(r)] for r in texts])}
    flagged.update(id(r) for r in texts if isinstance(r.source, tuple) and r.source[2] in named)
    return checks, flagged


def _check_text(r: TextRecord) -> str:
    """The text a record's secret keywords and learnt secrets are looked for in: its raw lines, or its text
    and fields."""
    return "\n".join(r.source[1]) if isinstance(r.source, tuple) else f"{r.text}\n{_fields(r.source)}"


#: windows whose "holds no learnt secret" is remembered at once
_CLEAN_WINDOWS = 32


class _Learnt:
    """The secrets the redactor has learnt (long enough to look for), and which recent windows hold none.

    They change only where the redactor redacts a record (`stale` is then
    set): the list is kept until then, and a window whose printed records
    and raw bytes hold none of them has no run holding one (`_run_holds`
    is not needed for its runs).  The workers look for them in each window
    they make (`_bulk.set_learnt`); their answer is taken where it was for
    the same set.
    """

    def __init__(self, redactor: Redactor, share: Callable[[frozenset[bytes]], None]) -> None:
        self.redactor = redactor
        self.stale = True
        self.known: list[str] = []
        self.encoded: frozenset[bytes] = frozenset()
        #: per window, by the id of its batch's keys (an array made for that batch alone): the keys (held, so
        #: the id is not reused meanwhile; not the batch: its window's bytes would stay alive) and the answer
        self.clean: dict[int, tuple[Int, bool]] = {}
        self.share = share  # `_bulk.set_learnt`
        share(self.encoded)  # none learnt yet (a set left by an earlier merge in this process is dropped)

    def secrets(self) -> list[str]:
        if self.stale:
            self.stale = False
            now = [s for s in self.redactor.originals if len(s) >= MIN_BARE_SECRET_LEN]
            if set(now) != set(self.known):
                self.known = now
                self.clean.clear()
                self.encoded = frozenset(s.encode() for s in now)
                self.share(self.encoded)  # the windows read from now on are looked at in the workers
        return self.known

    def holds(self, run: BulkRun, secrets: list[str]) -> bool:
        """`_run_holds`, skipped for a window known to hold none of `secrets`."""
        return self.window_holds(run.batch, secrets) and _run_holds(run, secrets)

    def window_holds(self, batch: Batch, secrets: list[str]) -> bool:
        """Whether a window may hold one of `secrets` in a bulk run (`_window_holds`), remembered per window."""
        seen = self.clean.get(id(batch.keys))
        if seen is None:
            if len(self.clean) >= _CLEAN_WINDOWS:
                del self.clean[next(iter(self.clean))]  # the oldest window (the inputs read on)
            win = batch.win
            pre = win.learnt if win is not None else None
            # the worker's answer where it looked for the same secrets (`_bulk.set_learnt`), else looked here
            holds = pre[1] if pre is not None and pre[0] == self.encoded else _window_holds(batch, secrets)
            seen = self.clean[id(batch.keys)] = (batch.keys, holds)
        return seen[1]


def _window_holds(batch: Batch, secrets: list[str]) -> bool:
    """Whether a window may hold a learnt secret in a bulk run: in its printed records or its raw bytes."""
    win = batch.win
    assert win is not None
    return any((w := s.encode()) in win.blob or w in batch.raw for s in secrets)


def _run_holds(run: BulkRun, secrets: list[str]) -> bool:
    """Whether a bulk run holds a learnt secret: in its printed bytes or its records' raw lines."""
    win = run.batch.win
    assert win is not None
    lines = win.lines
    start, end = int(win.starts[lines[run.first]]), int(win.ends[lines[run.stop - 1]])
    raw = run.batch.raw
    return any((w := s.encode()) in run.data or raw.find(w, start, end) >= 0 for s in secrets)


#: an item of a block to write: a text record's text, bulk records' bytes, a bulk run or a gathered block
_Item: TypeAlias = "str | bytes | memoryview | BulkRun | BulkBlock"
#: a part `_write_parts` writes
_Part: TypeAlias = "bytes | memoryview | BulkRun | BulkBlock"


def _write_runs(items: list[_Item], runs: list[bool],
                clean: set[int] | frozenset[int] = frozenset()) -> None:
    """`_write` for a block whose items may hold several bulk records (`runs`: their printed bytes, each
    record ending with a newline): those are checked one by one where the block's leak scan finds
    anything, as each record is by `_write`.

    A block of ASCII text records with no control character, on a UTF-8 or
    ASCII stdout, is written as bytes: the bulk runs are not decoded and
    encoded again (the same bytes reach stdout).  `clean`: the items (runs)
    the worker found no leak literal in (`_bulk.Window.clean`): the block's
    prefilter scan skips them.
    """
    if not items:
        return
    if _write_bytes(items, runs, clean):
        return
    batch = [item if isinstance(item, str) else str(_joined(item), "ascii")[:-1] for item in items]
    block = "\n".join(batch)
    if not _surely_clean(block) and leak_check(block):
        for text, run in zip(batch, runs, strict=True):
            for one in text.split("\n") if run else [text]:
                echo_log_text(one, what="a merged record")
        return
    # bulk records hold no control character (the bulk path leaves such lines to the text path)
    controls = any(has_controls(text) for text, run in zip(batch, runs, strict=True) if not run)
    click.echo("\n".join(terminal_safe(text) for text in batch) if controls else block)


#: texts `leak_check` needs to find anything: each shape's first literal, the key spellings (any case), and
#: `&` and `\\` (its unescaping could make one); a block holding none of them has no leak to find
_LEAK_SHAPE_STARTS = (b"gAAAAA", b"AQ", b"AKIA", b"eyJ", b"uthorization", b"UTHORIZATION", b"-----BEGIN ", b"&", b"\\")
_leak_db: list[Any] = []


def _leak_literals() -> tuple[tuple[bytes, ...], tuple[bool, ...]]:
    """The prefilter's texts and which are caseless (the bulk workers flag windows with the same)."""
    words = tuple(w.encode("ascii") for w in _LEAK_KEY_WORDS)
    return (*_LEAK_SHAPE_STARTS, *words), (False,) * len(_LEAK_SHAPE_STARTS) + (True,) * len(words)


def _surely_clean(block: str | bytes) -> bool:
    """True when `leak_check(block)` surely finds nothing (one hyperscan scan); False when it must run."""
    if engine_name() != "hyperscan":
        return False
    if not _leak_db:
        _leak_db.append(literal_database(*_leak_literals()))
    return not holds_any(_leak_db[0], block if isinstance(block, bytes) else block.encode("utf-8", "surrogatepass"))


def _write_bytes(items: list[_Item], runs: list[bool],
                 clean: set[int] | frozenset[int] = frozenset()) -> bool:
    """Write a block as bytes where that prints what `click.echo` of its text would (see `_write_runs`);
    False where the text way must print it.

    The parts are written one after the other, with no join of the whole
    block: a gathered block of runs that needs no leak scan is written as
    its runs' bytes in their windows (`_write_parts`)."""
    out = sys.stdout
    binary = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if binary is None or not encoding or codecs.lookup(encoding).name not in ("utf-8", "ascii"):
        return False
    parts: list[_Part] = []
    looked: list[bool] = []  # every part but the clean runs (each is whole lines: no literal spans two)
    for i, (item, run) in enumerate(zip(items, runs, strict=True)):
        if run:
            assert not isinstance(item, str)
            look = i not in clean
            parts.append(_joined(item) if look else item)  # a block scanned: its bytes as one
            looked.append(look)
        else:
            assert isinstance(item, str)
            if not item.isascii() or has_controls(item):
                return False
            parts.append(item.encode("ascii") + b"\n")
            looked.append(True)
    if engine_name() != "hyperscan":
        return False
    scanned = [_joined(part) for part, look in zip(parts, looked, strict=True) if look]
    if scanned and not _surely_clean(b"".join(scanned)):
        _write_narrowed(parts, looked, runs)
        return True
    out.flush()
    _write_parts(binary, parts)
    return True


def _joined(item: _Part) -> bytes | memoryview:
    """An item's bytes as one buffer (a gathered block's runs copied together: `BulkBlock.data`)."""
    return item if isinstance(item, bytes | memoryview) else item.data


#: buffers `os.writev` takes at once (POSIX's IOV_MAX; Linux's is 1024)
_IOV_MAX = 1024


def _write_parts(binary: Any, parts: list[_Part]) -> None:
    """Write the parts to stdout's binary stream, in order, and flush it.

    A gathered block is written as its runs' bytes where they lie in their
    windows (`BulkBlock.views`), the parts handed to `os.writev` on stdout's
    file descriptor, a thousand at a time: no copy of the round into one
    buffer (≈ 1 GiB on a big merge; the windows' bytes are long out of the
    cache).  A stream with no file descriptor (a test's) is written part by
    part: the same bytes either way.
    """
    buffers: list[bytes | memoryview] = []
    for part in parts:
        if isinstance(part, bytes | memoryview):
            buffers.append(part)
        else:
            buffers.extend(part.views())
    binary.flush()  # what it holds goes first
    fd = _descriptor(binary)
    if fd is None:
        for piece in buffers:
            binary.write(piece)
    else:
        for at in range(0, len(buffers), _IOV_MAX):
            _writev(fd, buffers[at:at + _IOV_MAX])
    binary.flush()


def _descriptor(binary: Any) -> int | None:
    """The file descriptor under a binary stream, or None (a stream in memory, or no `os.writev` here)."""
    if not hasattr(os, "writev"):
        return None
    try:
        fd = binary.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) else None


def _writev(fd: int, buffers: list[bytes | memoryview]) -> None:
    """`os.writev` of all the buffers' bytes: where it writes less (a signal, a pipe's limit), the rest of
    the buffer it stopped in is written, then the buffers after it."""
    while buffers:
        written = os.writev(fd, buffers)
        if written == sum(map(len, buffers)):
            return
        for k, buffer in enumerate(buffers):
            size = len(buffer)
            if written < size:  # buffer k is not all written: its rest, then the ones after it
                rest = memoryview(buffer)[written:]
                while rest:
                    rest = rest[os.write(fd, rest):]
                buffers = buffers[k + 1:]
                break
            written -= size
        else:
            return


def _write_narrowed(parts: list[_Part], looked: list[bool], runs: list[bool]) -> None:
    """`_write_bytes` for a block holding a leak prefilter literal: only the records holding one go
    `echo_log_text`'s way, one by one (each checked by `leak_check`, the command refused at the first one
    holding a secret shape, the records before it printed: as when each record is checked); the bytes
    between them are written as they are.

    A bulk run's record is one line; a text record is its whole part.  A
    record holding no literal of the prefilter holds no leak `leak_check`
    could find, so the block's text (megabytes where a round is gathered)
    is neither decoded nor searched by the patterns.
    """
    out = sys.stdout
    binary = out.buffer
    pending: list[_Part] = []

    def flush() -> None:
        out.flush()  # what `echo_log_text` printed goes first
        _write_parts(binary, pending)
        pending.clear()

    for part, look, run in zip(parts, looked, runs, strict=True):
        ends = _literal_ends(_joined(part)) if look else []
        if not ends:
            pending.append(part)
            continue
        data = bytes(_joined(part))
        if not run:
            flush()
            echo_log_text(data[:-1].decode("ascii"), what="a merged record")
            continue
        at = 0
        for end in ends:
            if end <= at:
                continue  # in a line already printed
            start = data.rfind(b"\n", 0, end - 1) + 1  # the literal's line (a literal holds no newline)
            stop = data.find(b"\n", end - 1) + 1 or len(data)
            pending.append(memoryview(data)[at:start])
            flush()
            echo_log_text(data[start:stop].rstrip(b"\n").decode("ascii"), what="a merged record")
            at = stop
        pending.append(memoryview(data)[at:])
    flush()
    binary.flush()


def _literal_ends(data: bytes | memoryview) -> list[int]:
    """Where each leak prefilter literal found in `data` ends, in order (hyperscan reports them so)."""
    ends: list[int] = []

    def found(_ident: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
        ends.append(end)

    _leak_db[0].scan(data, match_event_handler=found)
    return sorted(ends)


def _holds(record: TextRecord, check: str, secrets: list[str]) -> bool:
    """Whether a record holds a learnt secret, in its lines, its printed text or its input's names."""
    names = record.source[2].names if isinstance(record.source, tuple) else ""
    return any(s in check or s in record.text or s in names for s in secrets)


def _fields(e: Event) -> str:
    """The texts of an Event `format_event` may not print (they are searched for keywords too)."""
    return "\n".join((f"{e.global_request_id}\n{e.user}\n{e.project}\n{e.instance}\n{e.source}", *e.extra))


#: records are redacted in blocks of this many (one keyword search per block, see `Redactor.events`)
_BATCH_RECORDS = 2048

def _write(batch: list[str]) -> None:
    """Print records as `echo_log_text` prints each, in one write after one leak scan of the block.

    When the scan of the block finds anything, the records go one by one
    through `echo_log_text`: the ones before the offending record are
    printed and the command stops at it, exactly as when each is checked.
    """
    if not batch:
        return
    block = "\n".join(batch)
    if leak_check(block):
        for text in batch:
            echo_log_text(text, what="a merged record")
        return
    # `terminal_safe` of each record; a block with no control character holds none to change
    click.echo("\n".join(terminal_safe(text) for text in batch) if has_controls(block) else block)
