"""Deterministic generator of sample_logs/: multi-host nova incident log sets with ground truth.

Scenarios (sets.py) emit release-neutral records through flows (live.py,
cold.py, evac.py, noise.py); renderers (render.py) write them as each
release and deployment really prints them; layout.py lays them out as users
collect them.  Run ``python -m tools.samplegen`` from the repository root.
"""
