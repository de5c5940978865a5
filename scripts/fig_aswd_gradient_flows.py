"""Gradient flows from a Gaussian to eight 2-D targets under SW, max-SW, GSW and ASWD.

Setup of Chen, Yang, Li (ICLR 2022), Section 5.1, as in their notebook
(``xiongjiechen/ASWD``, ``Sliced Waaserstein Flow.ipynb``): n particles drawn from a
standard Gaussian move towards a fixed sample of n target points by Adam on the
particle positions (betas 0.9, 0.999) descending the distance, the same step for
every method (transport.sliced_gradient_flow, optimizer "adam"); the exact W2
between the particles and that same target sample (POT's ot.emd2, an exact LP) is
reported on a log10 scale against iterations, which is what the paper plots.

ASWD lift as in the authors' flow notebook: phi(x) = [x, A x + b] (one affine
layer), 10 Adam ascent steps per flow step, norm penalty lambda = 0.05 / mean|y|
on an objective that weighs the distance by sqrt(512), i.e. a penalty of
0.05 / mean|y| / sqrt(512) (about 0.002) in our normalisation. The earlier
setting (a (32, 32) tanh lift, penalty 0.5, a Wasserstein step of size 2) shrank
the lift to zero within ~100 iterations (RMS 0.08 -> 0.006), so ASWD flowed
exactly like SW (log10 W2 -0.90 for both at 300 iterations on 25 Gaussians);
with the weak penalty the lift grows (RMS ~ 20-50) and the fixed Wasserstein
step diverges, while the Adam step stays stable: on the authors' 25 Gaussians
(n = 250, 64 directions, lr 0.002, 1000 iterations) ASWD reached log10 W2 = -3.0
and -3.7 for two seeds of three (the third stayed at -1.3) against -0.95 for SW
with the same step. The 25 Gaussians are the authors' (grid spacing sqrt2 / 2,
std 0.01): on the earlier grid (spacing 1, std 0.05) ASWD did not leave the SW
plateau in 2000 iterations (-1.14, one seed).
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
METHODS = {
    "sw": "SW",
    "max_sw": "max-SW",
    "gsw_circular": "GSW (circular, r = 3)",
    "aswd": "ASWD",
}
RADIUS = 3.0
FLOOR = 1e-12  # W2 below this is round-off; clip for the log axis


# Wall seconds on the 2-core dev machine. quick: measured through reproduce.py (152.1 s,
# 2026-11-30, load average about 2); full estimated (not run) from single flows timed
# under load: one ASWD flow (10 ascent steps per iteration) of 600 iterations at
# n = 200 and 64 directions takes about 15 CPU s, the other methods 1-2 s; full: 2000
# iterations, n = 500, 256 directions, 5 runs (ASWD dominates, ~8 min per flow).
COST = {"quick": 152, "full": 20000}


def target_sample(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points of a 2-D target distribution, scaled to roughly [-2, 2]^2."""
    u = rng.random(n)
    noise = rng.standard_normal((n, 2))
    if name == "8gaussians":
        angle = rng.integers(8, size=n) * np.pi / 4
        return 2.0 * np.c_[np.cos(angle), np.sin(angle)] + 0.1 * noise
    if name == "25gaussians":  # the authors' generate_25gaussian: sqrt2 grid, std 0.01
        grid = np.sqrt(2.0) / 2 * rng.integers(-2, 3, size=(n, 2)).astype(float)
        return grid + 0.01 * noise
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
    # The authors' lambda = 0.05 / mean|y| on sqrt(512) * SW, in our normalisation.
    penalty = 0.05 / float(np.abs(Y).mean()) / np.sqrt(512.0)
    res = sliced_gradient_flow(
        X0,
        Y,
        method=method,
        steps=params["n_iter"],
        lr=params["lr"],
        n_projections=params["n_projections"],
        radius=RADIUS,
        record_every=params["record_every"],
        optimizer="adam",
        lift={
            "hidden": (),
            "penalty": penalty,
            "steps": 10,
            "betas": (0.999, 0.999),
            "persistent": True,
        },
        rng=rng,
    )
    w = np.full(n, 1.0 / n)
    w2 = [np.sqrt(max(ot.emd2(w, w, ot.dist(S, Y)), 0.0)) for S in res.snapshots]
    return {"iterations": res.iterations, "log10_w2": np.log10(np.maximum(w2, FLOOR))}


def run(quick: bool, rng) -> dict:
    n = 200 if quick else 500
    n_iter = 600 if quick else 2000
    lr = 0.005 if quick else 0.002
    n_projections = 64 if quick else 256
    runs = 1 if quick else 5
    grid = [
        {
            "target": target,
            "method": method,
            "run": r,
            "n": n,
            "n_iter": n_iter,
            "lr": lr,
            "n_projections": n_projections,
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
    aswd_final = float(final["25gaussians"]["aswd"])
    # Check of the paper's claim "ASWD converges at least as well as the other sliced
    # distances": on how many targets ASWD's final log10 W2 is within half a decade
    # of the best method's. All of them: yes; at least half: partly; else no. The
    # paper's 25-Gaussian value (-2.4) is the same quantity (exact W2 to the same
    # target sample, Adam step) but at its budget; quick mode is not, so no paper value.
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
            "n_projections": n_projections,
            "particle_update": f"Adam (betas 0.9, 0.999), lr {lr}, on the distance, all methods",
            "gsw_radius": RADIUS,
            "aswd": "lift phi(x) = [x, Ax + b], 10 Adam ascent steps (lr 5e-3, betas 0.999, "
            "moments kept across flow steps) per flow step, "
            "penalty 0.05 / mean|y| / sqrt(512) (the authors' lambda in our normalisation)",
            "paper_budget": "n 500, 2000 iterations, lr 0.002, 1000 directions, 50 runs",
            "quick": quick,
            "quick_reduces": "n 500 -> 200, iterations 2000 -> 600 (lr 0.002 -> 0.005), "
            "directions 256 -> 64, runs 5 -> 1",
        },
        "iterations": iterations,
        "mean_log10_w2": mean_curves,
        "final_log10_w2": final,
        "aswd_within_half_decade_of_best": aswd_near_best,
        "headline": {
            "label": f"ASWD final log10 W2 on 25 Gaussians after {n_iter} iterations; agrees: "
            f"ASWD within 0.5 decade of the best method on {len(aswd_near_best)}/"
            f"{len(TARGETS)} targets",
            "ours": aswd_final,
            "paper": None if quick else PAPER["aswd_final_log10_w2_25_gaussians"],
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    iterations = np.asarray(result["iterations"], dtype=float)
    fig = Figure(figsize=(16, 7))
    axes = fig.subplots(2, 4, sharex=True, sharey=True)
    for ax, target in zip(axes.ravel(), TARGETS, strict=True):
        for method, label in METHODS.items():
            curve = np.asarray(result["mean_log10_w2"][target][method], dtype=float)
            ax.plot(iterations, curve, label=label)
        ax.set_title(target)
        ax.grid(True, alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("iteration")
    for ax in axes[:, 0]:
        ax.set_ylabel("log10 W2 to target")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        "Sliced gradient flows (Adam on the particles) from N(0, I) to 2-D targets: "
        "exact W2 to the target sample (ot.emd2), as in Chen et al."
    )
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
