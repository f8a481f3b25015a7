"""oslo.log text: the nova record format of every release, Folsom to today.

One header regex covers every variant in docs/nova-migration-logs.md §1: the
timestamp (with or without msecs) and pid are optional (Folsom has neither,
Grizzly drops the pid in context lines, devstack's journald format has
neither because journald supplies them), the context block is optional only
for exception-prefix lines, which are continuations of the record above.
The request block is parsed loosely: its token count changed with every
oslo.context release and sites override it.

Multi-line records: traceback lines repeat a prefix (`TRACE` before Liberty,
`ERROR` after) without a context block; remote tracebacks and multi-line
messages follow with no prefix at all.  Both fold into the record above.
Headers hard-wrapped by a terminal or a mail client are re-joined.

Format is decided per line, not per file: each line is first peeled of what
wrapped it on its way here (syslog, grep, container runtimes, exports — see
`transport.py`), so a file mixing nova records with kernel or syslog lines
keeps every record.  A line from another origin (another program in the same
syslog file) never becomes a continuation of a nova record: a syslog line of
another program is a record of that program (`syslog_record.py`), held until
the nova record it interrupted is complete so the file's events stay in time
order; any other line of another origin is counted unparsed.  A header with
an impossible date (`2018-02-30`) is that record unparsed, with its line
number; reading goes on.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from migtrace._naming import host_from_path, service_from_logger, service_from_name
from migtrace._timeutil import localize
from migtrace.model import LEVEL_ALIASES, Event, FileStats, _EventSlots, new_event
from migtrace.parsers import libvirt, line_records, syslog_record
from migtrace.parsers._ansi import strip_ansi
from migtrace.parsers._base import Head, InputData, Line, LineBlock, ParseContext, Sample, share_matching
from migtrace.parsers._header import BARE, HEADERISH, LEVEL_ALTERNATION, STD
from migtrace.parsers.transport import Peeled, peel, table, wrapper_time
from migtrace.parsers.wrappers import tail_header

#: variant -> header regex.  `std` is the file format (timestamp first), `bare`
#: is what devstack writes to journald (journald adds time and pid).
patterns: dict[str, re.Pattern[str]] = {"std": re.compile(STD), "bare": re.compile(BARE)}

_CONTEXT = re.compile(r"\[(?P<ctx>[^\]\[]*)\]\s?(?P<after>.*)$", re.S)
_INSTANCE = re.compile(
    r"\[instance: (?P<uuid>[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})\] ?")
_REQ = re.compile(r"^req-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: Each suffix is at most this many blank-separated words at the end of the message (`from`, `(pid=N)`,
#: the function, `path:line`): it is looked for only in them (see `_strip_debug_suffix`).
_SUFFIX_WORDS = 4
_DEBUG_SUFFIXES = (
    re.compile(r"\s*\{\{\(pid=(?P<pid>\d+)\) (?P<func>\S+) (?P<path>\S+):(?P<line>\d+)\}\}$"),
    re.compile(r"\s+from \(pid=(?P<pid>\d+)\) (?P<func>\S+) (?P<path>\S+):(?P<line>\d+)$"),
    re.compile(r"\s+(?P<func>[\w<>.]+) (?P<path>/\S+\.py):(?P<line>\d+)$"),
)

#: The common record header in one greedy match: timestamp, pid, level, logger, the request block right
#: after one blank, the message up to its last non-blank.  What it does not take (no request block, a
#: cut or odd header) goes the general way (`parse_payload`); where it matches, both give the same fields.
#: Its timestamp is the plain naive one (ASCII digits, `.` fraction, no zone) that `_utc_time` reads.
_FAST_HEADER = re.compile(
    r"(?P<ts>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?)\s+(?:(?P<pid>\d+)\s+)?"
    r"(?P<level>" + LEVEL_ALTERNATION
    + r")\s+(?P<logger>[\w.\-]+)\s\[(?P<ctx>[^\]\[]*)\]\s?(?P<after>(?:.*\S)?)\s*$")


@dataclass(slots=True)
class Payload:
    """The fields of one oslo.log header line, before host/zone are known."""

    level: str
    logger: str
    message: str
    time: datetime | None = None
    time_text: str = ""
    pid: int | None = None
    request_id: str | None = None
    global_request_id: str | None = None
    user: str | None = None
    project: str | None = None
    instance: str | None = None
    is_header: bool = True


def _parse_time(text: str) -> datetime:
    """Read an oslo timestamp (msecs optional); fromisoformat is several times faster than strptime."""
    if "," in text:
        text = text.replace(",", ".")
    return datetime.fromisoformat(text)


def _is_context(ctx: str) -> bool:
    """Tell a request block from the `[instance: …]` of an exception prefix line."""
    ctx = ctx.strip()
    return ctx == "-" or "req-" in ctx or ctx.startswith("None") or ctx == ""


def _is_req(token: str) -> bool:
    return len(token) == 40 and token.startswith("req-") and _REQ.match(token) is not None


RequestBlock = tuple[str | None, str | None, str | None, str | None]


@functools.lru_cache(maxsize=4096)
def parse_request_block(ctx: str, names_first_project: bool = False) -> RequestBlock:
    """Return (request_id, global_request_id, user, project) from a context block.

    Zed+ writes `[global local identity…]` with `None` for no global id;
    older formats start with the local id.  Identity tokens are ids in the
    default format and names (project first) in devstack's.
    """
    tokens = ctx.split()
    if not tokens or tokens == ["-"]:
        return None, None, None, None
    request_id = global_id = None
    rest: list[str]
    if len(tokens) >= 2 and _is_req(tokens[1]) and (tokens[0] == "None" or _is_req(tokens[0])):
        global_id = tokens[0] if tokens[0] != "None" else None
        request_id = tokens[1]
        rest = tokens[2:]
    elif _is_req(tokens[0]):
        request_id = tokens[0]
        rest = tokens[1:]
    else:
        found = next((t for t in tokens if _is_req(t)), None)
        if found is None:
            return None, None, None, None
        request_id = found
        rest = tokens[tokens.index(found) + 1:]
    ident = [None if t in ("None", "-") else t for t in rest[:2]]
    ident += [None] * (2 - len(ident))
    user, project = (ident[1], ident[0]) if names_first_project else (ident[0], ident[1])
    return request_id, global_id, user, project


def _strip_debug_suffix(message: str) -> tuple[str, int | None]:
    """Cut oslo's DEBUG `func path:line` suffix (three spellings) off a message, with the pid it names.

    The common message ends in the bare spelling (`func /path.py:N`): where
    the message ends neither in `}}` nor `)` and its third-last word does not
    end in `)`, neither the `{{(pid=N) …}}` spelling (it ends in `}}`) nor the
    `from (pid=N) func path:N` one (its third-last word is `(pid=N)`) can be
    there, so only the last two words are looked at (no search of the whole
    message for `(pid=`); every other message goes `_any_suffix`'s way.
    """
    if message.endswith(("}}", ")")):
        return _any_suffix(message)
    # the usual spelling first: ` func /path.py:N` after a non-blank (its two last blanks are single spaces); its
    # last two words are then the message's, so this is the answer below without splitting the message (and an
    # end of at most 200 characters holding `.py:` passes the test below)
    space = message.rfind(" ")
    cut = message.rfind(" ", 0, space)
    if cut > 0 and len(message) - cut <= 200 and not message[cut - 1].isspace() and message[cut - 1] != ")" and \
            _is_bare_suffix(message[cut:]):
        return message[:cut], None
    if message.find(".py:", -200) < 0:  # (`".py:" not in message[-200:]`, no copy)
        return message, None
    words = message.rsplit(None, 2)
    if len(words) != 3 or words[0].endswith(")"):
        return _any_suffix(message)
    cut = len(words[0])
    return (message[:cut] if _is_bare_suffix(message[cut:]) else message), None


def _any_suffix(message: str) -> tuple[str, int | None]:
    """`_strip_debug_suffix` for any message: every spelling looked for, in its order.

    Every suffix is made of its last few blank-separated words, so the
    patterns run over that tail only, starting at the blanks before them:
    the match (leftmost, blanks included) is the one a search of the whole
    message finds, without walking a 1 kB `network_info` line three times.
    """
    if not message.endswith(("}}", ")")) and ".py:" not in message[-200:]:
        return message, None
    if "(pid=" not in message and not message.endswith(("}}", "}}\n")):
        # only the bare spelling can be there; where it matches, `.py:` is in its last two words, inside the
        # tail below: where it does not, the tail's answer is "no suffix" too
        return _bare_suffix(message), None
    parts = message.rsplit(None, _SUFFIX_WORDS)
    start = len(parts[0]) if len(parts) > _SUFFIX_WORDS else 0
    tail = message[start:]
    # each pattern only where its own literal is (`}}` at the end, `(pid=`, `.py:`), in their order
    braces, plain, _ = _DEBUG_SUFFIXES
    m = braces.search(tail) if tail.endswith(("}}", "}}\n")) else None
    if m is None and "(pid=" in tail:
        m = plain.search(tail)
    if m is not None:
        return message[: start + m.start()], int(m.group("pid"))
    if ".py:" not in tail:
        return message, None
    return _bare_suffix(message), None


def _bare_suffix(message: str) -> str:
    """The message without a bare `func /path.py:line` suffix (the last two words, matched from the blanks
    before them: no search); whether the end of a message is one is remembered (call sites repeat)."""
    words = message.rsplit(None, 2)
    if len(words) != 3:
        m = _DEBUG_SUFFIXES[2].search(message)
        return message[: m.start()] if m else message
    cut = len(words[0])
    return message[:cut] if _is_bare_suffix(message[cut:]) else message


@functools.lru_cache(maxsize=4096)
def _is_bare_suffix(end: str) -> bool:
    """Whether a message's end (blanks, then its last two words) is a bare suffix (the pattern has no lookbehind:
    matching the end alone is matching the message there)."""
    return _DEBUG_SUFFIXES[2].match(end) is not None


def parse_payload(text: str) -> Payload | None:
    """Parse one oslo.log line (ANSI already stripped); None if it is no oslo line.

    A line with timestamp/level/logger but no request block is an
    exception-prefix (traceback) line: returned with `is_header=False` and
    the text after the prefix as `message`.
    """
    m = patterns["std"].match(text)
    bare = False
    if m is None:
        m = patterns["bare"].match(text)
        if m is None:
            return None
        bare = True
    level = m.group("level")
    level = LEVEL_ALIASES.get(level, level)
    logger = m.group("logger")
    rest = m.group("rest") or ""
    ts = None if bare else m.group("ts")
    time = _parse_time(ts) if ts else None
    pid_text = None if bare else m.group("pid")
    pid = int(pid_text) if pid_text else None
    payload = Payload(level=level, logger=logger, message=rest, time=time, time_text=ts or "", pid=pid)
    cm = _CONTEXT.match(rest) if rest.startswith("[") else None
    if cm is None or not _is_context(cm.group("ctx")) or level == "TRACE":
        # exception prefix line: `<ts> <pid> ERROR|TRACE <logger> [instance: U] <traceback text>`
        payload.is_header = False
        im = _INSTANCE.match(rest)
        if im:
            payload.instance = im.group("uuid").lower()
            payload.message = rest[im.end():]
        return payload
    (payload.request_id, payload.global_request_id, payload.user, payload.project) = parse_request_block(
        cm.group("ctx"), names_first_project=bare)
    payload.message, payload.instance, payload.pid = split_after(cm.group("after"), level, payload.pid)
    return payload


def split_after(after: str, level: str, pid: int | None) -> tuple[str, str | None, int | None]:
    """The message after a header's context block, its `[instance: U]` tag and its pid, one rule for every reader.

    The tag is taken off the front; a DEBUG record's `func path.py:N` suffix off the end (looked for
    only where it can be), with the pid its `(pid=N)` spelling carries when the header gave none.
    """
    instance = None
    if after[:11] == "[instance: ":
        after, instance = _instance_tag(after)
    if level == "DEBUG":
        after, suffix_pid = _strip_debug_suffix(after)
        if suffix_pid is not None and pid is None:
            pid = suffix_pid
    return after, instance, pid


def _instance_tag(after: str) -> tuple[str, str | None]:
    """The message without its leading `[instance: U] ` tag, and U in lower case (None, message kept: no tag)."""
    im = _INSTANCE.match(after)
    if im is None:
        return after, None
    return after[im.end():], im.group("uuid").lower()


def looks_like_cut_header(text: str) -> bool:
    """True for the first part of a header a terminal or mail client wrapped."""
    return text.count("[") > text.count("]") and bool(HEADERISH.match(text))


class OsloTextParser:
    """Parser for oslo.log text files (nova-*.log, devstack n-*.log)."""

    name = "oslo"
    patterns = patterns
    samples: tuple[Sample, ...] = (
        Sample("2012-11-20 14:41:03 DEBUG nova.compute.manager [req-7b0b3e38-4ce2-4c3c-b3ba-1f8c2b68b9a4 "
               "b5d2bd3e0bfd4b55b8a0a6c4c5a0d6fb 7f2c5b0f4c1046a5a2b6b0b7d7f5a4e1] "
               "[instance: 4d5a1c1b-2e8c-4e6b-9d2a-6b1f3c0d2e9a] Checking state",
               "std", {"level": "DEBUG", "pid": None, "request_id": "req-7b0b3e38-4ce2-4c3c-b3ba-1f8c2b68b9a4",
                       "instance": "4d5a1c1b-2e8c-4e6b-9d2a-6b1f3c0d2e9a"}),
        Sample("2018-03-01 10:00:00.123 12345 INFO nova.compute.manager [req-6f0c6d2e-0c1a-4a5e-9d1b-2c3d4e5f6a7b "
               "4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e 9a8f7e6d5c4b4a39a8b7c6d5e4f3a2b1 - default default] "
               "[instance: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d] _post_live_migration() is started..",
               "std", {"level": "INFO", "pid": 12345, "user": "4b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e",
                       "message": "_post_live_migration() is started.."}),
        Sample("DEBUG nova.compute.manager [None req-d24912ca-820d-4f70-8805-1bf7da481eaa None None] "
               "CONF.reclaim_instance_interval <= 0, skipping... {{(pid=100024) _reclaim_queued_deletes "
               "/opt/stack/nova/nova/compute/manager.py:10299}}",
               "bare", {"level": "DEBUG", "pid": 100024, "request_id": "req-d24912ca-820d-4f70-8805-1bf7da481eaa",
                        "message": "CONF.reclaim_instance_interval <= 0, skipping..."}),
    )

    def sniff(self, head: Head) -> float:
        """Score the share of head lines that start like an oslo record, once their wrappers are peeled."""
        tbl = table()
        cleaned: list[str] = []
        timed = 0  # devstack's `bare` records inside a wrapper that gives their time (RFC 5424, syslog on the wire)
        for h in head.lines:
            peeled = peel(strip_ansi(h), tbl)
            cleaned.extend(peeled.lines)
            if "time" in peeled.reveal and peeled.lines and patterns["bare"].match(peeled.lines[0]):
                timed += 1
        share = share_matching(cleaned, patterns["std"])
        if timed:
            share = max(share, timed / max(1, sum(1 for h in head.lines if h.strip())))
        # a record followed by a long remote traceback is still oslo text: a header near the top counts
        first = [h for h in cleaned if h.strip()][:10]
        if any(patterns["std"].match(h) and "[" in h for h in first):
            return max(share, 0.3)
        return share

    def parse(self, data: InputData, ctx: ParseContext) -> Iterator[Event]:
        """Fold lines into records and yield one Event per record (a plain input a window of lines at a time)."""
        blocks = data.blocks()
        if blocks is None:
            return _fold(data.lines(), ctx, self.name)
        return _fold_blocks(blocks, ctx, self.name, tails=True)


PARSER = OsloTextParser()


class _Record:
    __slots__ = ("extra", "head_lines", "host", "lineno", "nlines", "origin", "payload", "service", "utc")

    def __init__(self, payload: Payload, lineno: int, service: str | None, host: str | None,
                 origin: tuple[str | None, ...] | None = None, utc: datetime | None = None) -> None:
        self.payload = payload
        self.lineno = lineno
        self.extra: list[str] = []
        self.nlines = 1
        #: lines of the header itself (a header cut by a paste spans several), counted as record lines
        self.head_lines = 1
        self.service = service
        self.host = host
        self.origin = origin
        #: the time in UTC when the fast path already converted it
        self.utc = utc


@functools.lru_cache(maxsize=1024)
def _second_in_utc(second: str, zone: tzinfo) -> datetime:
    """One wall-clock second (`YYYY-MM-DD HH:MM:SS`) of a zone, in UTC; raises ValueError like `localize`.

    Records come many to a second: the zone arithmetic is done once per
    second, the fraction added after (a zone's offset never changes inside
    a second, so this is exactly `localize` of the full timestamp).
    """
    return localize(datetime.fromisoformat(second), zone)


def _utc_time(ts: str, zone: tzinfo) -> datetime:
    """The UTC time of a plain naive stamp (as `_FAST_HEADER` takes it): `localize(_parse_time(ts), zone)`."""
    if zone is UTC:
        return datetime.fromisoformat(ts + "+00:00")  # one C call; the same value and tzinfo
    base = _second_in_utc(ts[:19], zone)
    if len(ts) == 19:
        return base
    frac = ts[20:]
    return base.replace(microsecond=int(frac) * 10 ** (6 - len(frac)))


def _emit(rec: _Record, ctx: ParseContext, fmt: str) -> Event:
    p = rec.payload
    extra = rec.extra
    # oslo ends every traceback with a prefix-only line: drop trailing blanks
    while extra and not extra[-1].strip():
        extra.pop()
    assert p.time is not None
    return new_event(
        rec.utc or localize(p.time, ctx.tz), p.time_text, p.message, rec.host,
        rec.service or service_from_logger(p.logger), p.pid, p.level, p.logger, p.request_id,
        p.global_request_id, p.user, p.project, p.instance, tuple(extra), ctx.path, rec.lineno, rec.nlines, fmt)


#: False makes every line go the general way (`_Folder.feed`): tests compare the two
QUICK_HEADERS = True


def _fold(lines: Iterable[Line], ctx: ParseContext, fmt: str) -> Iterator[Event]:
    """Fold numbered lines (as `InputData.lines` gives them) into Events."""
    return _fold_blocks(((lineno, [text], False) for lineno, text in lines), ctx, fmt, tails=False)


def _fold_blocks(blocks: Iterable[LineBlock], ctx: ParseContext, fmt: str, *, tails: bool) -> Iterator[Event]:
    """Fold blocks of lines into Events: the common header line the quick way, every other line the general way.

    The quick way (`_quick_event`) builds a record's Event at once (`opened`):
    most records are one line, and the next header closes it as it is; any
    other line first turns it into the folder's `_Record` (`materialize`).
    While only quick headers come (`dirty` False) the folder holds nothing (no
    record, cut header, held record or dead flag), so it is not asked.
    """
    folder = _Folder(ctx, fmt)
    general = _General(ctx, folder, tails)
    stats = ctx.stats
    match = _FAST_HEADER.match if QUICK_HEADERS else _no_match
    services: dict[str, str | None] = {}
    opened: Event | None = None
    dirty = False
    for first, block, clean in blocks:
        for lineno, raw in enumerate(block, first):
            stats.lines_read += 1
            if clean:
                # (the header regex itself asks for the digit, `-` and blank the test below looks at first)
                m = match(raw) if general.later is None and not (dirty and folder.pending) else None
            elif (general.later is None and raw[10:11] == " " and raw[4:5] == "-" and raw[:1].isdigit()
                  and "\x1b" not in raw and "#033" not in raw and "^[" not in raw and ";3" not in raw
                  and "[0" not in raw and not folder.pending):
                # the common line: a plain oslo header (what peel and strip_ansi would leave as it is)
                m = match(raw)
            else:
                m = None
            if m is not None and (event := _quick_event(m, raw, lineno, ctx, services, fmt)) is not None:
                if dirty:
                    closed = folder._close_now() if folder.rec is not None else None
                    folder.dead = folder.untimed = False
                else:
                    closed = opened
                    if closed is not None:
                        stats.records += 1
                opened = event
                stats.record_lines += 1
                if closed is not None:
                    yield closed
                if dirty:
                    if folder.held:
                        yield from folder.flush()
                    dirty = False
                continue
            dirty = True
            if opened is not None:
                folder.materialize(opened)
                opened = None
            yield from general.line(lineno, raw)
    if opened is not None:
        folder.materialize(opened)
    yield from general.finish()


def _quick_event(m: re.Match[str], raw: str, lineno: int, ctx: ParseContext, services: dict[str, str | None],
                 fmt: str) -> Event | None:
    """The Event of a header line `_FAST_HEADER` matched, when `_Folder.feed` would open a record with a request
    block from it the same way (not TRACE, a request block, not cut, a possible time); else None."""
    ts, pid_text, level, logger, block_text, after = m.groups()
    if level in LEVEL_ALIASES:
        level = LEVEL_ALIASES[level]
    # (brackets: the header before `after` holds one `[` and one `]`, so this is `looks_like_cut_header`)
    if level == "TRACE" or ("req-" not in block_text and not _is_context(block_text)) or (
            "[" in after and after.count("[") > after.count("]") and HEADERISH.match(raw)):
        return None
    zone = ctx.tz
    try:
        utc = datetime.fromisoformat(ts + "+00:00") if zone is UTC else _utc_time(ts, zone)
    except ValueError:
        return None
    request_id, global_id, user, project = parse_request_block(block_text)
    # `split_after`, inline
    pid = int(pid_text) if pid_text else None
    instance = None
    if after.startswith("[instance: "):
        after, instance = _instance_tag(after)
    if level == "DEBUG":
        after, suffix_pid = _strip_debug_suffix(after)
        if suffix_pid is not None and pid is None:
            pid = suffix_pid
    service = ctx.service
    if service is None:
        service = services[logger] if logger in services else services.setdefault(logger, service_from_logger(logger))
    event = _EventSlots(utc, ts, after, ctx.host, service, pid, level, logger, request_id, global_id, user, project,
                        instance, (), ctx.path, lineno, 1, fmt)
    event.__class__ = Event
    return event  # type: ignore[no-any-return]


class _General:
    """The general way of `_fold_blocks`: every line the quick way leaves, through `_Folder.feed`/`_Unwrapper`.

    `tails`: the lines were not peeled of `==> file <==` headers
    (`InputData.blocks`), so they are taken here as `lines()` takes them.
    """

    __slots__ = ("ctx", "folder", "later", "tails", "tbl", "unwrap")

    def __init__(self, ctx: ParseContext, folder: _Folder, tails: bool) -> None:
        self.ctx = ctx
        self.folder = folder
        self.tails = tails
        self.tbl = table()
        self.unwrap = _Unwrapper(ctx, folder)
        #: an export written newest first: its records, put back in time order at the end
        self.later: list[Event] | None = None

    def line(self, lineno: int, raw: str) -> Iterator[Event]:
        """Take one line; yield the records it closes (none while a newest-first export is gathered)."""
        if self.tails and raw[:4] == "==> " and raw.endswith(" <==") and tail_header(raw, self.ctx):
            self.ctx.stats.lines_read -= 1  # a meta line, counted by tail_header (as `lines()` counts it)
            return
        text = strip_ansi(raw)
        peeled = peel(text, self.tbl)
        if peeled.newest_first and self.later is None:
            self.later = []
        events = self.unwrap.feed(lineno, peeled) if peeled.reveal or peeled.meta else self.folder.feed(lineno, text)
        if self.later is None:
            yield from events
        else:
            self.later.extend(events)

    def finish(self) -> Iterator[Event]:
        """Close what is still open at the end of the input."""
        if self.later is None:
            yield from self.folder.finish()
            return
        self.later.extend(self.folder.finish())
        self.later.sort(key=lambda e: e.time)
        yield from self.later


def _no_match(text: str) -> None:
    """The quick header's stand-in when it is switched off (`QUICK_HEADERS`)."""
    return None


