"""LOPT against exact OPT on Gaussian point clouds: relative error against lam, and wall time.

Setting of Bai et al., "Linear optimal partial transport embedding" (ICLR 2023),
Section 5.1: K measures of N points in 2-D, each a standard Gaussian sample
around a random unit vector, all points of mass 1; the reference is N points of
a standard Gaussian at the origin. For every lam, the LOPT distance of every
pair (one exact OPT plan per measure, from the reference) is compared with the
exact OPT cost of that pair (one exact OPT plan per pair; both by POT's network
simplex with a dummy point, ``lam`` per unit of created or destroyed mass). The
second panel times all pairs, OPT against LOPT (embedding included), for N from
200 to 1050 at K = 10, lam = 1.

The error depends strongly on the spread of the clouds (the paper's figure does
not state it; ``spread_sensitivity`` in the JSON measures it at lam = 5): standard
Gaussians, used here, give far more than the authors' 1-3% at lam >= 5.

Headline: mean relative error |LOPT - OPT| / OPT at lam = 0.2 for the largest K,
against the authors' published curve (their repository's figure: about 37%, 92%
and 183% at lam = 0.2 for K = 5, 10, 15, falling to 1-3% for lam >= 5).
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import ot
from matplotlib.figure import Figure

from gpu.scan import scan
from transport import lopt_distance, lopt_embedding
from transport._opt_plans import opt_plan_lam

PAPER = {
    "relative_error_at_lam_0.2": {"K=5": 0.37, "K=10": 0.92, "K=15": 1.83},
    "relative_error_for_lam_ge_5": [0.01, 0.03],
    "note": "read off the authors' figure (Baio0/LinearOPT); their lam convention is not "
    "stated next to it, ours is lam per unit of created or destroyed mass",
}

# Wall seconds on the 2-core dev machine, quick measured under load (8 helpers sharing it,
# load average about 10); full estimated from the per-solve times (about 40,000 exact
# OPT solves of 500 x 500 points, 0.2 s each under that load).
COST = {"quick": 51, "full": 8500}


def _opt_cost(X, Y, lam):
    a, b = np.ones(len(X)), np.ones(len(Y))
    cost = ot.dist(X, Y)
    plan = opt_plan_lam(a, b, cost, lam)
    return float(np.sum(plan * cost) + lam * (a.sum() + b.sum() - 2.0 * plan.sum()))


def _measures(K, N, rng, spread=1.0):
    angles = rng.uniform(0.0, 2.0 * np.pi, K)
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return [spread * rng.standard_normal((N, 2)) + c for c in centres]


def _mean_relative_error(reference, clouds, lam):
    """Mean over pairs of |LOPT - OPT| / OPT, one OPT embedding per cloud, one OPT per pair."""
    emb = [lopt_embedding(reference, None, X, lam=lam) for X in clouds]
    rel = []
    for i, j in itertools.combinations(range(len(clouds)), 2):
        opt = _opt_cost(clouds[i], clouds[j], lam)
        rel.append(abs(lopt_distance(emb[i], emb[j], lam=lam) - opt) / opt)
    return float(np.mean(rel))


def _spread_point(params, rng):
    """Mean relative error at one lam for clouds of standard deviation ``spread``."""
    reference = params["spread"] * rng.standard_normal((params["N"], 2))
    clouds = _measures(params["K"], params["N"], rng, params["spread"])
    return _mean_relative_error(reference, clouds, params["lam"])


def _accuracy_point(params, rng):
    K, N, lams = params["K"], params["N"], params["lams"]
    reference = rng.standard_normal((N, 2))
    clouds = _measures(K, N, rng)
    return {"K": K, "errors": [_mean_relative_error(reference, clouds, lam) for lam in lams]}


def _timing_point(params, rng):
    K, N, lam = params["K"], params["N"], params["lam"]
    reference = rng.standard_normal((N, 2))
    clouds = _measures(K, N, rng)
    start = time.perf_counter()
    for i, j in itertools.combinations(range(K), 2):
        _opt_cost(clouds[i], clouds[j], lam)
    opt = time.perf_counter() - start
    start = time.perf_counter()
    emb = [lopt_embedding(reference, None, X, lam=lam) for X in clouds]
    for i, j in itertools.combinations(range(K), 2):
        lopt_distance(emb[i], emb[j], lam=lam)
    lopt = time.perf_counter() - start
    return {"N": N, "opt": opt, "lopt": lopt}


def run(quick: bool, rng: np.random.Generator) -> dict:
    Ks = [5, 10, 15]
    lams = [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0] if quick is False else [0.2, 1.0, 5.0, 20.0]
    N = 120 if quick else 500
    repeats = 2 if quick else 30
    sizes = [200, 400] if quick else [200, 350, 500, 650, 800, 950, 1050]
    acc = scan(
        _accuracy_point,
        [{"K": K, "N": N, "lams": lams} for K in Ks for _ in range(repeats)],
        rng=rng,
        progress=True,
        desc="LOPT accuracy",
    )
    errors = {K: np.mean([pt["errors"] for pt in acc if pt["K"] == K], axis=0) for K in Ks}
    timing = scan(
        _timing_point,
        [{"K": 10 if not quick else 5, "N": n, "lam": 1.0} for n in sizes],
        rng=rng,
        progress=True,
        desc="LOPT timing",
    )
    spreads = [0.1, 0.3, 1.0]
    by_spread = scan(
        _spread_point,
        [{"K": 5, "N": 100, "lam": 5.0, "spread": sp} for sp in spreads],
        rng=rng,
        desc="LOPT spread",
    )
    ours = float(errors[15][0])
    paper = PAPER["relative_error_at_lam_0.2"]["K=15"]
    large = [float(errors[K][i]) for K in Ks for i, lam in enumerate(lams) if lam >= 5]
    # Check: the small-lam error within a factor 2 of the authors' 183%, and the
    # large-lam error (lam >= 5) at most 5% (their 1-3%); both "yes", one "partly".
    small_ok = paper / 2 <= ours <= 2 * paper
    large_ok = max(large) <= 0.05
    agrees = "yes" if small_ok and large_ok else ("partly" if small_ok or large_ok else "no")
    return {
        "config": {
            "K": Ks,
            "N": N,
            "lams": lams,
            "repeats": repeats,
            "timing_N": sizes,
            "timing_K": 5 if quick else 10,
            "quick": quick,
            "quick_reduces": "N 500 -> 120, 30 -> 2 repeats, 7 -> 4 lams, timing N <= 400, "
            "K 10 -> 5",
        },
        "relative_error": {f"K={K}": errors[K] for K in Ks},
        "paper": PAPER,
        "spread_sensitivity": {
            "note": "mean relative error at lam=5, K=5, N=100, clouds (and reference) of "
            "standard deviation spread around the unit vectors: the authors' 1-3% needs "
            "clouds narrower than standard Gaussians",
            "spread": spreads,
            "relative_error": by_spread,
        },
        "seconds": {
            "N": sizes,
            "opt_all_pairs": [pt["opt"] for pt in timing],
            "lopt_all_pairs": [pt["lopt"] for pt in timing],
        },
        "headline": {
            "label": "mean relative error of LOPT vs exact OPT at lam=0.2, K=15 "
            f"(N={N}; max over lam>=5 and all K: {max(large):.3f})",
            "ours": ours,
            "paper": paper,
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    cfg = result["config"]
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    for K in cfg["K"]:
        (line,) = left.loglog(
            cfg["lams"], result["relative_error"][f"K={K}"], "o-", label=f"linproj, K = {K}"
        )
        paper = result["paper"]["relative_error_at_lam_0.2"][f"K={K}"]
        left.plot(
            [0.2],
            [paper],
            "x",
            ms=10,
            color=line.get_color(),
            label=f"authors, K = {K} (lam = 0.2)",
        )
    left.axhspan(0.01, 0.03, color="grey", alpha=0.2, label="authors: 1-3% for lam >= 5")
    left.set_xlabel("lam (price of a unit of created or destroyed mass)")
    left.set_ylabel("mean |LOPT - OPT| / OPT")
    left.set_title(f"N = {cfg['N']} points per measure, {cfg['repeats']} repeats", fontsize=9)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    secs = result["seconds"]
    right.loglog(secs["N"], secs["opt_all_pairs"], "o-", label="exact OPT, every pair")
    right.loglog(secs["N"], secs["lopt_all_pairs"], "s-", label="LOPT (K embeddings + pairs)")
    right.set_xlabel("N points per measure")
    right.set_ylabel("seconds, all pairs")
    right.set_title(f"K = {cfg['timing_K']}, lam = 1 (machine under load)", fontsize=9)
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
