"""Wall time of sliced Wasserstein against n: linproj, POT, and the sort alone.

Same inputs for both libraries (two Gaussian clouds of n points in d = 50, the
same L directions passed as ``projections``); the "sort floor" is the projection
matmul plus a row-contiguous np.sort of both projected arrays, the least any
exact sliced solver must do. Timings are sequential in one process (median of
repeats after a warm-up), so they are affected by other load on the machine.
"""

from __future__ import annotations

import time

import numpy as np
import ot
from matplotlib.figure import Figure

from gpu.scan import scan
from transport import random_directions, sliced_wasserstein

PAPER = {
    "pot_over_sort": 12.0,
    "note": "REPRODUCE.md: POT's sliced W at n=10,000, d=50, L=500 costs about 12x a plain sort",
}

D = 50


def _median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _time_point(params, rng):
    n, L, repeats = params["n"], params["L"], params["repeats"]
    X = rng.standard_normal((n, D))
    Y = rng.standard_normal((n, D)) * 1.5 + 0.2
    theta = random_directions(D, L, "mc", rng)

    def floor():
        np.sort(theta.T @ X.T, axis=1)
        np.sort(theta.T @ Y.T, axis=1)

    ours = sliced_wasserstein(X, Y, projections=theta)
    theirs = ot.sliced_wasserstein_distance(X, Y, projections=theta)
    return {
        "ours": _median_time(lambda: sliced_wasserstein(X, Y, projections=theta), repeats),
        "pot": _median_time(
            lambda: ot.sliced_wasserstein_distance(X, Y, projections=theta), repeats
        ),
        "sort": _median_time(floor, repeats),
        "relative_gap": abs(ours - theirs) / theirs,
    }


def run(quick: bool, rng) -> dict:
    sizes = [100, 300, 1000, 3000, 10000, 30000] if quick else [
        100, 300, 1000, 3000, 10000, 30000, 100000, 300000,
    ]  # fmt: skip
    L = 200 if quick else 500
    repeats = 3 if quick else 7
    grid = [{"n": n, "L": L, "repeats": repeats} for n in sizes]
    points = scan(_time_point, grid, rng=rng, progress=True, desc="sliced speed")
    ours = np.array([pt["ours"] for pt in points])
    pot = np.array([pt["pot"] for pt in points])
    sort = np.array([pt["sort"] for pt in points])
    return {
        "config": {
            "n": sizes,
            "d": D,
            "L": L,
            "repeats": repeats,
            "quick": quick,
            "quick_reduces": "n up to 3e4 instead of 3e5, L 500 -> 200, repeats 7 -> 3",
        },
        "seconds": {"ours": ours, "pot": pot, "sort_floor": sort},
        "pot_over_ours": pot / ours,
        "ours_over_sort": ours / sort,
        "pot_over_sort": pot / sort,
        "max_relative_gap_to_pot": float(max(pt["relative_gap"] for pt in points)),
        "headline": {
            "label": f"POT / sort floor at n={sizes[-1]} (ours / floor in config)",
            "ours": float(pot[-1] / sort[-1]),
            "paper": PAPER["pot_over_sort"],
        },
    }


def plot(result: dict) -> Figure:
    n = np.asarray(result["config"]["n"], dtype=float)
    secs = result["seconds"]
    fig = Figure(figsize=(9, 3.8))
    left, right = fig.subplots(1, 2)
    left.loglog(n, secs["pot"], "o-", label="POT ot.sliced_wasserstein_distance")
    left.loglog(n, secs["ours"], "s-", label="linproj transport.sliced_wasserstein")
    left.loglog(n, secs["sort_floor"], "k--", label="matmul + np.sort (floor)")
    left.set_xlabel("n = m points")
    left.set_ylabel("seconds")
    left.set_title(f"d = {result['config']['d']}, L = {result['config']['L']}")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    right.semilogx(n, result["pot_over_ours"], "o-", label="POT / ours")
    right.semilogx(n, result["ours_over_sort"], "s-", label="ours / floor")
    right.axhline(1.0, color="k", lw=0.8)
    right.set_xlabel("n = m points")
    right.set_ylabel("time ratio")
    right.set_yscale("log")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
