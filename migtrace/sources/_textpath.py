"""`merge`'s text path: one plain oslo input read as record texts, no Event built per record.

`merge` prints every record as one line block (`reports/merge.format_event`);
building a frozen Event per record only to print five of its fields was most
of its cost.  Here a plain oslo text input is read in byte windows (whole
lines, decoded and split in C), each record's header is matched once (the
parser's own greedy `_FAST_HEADER` with `_Folder.header`'s conditions, or the
parser's general `parse_payload` for the rest), and the record comes out as
a `TextRecord`: its sort key (the UTC time as `format_event` prints it), the
fields the cross-input de-duplication compares, and the printed text.

Exactness comes first.  The path takes only what it can read exactly as the
parser does: a record header, the continuation lines of a traceback or a
multi-line message (plain, or behind an exception prefix).  Any other line —
a cut header, another program's line, a wrapper, a libvirt or kernel line, an
impossible date, a line before the first record, a NUL, a line cut at the
size limit, a read error — raises `NotPlain` with the number of records
already given out: the caller then reads that input the Event way from the
start and skips that many events (they are the same records: the parser's
state at a record boundary holds nothing those lines could have set).
Inputs that are not plain oslo text (other formats, decorations, wrapping,
quoting, CR-only line ends, archives members, URLs, stdin) are not taken at all.
"""

from __future__ import annotations

import calendar
import functools
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from migtrace._naming import service_from_logger
from migtrace._timeutil import localize
from migtrace.model import LEVEL_ALIASES, Event, FileStats
from migtrace.parsers import libvirt, syslog_record
from migtrace.parsers._ansi import strip_ansi
from migtrace.parsers._base import ParseContext
from migtrace.parsers._header import HEADERISH
from migtrace.parsers.journal_local import PSEUDO_PATH as LOCAL_JOURNAL
from migtrace.parsers.oslo import (
    _FAST_HEADER,
    PARSER,
    Payload,
    _fold,
    _is_context,
    looks_like_cut_header,
    parse_payload,
    parse_request_block,
    split_after,
)
from migtrace.parsers.registry import sniff
from migtrace.parsers.transport import peel, table
from migtrace.sources._discover import input_size
from migtrace.sources._input import FileInput
from migtrace.sources._open import (
    MAX_LINE_CHARS,
    WINDOW_BYTES,
    Peekable,
    cr_only,
    decompressing,
    is_compressed,
    open_raw,
    peek_magic,
)
from migtrace.sources._reader import FileReader
from migtrace.sources._url import is_url

if TYPE_CHECKING:  # numpy and the bulk path are imported where a bulk merge runs, not by the text path
    from migtrace.sources._bulk import Batch, Int, Literals, Window


class TextRecord(NamedTuple):
    """One record as `merge` needs it: sort key, de-duplication fields, printed text, how to rebuild it."""

    #: the UTC time as printed (`YYYY-MM-DDTHH:MM:SS.ffffff`): sorts as the time does
    key: str
    #: `Event.time.timestamp()` of the record (the de-duplication window)
    stamp: float
    host: str | None
    pid: int | None
    message: str
    #: the record as `format_event` prints it (with or without its extra lines, as asked)
    text: str
    #: the input's name (`Event.source`)
    origin: str
    #: the text path's record: its first line number, its raw lines and its `_Tag` (else its Event)
    source: tuple[int, tuple[str, ...], Tag] | Event


class Tag(NamedTuple):
    """What a text-path record prints beside its lines: `[host/service]`, and the texts that name it."""

    text: str
    #: the input's name, host and service, one per line (what a keyword search must see besides the lines)
    names: str


class NotPlain(Exception):
    """The input holds a line the text path does not read exactly: read it the Event way."""

    def __init__(self, given: int) -> None:
        super().__init__(given)
        #: how many records the text path has already given out
        self.given = given


def takes(reader: FileReader) -> bool:
    """Whether the text path may try this input (a plain file or a compressed one, not a member or URL)."""
    item = reader.item
    return (item.skip is None and item.member is None and item.path not in ("-", LOCAL_JOURNAL)
            and not is_url(item.path) and not reader.terms and not reader.options.strict)


@functools.lru_cache(maxsize=4096)
def _second(second: str, zone: tzinfo) -> tuple[str, int]:
    """One wall-clock second of a zone: its UTC `YYYY-MM-DDTHH:MM:SS` and epoch seconds; ValueError if impossible."""
    utc = localize(datetime.fromisoformat(second), zone)
    return utc.isoformat(timespec="seconds")[:19], calendar.timegm(utc.utctimetuple())


