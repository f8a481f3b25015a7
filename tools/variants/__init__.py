"""Reshaping test matrix: derive variants of every sample set, with the truth each can still support.

A sample set (sample_logs/<set>: logs + truth.json) is read into records
(`records`), re-shaped the way operators really collect logs (`families`:
other layouts, stdin, sosreport tarballs, INFO-only, hosts removed, clocks
off, a wrong time zone), and written to a variant directory with a
`variant.json` that says how to run migtrace on it and which fields of each
migration the variant's logs still support (`rules`).  `check` runs migtrace
and compares field by field: wrong (a stated value the logs contradict or
cannot support), lost (unknown although the logs show it), known.

Run ``python -m tools.variants --out DIR`` to generate, ``python -m
tools.variants.check DIR`` to check; see tools/variants/README.md.
"""
