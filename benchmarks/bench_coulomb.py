#!/usr/bin/env python
"""theory_sims.coulomb against straightforward references, one process.

Run: ``python benchmarks/bench_coulomb.py`` (a few minutes on 2 cores).

Cases (issue 14 targets):

1. ``ginibre_radii``, N = 1000, 1000 samples, against the moduli of the
   eigenvalues of 1000 complex Ginibre matrices (``numpy.linalg.eigvals``).
   The eigenvalue side is timed on ``EIG_SUBSET`` matrices and extrapolated
   linearly to 1000 (each matrix is an independent, equal-cost solve).
2. One MCMC sweep, N = 256, d = 2, beta = 2, 1024 chains: the Numba kernel
   (parallel over chains, all host cores) against a straightforward NumPy
   implementation of the same sweep (particles in turn, vectorised over chains
   and partners), fed the same random draws; the two final states are checked
   to agree. The NumPy side is timed on the first ``NUMPY_PARTICLES``
   particles of the sweep and extrapolated to 256 (every particle update costs
   the same). Sweeps per second are reported for ours.

Ours is warmed up (Numba compilation) before timing; entries are medians of repeats.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from theory_sims.coulomb import ginibre_radii
from theory_sims.coulomb._kernels.gas import _mala_sweep
from theory_sims.coulomb.gas import default_lr

EIG_SUBSET = 2
NUMPY_PARTICLES = 32


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def numpy_sweep(x, normals, uniforms, beta, lr, particles):
    """Single-particle MALA sweep in plain NumPy (vectorised over chains and partners)."""
    C, N, _ = x.shape
    accepted = np.zeros(C, dtype=np.int64)
    others = np.ones(N, dtype=bool)
    for i in range(particles):
        others[:] = True
        others[i] = False
        rest = x[:, others]  # (C, N-1, d)
        cur = x[:, i].copy()
        diff = cur[:, None, :] - rest
        r2 = np.sum(diff * diff, axis=-1)
        g_cur = N * cur - np.sum(diff / r2[..., None], axis=1)
        prop = cur - 0.5 * lr * beta * g_cur + np.sqrt(lr) * normals[:, i]
        diff_p = prop[:, None, :] - rest
        r2_p = np.sum(diff_p * diff_p, axis=-1)
        g_prop = N * prop - np.sum(diff_p / r2_p[..., None], axis=1)
        change = 0.5 * N * (np.sum(prop**2, -1) - np.sum(cur**2, -1)) - 0.5 * np.sum(
            np.log(r2_p / r2), axis=1
        )
        backward = np.sum((cur - prop + 0.5 * lr * beta * g_prop) ** 2, -1)
        forward = np.sum(normals[:, i] ** 2, -1)
        log_accept = -beta * change - backward / (2 * lr) + 0.5 * forward
        ok = np.log(uniforms[:, i]) < log_accept
        x[ok, i] = prop[ok]
        accepted += ok
    return accepted


def bench_radii():
    N, S = 1000, 1000
    ours = median_time(lambda: ginibre_radii(N, size=S, rng=0), 5)
    rng = np.random.default_rng(1)

    def eig():
        for _ in range(EIG_SUBSET):
            G = (rng.standard_normal((N, N)) + 1j * rng.standard_normal((N, N))) / np.sqrt(2)
            np.abs(np.linalg.eigvals(G))

    ref = median_time(eig, 1) * S / EIG_SUBSET
    print(
        f"| ginibre_radii N=1000, 1000 samples vs eigvals (timed {EIG_SUBSET}, x{S // EIG_SUBSET})"
        f" | {ours * 1e3:.1f} ms | {ref:.1f} s | {ref / ours:.0f}x | >= 100x |"
        f" {'yes' if ref / ours >= 100 else 'no'} |",
        flush=True,
    )


def bench_sweep():
    C, N, d, beta = 1024, 256, 2, 2.0
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-0.7, 0.7, (C, N, d))
    normals, uniforms = rng.standard_normal((C, N, d)), rng.random((C, N))
    lr = default_lr(N, beta)
    scratch, acc = np.zeros((C, 4, d)), np.zeros(C, dtype=np.int64)
    warm = x0[:2].copy()
    _mala_sweep(warm, normals[:2], uniforms[:2], beta, lr, scratch[:2], acc[:2])

    head = NUMPY_PARTICLES
    numpy_time = median_time(lambda: numpy_sweep(x0.copy(), normals, uniforms, beta, lr, head), 3)

    def ours_sweep():
        x = x0.copy()
        _mala_sweep(x, normals, uniforms, beta, lr, scratch, np.zeros(C, dtype=np.int64))
        return x

    ours = median_time(ours_sweep, 3)
    x_ours = x0.copy()
    acc_ours = np.zeros(C, dtype=np.int64)
    _mala_sweep(x_ours, normals, uniforms, beta, lr, scratch, acc_ours)
    # the full NumPy sweep on 64 of the chains, for agreement with ours
    x_ref = x0[:64].copy()
    numpy_sweep(x_ref, normals[:64], uniforms[:64], beta, lr, N)
    agree = np.allclose(x_ref, x_ours[:64], rtol=1e-9, atol=1e-12)
    ref = numpy_time * N / head
    print(
        f"| MCMC sweep N=256 d=2 1024 chains (NumPy timed on {head} particles, x{N // head})"
        f" | {ours:.3f} s ({1 / ours:.2f} sweeps/s) | {ref:.2f} s | {ref / ours:.1f}x | >= 3x |"
        f" {'yes' if ref / ours >= 3 else 'no'} | agree: {agree}, acceptance"
        f" {acc_ours.sum() / (C * N):.2f} |",
        flush=True,
    )


def main():
    print("| case | ours | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    bench_radii()
    bench_sweep()


if __name__ == "__main__":
    main()
