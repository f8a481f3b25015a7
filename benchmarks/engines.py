"""Multi-literal search engines for the selective first pass, on the raw bytes of the 1 GB set.

Question: which engine finds, fastest, every line that contains one of the
vocabulary's literals (benchmarks/vocab.py: phase-marker texts and
signature phrases)?  Each engine reads the set's files in 1 MiB chunks cut
at a line end (the way a reader would) and returns the byte offsets of the
matching lines' starts; every engine must return exactly the set the stdlib
per-line reference returns.

Engines:
  re-line        stdlib `re` alternation, `search` on every line (the reference)
  re-chunk       the same regex, `search` over the whole chunk, jumping to the next line after a hit
  find-loop      `bytes.find` per literal over each chunk
  anchor-re      rarest-literal prefilter: one short rare anchor per literal found with `bytes.find`,
                 then the `re` alternation on the candidate lines only
  ahocorasick    pyahocorasick over the chunk decoded as latin-1 (offsets stay byte offsets)
  hyperscan      python-hyperscan, literal mode, start-of-match; one callback per hit
  re2            google-re2 alternation, `search` loop over the chunk as for re-chunk
  grep-F         GNU grep -F -b -f VOCAB per file in a subprocess (no wheel needed; prints the hit lines)
Also measured: counting lines (`chunk.count(b"\\n")`) and decoding only the hit lines vs everything.

Run: python -m benchmarks engines [--set main] [--engines a,b] [--mode cover|all] [--limit-mb N]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks import datasets, vocab
from benchmarks.measure import table

CHUNK = 1 << 20
Hits = set[tuple[int, int]]  # (file index, byte offset of the line start)


def chunks(files: list[Path], limit: int | None = None) -> Iterator[tuple[int, int, bytes]]:
    """Yield (file index, offset of the chunk, chunk) with each chunk ending at a line end."""
    for fi, path in enumerate(files):
        done = 0
        with open(path, "rb") as fh:
            carry = b""
            base = 0
            while True:
                block = fh.read(CHUNK)
                if not block:
                    if carry:
                        yield fi, base, carry
                    break
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry = data
                    continue
                yield fi, base, data[:cut]
                base += cut
                carry = data[cut:]
                done += cut
                if limit is not None and done >= limit:
                    break


def _alternation(needles: list[bytes]) -> bytes:
    # longest first: the alternation then prefers the longer of two literals sharing a prefix (no effect on
    # which lines match, a small one on speed)
    return b"|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))


# ---------------------------------------------------------------- engines


def eng_re_line(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    search = re.compile(_alternation(needles)).search

    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        pos = 0
        for line in chunk.split(b"\n"):
            if search(line):
                hits.add((fi, base + pos))
            pos += len(line) + 1
    return run


def _search_loop(search: Callable[[bytes, int], object]) -> Callable[[int, int, bytes, Hits], None]:
    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        pos = 0
        find, rfind = chunk.find, chunk.rfind
        while True:
            m = search(chunk, pos)
            if m is None:
                return
            start = m.start()  # type: ignore[attr-defined]
            line = rfind(b"\n", 0, start) + 1
            hits.add((fi, base + line))
            end = find(b"\n", start)
            if end < 0:
                return
            pos = end + 1
    return run


def eng_re_chunk(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    return _search_loop(re.compile(_alternation(needles)).search)


def eng_re2(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    import re2

    opts = re2.Options()
    opts.max_mem = 64 << 20  # a 165-literal alternation needs more DFA memory than the 8 MB default
    rx = re2.compile(_alternation(needles), opts)
    return _search_loop(rx.search)


def eng_find_loop(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        find, rfind = chunk.find, chunk.rfind
        for n in needles:
            i = find(n)
            while i >= 0:
                line = rfind(b"\n", 0, i) + 1
                hits.add((fi, base + line))
                end = find(b"\n", i)
                if end < 0:
                    break
                i = find(n, end + 1)
    return run


def choose_anchors(needles: list[bytes], sample: bytes, size: int = 5) -> list[bytes]:
    """Few, rare anchors: each literal gets the rarest `size`-byte piece in the sample, shared ones reused.

    Literals shorter than `size` are their own anchor.  A literal that
    already contains a chosen anchor needs no other (greedy, longest
    literals first so shared pieces are found).
    """
    counts: Counter[bytes] = Counter()
    for n in needles:
        for i in range(max(1, len(n) - size + 1)):
            counts[n[i:i + size]] = 0
    for gram in counts:
        counts[gram] = sample.count(gram)
    chosen: list[bytes] = []
    for n in sorted(needles, key=len, reverse=True):
        if any(a in n for a in chosen):
            continue
        grams = [n[i:i + size] for i in range(max(1, len(n) - size + 1))]
        chosen.append(min(grams, key=lambda g: (counts[g], -len(g))))
    return chosen


def eng_anchor_re(needles: list[bytes], sample: bytes) -> Callable[[int, int, bytes, Hits], None]:
    anchors = choose_anchors(needles, sample)
    search = re.compile(_alternation(needles)).search
    eng_anchor_re.anchors = anchors  # type: ignore[attr-defined]

    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        find, rfind = chunk.find, chunk.rfind
        seen: set[int] = set()
        for a in anchors:
            i = find(a)
            while i >= 0:
                line = rfind(b"\n", 0, i) + 1
                end = find(b"\n", i)
                if end < 0:
                    end = len(chunk)
                if line not in seen:
                    seen.add(line)
                    if search(chunk, line, end):
                        hits.add((fi, base + line))
                i = find(a, end + 1)
    return run


def eng_ahocorasick(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    import ahocorasick

    auto = ahocorasick.Automaton()
    for n in needles:
        auto.add_word(n.decode("latin-1"), len(n))
    auto.make_automaton()
    it = auto.iter

    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        text = chunk.decode("latin-1")  # one byte, one character: offsets are byte offsets
        rfind = text.rfind
        last_line = -1
        last_end = -1
        for end, length in it(text):
            start = end - length + 1
            if start <= last_end:  # still in the line already counted
                continue
            line = rfind("\n", 0, start) + 1
            if line != last_line:
                hits.add((fi, base + line))
                last_line = line
                nl = text.find("\n", start)
                last_end = nl if nl >= 0 else len(text)
    return run


def eng_hyperscan(needles: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=needles, ids=list(range(len(needles))), elements=len(needles),
               flags=[0] * len(needles), literal=True)
    return _hyperscan_run(db)


def _hyperscan_run(db: object) -> Callable[[int, int, bytes, Hits], None]:
    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        ends: list[int] = []
        append = ends.append

        def on_match(_id: int, _frm: int, to: int, _flags: int, _ctx: object) -> None:
            append(to)

        db.scan(chunk, match_event_handler=on_match)  # type: ignore[attr-defined]
        rfind = chunk.rfind
        last = -1
        for to in sorted(ends):
            if to <= last:
                continue
            line = rfind(b"\n", 0, to - 1) + 1
            hits.add((fi, base + line))
            nl = chunk.find(b"\n", to - 1)
            last = nl if nl >= 0 else len(chunk)
    return run


def grep_hits(needles: list[bytes], files: list[Path], limit: int | None) -> Hits:
    """`grep -F -b -f VOCAB FILE` per file: offsets of the hit lines (grep prints them with their text)."""
    import subprocess
    import tempfile

    hits: Hits = set()
    with tempfile.NamedTemporaryFile("wb", suffix=".vocab") as vf:
        vf.write(b"\n".join(needles) + b"\n")
        vf.flush()
        for fi, path in enumerate(files):
            src = ["grep", "-F", "-a", "-b", "-f", vf.name, str(path)]
            proc = subprocess.run(src, capture_output=True, check=False)
            if proc.returncode > 1:
                raise RuntimeError(proc.stderr.decode(errors="replace"))
            stop = _limit_end(path, limit) if limit is not None else None
            for line in proc.stdout.split(b"\n"):
                if line:
                    off = int(line[:line.index(b":")])
                    if stop is None or off < stop:
                        hits.add((fi, off))
    return hits


def _limit_end(path: Path, limit: int) -> int:
    """Where `chunks` stops reading a file under --limit-mb (the end of the chunk crossing the limit)."""
    end = 0
    for _, base, c in chunks([path], limit):
        end = base + len(c)
    return end


# ---------------------------------------------------------------- mixed case: markers exact, signature phrases any case


def _mixed_pattern(sens: list[bytes], insens: list[bytes]) -> bytes:
    return _alternation(sens) + b"|(?i:" + _alternation(insens) + b")"


def mixed_engine(name: str, sens: list[bytes], insens: list[bytes]) -> Callable[[int, int, bytes, Hits], None]:
    """The engines that can mix case rules per literal, as the vocabulary needs."""
    if name == "re-line":
        return eng_re_line_rx(re.compile(_mixed_pattern(sens, insens)).search)
    if name == "re2":
        import re2

        opts = re2.Options()
        opts.max_mem = 64 << 20
        return _search_loop(re2.compile(_mixed_pattern(sens, insens), opts).search)
    if name == "hyperscan":
        import hyperscan

        pats = sens + insens
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=pats, ids=list(range(len(pats))), elements=len(pats), literal=True,
                   flags=[0] * len(sens) + [hyperscan.HS_FLAG_CASELESS] * len(insens))
        return _hyperscan_run(db)
    if name == "find-loop":
        exact = eng_find_loop(sens)
        lowered = eng_find_loop([n.lower() for n in insens])

        def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
            exact(fi, base, chunk, hits)
            lowered(fi, base, chunk.lower(), hits)  # ASCII lower-casing keeps every offset
        return run
    raise ValueError(f"{name} cannot mix case rules")


def eng_re_line_rx(search: Callable[[bytes], object]) -> Callable[[int, int, bytes, Hits], None]:
    def run(fi: int, base: int, chunk: bytes, hits: Hits) -> None:
        pos = 0
        for line in chunk.split(b"\n"):
            if search(line):
                hits.add((fi, base + pos))
            pos += len(line) + 1
    return run


def mixed(files: list[Path], limit: int | None, names: list[str]) -> None:
    """Markers case-sensitive, signature phrases case-insensitive: the vocabulary's real semantics."""
    vocab_lits = vocab.vocabulary()
    sens = sorted({v.text.encode() for v in vocab_lits if v.case_sensitive})
    insens = sorted({v.text.encode() for v in vocab_lits if not v.case_sensitive})
    total = sum(len(c) for _, _, c in chunks(files, limit))
    print(f"mixed case: {len(sens)} exact + {len(insens)} case-insensitive literals, {total / 2**20:,.0f} MiB")
    rows = []
    ref: Hits | None = None
    for name in ["re-line", *[n for n in names if n != "re-line"]]:
        if MODULES.get(name) and importlib.util.find_spec(MODULES[name]) is None:
            continue
        t0 = time.process_time()
        fn = mixed_engine(name, sens, insens)
        setup = time.process_time() - t0
        hits: Hits = set()
        c0 = time.process_time()
        for fi, base, chunk in chunks(files, limit):
            fn(fi, base, chunk, hits)
        cpu = time.process_time() - c0
        ref = hits if ref is None else ref
        same = "identical" if hits == ref else f"DIFFERS (+{len(hits - ref)} -{len(ref - hits)})"
        rows.append([name, setup, cpu, total / 2**20 / cpu, len(hits), same])
    print(table(["engine", "set-up s", "scan CPU s", "MiB/s", "hit lines", "vs re-line"], rows))