class _Unwrapper:
    """Feed peeled lines to the folder with the host, service, time and origin their wrapper revealed."""

    def __init__(self, ctx: ParseContext, folder: _Folder) -> None:
        self.ctx = ctx
        self.folder = folder
        self.partial: dict[tuple[str | None, ...] | None, tuple[int, str]] = {}

    def feed(self, lineno: int, peeled: Peeled) -> Iterator[Event]:
        ctx = self.ctx
        reveal = peeled.reveal
        if peeled.meta:
            ctx.stats.meta_lines += 1
            if "file" in reveal:
                _follow(ctx, reveal["file"])
            return
        origin = peeled.origin
        text = peeled.lines[0]
        if peeled.partial:
            # a runtime split a long line: the pieces are one line, counted as continuation lines
            first_no, before = self.partial.get(origin, (lineno, ""))
            self.partial[origin] = (first_no, before + text)
            ctx.stats.continuation_lines += 1
            return
        if origin in self.partial:
            first_no, before = self.partial.pop(origin)
            text = before + text
        saved = ctx.host, ctx.service
        if "host" in reveal:
            ctx.host = ctx.record_host(reveal["host"])
        elif "file" in reveal:
            ctx.host = ctx.record_host(_host_of_file(reveal["file"]))
        service = _service_of(reveal)
        if service:
            ctx.service = service
        folder = self.folder
        folder.origin = origin
        folder.wrapper_time = reveal.get("time")
        folder.reveal = reveal
        folder.extras = peeled.lines[1:]
        try:
            yield from folder.feed(lineno, text)
            if not folder.foreign:
                for extra in peeled.lines[1:]:
                    folder.attach(extra)
        finally:
            folder.origin = None
            folder.wrapper_time = None
            folder.reveal = None
            folder.extras = []
            folder.foreign = False
            ctx.host, ctx.service = saved


