"""LOPT against exact OPT on Gaussian point clouds: relative error against lam, and wall time.

Setting of Bai, Medri, Martin, Shahroz Khan, Kolouri, "Linear optimal partial
transport embedding", ICML 2023, Section 5 (accuracy experiment), taken line by
line from the authors' code (``Baio0/LinearOPT``), the notebook state that writes
their published curve ``experiment/Rebuttal/error_mean_lambda.png``
(``accuracy_test.ipynb`` at commit e7e8dff, cells 3 and 4; ``AUTHORS`` below
records which line gives each choice):

* K = 5, 10, 15 measures of N = 500 points in 2-D; measure i is a Gaussian sample
  of covariance 0.1 I around sqrt(2) v_i, where v_1..v_15 are the authors' fixed
  unit directions (15 standard normal pairs drawn with NumPy's legacy generator
  seeded 0, normalised: their ``random_projections``), every point of mass 1/N;
* the reference is N points of the same Gaussian around the mean of the K centres,
  mass 1/N each, drawn afresh with every repeat;
* OPT and LOPT with ``lam`` per unit of created or destroyed mass (their
  ``opt_lp`` and ``lopt``: the same convention as :mod:`transport.lopt`);
* relative error |LOPT - OPT| / OPT, averaged over the K(K-1)/2 pairs, then over
  repeats.

The second panel times all pairs, OPT against LOPT (embedding included), for N
from 200 to 1050. ``head_setting`` measures the setting of the repository's
newest notebook (unit centres, covariance I, points of mass 1 against a reference
of mass 1), which cannot produce the published curve.

Headline: mean relative error at lam = 0.2 for K = 15, against the authors'
curve (about 37%, 92% and 183% at lam = 0.2 for K = 5, 10, 15; 1-3% for lam >= 5).

What the measurements say: at the paper's N = 500 this setting gives 43%, 94% and
156% at lam = 0.2 and 1-3.3% at lam = 5 and 20 (one repeat, ``n500_spot_check``),
so the published curve is reproduced there. The mean over pairs is carried by a few
pairs: the authors' fixed directions include near-coincident ones (10.7 and 8.0
degrees), whose OPT cost is tiny, and the median over pairs is 7-150 times smaller
(``median_over_pairs``). That makes the lam = 0.2 error grow with N, so quick mode
(N = 100) reads lower. The newest notebook's setting (``head_setting``) gives errors
above 100% at both lams where it is measured (0.2 and 5), so it is not the one
behind the published curve.
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
    "relative_error_at_lam_1.77": {"K=5": 0.05, "K=10": 0.75, "K=15": 1.32},
    "relative_error_for_lam_ge_5": [0.01, 0.03],
    "note": "read off experiment/Rebuttal/error_mean_lambda.png (Baio0/LinearOPT, added in "
    "commit eb51e3a): 20 lams from 0.2 to 30, the spacing of np.linspace(0.2, 30, 20)",
}

# Measured with this module's setting at the paper's N = 500 (one repeat, seed 0, scratch
# run of the same functions on 2026-11-30; too slow for quick mode on the loaded machine):
# the quick mode's N = 100 underestimates the lam = 0.2 error, which grows with N.
N500_SPOT_CHECK = {
    "lam": [0.2, 5.0, 20.0],
    "relative_error": {
        "K=5": [0.427, 0.028, 0.028],
        "K=10": [0.935, 0.026, 0.009],
        "K=15": [1.560, 0.033, 0.012],
    },
    "median_over_pairs": {
        "K=5": [0.046, 0.004, 0.003],
        "K=10": [0.006, 0.005, 0.001],
        "K=15": [0.011, 0.006, 0.001],
    },
}

# Where each choice comes from in Baio0/LinearOPT (cell/line numbers count from 1).
AUTHORS = {
    "code": "accuracy_test.ipynb at commit e7e8dff, the last notebook state that saves "
    "experiment/Rebuttal/error_mean_lambda.png (cell 4, line 29); the png itself was "
    "committed earlier (eb51e3a) with a lam axis to 30 that no committed cell produces",
    "K": "cell 3 line 1: K_list = [5, 10, 15]",
    "N": "cell 3 lines 2 and 7: n_list = [500]",
    "centres": "cell 3 line 4: random_projections(2, 15, Type=0) * sqrt(2); "
    "lib/lib_lopt.py lines 30-54: np.random.seed(0), 2 x 15 standard normals, columns "
    "normalised (numba's generator gives NumPy's legacy stream: checked)",
    "covariance": "cell 3 line 9: 0.1 * identity",
    "measure_weights": "cell 3 line 40: np.ones(n) / n (mass 1)",
    "reference": "cell 3 lines 46-50: n points from N(mean of the K centres, 0.1 I), "
    "weights 1/n (line 48), drawn afresh each repeat",
    "opt": "cell 3 line 59: opt_lp (lib/lib_lopt.py lines 140-164 at e7e8dff): dummy "
    "atoms, cost - 2 lam, value <c, gamma> + lam (|mu| + |nu| - 2 |gamma|)",
    "lopt": "cell 3 lines 68 and 74: lopt_embedding and lopt (lib/lib_lopt.py lines "
    "176-191 and 220-224): sum min(p1, p2) min(|U1 - U2|^2, 2 lam) + lam "
    "(|p1 - p2|_1 + M1 + M2)",
    "relative_error": "cell 4 line 12: mean over pairs of |LOPT - OPT| / OPT; line 13: "
    "mean over repeats, line 16: band of one standard deviation over repeats",
    "lams": "cell 3 line 11: np.linspace(0.5, 20, 20) (the published axis runs 0.2-30); "
    "we use the newest notebook's np.linspace(0.2, 20, 20) (HEAD, cell 3)",
    "repeats": "cell 3 line 5: l = 5 (HEAD: 30, the issue: 30)",
    "head_setting": "HEAD 89909ef cell 3: unit centres, covariance I, measure weights 1 "
    "(line p_list.append(np.ones(n))), reference weights 1/n, median over pairs",
}

# Wall seconds on the 2-core dev machine, quick measured under heavy load (8 helpers,
# load average 12-17); full estimated from per-solve times under that load (about
# 96,000 exact OPT solves of 500 x 500 points).
COST = {"quick": 70, "full": 20000}

SCALE = np.sqrt(2.0)
COVARIANCE = 0.1


def _directions():
    """The authors' 15 fixed unit directions (seeded legacy NumPy stream, see AUTHORS)."""
    g = np.random.RandomState(0).normal(0.0, 1.0, size=(2, 15))
    return (g / np.sqrt(np.sum(g**2, axis=0))).T