ENGINES = ("re-line", "re-chunk", "find-loop", "anchor-re", "ahocorasick", "hyperscan", "re2", "grep-F")
MODULES = {"ahocorasick": "ahocorasick", "hyperscan": "hyperscan", "re2": "re2"}


def build(name: str, needles: list[bytes], sample: bytes) -> Callable[[int, int, bytes, Hits], None]:
    """The engine's per-chunk function (its set-up cost is timed separately)."""
    return {
        "re-line": lambda: eng_re_line(needles),
        "re-chunk": lambda: eng_re_chunk(needles),
        "find-loop": lambda: eng_find_loop(needles),
        "anchor-re": lambda: eng_anchor_re(needles, sample),
        "ahocorasick": lambda: eng_ahocorasick(needles),
        "hyperscan": lambda: eng_hyperscan(needles),
        "re2": lambda: eng_re2(needles),
    }[name]()


def measure(name: str, needles: list[bytes], files: list[Path], sample: bytes, limit: int | None
            ) -> tuple[float, float, float, Hits]:
    """(set-up s, scan CPU s, scan wall s, hits); grep-F's CPU is its child processes' (and ours)."""
    if name == "grep-F":
        import os

        before, c0, w0 = os.times(), time.process_time(), time.perf_counter()
        hits = grep_hits(needles, files, limit)
        after = os.times()
        child = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return 0.0, child + time.process_time() - c0, time.perf_counter() - w0, hits
    t0 = time.process_time()
    fn = build(name, needles, sample)
    setup = time.process_time() - t0
    hits: Hits = set()
    c0, w0 = time.process_time(), time.perf_counter()
    for fi, base, chunk in chunks(files, limit):
        fn(fi, base, chunk, hits)
    return setup, time.process_time() - c0, time.perf_counter() - w0, hits


