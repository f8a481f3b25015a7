"""A generated hostile corpus for migtrace, and a runner that measures the product against it (issue 15).

`python -m tools.hostile OUTDIR` builds the inputs (cases.py), the planted
secrets (secrets.py) and the `-o` targets' input (outputs.py);
`python -m tools.hostile.run OUTDIR` runs every command over them under
`prlimit`/`timeout` and counts tracebacks, hangs, wrong exits, lost
records, modified inputs, replaced special files, leaked secrets and live
injected markup.  tests/hostile/ runs it in CI.
"""
