"""Weighted least squares with optimal i.i.d., DPP and volume-rescaled samples (Nouy and Michel)."""

from __future__ import annotations

import dataclasses

import numpy as np

from gpu.backend import as_generator, asarrays, namespace, result_float_dtype, to_numpy
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_real_dtype
from linalg.continuous_dpp import chain_rule_points, sample_projection_dpp_polynomial
from linalg.polynomials import PolynomialBasis, check_in_cube

__all__ = [
    "WeightedSample",
    "LeastSquaresResult",
    "christoffel_sampling",
    "projection_dpp_sampling",
    "volume_rescaled_point_sampling",
    "repeated_dpp_sampling",
    "weighted_least_squares",
]


@dataclasses.dataclass(frozen=True)
class WeightedSample(Record):
    r"""Sample points with their least-squares weights; unpacks as ``points, weights``.

    Attributes
    ----------
    points : numpy.ndarray, shape (n, dim)
        The sample.
    weights : numpy.ndarray, shape (n,)
        :math:`w(x) = m / \sum_j \phi_j(x)^2`, the inverse of the density of
        the optimal measure :math:`\rho = (1/m) \sum_j \phi_j^2 \, d\mu`
        with respect to :math:`\mu`.
    """

    points: np.ndarray
    weights: np.ndarray

    def __iter__(self):
        return iter((self.points, self.weights))


@dataclasses.dataclass(frozen=True)
class LeastSquaresResult(Record):
    r"""Result of :func:`weighted_least_squares`.

    Attributes
    ----------
    coefficients : numpy.ndarray, shape (m,)
        Coefficients of the fit in the basis.
    gram : numpy.ndarray, shape (m, m)
        Empirical Gram matrix :math:`G = \frac1n \sum_i w_i \phi(x_i)\phi(x_i)^\top`.
    gram_deviation : float
        :math:`\|G - I\|_2`, the spectral-norm distance to the identity;
        below 1/2 the fit is quasi-optimal (Cohen and Migliorati).
    """

    coefficients: np.ndarray
    gram: np.ndarray
    gram_deviation: float


def _check_basis(basis):
    if not isinstance(basis, PolynomialBasis):
        raise TypeError(f"basis must be a linalg.PolynomialBasis, got {type(basis).__name__}")
    return basis


def _weighted(basis, points):
    return WeightedSample(points=points, weights=basis.m / basis.christoffel(points))


def christoffel_sampling(basis, n, *, rng=None):
    r"""``n`` i.i.d. points from the optimal density :math:`\rho = \frac1m \sum_j \phi_j^2\, d\mu`.

    Exact: pick :math:`j` uniformly, then each coordinate from the 1-D density
    :math:`p_{\alpha_{j,d}}^2 d\mu` by rejection from the arcsine law
    (acceptance 1/2 or more). This is the i.i.d. optimal sampler of the paper.

    Parameters
    ----------
    basis : PolynomialBasis
        The orthonormal basis :math:`(\phi_j)_{j<m}`.
    n : int
        Number of points, ``n >= 1``.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    WeightedSample
        ``points`` (n, dim) and ``weights`` :math:`w(x) = m / \sum_j \phi_j(x)^2`.

    Raises
    ------
    TypeError
        If ``basis`` is not a :class:`PolynomialBasis`.
    ValueError
        If ``n < 1``.

    References
    ----------
    .. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
       SMAI J. Comput. Math. 3 (2017).
    .. [2] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling" (2023), Section 2.

    Examples
    --------
    >>> points, weights = christoffel_sampling(PolynomialBasis(4), 10, rng=0)
    >>> points.shape, weights.shape
    ((10, 1), (10,))
    """
    from linalg._kernels.polynomial import _christoffel_sample
    from linalg._kernels.stream import host_seeds

    basis = _check_basis(basis)
    n = check_int(n, "n", minimum=1)
    idx, betas, code, nmax = basis.kernel_arguments()
    points, sums = _christoffel_sample(
        idx, betas, code, nmax, n, host_seeds(as_generator(rng), 1)[0]
    )
    return WeightedSample(points=points, weights=basis.m / sums)


