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
def _cost_and_slope(x, cu, y, cv, theta, p, with_cost):
    """Right derivative of h at theta, and h(theta) itself when ``with_cost``, in one merge."""
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
        if with_cost:
            h += (t - t_prev) * _cost(val - y[j], p)
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
            slope += _cost(nxt - y[j], p) - _cost(val - y[j], p)
            val, end = nxt, nxt_end
        elif cv[j] <= t:
            j += 1
    return h, slope


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
def _slope(x, cu, y, cv, theta, p):
    return _cost_and_slope(x, cu, y, cv, theta, p, False)[1]


@kernel()
def _h(x, cu, y, cv, theta, p):
    return _cost_and_slope(x, cu, y, cv, theta, p, True)[0]


@kernel()
def _circle_wpp_search(x, cu, y, cv, p):
    """min over theta of h(theta), exactly: slope root-finding, then breakpoint bisection.

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
    s_lo = _slope(x, cu, y, cv, lo, p)
    while s_lo >= 0.0:
        lo -= 1.0
        s_lo = _slope(x, cu, y, cv, lo, p)
    s_hi = _slope(x, cu, y, cv, hi, p)
    while s_hi < 0.0:
        hi += 1.0
        s_hi = _slope(x, cu, y, cv, hi, p)
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
                best = _h(x, cu, y, cv, low, p)
                break
            mid = 0.5 * (low + high)
            if mid >= high:  # adjacent floats: the midpoint rounds up, so split at low
                mid = low
        s = _slope(x, cu, y, cv, mid, p)
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
    return min(best, _h(x, cu, y, cv, lo, p), _h(x, cu, y, cv, hi, p))


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
def _circle_row(x, xw, y, yw, p):
    """W_p^p on the circle of one row: level median at p = 1, breakpoint search otherwise."""
    cu = np.empty(x.shape[0], dtype=np.float64)
    cv = np.empty(y.shape[0], dtype=np.float64)
    _normalised_cumsum(xw, x.shape[0], cu)
    _normalised_cumsum(yw, y.shape[0], cv)
    if p == 1.0:
        return _circle_w1_median(x, cu, y, cv)
    return _circle_wpp_search(x, cu, y, cv, p)


@kernel(parallel=True)
def _circle_rows_parallel(x, xw, y, yw, p):
    out = np.empty(x.shape[0], dtype=np.float64)
    for b in numba.prange(x.shape[0]):
        out[b] = _circle_row(x[b], xw[b], y[b], yw[b], p)
    return out


@kernel()
def _circle_rows_serial(x, xw, y, yw, p):
    out = np.empty(x.shape[0], dtype=np.float64)
    for b in range(x.shape[0]):
        out[b] = _circle_row(x[b], xw[b], y[b], yw[b], p)
    return out


def _circle_wpp(x, xw, y, yw, p):
    """Batched W_p^p on the circle; rows of ``x``/``y`` sorted in [0, 1), weights in that order.

    Weights of shape (B, 0) mean uniform. A single row runs on the calling thread
    (a thread pool would only add its wake-up cost).
    """
    run = _circle_rows_parallel if x.shape[0] > 1 else _circle_rows_serial
    return run(x, xw, y, yw, p)