def _opt_cost(X, Y, a, b, lam):
    cost = ot.dist(X, Y)
    plan = opt_plan_lam(a, b, cost, lam)
    return float(np.sum(plan * cost) + lam * (a.sum() + b.sum() - 2.0 * plan.sum()))


def _setting(K, N, rng, head=False):
    """Clouds, their weights, the reference and its weights, as the authors draw them."""
    centres = _directions()[:K] * (1.0 if head else SCALE)
    std = 1.0 if head else np.sqrt(COVARIANCE)
    clouds = [c + std * rng.standard_normal((N, 2)) for c in centres]
    reference = centres.mean(axis=0) + std * rng.standard_normal((N, 2))
    weights = np.ones(N) if head else np.full(N, 1.0 / N)
    return clouds, weights, reference, np.full(N, 1.0 / N)


def _relative_errors(clouds, weights, reference, ref_weights, lam):
    """|LOPT - OPT| / OPT per pair; one OPT plan per cloud from the reference, one per pair."""
    emb = [lopt_embedding(reference, ref_weights, X, weights, lam=lam) for X in clouds]
    rel = []
    for i, j in itertools.combinations(range(len(clouds)), 2):
        opt = _opt_cost(clouds[i], clouds[j], weights, weights, lam)
        rel.append(abs(lopt_distance(emb[i], emb[j], lam=lam) - opt) / opt)
    return np.array(rel)


def _accuracy_point(params, rng):
    K, N = params["K"], params["N"]
    mean, median = [], []
    for lam in params["lams"]:
        rel = _relative_errors(*_setting(K, N, rng), lam)
        mean.append(float(rel.mean()))
        median.append(float(np.median(rel)))
    return {"K": K, "mean": mean, "median": median}


def _head_point(params, rng):
    rel = _relative_errors(*_setting(params["K"], params["N"], rng, head=True), params["lam"])
    return {"mean": float(rel.mean()), "median": float(np.median(rel))}


def _timing_point(params, rng):
    K, N, lam = params["K"], params["N"], params["lam"]
    clouds, w, reference, w0 = _setting(K, N, rng)
    start = time.perf_counter()
    for i, j in itertools.combinations(range(K), 2):
        _opt_cost(clouds[i], clouds[j], w, w, lam)
    opt = time.perf_counter() - start
    start = time.perf_counter()
    emb = [lopt_embedding(reference, w0, X, w, lam=lam) for X in clouds]
    for i, j in itertools.combinations(range(K), 2):
        lopt_distance(emb[i], emb[j], lam=lam)
    lopt = time.perf_counter() - start
    return {"N": N, "opt": opt, "lopt": lopt}