def _service_of(reveal: dict[str, str]) -> str | None:
    for key in ("container", "program", "pod", "file"):
        value = reveal.get(key)
        if value:
            service = service_from_name(value) or _service_prefix(value)
            if service:
                return service
    return None


def _service_prefix(name: str) -> str | None:
    """A pod name is its deployment's name plus generated suffixes (`nova-compute-default-0cq04`)."""
    parts = name.split("-")
    for n in range(len(parts) - 1, 0, -1):
        service = service_from_name("-".join(parts[:n]))
        if service:
            return service
    return None


@functools.lru_cache(maxsize=256)
def _host_of_file(name: str) -> str | None:
    """The host a revealed path names (`compute1/var/log/nova/…`, a sosreport root)."""
    return host_from_path(name) if "/" in name else None


def _follow(ctx: ParseContext, name: str) -> None:
    service = service_from_name(name)
    if service:
        ctx.service = service


def _other_origin(record: tuple[str | None, ...] | None, line: tuple[str | None, ...]) -> bool:
    """True when a line's wrapper says it comes from elsewhere than the open record.

    A record with no wrapper (a header a paste decoration already peeled) is
    only left by a line that names a program or host; a line that names only
    its file (grep's prefix on a traceback line) stays with it.
    """
    if record is not None:
        return True
    return any(v is not None for v in line[1:])


