"""P3 `merge`'s worker thread: the window flags' scans, separate or shared (CPU s for a whole set, bare).

    python -m benchmarks.p3_flags benchmarks/_data/main

Where `merge` has learnt a secret (main learns one early), the worker looks
for it in each window's bytes and printed blob, beside the window's literal
scan and the blob's leak prefilter scan.  `separate`: four hyperscan passes
a window (`Literals`, `_blob_clean`, `_holds_learnt` of blob and window);
`shared`: two (`Literals.with_learnt`, `_blob_flags`); `once`: one
(`Literals.once`: the window's drops, leak literals and learnt secrets in one
scan, what `bulk_window` does now; the few records holding a leak literal
are scanned again, not counted here).  The blobs are made once beforehand
(the kernel's cost is not in these numbers).  Best of 3.
"""

from __future__ import annotations

import sys

from benchmarks.p3_floor import windows
from benchmarks.p3_gather import _best
from migtrace.cli._merge import _leak_literals
from migtrace.reports.redact import _KEYWORD_LIST
from migtrace.sources import _bulk
from migtrace.sources._bulk import Literals, _blob_clean, _blob_flags, _holds_learnt, bulk_window, set_leak_prefilter

SECRET = frozenset({b"Qw8#zR4!nB7x"})


def main(directory: str) -> None:
    literals = Literals(_KEYWORD_LIST)
    set_leak_prefilter(*_leak_literals())
    wins = [w for parts in windows(directory) for w in parts]
    blobs = [bulk_window(w, b"[host/service]", literals).blob for w in wins]

    def separate() -> None:
        for w, b in zip(wins, blobs, strict=True):
            literals(w)
            _blob_clean(b)
            _holds_learnt(SECRET, b, w)

    def shared() -> None:
        for w, b in zip(wins, blobs, strict=True):
            literals.with_learnt(w, SECRET)
            _blob_flags(b, SECRET)

    def once() -> None:
        for w in wins:
            literals.once(w, SECRET)

    _bulk.set_learnt(SECRET)
    print(f"{len(wins)} windows, {sum(map(len, wins)) / 2**30:.2f} GiB")
    for name, run in (("separate", separate), ("shared", shared), ("once", once)):
        print(f"{name:8} {_best(run):6.2f} CPU s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/_data/main")
