"""One-pass merge of sorted 1-D supports, numba.cuda twin of transport._kernels.merge."""

from __future__ import annotations

import numpy as np
from numba import cuda

from gpu.launch_cuda import THREADS_PER_BLOCK, like_input, to_device_array


@cuda.jit
def _merge_wpp_kernel(u, uw, v, vw, p, out):
    """One thread per row: W_p^p of two sorted weighted supports by a sequential merge.

    Weights of shape (B, 0) mean uniform. Cumulative weights are divided by their
    own sequential totals so both sides end exactly at 1.0.
    """
    b = cuda.grid(1)
    if b >= u.shape[0]:
        return
    n = u.shape[1]
    m = v.shape[1]
    uniform_u = uw.shape[1] == 0
    uniform_v = vw.shape[1] == 0
    tot_u = float(n)
    if not uniform_u:
        tot_u = 0.0
        for i in range(n):
            tot_u += uw[b, i]
    tot_v = float(m)
    if not uniform_v:
        tot_v = 0.0
        for j in range(m):
            tot_v += vw[b, j]
    i = 0
    j = 0
    cum_u = 1.0 if uniform_u else uw[b, 0]
    cum_v = 1.0 if uniform_v else vw[b, 0]
    t_prev = 0.0
    acc = 0.0
    while i < n and j < m:
        fu = cum_u / tot_u
        fv = cum_v / tot_v
        t = min(fu, fv)
        diff = abs(u[b, i] - v[b, j])
        if p == 1.0:
            cost = diff
        elif p == 2.0:
            cost = diff * diff
        else:
            cost = diff**p
        acc += (t - t_prev) * cost
        t_prev = t
        if fu <= t:
            i += 1
            if i < n:
                cum_u += 1.0 if uniform_u else uw[b, i]
        if fv <= t:
            j += 1
            if j < m:
                cum_v += 1.0 if uniform_v else vw[b, j]
    out[b] = acc


def merge_wpp(u, uw, v, vw, p):
    """Launch the merge on (B, n) / (B, m) sorted rows; returns (B,) float64 beside ``u``."""
    d_u, d_uw, d_v, d_vw = (to_device_array(x) for x in (u, uw, v, vw))
    rows = u.shape[0]
    d_out = cuda.device_array(rows, dtype=np.float64)
    if rows > 0:
        blocks = (rows + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        _merge_wpp_kernel[blocks, THREADS_PER_BLOCK](d_u, d_uw, d_v, d_vw, float(p), d_out)
    return like_input(d_out, u)
