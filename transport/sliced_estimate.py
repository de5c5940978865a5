r"""Sliced Wasserstein estimates with standard errors, and Gaussian control variates.

.. math::

    SW_p^p(\mu, \nu) = \mathbb{E}_{\theta \sim \mathcal{U}(S^{d-1})}
    \big[W_p^p(\theta\#\mu, \theta\#\nu)\big]

is estimated from the exact 1-D costs of ``L`` directions. Independent
directions give the sample standard error; dependent sets (orthogonal blocks,
randomised quasi-Monte Carlo) are drawn as independent replicates and the
spread of the replicate means gives the error. The control variates of Nguyen
and Ho (ICLR 2024) subtract functions of the direction whose mean over the
sphere is known in closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gpu.backend import as_generator, result_float_dtype, to_numpy
from gpu.records import Record
from gpu.threads import n_cores, thread_pool
from gpu.validate import check_choice, check_int
from transport._scaling import SAFE_MIN
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.directions import DIRECTION_KINDS, random_directions
from transport.one_d import sorted_wpp
from transport.sliced import (
    BLOCK_DIRECTIONS,
    _use_blocked_pipeline,
    check_point_cloud,
    chunk_length,
    project_sorted,
)

__all__ = [
    "ESTIMATORS",
    "SlicedEstimate",
    "control_variates",
    "slice_costs",
    "slice_terms",
    "sliced_wasserstein_estimate",
]

ESTIMATORS = ("mc", "control_variate", "control_variate_lower", "control_variate_upper")

# Control variates used by each estimator (columns of :func:`control_variates`).
_CV_COLUMNS = {
    "mc": (),
    "control_variate": (0, 1),
    "control_variate_lower": (0,),
    "control_variate_upper": (1,),
}

# Largest number of independent replicates drawn by default for dependent direction sets.
DEFAULT_MAX_REPLICATES = 16


@dataclass(frozen=True)
class SlicedEstimate(Record):
    r"""Result of :func:`sliced_wasserstein_estimate`.

    Attributes
    ----------
    value : float
        The estimate of :math:`SW_p` (the same quantity as
        :func:`transport.sliced_wasserstein`): ``max(power_estimate, 0) ** (1/p)``.
    std_error : float
        Estimated standard error of ``power_estimate``, the :math:`SW_p^p`
        estimate (not of ``value``; by the delta method the error of ``value``
        is about ``std_error / (p * value**(p-1))``).
    power_estimate : float
        The unbiased estimate of :math:`SW_p^p` (a control-variate estimate can
        be slightly negative when :math:`SW_p^p` is near 0).
    n_projections : int
        Number of directions ``L``.
    estimator : str
        ``"mc"``, ``"control_variate"``, ``"control_variate_lower"`` or
        ``"control_variate_upper"``.
    directions : str
        The direction set (see :func:`transport.random_directions`).
    n_replicates : int
        Number of independent groups the standard error is computed from
        (``L`` for independent directions).
    coefficients : numpy.ndarray, shape (k,)
        Fitted control-variate coefficients (lower, then upper; empty for ``"mc"``).
    """

    value: float
    std_error: float
    power_estimate: float
    n_projections: int
    estimator: str
    directions: str
    n_replicates: int
    coefficients: np.ndarray


def _row_moments(xp, u, w):
    """Mean and variance of each row of ``u`` (B, n) under weights ``w`` (None: uniform)."""
    if w is None:
        mean = xp.mean(u, axis=-1)
        centred = u - mean[:, None]
        return mean, xp.mean(centred * centred, axis=-1)
    total = xp.sum(w, axis=-1)
    mean = xp.sum(w * u, axis=-1) / total
    centred = u - mean[:, None]
    return mean, xp.sum(w * centred * centred, axis=-1) / total


def _block_terms(xp, X, a, Y, b, block, p, threaded=True):
    """Per-slice W_p^p of the columns of ``block`` and the projected moments, shapes (B,), (B, 2).

    The moments are ``(mean_u - mean_v, var_u + var_v)`` of the two projected
    clouds, read from the sorted projections (sorting keeps them).
    """
    u, uw = project_sorted(xp, X, a, block, threaded)
    v, vw = project_sorted(xp, Y, b, block, threaded)
    cost = sorted_wpp(u, uw, v, vw, p, threaded)
    mu, var_u = _row_moments(xp, u, uw)
    mv, var_v = _row_moments(xp, v, vw)
    return cost, xp.stack([mu - mv, var_u + var_v], axis=1)


def slice_terms(xp, X, a, Y, b, theta, p):
    r"""Per-slice :math:`W_p^p(\theta_l\#\mu, \theta_l\#\nu)` (L,) and projected moments (L, 2).

    The projection, sort and merge pipeline of :func:`transport.sliced_wasserstein`:
    large float64 NumPy inputs in blocks of
    :data:`transport.sliced.BLOCK_DIRECTIONS` directions spread over the cores
    (one thread and single-threaded BLAS per block), anything else in chunks of
    bounded memory. The moments cost O(n) per slice, against O(n d) for the
    projection itself.
    """
    step = chunk_length(X.shape[0] + Y.shape[0], theta.shape[1], None)
    if _use_blocked_pipeline(X, Y, a, b, theta, step) and n_cores() > 1:
        from threadpoolctl import threadpool_limits

        blocks = [
            theta[:, start : start + BLOCK_DIRECTIONS]
            for start in range(0, theta.shape[1], BLOCK_DIRECTIONS)
        ]
        with threadpool_limits(1, user_api="blas"):
            parts = list(
                thread_pool().map(lambda blk: _block_terms(xp, X, a, Y, b, blk, p, False), blocks)
            )
    else:
        parts = [
            _block_terms(xp, X, a, Y, b, theta[:, start : start + step], p)
            for start in range(0, theta.shape[1], step)
        ]
    return xp.concat([c for c, _ in parts]), xp.concat([m for _, m in parts])


def slice_costs(xp, X, a, Y, b, theta, p):
    r"""Exact :math:`W_p^p(\theta_l\#\mu, \theta_l\#\nu)` of every column of ``theta``, (L,)."""
    return slice_terms(xp, X, a, Y, b, theta, p)[0]


def check_slice_range(f, p, first_powers, what="a slice's W_p^p"):
    """Raise a ValueError when per-slice values ``f`` (NumPy) of W_p^p left the float64 range.

    Infinite or NaN values overflowed; values in (0, SAFE_MIN) lost precision; a
    zero is an underflow unless the slice's measures coincide, which
    ``first_powers(columns)`` (the p = 1 values of those columns) tells (at p = 1
    zeros are taken as exact).
    """
    zero = np.flatnonzero(f == 0.0)
    bad = not np.all(np.isfinite(f)) or bool(np.any((f > 0.0) & (f < SAFE_MIN)))
    if not bad and p != 1.0 and zero.size and np.any(to_numpy(first_powers(zero)) > 0.0):
        bad = True
    if bad:
        raise ValueError(
            f"{what} leaves the float64 range at p = {p}; rescale X and Y "
            "(SW_p is homogeneous of degree 1) or lower p"
        )


def _mean_and_spread(xp, X, w):
    """Weighted mean (d,) and total variance (trace of the covariance) of the rows of ``X``."""
    n = X.shape[0]
    w = xp.ones(n, dtype=X.dtype) / n if w is None else xp.astype(w, X.dtype)
    mean = xp.sum(w[:, None] * X, axis=0)
    centred = X - mean
    return mean, float(xp.sum(w * xp.sum(centred * centred, axis=1)))


def control_variates(xp, X, a, Y, b, moments):
    r"""The two Gaussian control variates of Nguyen and Ho and their means over the sphere.

    With :math:`\Delta = m_\mu - m_\nu` the difference of means and
    :math:`\Sigma_\mu, \Sigma_\nu` the covariances of the two measures, the
    projected Gaussian approximations give (Nguyen and Ho 2024, Section 3)

    .. math::

        C_{low}(\theta) = (\theta^\top \Delta)^2, \qquad
        C_{up}(\theta) = (\theta^\top \Delta)^2 + \theta^\top \Sigma_\mu \theta
        + \theta^\top \Sigma_\nu \theta,

    the lower and upper bounds of the :math:`W_2^2` between the fitted 1-D
    Gaussians, with :math:`\mathbb{E}_\theta C_{low} = \|\Delta\|^2 / d` and
    :math:`\mathbb{E}_\theta C_{up} = (\|\Delta\|^2 + \operatorname{tr}\Sigma_\mu
    + \operatorname{tr}\Sigma_\nu) / d` (closed forms stated there; they follow from
    :math:`\mathbb{E}_\theta \theta\theta^\top = I / d`). ``moments`` (L, 2) holds
    :math:`\theta^\top\Delta` and :math:`\theta^\top(\Sigma_\mu + \Sigma_\nu)\theta`
    per direction, the mean difference and summed variances of the projections
    (:func:`slice_terms`), so no d x d covariance is formed.

    Returns
    -------
    values : numpy.ndarray, shape (L, 2)
    means : numpy.ndarray, shape (2,)
    """
    d = X.shape[1]
    mx, tx = _mean_and_spread(xp, X, a)
    my, ty = _mean_and_spread(xp, Y, b)
    delta = mx - my
    moments = to_numpy(moments).astype(np.float64)
    lower = moments[:, 0] ** 2
    values = np.stack([lower, lower + moments[:, 1]], axis=1)
    gap = float(xp.sum(delta * delta))
    return values, np.array([gap / d, (gap + tx + ty) / d])


def _coefficients(f, h):
    """Least-squares coefficients of ``f`` (L,) on the centred columns of ``h`` (L, k).

    Columns that do not vary (a zero mean difference, say) get coefficient 0.
    """
    k = h.shape[1]
    coef = np.zeros(k)
    if k == 0:
        return coef
    hc = h - h.mean(axis=0)
    fc = f - f.mean()
    scale = np.sqrt(np.mean(hc * hc, axis=0))
    live = scale > 1e-12 * np.maximum(np.abs(h).max(axis=0), np.finfo(np.float64).tiny)
    if np.any(live):
        z = hc[:, live] / scale[live]
        solution = np.linalg.lstsq(z, fc, rcond=None)[0]
        coef[live] = solution / scale[live]
    return coef


def _replicate_sizes(kind, n_projections, n_replicates):
    """Sizes of the independent groups: single directions for "mc", else ``n_replicates`` sets."""
    if kind == "mc":
        return [1] * n_projections
    if n_replicates is None:
        n_replicates = max(2, min(DEFAULT_MAX_REPLICATES, n_projections // 8))
    n_replicates = check_int(n_replicates, "n_replicates", minimum=2, maximum=n_projections)
    return [len(part) for part in np.array_split(np.arange(n_projections), n_replicates)]


def sliced_wasserstein_estimate(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    n_projections=256,
    directions="mc",
    estimator="mc",
    n_replicates=None,
    rng=None,
):
    r"""Sliced Wasserstein distance with a standard error, optionally with control variates.

    Every estimate averages exact 1-D costs
    :math:`f(\theta_l) = W_p^p(\theta_l\#\mu, \theta_l\#\nu)` over ``L``
    directions whose marginal law is uniform on the sphere, so it is unbiased
    for :math:`SW_p^p`:

    * ``estimator="mc"``: :math:`\frac1L \sum_l f(\theta_l)`.
    * ``estimator="control_variate"`` (and its one-variate forms ``"_lower"``,
      ``"_upper"``): :math:`\frac1L \sum_l [f(\theta_l) - \gamma^\top(C(\theta_l)
      - \mathbb{E} C)]` with the Gaussian control variates :math:`C` of
      :func:`control_variates` (Nguyen and Ho 2024, Section 3) and the optimal
      coefficient :math:`\gamma = \mathrm{Var}(C)^{-1}\mathrm{Cov}(C, f)`
      estimated by least squares from the same draws (the usual
      :math:`O(1/L)` bias of an estimated coefficient). The variates are exact
      for :math:`p = 2` Gaussians' means and spreads, and remain valid (only less
      correlated) for other ``p``.

    ``std_error`` is the standard error of the :math:`SW_p^p` estimate
    (``power_estimate``), not of :math:`SW_p`. For ``directions="mc"`` it is the
    sample standard deviation of the (control-variate corrected) per-direction
    terms over :math:`\sqrt{L}`, with ``k + 1`` degrees of freedom removed for
    ``k`` fitted coefficients. Other direction sets are dependent within a set,
    so they are drawn as ``n_replicates`` independent sets (orthogonal blocks,
    or randomised QMC sets under fresh scrambles and rotations) and the error
    is the standard deviation of the replicate means over
    :math:`\sqrt{R}`; the estimate is the mean of the replicate means.

    Parameters
    ----------
    X : array_like, shape (n, d)
        First point cloud.
    Y : array_like, shape (m, d)
        Second point cloud.
    a, b : array_like, shape (n,) / (m,), optional
        Non-negative weights (default uniform) of equal total mass.
    p : float
        Ground-cost exponent, ``1 <= p < inf``.
    n_projections : int
        Number of directions ``L >= 2`` (``L >= k + 2`` for ``k`` control
        variates with ``directions="mc"``).
    directions : {"mc", "orthogonal", "qmc", "spiral", "equal_area"}
        Direction set (see :func:`transport.random_directions`; the last two in
        ``d = 3`` only).
    estimator : {"mc", "control_variate", "control_variate_lower", "control_variate_upper"}
        Plain Monte Carlo or Gaussian control variates (both, lower, upper).
    n_replicates : int, optional
        Independent replicates of a dependent direction set, ``2 <= R <= L``
        (default ``max(2, min(16, L // 8))``); ignored for ``directions="mc"``.
    rng : None, int or numpy.random.Generator
        Source of randomness for the directions (SPEC 7).

    Returns
    -------
    SlicedEstimate
        ``value`` (:math:`SW_p`), ``std_error`` (of :math:`SW_p^p`),
        ``power_estimate``, ``n_projections``, ``estimator``, ``directions``,
        ``n_replicates``, ``coefficients``; floats in the floating dtype of the
        inputs.

    Raises
    ------
    ValueError
        Invalid clouds or weights (as :func:`transport.sliced_wasserstein`),
        ``p < 1`` or infinite, ``n_projections`` too small, an unknown
        ``directions`` or ``estimator``, a bad ``n_replicates``, or per-slice
        costs that overflow or underflow float64 (rescale the clouds).
    TypeError
        Non-real inputs, arrays from different libraries, or a bad ``rng``.

    References
    ----------
    .. [1] Nguyen, Ho, "Sliced Wasserstein estimation with control variates",
       ICLR 2024, Section 3 (Gaussian approximations, lower and upper
       control variates, estimated optimal coefficient).
    .. [2] Nguyen, Bariletto, Ho, "Quasi-Monte Carlo for 3D sliced Wasserstein",
       ICLR 2024, Section 3.2 (randomised QMC replicates).
    .. [3] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015), Eq. (4).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3))
    >>> Y = 2.0 * rng.standard_normal((300, 3)) + 1.0
    >>> est = sliced_wasserstein_estimate(X, Y, estimator="control_variate", rng=1)
    >>> bool(est.std_error < 0.05 * est.power_estimate)
    True
    """
    xp, (X, Y, a, b) = named_arrays(X=X, Y=Y, a=a, b=b)
    p = check_p(p)
    if math.isinf(p):
        raise ValueError("p must be finite for an estimate of SW_p^p, got inf")
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    check_choice(directions, "directions", DIRECTION_KINDS)
    check_choice(estimator, "estimator", ESTIMATORS)
    columns = _CV_COLUMNS[estimator]
    minimum = len(columns) + 2 if directions == "mc" else 2
    n_projections = check_int(n_projections, "n_projections", minimum=minimum)
    sizes = _replicate_sizes(directions, n_projections, n_replicates)
    dtype = result_float_dtype(xp, X, Y, a, b)
    gen = as_generator(rng)
    if directions == "mc":
        theta = random_directions(X.shape[1], n_projections, "mc", gen, like=X)
    else:
        theta = xp.concat(
            [random_directions(X.shape[1], k, directions, gen, like=X) for k in sizes], axis=1
        )
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        f, moments = slice_terms(xp, X, a, Y, b, theta, p)
    f = to_numpy(f).astype(np.float64)
    check_slice_range(f, p, lambda cols: slice_costs(xp, X, a, Y, b, theta[:, cols], 1.0))
    h = np.empty((n_projections, 0))
    means = np.empty(0)
    if columns:
        values, all_means = control_variates(xp, X, a, Y, b, moments)
        h, means = values[:, columns], all_means[list(columns)]
    coef = _coefficients(f, h)
    corrected = f - (h - means) @ coef
    if directions == "mc":
        estimate = float(np.mean(corrected))
        dof = n_projections - 1 - len(columns)
        resid = corrected - estimate
        std_error = math.sqrt(float(resid @ resid) / dof / n_projections)
    else:
        bounds = np.cumsum([0, *sizes])
        groups = np.array(
            [corrected[lo:hi].mean() for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
        )
        estimate = float(groups.mean())
        std_error = float(groups.std(ddof=1)) / math.sqrt(len(groups))
    out_type = np.dtype(dtype).type
    return SlicedEstimate(
        value=out_type(max(estimate, 0.0) ** (1.0 / p)),
        std_error=out_type(std_error),
        power_estimate=out_type(estimate),
        n_projections=n_projections,
        estimator=estimator,
        directions=directions,
        n_replicates=len(sizes),
        coefficients=coef,
    )
