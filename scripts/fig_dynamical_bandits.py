"""Dynamical linear bandits: cumulative regret of DynLin-UCB and baselines, with 10-90% bands.

Mussi, Metelli and Restelli (ICML 2023), code ``marcomussi/DLB``. Top row: the
authors' synthetic configuration (``config/testcase_synt_sigma*.json``: n = d = 3,
A = diag(0.2, 0, 0.1), rho = 0.2, 6 budget splits, noise sigma 0.001, 0.01, 0.1).
Bottom left: a slow system (rho = 0.9, ``bandits.envs.slow_dynamics_bandit``)
whose instantaneously best split is not the steady-state best, so LinUCB, which
ignores the dynamics, settles on it and pays linear regret. Bottom right:
regret per round over the last tenth of the horizon, on that slow system.

Policies, as the authors configure them (``scripts/main.py``): DynLin-UCB with
lambda = 1 and with lambda = log T (delta = 1/T, the paper's radius), LinUCB
(``OFUL``: OFUL's radius, ignores the dynamics), D-LinUCB (gamma = 0.999; the
authors' 1 - 1e-9 is LinUCB), Exp3 with their learning rate; plus DynLin-UCB
with the radius scaled by 0.03 (not in the paper: the paper's radius is
dominated by the c2 log t bias term and keeps exploring for 1e5+ rounds).
Regret is measured through the steady-state gain, as in the paper. Every
(configuration, policy) pair runs R seeds in one batched simulation.
"""

from __future__ import annotations

import math
import time

import numpy as np
from matplotlib.figure import Figure

import bandits
from bandits.envs import dlb_synthetic_bandit, slow_dynamics_bandit
from bandits.policies import OFUL, DiscountedLinUCB, DynLinUCB, Exp3
from gpu.scan import scan

# Wall seconds on the 2-core dev machine, measured under load (load average ~10 from
# other helpers' jobs); full estimated from quick (T = 1e6 vs 3e4, R = 10 vs 20).
COST = {"quick": 60, "full": 1000}

SIGMAS = (0.001, 0.01, 0.1)
SLOW = "rho = 0.9, sigma = 0.01"
TUNED_SCALE = 0.03


def _configs():
    out = {f"rho = 0.2, sigma = {s}": ("synthetic", s) for s in SIGMAS}
    out[SLOW] = ("slow", 0.01)
    return out


def _env(kind, sigma):
    return dlb_synthetic_bandit(sigma) if kind == "synthetic" else slow_dynamics_bandit(sigma)


def _policies(T, K):
    lr = min(1.0, math.sqrt(K * math.log(K) / ((math.e - 1) * 2 * T / 3)))
    return {
        "DynLin-UCB (lam = 1)": DynLinUCB(lam=1.0, delta=1.0 / T),
        "DynLin-UCB (lam = log T)": DynLinUCB(lam=math.log(T), delta=1.0 / T),
        f"DynLin-UCB (radius x {TUNED_SCALE})": DynLinUCB(delta=1.0 / T, scale=TUNED_SCALE),
        "LinUCB (ignores dynamics)": OFUL(),
        "D-LinUCB (gamma = 0.999)": DiscountedLinUCB(gamma=0.999),
        "Exp3": Exp3(gamma=lr),
    }


def _point(params, rng):
    config, policy, T, n_runs = params
    kind, sigma = _configs()[config]
    env = _env(kind, sigma)
    s = bandits.simulate_summary(
        env, _policies(T, env.n_arms)[policy], T, n_runs=n_runs, rng=rng, levels=(0.1, 0.9),
        every=T // 200,
    )  # fmt: skip
    tail = s.rounds > 0.9 * T
    late = (s.mean_cumulative_regret[-1] - s.mean_cumulative_regret[tail][0]) / (
        s.rounds[-1] - s.rounds[tail][0]
    )
    return {
        "rounds": s.rounds,
        "mean": s.mean_cumulative_regret,
        "q10": s.cumulative_regret_quantiles[0],
        "q90": s.cumulative_regret_quantiles[1],
        "final": s.final_cumulative_regret,
        "late_per_round": float(late),
    }


