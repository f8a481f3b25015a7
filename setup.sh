#!/usr/bin/env bash
# Set up migtrace on a fresh Debian machine: system packages, a virtualenv, the package.
# Idempotent: a second run only checks. Run as root (or with sudo available) on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")"

need=()
# gcc and python3-dev: systemd-python (the journal extra) and the AOT build of merge's kernel compile C
for pkg in libsystemd-dev pkg-config systemd-journal-remote chromium gcc python3-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PY --version)" >&2
    $PY -m venv .venv
fi
stamp=.venv/.migtrace-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing migtrace and its dependencies into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[journal,test,dev,dask,fast,jit]'
    # compile merge's numba kernel now (seconds), so the first big merge does not pay for it
    .venv/bin/python -c 'from migtrace.sources import _bulk_kernel; _bulk_kernel.available()'
    # and its gather of a round's printed records (sources/_gather.py)
    .venv/bin/python -c 'from migtrace.sources import _gather; _gather.available()'
    touch "$stamp"
fi
# merge's kernel and gather compiled ahead of time into the user's cache (no numba import at run time; keyed by
# their source and versions: a no-op while current; a failure is reported and the JIT runs): sources/_aot.py
.venv/bin/python -m migtrace.sources._aot_build || echo "setup: the AOT build stopped; merge runs the JIT" >&2
# the checkout's bytecode (a no-op while current): pip does not compile an editable install, and where
# PYTHONDONTWRITEBYTECODE is set (many container images) every run would compile ~150 modules again (+0.3 s
# to a warm timeline, +1 CPU s to a list)
.venv/bin/python -m compileall -q migtrace parsers reports >/dev/null || echo "setup: byte-compiling stopped" >&2
