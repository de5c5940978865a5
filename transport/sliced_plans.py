r"""Transport plans from slicing: the 1-D plans of many directions, their average, the best pivot.

On a direction :math:`\theta` the optimal plan between :math:`\theta\#\mu` and
:math:`\theta\#\nu` is the monotone (north-west corner) coupling of the sorted
projections; lifted back to the atoms it is a feasible plan between
:math:`\mu` and :math:`\nu` with at most ``n + m - 1`` non-zero entries. Every
plan is stored in batched sparse (COO) form: for direction ``l`` the arrays
``rows[l]``, ``cols[l]``, ``masses[l]`` of length ``n + m`` (entries of zero mass
pad the pieces of zero width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gpu.backend import asarray_like, result_float_dtype, to_numpy
from gpu.records import Record
from gpu.validate import check_real
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.sliced import check_point_cloud, resolve_directions
from transport.sliced_estimate import check_slice_range

__all__ = [
    "ExpectedSlicedPlan",
    "MinPivotPlan",
    "SlicedPlans",
    "expected_sliced_plan",
    "min_pivot_sliced_plan",
    "sliced_plans",
]

# Bytes of gathered (entries x d) differences held at once when lifting plans.
LIFT_CHUNK_BYTES = 1 << 26


@dataclass(frozen=True)
class SlicedPlans(Record):
    """Result of :func:`sliced_plans`: one sparse 1-D optimal plan per direction.

    Attributes
    ----------
    rows, cols : array of int64, shape (L, n + m)
        Atom indices in ``X`` and ``Y`` of each entry of each plan.
    masses : array, shape (L, n + m)
        Mass of each entry (zero on padding entries); each row sums to 1 and has
        the marginals ``a`` and ``b``.
    costs : array, shape (L,)
        :math:`W_p^p(\\theta_l\\#\\mu, \\theta_l\\#\\nu)`, the 1-D cost of each plan.
    projections : array, shape (d, L)
        The directions.
    """

    rows: object
    cols: object
    masses: object
    costs: object
    projections: object


@dataclass(frozen=True)
class ExpectedSlicedPlan(Record):
    """Result of :func:`expected_sliced_plan`.

    Attributes
    ----------
    plan : array, shape (n, m)
        The weighted average of the lifted 1-D plans (dense), with marginals ``a`` and ``b``.
    cost : float
        :math:`\\sum_{ij} \\pi_{ij} \\|x_i - y_j\\|^p`, an upper bound on :math:`W_p^p`.
    direction_weights : numpy.ndarray, shape (L,)
        Weight of each direction in the average (uniform at inverse temperature 0).
    lifted_costs : numpy.ndarray, shape (L,)
        d-dimensional cost :math:`\\sum_{ij} \\pi^\\theta_{ij} \\|x_i - y_j\\|^p` of each
        lifted plan.
    projections : array, shape (d, L)
        The directions.
    """

    plan: object
    cost: float
    direction_weights: np.ndarray
    lifted_costs: np.ndarray
    projections: object


@dataclass(frozen=True)
class MinPivotPlan(Record):
    """Result of :func:`min_pivot_sliced_plan`.

    Attributes
    ----------
    rows, cols : array of int64, shape (n + m,)
        Atom indices of the entries of the selected plan.
    masses : array, shape (n + m,)
        Their masses (zero on padding entries).
    cost : float
        :math:`\\sum_k \\text{masses}_k \\|x_{\\text{rows}_k} - y_{\\text{cols}_k}\\|^p`,
        the min-SWGG value, an upper bound on :math:`W_p^p`.
    direction : array, shape (d,)
        The pivot direction.
    lifted_costs : numpy.ndarray, shape (L,)
        d-dimensional cost of the lifted plan of every direction tried.
    """

    rows: object
    cols: object
    masses: object
    cost: float
    direction: object
    lifted_costs: np.ndarray


def _levels(xp, w, n, rows):
    """Normalised cumulative weights (rows, n) in sorted order; exact i/n when ``w`` is None."""
    if w is None:
        levels = xp.arange(1, n + 1, dtype=xp.float64) / n
        return xp.broadcast_to(levels, (rows, n))
    c = xp.cumulative_sum(xp.astype(w, xp.float64), axis=-1)
    return c / c[..., -1:]


def monotone_plans(xp, u, a, v, b):
    r"""Batched monotone couplings of the rows of ``u`` (L, n) and ``v`` (L, m), unsorted.

    Sorts each row (``argsort``), walks the merged cumulative weights of both
    sides as the 1-D solver does (:func:`transport.one_d`'s merge: the pieces
    between consecutive levels, each pairing the atoms whose quantile
    functions are constant there) and maps the atom positions back to the
    input order. Returns ``rows, cols, masses`` of shape (L, n + m).
    """
    L, n = u.shape
    m = v.shape[1]
    order_u = xp.argsort(u, axis=-1)
    order_v = xp.argsort(v, axis=-1)
    uw = None if a is None else a[order_u]
    vw = None if b is None else b[order_v]
    cu = _levels(xp, uw, n, L)
    cv = _levels(xp, vw, m, L)
    levels = xp.concat([cu, cv], axis=-1)
    order = xp.argsort(levels, axis=-1, stable=True)
    t = xp.take_along_axis(levels, order, axis=-1)
    from_u = xp.astype(order < n, xp.int64)
    iu = xp.clip(xp.cumulative_sum(from_u, axis=-1) - from_u, max=n - 1)
    from_v = 1 - from_u
    iv = xp.clip(xp.cumulative_sum(from_v, axis=-1) - from_v, max=m - 1)
    previous = xp.concat([xp.zeros_like(t[..., :1]), t[..., :-1]], axis=-1)
    masses = t - previous
    rows = xp.take_along_axis(order_u, iu, axis=-1)
    cols = xp.take_along_axis(order_v, iv, axis=-1)
    return rows, cols, masses


def _prepare(X, Y, a, b, p, projections, n_projections, directions, rng):
    xp, (X, Y, a, b, projections) = named_arrays(X=X, Y=Y, a=a, b=b, projections=projections)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    theta = resolve_directions(xp, X, X.shape[1], projections, n_projections, directions, rng)
    dtype = result_float_dtype(xp, X, Y, a, b, projections)
    return xp, X, Y, a, b, p, theta, dtype


def _plans(xp, X, Y, a, b, p, theta):
    """Sparse 1-D plans and their 1-D costs for every column of ``theta``."""
    Xt = xp.permute_dims(theta, (1, 0))
    u = xp.matmul(Xt, xp.permute_dims(X, (1, 0)))
    v = xp.matmul(Xt, xp.permute_dims(Y, (1, 0)))
    rows, cols, masses = monotone_plans(xp, u, a, v, b)
    gap = xp.abs(xp.take_along_axis(u, rows, axis=-1) - xp.take_along_axis(v, cols, axis=-1))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        costs = xp.sum(masses * gap**p, axis=-1)
    return rows, cols, masses, costs


def lifted_costs(xp, X, Y, rows, cols, masses, p):
    r"""d-dimensional cost of each lifted plan, shape (L,).

    :math:`\sum_k \text{masses}_{lk} \|x_{\text{rows}_{lk}} - y_{\text{cols}_{lk}}\|^p`,
    gathered a chunk of plans at a time.
    """
    L, K = rows.shape
    step = max(1, LIFT_CHUNK_BYTES // (8 * K * X.shape[1]))
    out = []
    for start in range(0, L, step):
        r = xp.reshape(rows[start : start + step], (-1,))
        c = xp.reshape(cols[start : start + step], (-1,))
        diff = xp.take(X, r, axis=0) - xp.take(Y, c, axis=0)
        # Euclidean norms scaled by the largest coordinate gap: no overflow or underflow
        # of the squares for any finite input.
        big = xp.max(xp.abs(diff), axis=-1)
        safe = xp.where(big > 0.0, big, xp.ones_like(big))
        ratio = diff / safe[:, None]
        dist = big * xp.sqrt(xp.sum(ratio * ratio, axis=-1))
        dist = xp.reshape(dist, (-1, K))
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            out.append(xp.sum(masses[start : start + step] * dist**p, axis=-1))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        costs = to_numpy(xp.concat(out)).astype(np.float64)
    check_slice_range(
        costs,
        p,
        lambda sel: lifted_costs(xp, X, Y, rows[sel], cols[sel], masses[sel], 1.0),
        "the cost of a lifted plan",
    )
    return costs


def sliced_plans(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    projections=None,
    n_projections=64,
    directions="mc",
    rng=None,
):
    r"""The optimal 1-D transport plan of every direction, batched, in sparse form.

    For each direction :math:`\theta_l` the monotone coupling of
    :math:`\theta_l\#\mu` and :math:`\theta_l\#\nu` is computed (exact for every
    :math:`p \ge 1`; Santambrogio 2015, Proposition 2.17) and expressed on the
    atoms of ``X`` and ``Y``, so it is a transport plan between the two
    d-dimensional measures.

    Parameters
    ----------
    X : array_like, shape (n, d)
        First point cloud.
    Y : array_like, shape (m, d)
        Second point cloud.
    a, b : array_like, shape (n,) / (m,), optional
        Non-negative weights (default uniform) of equal total mass, normalised to 1.
    p : float
        Ground-cost exponent of the 1-D costs, ``p >= 1`` (the plans themselves
        do not depend on ``p``).
    projections : array_like, shape (d, L), optional
        Directions (columns); when None, ``n_projections`` are drawn.
    n_projections : int
        Number of directions drawn when ``projections`` is None.
    directions : {"mc", "orthogonal", "qmc", "spiral", "equal_area"}
        How directions are drawn (see :func:`transport.random_directions`).
    rng : None, int or numpy.random.Generator
        Source of randomness for the directions (SPEC 7).

    Returns
    -------
    SlicedPlans
        ``rows``, ``cols``, ``masses`` of shape (L, n + m) and ``costs`` (L,),
        on the device of the inputs; masses and costs in their floating dtype.
        Memory is O(L (n + m)).

    Raises
    ------
    ValueError
        Invalid clouds, weights, ``p``, ``projections`` or ``n_projections``
        (as :func:`transport.sliced_wasserstein`); in :func:`expected_sliced_plan`
        and :func:`min_pivot_sliced_plan`, lifted costs that overflow or
        underflow float64 (rescale the clouds).
    TypeError
        Non-real inputs, arrays from different libraries, or a bad ``rng``.

    References
    ----------
    .. [1] Liu, Bai, Martin, Kolouri, "Expected sliced transport plans", ICLR 2025,
       Section 3 (lifted 1-D plans).
    .. [2] Santambrogio, "Optimal Transport for Applied Mathematicians",
       Birkhauser 2015, Proposition 2.17.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> Y = np.array([[2.0, 1.0], [-1.0, 1.0]])
    >>> plans = sliced_plans(X, Y, projections=np.array([[1.0], [0.0]]))
    >>> entries = zip(plans.rows[0].tolist(), plans.cols[0].tolist(), plans.masses[0].tolist())
    >>> [(i, j, w) for i, j, w in entries if w > 0]
    [(0, 1, 0.5), (1, 0, 0.5)]
    """
    xp, X, Y, a, b, p, theta, dtype = _prepare(
        X, Y, a, b, p, projections, n_projections, directions, rng
    )
    rows, cols, masses, costs = _plans(xp, X, Y, a, b, p, theta)
    return SlicedPlans(
        rows=rows,
        cols=cols,
        masses=xp.astype(masses, dtype),
        costs=xp.astype(costs, dtype),
        projections=theta,
    )


def expected_sliced_plan(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    inverse_temperature=0.0,
    projections=None,
    n_projections=64,
    directions="mc",
    rng=None,
):
    r"""Expected sliced transport plan: the weighted average of the lifted 1-D plans.

    .. math::

        \bar\pi = \sum_l w_l \pi^{\theta_l}, \qquad
        w_l \propto \exp\!\big(-\tau \textstyle\sum_{ij} \pi^{\theta_l}_{ij}\|x_i - y_j\|^p\big),

    with :math:`\pi^{\theta}` the lifted monotone plan of direction
    :math:`\theta` (:func:`sliced_plans`) and :math:`\tau` the inverse
    temperature (:math:`\tau = 0`: the plain average, Liu et al. 2025, Section 3;
    :math:`\tau > 0` favours directions whose plans are cheap in
    :math:`\mathbb{R}^d`, as in their temperature-weighted plan). The average of plans with the
    same marginals has those marginals, and its cost is an upper bound on
    :math:`W_p^p`.

    Parameters
    ----------
    X, Y, a, b, p, projections, n_projections, directions, rng
        As in :func:`sliced_plans`; ``p`` is the exponent of the d-dimensional
        cost :math:`\|x - y\|^p` used in the weights and ``cost``.
    inverse_temperature : float
        :math:`\tau \ge 0`.

    Returns
    -------
    ExpectedSlicedPlan
        ``plan`` dense (n, m) on the device of the inputs (assembled on the
        host), ``cost``, ``direction_weights``, ``lifted_costs``, ``projections``.

    Raises
    ------
    ValueError
        As :func:`sliced_plans`, or a negative or non-finite ``inverse_temperature``.
    TypeError
        As :func:`sliced_plans`.

    References
    ----------
    .. [1] Liu, Bai, Martin, Kolouri, "Expected sliced transport plans", ICLR 2025,
       Section 3 (the expected plan and its temperature-weighted form).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> res = expected_sliced_plan(X, X + 5.0, n_projections=8, rng=0)
    >>> res.plan.round(6).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    tau = check_real(inverse_temperature, "inverse_temperature", low=0.0)
    if not math.isfinite(tau):
        raise ValueError(f"inverse_temperature must be finite, got {inverse_temperature}")
    xp, X, Y, a, b, p, theta, dtype = _prepare(
        X, Y, a, b, p, projections, n_projections, directions, rng
    )
    rows, cols, masses, _ = _plans(xp, X, Y, a, b, p, theta)
    lifted = lifted_costs(xp, X, Y, rows, cols, masses, p)
    logits = -tau * (lifted - lifted.min())
    weights = np.exp(logits)
    weights /= weights.sum()
    n, m = X.shape[0], Y.shape[0]
    flat = to_numpy(rows).astype(np.int64) * m + to_numpy(cols).astype(np.int64)
    mass = to_numpy(masses) * weights[:, None]
    plan = np.bincount(flat.ravel(), weights=mass.ravel(), minlength=n * m).reshape(n, m)
    return ExpectedSlicedPlan(
        plan=asarray_like(plan, X, dtype),
        cost=np.dtype(dtype).type(weights @ lifted),
        direction_weights=weights,
        lifted_costs=lifted,
        projections=theta,
    )


