"""Orthonormal polynomial bases on [-1, 1]^dim and their multi-index sets."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math

import numpy as np

from gpu.backend import to_numpy
from gpu.validate import check_choice, check_finite, check_int

__all__ = ["PolynomialBasis", "multi_indices", "recurrence_coefficients"]

FAMILIES = ("legendre", "chebyshev")
INDEX_SETS = ("total", "tensor")


def recurrence_coefficients(family, nmax):
    r"""Coefficients :math:`b_n` of :math:`x p_n = b_{n+1} p_{n+1} + b_n p_{n-1}`, n = 1..nmax+1.

    Legendre (orthonormal for :math:`dx/2`): :math:`b_n = n / \sqrt{4n^2 - 1}`.
    Chebyshev of the first kind (orthonormal for the arcsine law
    :math:`dx / (\pi\sqrt{1-x^2})`): :math:`b_1 = 1/\sqrt2`, :math:`b_n = 1/2`.

    Returns
    -------
    numpy.ndarray, shape (nmax + 2,)
        ``b[n]``; ``b[0]`` is unused (0).

    Examples
    --------
    >>> round(float(recurrence_coefficients("legendre", 1)[1]) ** 2, 12)  # 1/3
    0.333333333333
    """
    check_choice(family, "family", FAMILIES)
    nmax = check_int(nmax, "nmax", minimum=0)
    n = np.arange(nmax + 2, dtype=np.float64)
    if family == "legendre":
        b = n / np.sqrt(np.maximum(4.0 * n * n - 1.0, 1.0))
    else:
        b = np.full(nmax + 2, 0.5)
        b[1] = np.sqrt(0.5)
    b[0] = 0.0
    return b


def multi_indices(m, dim, index_set="total"):
    """The first ``m`` multi-indices of ``dim`` variables in a graded order.

    ``"total"`` orders by total degree ``|alpha|_1`` then lexicographically
    (the first ``m`` of a total-degree space; a full space when ``m`` is
    ``binom(p + dim, dim)``); ``"tensor"`` orders by maximal degree
    ``|alpha|_inf`` then by total degree and lexicographically (a full tensor
    space when ``m = (p + 1)^dim``, DPPy's ordering). Both sets are downward
    closed.

    Returns
    -------
    numpy.ndarray of int64, shape (m, dim)

    Examples
    --------
    >>> multi_indices(4, 2).tolist()
    [[0, 0], [0, 1], [1, 0], [0, 2]]
    >>> multi_indices(4, 2, "tensor").tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    m = check_int(m, "m", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    check_choice(index_set, "index_set", INDEX_SETS)
    degree = 0
    while _space_size(degree, dim, index_set) < m:
        degree += 1
    grid = np.array(list(itertools.product(range(degree + 1), repeat=dim)), dtype=np.int64)
    total = grid.sum(axis=1)
    if index_set == "total":
        grid = grid[total <= degree]
        total = grid.sum(axis=1)
        order = np.lexsort((*grid.T[::-1], total))
    else:
        order = np.lexsort((*grid.T[::-1], total, grid.max(axis=1)))
    return grid[order][:m]


def _space_size(degree, dim, index_set):
    return (degree + 1) ** dim if index_set == "tensor" else math.comb(degree + dim, dim)


@dataclasses.dataclass(frozen=True)
class PolynomialBasis:
    r"""Orthonormal tensor-product polynomials :math:`(\phi_j)_{j < m}` on :math:`[-1, 1]^d`.

    :math:`\phi_j(x) = \prod_d p_{\alpha_{j,d}}(x_d)` with :math:`p_n` the
    orthonormal Legendre (reference measure :math:`\mu` uniform, :math:`dx/2`
    per coordinate) or Chebyshev (arcsine measure) polynomials, and
    :math:`\alpha_j` the first ``m`` multi-indices of :func:`multi_indices`.

    Parameters
    ----------
    m : int
        Dimension of the space.
    dim : int
        Number of variables.
    family : {"legendre", "chebyshev"}
        The 1-D family.
    index_set : {"total", "tensor"}
        The order in which multi-indices are taken.

    Examples
    --------
    >>> import numpy as np
    >>> basis = PolynomialBasis(3)
    >>> np.round(basis(np.array([[0.5]])), 4).tolist()  # 1, sqrt(3) x, sqrt(5) (3x^2 - 1)/2
    [[1.0, 0.866, -0.2795]]
    """

    m: int
    dim: int = 1
    family: str = "legendre"
    index_set: str = "total"

    def __post_init__(self):
        check_int(self.m, "m", minimum=1)
        check_int(self.dim, "dim", minimum=1)
        check_choice(self.family, "family", FAMILIES)
        check_choice(self.index_set, "index_set", INDEX_SETS)

    @functools.cached_property
    def indices(self):
        """Multi-indices, an int64 array of shape (m, dim)."""
        return multi_indices(self.m, self.dim, self.index_set)

    @property
    def max_degree(self):
        """Largest 1-D degree used."""
        return int(self.indices.max())

    @property
    def family_code(self):
        """Integer code of the family for the compiled kernels."""
        return FAMILIES.index(self.family)

    @functools.cached_property
    def _kernel_arguments(self):
        nmax = self.max_degree
        return self.indices, recurrence_coefficients(self.family, nmax), self.family_code, nmax

    def kernel_arguments(self):
        """``(indices, recurrence coefficients, family code, max degree)`` for the kernels."""
        return self._kernel_arguments

    def __call__(self, x):
        """Feature matrix :math:`(\\phi_j(x_i))`, shape (n, m), of points ``x`` (n, dim) or (n,)."""
        from linalg._kernels.polynomial import _evaluate_features

        X = np.asarray(to_numpy(x), dtype=np.float64)
        if X.ndim == 1 and self.dim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {X.shape}")
        check_finite(X, "x")
        idx, betas, _, nmax = self.kernel_arguments()
        return _evaluate_features(np.ascontiguousarray(X), idx, betas, nmax)

    def christoffel(self, x):
        r""":math:`\sum_j \phi_j(x)^2` at the points ``x``, shape (n,)."""
        Phi = self(x)
        return np.einsum("ij,ij->i", Phi, Phi)
