"""Wall time of sliced Wasserstein against n: linproj, POT, and the sort alone.

Same inputs for both libraries (two Gaussian clouds of n points in d = 50, the
same L directions passed as ``projections``); the "sort floor" is the projection
matmul plus a row-contiguous np.sort of both projected arrays, the least any
exact sliced solver must do. Timings are sequential in one process: after a
warm-up call, each function runs at least ``repeats`` times and until 0.5 s
have passed (at most 100 times), and the minimum is kept, the estimate least
affected by other load on the machine (noise only ever adds time).

The headline is our measurement of POT (the reference library), not of
linproj: POT's time over the sort floor at n = 10,000, d = 50, which
REPRODUCE.md puts at about 12x for L = 500. It is compared with that number
only in full mode, where L = 500 too.
"""

from __future__ import annotations

import os
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


# Wall seconds on the 2-core dev machine. quick: measured in the last quick run of all
# figures (scripts/reproduce.py --quick, machine loaded by other jobs, about 2.8x a
# quiet run; 38 s with the former 3 repeats, scaled to 5 repeats); full estimated: n up
# to 3e5, L = 500, more repeats.
COST = {"quick": 57, "full": 600}


MIN_TOTAL_S, MAX_REPEATS = 0.5, 100


def _min_time(fn, repeats):
    """Minimum wall time of ``fn`` over at least ``repeats`` calls and MIN_TOTAL_S seconds."""
    fn()
    times = []
    while len(times) < repeats or (sum(times) < MIN_TOTAL_S and len(times) < MAX_REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.min(times))


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
        "ours": _min_time(lambda: sliced_wasserstein(X, Y, projections=theta), repeats),
        "pot": _min_time(lambda: ot.sliced_wasserstein_distance(X, Y, projections=theta), repeats),
        "sort": _min_time(floor, repeats),
        "relative_gap": abs(ours - theirs) / theirs,
    }


def run(quick: bool, rng) -> dict:
    sizes = [100, 300, 1000, 3000, 10000, 30000] if quick else [
        100, 300, 1000, 3000, 10000, 30000, 100000, 300000,
    ]  # fmt: skip
    L = 200 if quick else 500
    repeats = 5 if quick else 9
    grid = [{"n": n, "L": L, "repeats": repeats} for n in sizes]
    load_before = os.getloadavg()[0]
    points = scan(_time_point, grid, rng=rng, progress=True, desc="sliced speed")
    load = [load_before, os.getloadavg()[0]]
    ours = np.array([pt["ours"] for pt in points])
    pot = np.array([pt["pot"] for pt in points])
    sort = np.array([pt["sort"] for pt in points])
    i = sizes.index(10000)
    pot_over_sort = float(pot[i] / sort[i])
    like_for_like = L == 500  # REPRODUCE.md's 12x is for n = 10,000, d = 50, L = 500
    # Check (full mode only): POT / floor within a factor 2 of 12 (hardware differs).
    agrees = ("yes" if 6 <= pot_over_sort <= 24 else "no") if like_for_like else "n.a."
    return {
        "config": {
            "n": sizes,
            "d": D,
            "L": L,
            "repeats": repeats,
            "timing": f"minimum over >= {repeats} calls and >= {MIN_TOTAL_S} s "
            f"(at most {MAX_REPEATS} calls) after a warm-up",
            "load_average_1min": load,
            "cpu_count": os.cpu_count(),
            "quick": quick,
            "quick_reduces": "n up to 3e4 instead of 3e5, L 500 -> 200, repeats 9 -> 5",
        },
        "seconds": {"ours": ours, "pot": pot, "sort_floor": sort},
        "pot_over_ours": pot / ours,
        "ours_over_sort": ours / sort,
        "pot_over_sort": pot / sort,
        "max_relative_gap_to_pot": float(max(pt["relative_gap"] for pt in points)),
        "headline": {
            "label": f"POT's time / sort floor at n=10000, d={D}, L={L} (our timing of POT, "
            "the reference; linproj / floor is the JSON field ours_over_sort)"
            + ("" if like_for_like else "; the paper's 12x is for L=500 (full mode)"),
            "ours": pot_over_sort,
            "paper": PAPER["pot_over_sort"] if like_for_like else None,
            "agrees": agrees,
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
    config = result["config"]
    left.set_title(
        f"d = {config['d']}, L = {config['L']}: minimum of >= "
        f"{config['repeats']} timed calls (and >= {MIN_TOTAL_S} s) per point",
        fontsize=9,
    )
    if "load_average_1min" in config:
        before, after = config["load_average_1min"]
        fig.suptitle(
            f"machine load average {before:.1f} -> {after:.1f} on {config['cpu_count']} cores "
            "during the timings (above the core count, every call is slowed and the ratios "
            "are unreliable)",
            fontsize=9,
        )
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


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
