r"""Exact optimal transport between weighted empirical measures on the real line.

On the line the optimal plan is the monotone rearrangement, so

.. math:: W_p^p(\mu, \nu) = \int_0^1 |F_\mu^{-1}(t) - F_\nu^{-1}(t)|^p \, dt,

a sum over the pieces of the merged cumulative weights of the two sorted
supports. Equal-size uniform measures need only the two sorts (the quantile
functions jump at the same levels); everything else goes through a one-pass
merge, batched over rows: a Numba kernel for NumPy, its numba.cuda twin for
CuPy, and plain array-API code for any other array library.
"""

from __future__ import annotations

import math

import numpy as np

from gpu.backend import is_cupy, namespace, result_float_dtype
from gpu.reductions import row_mean_abs_diff_pow
from gpu.threads import n_cores, thread_pool
from transport._scaling import (
    check_representable,
    direct_in_range,
    gap_safe_scale,
    scaled_root,
)
from transport._validation import check_measure_pair, check_p, named_arrays

__all__ = ["wasserstein_1d"]


# NumPy releases the GIL while sorting, so large row-wise sorts are split into
# row blocks sorted on the shared thread pool (gpu.threads, one thread per core).
THREADED_SORT_MIN_SIZE = 1 << 20


def _row_blocks(a):
    workers = n_cores()
    rows = a.shape[0] if a.ndim > 1 else 1
    if a.size < THREADED_SORT_MIN_SIZE or workers == 1 or rows < 2:
        return None
    bounds = np.linspace(0, rows, min(workers, rows) + 1).astype(int)
    return [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def sort_rows_inplace(a):
    """Sort a NumPy array in place along its last axis, by row blocks in threads when large."""
    blocks = _row_blocks(a)
    if blocks is None:
        a.sort(axis=-1)
    else:
        list(thread_pool().map(lambda s: a[s].sort(axis=-1), blocks))
    return a


def sort_rows_with_weights(values, weights, threaded=True):
    """Sorted rows of a NumPy (B, n) array and their weights ((B, n) or shared (1, n)).

    Instead of ``argsort`` plus two gathers, the row index is packed into the
    low mantissa bits of a float64 copy of the values
    (:func:`transport._kernels.gather.packed_sort_keys`); the keys are sorted
    with NumPy's vectorised float sort, by row blocks in threads, and one Numba
    pass reads the permutation back, gathers values and weights, and restores
    the exact order where truncated values tie. ``threaded=False`` keeps all of
    it on the calling thread (for callers that already run in a thread pool).
    """
    from transport._kernels.gather import gather_packed, packed_sort_keys

    keys, n_bits = packed_sort_keys(values)
    if threaded:
        sort_rows_inplace(keys)
    else:
        keys.sort(axis=-1)
    return gather_packed(keys, values, weights, n_bits, allow_parallel=threaded)


def sort_with_weights(xp, values, weights):
    """Sort ``values`` along the last axis, carrying ``weights`` (None stays None)."""
    if isinstance(values, np.ndarray):
        if weights is None:
            return sort_rows_inplace(np.array(values, copy=True)), None
        return sort_rows_with_weights(values, weights)
    if weights is None:
        return xp.sort(values, axis=-1), None
    order = xp.argsort(values, axis=-1, stable=False)
    return (
        xp.take_along_axis(values, order, axis=-1),
        xp.take_along_axis(weights, order, axis=-1),
    )


def _merge_pieces_array_api(xp, u, uw, v, vw):
    """Batched merge in array-API operations (any library), rows of (B, n) and (B, m).

    Returns the widths and gaps of the merged pieces, both (B, n + m). The
    cumulative weights of both sides are sorted together (stable, u first on
    ties); the atom index of each side on a merged piece is the number of that
    side's breakpoints strictly before the piece's right end.
    """
    n, m = u.shape[-1], v.shape[-1]
    cu = xp.cumulative_sum(uw, axis=-1)
    cv = xp.cumulative_sum(vw, axis=-1)
    cu = cu / cu[..., -1:]
    cv = cv / cv[..., -1:]
    levels = xp.concat([cu, cv], axis=-1)
    order = xp.argsort(levels, axis=-1, stable=True)
    t = xp.take_along_axis(levels, order, axis=-1)
    from_u = xp.astype(order < n, xp.int64)
    iu = xp.clip(xp.cumulative_sum(from_u, axis=-1) - from_u, max=n - 1)
    from_v = 1 - from_u
    iv = xp.clip(xp.cumulative_sum(from_v, axis=-1) - from_v, max=m - 1)
    widths = t - xp.concat([xp.zeros_like(t[..., :1]), t[..., :-1]], axis=-1)
    gap = xp.abs(xp.take_along_axis(u, iu, axis=-1) - xp.take_along_axis(v, iv, axis=-1))
    return widths, gap


def _merge_wpp_array_api(xp, u, uw, v, vw, p):
    """Batched :math:`W_p^p` from the pieces of :func:`_merge_pieces_array_api`."""
    widths, gap = _merge_pieces_array_api(xp, u, uw, v, vw)
    return xp.sum(widths * gap**p, axis=-1)


def _scaled_terms(xp, gap, widths, p):
    """``(g, S)`` per row from gaps and piece widths (None: uniform), see :mod:`._scaling`."""
    zero = xp.zeros_like(gap)
    support = gap if widths is None else xp.where(widths > 0.0, gap, zero)
    g = xp.max(support, axis=-1)
    safe = xp.where(g > 0.0, g, xp.ones_like(g))
    terms = (support / safe[..., None]) ** p
    if widths is None:
        s = xp.mean(terms, axis=-1)
    else:
        s = xp.sum(xp.where(widths > 0.0, widths * terms, zero), axis=-1)
    return g, xp.where(g > 0.0, s, xp.zeros_like(s))


# Below this many entries the equal-size reduction is plain NumPy: the parallel
# Numba reduction's thread wake-up costs more than the work.
SMALL_REDUCTION_SIZE = 1 << 18

# The numba.cuda merge runs one thread per row; with fewer rows than this (long
# rows in small chunks) the fully parallel sort-based formulation is faster on a GPU
# (measured on an H200: 16 rows of 2e6 steps per chunk took 63 s for L = 1000).
CUDA_MERGE_MIN_ROWS = 256


def _uniform_weights(xp, like):
    return xp.ones_like(like) / like.shape[-1]


def sorted_wpp(u, uw, v, vw, p, threaded=True):
    r"""Batched :math:`W_p^p` between sorted weighted supports, rows of (B, n) and (B, m).

    ``uw`` / ``vw`` are the weights in sorted order with the shape of their values,
    or None for uniform weights; they need not be normalised. Dispatch: equal-size
    uniform rows reduce with :func:`gpu.row_mean_abs_diff_pow`; NumPy uses the
    Numba merge kernel, CuPy its numba.cuda twin when there are at least
    :data:`CUDA_MERGE_MIN_ROWS` rows (one thread each), other cases array-API code.
    ``threaded=False`` keeps NumPy work on the calling thread (for callers that
    already run in a thread pool). Returns float64 of shape (B,).
    """
    xp = namespace(u, v, uw, vw)
    if uw is None and vw is None and u.shape[-1] == v.shape[-1]:
        if isinstance(u, np.ndarray) and not threaded:
            from gpu._kernels.reductions import _row_mean_abs_diff_pow_serial

            return _row_mean_abs_diff_pow_serial(u, v, p)
        if isinstance(u, np.ndarray) and u.size < SMALL_REDUCTION_SIZE:
            gap = np.abs(u - v)
            return np.mean(gap * gap if p == 2.0 else gap**p, axis=1)
        return row_mean_abs_diff_pow(u, v, p)
    if isinstance(u, np.ndarray) or (is_cupy(u) and u.shape[0] >= CUDA_MERGE_MIN_ROWS):
        if isinstance(u, np.ndarray):
            from transport._kernels.merge import _merge_wpp as merge
        else:
            from transport._kernels.merge_cuda import merge_wpp as merge
        empty = xp.empty((u.shape[0], 0), dtype=u.dtype)
        uw = empty if uw is None else xp.astype(uw, u.dtype)
        vw = empty if vw is None else xp.astype(vw, v.dtype)
        if isinstance(u, np.ndarray):
            return merge(u, uw, xp.astype(v, u.dtype), vw, float(p), allow_parallel=threaded)
        return merge(u, uw, xp.astype(v, u.dtype), vw, float(p))
    uw = _uniform_weights(xp, u) if uw is None else uw
    vw = _uniform_weights(xp, v) if vw is None else vw
    return _merge_wpp_array_api(xp, u, uw, v, vw, float(p))


def sorted_scaled_wpp(u, uw, v, vw, p):
    r"""Batched scaled :math:`W_p^p` between sorted weighted supports: arrays ``(g, S)``.

    :math:`W_p^p = g^p S` row by row, with ``g`` the largest gap over the
    support of the monotone plan (pieces of positive width) and
    :math:`S \in (0, 1]` (both 0 for identical measures), so every term stays in
    range for any ``p``, ``inf`` included (see :mod:`transport._scaling`).
    Arguments as in :func:`sorted_wpp`; the gaps must be finite (see
    :func:`transport._scaling.gap_safe_scale`). NumPy weighted rows use a Numba
    kernel, everything else array-API code. Returns float64 arrays of shape (B,).
    """
    xp = namespace(u, v, uw, vw)
    if uw is None and vw is None and u.shape[-1] == v.shape[-1]:
        return _scaled_terms(xp, xp.abs(u - xp.astype(v, u.dtype)), None, p)
    if isinstance(u, np.ndarray):
        from transport._kernels.merge import _merge_scaled

        empty = np.empty((u.shape[0], 0), dtype=u.dtype)
        uw = empty if uw is None else np.asarray(uw, dtype=u.dtype)
        vw = empty if vw is None else np.asarray(vw, dtype=u.dtype)
        return _merge_scaled(u, uw, np.asarray(v, dtype=u.dtype), vw, p)
    uw = _uniform_weights(xp, u) if uw is None else uw
    vw = _uniform_weights(xp, v) if vw is None else vw
    widths, gap = _merge_pieces_array_api(xp, u, uw, v, vw)
    return _scaled_terms(xp, gap, widths, p)


def rows_distance(xp, u, uw, v, vw, p, name="W_p"):
    r"""Batched :math:`W_p` between sorted weighted supports, for every representable value.

    The direct :math:`W_p^p` (:func:`sorted_wpp`) where it is in range, its
    scaled form (:func:`sorted_scaled_wpp`) elsewhere and for ``p = inf``;
    rows whose direct value is in range keep every bit. Raises a ValueError
    naming ``name`` when a distance exceeds the float64 range.
    """
    direct = ok = None
    if not math.isinf(p):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            wpp = sorted_wpp(u, uw, v, vw, p)
        ok = direct_in_range(xp, wpp, p)
        if bool(xp.all(ok)):
            return wpp ** (1.0 / p)
        direct = xp.where(ok, wpp, xp.ones_like(wpp)) ** (1.0 / p)
    halve = gap_safe_scale(xp, u, v)
    if halve != 1.0:
        u, v = u / halve, v / halve
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        g, s = sorted_scaled_wpp(u, uw, v, vw, p)
        out = scaled_root(xp, g, s, p) * halve
    check_representable(xp, out, name)
    return out if direct is None else xp.where(ok, direct, out)


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None, p=1):
    r"""Exact :math:`W_p` between weighted empirical measures on the real line, batched.

    .. math::

        W_p(\mu, \nu) = \Big(\int_0^1 |F_\mu^{-1}(t) - F_\nu^{-1}(t)|^p\, dt\Big)^{1/p},
        \qquad \mu = \sum_i a_i \delta_{u_i},\ \nu = \sum_j b_j \delta_{v_j}.

    Unlike POT's ``ot.wasserstein_1d``, which returns the p-th power
    :math:`W_p^p`, this returns the distance :math:`W_p` itself; compare
    ``wasserstein_1d(...) ** p`` with POT's value.

    Parameters
    ----------
    u_values : array_like, shape (..., n)
        Support of the first measure(s); the last axis holds the atoms, leading
        axes are batch axes (broadcast against those of ``v_values``). Ties are
        allowed. Lists and tuples are converted to the namespace of the array
        arguments (NumPy when there are none).
    v_values : array_like, shape (..., m)
        Support of the second measure(s); ``m`` may differ from ``n``.
    u_weights, v_weights : array_like, shape (..., n) / (..., m), optional
        Non-negative weights, broadcast against their values; default uniform.
        The two total masses must agree (a missing vector counts as mass 1);
        weights are normalised to mass 1.
    p : float
        Exponent of the ground cost :math:`|x - y|^p`, ``p >= 1``, or
        ``numpy.inf``: :math:`W_\infty`, the largest gap on the support of the
        monotone plan (pieces of positive mass), the limit of :math:`W_p`.

    Returns
    -------
    array or NumPy scalar
        :math:`W_p` with the broadcast batch shape (a NumPy scalar when there
        are no batch axes), on the device of the inputs, in the floating dtype
        of the inputs (see README, Conventions). Every representable
        :math:`W_p` is returned, for any p: rows whose :math:`W_p^p` leaves the
        float64 range are computed as :math:`g (\sum_k w_k (g_k / g)^p)^{1/p}`
        with g the largest gap (:mod:`transport._scaling`); the other rows keep
        every bit of the direct sum.

    Raises
    ------
    ValueError
        NaN or infinite values or weights, negative weights, total masses that
        differ, empty supports, weights whose length differs from their values,
        batch shapes that do not broadcast, ``p < 1`` or NaN, or a distance
        beyond the float64 range (gaps near 1e308).
    TypeError
        Non-real (e.g. complex) values or weights, or arrays from different
        libraries.

    References
    ----------
    .. [1] Santambrogio, "Optimal Transport for Applied Mathematicians",
       Birkhauser 2015, Proposition 2.17 (monotone rearrangement on the line).
    .. [2] Peyre, Cuturi, "Computational Optimal Transport", Foundations and
       Trends in ML 11 (2019), Remark 2.30.

    Examples
    --------
    >>> import numpy as np
    >>> float(wasserstein_1d(np.array([0.0, 1.0]), np.array([0.5]), p=2) ** 2)
    0.25
    >>> wasserstein_1d(np.zeros((3, 4)), np.ones((3, 2))).shape
    (3,)
    >>> float(wasserstein_1d([0.0, 1.0, 2.0], [0.5, 1.5], p=1e4))  # 0.5**1e4 underflows
    0.5
    """
    xp, (u_values, v_values, u_weights, v_weights) = named_arrays(
        u_values=u_values, v_values=v_values, u_weights=u_weights, v_weights=v_weights
    )
    p = check_p(p, allow_inf=True)
    u_values, v_values, u_weights, v_weights, batch = check_measure_pair(
        xp, u_values, v_values, u_weights, v_weights
    )
    result_dtype = result_float_dtype(xp, u_values, v_values, u_weights, v_weights)
    n, m = u_values.shape[-1], v_values.shape[-1]
    dtype = xp.result_type(u_values.dtype, v_values.dtype)
    size = int(np.prod(batch))

    def rows(x, k):
        if x is None:
            return None
        return xp.reshape(xp.broadcast_to(xp.astype(x, dtype), (*batch, k)), (size, k))

    u, uw = sort_with_weights(xp, rows(u_values, n), rows(u_weights, n))
    v, vw = sort_with_weights(xp, rows(v_values, m), rows(v_weights, m))
    out = rows_distance(xp, u, uw, v, vw, p)
    out = xp.astype(xp.reshape(out, batch), result_dtype)
    if isinstance(out, np.ndarray) and out.ndim == 0:
        return out[()]
    return out
