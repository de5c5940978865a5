"""Interpolating between two noisy point clouds: OT, LOT, OPT and LOPT.

Two digit-like shapes drawn from strokes (a "0" as an ellipse and a "7" as two
segments, N points each, mass 1 per point) receive uniform outliers in the box
[-4, 4]^2 amounting to 0, 0.25, 0.5 and 0.75 of the clean mass. At t in
{0, 1/4, 1/2, 3/4, 1} the four interpolants are:

* OT: McCann interpolation of the exact balanced plan (``ot.emd``) between the
  noisy clouds, normalised to mass 1;
* LOT: reference points moved along (1 - t) U1 + t U2 (Wang et al., IJCV 2013);
* OPT: McCann interpolation of the exact partial plan (lam per unit of created or
  destroyed mass), transported mass only;
* LOPT: :func:`transport.lopt_interpolate` (Bai et al., ICML 2023, the LOPT interpolation).

The reference of LOT and LOPT is N points uniform on [-0.9, 0.9] x [-1.1, 1.1].
Measured: the fraction of each interpolant's mass at t = 1/2 that lies farther
than 0.25 from every point of the two clean shapes and of their noise-free OT
interpolant at t = 1/2 (mass dragged towards the outliers). Headline: that
fraction for LOPT at noise 0.5. The paper's claim is qualitative ("LOPT ignores
the noise"); the check turns it into a number fixed in advance. At noise eta the
outliers are eta / (1 + eta) of the mass, and a fraction q of them (measured) lies
farther than 0.25 from the clean shapes, so an interpolant that carried the noise
would hold about eta / (1 + eta) * q more far mass than at eta = 0. LOPT "ignores
the noise" ("yes") when its far fraction at eta = 0.5, less its own value at
eta = 0, is at most 10% of that share (it removes at least 90% of the noise
effect), "partly" at most 50%, "no" otherwise.
"""

from __future__ import annotations

import numpy as np
import ot
from matplotlib.figure import Figure
from scipy.spatial import cKDTree

from transport import lopt_embedding, lopt_interpolate, lot_embedding
from transport._opt_plans import opt_plan_lam

LAM = 0.2
TIMES = [0.0, 0.25, 0.5, 0.75, 1.0]
NOISE = [0.0, 0.25, 0.5, 0.75]
FAR = 0.25
METHODS = ["OT", "LOT", "OPT", "LOPT"]

# Wall seconds on the 2-core dev machine, measured under load (8 helpers sharing it,
# load average about 10); full estimated.
COST = {"quick": 34, "full": 150}


def _strokes(segments, n, rng, jitter=0.02):
    """n points spread along polyline ``segments`` in proportion to length, with jitter."""
    lengths = np.array([np.linalg.norm(np.subtract(b, a)) for a, b in segments])
    which = rng.choice(len(segments), size=n, p=lengths / lengths.sum())
    t = rng.uniform(size=n)[:, None]
    starts = np.array([segments[k][0] for k in which])
    ends = np.array([segments[k][1] for k in which])
    return starts + t * (ends - starts) + jitter * rng.standard_normal((n, 2))


def _zero(n, rng):
    angles = np.linspace(0.0, 2.0 * np.pi, 41)
    ring = np.stack([0.6 * np.cos(angles), 0.9 * np.sin(angles)], axis=1)
    return _strokes(list(zip(ring[:-1], ring[1:], strict=True)), n, rng)


def _seven(n, rng):
    return _strokes([((-0.6, 0.9), (0.6, 0.9)), ((0.6, 0.9), (-0.2, -0.9))], n, rng)


def _mccann(X, Y, plan, t):
    rows, cols = np.nonzero(plan > 1e-12)
    return (1.0 - t) * X[rows] + t * Y[cols], plan[rows, cols]


def _interpolants(X1, X2, reference, t):
    a, b = np.full(len(X1), 1.0 / len(X1)), np.full(len(X2), 1.0 / len(X2))
    out = {"OT": _mccann(X1, X2, ot.emd(a, b, ot.dist(X1, X2)), t)}
    e1, e2 = lot_embedding(reference, None, X1), lot_embedding(reference, None, X2)
    out["LOT"] = (reference + (1.0 - t) * e1.U + t * e2.U, e1.reference_weights)
    cost = ot.dist(X1, X2)
    out["OPT"] = _mccann(X1, X2, opt_plan_lam(np.ones(len(X1)), np.ones(len(X2)), cost, LAM), t)
    f1 = lopt_embedding(reference, None, X1, lam=LAM)
    f2 = lopt_embedding(reference, None, X2, lam=LAM)
    mid = lopt_interpolate(f1, f2, t)
    out["LOPT"] = (mid.points, mid.weights)
    return out