def projection_dpp_sampling(basis, *, rng=None):
    r"""``m`` points of the projection DPP of ``basis`` with the weights :math:`m / K(x, x)`.

    For this DPP :math:`E[\sum_i g(x_i)] = \int g(x) K(x, x)\, d\mu`, so the
    weighted Gram matrix with :math:`n = m` has expectation :math:`I`.
    Uses :func:`sample_projection_dpp_polynomial` (tridiagonal model in 1-D).

    Parameters
    ----------
    basis : PolynomialBasis
    rng : None, int or numpy.random.Generator

    Returns
    -------
    WeightedSample
        ``m`` points and weights.

    References
    ----------
    .. [1] A. Nouy, B. Michel, Section 3 (projection DPP, n = m).

    Examples
    --------
    >>> points, weights = projection_dpp_sampling(PolynomialBasis(5), rng=0)
    >>> points.shape
    (5, 1)
    """
    basis = _check_basis(basis)
    points = sample_projection_dpp_polynomial(
        basis.m, dim=basis.dim, family=basis.family, index_set=basis.index_set, rng=rng
    )
    return _weighted(basis, points)


def volume_rescaled_point_sampling(basis, n, *, rng=None):
    r"""Generalised volume-rescaled sampling of ``n >= m`` points with base measure :math:`\rho`.

    The joint density w.r.t. :math:`\rho^{\otimes n}` is proportional to
    :math:`\det\big(\frac1n\sum_i w(x_i)\phi(x_i)\phi(x_i)^\top\big)`; it is a
    random interleaving of ``m`` points of the projection DPP with ``n - m``
    i.i.d. points from :math:`\rho` (Nouy and Michel, Section 4, after
    Derezinski, Warmuth and Hsu). The law exists only for ``n >= m``: with
    fewer points the Gram matrix has rank at most ``n < m``, so the density
    vanishes identically and cannot be normalised.

    Parameters
    ----------
    basis : PolynomialBasis
    n : int
        Number of points, ``n >= m``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    WeightedSample

    Raises
    ------
    ValueError
        If ``n < m``.

    References
    ----------
    .. [1] A. Nouy, B. Michel, Section 4 (generalised volume-rescaled sampling).

    Examples
    --------
    >>> points, weights = volume_rescaled_point_sampling(PolynomialBasis(4), 9, rng=0)
    >>> points.shape
    (9, 1)
    """
    basis = _check_basis(basis)
    n = check_int(n, "n", minimum=1)
    if n < basis.m:
        raise ValueError(
            f"n must be >= m = {basis.m} (for n < m the volume-rescaled density "
            f"vanishes identically), got {n}"
        )
    rng = as_generator(rng)
    dpp = projection_dpp_sampling(basis, rng=rng).points
    extra = christoffel_sampling(basis, n - basis.m, rng=rng).points if n > basis.m else dpp[:0]
    points = rng.permutation(np.concatenate([dpp, extra]), axis=0)
    return _weighted(basis, points)


def repeated_dpp_sampling(basis, repeats, *, rng=None):
    r"""``repeats`` independent projection DPPs pooled: ``n = repeats * m`` points with weights.

    Parameters
    ----------
    basis : PolynomialBasis
    repeats : int
        Number of independent repetitions ``k >= 1``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    WeightedSample

    References
    ----------
    .. [1] A. Nouy, B. Michel, Section 5 (independent repetitions of projection DPPs).

    Examples
    --------
    >>> points, weights = repeated_dpp_sampling(PolynomialBasis(3), 4, rng=0)
    >>> points.shape
    (12, 1)
    """
    basis = _check_basis(basis)
    repeats = check_int(repeats, "repeats", minimum=1)
    rng = as_generator(rng)
    if basis.dim == 1:
        points = sample_projection_dpp_polynomial(
            basis.m, family=basis.family, size=repeats, rng=rng
        )
    else:
        points = chain_rule_points(basis, repeats, rng)
    return _weighted(basis, points.reshape(-1, basis.dim))


