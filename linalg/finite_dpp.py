"""Spectral sampling and exact likelihoods of finite DPPs given by a kernel."""

from __future__ import annotations

import numpy as np

from gpu.backend import as_generator, asarray_like, is_half, namespace, to_numpy
from gpu.validate import check_choice
from linalg._checks import (
    as_square_symmetric,
    check_eig,
    check_size,
    check_spectrum,
    symmetric_eig,
)
from linalg.projection import projection_columns_batch

__all__ = ["sample_dpp", "dpp_log_probability"]


def sample_dpp(*, K=None, L=None, eig=None, eig_kernel="K", size=None, rng=None):
    r"""Exact sample of a finite DPP by the spectral method.

    With :math:`K = \sum_n \lambda_n v_n v_n^\top`, eigenvector :math:`v_n`
    is kept independently with probability :math:`\lambda_n` (for a
    likelihood kernel :math:`L`, with probability
    :math:`\lambda_n / (1 + \lambda_n)`), then the projection DPP of the kept
    eigenvectors is sampled (:func:`linalg.sample_projection_dpp`). The
    sample size is therefore a sum of independent Bernoulli variables.

    Parameters
    ----------
    K : array, shape (N, N), optional
        Marginal kernel: symmetric with eigenvalues in [0, 1].
    L : array, shape (N, N), optional
        Likelihood kernel: symmetric positive semi-definite.
    eig : (eigenvalues, eigenvectors), optional
        A precomputed eigendecomposition, of ``K`` or ``L`` as ``eig_kernel``
        says; reuse it to sample many times without decomposing again.
    eig_kernel : {"K", "L"}
        Which kernel ``eig`` decomposes.
    size : int, optional
        Number of independent samples; ``None`` returns one.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    array of int64, or list of them
        The sorted items of the sample; a list of ``size`` such arrays when
        ``size`` is given (their lengths differ). On the device of the input.

    Raises
    ------
    ValueError
        Unless exactly one of ``K``, ``L``, ``eig`` is given; if the kernel
        is not square, not symmetric, holds NaN or infinite values, is not
        positive semi-definite, or (for ``K``) has an eigenvalue above 1. The
        tolerances are relative: 1e-8 in float64, ``10 N eps`` of the dtype
        when larger, as in float32 (see :mod:`linalg._checks`).

    References
    ----------
    .. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virag, "Determinantal
       processes and independence", Probability Surveys 3 (2006), Theorem 7.
    .. [2] A. Kulesza, B. Taskar, "Determinantal point processes for machine
       learning", Foundations and Trends in ML 5 (2012), Algorithm 1.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((30, 4))
    >>> sample = sample_dpp(L=X @ X.T, rng=0)
    >>> bool(sample.size <= 4)
    True
    """
    size_ = check_size(size)
    check_choice(eig_kernel, "eig_kernel", ("K", "L"))
    given = [name for name, value in (("K", K), ("L", L), ("eig", eig)) if value is not None]
    if len(given) != 1:
        raise ValueError(f"pass exactly one of K, L, eig; got {given or 'none'}")
    K, L = _without_half(K), _without_half(L)
    if K is not None:
        lam, vecs = symmetric_eig(K, "K", marginal=True)
        kind = "K"
    elif L is not None:
        lam, vecs = symmetric_eig(L, "L", marginal=False)
        kind = "L"
    else:
        lam, vecs = check_eig(eig, "eig", marginal=eig_kernel == "K")
        kind = eig_kernel
    rng = as_generator(rng)
    S = 1 if size_ is None else size_
    lam = to_numpy(lam)
    keep_probability = lam if kind == "K" else lam / (1.0 + lam)
    keep = rng.random((S, lam.shape[0])) < keep_probability[None, :]
    samples = projection_columns_batch(vecs, [np.flatnonzero(row) for row in keep], rng)
    return samples[0] if size_ is None else samples