@functools.lru_cache(maxsize=256)
def _service(logger: str) -> str | None:
    return service_from_logger(logger)


def event_record(e: Event, render: Callable[[Event], str]) -> TextRecord:
    """The TextRecord of an Event read the usual way (an input, or the rest of one, the text path leaves)."""
    key = e.time.astimezone(UTC).isoformat(timespec="microseconds")[:26] if e.time.tzinfo else \
        e.time.isoformat(timespec="microseconds")[:26]
    return TextRecord(key, e.time.timestamp(), e.host, e.pid, e.message, render(e), e.source, e)


def text_records(reader: FileReader, full: bool) -> Iterator[TextRecord]:
    """Yield the input's records in file order; raise NotPlain where the Event way must take over.

    Raises NotPlain(0) before reading a line when the input is not plain
    oslo text.  Nothing is counted in `reader.stats` (`merge --stats` reads
    the Event way).
    """
    return _read_plain(reader, full, lambda records, peek, _ctx, report: records.read(peek, report))


def bulk_batches(reader: FileReader, full: bool, literals: Literals | None,
                 pool: Executor | None = None, window: int = WINDOW_BYTES) -> Iterator[Batch]:
    """Yield the input's records as `Batch`es; raise NotPlain where the Event way must take over.

    `literals`: the bulk path's finder (`_bulk.Literals`), or None when the
    input may not be bulk-printed (its host is another input's too: the
    cross-input de-duplication must see each of its records).  The bulk
    path also needs the input's zone to be UTC and its service known (one
    `[host/service]` tag for every record); otherwise every line goes the
    text path, in batches of `TEXT_BATCH` records.  `window`: the bytes of
    a window read at once (`_open.merge_window_bytes`).
    """
    def batches(records: _Records, peek: Peekable, ctx: ParseContext, report: Callable[[], None] | None,
                ) -> Iterator[Batch]:
        tag = records._tag(ctx.service) if ctx.service else None
        if (literals is not None and tag is not None and ctx.tz is UTC
                and tag.text.isascii() and tag.names.isascii() and tag.text.isprintable()
                and not len(literals(tag.names.encode("ascii")))):
            yield from records.read_bulk(peek, tag.text.encode("ascii"), literals, report, pool, window)
            return
        texts: list[TextRecord] = []
        for record in records.read(peek, report):
            texts.append(record)
            if len(texts) >= TEXT_BATCH:
                yield text_batch(texts)
                texts = []
        if texts:
            yield text_batch(texts)

    return _read_plain(reader, full, batches)


_T = TypeVar("_T")


def _read_plain(reader: FileReader, full: bool,
                body: Callable[[_Records, Peekable, ParseContext, Callable[[], None] | None], Iterator[_T]],
                ) -> Iterator[_T]:
    """Open a plain oslo input and yield what `body` makes of its records (NotPlain where the Event way
    must take over: before the first line when the input is not plain oslo text, at the end when lines
    were cut or the read failed)."""
    try:
        raw = open_raw(reader.item.path)
    except OSError:
        raise NotPlain(0) from None
    try:
        magic = peek_magic(raw)
        peek = Peekable(decompressing(raw, magic))
        if not peek.head:
            raise NotPlain(0)
        ctx = reader._context()
        data = FileInput(reader.item.path, peek, ctx, plain_file=not is_compressed(magic))
        parser = sniff(data.head)
        if parser is not PARSER or data.decorations or not data.plain_lines or cr_only(peek.head):
            raise NotPlain(0)
        # the progress hook hears how far into the file each window ends, as the Event way's reader tells it
        hook = reader.progress
        report = (lambda: hook(raw.tell())) if hook is not None and raw.seekable() else None
        yield from body(_Records(ctx, full), peek, ctx, report)
        if peek.cut_lines or peek.error is not None:
            raise NotPlain(-1)  # the Event way warns about them (it reads again, skipping every record given)
    finally:
        raw.close()
    if reader.progress is not None and (size := input_size(reader.item.path)):
        reader.progress(size)


#: records per batch of an input read the text path or the Event way
TEXT_BATCH = 4096


def text_batch(texts: list[TextRecord]) -> Batch:
    """A batch of text-path records (no bulk record)."""
    import numpy as np  # noqa: PLC0415 - the bulk merge's: a text-path merge of small inputs never imports it

    from migtrace.sources._bulk import Batch, key_number  # noqa: PLC0415 - the same
    return Batch(np.fromiter((key_number(t.key) for t in texts), np.int64, len(texts)),
                 np.arange(-1, -len(texts) - 1, -1, dtype=np.int64), texts, None, b"", 0)


