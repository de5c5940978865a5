"""One-pass merge of sorted 1-D supports: batched W_p^p of weighted empirical measures (CPU)."""

from __future__ import annotations

import numba
import numpy as np

from gpu.jit import kernel

# Below this many merge steps (rows x (n + m)), or with one row, a batch runs on one
# thread: waking a thread pool costs more than the work, and far more on a loaded
# machine.
PARALLEL_MIN_STEPS = 1 << 18


@kernel()
def _normalised_cumsum(w, n, out):
    """out[:n] = cumulative sums of ``w`` divided by their total (uniform when ``w`` is empty).

    The total is the same sequential sum as the last cumulative sum, so the
    last entry is exactly 1.0 and the merge consumes both supports together.
    """
    if w.shape[0] == 0:
        for i in range(n):
            out[i] = (i + 1.0) / n
        return
    acc = 0.0
    for i in range(n):
        acc += w[i]
        out[i] = acc
    for i in range(n):
        out[i] = out[i] / acc


@kernel()
def _merge_row(u, uw, v, vw, p, gu, gv):
    """W_p^p between two sorted weighted supports of one row, and optionally its gradient.

    ``uw`` / ``vw`` of length 0 mean uniform weights. The normalised cumulative
    weights of both sides are computed first; the merge then walks the two
    level sequences without divisions, advancing each side whose level is
    reached (branch-free index updates, so the unpredictable choice of side
    costs no mispredictions). When ``gu`` has length n, the gradient with
    respect to the atoms is added into ``gu`` and ``gv``: on the merged piece of
    width w pairing u[i] with v[j] the cost is w |u[i] - v[j]|^p, so u[i]
    collects w p |d|^(p-1) sign(d) and v[j] its negative (d = u[i] - v[j]; the
    subgradient 0 at d = 0).
    """
    with_grad = gu.shape[0] > 0
    n = u.shape[0]
    m = v.shape[0]
    cu = np.empty(n, dtype=np.float64)
    cv = np.empty(m, dtype=np.float64)
    _normalised_cumsum(uw, n, cu)
    _normalised_cumsum(vw, m, cv)
    i = 0
    j = 0
    t_prev = 0.0
    acc = 0.0
    while i < n and j < m:
        fu = cu[i]
        fv = cv[j]
        t = min(fu, fv)
        width = t - t_prev
        diff = u[i] - v[j]
        mag = abs(diff)
        if p == 1.0:
            acc += width * mag
        elif p == 2.0:
            acc += width * mag * mag
        else:
            acc += width * mag**p
        if with_grad and diff != 0.0:
            slope = 1.0 if p == 1.0 else (2.0 * mag if p == 2.0 else p * mag ** (p - 1.0))
            if diff < 0.0:
                slope = -slope
            gu[i] += width * slope
            gv[j] -= width * slope
        t_prev = t
        i += fu <= t
        j += fv <= t
    return acc


@kernel()
def _merge_scaled_row(u, uw, v, vw, p):
    """Scaled W_p^p of one row: ``(g, S)`` with W_p^p = g**p * S, every term in range.

    ``g`` is the largest gap |u[i] - v[j]| over the merged pieces of positive
    width (the support of the monotone plan) and ``S = sum_k w_k (g_k / g)**p``
    lies in (0, 1] (both are 0 for identical measures). A first pass finds
    ``g``, a second sums the scaled terms; ``p = inf`` gives the total width of
    the pieces at the largest gap (``x**inf`` is 0 for x < 1 and 1 at x = 1).
    """
    n = u.shape[0]
    m = v.shape[0]
    cu = np.empty(n, dtype=np.float64)
    cv = np.empty(m, dtype=np.float64)
    _normalised_cumsum(uw, n, cu)
    _normalised_cumsum(vw, m, cv)
    g = 0.0
    i = 0
    j = 0
    t_prev = 0.0
    while i < n and j < m:
        t = min(cu[i], cv[j])
        if t > t_prev:
            g = max(g, abs(u[i] - v[j]))
        t_prev = t
        i += cu[i] <= t
        j += cv[j] <= t
    if g == 0.0:
        return 0.0, 0.0
    acc = 0.0
    i = 0
    j = 0
    t_prev = 0.0
    while i < n and j < m:
        t = min(cu[i], cv[j])
        if t > t_prev:
            acc += (t - t_prev) * (abs(u[i] - v[j]) / g) ** p
        t_prev = t
        i += cu[i] <= t
        j += cv[j] <= t
    return g, acc


@kernel()
def _merge_scaled_rows(u, uw, v, vw, p):
    g = np.empty(u.shape[0], dtype=np.float64)
    s = np.empty(u.shape[0], dtype=np.float64)
    for b in range(u.shape[0]):
        g[b], s[b] = _merge_scaled_row(u[b], uw[b], v[b], vw[b], p)
    return g, s


def _merge_scaled(u, uw, v, vw, p):
    """Rows of :func:`_merge_scaled_row`: arrays ``(g, S)`` of shape (B,), rows sorted.

    ``uw`` (resp. ``vw``) of shape (B, 0) means uniform weights on that side. Runs
    on the calling thread: it serves the rare rows whose direct W_p^p leaves the
    float64 range.
    """
    return _merge_scaled_rows(u, uw, v, vw, float(p))


@kernel(parallel=True)
def _merge_rows_parallel(u, uw, v, vw, p, gu, gv):
    out = np.empty(u.shape[0], dtype=np.float64)
    for b in numba.prange(u.shape[0]):
        out[b] = _merge_row(u[b], uw[b], v[b], vw[b], p, gu[b], gv[b])
    return out


@kernel()
def _merge_rows_serial(u, uw, v, vw, p, gu, gv):
    out = np.empty(u.shape[0], dtype=np.float64)
    for b in range(u.shape[0]):
        out[b] = _merge_row(u[b], uw[b], v[b], vw[b], p, gu[b], gv[b])
    return out


def _merge_rows(u, uw, v, vw, p, gu, gv, allow_parallel=True):
    steps = u.shape[0] * (u.shape[1] + v.shape[1])
    parallel = allow_parallel and u.shape[0] > 1 and steps >= PARALLEL_MIN_STEPS
    run = _merge_rows_parallel if parallel else _merge_rows_serial
    return run(u, uw, v, vw, p, gu, gv)


def _merge_wpp(u, uw, v, vw, p, allow_parallel=True):
    """out[b] = W_p^p(sum_i uw[b,i] delta_{u[b,i]}, sum_j vw[b,j] delta_{v[b,j]}), rows sorted.

    ``uw`` (resp. ``vw``) of shape (B, 0) means uniform weights on that side.
    ``allow_parallel=False`` keeps the merge on the calling thread.
    """
    none = np.empty((u.shape[0], 0))
    return _merge_rows(u, uw, v, vw, p, none, none, allow_parallel)


def _merge_wpp_grad(u, uw, v, vw, p, gu, gv):
    """:func:`_merge_wpp` plus its gradient, added into zeroed ``gu`` (B, n) and ``gv`` (B, m)."""
    return _merge_rows(u, uw, v, vw, p, gu, gv)