def dpp_log_probability(subset, *, K=None, L=None):
    r"""Exact log-probability that a DPP equals ``subset``.

    .. math::
        \log P(Y = S) = \log\det L_S - \log\det(I + L)
        \quad\text{or}\quad
        \log |\det(K - I_{\bar S})|,

    where :math:`I_{\bar S}` is the diagonal indicator of the complement of
    :math:`S` (Kulesza and Taskar, Eq. 2.12 and 2.9). A zero probability
    gives ``-inf``, decided exactly up to the rounding of the kernel: the
    determinant is the product of the singular values of :math:`K - I_{\bar
    S}` (eigenvalues of :math:`L_S`), and one of them at or below
    ``N * eps * max(1, ||kernel||_2)`` (``eps`` the float64 machine epsilon)
    makes the matrix singular to within the rounding of its entries, so the
    probability is 0: an impossible subset of a projection kernel (its size
    is not the rank, or it is linearly dependent) gives ``-inf``, not
    :math:`\log` of a rounding error (about -40).

    Parameters
    ----------
    subset : sequence of int
        Distinct items in ``[0, N)``; may be empty.
    K, L : array, shape (N, N)
        Exactly one: the marginal kernel (eigenvalues in [0, 1]) or the
        likelihood kernel (positive semi-definite).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Unless exactly one kernel is given; for an invalid kernel (see
        :func:`sample_dpp`); for repeated or out-of-range items.
    TypeError
        For non-integer items.

    References
    ----------
    .. [1] A. Kulesza, B. Taskar, "Determinantal point processes for machine
       learning", Foundations and Trends in ML 5 (2012), Section 2.2.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.diag([1.0, 3.0])
    >>> round(float(np.exp(dpp_log_probability([1], L=L))), 12)  # 3 / ((1 + 1)(1 + 3))
    0.375
    """
    given = [name for name, value in (("K", K), ("L", L)) if value is not None]
    if len(given) != 1:
        raise ValueError(f"pass exactly one of K, L; got {given or 'none'}")
    A = as_square_symmetric(_without_half(K if K is not None else L), given[0])
    xp = namespace(A)
    # eigenvalues only: the normaliser and the spectrum checks need no eigenvectors
    lam = check_spectrum(xp.linalg.eigvalsh((A + A.T) / 2), given[0], marginal=K is not None)
    n = A.shape[0]
    items = _check_subset(subset, n)
    if L is not None:
        log_norm = float(xp.sum(xp.log1p(lam)))
        if items.size == 0:
            return -log_norm
        idx = asarray_like(items, A, xp.int64)
        sub = xp.take(xp.take(A, idx, axis=0), idx, axis=1)
        factors = xp.linalg.eigvalsh((sub + sub.T) / 2)
        scale = float(xp.max(lam)) if lam.shape[0] else 0.0
        return _log_product(xp, factors, n, scale) - log_norm
    outside = np.ones(n)
    outside[items] = 0.0
    M = A - xp.diag(asarray_like(outside, A, A.dtype))
    return _log_product(xp, xp.linalg.svdvals(M), n, 1.0)


def _log_product(xp, factors, n, scale):
    """log of the product of non-negative ``factors``, or -inf if one is rounding-level.

    A factor at or below ``n * eps * max(1, scale)`` is zero to within the
    rounding of an (n, n) kernel of norm ``scale``.
    """
    tol = n * float(np.finfo(np.float64).eps) * max(1.0, scale)
    if factors.shape[0] == 0:
        return 0.0
    if float(xp.min(factors)) <= tol:
        return -np.inf
    return float(xp.sum(xp.log(factors)))


def _without_half(A):
    """float16 kernels as float32 (LAPACK has no half precision; see result_float_dtype)."""
    if A is None or not hasattr(A, "dtype") or not is_half(A):
        return A
    return namespace(A).astype(A, namespace(A).float32)


def _check_subset(subset, n):
    items = np.asarray(to_numpy(subset) if hasattr(subset, "shape") else list(subset))
    if items.size == 0:
        return np.empty(0, dtype=np.int64)
    if items.ndim != 1 or not np.issubdtype(items.dtype, np.integer):
        raise TypeError(f"subset must be a 1-D sequence of integers, got {items!r}")
    if items.min() < 0 or items.max() >= n:
        raise ValueError(f"subset items must lie in [0, {n}), got {items.tolist()}")
    if np.unique(items).size != items.size:
        raise ValueError(f"subset items must be distinct, got {items.tolist()}")
    return items.astype(np.int64)
