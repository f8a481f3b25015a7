"""Build the committed sample documents under tests/fixtures/inputs/ from the excerpts.

    python -m tools.inputforms.fixtures [--out tests/fixtures/inputs]

Each fixture directory gets, per excerpt and form, the files the form writes
for just that migration's records, and a manifest.json naming the migration a
reader must find in them (from the set's truth.json, reduced to what the form
reveals).  README.md files beside them are written by hand: they cite the
system and the upstream source of each format.  libvirt/ and pastes/xml are
hand-written documents and are not touched here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tools.inputforms.corpus import LogFile, read_truth
from tools.inputforms.excerpts import EXCERPTS, REPO, SAMPLE_LOGS, excerpt_files
from tools.inputforms.forms import FORMS, SetData

#: fixture directory -> [(excerpt, [form names])]
LAYOUT: dict[str, list[tuple[str, list[str]]]] = {
    "syslog": [("queens-app-g", ["syslog-traditional", "syslog-fileformat", "syslog-3164-wire-nohost",
                                  "syslog-3164-wire-host", "syslog-5424", "syslog-5424-sd", "syslog-mixed"]),
               ("kilo-a42b3ff1", ["syslog-traditional"]),
               ("devstack-ansi", ["syslog-traditional"])],
    "grep": [("queens-app-g", ["grep-H", "grep-n", "grep-Hn", "grep-r-sosreport", "grep-C2", "zgrep-H"])],
    "containers": [("zed-z-web-01", ["docker-json-file", "cri-containerd", "cri-crio",
                                     "kubectl-timestamps", "kubectl-prefix", "kubectl-prefix-timestamps",
                                     "podman-journal-short", "podman-journal-json", "kolla-files"])],
    "opensearch": [("zed-z-web-01", ["opensearch-elasticdump", "opensearch-scroll", "dashboards-csv"]),
                   ("queens-app-g", ["opensearch-elasticdump"])],
    "loki": [("zed-z-web-01", ["loki-jsonl", "loki-default", "loki-raw"])],
    "oslo_json": [("zed-z-web-01", ["oslo-json"])],
    "pastes": [("queens-app-g", ["paste-mixed", "wrap-60", "wrap-72", "wrap-120",
                                  "wrap-150", "cr-only", "utc-offset", "impossible-date", "nul-runs",
                                  "quoted-printable"])],
    "tarballs": [("queens-app-g", ["sosreport-tar-xz", "sosreport-k8s-pods", "kolla-tarball", "with-nonlogs"]),
                 ("devstack-ansi", ["devstack-logs-tar"])],
}


def excerpt_set(name: str) -> SetData:
    """A SetData holding only the excerpt's records (files keep their names, hosts and rotation)."""
    ex = EXCERPTS[name]
    files = [LogFile(lf.set_name, lf.rel, lf.host, lf.program, lf.gz, [ln for r in recs for ln in r.lines])
             for lf, recs in excerpt_files(ex)]
    if not files[0].is_oslo:     # journal text: keep the whole journal lines of those records
        from tools.inputforms.excerpts import JOURNAL_LINE
        keep = {r.lines[0] for _, recs in excerpt_files(ex) for r in recs}
        files = [LogFile(lf.set_name, lf.rel, lf.host, lf.program, lf.gz,
                         [ln for ln in src.lines if (m := JOURNAL_LINE.match(ln)) and m.group("msg") in keep])
                 for lf in files for src in [_source(lf)]]
    return SetData(ex.set_name, files, ex.year)


def _source(lf: LogFile) -> LogFile:
    from tools.inputforms.corpus import read_set
    return next(f for f in read_set(SAMPLE_LOGS / lf.set_name) if f.rel == lf.rel)


def main(argv: list[str] | None = None) -> int:
    """Write every fixture directory's generated documents and manifest."""
    ap = argparse.ArgumentParser(prog="python -m tools.inputforms.fixtures", description=__doc__)
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures" / "inputs")
    args = ap.parse_args(argv)
    forms = {f.name: f for f in FORMS}
    for directory, plan in LAYOUT.items():
        manifest = []
        for ex_name, form_names in plan:
            ex = EXCERPTS[ex_name]
            sset = excerpt_set(ex_name)
            truth = [m for m in read_truth(SAMPLE_LOGS / ex.set_name) if m["instance"] == ex.instance]
            for fname in form_names:
                form = forms[fname]
                target = args.out / directory / ex_name / fname
                target.mkdir(parents=True, exist_ok=True)
                rels = form.build(sset, target)
                manifest.append({"excerpt": ex_name, "set": ex.set_name, "form": fname, "note": form.note,
                                 "paths": [f"{ex_name}/{fname}/{r}" for r in rels],
                                 "expect": [{k: m[k] for k in form.compare} for m in truth]})
        (args.out / directory / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
