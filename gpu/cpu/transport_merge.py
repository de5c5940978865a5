"""One-pass merge of sorted 1-D supports: batched W_p^p of weighted empirical measures (CPU)."""

from __future__ import annotations

import numba
import numpy as np

from gpu.cpu.jit import kernel


@kernel(fastmath=False)
def _merge_row(u, uw, v, vw, p):
    """W_p^p between two sorted weighted supports of one row.

    ``uw`` / ``vw`` of length 0 mean uniform weights. Cumulative weights are
    divided by their own sequential total, so both end exactly at 1.0 and the
    merge consumes the two supports together.
    """
    n = u.shape[0]
    m = v.shape[0]
    uniform_u = uw.shape[0] == 0
    uniform_v = vw.shape[0] == 0
    tot_u = float(n)
    if not uniform_u:
        tot_u = 0.0
        for i in range(n):
            tot_u += uw[i]
    tot_v = float(m)
    if not uniform_v:
        tot_v = 0.0
        for j in range(m):
            tot_v += vw[j]
    i = 0
    j = 0
    cum_u = 1.0 if uniform_u else uw[0]
    cum_v = 1.0 if uniform_v else vw[0]
    t_prev = 0.0
    acc = 0.0
    while i < n and j < m:
        fu = cum_u / tot_u
        fv = cum_v / tot_v
        t = fu if fu < fv else fv
        diff = abs(u[i] - v[j])
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
                cum_u += 1.0 if uniform_u else uw[i]
        if fv <= t:
            j += 1
            if j < m:
                cum_v += 1.0 if uniform_v else vw[j]
    return acc


@kernel(parallel=True)
def _merge_wpp(u, uw, v, vw, p):
    """out[b] = W_p^p(sum_i uw[b,i] delta_{u[b,i]}, sum_j vw[b,j] delta_{v[b,j]}), rows sorted.

    ``uw`` (resp. ``vw``) of shape (B, 0) means uniform weights on that side.
    """
    n_rows = u.shape[0]
    out = np.empty(n_rows, dtype=np.float64)
    for b in numba.prange(n_rows):
        out[b] = _merge_row(u[b], uw[b], v[b], vw[b], p)
    return out


@kernel(parallel=True)
def _merge_wpp_grad(u, uw, v, vw, p, gu, gv):
    """W_p^p per row, as in :func:`_merge_wpp`, and its gradient with respect to the atoms.

    On the merged piece of width w pairing u[i] with v[j] the cost is
    w |u[i] - v[j]|^p, so u[i] collects w p |d|^(p-1) sign(d) and v[j] its negative
    (d = u[i] - v[j]; the subgradient 0 is used at d = 0). Gradients are written into
    ``gu`` (B, n) and ``gv`` (B, m), which must be zero on entry.
    """
    n_rows = u.shape[0]
    n = u.shape[1]
    m = v.shape[1]
    out = np.empty(n_rows, dtype=np.float64)
    for b in numba.prange(n_rows):
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
            t = fu if fu < fv else fv
            width = t - t_prev
            diff = u[b, i] - v[b, j]
            mag = abs(diff)
            if p == 1.0:
                acc += width * mag
                slope = 1.0
            elif p == 2.0:
                acc += width * mag * mag
                slope = 2.0 * mag
            else:
                acc += width * mag**p
                slope = p * mag ** (p - 1.0)
            if diff < 0.0:
                slope = -slope
            elif diff == 0.0:
                slope = 0.0
            gu[b, i] += width * slope
            gv[b, j] -= width * slope
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
    return out