class _Open:
    """The record being read: what its printed head needs, its extra lines, its raw lines."""

    __slots__ = ("extra", "instance", "key", "level", "lineno", "lines", "logger", "message", "pid", "req", "stamp",
                 "tag")

    def __init__(self, key: str, stamp: float, pid: int | None, instance: str | None, tag: Tag, level: str,
                 logger: str, req: str, message: str, lineno: int, line: str) -> None:
        self.key = key
        self.stamp = stamp
        self.pid = pid
        self.instance = instance
        self.tag = tag
        self.level = level
        self.logger = logger
        #: the request block as printed (` [req-…]` or ` [-]`)
        self.req = req
        self.message = message
        self.extra: list[str] | None = None
        self.lineno = lineno
        self.lines: str | list[str] = line


class _Records:
    """The fold of `parsers/oslo._fold` for the lines it reads exactly; NotPlain for the others."""

    def __init__(self, ctx: ParseContext, full: bool) -> None:
        self.ctx = ctx
        self.full = full
        self.zone = ctx.tz
        self.host = ctx.host
        self.given = 0
        self.tbl = table()
        self.rec: _Open | None = None
        self._tags: dict[str | None, Tag] = {}
        #: each wall-clock second seen: its UTC text and epoch seconds, or None when it cannot be
        self.seconds: dict[str, tuple[str, int] | None] = {}

    def read(self, peek: Peekable, report: Callable[[], None] | None = None) -> Iterator[TextRecord]:
        """Yield the records of the input's lines (the quick header inline: it is nearly every line)."""
        lineno = 0
        feed = self._feed
        for buffer, n in peek.windows():
            if peek.cut_lines:
                raise NotPlain(self.given)  # a line cut at the size limit: the Event way reads (and warns) from here
            if report is not None:
                report()
            for raw in self._lines(buffer, n):
                lineno += 1
                done = feed(lineno, raw)
                if done is not None:
                    yield done
        if self.rec is not None:
            yield self._close()

    def read_bulk(self, peek: Peekable, tag: bytes, literals: Literals, report: Callable[[], None] | None = None,
                  pool: Executor | None = None, size: int = WINDOW_BYTES) -> Iterator[Batch]:
        """Yield the input's records window by window as `Batch`es: the lines `bulk_window` takes printed
        at once, every other line read by `_feed` as `read` reads it, all in file order.

        `pool`: `bulk_window` runs there (`window_job`), a few windows ahead of
        the one being folded; its result is the same function's.  `size`: the
        bytes of a window (`_open.merge_window_bytes`).
        """
        import numpy as np  # noqa: PLC0415 - the bulk merge's (see `text_batch`)

        from migtrace.sources._bulk import Batch, key_number  # noqa: PLC0415 - the same
        lineno = 0
        for window, win in self._windows(peek, tag, literals, report, pool, size):
            yield from self._batch(window, win, lineno)
            lineno += len(win.taken)
        if self.rec is not None:
            last = self._close()
            yield Batch(np.array([key_number(last.key)], np.int64), np.array([-1], np.int64), [last], None, b"",
                        lineno)

    def _windows(self, peek: Peekable, tag: bytes, literals: Literals, report: Callable[[], None] | None,
                 pool: Executor | None, size: int) -> Iterator[tuple[bytes, Window]]:
        """Each window's bytes and what `bulk_window` made of it (in `pool`, up to `AHEAD` windows ahead)."""
        from migtrace.sources._bulk import AHEAD, bulk_window, window_job  # noqa: PLC0415 - the bulk merge's

        ahead: deque[tuple[bytes, Future[Window]]] = deque()
        # as many bytes ahead as `AHEAD` windows of the usual size (bigger windows: fewer of them held)
        most = max(1, AHEAD * WINDOW_BYTES // size)
        for buffer, n in peek.windows(size):
            if peek.cut_lines:
                raise NotPlain(self.given)
            if report is not None:
                report()
            window = bytes(memoryview(buffer)[:n])
            if b"\x00" in window:
                # the windows before it are folded first, then NotPlain (as the text path reads them)
                while ahead:
                    done, future = ahead.popleft()
                    yield done, future.result()
                raise NotPlain(self.given)
            if pool is None:
                yield window, bulk_window(window, tag, literals)
                continue
            ahead.append((window, pool.submit(window_job, window, tag, literals.words)))
            if len(ahead) > most:
                done, future = ahead.popleft()
                yield done, future.result()
        while ahead:
            done, future = ahead.popleft()
            yield done, future.result()

    def _batch(self, window: bytes, win: Window, lineno: int) -> Iterator[Batch]:
        """One window's records: bulk runs as they are, the other lines folded by `_feed`."""
        import numpy as np  # noqa: PLC0415 - the bulk merge's (see `text_batch`)

        from migtrace.sources._bulk import Batch, key_number  # noqa: PLC0415 - the same
        feed = self._feed
        if len(window) > MAX_LINE_CHARS and int((win.ends - win.starts).max()) > MAX_LINE_CHARS:
            self._lines(window, len(window))  # NotPlain where a line is longer than the Event way reads
        texts: list[TextRecord] = []
        slots: list[Int] = []
        keys: list[Int] = []
        taken = win.taken
        others = np.flatnonzero(~taken)
        done_lines = 0
        made = 0  # bulk records made so far in this window
        starts, ends = win.starts, win.ends
        for i in [*others.tolist(), len(taken)]:
            if i > done_lines:  # taken lines done_lines..i-1: one run of bulk records
                if self.rec is not None:
                    texts.append(self._close())
                    slots.append(np.array([-len(texts)]))
                    keys.append(np.array([key_number(texts[-1].key)]))
                count = i - done_lines
                slots.append(np.arange(made, made + count))
                keys.append(win.keys[made:made + count])
                made += count
                self.given += count
            if i == len(taken):
                break
            raw = window[starts[i]:ends[i]].decode("utf-8", "replace")
            if raw.endswith("\r"):
                raw = raw[:-1]
            closed = feed(lineno + i + 1, raw)
            if closed is not None:
                texts.append(closed)
                slots.append(np.array([-len(texts)]))
                keys.append(np.array([key_number(closed.key)]))
            done_lines = i + 1
        if slots:
            yield Batch(np.concatenate(keys).astype(np.int64), np.concatenate(slots).astype(np.int64), texts,
                        win, window, lineno)

    def _feed(self, lineno: int, raw: str) -> TextRecord | None:
        """One line: the quick header inline (nearly every line), else `_other`; the record it closed, if any."""
        if (raw[10:11] == " " and raw[4:5] == "-" and raw[:1].isdigit() and "\x1b" not in raw
                and "#033" not in raw and "^[" not in raw and ";3" not in raw and "[0" not in raw
                and (m := _FAST_HEADER.match(raw)) is not None):
            # `_Folder.header`, the parser's quick path, step by step
            ts, pid_text, level, logger, block, after = m.groups()
            if level in LEVEL_ALIASES:
                level = LEVEL_ALIASES[level]
            ok = level != "TRACE" and ("req-" in block or _is_context(block)) and not (
                raw.count("[") > raw.count("]") and HEADERISH.match(raw))
            if ok:
                second = ts[:19]
                seconds = self.seconds
                known = seconds[second] if second in seconds else self._second(second)
                ok = known is not None
            if ok:
                assert known is not None
                frac = ts[20:]
                micro = int(frac) * 10 ** (6 - len(frac)) if frac else 0
                request_id = parse_request_block(block)[0]
                after, instance, pid = split_after(after, level, int(pid_text) if pid_text else None)
                closed = self._close() if self.rec is not None else None
                name = self.ctx.service or _service(logger)
                tag = self._tags.get(name) or self._tag(name)
                self.rec = _Open(f"{known[0]}.{micro:06d}", (known[1] * 1_000_000 + micro) / 1_000_000, pid,
                                 instance, tag, level, logger,
                                 f" [{request_id}]" if request_id else " [-]", after, lineno, raw)
                return closed
        return self._other(lineno, raw)

    def _second(self, second: str) -> tuple[str, int] | None:
        """`_second` of the input's zone, remembered per input (None: no such time, the general way decides)."""
        try:
            known: tuple[str, int] | None = _second(second, self.zone)
        except ValueError:
            known = None
        self.seconds[second] = known
        return known

    def _lines(self, buffer: bytearray | bytes, n: int) -> list[str]:
        """A window's lines as `decode_line` gives them (decoded in one call, split in C); NotPlain where a
        line needs more than that (a NUL, a line past MAX_LINE_CHARS)."""
        with memoryview(buffer) as view:
            text = str(view[:n], "utf-8", "replace")
        if "\x00" in text:
            raise NotPlain(self.given)
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        if "\r" in text:
            lines = [x[:-1] if x.endswith("\r") else x for x in lines]
        if len(text) > MAX_LINE_CHARS and max(map(len, lines)) > MAX_LINE_CHARS:
            raise NotPlain(self.given)
        return lines

    def _tag(self, service: str | None) -> Tag:
        """The tag of the records of one service (each made once per input)."""
        tag = self._tags.get(service)
        if tag is None:
            tag = self._tags[service] = Tag(f"[{self.host or '?'}/{service or '?'}]",
                                            f"{self.ctx.path}\n{self.host}\n{service}")
        return tag

    def _other(self, lineno: int, raw: str) -> TextRecord | None:
        """A line that is no quick header: a general header, a continuation line, or NotPlain."""
        text = strip_ansi(raw)
        peeled = peel(text, self.tbl)
        if peeled.newest_first or peeled.reveal or peeled.meta:
            raise NotPlain(self.given)
        if text.startswith("==> ") and text.endswith(" <=="):
            raise NotPlain(self.given)  # a tail header (sources' peel makes it a meta line)
        p = None
        if text[:1].isdigit():
            try:
                p = parse_payload(text)
            except ValueError:
                raise NotPlain(self.given) from None
            if p is not None and p.time is not None and (p.is_header or looks_like_cut_header(text)):
                return self._general(p, lineno, raw, text)
        if p is None and (libvirt.match(text) is not None or (text[:1] == "[" and (
                syslog_record.is_uptime_line(text) or syslog_record.kernel_record(text, _scratch(self.ctx), lineno)))):
            raise NotPlain(self.given)
        rec = self.rec
        if rec is None:
            raise NotPlain(self.given)
        if rec.extra is None:
            rec.extra = []
            rec.lines = [rec.lines] if isinstance(rec.lines, str) else rec.lines
        rec.extra.append(p.message if p is not None else text)
        assert isinstance(rec.lines, list)
        rec.lines.append(raw)
        if p is not None and rec.instance is None and p.instance:
            rec.instance = p.instance
        return None

    def _general(self, p: Payload, lineno: int, raw: str, text: str) -> TextRecord | None:
        """A header the quick path leaves: read by `parse_payload` as `_Folder.feed` reads it."""
        assert p.time is not None
        if looks_like_cut_header(text):
            raise NotPlain(self.given)
        try:
            utc = localize(p.time, self.zone)
        except ValueError:
            raise NotPlain(self.given) from None
        iso = utc.isoformat(timespec="microseconds")
        if not iso.endswith("+00:00"):
            raise NotPlain(self.given)
        closed = self._close() if self.rec is not None else None
        tag = self._tag(self.ctx.service or _service(p.logger))
        req = f" [{p.request_id}]" if p.request_id else " [-]"
        self.rec = _Open(iso[:26], utc.timestamp(), p.pid, p.instance, tag, p.level, p.logger, req, p.message, lineno,
                         raw)
        return closed

    def _close(self) -> TextRecord:
        rec = self.rec
        assert rec is not None
        self.rec = None
        self.given += 1
        inst = f" [instance: {rec.instance}]" if rec.instance else ""
        text = f"{rec.key}+00:00 {rec.tag.text} {rec.level} {rec.logger}{rec.req}{inst} {rec.message}"
        extra = rec.extra
        if extra:
            while extra and not extra[-1].strip():
                extra.pop()
            if self.full and extra:
                text = "\n".join([text, *(f"    {x}" for x in extra)])
        lines = rec.lines
        return _new(TextRecord, (rec.key, rec.stamp, self.host, rec.pid, rec.message, text, self.ctx.path,
                                 (rec.lineno, (lines,) if isinstance(lines, str) else tuple(lines), rec.tag)))


_new = tuple.__new__


def _scratch(ctx: ParseContext) -> ParseContext:
    """A context to try a line with, whose accounting is thrown away."""
    return ParseContext(path=ctx.path, stats=FileStats(path=ctx.path), tz=ctx.tz, host=ctx.host,
                        service=ctx.service, year=ctx.year, host_from=ctx.host_from)


#: the parse context of the inputs `promote` read lines of (one per reader: it stats the file)
_contexts: dict[int, tuple[FileReader, ParseContext]] = {}


def promote(reader: FileReader, full: bool, lineno: int, raw: str) -> TextRecord:
    """The text record of one line the bulk path printed (a whole record: a quick header alone)."""
    ctx = _contexts.get(id(reader))
    if ctx is None or ctx[0] is not reader:
        ctx = _contexts[id(reader)] = (reader, reader._context())
    records = _Records(ctx[1], full)
    closed = records._feed(lineno, raw)
    assert closed is None and records.rec is not None
    return records._close()


def rebuild(reader: FileReader, lineno: int, lines: tuple[str, ...]) -> Event:
    """The Event the parser makes of one record the text path read (for redaction): its lines folded again."""
    ctx = reader._context()
    ctx.stats = FileStats(path=ctx.path)
    events = list(_fold(zip(range(lineno, lineno + len(lines)), lines, strict=True), ctx, PARSER.name))
    assert len(events) == 1, events
    return events[0]