def min_pivot_sliced_plan(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    projections=None,
    n_projections=64,
    directions="mc",
    rng=None,
):
    r"""min-SWGG: the lifted 1-D plan whose d-dimensional cost is smallest over the directions.

    .. math::

        \text{min-SWGG}_p^p(\mu, \nu) = \min_l \sum_{ij} \pi^{\theta_l}_{ij} \|x_i - y_j\|^p
        \;\ge\; W_p^p(\mu, \nu),

    every lifted plan being feasible (Mahey, Chapel, Gasso, Bonet, Courty,
    NeurIPS 2023, Section 3, for any weights and sizes through the monotone
    coupling). For one-dimensional data the single direction gives the
    optimal plan, so the value equals :math:`W_p^p`.

    Parameters
    ----------
    X, Y, a, b, p, projections, n_projections, directions, rng
        As in :func:`sliced_plans`; ``p`` is the exponent of the cost :math:`\|x - y\|^p`.

    Returns
    -------
    MinPivotPlan
        The selected plan (``rows``, ``cols``, ``masses``), its ``cost``, the
        pivot ``direction`` and the ``lifted_costs`` of every direction.

    Raises
    ------
    ValueError, TypeError
        As :func:`sliced_plans`.

    References
    ----------
    .. [1] Mahey, Chapel, Gasso, Bonet, Courty, "Fast optimal transport through
       sliced generalized Wasserstein geodesics", NeurIPS 2023, Section 3 (min-SWGG).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [3.0]])
    >>> res = min_pivot_sliced_plan(X, X[::-1] + 1.0, projections=np.ones((1, 1)))
    >>> float(res.cost)
    1.0
    """
    xp, X, Y, a, b, p, theta, dtype = _prepare(
        X, Y, a, b, p, projections, n_projections, directions, rng
    )
    rows, cols, masses, _ = _plans(xp, X, Y, a, b, p, theta)
    lifted = lifted_costs(xp, X, Y, rows, cols, masses, p)
    best = int(np.argmin(lifted))
    return MinPivotPlan(
        rows=rows[best],
        cols=cols[best],
        masses=xp.astype(masses[best], dtype),
        cost=np.dtype(dtype).type(lifted[best]),
        direction=theta[:, best],
        lifted_costs=lifted,
    )
