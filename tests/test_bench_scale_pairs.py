"""The scale benchmark's segments say where a cluster run's time went: each read's span, its workers' imbalance
and the seconds in which no worker computed.  The README's scale argument rests on these figures, so they are
checked on hand-made task streams and on one real LocalCluster run (in a process of its own: a LocalCluster
leaves distributed's offload thread behind, which changes how a later local pool in this process starts).
No timing is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.gen_big_log import generate
from benchmarks.measure import ROOT
from benchmarks.scale_pairs import (
    Pass,
    Task,
    ceiling_summary,
    ceiling_wall,
    idle_seconds,
    on_one_core,
    passes_of,
    ratio_summary,
)


def test_each_read_is_one_group_in_the_order_it_started() -> None:
    tasks = [Task(5.0, 6.0, "w1", "read_input-b"), Task(1.0, 3.0, "w1", "read_input-a"),
             Task(1.0, 2.0, "w2", "read_input-a"), Task(2.0, 2.5, "w2", "read_input-a"),
             Task(5.0, 5.5, "w2", "read_input-b")]
    first, second = passes_of(tasks)
    assert first == Pass(start=1.0, stop=3.0, busy=3.5, tasks=3, ends_apart=0.5)
    assert second == Pass(start=5.0, stop=6.0, busy=1.5, tasks=2, ends_apart=0.5)


def test_one_worker_has_no_imbalance() -> None:
    (only,) = passes_of([Task(0.0, 1.0, "w1", "g"), Task(1.0, 4.0, "w1", "g")])
    assert only.ends_apart == 0.0 and only.busy == 4.0


def test_idle_is_the_time_no_task_computed_anywhere() -> None:
    tasks = [Task(1.0, 3.0, "w1", "a"), Task(2.0, 4.0, "w2", "a"), Task(6.0, 7.0, "w1", "b")]
    # [0, 1) before the first task, [4, 6) between the reads, [7, 9] after the last
    assert idle_seconds(tasks, wall=9.0) == 1.0 + 2.0 + 2.0
    assert idle_seconds([], wall=3.0) == 3.0


def test_the_ratio_is_given_per_round_and_by_medians() -> None:
    text = ratio_summary({1: [20.0, 16.0, 18.0], 2: [10.0, 10.0, 12.0]}, 1, 2)
    assert "per round 2.00, 1.60, 1.50" in text
    assert "median of rounds 1.60x" in text
    assert "ratio of median walls 1.80x" in text  # 18 / 10
    assert text.startswith("2 workers / 1: ")
    pool = ratio_summary({1: [16.0], 2: [8.5]}, 1, 2, "-j (local pool, same rounds)")
    assert pool.startswith("2 -j (local pool, same rounds) / 1: per round 1.88;")
    confined = ratio_summary({1: [17.0], 2: [10.0]}, 1, 2, base="1 on one core")
    assert confined.startswith("2 workers / 1 on one core: per round 1.70;")


def test_the_cluster_ratio_is_also_a_share_of_the_machines_own() -> None:
    text = ceiling_summary([1.50, 1.60, 1.90], [1.875, 1.60, 1.90])
    assert "per round 1.88, 1.60, 1.90; median 1.88x" in text
    assert "per round 80%, 100%, 100%; median 100%" in text
    assert text.endswith("1.7x needs a machine ratio of 1.70x")
    assert "median 80%: at that share 1.7x needs a machine ratio of 2.12x" in ceiling_summary([1.6], [2.0])


def test_the_ceiling_job_runs_as_copies_at_once() -> None:
    assert ceiling_wall(2, steps=1000) > 0


def test_on_one_core_confines_what_it_starts_and_gives_the_cores_back() -> None:
    every = os.sched_getaffinity(0)
    child = on_one_core(lambda: subprocess.run([sys.executable, "-c", "import os; print(len(os.sched_getaffinity(0)))"],
                                               capture_output=True, text=True, check=True).stdout)
    assert child.strip() == "1"
    assert os.sched_getaffinity(0) == every


_RUN = """
import sys
from pathlib import Path
from benchmarks.scale_pairs import MIGTRACE, cluster_run
if __name__ == "__main__":
    out = Path(sys.argv[2])
    r = cluster_run([*MIGTRACE, "list", "-f", "json", "--no-cache", sys.argv[1]], 1, out)
    print(len(r.passes), r.workers, len(r.workers_cpu_s), r.idle_s <= r.wall_s, all(p.busy > 0 for p in r.passes))
"""


def test_a_real_cluster_run_shows_its_reads(tmp_path: Path) -> None:
    from tests.conftest import require_dask

    require_dask()
    script, out = tmp_path / "run.py", tmp_path / "out.json"
    script.write_text(_RUN, encoding="utf-8")
    logs = tmp_path / "set"  # inputs over `_parallel.MIN_WORKER_BYTES`: the cluster reads them, not the client
    generate(logs, size=3 << 20, computes=2, moves=4, seed=7, quiet=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, str(script), str(logs), str(out)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    reads, workers, pids, bounded, busy = done.stdout.split()
    assert int(reads) >= 2  # a selective list: pass 1 finds the moves, pass 2 reads their ids
    assert (workers, pids, bounded, busy) == ("1", "1", "True", "True")
    local = subprocess.run([sys.executable, "-m", "migtrace", "list", "-f", "json", "--no-cache", "-j", "1", str(logs)],
                           capture_output=True, timeout=300, cwd=ROOT, check=True)
    assert out.read_bytes() == local.stdout