def _is_header(p: Payload | None) -> bool:
    return p is not None and p.time is not None and p.is_header


class _Folder:
    """Fold lines into records: a header opens one, continuation lines join it, a cut header waits."""

    __slots__ = ("ctx", "dead", "extras", "fmt", "foreign", "held", "loose", "origin", "pending", "rec",
                 "reveal", "seen", "stats", "untimed", "wrapper_time")

    def __init__(self, ctx: ParseContext, fmt: str) -> None:
        self.ctx = ctx
        self.stats = ctx.stats
        self.fmt = fmt
        self.rec: _Record | None = None
        self.pending: list[Line] = []  # a cut header waiting for its continuation
        #: where the current line came from and the time its wrapper wrote (set by _Unwrapper)
        self.origin: tuple[str | None, ...] | None = None
        self.wrapper_time: str | None = None
        #: the open record's header had an impossible date: its lines are unparsed too
        self.dead = False
        #: what the current line's wrapper revealed, and the further lines it carried (set by _Unwrapper)
        self.reveal: dict[str, str] | None = None
        self.extras: list[str] = []
        #: the current line was another program's record (its extras are its own)
        self.foreign = False
        #: other programs' records read while a nova record was open: given out once it is complete
        self.held: list[Event] = []
        #: the time of the last record closed (the year of a yearless syslog stamp after it)
        self.seen: datetime | None = None
        #: the last record read has no wall-clock time (a header whose stamp was cut): its lines are counted, no Event
        self.untimed = False
        #: the input's format was not recognised: every line is judged on its own, nothing folds into a record
        self.loose = ctx.per_line

    def _close(self) -> Iterator[Event]:
        if self.rec is not None:
            event = self._close_now()
            if event is not None:
                yield event
        if self.held:
            yield from self.flush()

    def flush(self) -> Iterator[Event]:
        """Give out the other programs' records held while a nova record was open."""
        held, self.held = self.held, []
        yield from held

    def _close_now(self) -> Event | None:
        """Close the open record: its Event, or None when its time is out of range (then it is unparsed)."""
        rec, self.rec = self.rec, None
        assert rec is not None
        self.seen = rec.payload.time
        try:
            event = _emit(rec, self.ctx, self.fmt)
        except ValueError as exc:  # out of range once converted to UTC: its lines become unparsed
            self.stats.record_lines -= rec.head_lines
            self.stats.continuation_lines -= rec.nlines - rec.head_lines
            self.stats.unparsed_lines += rec.nlines - 1
            self.ctx.unparsed(rec.lineno, f"{rec.payload.time_text} {rec.payload.message}", str(exc))
            return None
        self.stats.records += 1
        return event

    def materialize(self, event: Event) -> None:
        """Turn the open record the quick way built as an Event (`_fold_blocks`) into the general way's `_Record`."""
        assert self.rec is None
        # (the payload holds the UTC time: only `_emit`, which takes `rec.utc`, reads it as a time)
        payload = Payload(event.level or "", event.logger or "", event.message, event.time, event.time_text,
                          event.pid, event.request_id, event.global_request_id, event.user, event.project,
                          event.instance)
        self.rec = _Record(payload, event.lineno, event.service, event.host, None, event.time)

    def feed(self, lineno: int, text: str) -> Iterator[Event]:
        """Take one line; yield the record it closes, if any."""
        if self.pending:
            yield from self._join(lineno, text)
            return
        try:
            p = self._payload(text)
        except ValueError as exc:
            # a header whose time cannot be (`2018-02-30`, 25:00): that record is unparsed, reading goes on
            yield from self._close()
            self.dead = True
            self.ctx.unparsed(lineno, text, f"impossible time in header: {exc}")
            return
        if p is not None and p.time is not None and looks_like_cut_header(text):
            self.pending = [(lineno, text)]
        elif p is not None and _is_header(p):
            yield from self._close()
            self.dead = self.untimed = False
            self.rec = _Record(p, lineno, self.ctx.service, self.ctx.host, self.origin)
            self.stats.record_lines += 1
        elif p is None and (foreign := libvirt.match(text)) is not None:
            # a libvirtd/QEMU line among nova's (a paste of both): a record of its own format
            yield from self._close()
            self.dead = self.untimed = False
            self.stats.records += 1
            self.stats.record_lines += 1
            yield libvirt.record(foreign[0], foreign[1], self.ctx, lineno, libvirt.PARSER.name)
        elif p is None and (other := line_records.record(text, self.ctx, lineno, self._program())) is not None:
            # another program's dated one-line record (ceph …, data: record_formats.yaml)
            yield from self._own(other)
        elif p is None and self.origin is not None and self.reveal is not None and "program" in self.reveal and (
                self.rec is None or (self.rec.origin != self.origin and _other_origin(self.rec.origin, self.origin))):
            # another program's syslog line (NetworkManager, kernel, systemd …): a record of its own
            yield from self._foreign(lineno, text)
        elif p is None and text[:1] == "[" and not self.reveal and (kernel := self._kernel(lineno, text)) is not None:
            yield from kernel
        elif p is None and text[:1].isupper() and _timeless_header(text):
            yield from self._untimed(lineno, text)
        elif self.dead:
            self.ctx.unparsed(lineno, text, "line of a record with an impossible date")
        elif self.untimed and not self.loose:
            self.stats.continuation_lines += 1  # a line of the record without time (its traceback)
        elif self.loose and p is None:
            # an input of no recognised format, read line by line: only records count as parsed
            self.ctx.unparsed(lineno, text, LOOSE_REASON)
        elif self.rec is None:
            self._before_first_record(lineno, text, p)
        elif self.origin is not None and self.rec.origin != self.origin and _other_origin(self.rec.origin, self.origin):
            # another program's line between two lines of a nova record (a syslog file, grep -r)
            self.ctx.unparsed(lineno, text, "not a nova record")
        else:
            self._continuation(text, p)

    def _foreign(self, lineno: int, text: str) -> Iterator[Event]:
        """Make another program's syslog line the Event of its program (`syslog_record`)."""
        assert self.reveal is not None
        self.foreign = True
        around = self.rec.payload.time if self.rec is not None else self.seen
        event = syslog_record.record(self.reveal, text, self.ctx, lineno, around)
        if event is None:
            self.ctx.unparsed(lineno, text, "syslog record of another program with no usable time (--year)")
            return
        if self.extras:
            event = event.replace(extra=tuple(self.extras))
        yield from self._other(event)

    def _kernel(self, lineno: int, text: str) -> list[Event] | None:
        """A `dmesg -T` line's Event (held while a nova record is open); None for no kernel line.

        A bare `dmesg` line counts seconds since boot: a kernel record no clock
        can place, counted as a record without time (no Event, no guess).
        """
        kernel = syslog_record.kernel_record(text, self.ctx, lineno)
        if kernel is not None:
            return list(self._other(kernel))
        if syslog_record.is_uptime_line(text):
            self.ctx.timeless(lineno, text)
            return []
        return None

    def _untimed(self, lineno: int, text: str) -> Iterator[Event]:
        """A nova header whose stamp a paste or a blog cut: a record without time; its lines follow it."""
        yield from self._close()
        self.dead = False
        self.untimed = True
        self.ctx.timeless(lineno, text)

    def _program(self) -> str | None:
        return self.reveal.get("program") if self.reveal is not None else None

    def _own(self, event: Event) -> Iterator[Event]:
        """Give out another program's dated record with the further lines its wrapper carried."""
        self.foreign = True
        if self.extras:
            event = event.replace(extra=tuple(self.extras))
        yield from self._other(event)

    def _other(self, event: Event) -> Iterator[Event]:
        """Count another program's one-line record; hold it while a nova record is still open."""
        self.stats.records += 1
        self.stats.record_lines += 1
        if self.rec is not None or self.pending:
            self.held.append(event)
        else:
            yield event

    def _payload(self, text: str) -> Payload | None:
        """Parse a line that may be a header; a bare header takes the time its wrapper wrote."""
        first = text[:1]
        if first.isdigit():
            return parse_payload(text)
        if self.wrapper_time is None or not first.isupper():
            return None
        p = parse_payload(text)
        if p is not None and p.time is None:
            p.time = wrapper_time(self.wrapper_time, self.ctx.year)
            p.time_text = self.wrapper_time
        return p

    def attach(self, text: str) -> None:
        """Add a line that arrived inside the same physical line as the last one (an escaped newline)."""
        if self.rec is not None and not self.dead:
            self.rec.extra.append(text)

    def _join(self, lineno: int, text: str) -> Iterator[Event]:
        """Join a line to the cut header waiting for it; give up after four pieces."""
        joined = _join_wrapped(self.pending[-1][1], text)
        self.pending.append((lineno, joined))
        try:
            p = parse_payload(joined)
        except ValueError:
            p = None
        if p is not None and _is_header(p) and not looks_like_cut_header(joined):
            yield from self._close()
            self.untimed = False
            self.rec = _Record(p, self.pending[0][0], self.ctx.service, self.ctx.host)
            self.rec.nlines = self.rec.head_lines = len(self.pending)
            self.stats.record_lines += len(self.pending)
            self.pending = []
        elif len(self.pending) >= 4:
            # give up joining: the first piece is a record of its own (cut by the paste), the rest follow it
            yield from self._close()
            self.rec = _record_from_pending(self.pending, self.ctx, self.stats)
            self.pending = []

    def _before_first_record(self, lineno: int, text: str, p: Payload | None) -> None:
        if p is not None and p.time is not None:
            # a traceback whose header line was not pasted: its prefix lines still make a record
            self.rec = _Record(p, lineno, self.ctx.service, self.ctx.host, self.origin)
            self.stats.record_lines += 1
        elif text.strip():
            self.ctx.unparsed(lineno, text)
        else:
            self.stats.meta_lines += 1

    def _continuation(self, text: str, p: Payload | None) -> None:
        """Add a line to the open record: exception-prefix lines lose their prefix, others stay as is."""
        assert self.rec is not None
        self.rec.extra.append(p.message if p is not None else text)
        if p is not None and self.rec.payload.instance is None and p.instance:
            self.rec.payload.instance = p.instance
        self.rec.nlines += 1
        self.stats.continuation_lines += 1

    def finish(self) -> Iterator[Event]:
        """Close what is still open at the end of the input."""
        if self.pending:
            yield from self._close()
            self.rec = _record_from_pending(self.pending, self.ctx, self.stats)
            self.pending = []
        yield from self._close()
        yield from self.flush()


