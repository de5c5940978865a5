"""Gradient flows from a Gaussian to eight 2-D targets under SW, max-SW, GSW and ASWD.

Setup of Chen, Yang, Li (ICLR 2022), Section 5.1: n particles drawn from a
standard Gaussian flow towards a fixed sample of n target points by descending
the squared distance (transport.sliced_gradient_flow); the exact W2 between the
particles and the target sample (POT's ot.emd2, an exact LP) is reported on a
log10 scale against iterations. Because the target is a finite sample of the
same size as the particle cloud, a flow that converges puts every particle on a
target point and W2 reaches round-off (about 1e-8 here).

Step sizes: eta = D / 2 for a method that slices a D-dimensional space with
uniform directions (E[theta theta^T] = I / D, so one step moves each particle by
the slice-averaged optimal displacement): 1 for SW and circular GSW (D = 2), 2 for
ASWD (lift to D = 4), 1/2 for max-SW (a single slice). ASWD trains its (32, 32)
tanh lift by 5 Adam steps per flow step with penalty 0.5, as in the paper.
"""

from __future__ import annotations

import numpy as np
import ot
from matplotlib.figure import Figure

from gpu.scan import scan
from transport.flows import sliced_gradient_flow

PAPER = {
    "aswd_final_log10_w2_most_targets": -4.8,
    "aswd_final_log10_w2_25_gaussians": -2.4,
    "iterations": 2000,
    "note": "Chen, Yang, Li, ICLR 2022, Fig. 3 (read from the plot, per REPRODUCE.md)",
}

TARGETS = (
    "8gaussians",
    "25gaussians",
    "knot",
    "moons",
    "swiss_roll",
    "rectangle",
    "heart",
    "circle",
)
METHODS = {  # method -> (label, step size eta = D / 2)
    "sw": ("SW", 1.0),
    "max_sw": ("max-SW", 0.5),
    "gsw_circular": ("GSW (circular, r = 3)", 1.0),
    "aswd": ("ASWD", 2.0),
}
RADIUS = 3.0
FLOOR = 1e-12  # W2 below this is round-off; clip for the log axis


# Wall seconds on the 2-core dev machine. quick: measured in the last quick run of all
# figures (scripts/reproduce.py --quick, machine loaded by other jobs, about 2.8x a
# quiet run); full estimated: 5 runs x 2000 iterations at n = 500.
COST = {"quick": 71, "full": 7200}


