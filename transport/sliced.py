r"""The sliced Wasserstein distance and its pairwise matrix.

.. math::

    SW_p(\mu, \nu) = \Big(\frac1L \sum_{l=1}^L W_p^p(\theta_l \# \mu, \theta_l \# \nu)\Big)^{1/p}

Point clouds are projected on a chunk of directions at a time, as (L_chunk, n)
row-contiguous arrays, sorted along rows and reduced: equal-size uniform clouds
by a plain row reduction of the two sorted arrays, anything else by the batched
one-pass merge of :mod:`transport.one_d`. Memory is bounded by the chunk, not by
L.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from gpu.backend import power_of_two_scale, result_float_dtype
from gpu.threads import n_cores, thread_pool
from gpu.validate import check_int
from transport._scaling import (
    check_representable,
    combine_scaled,
    direct_in_range,
    scaled_root,
)
from transport._validation import (
    as_real_floating,
    check_p,
    named_arrays,
    normalised_weight_pair,
    normalised_weights,
)
from transport.directions import random_directions
from transport.one_d import (
    THREADED_SORT_MIN_SIZE,
    sort_rows_inplace,
    sort_rows_with_weights,
    sort_with_weights,
    sorted_scaled_wpp,
    sorted_wpp,
)

__all__ = ["sliced_wasserstein", "sliced_wasserstein_matrix"]

# Bytes of projected data held at once per chunk of directions (values, sort
# indices and permuted weights of both clouds stay within a few times this).
CHUNK_BYTES = 1 << 28


def check_point_cloud(xp, X, name, d=None):
    """A finite (n, d) real array with n >= 1; returns it as a floating array."""
    X = as_real_floating(xp, X, name)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a 2-D (n, d) array with n >= 1, got shape {X.shape}")
    if d is not None and X.shape[1] != d:
        raise ValueError(f"{name} must have d = {d} columns like the first cloud, got {X.shape}")
    return X


def check_projections(xp, projections, d):
    """A finite (d, L) array of directions with L >= 1."""
    projections = as_real_floating(xp, projections, "projections")  # also checks finiteness
    if projections.ndim != 2 or projections.shape[0] != d or projections.shape[1] == 0:
        raise ValueError(
            f"projections must have shape (d, L) = ({d}, L) with L >= 1, got {projections.shape}"
        )
    return projections


def resolve_directions(xp, like, d, projections, n_projections, directions, rng):
    """The (d, L) directions: ``projections`` when given, else fresh draws of ``directions``."""
    if projections is not None:
        return check_projections(xp, projections, d)
    n_projections = check_int(n_projections, "n_projections", minimum=1)
    return random_directions(d, n_projections, directions, rng, like=like)


def chunk_length(total_points, n_projections, chunk_size):
    """Directions per chunk: ``chunk_size`` if given, else what fits in :data:`CHUNK_BYTES`."""
    if chunk_size is not None:
        return check_int(chunk_size, "chunk_size", minimum=1)
    return max(1, min(n_projections, CHUNK_BYTES // (8 * total_points)))


def project_sorted(xp, X, weights, theta, threaded=True):
    """Sorted projections (L, n) of ``X`` on the columns of ``theta``, with their weights."""
    projected = xp.matmul(xp.permute_dims(theta, (1, 0)), xp.permute_dims(X, (1, 0)))
    return sort_rows(xp, projected, weights, threaded)


def sort_rows(xp, projected, weights, threaded=True):
    """Sort a fresh (L, n) array of projections along rows, carrying the (n,) weights.

    ``threaded=False`` sorts NumPy arrays on the calling thread.
    """
    if isinstance(projected, np.ndarray):
        if weights is not None:
            return sort_rows_with_weights(projected, weights[None, :], threaded)
        if threaded:
            return sort_rows_inplace(projected), None
        projected.sort(axis=-1)
        return projected, None
    if weights is None:
        return xp.sort(projected, axis=-1), None
    return sort_with_weights(xp, projected, xp.broadcast_to(weights, projected.shape))


# Directions per block of the NumPy pipeline. Fixed, so the summation order (and
# hence every bit of the result) does not depend on the number of cores.
BLOCK_DIRECTIONS = 32


def _block_wpp(xp, X, a, Y, b, block, p):
    """W_p^p of every slice of ``block``, all on the calling thread (NumPy)."""
    u, uw = project_sorted(xp, X, a, block, threaded=False)
    v, vw = project_sorted(xp, Y, b, block, threaded=False)
    return sorted_wpp(u, uw, v, vw, p, threaded=False)


def _blocked_wpp(xp, X, a, Y, b, theta, p):
    """W_p^p of every column of ``theta``, in blocks of :data:`BLOCK_DIRECTIONS` directions.

    Each block is projected, sorted and reduced by one thread with
    single-threaded BLAS and kernels, and the blocks are spread over the cores.
    Splitting the work this way, rather than running a multi-threaded matmul,
    then threaded sorts, then a parallel reduction, keeps the BLAS, sort and
    Numba threads from competing for the cores (about 1.4x faster on two
    cores). BLAS is held to one thread while the blocks run. The values do not
    depend on the number of cores.
    """
    from threadpoolctl import threadpool_limits

    blocks = [
        theta[:, start : start + BLOCK_DIRECTIONS]
        for start in range(0, theta.shape[1], BLOCK_DIRECTIONS)
    ]
    work = lambda blk: _block_wpp(xp, X, a, Y, b, blk, p)
    if n_cores() == 1:
        return np.concatenate([work(blk) for blk in blocks])
    with threadpool_limits(1, user_api="blas"):
        return np.concatenate(list(thread_pool().map(work, blocks)))


def _use_blocked_pipeline(X, Y, a, b, theta, step):
    """The blocked pipeline pays off for large float64 NumPy chunks."""
    arrays = [A for A in (X, Y, a, b, theta) if A is not None]
    return (
        all(isinstance(A, np.ndarray) and A.dtype == np.float64 for A in arrays)
        and (X.shape[0] + Y.shape[0]) * min(step, theta.shape[1]) >= THREADED_SORT_MIN_SIZE
    )


def as_scalar(value):
    """A 0-d NumPy result as a NumPy scalar; other libraries keep their 0-d arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    n_projections=128,
    projections=None,
    directions="mc",
    rng=None,
    chunk_size=None,
):
    r"""Sliced Wasserstein distance between two weighted point clouds.

    .. math::

        SW_p(\mu, \nu) = \Big(\frac1L \sum_{l=1}^L
        W_p^p(\theta_l \# \mu, \theta_l \# \nu)\Big)^{1/p}

    with exact one-dimensional :math:`W_p^p` on every slice. This is the same
    quantity as POT's ``ot.sliced_wasserstein_distance`` (which also returns the
    distance, not its p-th power): on identical ``projections`` the two agree to
    rounding.

    Parameters
    ----------
    X : array_like, shape (n, d)
        First point cloud. Lists and tuples are converted to the namespace of
        the array arguments (NumPy when there are none).
    Y : array_like, shape (m, d)
        Second point cloud; ``m`` may differ from ``n``.
    a, b : array_like, shape (n,) / (m,), optional
        Non-negative weights (default uniform). The total masses must agree (a
        missing vector counts as mass 1); both are normalised to mass 1.
    p : float
        Ground-cost exponent, ``p >= 1``, or ``numpy.inf`` (the limit: the
        largest :math:`W_\infty` over the slices).
    n_projections : int
        Number of directions ``L >= 1`` drawn when ``projections`` is None.
    projections : array_like, shape (d, L), optional
        Directions to use (columns; they are not renormalised), as in POT.
    directions : {"mc", "orthogonal", "qmc"}
        How directions are drawn (see :func:`transport.random_directions`).
    rng : None, int or numpy.random.Generator
        Source of randomness for the directions (SPEC 7).
    chunk_size : int, optional
        Directions projected at a time; default: as many as fit in about 256 MB of
        projected values, so memory stays bounded for any ``L``.

    Returns
    -------
    NumPy scalar or 0-d array
        :math:`SW_p`, on the device of the inputs, in the floating dtype of the
        inputs (see README, Conventions). Every representable value is
        returned, for any p: when :math:`SW_p^p` leaves the float64 range (large
        or tiny clouds, large p, or a sum over directions that overflows), it
        is computed in the scaled form :math:`G T^{1/p}` of
        :func:`transport._scaling.combine_scaled`.

    Raises
    ------
    ValueError
        NaN or infinite values, negative weights or weights of different total
        mass, shape mismatches (dimensions, weight lengths, ``projections`` not
        (d, L)), ``p < 1``, ``n_projections < 1``, an unknown ``directions``, or
        a distance beyond the float64 range.
    TypeError
        Non-real (e.g. complex) inputs, arrays from different libraries, or a
        bad ``rng``.

    References
    ----------
    .. [1] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015), Eq. (4).
    .. [2] Rabin, Peyre, Delon, Bernot, "Wasserstein barycenter and its application to
       texture mixing", SSVM 2011.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> float(sliced_wasserstein(X, X + [1.0, 0.0, 0.0], projections=np.eye(3)) ** 2)
    0.3333333333333333
    """
    xp, (X, Y, a, b, projections) = named_arrays(X=X, Y=Y, a=a, b=b, projections=projections)
    p = check_p(p, allow_inf=True)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    theta = resolve_directions(xp, X, X.shape[1], projections, n_projections, directions, rng)
    dtype = result_float_dtype(xp, X, Y, a, b, projections)
    step = chunk_length(X.shape[0] + Y.shape[0], theta.shape[1], chunk_size)
    value = None
    if not math.isinf(p):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            wpp = sliced_wpp(xp, X, a, Y, b, theta, p, step)
        if bool(xp.all(direct_in_range(xp, wpp, p))):
            value = wpp ** (1.0 / p)
    if value is None:
        value = scaled_distance(
            xp, lambda X, Y: [sliced_scaled_terms(xp, X, a, Y, b, theta, p, step)], X, Y, p
        )[0]
    return as_scalar(xp.astype(xp.asarray(value), dtype))


