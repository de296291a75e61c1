"""Benchmarks of igb, each reported as seconds and as a ratio to a baseline timed in the same run.

The baseline is a plain numpy and Python workload that does not depend on igb's code, so its time
tracks the machine and the ratios are comparable across machines and runs.
Targets (issue 3): one reconstruction within 5 s, an ensemble of 100 within 120 s, on 2 cores.
"""

from __future__ import annotations

import sys
import time

import numpy as np

TARGETS = {"reconstruct: one draw": 5.0, "reconstruct: ensemble of 100 (2 processes)": 120.0}


def baseline() -> float:
    """A fixed CPU workload: 30 dense 300x300 solves and a million-step Python loop."""
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for _ in range(30):
        a = rng.standard_normal((300, 300))
        np.linalg.solve(a, rng.standard_normal(300))
    total = 0
    for i in range(1_000_000):
        total += i % 7
    return time.perf_counter() - started


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> int:
    from igb.rivm2009 import reconstruct as rc

    base = baseline()
    rc.reconstruct(seed=1)  # warm imports and caches
    results = {
        "reconstruct: one draw": timed(lambda: rc.reconstruct(seed=2)),
        "reconstruct: ensemble of 100 (2 processes)": timed(lambda: rc.ensemble(100, jobs=2)),
    }
    print(f"baseline workload: {base:.2f} s")
    print(f"{'benchmark':<45} {'seconds':>9} {'x baseline':>11} {'target s':>9}  ok")
    failed = False
    for name, seconds in results.items():
        ok = seconds <= TARGETS[name]
        failed |= not ok
        print(f"{name:<45} {seconds:9.2f} {seconds / base:11.2f} {TARGETS[name]:9.1f}  {'yes' if ok else 'NO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
