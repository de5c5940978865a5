r"""Generalized sliced Wasserstein distances (polynomial and circular defining functions)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from gpu.backend import namespace, result_float_dtype
from gpu.validate import check_choice, check_int, check_real
from transport._scaling import check_in_range, check_no_underflow, rescaling
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.one_d import sorted_wpp
from transport.sliced import (
    as_scalar,
    check_point_cloud,
    chunk_length,
    resolve_directions,
    sort_rows,
)

__all__ = [
    "DEFINING_FUNCTIONS",
    "MAX_MONOMIALS",
    "generalized_sliced_wasserstein",
    "monomial_features",
]

DEFINING_FUNCTIONS = ("polynomial", "circular")

#: Largest number of monomials C(d + m - 1, m) of the polynomial family: the features
#: and each chunk of directions hold that many columns (2**16 take seconds already).
MAX_MONOMIALS = 1 << 16


def monomial_features(X, degree):
    r"""All monomials of exact total degree ``degree`` of the rows of ``X``.

    Returns an (n, C(d + degree - 1, degree)) array whose columns are
    :math:`x^\alpha = \prod_j x_j^{\alpha_j}` for :math:`|\alpha| = ` ``degree``, in
    the order of :func:`itertools.combinations_with_replacement`.

    Examples
    --------
    >>> import numpy as np
    >>> monomial_features(np.array([[2.0, 3.0]]), 2).tolist()
    [[4.0, 6.0, 9.0]]
    """
    xp = namespace(X)
    columns = []
    for combo in itertools.combinations_with_replacement(range(X.shape[1]), degree):
        column = X[:, combo[0]]
        for j in combo[1:]:
            column = column * X[:, j]
        columns.append(column)
    return xp.stack(columns, axis=1)


def circular_projections(xp, X, theta, radius):
    r"""(L, n) array of :math:`\|x_i - r\,\theta_l\|_2` for directions ``theta`` (d, L)."""
    sq_x = xp.sum(X * X, axis=1)
    cross = xp.matmul(xp.permute_dims(theta, (1, 0)), xp.permute_dims(X, (1, 0)))
    sq_theta = xp.sum(theta * theta, axis=0)
    sq = sq_x[None, :] - 2.0 * radius * cross + (radius * radius) * sq_theta[:, None]
    return xp.sqrt(xp.clip(sq, min=0.0))


def generalized_sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    defining_function="polynomial",
    degree=3,
    radius=1.0,
    p=2,
    n_projections=128,
    projections=None,
    directions="mc",
    rng=None,
    chunk_size=None,
):
    r"""Generalized sliced Wasserstein distance with a polynomial or circular defining function.

    .. math::

        GSW_p(\mu, \nu) = \Big(\frac1L \sum_{l=1}^L
        W_p^p(g(\cdot, \theta_l) \# \mu, g(\cdot, \theta_l) \# \nu)\Big)^{1/p}

    * ``"polynomial"``: :math:`g(x, \theta) = \sum_{|\alpha| = m} \theta_\alpha x^\alpha`,
      homogeneous of odd degree ``m`` (odd degree keeps the generalized Radon
      transform injective), :math:`\theta` on the sphere of dimension
      :math:`\binom{d + m - 1}{m}`; degree 1 is the ordinary sliced distance.
    * ``"circular"``: :math:`g(x, \theta) = \|x - r\theta\|_2`, :math:`\theta` on
      :math:`S^{d-1}` and radius ``r``.

    Parameters
    ----------
    X, Y : array_like, shapes (n, d) and (m, d)
        Point clouds.
    a, b : array_like, optional
        Weights as in :func:`transport.sliced_wasserstein`.
    defining_function : {"polynomial", "circular"}
        The family :math:`g`.
    degree : int
        Degree ``m`` of the polynomial family, a positive odd integer with at
        most :data:`MAX_MONOMIALS` monomials :math:`\binom{d + m - 1}{m}`.
    radius : float
        Radius ``r > 0`` of the circular family.
    p, n_projections, directions, rng, chunk_size
        As in :func:`transport.sliced_wasserstein`.
    projections : array_like, optional
        Parameters :math:`\theta` as columns: shape (d, L) for ``"circular"``,
        (number of monomials, L) for ``"polynomial"``.

    Returns
    -------
    NumPy scalar or 0-d array
        :math:`GSW_p`, in the floating dtype of the inputs (see README,
        Conventions). Clouds so large or small that the features or
        :math:`|x - y|^p` leave the float64 range are rescaled by a power of
        two :math:`s` (:math:`GSW_p` scales as :math:`s^m` for the polynomial
        family; the circular family rescales the radius with the clouds).

    Raises
    ------
    ValueError
        An unknown ``defining_function``, an even or non-positive ``degree`` or
        one with more than :data:`MAX_MONOMIALS` monomials, a non-positive
        ``radius``, a value beyond the float64 range, and every error of
        :func:`transport.sliced_wasserstein`.

    References
    ----------
    .. [1] Kolouri, Nadjahi, Simsekli, Badeau, Rohde, "Generalized sliced Wasserstein
       distances", NeurIPS 2019, Section 3 (Eqs. 9-11 and the polynomial and circular
       defining functions).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((50, 2))
    >>> float(generalized_sliced_wasserstein(X, X, defining_function="circular", rng=0))
    0.0
    """
    xp, (X, Y, a, b, projections) = named_arrays(X=X, Y=Y, a=a, b=b, projections=projections)
    check_choice(defining_function, "defining_function", DEFINING_FUNCTIONS)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    dtype = result_float_dtype(xp, X, Y, a, b, projections)
    polynomial = defining_function == "polynomial"
    if polynomial:
        degree = check_int(degree, "degree", minimum=1)
        if degree % 2 == 0:
            raise ValueError(f"degree must be odd for an injective polynomial GSW, got {degree}")
        count = math.comb(X.shape[1] + degree - 1, degree)
        if count > MAX_MONOMIALS:
            raise ValueError(
                f"degree {degree} in dimension {X.shape[1]} has {count} monomials, more than "
                f"MAX_MONOMIALS = {MAX_MONOMIALS}; use a lower degree"
            )
        features = count
    else:
        radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
        features = X.shape[1]
    theta = resolve_directions(xp, X, features, projections, n_projections, directions, rng)
    step = chunk_length(X.shape[0] + Y.shape[0], theta.shape[1], chunk_size)

    def wpp_of(X, Y, radius, p):
        if polynomial:
            X, Y = monomial_features(X, degree), monomial_features(Y, degree)
        return _generalized_wpp(xp, X, a, Y, b, theta, p, step, None if polynomial else radius)

    with np.errstate(over="ignore", invalid="ignore"):  # out of range: rescaled or refused
        wpp = wpp_of(X, Y, radius, p)
        scale = rescaling(xp, wpp, X, Y)
        if scale is not None:
            X, Y, radius = X / scale, Y / scale, radius / scale
            wpp = check_in_range(xp, wpp_of(X, Y, radius, p), p, "GSW_p")
    check_no_underflow(xp, wpp, p, lambda: wpp_of(X, Y, radius, 1.0), "GSW_p")
    value = wpp ** (1.0 / p)
    if scale is not None:
        for _ in range(degree if polynomial else 1):  # GSW_p(sX, sY) = s**degree GSW_p(X, Y)
            value = value * scale
        if not bool(xp.all(xp.isfinite(xp.asarray(value)))):
            raise ValueError(
                f"GSW_p exceeds the float64 range: the clouds, of magnitude about {scale:.3g}, "
                f"raised to the degree {degree}; rescale the inputs"
            )
    return as_scalar(xp.astype(xp.asarray(value), dtype))


def _generalized_wpp(xp, X, a, Y, b, theta, p, step, radius):
    """Mean :math:`W_p^p` over the columns of ``theta``: linear projections of the features
    ``X``, ``Y`` (``radius`` None) or circular ones of radius ``radius``."""
    n_dirs = theta.shape[1]
    total = 0.0
    for start in range(0, n_dirs, step):
        block = theta[:, start : start + step]
        if radius is None:
            PX = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(X, (1, 0)))
            PY = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(Y, (1, 0)))
        else:
            PX = circular_projections(xp, X, block, radius)
            PY = circular_projections(xp, Y, block, radius)
        u, uw = sort_rows(xp, PX, a)
        v, vw = sort_rows(xp, PY, b)
        total = total + xp.sum(sorted_wpp(u, uw, v, vw, p))
    return total / n_dirs
