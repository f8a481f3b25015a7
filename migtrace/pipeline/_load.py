"""Run the whole flow: sources → parsers → skew → correlate → diagnose, into one Analysis.

A whole-set read (`list`, `diagnose`, `report`, `stats`) is selective
(`LoadOptions.select`, see `_selective`): a first raw-text pass finds the
records that can open, advance or end a move (the vocabulary of
`_vocab`), a second reads the records of the moves found, so the lines of
instances that never moved are neither parsed nor kept.  A targeted query
(`LoadOptions.focus`: one request id or instance) reads in passes: first
for the id itself, then for everything the first pass tied to it, scanning
raw text so unrelated lines are not parsed.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from migtrace._naming import SELF_NAMING_TEXTS
from migtrace._rare_gc import rare_collections
from migtrace.correlate import correlate
from migtrace.correlate._domains import domain_pairs
from migtrace.correlate.markers import MarkerSet, load_markers, match_notes
from migtrace.correlate.skew import ClockEstimate, estimate_clocks, evidence_texts
from migtrace.diagnose import ClueHits, diagnose
from migtrace.diagnose.catalog import Catalog, load_catalog
from migtrace.diagnose.orphans import orphan_test
from migtrace.model import Event, FileStats, Migration, Terms
from migtrace.options import LoadOptions
from migtrace.pipeline import _clues, _one_read, _vocab
from migtrace.pipeline._drop import WORKERS_VARIABLE as DROP_WORKERS_VARIABLE
from migtrace.pipeline._drop import DroppingJoin
from migtrace.pipeline._fold import Fold, merge_hits
from migtrace.pipeline._hosts import with_hosts
from migtrace.pipeline._keep import ContextFinder, Keeper, Prefilter, Unmoved, keep_notes, later_into
from migtrace.pipeline._paths import StrPath, resolve_paths
from migtrace.pipeline._per_input import Summed, summarize
from migtrace.pipeline._reuse import Join, Pass1Store
from migtrace.pipeline.analysis import Analysis
from migtrace.sources import Warnings, input_streams, merge_in_time, open_file_budget, open_inputs, read_all
from migtrace.sources._cost import learning_costs
from migtrace.sources._discover import input_size
from migtrace.sources._parallel import (
    Annotate,
    arriving,
    finishing,
    one_client,
    shared_pool,
    summing_up,
    taking_notes,
)
from migtrace.sources._standing import mark as mark_standing
from migtrace.sources._window import WindowedTerms, evidence_split

#: `MIGTRACE_PASS2_WINDOWS=0` reads moved instances to the end of the logs (benchmarks compare the two)
WINDOWS_VARIABLE = "MIGTRACE_PASS2_WINDOWS"
#: `MIGTRACE_PASS2_REUSE=0` makes pass 2 search the vocabulary again and re-parse pass 1's records (tests compare)
REUSE_VARIABLE = "MIGTRACE_PASS2_REUSE"
#: `MIGTRACE_PASS1_FOLD=0` reads the release clues and clock texts in a raw pass of their own (tests compare)
FOLD_VARIABLE = "MIGTRACE_PASS1_FOLD"
#: `MIGTRACE_PASS1_PER_INPUT=0` runs pass 1's finder over every record here, not per input on workers (tests compare)
PER_INPUT_VARIABLE = "MIGTRACE_PASS1_PER_INPUT"
#: `MIGTRACE_KEEP_UNMOVED=1` keeps the records of instances that never moved (`_keep.Unmoved`; tests compare)
UNMOVED_VARIABLE = "MIGTRACE_KEEP_UNMOVED"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Read:
    """What one read of the inputs gave: the kept events and the per-file accounting."""

    events: list[Event]
    stats: tuple[FileStats, ...]
    #: lines read only as clock evidence (causal pairs of other requests, `skew.evidence_texts`): the
    #: targeted read sees the bounds the whole-set read sees, so both shift the clocks alike
    evidence: tuple[Event, ...] = ()


def _read(paths: Sequence[str], options: LoadOptions, warnings: Warnings,
          keep: Callable[[Event], bool] | None,
          terms: frozenset[str] | Callable[[str], frozenset[str]] = frozenset(),
          tap: Callable[[str, Iterator[Event]], Iterator[Event]] | None = None,
          given: Callable[[str], tuple[Iterator[Event], FileStats] | None] | None = None,
          split: Callable[[FileStats, Iterator[Event], bool], Iterator[Event]] | None = None) -> _Read:
    """Read the inputs (term-filtered when `terms` is given: one set, or one per input's displayed path).

    `tap(path, stream)`: each input's own stream goes through it before the inputs are merged in time.
    `given(path)`: an input's records and accounting already known (not read again), or None.
    `split(stats, stream, whole)`: after `tap`, with the input's accounting and whether the stream is a
    whole result (a worker's or the index's: its accounting complete); `_fold` splits pass 1's evidence sets.
    """
    if callable(terms):
        readers = open_inputs(paths, options, warnings)
        for reader in readers:
            reader.terms = terms(reader.item.display)
    else:
        readers = open_inputs(paths, options, warnings, terms)
    if tap is None and given is None and split is None:
        stream = read_all(readers, warnings, parallel=True)
    else:
        known = {i: g for i, r in enumerate(readers) if given is not None and (g := given(r.stats.path)) is not None}
        todo = [r for i, r in enumerate(readers) if i not in known]
        read = input_streams(todo, warnings) if todo else []
        if read is None:
            read = [r.events() for r in todo]  # serial: at most the open-file budget (see _selective)
            for i in known:  # the bar counts every input's bytes: those known are done
                hook = readers[i].progress
                if hook is not None and (size := input_size(readers[i].item.path)):
                    hook(size)
        fresh = iter(read)
        streams: list[Iterator[Event]] = []
        for i, r in enumerate(readers):  # in input order: the merge keeps same-time records in it
            if i in known:
                r.stats = known[i][1]
            stream_i = known[i][0] if i in known else next(fresh)
            if i not in known:
                whole = getattr(stream_i, "packs", None) is not None  # a worker's or the index's whole result
                stream_i = stream_i if tap is None else tap(r.stats.path, stream_i)
                stream_i = stream_i if split is None else split(r.stats, stream_i, whole)
            streams.append(stream_i)
        stream = merge_in_time(streams, warnings, any(r.terms for r in readers))
    events = [e for e in stream if keep is None or keep(e)]
    return _Read(events, tuple(r.stats for r in readers))


def read_events(paths: Iterable[StrPath] = (), options: LoadOptions | None = None) -> list[Event]:
    """Read every record of the inputs as an Event, in time order (no skew, no correlation)."""
    options = options or LoadOptions()
    return _read(resolve_paths(paths), options, Warnings(options.warn), None).events


def load(paths: Iterable[StrPath] = (), options: LoadOptions | None = None) -> Analysis:
    """Load logs and return the Analysis (migrations with phases, findings, line accounting)."""
    # the load's reads on a Dask cluster (its passes) share one client: one connect, one check; a later
    # pass orders its tasks by what each input cost the workers in the earlier (`learning_costs`)
    with rare_collections(), one_client(), learning_costs():
        return _loaded(paths, options or LoadOptions())


def _loaded(paths: Iterable[StrPath], options: LoadOptions) -> Analysis:
    """`load`, with the collector's thresholds raised."""
    path_list = resolve_paths(paths)
    warnings = Warnings(options.warn)
    keeper = Keeper(load_markers())
    catalog: Catalog | None = None
    hits = ClueHits()  # the release clues of every record, whichever path reads it (`_clues`)
    built: _Built | None = None
    if options.focus:
        read = _targeted(path_list, options, warnings, options.focus, keeper, hits)
    elif options.select and _rereadable(path_list):
        catalog = load_catalog(tuple(options.signatures)) if options.diagnose else None
        # the records of instances that never moved are dropped while read (`_keep.Unmoved`) when a
        # diagnosis says which ones an orphan finding needs; a move found on a dropped id: read again
        drop = catalog is not None and os.environ.get(UNMOVED_VARIABLE) != "1"
        while True:
            with shared_pool():  # the passes read on one local pool
                read, keeper, held = _selective(path_list, options, catalog, hits, drop)
            if keeper.unmoved is None:
                break
            built = _built(read, keeper, options, path_list)
            if _unmoved_safe(keeper.unmoved, built.migrations, built.events):
                break
            _log.debug("a move was found on an id whose records were dropped: read again keeping them")
            drop, built = False, None
        for line in held:
            warnings(line)
    else:
        read = _read(path_list, options, warnings, _clues.noting(hits, keeper))
    if built is None:
        built = _built(read, keeper, options, path_list)
    for line in built.warnings:
        warnings(line)
    offsets = built.offsets
    analysis = Analysis(events=tuple(built.events), migrations=tuple(built.migrations),
                        stats=read.stats, skew=offsets, skew_mode=options.skew,
                        warnings=tuple(warnings.lines), inputs=tuple(path_list),
                        last_seen=_shifted(keeper.last_seen, offsets), release_clues=_clues.by_host(hits, read.stats))
    if not options.diagnose:
        return analysis
    return with_diagnosis(analysis, options.signatures, options.release, catalog=catalog)


@dataclass(frozen=True, slots=True)
class _Built:
    """The kept events aligned on the clocks, their moves, and the warnings the assembly gave (in order)."""

    events: list[Event]
    offsets: dict[str, float]
    migrations: list[Migration]
    warnings: list[str]


def _built(read: _Read, keeper: Keeper, options: LoadOptions, path_list: Sequence[str]) -> _Built:
    """Attribute hosts, estimate the clocks, align the events and correlate them into moves."""
    lines: list[str] = []
    if not path_list:
        lines.append("no input: give paths, or set $MIGTRACE_LOGS")
    if options.tz is None and not options.tz_by_path and any(
            s.fmt.startswith(("oslo", "journal-text")) for s in read.stats):
        lines.append("timestamps without a zone were read as UTC; give --tz ZONE if the hosts log local time")
    hosted = with_hosts([*read.events, *read.evidence], read.stats, keeper.named,
                        keeper.last_seen)  # type: ignore[arg-type]
    kept, evidence = hosted[:len(read.events)], hosted[len(read.events):]
    # one input may hold several hosts' files one after the other (a concatenated stdin): correlation
    # needs time order across all of them (stable: same-time lines keep their input order)
    kept.sort(key=lambda e: e.time)
    unmoved = keeper.unmoved
    clocks = estimate_clocks(sorted([*kept, *evidence], key=lambda e: e.time) if evidence else kept,
                             correct=options.skew == "auto", more=unmoved.reference_counts if unmoved else None)
    lines += zone_warnings(clocks, read.stats)
    events, offsets = _aligned(kept, clocks.offsets)
    pm = clocks.host_clocks()  # ± per host (inf: wrong zone) and the pairs' bounds after the shifts
    ended = max(_shifted(unmoved.latest, offsets).values(), default=None) if unmoved else None
    migrations = correlate(events, load_markers(), pm, last_seen=ended, noted=keeper.noted)
    return _Built(events, offsets, migrations, lines)


def _unmoved_safe(unmoved: Unmoved, migrations: Sequence[Migration], events: Sequence[Event]) -> bool:
    """True when no move is about an id whose records were dropped and no record pairs a domain with a uuid.

    A move pass 1 could not see (its instance named only on records pass 1 did not read) would have
    joined dropped records; a domain name paired with one uuid makes correlation look at where every
    instance lived (`correlate._domains`), which the dropped records also tell.
    """
    if not unmoved.dropped:
        return True
    if any(m.instance in unmoved.instances or any(r in unmoved.requests for r in m.request_ids)
           for m in migrations):
        return False
    return not domain_pairs(events)


def with_diagnosis(analysis: Analysis, signatures: Sequence[str] = (), release: str | None = None, *,
                   catalog: Catalog | None = None, orphans: bool = True) -> Analysis:
    """Return the analysis with findings from the shipped catalog plus the user's signatures.

    `release` names the OpenStack release of the logs; None: diagnosis infers it from their wording.
    `catalog`: those signatures already loaded (a selective read loads them for its vocabulary).
    `orphans=False`: no search for findings outside the moves (`timeline` diagnoses the moves it shows).
    """
    catalog = catalog if catalog is not None else load_catalog(tuple(signatures))
    found = diagnose(analysis.migrations, analysis.events, catalog, release=release,
                     last_seen=analysis.last_seen or None, orphans=orphans, clues=analysis.release_clues)
    return replace(analysis, migrations=found.migrations, orphan_findings=found.orphan_findings,
                   release=found.release)


def _shifted(last_seen: dict[str, datetime], offsets: dict[str, float]) -> dict[str, datetime]:
    """Align each host's last-record time with the clock-skew offsets, as its events were."""
    return {key: t + timedelta(seconds=offsets[key]) if key in offsets else t for key, t in last_seen.items()}


def _aligned(events: list[Event], offsets: dict[str, float]) -> tuple[list[Event], dict[str, float]]:
    """Shift each host's events by its estimated clock offset (`--skew auto` found it behind)."""
    if not offsets:
        return events, {}
    shifted = [e.replace(time=e.time + timedelta(seconds=offsets[e.host])) if e.host in offsets else e
               for e in events]
    shifted.sort(key=lambda e: e.time)
    return shifted, offsets


def zone_warnings(clocks: ClockEstimate, stats: Sequence[FileStats]) -> list[str]:
    """Return one warning per host whose times are a whole number of quarter hours off: the `--tz` fix."""
    out = []
    for host, seconds in sorted(clocks.zone_errors.items()):
        paths = (sorted(p for p in clocks.zone_files if any(s.path == p and s.host == host for s in stats))
                 or sorted(s.path for s in stats if s.host == host) or [f"<{host}'s logs>"])
        where = os.path.commonpath(paths) if len(paths) > 1 else paths[0]
        sign, minutes = ("+" if seconds > 0 else "-"), round(abs(seconds) / 60)
        out.append(f"{host}'s times are {sign}{minutes // 60:02d}:{minutes % 60:02d} off {clocks.reference}'s: "
                   f"probably written in local time, not skew (not corrected; its cross-host times are unknown). "
                   f"Give --tz {where}=ZONE with its zone (one {'ahead of' if seconds > 0 else 'behind'} the "
                   f"controller's by that much)")
    return out


def _targeted(paths: Sequence[str], options: LoadOptions, warnings: Warnings, ident: str,
              keeper: Keeper, hits: ClueHits | None = None) -> _Read:
    """Raw-text passes: the id itself, then every request/instance tied to it, then their API calls.

    Only the records holding one of those ids are parsed, plus each file's
    last record (the host's last sign of life, as the whole-set read's
    `last_seen`, then dropped); `keeper` keeps of them what a whole-set read
    keeps, so a move's story is the one `list` and `report` tell.  The hosts' self-naming
    lines (`SELF_NAMING_TEXTS`, one a minute on every compute) are searched
    only in the inputs whose host their path does not give: the
    keeper needs them nowhere else, and on a 1 GiB set they were 99 % of
    the records a timeline parsed.  The clock bounds' causal-pair lines of
    other requests are searched in the same pass (`EVIDENCE_SETS`), kept
    apart from what the keeper sees.  The release clues of every record
    (`hits`, `_clues`) are searched in the first pass the same way: its
    records found only by a clue's cover are noted, never related; an input
    the term filter cannot cut safely is read again in full for them (as
    the selective read's pass 1 reads it).  An id that matches nothing gets its
    "did you mean" hint from raw passes too (`near_ids`).
    """
    ident = ident.partition("@")[0]  # `<instance>@<stamp>` ids: the instance's lines hold the move
    terms = {ident, ident.removeprefix("req-")} if ident.startswith("req-") else {ident}
    hits = hits if hits is not None else ClueHits()
    clue_set = _clues.first_clue_terms()
    # the control plane's inputs first: the later ones are then read once for both passes (`_one_read`)
    # the clue set is the same for every id: the index keeps its records apart (`sources._standing`)
    learned = _one_read.learn(paths, options, _read, mark_standing(WindowedTerms(frozenset(terms), evidence=[clue_set]),
                                                                   [1]),
                              lambda main: _related_ids(main, terms), _related_terms,
                              lambda: Prefilter(Keeper(keeper.markers), _related_terms(set()).evidence))
    first = learned.first
    for e in first.events:
        hits.note(e)
    uncut = {st.path for st in first.stats if st.term_hits and 1 not in st.term_hits}
    if uncut:  # inputs the clue covers could not cut: every record's clues, from a whole read
        _note_clues(paths, options, hits, [st for st in first.stats if st.path not in uncut], all_known=True)
    main = evidence_split(first.events, first.stats, 1)[0]
    if any(not st.term_hits and st.records for st in first.stats):
        # an input the scan did not cut (a journal export) gave every record; where a text input holds a copy
        # of one, the merge kept the text's copy, which is only a clue record there: without the clue set
        # the export's copy was the id's.  The ids are then taken from a read without it (such sets are small)
        main = _read(paths, options, Warnings(), None, frozenset(terms)).events
    related = _related_ids(main, terms)
    # requests of the same instances (API calls, follow-ups) are found by the instance term
    held = Warnings()  # the warnings of the last pass only are the user's
    trial = Keeper(keeper.markers)
    read, found = _read_split(paths, options, held, trial, _related_terms(related), learned.given(related))
    more = {e.request_id for e in read.events if e.request_id and e.request_id not in related
            and (e.service == "n-api" or "action" in e.message)}
    if more:  # the later inputs are read again for the new ids alone when that is exact (`_one_read`)
        read, found = _read_split(paths, options, warnings, keeper, _related_terms(related | more),
                                  learned.given(related | more))
    else:
        for line in held.lines:
            warnings(line)
        keeper.last_seen, keeper.named, keeper.noted = trial.last_seen, trial.named, trial.noted
    return replace(read, evidence=_clock_evidence(read.events, found[0]))


def _related_ids(main: Iterable[Event], terms: Iterable[str]) -> set[str]:
    """The ids the related pass searches: the id's texts and every instance and request of pass 1's main records."""
    related: set[str] = set(terms)
    for e in main:
        related.update(x for x in (e.instance, e.request_id) if x)
    return related


#: the term sets a targeted read's related pass also searches, each only as evidence for something else
#: (`_read_split` hands back each set's records apart): the clock bounds' causal-pair texts
EVIDENCE_SETS: tuple[Callable[[], frozenset[str]], ...] = (evidence_texts,)


def _related_terms(ids: set[str]) -> WindowedTerms:
    """The related pass's terms: the ids; the hosts' self-naming texts in inputs whose host is not known
    (one rule with the selective read: the scan searches `hostless` texts where the input's context gives
    no host); and the evidence sets (`EVIDENCE_SETS`), searched in the same pass."""
    # the evidence sets are the same for every id: the index keeps their records apart (`sources._standing`)
    return mark_standing(WindowedTerms(frozenset(ids), tail=True, hostless=SELF_NAMING_TEXTS,
                                       evidence=[texts() for texts in EVIDENCE_SETS]),
                         range(1, len(EVIDENCE_SETS) + 1))


def _read_split(paths: Sequence[str], options: LoadOptions, warnings: Warnings, keeper: Keeper,
                terms: WindowedTerms, given: _Given | None = None) -> tuple[_Read, list[list[Event]]]:
    """Read with evidence sets: the keeper sees only the main texts' records; each set's records come back apart.

    Each file's term-less last record is dropped after the keeper noted its time (as `_read_tail`).
    `given`: the inputs already read with these terms (`_one_read`).
    """
    lean = Prefilter(keeper, terms.evidence)  # records no split needs: let go
    read = _read(paths, options, warnings, lean, terms, given=given)
    main, found = evidence_split(read.events, read.stats, len(terms.evidence))
    tails = {(st.path, st.tail_line) for st in read.stats if st.tail_line}
    kept = [e for e in main if keeper(e) and (e.source, e.lineno) not in tails]
    lean.merge_into(keeper.last_seen)
    if isinstance(given, _one_read.Stand):  # the records the late ids' read let go (`_one_read._LetGo`)
        for host, t in given.let_go.items():
            later_into(keeper.last_seen, host, t)
    return _Read(kept, read.stats), found


def _clock_evidence(have: Sequence[Event], pairs: Sequence[Event]) -> tuple[Event, ...]:
    """Return the causal-pair lines of every request that a targeted read did not already hold.

    The whole-set read holds every move's pair lines, and the clock bounds come from all of them:
    reading them here too keeps a targeted `timeline` on the same offsets as `list`.
    """
    seen = {(e.source, e.lineno) for e in have}
    return tuple(e for e in pairs if (e.source, e.lineno) not in seen and e.request_id)


#: an id's pieces searched for a "did you mean" hint: runs of letters and digits at least this long
_PIECE = 8


def id_pieces(ident: str) -> list[frozenset[str]]:
    """The texts a mistyped id is searched by, in two tiers: its long runs whole, then their halves.

    A typo spoils one run of a uuid (`req-b763b83a-8844-…`), rarely all: the
    runs of at least `_PIECE` characters find the id's real lines.  When the
    typo is in the only long run (a short form `req-b763b83b`), its halves are
    tried next (they also find unrelated lines: only on this error path).
    """
    bare = ident.strip().lower().removeprefix("req-")
    runs = [r for r in re.split(r"[^0-9a-z]+", bare) if r]
    long = {r for r in runs if len(r) >= _PIECE}
    halves = {h for r in long for h in (r[:len(r) // 2], r[len(r) // 2:])}
    halves |= {r for r in runs if _PIECE // 2 <= len(r) < _PIECE}
    return [t for t in (frozenset(long), frozenset(halves - long)) if t]


def near_ids(paths: Iterable[StrPath], options: LoadOptions, ident: str, limit: int = 3) -> list[str]:
    """Return the ids of the logs nearest to an id that matched no move, without reading the whole set.

    Raw-text passes look for the id's pieces (`id_pieces`); the records
    found are correlated and the request ids and instances of the moves they
    form are ranked by similarity (difflib), or, when they form none, the
    request ids and instances of the records themselves.
    """
    path_list = resolve_paths(paths)
    quiet = replace(options, warn=None, progress=None)
    for terms in id_pieces(ident):
        events = _read(path_list, quiet, Warnings(), None, terms).events
        if not events:
            continue
        events.sort(key=lambda e: e.time)
        ids: set[str] = set()
        for m in correlate(events, load_markers()):
            ids.update(m.request_ids)
            ids.update([m.instance] if m.instance else [])
        if not ids:
            ids = {x for e in events for x in (e.request_id, e.instance) if x}
        ranked = sorted(ids)
        return difflib.get_close_matches(ident, ranked, n=limit, cutoff=0.3) or ranked[:limit]
    return []


def _selective(paths: Sequence[str], options: LoadOptions, catalog: Catalog | None, hits: ClueHits,
               drop: bool = False) -> tuple[_Read, Keeper, list[str]]:
    """Two raw-text passes: the vocabulary finds the moves, then the moves' requests and instances are read.

    Pass 1 parses only the records holding a vocabulary text and notes which requests opened or
    advanced a move and which instances moved (`MoveFinder`).  Pass 2 parses the records holding
    one of those ids, plus each file's last record (its time is the host's last sign of life,
    then dropped), joined with pass 1's records (`_reuse`: each record parsed once), and the
    Keeper decides as in a full read.
    When pass 2 shows a move request acting on an instance pass 1 had not seen, it is read again
    with that instance (rare: the id never shared a line with a vocabulary text).  Inputs the
    term filter cannot cut safely are read in full (`FileStats.full_read`).

    `drop`: the Keeper drops the records of instances that never moved that no finding needs
    (`_keep.Unmoved`), when every input is plain oslo text with a known host (`_may_drop`).
    Returns the read, its Keeper and the warnings of the read (the caller shows them).
    """
    markers = load_markers()
    vocab = _vocab.build(markers, catalog if catalog is not None else load_catalog(tuple(options.signatures)))
    if vocab.uncovered:
        _log.debug("signatures without a covering literal (missed on unmoved instances' lines below "
                   "WARNING): %s", ", ".join(vocab.uncovered))
    # pass 1 keeps what it parsed: pass 2 then parses only the records of the moves' ids (`_reuse`)
    reuse = os.environ.get(REUSE_VARIABLE) != "0" and len(paths) <= open_file_budget()
    fold = os.environ.get(FOLD_VARIABLE) != "0"
    # the workers note each record's tests for the finder and pass 2's Keeper, with pass 1's records (`keep_notes`)
    notes = partial(keep_notes, find=drop and not options.signatures)
    folded = _folded_pass1(paths, options, vocab, markers, hits, reuse, notes) if fold else None
    finder, store, first, clock_lines = folded or _pass1(paths, options, vocab, markers, hits, reuse, notes)
    ids = finder.ids()
    windowed, ranges, stamps = (finder.windows() if os.environ.get(WINDOWS_VARIABLE) != "0"
                                else (frozenset(), {}, {}))
    could_find = orphan_test(catalog) if drop and catalog is not None and _may_drop(first.stats) else None

    def new_keeper() -> Keeper:  # pass 2's, dropping the unmoved instances' records when it may
        return Keeper(markers, Unmoved(ids, finder.contexts, could_find, shipped=not options.signatures)
                      if could_find is not None else None)
    while True:
        keeper, held = new_keeper(), Warnings()
        read: _Read | None = None
        if reuse and ids:
            terms = vocab.id_terms(ids - windowed, windowed=windowed & ids, ranges=ranges, stamps=stamps)
            joined, keeper, held, join = _joined_pass2(paths, options, store, terms, notes, new_keeper)
            read = _without_tails(replace(joined, stats=join.stats(joined.stats)))
            if not join.usable:  # not provably the records of one pass over both term sets: read it so
                _log.debug("pass 1's records not reused: a record came out differently or lines lie outside records")
                reuse, read, keeper, held = False, None, new_keeper(), Warnings()
        if read is None:
            # the moved instances pass 1 gave windows are read in them only; ids found later everywhere
            terms = vocab.terms(ids - windowed, tail=True, windowed=windowed & ids, ranges=ranges, stamps=stamps)
            with taking_notes(notes):
                read = _read_tail(paths, _pass_progress(options, 1), held, keeper, terms)
        more = finder.missed(read.events, ids)
        if not more:
            break
        ids |= more
    return replace(read, evidence=_clock_evidence(read.events, clock_lines)), keeper, held.lines


def _joined_pass2(paths: Sequence[str], options: LoadOptions, store: Pass1Store, terms: Terms, notes: Annotate,
                  new_keeper: Callable[[], Keeper]) -> tuple[_Read, Keeper, Warnings, Join]:
    """Pass 2 searching the moves' ids, each input joined with pass 1's records (`_reuse`); its Keeper and warnings.

    The workers join and drop what the Keeper would (`_drop`) when it may: the Keeper drops the
    unmoved instances' records with the shipped catalog's orphan test (the one the workers hold).
    """
    def read(keeper: Keeper, join: Join) -> tuple[_Read, Keeper, Warnings, Join]:
        held = Warnings()
        # a worker joins and drops per input; its result is unpacked here as it arrives (`DroppingJoin.arrived`)
        per_input = join if isinstance(join, DroppingJoin) else None
        with (taking_notes(notes), finishing(None if per_input is None else per_input.finish_of),
              arriving(None if per_input is None else per_input.arrived)):
            joined = _read(paths, _pass_progress(options, 1), held, keeper, terms, tap=join.joined, given=store.given)
        return joined, keeper, held, join

    keeper = new_keeper()
    unmoved = keeper.unmoved
    if unmoved is None or not unmoved.shipped or os.environ.get(DROP_WORKERS_VARIABLE) == "0":
        return read(keeper, Join(store))
    dropping = DroppingJoin(store, unmoved)
    joined, keeper, held, _ = read(keeper, dropping)
    if dropping.copies_apart():
        dropping.absorb_into(keeper.last_seen)
        _log.debug("pass 2: the workers left out %d records of %d inputs", dropping.left_out(), len(dropping.done))
        return joined, keeper, held, dropping
    _log.debug("pass 2 joined in the main process: two inputs share a record (the merge's count needs them all)")
    return read(new_keeper(), Join(store))


def _pass1(paths: Sequence[str], options: LoadOptions, vocab: _vocab.Vocabulary, markers: MarkerSet,
           hits: ClueHits, reuse: bool,
           notes: Annotate = match_notes) -> tuple[ContextFinder, Pass1Store, _Read, list[Event]]:
    """Pass 1 alone, then the release clues and clock texts in a raw pass of their own (`_note_clues`)."""
    finder, store, quiet = ContextFinder(markers), Pass1Store(), Warnings()
    with taking_notes(notes):  # the workers match pass 1's records for the finder (`noted_match`)
        first = _read(paths, _pass_progress(options, 0), quiet, _clues.noting(hits, finder), vocab.terms(),
                      tap=(lambda _path, stream: store.tap(stream)) if reuse else None)
    store.ended(first.stats, quiet.lines)
    clock_lines = _note_clues(paths, options, hits, first.stats, clock_evidence=store.given if reuse else _reread)
    return finder, store, first, clock_lines


def _may_drop(stats: Sequence[FileStats]) -> bool:
    """True when every input is nova's plain oslo text with a known host (what `_keep.Unmoved` is proved for).

    An input without a host takes one from what the records name (`_hosts`), and other formats
    carry libvirt's and QEMU's records (`correlate._domains`): those reads keep every record.
    """
    return all(st.host is not None and not st.full_read and (st.fmt == "oslo" or not st.records) for st in stats)


def _folded_pass1(paths: Sequence[str], options: LoadOptions, vocab: _vocab.Vocabulary, markers: MarkerSet,
                  hits: ClueHits, reuse: bool,
                  notes: Annotate = match_notes) -> tuple[ContextFinder, Pass1Store, _Read, list[Event]] | None:
    """Pass 1 with the release clues and the clock texts as evidence sets (`_fold`), or None when not exact.

    The same records reach `MoveFinder` and `Pass1Store` as in pass 1 alone, and the
    evidence read (`_note_clues`'s records) is merged from each input's held records;
    None when the split cannot be proved exact: pass 1 and the clue pass are then read apart.
    """
    sets = [_clues.first_clue_terms(), *(texts() for texts in EVIDENCE_SETS)]
    base = vocab.terms()
    terms = WindowedTerms(base.main, base.caseless, plain_only=True, hostless=base.hostless, evidence=sets)
    finder, store, quiet, noted = ContextFinder(markers), Pass1Store(), Warnings(), ClueHits()
    fold = Fold(terms, store if reuse else None)
    # the workers run the finder over their inputs' records and send its state (`_per_input`); the store
    # gives pass 1's records again when the summaries cannot be folded exactly
    summed = Summed(finder, store, fold) if reuse and os.environ.get(PER_INPUT_VARIABLE) != "0" else None
    # no record of pass 1 is noted for its clues: the clue set finds, per input, the first record showing
    # each clue, and an input's records share one host (only plain oslo text is cut): the evidence read
    # below notes every clue pass 1's records show (an input read in full gives it every record)
    with taking_notes(notes), summing_up(summarize) if summed is not None else nullcontext():
        # the workers match pass 1's records for the finder (`noted_match`)
        first = _read(paths, _pass_progress(options, 0), quiet, summed or finder, terms,
                      tap=summed.tap if summed is not None else
                      (lambda _path, stream: store.tap(stream)) if reuse else None, split=fold.split)
    if not fold.ended(first.stats):
        _log.debug("the clue and clock sets not folded into pass 1: a cut input the split cannot prove exact")
        return None
    if summed is not None:
        finder = summed.ended([st.path for st in first.stats], quiet.lines)
    store.ended(first.stats, quiet.lines)
    fold.note_stats(first.stats)
    evidence = _read(paths, replace(options, progress=None), Warnings(), None,
                     WindowedTerms(frozenset(), evidence=sets), given=fold.given(store.given if reuse else _reread))
    for e in evidence.events:  # every record of the evidence sets, as the separate clue pass notes them
        noted.note(e)
    merge_hits(hits, noted)
    clock = evidence_split(evidence.events, evidence.stats, len(sets))[1][1]
    for st in first.stats:  # pass 1's hit lines (a number per vocabulary line) are read: not held through pass 2
        st.term_hits = {}
    return finder, store, first, clock


#: a read's stand-in for an input it need not read (`_read(given=…)`): its records and accounting, or None
_Given = Callable[[str], "tuple[Iterator[Event], FileStats] | None"]


def _reread(_path: str) -> None:
    """No stand-in: the input is read."""
    return None


def _note_clues(paths: Sequence[str], options: LoadOptions, hits: ClueHits, first: Sequence[FileStats] = (),
                *, all_known: bool = False, clock_evidence: _Given | None = None) -> list[Event]:
    """Note the release clues of every record in a raw pass of their own, which parses only clue records.

    It keeps no record: in a selective read's pass 1 the clue records would reach pass 2 through
    `_reuse` and the Keeper, other records than the vocabulary's, and a reused pass 2 and a
    re-read one would not see the same records.  An input a selective read's pass 1 read in full
    (`first`) had every record noted there: not read again.  `all_known`: every input of `first`
    had its clues noted already (a targeted read's first pass searched them).

    The pass searches the clues as `timeline`'s first pass does: one evidence set
    (`_clues.first_clue_terms`, each clue once per file, no main texts), so a
    file parses only the records first showing a clue, not every record holding a
    clue's cover.  An input the set leaves uncut (not plain oslo text: never the
    case after a selective pass 1, which read those in full) is read again in
    full for its clues (`clue_terms`), as `timeline` does.

    `clock_evidence` (the selective read): the same pass also searches the
    clock texts (`EVIDENCE_SETS`) and returns their records, every request's,
    moves or not, as `timeline`'s related pass finds them: both paths then
    bound the clocks with the same lines (docs/derivation.md, "Clocks").  An
    input pass 1 read in full then gives its records again through
    `clock_evidence` (pass 1's store), or is read again when that gives none.
    """
    whole = {st.path: st for st in first if all_known or st.full_read}
    quiet = replace(options, progress=None)
    found: list[Event] = []

    def skip(path: str) -> tuple[Iterator[Event], FileStats] | None:  # an input whose clues are noted already
        return (iter(()), whole[path]) if path in whole else None

    if not all_known:
        given: _Given = skip
        sets: list[frozenset[str]] = [_clues.first_clue_terms()]
        if clock_evidence is not None:
            again = clock_evidence
            given = lambda path: again(path) if path in whole else None  # noqa: E731
            sets += [texts() for texts in EVIDENCE_SETS]
        read = _read(paths, quiet, Warnings(), None, WindowedTerms(frozenset(), evidence=sets),
                     given=given if whole else None)
        for e in read.events:  # every record parsed, as the noting keeper of the clue pass below
            hits.note(e)
        if clock_evidence is not None:
            found = evidence_split(read.events, read.stats, len(sets))[1][1]
        whole.update((st.path, st) for st in read.stats if not (st.term_hits and 1 not in st.term_hits))
        if all(st.path in whole for st in read.stats):
            return found
    _read(paths, quiet, Warnings(), _clues.noting(hits), _clues.clue_terms(), given=skip if whole else None)
    return found


def _rereadable(paths: Sequence[str]) -> bool:
    """True when every input can be read twice (not stdin, a pipe or a device): else one full read."""
    for path in paths:
        if path == "-":
            return False
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue  # reported by the read itself
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return False
    return True


def _pass_progress(options: LoadOptions, index: int) -> LoadOptions:
    """Report pass `index` (0 or 1) as one half of the bar over the inputs' bytes: both passes read them all."""
    hook = options.progress
    if hook is None:
        return options

    def halves(done: int, total: int) -> None:
        # the same total as a single read; the first pass fills the first half, the second the rest
        hook(done // 2 if index == 0 else total - (total - done) // 2, total)
    return replace(options, progress=halves)


def _read_tail(paths: Sequence[str], options: LoadOptions, warnings: Warnings, keeper: Callable[[Event], bool],
               terms: Terms | Callable[[str], Terms]) -> _Read:
    """Read with the keeper, then drop each file's term-less last record (the keeper has noted its time)."""
    return _without_tails(_read(paths, options, warnings, keeper, terms))


def _without_tails(read: _Read) -> _Read:
    """Drop each file's term-less last record (read only for its time: the keeper has noted it)."""
    tails = {(st.path, st.tail_line) for st in read.stats if st.tail_line}
    if not tails:
        return read
    return _Read([e for e in read.events if (e.source, e.lineno) not in tails], read.stats)
