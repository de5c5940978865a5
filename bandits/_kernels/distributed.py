"""Kernels of the distributed bandits: per-run regret segments and per-run G-optimal designs."""

from __future__ import annotations

import numba
import numpy as np

from bandits._kernels.design import _g_optimal
from gpu.jit import kernel


@kernel(parallel=True)
def _add_segments(rate, run, start, length, value):
    """``rate[run[i], start[i]:start[i] + length[i]] += value[i]``, clipped to the horizon.

    Segments of one run are applied in order by one thread (runs in parallel).
    """
    n_runs, horizon = rate.shape
    for r in numba.prange(n_runs):
        for i in range(run.shape[0]):
            if run[i] != r:
                continue
            stop = min(start[i] + length[i], horizon)
            for t in range(max(start[i], 0), stop):
                rate[r, t] += value[i]


@kernel(parallel=True)
def _designs(arms, active, tol, max_steps, weights):
    """G-optimal design of every row of ``active`` (batch, K) over ``arms`` (batch, K, d)."""
    n, K, d = arms.shape
    for b in numba.prange(n):
        idx = np.empty(K, dtype=np.int64)
        m = 0
        for k in range(K):
            weights[b, k] = 0.0
            if active[b, k]:
                idx[m] = k
                m += 1
        if m == 0:
            continue
        sub = np.empty((m, d))
        for i in range(m):
            sub[i] = arms[b, idx[i]]
        pi, _, _, rank = _g_optimal(sub, tol, max_steps)
        if rank == 0:
            weights[b, idx[0]] = 1.0
            continue
        for i in range(m):
            weights[b, idx[i]] = pi[i]
