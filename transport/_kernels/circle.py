r"""Exact optimal transport on the circle R/Z between sorted weighted supports (CPU kernels).

With :math:`Q_\mu, Q_\nu` the quantile functions lifted to the real line
(:math:`Q(t + 1) = Q(t) + 1`), the cost of the cyclically monotone plan with
quantile shift :math:`\theta` is

.. math:: h(\theta) = \int_0^1 |Q_\mu(t + \theta) - Q_\nu(t)|^p \, dt

and :math:`W_p^p = \min_\theta h(\theta)` (Delon, Salomon, Sobolevski 2010). For
discrete measures :math:`h` is convex and piecewise linear, with breakpoints
where a jump of :math:`Q_\mu(\cdot + \theta)` meets a jump of :math:`Q_\nu`, that
is :math:`\theta \in \{c^\mu_i - c^\nu_j + k\}` (cumulative weights, integer k).
The search bisects on the slope while counting the breakpoints left in the
bracket; when one breakpoint value is left it is the minimiser, so the result is
exact, not a tolerance-limited approximation.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.jit import kernel
from transport._kernels.merge import _normalised_cumsum

MAX_BISECTIONS = 200


@kernel()
def _cost(d, p):
    d = abs(d)
    if p == 1.0:
        return d
    if p == 2.0:
        return d * d
    return d**p


@kernel()
def _level_tolerance(n_weighted, m_weighted):
    """Width below which a piece of the plan, or an interval of rotations, is rounding.

    At a breakpoint rotation, levels of the plan that are equal in exact
    arithmetic differ by the roundings of the cumulative weights and of the
    rotation: a few units in the last place of 1 for uniform weights (each
    level one correctly rounded quotient), up to about n of them for n given
    weights (a running sum). A piece narrower than ``2**-53 * max(64,
    4 (n_weighted + m_weighted))`` (``n_weighted`` = 0 for uniform weights)
    holds no mass the inputs resolve; keeping it would add its gap**p, which
    dominates h for large p (a sliver of width 1e-16 and gap 0.4 outweighs the
    true minimum 0.27**300 at p = 300). Genuine pieces that narrow change
    W_p^p by less than their width times the largest gap to the power p.
    """
    return max(64.0, 4.0 * (n_weighted + m_weighted)) * 2.0**-53


@kernel()
def _cost_and_slope(x, cu, y, cv, theta, p, with_cost, scale_h, scale_s, tol):
    """Right derivative of h at theta, and h(theta) itself when ``with_cost``, in one merge.

    ``scale_h`` / ``scale_s`` None (the direct search; the branches are pruned at
    compile time) give h and its slope themselves; the positive scales of
    :func:`_max_gaps` give them with every gap divided by its scale, that is
    divided by ``scale**p``, in range for any p. Pieces no wider than ``tol``
    (:func:`_level_tolerance`) are left out of h.
    """
    n = x.shape[0]
    m = y.shape[0]
    k = math.floor(theta)
    r = theta - k
    i0 = np.searchsorted(cu, r, side="right")
    if i0 >= n:  # r can round up to cu[n-1] = 1.0
        i0 = n - 1
    idx = 0
    val = x[i0] + k
    end = min(cu[i0] - r, 1.0)
    j = 0
    t_prev = 0.0
    h = 0.0
    slope = 0.0
    while j < m:
        t = min(end, cv[j])
        if with_cost and t - t_prev > tol:  # slivers are rounding, not mass
            if scale_h is None:
                h += (t - t_prev) * _cost(val - y[j], p)
            else:
                h += (t - t_prev) * _cost((val - y[j]) / scale_h, p)
        t_prev = t
        if end <= t and idx < n:
            idx += 1
            i = i0 + idx
            if idx == n:
                nxt, nxt_end = x[i0] + k + 1.0, 1.0
            elif i < n:
                nxt, nxt_end = x[i] + k, min(cu[i] - r, 1.0)
            else:
                nxt, nxt_end = x[i - n] + k + 1.0, min(cu[i - n] + 1.0 - r, 1.0)
            if scale_s is None:
                slope += _cost(nxt - y[j], p) - _cost(val - y[j], p)
            else:
                slope += _cost((nxt - y[j]) / scale_s, p) - _cost((val - y[j]) / scale_s, p)
            val, end = nxt, nxt_end
        elif cv[j] <= t:
            j += 1
    return h, slope


@kernel()
def _max_gaps(x, cu, y, cv, theta, tol):
    """Scales of the scaled walk at theta (the walk of :func:`_cost_and_slope`).

    The largest gap on a piece of h's support (wider than ``tol``) and the
    largest gap entering the slope; 1.0 in place of 0 (identical measures).
    """
    n = x.shape[0]
    m = y.shape[0]
    k = math.floor(theta)
    r = theta - k
    i0 = np.searchsorted(cu, r, side="right")
    if i0 >= n:
        i0 = n - 1
    idx = 0
    val = x[i0] + k
    end = min(cu[i0] - r, 1.0)
    j = 0
    t_prev = 0.0
    g_h = 0.0
    g_s = 0.0
    while j < m:
        t = min(end, cv[j])
        if t - t_prev > tol:
            g_h = max(g_h, abs(val - y[j]))
        t_prev = t
        if end <= t and idx < n:
            idx += 1
            i = i0 + idx
            if idx == n:
                nxt, nxt_end = x[i0] + k + 1.0, 1.0
            elif i < n:
                nxt, nxt_end = x[i] + k, min(cu[i] - r, 1.0)
            else:
                nxt, nxt_end = x[i - n] + k + 1.0, min(cu[i - n] + 1.0 - r, 1.0)
            g_s = max(g_s, abs(nxt - y[j]), abs(val - y[j]))
            val, end = nxt, nxt_end
        elif cv[j] <= t:
            j += 1
    return (g_h if g_h > 0.0 else 1.0), (g_s if g_s > 0.0 else 1.0)


@kernel()
def _breakpoints_in(cu, cv, lo, hi):
    """Count of values (cu[i] - cv[j]) + k in (lo, hi], with their min and max."""
    n = cu.shape[0]
    m = cv.shape[0]
    count = 0
    low = np.inf
    high = -np.inf
    # (cu[i] - cv[j]) + k lies in (k - 1, k + 1), which meets (lo, hi] only for these k.
    for k in range(math.floor(lo), math.ceil(hi) + 1):
        ja = 0
        jb = 0
        for i in range(n):
            while ja < m and (cu[i] - cv[ja]) + k > hi:
                ja += 1
            if jb < ja:
                jb = ja
            while jb < m and (cu[i] - cv[jb]) + k > lo:
                jb += 1
            if jb > ja:
                count += jb - ja
                high = max(high, (cu[i] - cv[ja]) + k)
                low = min(low, (cu[i] - cv[jb - 1]) + k)
    return count, low, high


@kernel()
def _slope(x, cu, y, cv, theta, p, scaled):
    """Right derivative of h at theta; divided by a positive scale**p when ``scaled``."""
    if scaled:
        scale_s = _max_gaps(x, cu, y, cv, theta, 0.0)[1]
        return _cost_and_slope(x, cu, y, cv, theta, p, False, 1.0, scale_s, 0.0)[1]
    return _cost_and_slope(x, cu, y, cv, theta, p, False, None, None, 0.0)[1]


@kernel()
def _h(x, cu, y, cv, theta, p, scaled, tol):
    """h(theta) = W^p of the plan at theta (pieces narrower than ``tol`` left out); with
    ``scaled``, its p-th root W in scaled form."""
    if not scaled:
        return _cost_and_slope(x, cu, y, cv, theta, p, True, None, None, tol)[0]
    scale_h = _max_gaps(x, cu, y, cv, theta, tol)[0]
    h = _cost_and_slope(x, cu, y, cv, theta, p, True, scale_h, 1.0, tol)[0]
    return scale_h * h ** (1.0 / p) if h > 0.0 else 0.0


@kernel()
def _circle_wpp_search(x, cu, y, cv, p, scaled, tol):
    """min over theta of h(theta), exactly: slope root-finding, then breakpoint bisection.

    With ``scaled`` every slope and cost is evaluated in the scaled form of
    :func:`_max_gaps` (the slope's sign, all the search uses, is unchanged by the
    positive factor), and the minimum of W = h**(1/p) is returned instead of h.

    Invariant: slope(lo) < 0 <= slope(hi), so the minimiser lies in (lo, hi]. While
    the bracket is wide, the slope's zero is located by regula falsi with the
    Illinois modification (the slope is nearly continuous at that scale). Once the
    bracket holds only a few breakpoints (width ~ 8 / (n m)), or the slope repeats a
    value (a flat step, typical of uniform weights whose breakpoints lie on a grid),
    it is bisected on the breakpoint values left inside until one value remains: the minimiser. The
    result is the smallest of h there and at both bracket ends, which also covers
    a slope sign misread by rounding exactly at the minimiser.
    """
    n = x.shape[0]
    m = y.shape[0]
    narrow = 8.0 / (float(n) * float(m))
    lo, hi = -1.0, 1.0
    s_lo = _slope(x, cu, y, cv, lo, p, scaled)
    while s_lo >= 0.0:
        lo -= 1.0
        s_lo = _slope(x, cu, y, cv, lo, p, scaled)
    s_hi = _slope(x, cu, y, cv, hi, p, scaled)
    while s_hi < 0.0:
        hi += 1.0
        s_hi = _slope(x, cu, y, cv, hi, p, scaled)
    best = np.inf
    side = 0
    stepped = False
    true_lo, true_hi = s_lo, s_hi  # s_lo / s_hi get Illinois-halved; these stay exact
    for _ in range(MAX_BISECTIONS):
        width = hi - lo
        if width > narrow and not stepped:
            mid = lo + width * (-s_lo / (s_hi - s_lo))
            mid = min(max(mid, lo + width / 64.0), hi - width / 64.0)
        else:
            count, low, high = _breakpoints_in(cu, cv, lo, hi)
            if count == 0:
                break
            if low == high:
                best = _h(x, cu, y, cv, low, p, scaled, tol)
                break
            mid = 0.5 * (low + high)
            if mid >= high:  # adjacent floats: the midpoint rounds up, so split at low
                mid = low
        s = _slope(x, cu, y, cv, mid, p, scaled)
        # A slope equal to one already seen means the bracket end sits on a flat step of
        # the slope: interpolation has stopped paying off, count breakpoints from now on.
        stepped = stepped or s == true_lo or s == true_hi
        if s >= 0.0:
            hi, s_hi, true_hi = mid, s, s
            if side == 1:
                s_lo *= 0.5
            side = 1
        else:
            lo, s_lo, true_lo = mid, s, s
            if side == -1:
                s_hi *= 0.5
            side = -1
    return min(best, _h(x, cu, y, cv, lo, p, scaled, tol), _h(x, cu, y, cv, hi, p, scaled, tol))


@kernel()
def _weighted_median(vals, lens):
    """Smallest v with sum(lens[vals <= v]) >= sum(lens) / 2, by three-way quickselect.

    Expected O(N) whatever the order of ``vals``: pivots are drawn at positions given
    by a fixed xorshift sequence (deterministic, and immune to the unimodal sequences
    that defeat first/middle/last pivots). The arrays are permuted in place.
    """
    total = 0.0
    for q in range(vals.shape[0]):
        total += lens[q]
    target = 0.5 * total
    lo = 0
    hi = vals.shape[0]
    state = np.uint64(0x9E3779B97F4A7C15)
    while hi - lo > 1:
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        pivot = vals[lo + int(state % np.uint64(hi - lo))]
        # Dutch-flag partition of [lo, hi) into < pivot, == pivot, > pivot.
        lt, q, gt = lo, lo, hi
        less = 0.0
        equal = 0.0
        while q < gt:
            v = vals[q]
            if v < pivot:
                less += lens[q]
                vals[lt], vals[q] = vals[q], vals[lt]
                lens[lt], lens[q] = lens[q], lens[lt]
                lt += 1
                q += 1
            elif v > pivot:
                gt -= 1
                vals[gt], vals[q] = vals[q], vals[gt]
                lens[gt], lens[q] = lens[q], lens[gt]
            else:
                equal += lens[q]
                q += 1
        if less >= target and lt > lo:
            hi = lt
        elif less + equal >= target:
            return pivot
        else:
            target -= less + equal
            lo = gt
    return vals[lo]


@kernel()
def _circle_w1_median(x, cu, y, cv):
    r"""W_1 = min_alpha int_0^1 |F_mu - F_nu - alpha|, alpha the length-weighted median."""
    n = x.shape[0]
    m = y.shape[0]
    size = n + m + 1
    vals = np.empty(size, dtype=np.float64)
    lens = np.empty(size, dtype=np.float64)
    i = 0
    j = 0
    start = 0.0
    fu = 0.0
    fv = 0.0
    for q in range(size):
        if i < n and (j >= m or x[i] <= y[j]):
            nxt = x[i]
        elif j < m:
            nxt = y[j]
        else:
            nxt = 1.0
        vals[q] = fu - fv
        lens[q] = nxt - start
        start = nxt
        if i < n and (j >= m or x[i] <= y[j]):
            fu = cu[i]
            i += 1
        elif j < m:
            fv = cv[j]
            j += 1
    alpha = _weighted_median(vals.copy(), lens.copy())
    total = 0.0
    for q in range(size):
        total += lens[q] * abs(vals[q] - alpha)
    return total


@kernel()
def _circle_row(x, xw, y, yw, p, scaled):
    """W_p^p on the circle of one row (W_p when ``scaled``): level median at p = 1, breakpoint
    search otherwise."""
    cu = np.empty(x.shape[0], dtype=np.float64)
    cv = np.empty(y.shape[0], dtype=np.float64)
    _normalised_cumsum(xw, x.shape[0], cu)
    _normalised_cumsum(yw, y.shape[0], cv)
    if p == 1.0:
        return _circle_w1_median(x, cu, y, cv)
    return _circle_wpp_search(x, cu, y, cv, p, scaled, _level_tolerance(xw.shape[0], yw.shape[0]))


@kernel(parallel=True)
def _circle_rows_parallel(x, xw, y, yw, p, scaled):
    out = np.empty(x.shape[0], dtype=np.float64)
    for b in numba.prange(x.shape[0]):
        out[b] = _circle_row(x[b], xw[b], y[b], yw[b], p, scaled)
    return out


@kernel()
def _circle_rows_serial(x, xw, y, yw, p, scaled):
    out = np.empty(x.shape[0], dtype=np.float64)
    for b in range(x.shape[0]):
        out[b] = _circle_row(x[b], xw[b], y[b], yw[b], p, scaled)
    return out


def _circle_wpp(x, xw, y, yw, p, scaled=False):
    """Batched W_p^p on the circle; rows of ``x``/``y`` sorted in [0, 1), weights in that order.

    Weights of shape (B, 0) mean uniform. ``scaled`` returns W_p itself from the
    scaled search (every representable value, any finite p >= 1). A single row
    runs on the calling thread (a thread pool would only add its wake-up cost).
    """
    run = _circle_rows_parallel if x.shape[0] > 1 else _circle_rows_serial
    return run(x, xw, y, yw, float(p), bool(scaled))


@kernel()
def _lifted_gap(x, y, a, j):
    """Signed gap x_a - y_j of the lifted atom a = k n + i (position x[i] + k) to y[j]."""
    n = x.shape[0]
    k = a // n
    return (x[a - k * n] - y[j]) + k


@kernel()
def _bottleneck_feasible(x, cu, y, cv, delta, tol):
    r"""Whether some rotation theta couples the measures with every gap at most ``delta``.

    With :math:`F_\mu` the lifted distribution function (:math:`F(z + 1) = F(z) + 1`)
    and :math:`c_j` the cumulative weights of :math:`\nu`, the plan
    :math:`t \mapsto (Q_\mu(t + \theta), Q_\nu(t))` keeps every gap within
    ``delta`` on a set of full measure if and only if, over the atoms
    :math:`y_j` of positive weight,
    :math:`\max_j F_\mu((y_j - \delta)^-) - c_{j-1} \le \theta \le
    \min_j F_\mu(y_j + \delta) - c_j`. Both bounds are read off two pointers
    over the lifted atoms (gaps are monotone in both indices). Bounds within
    ``tol`` (the rounding of the cumulative weights, :func:`_level_tolerance`)
    count as equal: mathematically equal sums of weights, rounded in different
    orders, must not make a single feasible rotation look infeasible.
    """
    n = x.shape[0]
    m = y.shape[0]
    up = -3 * n - 1  # last lifted atom with gap <= delta (positions start below -2)
    low = -3 * n - 1  # last lifted atom with gap < -delta
    lower = -np.inf
    upper = np.inf
    prev = 0.0
    for j in range(m):
        c = cv[j]
        if c > prev:
            while _lifted_gap(x, y, up + 1, j) <= delta:
                up += 1
            while -_lifted_gap(x, y, low + 1, j) > delta:
                low += 1
            k = up // n
            upper = min(upper, (k + cu[up - k * n]) - c)
            k = low // n
            lower = max(lower, (k + cu[low - k * n]) - prev)
        prev = c
    return lower <= upper + tol


@kernel()
def _circle_bottleneck_row(x, xw, y, yw):
    r"""W_inf on the circle of one row: the smallest feasible ``delta``, by bisection on bits.

    :math:`W_\infty = \min_\theta` (largest gap on the support of the plan at
    :math:`\theta`), the limit of :math:`W_p` as :math:`p \to \infty`. Feasibility
    (:func:`_bottleneck_feasible`) is monotone in ``delta`` and changes only at
    computed gaps, so bisecting the bit patterns of the non-negative floats in
    (0, 1] (at most 64 steps) ends on that gap exactly.
    """
    cu = np.empty(x.shape[0], dtype=np.float64)
    cv = np.empty(y.shape[0], dtype=np.float64)
    _normalised_cumsum(xw, x.shape[0], cu)
    _normalised_cumsum(yw, y.shape[0], cv)
    tol = _level_tolerance(xw.shape[0], yw.shape[0])
    if _bottleneck_feasible(x, cu, y, cv, 0.0, tol):
        return 0.0
    bits = np.empty(1, dtype=np.float64)
    as_int = bits.view(np.int64)
    bits[0] = 1.0
    hi = as_int[0]
    lo = np.int64(0)
    while hi - lo > 1:
        mid = lo + (hi - lo) // 2
        as_int[0] = mid
        if _bottleneck_feasible(x, cu, y, cv, bits[0], tol):
            hi = mid
        else:
            lo = mid
    as_int[0] = hi
    return bits[0]


@kernel(parallel=True)
def _circle_bottleneck_rows(x, xw, y, yw):
    out = np.empty(x.shape[0], dtype=np.float64)
    for b in numba.prange(x.shape[0]):
        out[b] = _circle_bottleneck_row(x[b], xw[b], y[b], yw[b])
    return out


def _circle_bottleneck(x, xw, y, yw):
    """Batched W_inf on the circle of sorted rows (weights (B, 0): uniform)."""
    return _circle_bottleneck_rows(x, xw, y, yw)
