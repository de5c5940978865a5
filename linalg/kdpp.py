"""Exact k-DPP sampling with elementary symmetric polynomials in log space."""

from __future__ import annotations

import numpy as np

from gpu.backend import as_generator, asarrays, namespace, result_float_dtype, to_numpy
from gpu.validate import check_int, check_real_dtype
from linalg._checks import check_eig, check_size, rank_tolerance, symmetric_eig
from linalg.projection import projection_columns_batch

__all__ = ["sample_kdpp", "log_elementary_symmetric"]


def log_elementary_symmetric(eigenvalues, k):
    r"""Table of :math:`\log e_l(\lambda_1, \dots, \lambda_n)` for ``l <= k``, ``n <= N``.

    Computed by :math:`e_l(n) = e_l(n-1) + \lambda_n e_{l-1}(n-1)` with
    log-add-exp, so it neither overflows nor underflows (DPPy's linear-scale
    recursion overflows for large N, its issue #80).

    Parameters
    ----------
    eigenvalues : array, shape (N,)
        Non-negative values; zeros enter as :math:`\log 0 = -\infty`.
    k : int
        Largest order, ``0 <= k``.

    Returns
    -------
    numpy.ndarray, shape (k + 1, N + 1)
        Computed in float64 and returned in the floating dtype of the inputs
        (see README, Conventions).

    Raises
    ------
    ValueError
        For negative or non-finite values.
    TypeError
        For complex or non-numeric values.

    References
    ----------
    .. [1] A. Kulesza, B. Taskar, "Determinantal point processes for machine
       learning", Foundations and Trends in ML 5 (2012), Algorithm 7.

    Examples
    --------
    >>> T = log_elementary_symmetric([1.0, 2.0, 3.0], 2)
    >>> round(float(np.exp(T[2, 3])), 9)  # 1*2 + 1*3 + 2*3
    11.0
    """
    from linalg._kernels.esp import _log_esp_table

    _, (values,) = asarrays(eigenvalues)
    check_real_dtype(values, "eigenvalues")
    host = to_numpy(values)
    dtype = result_float_dtype(namespace(host), host)
    lam = np.asarray(host, dtype=np.float64)
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("eigenvalues must be a 1-D array of finite non-negative values")
    k = check_int(k, "k", minimum=0)
    with np.errstate(divide="ignore"):
        log_lam = np.log(lam)
    table = _log_esp_table(log_lam, k)
    return table if dtype == np.float64 else table.astype(dtype)


def sample_kdpp(L, k, *, eig=None, size=None, rng=None):
    r"""Exact sample of the k-DPP with likelihood kernel ``L``.

    :math:`P(Y = S) \propto \det L_S` over subsets of size ``k``. Eigenvectors
    are selected by Kulesza and Taskar's Algorithm 8 using the
    elementary symmetric polynomials of the eigenvalues, computed in log
    space (:func:`log_elementary_symmetric`), then the projection DPP of the
    ``k`` selected eigenvectors is sampled. Stable for N = 10,000 and
    condition numbers of 1e6 and beyond.

    Parameters
    ----------
    L : array, shape (N, N) or None
        Symmetric positive semi-definite likelihood kernel; ``None`` when
        ``eig`` is given.
    k : int
        Sample size, ``1 <= k <= rank(L)``. With ``L``, the rank counts the
        eigenvalues above ``N * eps * max eigenvalue`` (``eps`` of the dtype of
        ``L``): a symmetric eigensolver cannot resolve smaller ones, as in
        :func:`numpy.linalg.matrix_rank`. With ``eig``, the eigenvalues are
        taken as exact and every positive one counts (negative round-off
        within the semi-definiteness tolerance is clipped to 0); zero those
        that are round-off before passing a numerical decomposition of a
        rank-deficient kernel.
    eig : (eigenvalues, eigenvectors), optional
        Precomputed eigendecomposition of ``L`` (cache it to sample many times).
    size : int, optional
        Number of independent samples; ``None`` returns one.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    array of int64, shape (k,) or (size, k)
        Sorted items, on the device of the eigenvectors.

    Raises
    ------
    ValueError
        If ``k`` exceeds the rank of ``L``; if ``L`` is not symmetric
        positive semi-definite or holds NaN values; unless exactly one of
        ``L`` and ``eig`` is given.

    References
    ----------
    .. [1] A. Kulesza, B. Taskar, "k-DPPs: fixed-size determinantal point
       processes", ICML 2011; and Foundations and Trends in ML 5 (2012),
       Algorithms 7 and 8.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((40, 10))
    >>> sample_kdpp(X @ X.T, 3, rng=0).shape
    (3,)
    """
    from linalg._kernels.esp import _scaled_esp_table, _select_k_eigenvectors
    from linalg._kernels.stream import host_seeds

    if (L is None) == (eig is None):
        raise ValueError("pass exactly one of L and eig")
    size_ = check_size(size)
    k = check_int(k, "k", minimum=1)
    lam, vecs = (
        symmetric_eig(L, "L", marginal=False)
        if eig is None
        else check_eig(eig, "eig", marginal=False)
    )
    tol = rank_tolerance(lam, vecs.shape[0])
    lam = np.array(to_numpy(lam), dtype=np.float64)
    if eig is None:  # eigenvalues of eigh: below n eps max they are round-off
        lam[lam <= tol] = 0.0
    rank = int(np.count_nonzero(lam))
    if k > rank:
        raise ValueError(f"k = {k} exceeds the rank of L ({rank}); a k-DPP needs k <= rank")
    rng = as_generator(rng)
    S = 1 if size_ is None else size_
    chosen = np.empty((S, k), dtype=np.int64)
    seeds = host_seeds(rng, S)
    table, ratio, ok = _scaled_esp_table(lam, k)
    if not ok:  # scaled linear arithmetic would underflow: log space
        table = log_elementary_symmetric(lam, k).T
    _select_k_eigenvectors(lam, table, ratio, not ok, k, seeds, chosen)
    samples = projection_columns_batch(vecs, list(chosen), rng)
    if size_ is None:
        return samples[0]
    return namespace(samples[0]).stack(samples)
