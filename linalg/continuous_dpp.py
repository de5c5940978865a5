"""Continuous projection DPPs of orthonormal polynomials on [-1, 1]^dim."""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal

from gpu.backend import as_generator
from gpu.validate import check_choice
from linalg._checks import check_size
from linalg.polynomials import PolynomialBasis

__all__ = ["sample_projection_dpp_polynomial"]

# Beta-ensemble parameters (a, b) on [0, 1] of each family's weight, t = (1 + x) / 2:
# Legendre dx -> t^0 (1 - t)^0, Chebyshev (1 - x^2)^{-1/2} -> t^{-1/2} (1 - t)^{-1/2}.
_JACOBI_AB = {"legendre": (1.0, 1.0), "chebyshev": (0.5, 0.5)}


def sample_projection_dpp_polynomial(
    m, *, dim=1, family="legendre", index_set="total", method="auto", size=None, rng=None
):
    r"""Exact sample of the projection DPP of ``m`` orthonormal polynomials on :math:`[-1, 1]^d`.

    The kernel is :math:`K(x, y) = \sum_{j < m} \phi_j(x)\phi_j(y)` with
    respect to the reference measure :math:`\mu` (uniform for Legendre,
    arcsine for Chebyshev, tensorised), :math:`\phi_j` the basis of
    :class:`linalg.PolynomialBasis` (first ``m`` multi-indices of the total
    degree or tensor order). The sample has exactly ``m`` points with joint
    density :math:`\det[K(x_i, x_j)] / m!` w.r.t. :math:`\mu^{\otimes m}`.

    * ``method="tridiagonal"`` (``dim = 1`` only; the default there): the
      points are the eigenvalues of the Killip-Nenciu random tridiagonal
      (Jacobi) matrix of the :math:`\beta = 2` Jacobi ensemble, O(m^2).
    * ``method="chain_rule"``: the chain rule, each point drawn by rejection
      from the Christoffel density :math:`K(x, x) d\mu / m` (itself sampled
      exactly by a uniform mixture of :math:`\phi_j^2 d\mu`), accepted with
      probability :math:`\|P^\perp \phi(x)\|^2 / \|\phi(x)\|^2`; expected
      :math:`m \log m` proposals per sample. Compiled (Numba), samples in
      parallel.

    Parameters
    ----------
    m : int
        Number of points (dimension of the polynomial space), ``m >= 1``.
    dim : int
        Dimension ``d >= 1``.
    family : {"legendre", "chebyshev"}
        1-D orthonormal family.
    index_set : {"total", "tensor"}
        Order of the multi-indices for ``dim >= 2`` (see
        :func:`linalg.polynomials.multi_indices`).
    method : {"auto", "tridiagonal", "chain_rule"}
        ``"auto"`` is ``"tridiagonal"`` for ``dim = 1``, else ``"chain_rule"``.
    size : int, optional
        Number of independent samples; ``None`` returns one.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    numpy.ndarray, shape (m, dim) or (size, m, dim)
        The points; their order carries no meaning. CPU only (no array input
        decides a device).

    Raises
    ------
    ValueError
        For ``m < 1``, ``dim < 1``, an unknown family, index set or method,
        or ``method="tridiagonal"`` with ``dim >= 2``.

    References
    ----------
    .. [1] R. Killip, I. Nenciu, "Matrix models for circular ensembles", IMRN
       2004, Theorem 2 (the Jacobi ensemble).
    .. [2] J. B. Hough, M. Krishnapur, Y. Peres, B. Virag, "Determinantal
       processes and independence", Probability Surveys 3 (2006), Algorithm 18.
    .. [3] R. Bardenet, A. Hardy, "Monte Carlo with determinantal point
       processes", Annals of Applied Probability 30 (2020); G. Gautier,
       R. Bardenet, M. Valko, "On two ways to use determinantal point processes
       for Monte Carlo integration", NeurIPS 2019 (DPPy's chain rule).

    Examples
    --------
    >>> sample_projection_dpp_polynomial(5, rng=0).shape
    (5, 1)
    >>> sample_projection_dpp_polynomial(6, dim=2, size=2, rng=0).shape
    (2, 6, 2)
    """
    basis = PolynomialBasis(m, dim=dim, family=family, index_set=index_set)
    check_choice(method, "method", ("auto", "tridiagonal", "chain_rule"))
    size_ = check_size(size)
    if method == "auto":
        method = "tridiagonal" if dim == 1 else "chain_rule"
    if method == "tridiagonal" and dim != 1:
        raise ValueError(f"method='tridiagonal' needs dim = 1, got dim = {dim}")
    rng = as_generator(rng)
    S = 1 if size_ is None else size_
    if method == "tridiagonal":
        a, b = _JACOBI_AB[family]
        out = np.stack([_jacobi_tridiagonal(m, a, b, rng) for _ in range(S)])[:, :, None]
    else:
        out = chain_rule_points(basis, S, rng)
    return out[0] if size_ is None else out


def chain_rule_points(basis, S, rng):
    """``S`` chain-rule samples of the projection DPP of ``basis``, shape (S, m, dim)."""
    from linalg._kernels.polynomial import _chain_rule_chunks, _chain_rule_range
    from linalg._kernels.stream import host_seeds, run_batched

    idx, betas, code, nmax = basis.kernel_arguments()
    out = np.empty((S, basis.m, basis.dim))
    status = np.zeros(S, dtype=np.int64)
    args = (idx, betas, code, nmax, host_seeds(rng, S), out, status)
    run_batched(_chain_rule_range, _chain_rule_chunks, S, *args)
    if np.any(status != 0):  # pragma: no cover - orthonormal features cannot exhaust the budget
        raise RuntimeError("continuous chain rule exhausted its proposal budget")
    return out


def _jacobi_tridiagonal(m, a, b, rng):
    r"""Eigenvalues, mapped to [-1, 1], of the Killip-Nenciu model of the beta = 2 Jacobi ensemble.

    Joint density on [0, 1] proportional to
    :math:`\Delta(t)^2 \prod_i t_i^{a-1} (1 - t_i)^{b-1}` (Killip and Nenciu,
    Theorem 2, in the parametrisation of DPPy's ``mu_ref_beta_sampler_tridiag``).
    """
    half = np.arange(m - 1, -1, -1, dtype=np.float64)  # beta/2 * (m - i), i = 1..m
    c_odd = rng.beta(half + a, half + b)
    c_even = np.zeros(m)
    c_even[1:] = rng.beta(half[:-1], half[1:] + a + b)
    xi_odd = (1.0 - c_even) * c_odd
    xi_even = np.zeros(m)
    xi_even[1:] = (1.0 - c_odd[:-1]) * c_even[1:]
    diagonal = xi_even + xi_odd
    off = np.sqrt(xi_odd[:-1] * xi_even[1:])
    t = eigvalsh_tridiagonal(diagonal, off) if m > 1 else diagonal
    return 2.0 * t - 1.0