def run(quick: bool, rng: np.random.Generator) -> dict:
    Ks = [5, 10, 15]
    lams = [0.2, 1.0, 2.0, 5.0, 20.0] if quick else [float(v) for v in np.linspace(0.2, 20, 20)]
    N = 100 if quick else 500
    repeats = 2 if quick else 30
    sizes = [200, 400] if quick else [200, 350, 500, 650, 800, 950, 1050]
    timing_K = 5 if quick else 10
    acc = scan(
        _accuracy_point,
        [{"K": K, "N": N, "lams": lams} for K in Ks for _ in range(repeats)],
        rng=rng,
        progress=True,
        desc="LOPT accuracy",
    )
    stats = {}
    for K in Ks:
        means = np.array([pt["mean"] for pt in acc if pt["K"] == K])
        medians = np.array([pt["median"] for pt in acc if pt["K"] == K])
        stats[K] = {"mean": means.mean(axis=0), "std": means.std(axis=0)}
        stats[K]["median_over_pairs"] = medians.mean(axis=0)
    timing = scan(
        _timing_point,
        [{"K": timing_K, "N": n, "lam": 1.0} for n in sizes],
        rng=rng,
        progress=True,
        desc="LOPT timing",
    )
    head = scan(_head_point, [{"K": 5, "N": 100, "lam": lam} for lam in (0.2, 5.0)], rng=rng)
    small = {K: float(stats[K]["mean"][0]) for K in Ks}
    large = max(float(stats[K]["mean"][i]) for K in Ks for i, lam in enumerate(lams) if lam >= 5)
    published = PAPER["relative_error_at_lam_0.2"]
    # Check, fixed before looking at results: each K's mean error at lam = 0.2 within a
    # factor 2 of the authors' value (3 checks), and the largest error over lam >= 5 and
    # all K at most 5% (their band is 1-3%; one check). All 4 pass: "yes"; some: "partly".
    passed = [published[f"K={K}"] / 2 <= small[K] <= 2 * published[f"K={K}"] for K in Ks]
    passed.append(large <= 0.05)
    agrees = "yes" if all(passed) else ("partly" if any(passed) else "no")
    ratio = small[15] / float(stats[15]["median_over_pairs"][0])
    return {
        "config": {
            "K": Ks,
            "N": N,
            "lams": lams,
            "repeats": repeats,
            "centre_scale": SCALE,
            "covariance": COVARIANCE,
            "measure_mass": 1.0,
            "reference": "N points, N(mean of centres, 0.1 I), mass 1/N each",
            "timing_N": sizes,
            "timing_K": timing_K,
            "quick": quick,
            "quick_reduces": "N 500 -> 100, 30 -> 2 repeats, 20 -> 5 lams, timing N <= 400, "
            "timing K 10 -> 5",
            "authors_code": AUTHORS,
        },
        "relative_error": {f"K={K}": stats[K]["mean"] for K in Ks},
        "relative_error_std_over_repeats": {f"K={K}": stats[K]["std"] for K in Ks},
        "median_over_pairs": {f"K={K}": stats[K]["median_over_pairs"] for K in Ks},
        "checks_passed": passed,
        "paper": PAPER,
        "n500_spot_check": N500_SPOT_CHECK,
        "head_setting": {
            "note": "the newest notebook's setting (AUTHORS['head_setting']), K=5, N=100, one "
            "repeat: points of mass 1 against a reference of mass 1 leave almost all mass "
            "destroyed in the embedding, so LOPT ~ lam (|mu_i| + |mu_j|) far above OPT",
            "lam": [0.2, 5.0],
            "mean_over_pairs": [pt["mean"] for pt in head],
            "median_over_pairs": [pt["median"] for pt in head],
        },
        "seconds": {
            "N": sizes,
            "opt_all_pairs": [pt["opt"] for pt in timing],
            "lopt_all_pairs": [pt["lopt"] for pt in timing],
        },
        "headline": {
            "label": "mean over pairs of |LOPT - OPT| / OPT at lam=0.2, K=15, authors' setting "
            f"(N={N}, {repeats} repeats; max over lam>=5 and K: {large:.3f}; mean/median "
            f"over pairs at lam=0.2: {ratio:.0f}x, a few near-coincident centre pairs with "
            "tiny OPT dominate the mean"
            + (
                "; quick N=100 is below the paper's N=500, where one repeat gives "
                "0.43/0.94/1.56 for K=5/10/15 at lam=0.2 and at most 0.033 at lam 5 and "
                "20, see n500_spot_check)"
                if quick
                else ")"
            ),
            "ours": small[15],
            "paper": published["K=15"],
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    cfg = result["config"]
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    for K in cfg["K"]:
        mean = np.asarray(result["relative_error"][f"K={K}"])
        std = np.asarray(result["relative_error_std_over_repeats"][f"K={K}"])
        (line,) = left.plot(cfg["lams"], mean, "o-", label=f"linproj, K = {K}")
        left.fill_between(cfg["lams"], mean - std, mean + std, color=line.get_color(), alpha=0.2)
        paper = [result["paper"][f"relative_error_at_lam_{x}"][f"K={K}"] for x in ("0.2", "1.77")]
        colour = line.get_color()
        left.plot([0.2, 1.77], paper, "x--", ms=9, color=colour, label=f"authors, K = {K}")
        spot = result["n500_spot_check"]
        left.plot(spot["lam"], spot["relative_error"][f"K={K}"], "+", ms=12, mew=2, color=colour)
    left.plot([], [], "k+", ms=12, mew=2, label="linproj at N = 500, one repeat")
    left.axhspan(0.01, 0.03, color="grey", alpha=0.2, label="authors: 1-3% for lam >= 5")
    left.set_yscale("log")
    left.set_xlabel("lam (price of a unit of created or destroyed mass)")
    left.set_ylabel("mean over pairs |LOPT - OPT| / OPT")
    left.set_title(
        f"authors' setting, N = {cfg['N']}, {cfg['repeats']} repeats; agrees: "
        f"{result['headline']['agrees']}",
        fontsize=9,
    )
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
