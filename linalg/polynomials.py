"""Orthonormal polynomial bases on [-1, 1]^dim and their multi-index sets."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np

from gpu.backend import asarrays, namespace, result_float_dtype, to_numpy
from gpu.validate import check_choice, check_finite, check_int, check_real_dtype

__all__ = ["MAX_ENTRIES", "PolynomialBasis", "multi_indices", "recurrence_coefficients"]

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


# The most entries ``m * dim`` a multi-index table may hold (1 GiB of int64).
MAX_ENTRIES = 2**27


def multi_indices(m, dim, index_set="total"):
    """The first ``m`` multi-indices of ``dim`` variables in a graded order.

    ``"total"`` orders by total degree ``|alpha|_1``, then lexicographically
    (the first ``m`` of a total-degree space; a full space when ``m`` is
    ``binom(p + dim, dim)``). ``"tensor"`` orders by maximal degree
    ``|alpha|_inf``, then by total degree, then lexicographically (a full
    tensor space when ``m = (p + 1)^dim``). Both sets are downward closed.

    The tensor order is not DPPy's (``compute_ordering``, after Bardenet and
    Hardy, Section 2.1.3): DPPy also orders by maximal degree but then
    lexicographically, without the total-degree key. The two agree on full
    tensor spaces as sets and differ as sequences from index 5 in 2-D: here
    ``(0, 2), (2, 0), (1, 2)``, in DPPy ``(0, 2), (1, 2), (2, 0)``.

    The indices are generated in order, degree by degree, with work and
    memory about proportional to ``m * dim``: the whole space of the last
    degree is never enumerated.

    Parameters
    ----------
    m : int
        Number of multi-indices, ``m >= 1``.
    dim : int
        Number of variables, ``dim >= 1``.
    index_set : {"total", "tensor"}
        The order, see above.

    Returns
    -------
    numpy.ndarray of int64, shape (m, dim)

    Raises
    ------
    ValueError
        If ``m < 1``, ``dim < 1``, the index set is unknown, or the table would
        hold more than ``MAX_ENTRIES = 2**27`` entries (``m * dim``, 1 GiB of
        int64); checked before anything is allocated.

    Examples
    --------
    >>> multi_indices(4, 2).tolist()
    [[0, 0], [0, 1], [1, 0], [0, 2]]
    >>> multi_indices(5, 2, "tensor").tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1], [0, 2]]
    """
    m = check_int(m, "m", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    check_choice(index_set, "index_set", INDEX_SETS)
    check_table_size(m, dim)
    if dim == 1:  # both orders are 0, 1, 2, ...
        return np.arange(m, dtype=np.int64)[:, None]
    blocks, found = [], 0
    for total, bound, hit in _shells(dim, index_set):
        block = _graded_block(total, dim, bound, hit, m - found)
        blocks.append(block)
        found += block.shape[0]
        if found >= m:
            break
    return np.concatenate(blocks)[:m]


def check_table_size(m, dim):
    """Raise ``ValueError`` if an ``(m, dim)`` multi-index table exceeds ``MAX_ENTRIES``."""
    if m * dim > MAX_ENTRIES:
        raise ValueError(
            f"m * dim = {m} * {dim} = {m * dim} multi-index entries exceed the limit "
            f"MAX_ENTRIES = {MAX_ENTRIES} (1 GiB of int64); use a smaller m or dim"
        )


def _shells(dim, index_set):
    """``(total degree, bound on each index, whether some index must equal the bound)`` in order."""
    for degree in itertools.count():
        if index_set == "total":
            yield degree, degree, False
        else:
            for total in range(degree, degree * dim + 1):
                yield total, degree, True


def _graded_block(total, dim, bound, hit, limit):
    """The first ``limit`` vectors, in lexicographic order, of ``{0..bound}^dim`` with sum
    ``total`` (and, when ``hit``, some entry equal to ``bound``); an int64 array.

    Only feasible branches are entered, so the work is O(rows * dim).
    """
    if dim == 2:  # (first, total - first) for every feasible first, vectorised
        first = np.arange(max(0, total - bound), min(total, bound) + 1, dtype=np.int64)
        if hit:
            first = first[(first == bound) | (total - first == bound)]
        first = first[:limit]
        return np.column_stack([first, total - first])
    parts, found = [], 0
    for first in range(min(total, bound) + 1):
        if found >= limit:
            break
        rest, rest_hit = total - first, hit and first != bound
        if rest > bound * (dim - 1) or (rest_hit and rest < bound):
            continue
        block = _graded_block(rest, dim - 1, bound, rest_hit, limit - found)
        parts.append(np.column_stack([np.full(block.shape[0], first, dtype=np.int64), block]))
        found += block.shape[0]
    if not parts:
        return np.empty((0, dim), dtype=np.int64)
    return np.concatenate(parts)


def check_in_cube(X, name):
    """Raise a ValueError naming ``name`` unless every coordinate of ``X`` lies in [-1, 1].

    The bases are orthonormal on :math:`[-1, 1]^d`; outside it their values grow
    like :math:`|x|^{\text{degree}}` and overflow, and LAPACK then fails on the
    infinite features (printing to stdout) instead of a clear error.
    """
    outside = np.abs(X) > 1.0
    if np.any(outside):
        worst = float(X.ravel()[np.argmax(np.abs(X).ravel())])
        raise ValueError(
            f"{name} must lie in [-1, 1]^d, the domain of the orthonormal basis; got "
            f"{int(outside.sum())} coordinates outside (e.g. {worst:g})"
        )
    return X


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

    Raises
    ------
    ValueError
        For ``m < 1``, ``dim < 1``, an unknown family or index set, or
        ``m * dim`` above :data:`MAX_ENTRIES` (see :func:`multi_indices`).

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
        check_table_size(self.m, self.dim)

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
        """Feature matrix :math:`(\\phi_j(x_i))`, shape (n, m), of points ``x`` (n, dim) or (n,).

        ``x`` may be any real array or array-like inside :math:`[-1, 1]^d`
        (coordinates outside raise ``ValueError``); complex values raise
        ``TypeError``. Computed in float64 on the host and returned as a NumPy
        array in the floating dtype of ``x`` (see README, Conventions).
        """
        from linalg._kernels.polynomial import _evaluate_features

        _, (x,) = asarrays(x)
        check_real_dtype(x, "x")
        host = to_numpy(x)
        dtype = result_float_dtype(namespace(host), host)
        X = np.asarray(host, dtype=np.float64)
        if X.ndim == 1 and self.dim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {X.shape}")
        check_finite(X, "x")
        check_in_cube(X, "x")
        idx, betas, _, nmax = self.kernel_arguments()
        Phi = _evaluate_features(np.ascontiguousarray(X), idx, betas, nmax)
        return Phi if dtype == np.float64 else Phi.astype(dtype)

    def christoffel(self, x):
        r""":math:`\sum_j \phi_j(x)^2` at the points ``x``, shape (n,)."""
        Phi = self(x)
        return np.einsum("ij,ij->i", Phi, Phi)