def side_costs(files: list[Path], hits: Hits, limit: int | None) -> list[list[object]]:
    """Reading alone, counting lines, decoding every line vs only the hit lines."""
    rows = []
    by_file: dict[int, list[int]] = {}
    for fi, off in hits:
        by_file.setdefault(fi, []).append(off)
    c0 = time.process_time()
    total = sum(len(c) for _, _, c in chunks(files, limit))
    read_s = time.process_time() - c0
    rows.append(["read 1 MiB chunks (cut at a line end)", read_s, total / 2**20 / read_s])
    c0 = time.process_time()
    n = sum(c.count(b"\n") for _, _, c in chunks(files, limit))
    s = time.process_time() - c0
    rows.append([f"read + chunk.count(b'\\n') ({n:,} lines)", s, total / 2**20 / s])
    c0 = time.process_time()
    for _, _, c in chunks(files, limit):
        c.decode("utf-8", "replace")
    s = time.process_time() - c0
    rows.append(["read + decode everything (utf-8)", s, total / 2**20 / s])
    c0 = time.process_time()
    for fi, base, c in chunks(files, limit):
        for off in by_file.get(fi, ()):
            if base <= off < base + len(c):
                rel = off - base
                end = c.find(b"\n", rel)
                c[rel:end].decode("utf-8", "replace")
    s = time.process_time() - c0
    rows.append([f"read + decode only the {len(hits):,} hit lines", s, total / 2**20 / s])
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure every available engine; print MB/s and whether it agrees with the reference."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks engines", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="main")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--mode", choices=("cover",), default="cover", help="vocabulary (see benchmarks/vocab.py)")
    ap.add_argument("--limit-mb", type=float, help="scan only this many MiB of each file")
    ap.add_argument("--top", type=int, default=15, help="show the literals hitting the most lines")
    ap.add_argument("--case", choices=("exact", "mixed"), default="exact",
                    help="mixed: signature phrases case-insensitive (re-line, find-loop, hyperscan, re2 only)")
    args = ap.parse_args(argv)
    root = datasets.ensure(args.set)
    files = datasets.log_files(root)
    limit = int(args.limit_mb * 2**20) if args.limit_mb else None
    if args.case == "mixed":
        mixed(files, limit, args.engines.split(","))
        return 0
    needles = vocab.needles(args.mode)
    with open(files[0], "rb") as fh:
        sample = fh.read(1 << 20)
    total = sum(len(c) for _, _, c in chunks(files, limit))  # also warms the page cache
    print(f"input: {root} ({len(files)} files, {total / 2**20:,.0f} MiB scanned); vocabulary: {len(needles)} "
          f"literals (mode {args.mode}, case-sensitive bytes)")
    names = args.engines.split(",")
    if "re-line" not in names:
        names.insert(0, "re-line")
    rows = []
    ref: Hits | None = None
    for name in names:
        mod = MODULES.get(name)
        if mod and importlib.util.find_spec(mod) is None:
            rows.append([name, "not installed", "", "", "", ""])
            continue
        setup, cpu, _wall, hits = measure(name, needles, files, sample, limit)
        if ref is None:
            ref = hits
        same = "identical" if hits == ref else f"DIFFERS (+{len(hits - ref)} -{len(ref - hits)})"
        rows.append([name, setup, cpu, total / 2**20 / cpu, len(hits), same])
        print(f"  {name}: {total / 2**20 / cpu:,.0f} MiB/s", file=sys.stderr, flush=True)
    print(table(["engine", "set-up s", "scan CPU s", "MiB/s", "hit lines", "vs re-line"], rows))
    if "anchor-re" in names:
        anchors = getattr(eng_anchor_re, "anchors", [])
        print(f"anchor-re used {len(anchors)} anchors for {len(needles)} literals")
    assert ref is not None
    print("\nside costs (CPU):")
    print(table(["what", "CPU s", "MiB/s"], side_costs(files, ref, limit)))
    _top_literals(files, needles, limit, args.top)
    return 0


def _top_literals(files: list[Path], needles: list[bytes], limit: int | None, top: int) -> None:
    """Lines hit per literal (a line counts for every literal it contains): which literals are noisy."""
    counts: Counter[bytes] = Counter()
    lines = 0
    for _, _, c in chunks(files, limit):
        lines += c.count(b"\n")
        for n in needles:
            k = c.count(n)
            if k:
                counts[n] += k
    print(f"\nliterals with the most occurrences ({lines:,} lines in all):")
    print(table(["literal", "occurrences", "% of lines"],
                [[n.decode(errors="replace")[:60], k, f"{100 * k / lines:.3f}"] for n, k in counts.most_common(top)]))


if __name__ == "__main__":
    sys.exit(main())
