"""Benchmark: 100 deep linear networks trained together vs one after another in NumPy.

Case (issue 7): 100 initialisations of a depth-4, width-100 network (d = q = 100,
n = 1000 samples of a random linear teacher plus noise), 5 full-batch GD steps.

* ours: ``train_gd`` on the whole batch at once (batched products on the
  second moments X^T X / n and Y^T X / n; CuPy when the inputs are on a GPU).
* reference: the textbook NumPy implementation, one network after another:
  forward pass over the n samples, back-propagation, update.
* for transparency, also ``train_gd`` called on one network at a time, which
  separates the gain of the algorithm (second moments, rank-q back-propagation)
  from the gain of batching.

Prints case | ours | reference | ratio (median of repeats) | target | met.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from theory_sims.deep_linear import init_weights, train_gd

N_INIT, DEPTH, WIDTH, N, STEPS, LR = 100, 4, 100, 1000, 5, 0.01
REPEATS = 3


def reference_numpy(X, Y, weights, lr, steps):
    """Textbook full-batch GD on each network in turn (forward + back-propagation on samples)."""
    n = X.shape[0]
    finals = []
    for b in range(weights[0].shape[0]):
        ws = [w[b].copy() for w in weights]
        for _ in range(steps):
            acts = [X]
            for w in ws:
                acts.append(acts[-1] @ w.T)
            delta = (acts[-1] - Y) / n
            grads = [None] * len(ws)
            for l in range(len(ws) - 1, -1, -1):
                grads[l] = delta.T @ acts[l]
                delta = delta @ ws[l]
            for l in range(len(ws)):
                ws[l] -= lr * grads[l]
        finals.append(ws)
    return finals


def ours_batched(X, Y, weights, lr, steps):
    return train_gd(X, Y, weights, lr=lr, steps=steps, record_every=steps)


def ours_sequential(X, Y, weights, lr, steps):
    return [
        train_gd(X, Y, tuple(w[b : b + 1] for w in weights), lr=lr, steps=steps, record_every=steps)
        for b in range(weights[0].shape[0])
    ]


def timed(fn, *args):
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, WIDTH))
    teacher = rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)
    Y = X @ teacher.T + 0.1 * rng.standard_normal((N, WIDTH))
    weights = init_weights(
        [WIDTH] * (DEPTH + 1), scheme="orthogonal", scale=0.9, n_init=N_INIT, rng=1
    )
    # Warm-up, and a check that all three compute the same networks.
    small = tuple(w[:2] for w in weights)
    ref = reference_numpy(X, Y, small, LR, 5)
    ours = ours_batched(X, Y, small, LR, 5)
    for b in range(2):
        for l in range(DEPTH):
            np.testing.assert_allclose(ours.weights[l][b], ref[b][l], rtol=1e-8, atol=1e-10)

    t_ours, _ = timed(ours_batched, X, Y, weights, LR, STEPS)
    t_seq, _ = timed(ours_sequential, X, Y, weights, LR, STEPS)
    t_ref, _ = timed(reference_numpy, X, Y, weights, LR, STEPS)
    rows = [
        ("100 inits, depth 4, width 100, batched vs textbook NumPy loop", t_ours, t_ref, 10.0),
        ("  (same, train_gd one network at a time vs textbook loop)", t_seq, t_ref, None),
        ("  (same, batched vs train_gd one network at a time)", t_ours, t_seq, None),
    ]
    print(
        f"{N_INIT} networks, widths {[WIDTH] * (DEPTH + 1)}, n = {N}, {STEPS} GD steps, "
        f"median of {REPEATS}"
    )
    print("| case | ours (s) | reference (s) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for name, ours_t, ref_t, target in rows:
        ratio = ref_t / ours_t
        met = "-" if target is None else ("yes" if ratio >= target else "no")
        tgt = "-" if target is None else f">= {target:g}x"
        print(f"| {name} | {ours_t:.3f} | {ref_t:.3f} | {ratio:.1f}x | {tgt} | {met} |")


if __name__ == "__main__":
    main()