def scaled_distance(xp, terms_of, X, Y, p, name="SW_p"):
    r"""Sliced distances from their scaled form, for any ``p`` (``inf`` included).

    ``terms_of(X, Y)`` returns a list of ``(g, S)`` pairs of per-slice arrays
    (:func:`transport.one_d.sorted_scaled_wpp`), one pair per distance; each
    becomes :math:`G T^{1/p}` (:func:`transport._scaling.combine_scaled`). When
    projections or gaps overflow, the clouds are divided by a power of two
    close to their largest magnitude (exact) and the distances multiplied back
    (every distance here is homogeneous of degree 1). Returns the list of
    distances; raises a ValueError naming ``name`` if one exceeds float64.
    """
    scale = 1.0
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        pairs = terms_of(X, Y)
        if not all(bool(xp.all(xp.isfinite(g))) for g, _ in pairs):
            scale = power_of_two_scale(xp, X, Y)
            pairs = terms_of(X / scale, Y / scale)
        out = [scaled_root(xp, *combine_scaled(xp, g, s, p), p) * scale for g, s in pairs]
    return [check_representable(xp, value, name) for value in out]


def sliced_scaled_terms(xp, X, a, Y, b, theta, p, step):
    r"""Per-slice scaled :math:`W_p^p` ``(g, S)`` on the columns of ``theta``, ``step`` at once."""
    gs, ss = [], []
    for start in range(0, theta.shape[1], step):
        block = theta[:, start : start + step]
        u, uw = project_sorted(xp, X, a, block)
        v, vw = project_sorted(xp, Y, b, block)
        g, s = sorted_scaled_wpp(u, uw, v, vw, p)
        gs.append(g)
        ss.append(s)
    return xp.concat(gs), xp.concat(ss)


