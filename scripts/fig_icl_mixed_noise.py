"""Vladymyrov et al. (NeurIPS 2024), Table 1: LSA on noisy regression with mixed noise levels.

Each sequence has d = 10, n = 20, w ~ N(0, I) and its own noise level
sigma ~ U(0, sigma_max), sigma_max = 0..7; the query target is noise-free.
We train LSA models (FULL, DIAG, GD++) with Adam on fresh batches and report
the adjusted loss: loss minus the loss of ridge with each sequence's true
sigma (the oracle), for the models and for the ridge baselines ConstRR (one
tuned lambda), AdaRR (lambda = sigma_hat^2 from the residuals) and TunedRR
(lambda = alpha sigma_hat^2 + beta, tuned).

Convention: the library's loss is the plain MSE; Vladymyrov et al. carry a
factor 1/2, so every number here (ours and theirs) is in their convention,
``adjusted = (loss - oracle loss) / 2``, as the JSON's ``config`` says.

Quick mode trains depths 1-3 with a short budget (Adam, cosine decay) on two
threads; the full mode trains depths 1-7 with a longer budget (still far
below the paper's Adam lr 1e-4 schedule) and records what it used.

Two training hazards shape the budget, and both are handled explicitly:

* A one-layer FULL model computes x_q^T Gamma X^T y / n with
  Gamma = -(P_yy Q_xx^T + Q_yx P_yx^T). From a small initialisation, gradient
  noise at large sigma_max can send it down the rank-one route Q_yx P_yx^T
  while P_yy stays near zero: a plateau at about three times the optimal
  adjusted loss (2.6 against 0.8 at sigma_max = 7) from which 300 Adam steps
  did not escape for 2 seeds in 10. With 1000 steps all 10 seeds reached the
  paper's value, so FULL models get 1000 steps in quick mode.
* A deep model's prediction is a high-degree polynomial in (X, y). A model
  whose training loss is fine can still blow up on rare sequences (large
  labels at large sigma_max), and one such sequence can dominate the mean over
  the evaluation set. Each model therefore keeps, of 10 snapshots along
  training and its final parameters, the one with the lowest loss on a
  separate validation set, and the JSON gives each cell's standard error.

Depths are trained progressively (:func:`theory_sims.icl.train.train_by_depth`):
depth L starts from the kept depth L - 1 model with a new first layer that leaves
its function unchanged, so with the validation selection, whose first candidate
is that start, a deeper model is never worse on validation than a shallower
one. The paper trains every depth from a random initialisation; this protocol
stands in for its far longer training.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from matplotlib.figure import Figure

from gpu.scan import scan
from theory_sims.icl import TaskConfig, sample_tasks
from theory_sims.icl import predictors as pred
from theory_sims.icl.baselines import tune_const_rr, tune_tuned_rr
from theory_sims.icl.train import train_by_depth

SIGMA_MAX = list(range(8))
PAPER = {
    "convention": "adjusted loss with a factor 1/2 (Vladymyrov et al.)",
    "sigma_max": SIGMA_MAX,
    "FULL L=7": [2.5e-12, 0.002, 0.010, 0.025, 0.035, 0.047, 0.050, 0.057],
    "TunedRR": [0.0, 0.002, 0.010, 0.023, 0.037, 0.049, 0.060, 0.068],
    "L=1": [1.768, 1.639, 1.396, 1.175, 1.015, 0.907, 0.841, 0.806],
    "ConstRR": [0.0, 0.009, 0.066, 0.161, 0.265, 0.365, 0.454, 0.530],
    "AdaRR": [0.0, 0.003, 0.016, 0.034, 0.053, 0.068, 0.081, 0.092],
}
D, N = 10, 20
VARIANTS = ("full", "diag", "gd++")
EVAL_SIZE = 20000
VALIDATION_SIZE = 10000
TUNE_SIZE = 10000


# Wall seconds on the 2-core dev machine. quick: measured in the last quick run of all
# figures (scripts/reproduce.py --quick, machine loaded by other jobs, about 2.8x a
# quiet run); full estimated: depths 1-7, 8x steps, 4x batch (about a day).
COST = {"quick": 1350, "full": 100000}


def _eval_set(sigma_max: float, seed: int):
    return sample_tasks(TaskConfig(n=N, d=D, sigma_max=float(sigma_max)), EVAL_SIZE, rng=seed)


def _train_depths(p, rng):
    """Train depths 1..max of one variant at one sigma_max (:func:`train_by_depth`).

    Returns, per depth, the adjusted loss on the evaluation set in the paper's
    1/2 convention, its standard error (paired with the oracle ridge sequence
    by sequence) and the training step of the kept parameters.
    """
    task = TaskConfig(n=N, d=D, sigma_max=float(p["sigma_max"]))
    fits = train_by_depth(
        task,
        p["depths"],
        p["variant"],
        validation=sample_tasks(task, VALIDATION_SIZE, rng=p["validation_seed"]),
        steps=p["steps"][p["variant"]],
        batch_size=p["batch"],
        snapshots=p["snapshots"],
        init_scale=p["init_scale"],
        lr=p["lr"][p["variant"]],
        clip=1.0,
        schedule="cosine",
        rng=rng,
    )
    ev = _eval_set(p["sigma_max"], p["eval_seed"])
    oracle_sq = (pred.bayes(ev.X, ev.y, ev.x_query, ev.noise_std) - ev.y_query) ** 2
    out = []
    for fit in fits:
        excess = (fit.model.predict(fit.theta, ev.X, ev.y, ev.x_query) - ev.y_query) ** 2
        excess -= oracle_sq
        out.append(
            {
                "adjusted": float(excess.mean() / 2),
                "se": float(excess.std(ddof=1) / np.sqrt(excess.size) / 2),
                "kept_step": fit.kept_step,
            }
        )
    return out


def _baselines(sigma_max: float, seed: int, tune_size: int, rng) -> dict:
    ev = _eval_set(sigma_max, seed)
    task = TaskConfig(n=N, d=D, sigma_max=float(sigma_max))
    lam = tune_const_rr(task, batch_size=tune_size, rng=rng)
    tuned = tune_tuned_rr(task, batch_size=tune_size, rng=rng)
    X, y, q, t = ev.X, ev.y, ev.x_query, ev.y_query
    mse = lambda p: float(np.mean((p - t) ** 2))
    return {
        "oracle": mse(pred.bayes(X, y, q, ev.noise_std)),
        "ConstRR": mse(pred.ridge(X, y, q, lam)),
        "AdaRR": mse(pred.ada_rr(X, y, q)),
        "TunedRR": mse(pred.tuned_rr(X, y, q, tuned.alpha, tuned.beta)),
        "const_lambda": lam,
        "tuned_alpha": tuned.alpha,
        "tuned_beta": tuned.beta,
    }


def _side_by_side(table: dict) -> dict:
    """Rows the paper reports, ours beside theirs: ``{row: {"ours": [...], "paper": [...]}}``."""
    ours_name = {"L=1": "FULL L=1", "FULL L=7": "FULL L=7"}
    rows = {}
    for name in ("L=1", "FULL L=7", "ConstRR", "AdaRR", "TunedRR"):
        key = ours_name.get(name, name)
        if key in table:
            rows[name] = {"ours": np.round(table[key], 4), "paper": PAPER[name]}
            line = " ".join(
                f"{o:.3f}/{p:.3f}" for o, p in zip(table[key], PAPER[name], strict=True)
            )
            print(f"{name:9s} ours/paper: {line}")
    return rows


def run(quick: bool, rng: np.random.Generator) -> dict:
    depths = [1, 2, 3] if quick else [1, 2, 3, 4, 5, 6, 7]
    workers = 2 if quick else max(2, os.cpu_count() or 2)
    config = {
        "d": D,
        "n": N,
        "sigma_max": SIGMA_MAX,
        "depths": depths,
        "variants": list(VARIANTS),
        "steps": {"full": 1000, "diag": 400, "gd++": 400}
        if quick
        else {
            "full": 8000,
            "diag": 4000,
            "gd++": 4000,
        },
        "batch": 512 if quick else 2048,
        "lr": {"full": 0.01, "diag": 0.02, "gd++": 0.02},
        "init_scale": 0.05,
        "optimizer": "adam, cosine decay to 0, gradient clipping 1.0",
        "snapshots": 10,
        "warm_start": "depth L starts from the kept depth L - 1 model plus a new first layer "
        "with P = 0 (same function) and Q ~ N(0, init_scale^2)",
        "model_selection": "of 10 snapshots along training (the first is the start) and the "
        "final parameters, keep the one with the lowest loss on a separate validation set",
        "validation_sequences": VALIDATION_SIZE,
        "eval_sequences": EVAL_SIZE,
        "tune_sequences": TUNE_SIZE,
        "threads": workers,
        "paper_budget": "Adam lr 1e-4, batch 2048, far more steps",
        "quick_reduces": "depths 1-7 -> 1-3, steps (FULL/DIAG/GD++) 8000/4000/4000 -> "
        "1000/400/400, batch 2048 -> 512",
        "loss_convention": "numbers are (loss - oracle-ridge loss) / 2: the paper's 1/2 convention",
    }
    eval_seeds = [int(s) for s in rng.integers(2**31, size=len(SIGMA_MAX))]
    validation_seeds = [int(s) for s in rng.integers(2**31, size=len(SIGMA_MAX))]
    base = scan(
        lambda p, r: _baselines(p["sigma_max"], p["seed"], config["tune_sequences"], r),
        [{"sigma_max": s, "seed": e} for s, e in zip(SIGMA_MAX, eval_seeds, strict=True)],
        rng=rng,
        progress=True,
        desc="mixed noise: ridge baselines",
    )
    grid = [
        {
            "sigma_max": s,
            "eval_seed": e,
            "validation_seed": vs,
            "variant": v,
            "depths": depths,
            "steps": config["steps"],
            "batch": config["batch"],
            "lr": config["lr"],
            "init_scale": config["init_scale"],
            "snapshots": config["snapshots"],
        }
        for s, e, vs in zip(SIGMA_MAX, eval_seeds, validation_seeds, strict=True)
        for v in VARIANTS
    ]
    with ThreadPoolExecutor(workers) as pool:
        fits = scan(
            _train_depths,
            grid,
            rng=rng,
            executor=pool,
            progress=True,
            desc="mixed noise: train LSA",
        )
    oracle = np.array([b["oracle"] for b in base])
    table, table_se, kept_step = {}, {}, {}
    for name in ("ConstRR", "AdaRR", "TunedRR"):
        table[name] = (np.array([b[name] for b in base]) - oracle) / 2
    for v in VARIANTS:
        for i, L in enumerate(depths):
            row = [chain[i] for p, chain in zip(grid, fits, strict=True) if p["variant"] == v]
            key = f"{v.upper()} L={L}"
            table[key] = np.array([f["adjusted"] for f in row])
            table_se[key] = np.array([f["se"] for f in row])
            kept_step[key] = [f["kept_step"] for f in row]
    i3 = SIGMA_MAX.index(3)
    ours = float(table["FULL L=1"][i3])
    # Check: the 1-layer FULL cell at sigma_max = 3 matches Table 1 within 3 standard
    # errors of our evaluation or 5% of the paper's value, whichever is wider.
    tol = max(3 * float(table_se["FULL L=1"][i3]), 0.05 * PAPER["L=1"][i3])
    agrees = "yes" if abs(ours - PAPER["L=1"][i3]) <= tol else "no"
    label = "1-layer FULL adjusted loss (x1/2), sigma_max=3"
    if max(depths) < 7:
        label += " (only depths <= 3 run: the paper's claim that L = 7 matches TunedRR is untested)"
    return {
        "config": config,
        "headline": {
            "label": label,
            "ours": ours,
            "paper": PAPER["L=1"][i3],
            "agrees": agrees,
        },
        "table": table,
        "table_standard_error": table_se,
        "kept_snapshot_step": kept_step,
        "paper": {k: v for k, v in PAPER.items() if k not in ("convention", "sigma_max")},
        "side_by_side": _side_by_side(table),
        "oracle_loss": oracle,
        "const_lambda": np.array([b["const_lambda"] for b in base]),
        "tuned_alpha": np.array([b["tuned_alpha"] for b in base]),
        "tuned_beta": np.array([b["tuned_beta"] for b in base]),
    }


CLIP = 1e-4  # log-axis floor for values that are 0 up to round-off (sigma_max = 0)


def plot(result: dict) -> Figure:
    fig = Figure(figsize=(15, 4.5), layout="constrained")
    ax = fig.subplots(1, 3, sharey=True)
    s = np.asarray(result["config"]["sigma_max"])
    table, paper = result["table"], result["paper"]
    depths = result["config"]["depths"]
    colors = {"ConstRR": "C7", "AdaRR": "C8", "TunedRR": "k"}
    for a, v in zip(ax, VARIANTS, strict=True):
        for i, L in enumerate(depths):
            a.plot(
                s,
                np.maximum(table[f"{v.upper()} L={L}"], CLIP),
                "o-",
                color=f"C{i}",
                label=f"{v.upper()} L={L}",
            )
        for name, c in colors.items():
            a.plot(s, np.maximum(table[name], CLIP), "s-", color=c, ms=3, lw=1, label=name)
            a.plot(s, np.maximum(paper[name], CLIP), ":", color=c, lw=1)
        a.plot(s, paper["L=1"], "C0:", lw=1, label="paper L=1 (dotted: paper)")
        a.plot(s, np.maximum(paper["FULL L=7"], CLIP), "C6:", lw=1, label="paper FULL L=7")
        a.axhline(CLIP, color="0.5", lw=0.8, ls="-.", label=f"values < {CLIP:g} drawn here")
        a.set(yscale="log", xlabel="sigma_max", title=f"{v.upper()} (adjusted loss x 1/2)")
        a.legend(fontsize=7, ncol=2)
    ax[0].set_ylabel("loss - oracle ridge loss (paper's 1/2 convention)")
    fig.suptitle(
        f"Adjusted loss on a log axis; values below {CLIP:g} are drawn at {CLIP:g}: at "
        "sigma_max = 0 (noise-free sequences) the ridge baselines and the paper's FULL L=7 "
        "are 0 up to round-off",
        fontsize=9,
    )
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