def weighted_least_squares(f_values, points, weights, basis):
    r"""Weighted least-squares projection of sampled values onto the span of ``basis``.

    .. math::
        \hat c = \arg\min_c \frac1n \sum_i w_i \big(f(x_i) - \phi(x_i)^\top c\big)^2,
        \qquad G = \frac1n \sum_i w_i \phi(x_i)\phi(x_i)^\top.

    Solved by an SVD-based least-squares solve of the weighted design
    matrix (no normal equations), so a badly conditioned ``G`` still gives
    the minimum-norm solution. Exact on functions of the space.

    Parameters
    ----------
    f_values : array_like, shape (n,)
        Real values :math:`f(x_i)`.
    points : array_like, shape (n, dim)
        Sample points, ``n >= 1`` (``(n,)`` accepted for ``dim = 1``).
    weights : array_like, shape (n,)
        Positive weights.
    basis : PolynomialBasis

    Returns
    -------
    LeastSquaresResult
        Computed in float64; ``coefficients`` and ``gram`` are returned in the
        floating dtype of the inputs (see README, Conventions).

    Raises
    ------
    ValueError
        On shape mismatch, no points, NaN values, points outside [-1, 1]^d or
        non-positive weights.
    TypeError
        If ``basis`` is not a :class:`PolynomialBasis`; if ``f_values``,
        ``points`` or ``weights`` hold complex (or non-numeric) values.

    References
    ----------
    .. [1] A. Nouy, B. Michel, Section 2, Eq. (2.2) and the Gram matrix (2.3).

    Examples
    --------
    >>> import numpy as np
    >>> basis = PolynomialBasis(3)
    >>> x, w = christoffel_sampling(basis, 20, rng=0)
    >>> fit = weighted_least_squares(1 + x[:, 0] ** 2, x, w, basis)
    >>> np.round(fit.coefficients, 6).tolist()  # 1 + x^2 = 4/3 p_0 + 2/(3 sqrt 5) p_2
    [1.333333, 0.0, 0.298142]
    """
    basis = _check_basis(basis)
    _, (f, points, w) = asarrays(f_values, points, weights, names=("f_values", "points", "weights"))
    for value, name in ((f, "f_values"), (points, "points"), (w, "weights")):
        check_real_dtype(value, name)
    f, points, w = (to_numpy(value) for value in (f, points, w))
    dtype = result_float_dtype(namespace(f), f, points, w)
    check_finite(np.asarray(points, dtype=np.float64), "points")
    check_in_cube(np.asarray(points, dtype=np.float64), "points")
    Phi = basis(points)
    n = Phi.shape[0]
    if n == 0:
        raise ValueError("points must hold at least one point, got none")
    f = np.asarray(f, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if f.shape != (n,) or w.shape != (n,):
        raise ValueError(
            f"f_values and weights must have shape ({n},), got {f.shape} and {w.shape}"
        )
    check_finite(f, "f_values")
    check_finite(w, "weights")
    if np.any(w <= 0):
        raise ValueError("weights must be positive")
    root = np.sqrt(w / n)
    A = root[:, None] * Phi
    coefficients = np.linalg.lstsq(A, root * f, rcond=None)[0]
    gram = A.T @ A
    deviation = float(np.max(np.abs(np.linalg.eigvalsh(gram - np.eye(basis.m)))))
    if dtype != np.float64:
        coefficients, gram = coefficients.astype(dtype), gram.astype(dtype)
    return LeastSquaresResult(coefficients=coefficients, gram=gram, gram_deviation=deviation)
