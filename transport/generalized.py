r"""Generalized sliced Wasserstein distances (polynomial and circular defining functions)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from gpu.backend import namespace, power_of_two_scale, result_float_dtype
from gpu.validate import check_choice, check_int, check_real
from transport._scaling import direct_in_range
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.one_d import sorted_scaled_wpp, sorted_wpp
from transport.sliced import (
    as_scalar,
    check_point_cloud,
    chunk_length,
    resolve_directions,
    scaled_distance,
    sort_rows,
)

__all__ = [
    "DEFINING_FUNCTIONS",
    "MAX_MONOMIALS",
    "generalized_sliced_wasserstein",
    "monomial_features",
]

DEFINING_FUNCTIONS = ("polynomial", "circular")

# Clouds of magnitude beyond 2**RESCALE_EXPONENT either way are rescaled before the
# scaled form is computed (features are products, circular projections squares).
RESCALE_EXPONENT = 64

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
        Conventions). Any ``p``, ``inf`` included, as in
        :func:`transport.sliced_wasserstein` (scaled form when the direct
        :math:`GSW_p^p` leaves the float64 range). Clouds so large or small
        that the features overflow or lose bits are rescaled by a power of two
        :math:`s` (:math:`GSW_p` scales as :math:`s^m` for the polynomial
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
    p = check_p(p, allow_inf=True)
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

    def features(X, Y):
        if polynomial:
            return monomial_features(X, degree), monomial_features(Y, degree)
        return X, Y

    value = None
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if not math.isinf(p):
            wpp = _generalized_wpp(xp, *features(X, Y), a, b, theta, p, step, radius, polynomial)
            if bool(xp.all(direct_in_range(xp, wpp, p))):
                value = wpp ** (1.0 / p)
        if value is None:
            value = _generalized_scaled(
                xp, X, Y, a, b, theta, p, step, radius, polynomial, degree, features
            )
    return as_scalar(xp.astype(xp.asarray(value), dtype))


def _generalized_scaled(xp, X, Y, a, b, theta, p, step, radius, polynomial, degree, features):
    r""":math:`GSW_p` in scaled form (:func:`transport.sliced.scaled_distance`).

    When features or projections overflow, or the clouds' magnitude is beyond
    ``2**RESCALE_EXPONENT`` either way (squares and monomials would lose bits to
    underflow), the clouds are divided by a power of two :math:`s` close to
    their magnitude (and the radius with them): the circular family is
    homogeneous of degree 1 in :math:`(X, Y, r)`, the polynomial family of
    degree ``degree``.
    """
    scale = power_of_two_scale(xp, X, Y)
    if 2.0**-RESCALE_EXPONENT <= scale <= 2.0**RESCALE_EXPONENT:
        pairs = _generalized_terms(xp, *features(X, Y), a, b, theta, p, step, radius, polynomial)
        if bool(xp.all(xp.isfinite(pairs[0]))):
            scale = 1.0
    if scale != 1.0:
        X, Y, radius = X / scale, Y / scale, radius / scale
    fX, fY = features(X, Y)
    value = scaled_distance(
        xp,
        lambda P, Q: [_generalized_terms(xp, P, Q, a, b, theta, p, step, radius, polynomial)],
        fX,
        fY,
        p,
        "GSW_p",
    )[0]
    for _ in range(degree if polynomial and scale != 1.0 else int(scale != 1.0)):
        value = value * scale  # GSW_p(sX, sY) = s**degree GSW_p(X, Y)
    if not bool(xp.all(xp.isfinite(xp.asarray(value)))):
        raise ValueError(
            f"GSW_p exceeds the float64 range: the clouds, of magnitude about {scale:.3g}, "
            f"raised to the degree {degree}; rescale the inputs"
        )
    return value


def _generalized_terms(xp, X, Y, a, b, theta, p, step, radius, polynomial):
    r"""Per-slice scaled :math:`W_p^p` ``(g, S)`` of :func:`_generalized_wpp`'s slices."""
    gs, ss = [], []
    for u, uw, v, vw in _generalized_slices(xp, X, a, Y, b, theta, step, radius, polynomial):
        g, s = sorted_scaled_wpp(u, uw, v, vw, p)
        gs.append(g)
        ss.append(s)
    return xp.concat(gs), xp.concat(ss)


def _generalized_slices(xp, X, a, Y, b, theta, step, radius, polynomial):
    """Sorted projections ``(u, uw, v, vw)`` of the features, one chunk of directions at a time."""
    for start in range(0, theta.shape[1], step):
        block = theta[:, start : start + step]
        if polynomial:
            PX = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(X, (1, 0)))
            PY = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(Y, (1, 0)))
        else:
            PX = circular_projections(xp, X, block, radius)
            PY = circular_projections(xp, Y, block, radius)
        yield (*sort_rows(xp, PX, a), *sort_rows(xp, PY, b))


def _generalized_wpp(xp, X, Y, a, b, theta, p, step, radius, polynomial):
    """Mean :math:`W_p^p` over the columns of ``theta``: linear projections of the features
    ``X``, ``Y`` (``polynomial``) or circular ones of radius ``radius``."""
    total = 0.0
    for u, uw, v, vw in _generalized_slices(xp, X, a, Y, b, theta, step, radius, polynomial):
        total = total + xp.sum(sorted_wpp(u, uw, v, vw, p))
    return total / theta.shape[1]
