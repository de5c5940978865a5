"""G-optimal experimental design over a finite set of arms."""

from __future__ import annotations

import numpy as np

from bandits.envs._base import as_host_matrix
from bandits.records import GOptimalDesign
from gpu.backend import asarray_like
from gpu.deprecation import renamed_arguments
from gpu.validate import check_int, check_real

#: Arms whose largest entry lies outside [2^-SAFE_EXPONENT, 2^SAFE_EXPONENT] are rescaled
#: first: the Frank--Wolfe kernel forms products of four entries (pi_k a_k a_k^T and its
#: inverse), which overflow or lose precision to subnormals beyond about 2^+-256.
SAFE_EXPONENT = 64


def _rescaled(host):
    r"""``host`` with its columns divided by powers of two, if needed, to bring them near 1.

    The G-optimal design is invariant to any invertible linear map of the arms
    (with :math:`a \mapsto D a`, :math:`V \mapsto D V D^\top` and every variance
    :math:`a^\top V^{-1} a` is unchanged), in particular to scaling the arms
    or any of their coordinates, and scaling by a power of two is exact. Arms
    whose columns all lie within :math:`2^{\pm 64}` are left untouched (same
    bits); otherwise each non-zero column is scaled to a largest entry in
    [1/2, 1), so a coordinate of size 1e-160 beside others of size 1 is not
    mistaken for a rank deficiency, and nothing overflows.
    """
    columns = np.max(np.abs(host), axis=0)
    scales = np.ldexp(1.0, np.minimum(np.frexp(columns)[1], 1023))
    scales[columns == 0.0] = 1.0
    if np.all((2.0**-SAFE_EXPONENT <= scales) & (scales <= 2.0**SAFE_EXPONENT)):
        return host
    return host / scales


@renamed_arguments(max_iter="max_steps")
def g_optimal_design(A, *, tol: float = 1e-3, max_steps: int = 100_000) -> GOptimalDesign:
    r"""G-optimal design on the rows of ``A`` by Frank--Wolfe (Kiefer--Wolfowitz).

    Finds weights :math:`\pi` on the simplex such that

    .. math:: \max_k a_k^\top V(\pi)^{-1} a_k \le r (1 + \mathrm{tol}),
              \qquad V(\pi) = \sum_k \pi_k a_k a_k^\top,

    where r is the rank of ``A`` (d when the arms span :math:`\mathbb R^d`); the
    Kiefer--Wolfowitz theorem says the minimum over designs of the left side
    is exactly r. Rank-deficient arm sets are handled in an orthonormal basis
    of their span. The design does not change when the arms are scaled, so arms
    of very large or very small magnitude (beyond :math:`2^{\pm 64}`) are first
    rescaled by a power of two and never overflow. Frank--Wolfe with away steps
    and exact line search (Wolfe--Atwood, Todd--Yildirim); each iteration costs
    O(K r + r^2).

    Parameters
    ----------
    A : array, shape (K, d)
        Arms (NumPy or CuPy; computed on the host, weights returned on A's device).
    tol : float
        Relative tolerance on the max variance, ``> 0``.
    max_steps : int
        Iteration cap; ``converged`` is False if it is reached first. (Retired
        name: ``max_iter``, still accepted with a DeprecationWarning.)

    Returns
    -------
    GOptimalDesign

    Raises
    ------
    ValueError
        If ``A`` is not 2-D, is empty, holds NaN/inf, or is all zeros; for
        ``tol <= 0`` or ``max_steps < 1``.

    References
    ----------
    J. Kiefer and J. Wolfowitz. The equivalence of two extremum problems.
    Canadian J. Math. 12 (1960). M. J. Todd, *Minimum-Volume Ellipsoids*, SIAM
    2016, ch. 3. T. Lattimore and C. Szepesvari, *Bandit Algorithms*, Thm. 21.1
    and Note 21.2.

    Examples
    --------
    >>> import numpy as np
    >>> design = g_optimal_design(np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]]))
    >>> design.bound, bool(design.max_variance <= 2 * (1 + 1e-3))
    (2, True)
    """
    from bandits._kernels.design import _g_optimal

    host = as_host_matrix(A, "A", 2)
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    if not np.any(host):
        raise ValueError("A must have a non-zero row")
    weights, iterations, gmax, rank = _g_optimal(_rescaled(host), tol, max_steps)
    weights = np.clip(weights, 0.0, None)
    weights /= weights.sum()
    return GOptimalDesign(
        weights=asarray_like(weights, A),
        max_variance=float(gmax),
        bound=int(rank),
        iterations=int(iterations),
        converged=bool(gmax <= rank * (1.0 + tol)),
        support=np.flatnonzero(weights > 0),
    )
