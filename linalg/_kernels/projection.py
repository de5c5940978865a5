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

from gpu.jit import kernel
from linalg._kernels.gram_schmidt import _append_direction, _squared_projection
from linalg._kernels.stream import _uniform

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


@kernel(fastmath=True)
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
            row = V[i]
            proj = _squared_projection(Q, t, row, c)
            if _uniform(state) * nv >= nv - proj:
                continue
            if not _append_direction(Q, t, row, c, nv):
                continue
            out[t] = i
            break
    return 0


@kernel(fastmath=True)
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
def _gather_checked(V, cols, r, W):
    """``W = V[:, cols[:r]]``; 0, or -2 for a non-finite entry, -3 if the columns are not
    orthonormal (``||W^T W z - z|| > 1e-6 ||z||`` for a fixed probe ``z``, O(N r))."""
    n = V.shape[0]
    z = np.empty(r)
    for a in range(r):
        z[a] = math.cos(1.7 * a + 0.3)
    u = np.zeros(n)
    for i in range(n):
        acc = 0.0
        for a in range(r):
            v = V[i, cols[a]]
            if not math.isfinite(v):
                return -2
            W[i, a] = v
            acc += v * z[a]
        u[i] = acc
    err = 0.0
    norm = 0.0
    for a in range(r):
        acc = 0.0
        for i in range(n):
            acc += W[i, a] * u[i]
        err += (acc - z[a]) ** 2
        norm += z[a] * z[a]
    if err > 1e-12 * norm:
        return -3
    return 0


@kernel()
def _projection_columns_range(V, cols, sizes, seeds, out, status, lo, hi):
    """Samples ``lo..hi-1``, sample ``s`` using the columns ``cols[s, :sizes[s]]`` of ``V``.

    ``status[s]`` is 0, -1 (proposal budget exhausted), -2 (non-finite
    column entry) or -3 (columns not orthonormal).
    """
    n = V.shape[0]
    state = np.empty(1, dtype=np.uint64)
    norms2 = np.empty(n)
    cdf = np.empty(n)
    for s in range(lo, hi):
        r = sizes[s]
        W = np.empty((n, r))
        status[s] = _gather_checked(V, cols[s], r, W)
        if status[s] != 0:
            continue
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