def _far_fraction(points, weights, clean):
    dist, _ = cKDTree(clean).query(points)
    return float(np.sum(weights[dist > FAR]) / np.sum(weights))


def run(quick: bool, rng: np.random.Generator) -> dict:
    N = 150 if quick else 400
    reference = rng.uniform((-0.9, -1.1), (0.9, 1.1), (N, 2))
    A, B = _zero(N, rng), _seven(N, rng)
    a = np.full(N, 1.0 / N)
    clean_mid, _ = _mccann(A, B, ot.emd(a, a, ot.dist(A, B)), 0.5)
    clean = np.concatenate([A, B, clean_mid])
    far = {m: [] for m in METHODS}
    noise_far = []
    frames = {}
    for eta in NOISE:
        k = int(round(eta * N))
        noise1, noise2 = rng.uniform(-4.0, 4.0, (k, 2)), rng.uniform(-4.0, 4.0, (k, 2))
        outliers = np.concatenate([noise1, noise2])
        noise_far.append(_far_fraction(outliers, np.ones(len(outliers)), clean) if k else 0.0)
        X1 = np.concatenate([A, noise1])
        X2 = np.concatenate([B, noise2])
        for t in TIMES:
            inter = _interpolants(X1, X2, reference, t)
            if t == 0.5:
                for m in METHODS:
                    far[m].append(_far_fraction(*inter[m], clean))
            if eta == 0.5:
                frames[str(t)] = {m: {"points": p, "weights": w} for m, (p, w) in inter.items()}
    i = NOISE.index(0.5)
    ours = far["LOPT"][i]
    # Check, fixed in advance (module docstring): the far mass that carrying the noise
    # would add is the outliers' share of the mass times the fraction q of outliers that
    # lie far from the clean shapes; LOPT's excess over its own noise-free value must be
    # at most 10% of it ("yes": at least 90% of the noise effect removed), 50% ("partly").
    carried = NOISE[i] / (1.0 + NOISE[i]) * noise_far[i]
    excess = (ours - far["LOPT"][0]) / carried
    agrees = "yes" if excess <= 0.1 else ("partly" if excess <= 0.5 else "no")
    return {
        "config": {
            "N": N,
            "lam": LAM,
            "times": TIMES,
            "noise": NOISE,
            "far": FAR,
            "quick": quick,
            "quick_reduces": "N 400 -> 150 points per shape",
        },
        "far_fraction_at_half": far,
        "outliers_far_fraction": noise_far,
        "lopt_excess_over_carried_noise": excess,
        "frames_at_noise_0.5": frames,
        "headline": {
            "label": f"LOPT mass farther than {FAR} from the clean shapes, t=1/2, "
            f"noise 0.5 (OT: {far['OT'][i]:.2f}, LOT: {far['LOT'][i]:.2f}, "
            f"OPT: {far['OPT'][i]:.2f}; carried noise would add {carried:.2f}, LOPT adds "
            f"{excess:.0%} of that)",
            "ours": ours,
            "paper": None,
            "agrees": agrees,
        },
    }


def plot(result: dict) -> Figure:
    frames = result["frames_at_noise_0.5"]
    times = result["config"]["times"]
    fig = Figure(figsize=(12, 12))
    axes = fig.subplots(len(METHODS) + 1, len(times))
    for r, m in enumerate(METHODS):
        for c, t in enumerate(times):
            ax = axes[r, c]
            f = frames[str(t)][m]
            pts, w = np.asarray(f["points"]), np.asarray(f["weights"])
            ax.scatter(pts[:, 0], pts[:, 1], s=30 * w / w.max(), c="k", lw=0)
            ax.set_xlim(-4, 4)
            ax.set_ylim(-4, 4)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"t = {t}", fontsize=9)
            if c == 0:
                ax.set_ylabel(m)
    for ax in axes[-1]:
        ax.remove()
    bottom = fig.add_subplot(len(METHODS) + 1, 1, len(METHODS) + 1)
    for m in METHODS:
        bottom.plot(result["config"]["noise"], result["far_fraction_at_half"][m], "o-", label=m)
    bottom.set_xlabel("outlier mass / clean mass")
    bottom.set_ylabel(f"mass > {result['config']['far']} from clean shapes, t=1/2", fontsize=8)
    bottom.grid(True, alpha=0.3)
    bottom.legend(fontsize=8)
    fig.suptitle(f"noise 0.5, lam = {result['config']['lam']}", fontsize=10)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
