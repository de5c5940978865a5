"""Row-wise reductions on (B, n) arrays, compiled for the CPU."""

from __future__ import annotations

import numba
import numpy as np

from gpu.cpu.jit import kernel


@kernel(parallel=True, fastmath=True)
def _row_mean_abs_diff_pow(a, b, p):
    """out[i] = mean_j |a[i, j] - b[i, j]|**p, one pass per row."""
    n_rows, n_cols = a.shape
    out = np.empty(n_rows, dtype=np.float64)
    for i in numba.prange(n_rows):
        acc = 0.0
        if p == 1.0:
            for j in range(n_cols):
                acc += abs(a[i, j] - b[i, j])
        elif p == 2.0:
            for j in range(n_cols):
                d = a[i, j] - b[i, j]
                acc += d * d
        else:
            for j in range(n_cols):
                acc += abs(a[i, j] - b[i, j]) ** p
        out[i] = acc / n_cols
    return out
