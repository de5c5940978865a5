"""Weighted least squares from i.i.d. optimal, projection DPP, volume-rescaled and DPP samples.

Nouy and Michel, "Weighted least-squares approximation with determinantal
point processes and generalized volume sampling": the L2(mu) error of the
weighted least-squares fit divided by the best-approximation error, against
n / m, and the probability that the empirical Gram matrix satisfies
||G - I||_2 <= 1/2 (the stability event of Cohen and Migliorati).

Spaces: Legendre polynomials of dimension m on [-1, 1] (uniform measure) and a
total-degree Legendre space on [-1, 1]^2. Targets: the smooth Runge function
1 / (1 + 25 |x|^2) and the rough sum_d |x_d|^3. Both targets are fitted from
the same sample. Errors are exact up to quadrature: with c* the L2 projection
coefficients, ||f - f_hat||^2 = ||f - P f||^2 + ||c_hat - c*||^2.

Samplers (all with weights m / sum_j phi_j(x)^2):
* "iid": n i.i.d. points from the optimal density (1/m) sum_j phi_j^2 dmu;
* "dpp": the projection DPP, n = m;
* "volume": generalised volume-rescaled sampling, n >= m (m DPP points plus
  n - m i.i.d. optimal points);
* "repeated": n / m independent projection DPPs pooled (n a multiple of m).

The paper does not tabulate numbers for these curves; the headline is the
median error ratio of repeated DPPs at n = 2m (m = 20, smooth target).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from gpu.scan import scan
from linalg import (
    PolynomialBasis,
    christoffel_sampling,
    projection_dpp_sampling,
    repeated_dpp_sampling,
    volume_rescaled_point_sampling,
    weighted_least_squares,
)

SAMPLERS = ("iid", "dpp", "volume", "repeated")
RATIOS = (1, 1.5, 2, 3, 4, 6, 8, 12)
TARGETS = {
    "smooth": lambda X: 1.0 / (1.0 + 25.0 * np.sum(X * X, axis=1)),
    "rough": lambda X: np.sum(np.abs(X) ** 3, axis=1),
}


# Wall seconds on the 2-core dev machine. quick: measured in the last quick run of all
# figures (scripts/reproduce.py --quick, machine loaded by other jobs, about 2.8x a
# quiet run); full estimated: 1000 repetitions, larger m.
COST = {"quick": 34, "full": 600}


def _spaces(quick):
    spaces = [{"dim": 1, "m": m} for m in ((10, 20) if quick else (10, 20, 40))]
    spaces.append({"dim": 2, "m": 10 if quick else 21})  # total degree 3 or 5 in 2-D
    return spaces


def _quadrature(dim, nodes=200):
    g, w = np.polynomial.legendre.leggauss(nodes if dim == 1 else 80)
    w = w / 2  # uniform probability measure on [-1, 1]
    if dim == 1:
        return g[:, None], w
    X = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    return X, np.outer(w, w).ravel()


def _best_approximations(basis):
    """Per target: L2 projection coefficients and the best-approximation error."""
    X, w = _quadrature(basis.dim)
    Phi = basis(X)
    best = {}
    for name, f in TARGETS.items():
        values = f(X)
        coef = Phi.T @ (w * values)
        err = np.sqrt(w @ (values - Phi @ coef) ** 2)
        best[name] = (coef, err)
    return best


def _sample(basis, sampler, n, rng):
    if sampler == "iid":
        return christoffel_sampling(basis, n, rng=rng)
    if sampler == "dpp":
        return projection_dpp_sampling(basis, rng=rng)
    if sampler == "volume":
        return volume_rescaled_point_sampling(basis, n, rng=rng)
    return repeated_dpp_sampling(basis, n // basis.m, rng=rng)


def _valid(sampler, ratio):
    if sampler == "dpp":
        return ratio == 1
    if sampler == "repeated":
        return float(ratio).is_integer()
    return True


def _run_point(params, rng):
    basis = PolynomialBasis(params["m"], dim=params["dim"])
    best = _best_approximations(basis)
    n = int(round(params["ratio"] * basis.m))
    ratios = {name: [] for name in TARGETS}
    stable = []
    for _ in range(params["reps"]):
        x, w = _sample(basis, params["sampler"], n, rng)
        for name, f in TARGETS.items():
            fit = weighted_least_squares(f(x), x, w, basis)
            coef, err = best[name]
            ratios[name].append(np.sqrt(err**2 + np.sum((fit.coefficients - coef) ** 2)) / err)
        stable.append(fit.gram_deviation <= 0.5)
    return {
        "median": {k: float(np.median(v)) for k, v in ratios.items()},
        "q90": {k: float(np.quantile(v, 0.9)) for k, v in ratios.items()},
        "p_stable": float(np.mean(stable)),
    }


def run(quick: bool, rng: np.random.Generator) -> dict:
    reps = 200 if quick else 1000
    spaces = _spaces(quick)
    grid = [
        {**space, "sampler": s, "ratio": r, "reps": reps}
        for space in spaces
        for s in SAMPLERS
        for r in RATIOS
        if _valid(s, r)
    ]
    out = scan(_run_point, grid, rng=rng, progress=True, desc="dpp least squares")
    results = {}
    for point, res in zip(grid, out, strict=True):
        key = f"d{point['dim']}_m{point['m']}"
        entry = results.setdefault(key, {}).setdefault(
            point["sampler"],
            {
                "ratio": [],
                "p_stable": [],
                "smooth": [],
                "rough": [],
                "smooth_q90": [],
                "rough_q90": [],
            },
        )
        entry["ratio"].append(point["ratio"])
        entry["p_stable"].append(res["p_stable"])
        for name in TARGETS:
            entry[name].append(res["median"][name])
            entry[f"{name}_q90"].append(res["q90"][name])
    headline_entry = results["d1_m20"]["repeated"]
    headline = headline_entry["smooth"][headline_entry["ratio"].index(2)]
    # Check of the paper's claim (quasi-optimality in expectation of repeated DPPs
    # with n = 2m): the median error stays within a factor 2 of the best
    # approximation error. The paper gives no number for this curve.
    agrees = "yes" if headline <= 2.0 else "no"
    return {
        "config": {
            "spaces": spaces,
            "ratios_n_over_m": list(RATIOS),
            "repetitions": reps,
            "samplers": list(SAMPLERS),
            "targets": {"smooth": "1/(1+25|x|^2)", "rough": "sum_d |x_d|^3"},
            "quick_reduces": "m <= 20 in 1-D, m = 10 in 2-D, 200 repetitions instead of 1000",
        },
        "results": results,
        "headline": {
            "label": "median L2 error / best error, repeated DPP, n = 2m, m = 20, smooth",
            "ours": float(headline),
            "paper": None,
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    results = result["results"]
    keys = list(results)
    fig = Figure(figsize=(3.6 * len(keys), 9.6))
    axes = fig.subplots(3, len(keys), squeeze=False)
    styles = {"iid": "o-", "dpp": "*", "volume": "s-", "repeated": "^-"}
    for col, key in enumerate(keys):
        for sampler, entry in results[key].items():
            r = np.asarray(entry["ratio"], dtype=float)
            for row, target in enumerate(("smooth", "rough")):
                axes[row, col].semilogy(
                    r,
                    entry[target],
                    styles[sampler],
                    ms=7 if sampler == "dpp" else 4,
                    label=sampler,
                )
            axes[2, col].plot(r, entry["p_stable"], styles[sampler], label=sampler)
        dim, m = key[1], key.split("_m")[1]
        axes[0, col].set_title(f"dim = {dim}, m = {m}")
        axes[2, col].set_xlabel("n / m")
        axes[2, col].set_ylim(-0.03, 1.03)
    axes[0, 0].set_ylabel("median error / best error\n1/(1+25|x|^2)")
    axes[1, 0].set_ylabel("median error / best error\nsum |x_d|^3")
    axes[2, 0].set_ylabel("P(||G - I||_2 <= 1/2)")
    axes[0, 0].legend(fontsize=8)
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    fig.suptitle("Weighted least squares with DPP and volume-rescaled samples (Nouy & Michel)")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
