#!/usr/bin/env python
"""Benchmark: LSA training steps per second, batched vs a per-sequence implementation.

Case: a FULL LSA with L = 1, 3, 7 layers at d = 10, n = 20, batch 2048,
NumPy. We print training steps per second (fresh batch, forward, hand-derived
backward, Adam update) and the time of the forward + backward pass alone; the
ratio checked against the target is the pass's (batch sampling and the update
are the same code on both sides and dilute the step ratio at L = 1). The
reference is a straightforward implementation of the same forward and
backward pass that loops over the sequences of the batch with 2-D NumPy
products (written here); both produce the same gradient (checked below).

``--figure`` also times ``scripts/fig_icl_mixed_noise.py`` in quick mode
(target: under 10 minutes on 2 cores).

Run: ``python benchmarks/bench_icl.py [--figure]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from theory_sims.icl import LSA, TaskConfig, sample_tasks  # noqa: E402
from theory_sims.icl.optim import Adam  # noqa: E402

D, N, BATCH = 10, 20, 2048
TARGET = 5.0


def per_sequence_loss_and_grad(model: LSA, theta, X, y, x_query, target):
    """The same loss and gradient, one sequence at a time with 2-D products."""
    P, Q = model.weights(theta)
    B, n, d = X.shape
    dP, dQ, loss = np.zeros_like(P), np.zeros_like(Q), 0.0
    for b in range(B):
        Z = np.zeros((n + 1, d + 1))
        Z[:n, :d], Z[:n, d], Z[n, :d] = X[b], y[b], x_query[b]
        cache = []
        for l in range(model.depth):
            S = Z[:n].T @ Z[:n]
            M = Q[l].T @ S @ P[l].T / n
            cache.append((Z, S, M))
            Z = Z + Z @ M
        err = -Z[n, d] - target[b]
        loss += err * err / B
        G = np.zeros_like(Z)
        G[n, d] = -2.0 * err / B
        for l in reversed(range(model.depth)):
            Z, S, M = cache[l]
            dM = Z.T @ G
            dP[l] += dM.T @ Q[l].T @ S / n
            dQ[l] += S @ P[l].T @ dM.T / n
            dS = Q[l] @ dM @ P[l] / n
            G = G + G @ M.T
            G[:n] += Z[:n] @ (dS + dS.T)
    return loss, np.concatenate([dP.ravel(), dQ.ravel()])


def time_steps(loss_and_grad, model, task, steps: int, repeats: int) -> list[float]:
    """Seconds per training step (median-able list), fresh batch every step."""
    out = []
    for r in range(repeats):
        theta = model.init(0, scale=0.02)
        opt, rng = Adam(1e-3), np.random.default_rng(r)
        t0 = time.perf_counter()
        for _ in range(steps):
            b = sample_tasks(task, BATCH, rng=rng)
            _, g = loss_and_grad(model, theta, b.X, b.y, b.x_query, b.y_query)
            theta = opt.step(theta, g)
        out.append((time.perf_counter() - t0) / steps)
    return out


def time_pass(loss_and_grad, model, task, repeats: int) -> list[float]:
    """Seconds per forward + backward pass on a pre-sampled batch."""
    b = sample_tasks(task, BATCH, rng=0)
    theta = model.init(0, scale=0.02)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        loss_and_grad(model, theta, b.X, b.y, b.x_query, b.y_query)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--figure", action="store_true", help="also time the quick figure")
    args = parser.parse_args()
    task = TaskConfig(n=N, d=D)
    batched = lambda m, *a: m.loss_and_grad(*a)
    rows = []
    for L in (1, 3, 7):
        model = LSA(L, D)
        b = sample_tasks(task, BATCH, rng=0)
        theta = model.init(0, scale=0.02)
        ref = per_sequence_loss_and_grad(model, theta, b.X, b.y, b.x_query, b.y_query)
        ours = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
        err = np.abs(ref[1] - ours[1]).max() / np.abs(ref[1]).max()
        assert err < 1e-10 and abs(ref[0] - ours[0]) < 1e-10 * ref[0], (err, ref[0], ours[0])
        s_ours = statistics.median(time_steps(batched, model, task, steps=10, repeats=5))
        s_ref = statistics.median(time_steps(per_sequence_loss_and_grad, model, task, 1, 3))
        p_ours = statistics.median(time_pass(batched, model, task, 9))
        p_ref = statistics.median(time_pass(per_sequence_loss_and_grad, model, task, 3))
        ratio = p_ref / p_ours
        rows.append(
            (
                f"L={L}, d={D}, n={N}, B={BATCH}",
                f"{1 / s_ours:.1f} steps/s ({1e3 * p_ours:.1f} ms pass)",
                f"{1 / s_ref:.2f} steps/s ({1e3 * p_ref:.0f} ms pass)",
                f"{ratio:.1f}x pass, {s_ref / s_ours:.1f}x step",
                f">= {TARGET:.0f}x",
                ratio >= TARGET,
            )
        )
    if args.figure:
        sys.path.insert(0, str(ROOT / "scripts"))
        import fig_icl_mixed_noise

        t0 = time.perf_counter()
        fig_icl_mixed_noise.run(True, np.random.default_rng(0))
        wall = time.perf_counter() - t0
        rows.append(("fig_icl_mixed_noise quick", f"{wall:.0f} s", "-", "-", "< 600 s", wall < 600))
    print("| case | ours | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")


if __name__ == "__main__":
    main()