def sliced_wpp(xp, X, a, Y, b, theta, p, step):
    r""":math:`SW_p^p`: mean :math:`W_p^p` over the columns of ``theta``, ``step`` at a time."""
    n_dirs = theta.shape[1]
    total = 0.0
    blocked = _use_blocked_pipeline(X, Y, a, b, theta, step)
    for start in range(0, n_dirs, step):
        block = theta[:, start : start + step]
        if blocked:
            total = total + np.sum(_blocked_wpp(xp, X, a, Y, b, block, p))
            continue
        u, uw = project_sorted(xp, X, a, block)
        v, vw = project_sorted(xp, Y, b, block)
        total = total + xp.sum(sorted_wpp(u, uw, v, vw, p))
    return total / n_dirs


def sliced_wasserstein_matrix(
    clouds,
    weights=None,
    *,
    p=2,
    n_projections=128,
    projections=None,
    directions="mc",
    rng=None,
    chunk_size=None,
):
    r"""Pairwise sliced Wasserstein distances between K point clouds on shared directions.

    Each cloud is projected and sorted once per chunk of directions; every pair
    then reuses the sorted projections, so the cost is K sorts plus K(K-1)/2
    merges per slice instead of K(K-1) sorts.

    Parameters
    ----------
    clouds : sequence of array_like, shapes (n_k, d)
        The point clouds (sizes may differ, dimensions must agree).
    weights : sequence of (array_like or None), optional
        Weights of each cloud (None entries or a missing sequence: uniform); each
        is normalised to mass 1.
    p, n_projections, projections, directions, rng, chunk_size
        As in :func:`sliced_wasserstein`; the same directions serve every pair.

    Returns
    -------
    array, shape (K, K)
        Symmetric matrix of :math:`SW_p` with a zero diagonal, in the floating
        dtype of the inputs (see README, Conventions).

    Raises
    ------
    ValueError
        Fewer than one cloud, a weights sequence of another length, and every
        error of :func:`sliced_wasserstein`.

    References
    ----------
    .. [1] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015).

    Examples
    --------
    >>> import numpy as np
    >>> clouds = [np.zeros((5, 2)), np.ones((3, 2)), np.full((4, 2), 3.0)]
    >>> D = sliced_wasserstein_matrix(clouds, projections=np.array([[1.0], [0.0]]))
    >>> D.round(6).tolist()
    [[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]]
    """
    clouds = list(clouds)
    if not clouds:
        raise ValueError("clouds must hold at least one point cloud")
    K = len(clouds)
    weights = [None] * K if weights is None else list(weights)
    if len(weights) != K:
        raise ValueError(
            f"weights must have one entry per cloud ({len(clouds)}), got {len(weights)}"
        )
    xp, converted = named_arrays(
        projections=projections,
        **{f"clouds[{k}]": c for k, c in enumerate(clouds)},
        **{f"weights[{k}]": w for k, w in enumerate(weights)},
    )
    projections, clouds, weights = converted[0], converted[1 : K + 1], converted[K + 1 :]
    p = check_p(p, allow_inf=True)
    first = check_point_cloud(xp, clouds[0], "clouds[0]")
    clouds = [first] + [
        check_point_cloud(xp, c, f"clouds[{k}]", d=first.shape[1])
        for k, c in enumerate(clouds[1:], start=1)
    ]
    checked = [
        None if w is None else normalised_weights(xp, w, c.shape[0], f"weights[{k}]")[0]
        for k, (c, w) in enumerate(zip(clouds, weights, strict=True))
    ]
    theta = resolve_directions(
        xp, first, first.shape[1], projections, n_projections, directions, rng
    )
    dtype = result_float_dtype(xp, *clouds, *checked, projections)
    step = chunk_length(sum(c.shape[0] for c in clouds), theta.shape[1], chunk_size)
    diagonal = xp.eye(K, dtype=xp.bool)
    D = None
    if not math.isinf(p):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            wpp = _pairwise_wpp(xp, clouds, checked, theta, p, step)
        ok = direct_in_range(xp, wpp, p) | diagonal
        D = xp.where(ok, wpp, xp.zeros_like(wpp)) ** (1.0 / p)
    if D is None or not bool(xp.all(ok)):
        D = _pairwise_scaled(xp, clouds, checked, theta, p, step, D, None if D is None else ok)
    return xp.astype(D, dtype)