#: why a line of an input read line by line (its format not recognised) is unparsed
LOOSE_REASON = "not a log record (format not recognised: read line by line)"


def _timeless_header(text: str) -> bool:
    """True for an oslo header with its request block but no stamp (`WARNING nova.compute.manager [req-…] …`)."""
    p = parse_payload(text)
    return p is not None and p.time is None and p.is_header


def _record_from_pending(pending: list[Line], ctx: ParseContext, stats: FileStats) -> _Record:
    """Make a record of a header whose continuation never came; later pieces are its extra lines."""
    first_no, first = pending[0]
    p = parse_payload(first)
    assert p is not None
    rec = _Record(p, first_no, ctx.service, ctx.host)
    stats.record_lines += 1
    # pieces were stored joined; keep only the new part of each as a continuation line
    for (_, prev), (_, joined) in itertools.pairwise(pending):
        rec.extra.append(joined[len(prev):].strip())
        rec.nlines += 1
        stats.continuation_lines += 1
    return rec


def _join_wrapped(first: str, second: str) -> str:
    """Re-join a wrapped header: mail clients break at spaces, terminals mid-word."""
    second = second.strip()
    if first.endswith((" ", ":")):
        return first.rstrip() + " " + second
    # a cut exactly inside a hex id/word joins without a space
    if first[-1:].isalnum() and second[:1].isalnum() and len(first) >= 60 and not _word_break(first):
        return first + second
    return first + " " + second


def _word_break(first: str) -> bool:
    """Guess whether a wrap fell between words (mail) rather than inside one (terminal)."""
    last = first.rsplit(" ", 1)[-1]
    return not re.fullmatch(r"[\[\w-]*[0-9a-f-]{3,}", last)