def run(quick: bool, rng: np.random.Generator) -> dict:
    start = time.perf_counter()
    T = 30_000 if quick else 1_000_000
    n_runs = 20 if quick else 10
    names = list(_policies(T, 6))
    grid = [(c, p, T, n_runs) for c in _configs() for p in names]
    results = scan(_point, grid, rng=rng, progress=True, desc="dynamical bandits")
    curves = {f"{c} | {p}": res for (c, p, *_), res in zip(grid, results, strict=True)}
    late = {k: v["late_per_round"] for k, v in curves.items()}
    final = {k: float(np.mean(v["final"])) for k, v in curves.items()}
    lin = late[f"{SLOW} | LinUCB (ignores dynamics)"]
    gap = float(np.ptp(slow_dynamics_bandit(0.01).means[[1, 5]]))  # (0, 1, .5) vs best
    dyn = [late[f"{SLOW} | {p}"] for p in names if p.startswith("DynLin")]
    tuned = late[f"{SLOW} | DynLin-UCB (radius x {TUNED_SCALE})"]
    # Check (the and the paper's qualitative claim; the paper has no number for
    # this system): on the slow system LinUCB's late regret per round is at least 90% of
    # the 0.65 gap of the split it settles on (linear regret), every DynLin-UCB variant's
    # is below it, and the tuned one's is below a tenth of it.
    linear = lin >= 0.9 * gap
    below = all(v < lin for v in dyn) and tuned < 0.1 * lin
    agrees = "yes" if linear and below else ("partly" if linear or below else "no")
    seconds = time.perf_counter() - start
    print(f"fig_dynamical_bandits: {'quick' if quick else 'full'} mode took {seconds:.1f} s")
    return {
        "config": {
            "T": T,
            "n_runs": n_runs,
            "configs": list(_configs()),
            "policies": names,
            "quick": f"T = {T} (full: 1e6 as the authors), {n_runs} runs" if quick else "full",
            "seconds": seconds,
        },
        "curves": curves,
        "late_regret_per_round": late,
        "mean_final_regret": final,
        "headline": {
            "label": f"rho=0.9: LinUCB late regret/round (gap of its split {gap:.2f})",
            "ours": lin,
            "paper": None,
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    curves = result["curves"]
    configs, policies = result["config"]["configs"], result["config"]["policies"]
    fig = Figure(figsize=(14, 8.5), layout="constrained")
    axes = fig.subplots(2, 3)
    panels = [axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0]]
    colors = [f"C{i}" for i in range(len(policies))]
    for ax, config in zip(panels, configs, strict=True):
        for policy, color in zip(policies, colors, strict=True):
            c = curves[f"{config} | {policy}"]
            t = np.asarray(c["rounds"], dtype=float)
            ax.plot(t, c["mean"], color=color, label=policy)
            ax.fill_between(t, c["q10"], c["q90"], color=color, alpha=0.15)
        ax.set(title=config, xlabel="round t", ylabel="cumulative regret", yscale="symlog")
    panels[0].legend(fontsize=7)
    ax = axes[1, 1]
    late = [result["late_regret_per_round"][f"{SLOW} | {p}"] for p in policies]
    ax.barh(range(len(policies)), late, color=colors)
    ax.set_yticks(range(len(policies)), [p.replace(" (", "\n(") for p in policies], fontsize=7)
    ax.set(title=f"{SLOW}: regret per round, last 10% of T", xlabel="regret / round")
    axes[1, 2].axis("off")
    T, n = result["config"]["T"], result["config"]["n_runs"]
    text = "\n".join(f"{p}: {result['mean_final_regret'][f'{SLOW} | {p}']:.0f}" for p in policies)
    axes[1, 2].text(0, 1, f"{SLOW}\nmean regret at T = {T}:\n\n{text}", va="top", fontsize=8)
    fig.suptitle(
        f"Dynamical linear bandits (Mussi et al., ICML 2023): steady-state regret, mean and "
        f"10-90% band over {n} runs, T = {T}"
    )
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
