r"""Generalized sliced Wasserstein distances (polynomial and circular defining functions)."""

from __future__ import annotations

import itertools

from gpu.backend import namespace
from gpu.validate import check_choice, check_int, check_real
from transport._validation import check_p, normalised_weight_pair
from transport.one_d import sorted_wpp
from transport.sliced import (
    as_scalar,
    check_point_cloud,
    chunk_length,
    resolve_directions,
    sort_rows,
)

__all__ = ["DEFINING_FUNCTIONS", "generalized_sliced_wasserstein", "monomial_features"]

DEFINING_FUNCTIONS = ("polynomial", "circular")


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
    X, Y : array, shapes (n, d) and (m, d)
        Point clouds.
    a, b : array, optional
        Weights as in :func:`transport.sliced_wasserstein`.
    defining_function : {"polynomial", "circular"}
        The family :math:`g`.
    degree : int
        Degree ``m`` of the polynomial family, a positive odd integer.
    radius : float
        Radius ``r > 0`` of the circular family.
    p, n_projections, directions, rng, chunk_size
        As in :func:`transport.sliced_wasserstein`.
    projections : array, optional
        Parameters :math:`\theta` as columns: shape (d, L) for ``"circular"``,
        (number of monomials, L) for ``"polynomial"``.

    Returns
    -------
    numpy.float64 or 0-d array
        :math:`GSW_p`.

    Raises
    ------
    ValueError
        An unknown ``defining_function``, an even or non-positive ``degree``, a
        non-positive ``radius``, and every error of
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
    xp = namespace(X, Y, a, b, projections)
    check_choice(defining_function, "defining_function", DEFINING_FUNCTIONS)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    if defining_function == "polynomial":
        degree = check_int(degree, "degree", minimum=1)
        if degree % 2 == 0:
            raise ValueError(f"degree must be odd for an injective polynomial GSW, got {degree}")
        X, Y = monomial_features(X, degree), monomial_features(Y, degree)
    else:
        radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    theta = resolve_directions(xp, X, X.shape[1], projections, n_projections, directions, rng)
    n_dirs = theta.shape[1]
    step = chunk_length(X.shape[0] + Y.shape[0], n_dirs, chunk_size)
    total = 0.0
    for start in range(0, n_dirs, step):
        block = theta[:, start : start + step]
        if defining_function == "polynomial":
            PX = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(X, (1, 0)))
            PY = xp.matmul(xp.permute_dims(block, (1, 0)), xp.permute_dims(Y, (1, 0)))
        else:
            PX = circular_projections(xp, X, block, radius)
            PY = circular_projections(xp, Y, block, radius)
        u, uw = sort_rows(xp, PX, a)
        v, vw = sort_rows(xp, PY, b)
        total = total + xp.sum(sorted_wpp(u, uw, v, vw, p))
    return as_scalar((total / n_dirs) ** (1.0 / p))
