"""Row-wise reductions on (B, n) arrays, compiled for the CPU."""

from __future__ import annotations

import numba
import numpy as np

from gpu.jit import kernel


@kernel(fastmath=True)
def _row_mean(a, b, p):
    """mean_j |a[j] - b[j]|**p of two 1-D arrays, in one pass."""
    n_cols = a.shape[0]
    acc = 0.0
    if p == 1.0:
        for j in range(n_cols):
            acc += abs(a[j] - b[j])
    elif p == 2.0:
        for j in range(n_cols):
            d = a[j] - b[j]
            acc += d * d
    else:
        for j in range(n_cols):
            acc += abs(a[j] - b[j]) ** p
    return acc / n_cols


@kernel(parallel=True, fastmath=True)
def _row_mean_abs_diff_pow(a, b, p):
    """out[i] = mean_j |a[i, j] - b[i, j]|**p, rows in parallel."""
    out = np.empty(a.shape[0], dtype=np.float64)
    for i in numba.prange(a.shape[0]):
        out[i] = _row_mean(a[i], b[i], p)
    return out


@kernel(fastmath=True)
def _row_mean_abs_diff_pow_serial(a, b, p):
    """:func:`_row_mean_abs_diff_pow` on the calling thread (for callers already in a pool)."""
    out = np.empty(a.shape[0], dtype=np.float64)
    for i in range(a.shape[0]):
        out[i] = _row_mean(a[i], b[i], p)
    return out