def _pair_terms(xp, X, Y, *, a, b, theta, p, step):
    """The one-distance list of scaled slice terms that :func:`scaled_distance` expects."""
    return [sliced_scaled_terms(xp, X, a, Y, b, theta, p, step)]


def _pairwise_scaled(xp, clouds, weights, theta, p, step, D, ok):
    r"""Fill the entries of ``D`` (None: all) where ``ok`` (direct SW_p^p in range) is False.

    Each such pair is computed in scaled form by :func:`scaled_distance` (the
    pairs are few: identical clouds, or extreme scales and exponents).
    """
    K = len(clouds)
    rows = [[None] * K for _ in range(K)] if D is None else [list(r) for r in D]
    for i in range(K):
        rows[i][i] = xp.zeros((), dtype=xp.float64)
        for j in range(i + 1, K):
            if ok is not None and bool(ok[i, j]):
                continue
            terms = functools.partial(
                _pair_terms, xp, a=weights[i], b=weights[j], theta=theta, p=p, step=step
            )
            value = scaled_distance(xp, terms, clouds[i], clouds[j], p)[0]
            rows[i][j] = rows[j][i] = xp.asarray(value, dtype=xp.float64)
    entries = [xp.asarray(rows[i][j], dtype=xp.float64) for i in range(K) for j in range(K)]
    return xp.reshape(xp.stack(entries), (K, K))


def _pairwise_wpp(xp, clouds, weights, theta, p, step):
    """(K, K) matrix of :math:`SW_p^p` between the clouds on the columns of ``theta``."""
    n_dirs = theta.shape[1]
    K = len(clouds)
    sums = [[0.0] * K for _ in range(K)]
    for start in range(0, n_dirs, step):
        block = theta[:, start : start + step]
        projected = [project_sorted(xp, c, w, block) for c, w in zip(clouds, weights, strict=True)]
        for i in range(K):
            for j in range(i + 1, K):
                (u, uw), (v, vw) = projected[i], projected[j]
                sums[i][j] = sums[i][j] + xp.sum(sorted_wpp(u, uw, v, vw, p))
    zero = xp.zeros((), dtype=xp.float64)
    entries = [
        xp.asarray(sums[min(i, j)][max(i, j)], dtype=xp.float64) if i != j else zero
        for i in range(K)
        for j in range(K)
    ]
    return xp.reshape(xp.stack(entries), (K, K)) / n_dirs
