"""Chain-rule sampling of finite projection DPPs, compiled for the CPU.

The chain rule (Hough, Krishnapur, Peres and Virag 2006, Algorithm 18) draws
item ``i`` at step ``t`` with probability ``d_t(i) / (r - t)``, where
``d_t(i) = ||V_i||^2 - ||Q_t^T V_i||^2`` is the squared distance of row ``V_i``
to the span ``Q_t`` of the rows already drawn. Since ``d_t(i) <= ||V_i||^2``,
the step is sampled exactly by rejection: propose ``i`` with probability
``||V_i||^2 / r`` (a fixed cumulative table, one binary search) and accept it
with probability ``d_t(i) / ||V_i||^2``. A proposal is accepted with
probability ``(r - t) / r`` whatever ``V``, so a sample costs ``O(N r)`` for
the table plus ``O(r^3 log r)`` expected work, against ``O(N r^2)`` for the
rank-one update form of the chain rule.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.cpu.jit import kernel
from gpu.cpu.linalg_random import _uniform

# A sample whose proposals are rejected this many times r over is reported as
# failed (status -1): with orthonormal input the expected number is r log r.
_MAX_TRIALS_PER_RANK = 100_000


@kernel()
def _search_right(cdf, x):
    """First index ``i`` with ``cdf[i] > x`` (``cdf`` non-decreasing), clipped to the last."""
    lo = 0
    hi = cdf.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@kernel()
def _projection_chain_rule(V, norms2, cdf, state, out, Q, c):
    """Fill ``out[:r]`` with one projection-DPP sample of rows of ``V`` (N, r).

    ``Q`` (r, r) and ``c`` (r,) are workspaces. Returns 0, or -1 when the
    proposal budget ran out (input not orthonormal).
    """
    r = V.shape[1]
    total = cdf[cdf.shape[0] - 1]
    budget = _MAX_TRIALS_PER_RANK * max(r, 1)
    for t in range(r):
        while True:
            budget -= 1
            if budget < 0:
                return -1
            i = _search_right(cdf, _uniform(state) * total)
            nv = norms2[i]
            if nv <= 0.0:
                continue
            proj = 0.0
            for s in range(t):
                acc = 0.0
                for a in range(r):
                    acc += Q[s, a] * V[i, a]
                c[s] = acc
                proj += acc * acc
            if _uniform(state) * nv >= nv - proj:
                continue
            # accepted: the new orthonormal direction, with one re-orthogonalisation pass
            for a in range(r):
                Q[t, a] = V[i, a]
            for s in range(t):
                for a in range(r):
                    Q[t, a] -= c[s] * Q[s, a]
            for s in range(t):
                acc = 0.0
                for a in range(r):
                    acc += Q[s, a] * Q[t, a]
                for a in range(r):
                    Q[t, a] -= acc * Q[s, a]
            nw = 0.0
            for a in range(r):
                nw += Q[t, a] * Q[t, a]
            if nw <= 1e-10 * nv:
                # V_i lies in the span up to round-off: its true probability is ~0
                continue
            scale = 1.0 / math.sqrt(nw)
            for a in range(r):
                Q[t, a] *= scale
            out[t] = i
            break
    return 0


@kernel()
def _row_table(V, norms2, cdf):
    """Squared row norms of ``V`` and their running sum."""
    n, r = V.shape
    acc = 0.0
    for i in range(n):
        s = 0.0
        for a in range(r):
            s += V[i, a] * V[i, a]
        norms2[i] = s
        acc += s
        cdf[i] = acc


@kernel()
def _projection_dpp_range(V, norms2, cdf, seeds, out, status, lo, hi):
    """Samples ``lo..hi-1``: ``out[s]`` from the stream ``seeds[s]`` (same ``V``)."""
    r = V.shape[1]
    Q = np.empty((r, r))
    c = np.empty(r)
    state = np.empty(1, dtype=np.uint64)
    for s in range(lo, hi):
        state[0] = seeds[s]
        status[s] = _projection_chain_rule(V, norms2, cdf, state, out[s], Q, c)


@kernel(parallel=True)
def _projection_dpp_chunks(V, norms2, cdf, seeds, out, status, bounds):
    """Parallel over the chunks ``bounds[c]..bounds[c+1]-1`` of samples."""
    for c in numba.prange(bounds.shape[0] - 1):
        _projection_dpp_range(V, norms2, cdf, seeds, out, status, bounds[c], bounds[c + 1])


@kernel()
def _projection_columns_range(V, cols, sizes, seeds, out, status, lo, hi):
    """Samples ``lo..hi-1``, sample ``s`` using the columns ``cols[s, :sizes[s]]`` of ``V``."""
    n = V.shape[0]
    state = np.empty(1, dtype=np.uint64)
    norms2 = np.empty(n)
    cdf = np.empty(n)
    for s in range(lo, hi):
        r = sizes[s]
        W = np.empty((n, r))
        for i in range(n):
            for a in range(r):
                W[i, a] = V[i, cols[s, a]]
        _row_table(W, norms2, cdf)
        state[0] = seeds[s]
        Q = np.empty((r, r))
        c = np.empty(r)
        status[s] = _projection_chain_rule(W, norms2, cdf, state, out[s], Q, c)


@kernel(parallel=True)
def _projection_columns_chunks(V, cols, sizes, seeds, out, status, bounds):
    """Parallel over the chunks ``bounds[c]..bounds[c+1]-1`` of samples."""
    for c in numba.prange(bounds.shape[0] - 1):
        _projection_columns_range(V, cols, sizes, seeds, out, status, bounds[c], bounds[c + 1])