def target_sample(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points of a 2-D target distribution, scaled to roughly [-2, 2]^2."""
    u = rng.random(n)
    noise = rng.standard_normal((n, 2))
    if name == "8gaussians":
        angle = rng.integers(8, size=n) * np.pi / 4
        return 2.0 * np.c_[np.cos(angle), np.sin(angle)] + 0.1 * noise
    if name == "25gaussians":
        grid = rng.integers(-2, 3, size=(n, 2)).astype(float)
        return grid + 0.05 * noise
    if name == "knot":  # trefoil knot drawn in the plane
        t = 2 * np.pi * u
        curve = np.c_[np.sin(t) + 2 * np.sin(2 * t), np.cos(t) - 2 * np.cos(2 * t)]
        return 0.6 * curve + 0.05 * noise
    if name == "moons":
        upper = rng.random(n) < 0.5
        t = np.pi * u
        x = np.where(upper, np.cos(t), 1 - np.cos(t))
        y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
        return 1.5 * np.c_[x - 0.5, y - 0.25] + 0.05 * noise
    if name == "swiss_roll":
        t = 1.5 * np.pi * (1 + 2 * u)
        return np.c_[t * np.cos(t), t * np.sin(t)] / 5.0 + 0.05 * noise
    if name == "rectangle":  # uniform on the boundary of a 3 x 2 rectangle
        s = 10.0 * u
        x = np.select([s < 3, s < 5, s < 8], [s, 3.0, 8.0 - s], 0.0)
        y = np.select([s < 3, s < 5, s < 8], [0.0, s - 3.0, 2.0], 10.0 - s)
        return np.c_[x - 1.5, y - 1.0] + 0.02 * noise
    if name == "heart":
        t = 2 * np.pi * u
        x = 16 * np.sin(t) ** 3
        y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
        return np.c_[x, y] / 8.0 + 0.05 * noise
    if name == "circle":
        t = 2 * np.pi * u
        return 2.0 * np.c_[np.cos(t), np.sin(t)] + 0.05 * noise
    raise ValueError(f"unknown target {name!r}")


def _flow(params, rng):
    """log10 W2 to the target along one flow."""
    n, target, method = params["n"], params["target"], params["method"]
    Y = target_sample(target, n, rng)
    X0 = rng.standard_normal((n, 2))
    res = sliced_gradient_flow(
        X0,
        Y,
        method=method,
        steps=params["n_iter"],
        lr=METHODS[method][1],
        n_projections=params["n_projections"],
        radius=RADIUS,
        record_every=params["record_every"],
        rng=rng,
    )
    w = np.full(n, 1.0 / n)
    w2 = [np.sqrt(max(ot.emd2(w, w, ot.dist(S, Y)), 0.0)) for S in res.snapshots]
    return {"iterations": res.iterations, "log10_w2": np.log10(np.maximum(w2, FLOOR))}


def run(quick: bool, rng) -> dict:
    n = 200 if quick else 500
    n_iter = 300 if quick else 2000
    runs = 1 if quick else 5
    grid = [
        {
            "target": target,
            "method": method,
            "run": r,
            "n": n,
            "n_iter": n_iter,
            "n_projections": 64,
            "record_every": 20 if quick else 50,
        }
        for target in TARGETS
        for method in METHODS
        for r in range(runs)
    ]
    flows = scan(_flow, grid, rng=rng, progress=True, desc="gradient flows")
    iterations = np.asarray(flows[0]["iterations"])
    curves = {t: {m: [] for m in METHODS} for t in TARGETS}
    for point, flow in zip(grid, flows, strict=True):
        curves[point["target"]][point["method"]].append(np.asarray(flow["log10_w2"]))
    mean_curves = {t: {m: np.mean(curves[t][m], axis=0) for m in METHODS} for t in TARGETS}
    final = {t: {m: float(mean_curves[t][m][-1]) for m in METHODS} for t in TARGETS}
    aswd_final = np.median([final[t]["aswd"] for t in TARGETS])
    # Check of the paper's claim "ASWD converges at least as well as the other sliced
    # distances": on how many targets ASWD's final log10 W2 is within half a decade
    # of the best method's. All of them: yes; at least half: partly; else no. The
    # paper's -4.8 is not comparable (our target is a finite sample, so a converged
    # flow reaches round-off), hence no paper value in the headline.
    aswd_near_best = [t for t in TARGETS if final[t]["aswd"] <= min(final[t].values()) + 0.5]
    agrees = (
        "yes"
        if len(aswd_near_best) == len(TARGETS)
        else "partly"
        if 2 * len(aswd_near_best) >= len(TARGETS)
        else "no"
    )
    return {
        "config": {
            "n_particles": n,
            "n_iter": n_iter,
            "runs": runs,
            "n_projections": 64,
            "step_sizes": {m: METHODS[m][1] for m in METHODS},
            "gsw_radius": RADIUS,
            "aswd": "lift (32, 32) tanh, 5 Adam steps per flow step, lr 5e-3, penalty 0.5",
            "quick": quick,
            "quick_reduces": "n 500 -> 200, iterations 2000 -> 300, runs 5 -> 1",
        },
        "iterations": iterations,
        "mean_log10_w2": mean_curves,
        "final_log10_w2": final,
        "aswd_within_half_decade_of_best": aswd_near_best,
        "headline": {
            "label": "ASWD final log10 W2, median of 8 targets (finite target sample: a "
            "converged flow reaches round-off, not the paper's -4.8); agrees: ASWD within "
            f"0.5 decade of the best method on {len(aswd_near_best)}/{len(TARGETS)} targets",
            "ours": float(aswd_final),
            "paper": None,
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    iterations = np.asarray(result["iterations"], dtype=float)
    fig = Figure(figsize=(16, 7))
    axes = fig.subplots(2, 4, sharex=True, sharey=True)
    for ax, target in zip(axes.ravel(), TARGETS, strict=True):
        for method, (label, _) in METHODS.items():
            curve = np.asarray(result["mean_log10_w2"][target][method], dtype=float)
            ax.plot(iterations, curve, label=label)
        ax.set_title(target)
        ax.grid(True, alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("iteration")
    for ax in axes[:, 0]:
        ax.set_ylabel("log10 W2 to target")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Sliced gradient flows from N(0, I) to 2-D targets (exact W2 by ot.emd2)")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
