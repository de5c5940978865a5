"""Volume sampling of rows and the generalised volume-rescaled sampling."""

from __future__ import annotations

import numpy as np

from gpu.backend import as_generator, asarray_like, asarrays, namespace, to_numpy
from gpu.validate import check_int, check_real_dtype, check_weights
from linalg._checks import as_float_matrix, eps
from linalg.projection import sample_projection_dpp

__all__ = ["volume_sampling", "volume_rescaled_sampling", "orthonormal_basis"]


def orthonormal_basis(Phi, name="Phi"):
    """Orthonormal basis (N, m) of the column span of ``Phi``; rejects rank deficiency."""
    Phi = as_float_matrix(Phi, name)
    xp = namespace(Phi)
    n, m = Phi.shape
    if m == 0 or m > n:
        raise ValueError(f"{name} must have 1 <= m <= N columns, got shape {Phi.shape}")
    Q, R = xp.linalg.qr(Phi)
    diag = xp.abs(xp.linalg.diagonal(R))
    if float(xp.min(diag)) <= n * eps(Phi) * float(xp.max(diag)):
        raise ValueError(f"{name} must have full column rank {m}")
    return Q


def volume_sampling(Phi, n, *, rng=None):
    r"""Sample ``n`` distinct rows proportional to :math:`\det(\Phi_S^\top \Phi_S)`.

    Exact decomposition (Derezinski and Warmuth): the rows of a projection DPP
    on the orthonormalised features (``m`` rows), plus ``n - m`` further rows
    drawn uniformly without replacement from the others. By Cauchy-Binet,
    :math:`P(S) = \det(\Phi_S^\top\Phi_S) / (\det(\Phi^\top\Phi)\binom{N-m}{n-m})`.

    Parameters
    ----------
    Phi : array, shape (N, m)
        Feature matrix of full column rank.
    n : int
        Number of rows, ``m <= n <= N``.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    array of int64, shape (n,)
        Sorted row indices, on the device of ``Phi``.

    Raises
    ------
    ValueError
        If ``n < m`` or ``n > N``, ``Phi`` is rank deficient or holds NaN values.

    References
    ----------
    .. [1] M. Derezinski, M. K. Warmuth, "Unbiased estimates for linear
       regression via volume sampling", NeurIPS 2017, Theorem 5.
    .. [2] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling" (2023), Section 4.

    Examples
    --------
    >>> import numpy as np
    >>> Phi = np.random.default_rng(0).standard_normal((20, 3))
    >>> volume_sampling(Phi, 5, rng=0).shape
    (5,)
    """
    Q = orthonormal_basis(Phi)
    N, m = Q.shape
    n = check_int(n, "n", maximum=N)
    if n < m:
        raise ValueError(f"n must be >= m = {m} (the number of features), got {n}")
    rng = as_generator(rng)
    dpp = to_numpy(sample_projection_dpp(Q, rng=rng))
    rest = np.setdiff1d(np.arange(N), dpp)
    extra = rng.choice(rest, size=n - m, replace=False)
    return asarray_like(np.sort(np.concatenate([dpp, extra])), Q, namespace(Q).int64)


def volume_rescaled_sampling(Phi, n, *, base=None, rng=None):
    r"""Generalised volume-rescaled sampling of ``n`` rows (with repetition) over a base measure.

    Draws an ordered ``n``-tuple :math:`(i_1, \dots, i_n)` with probability

    .. math::
        \frac{(n - m)!}{n!}\,\frac{\det\big(\sum_{k} w_{i_k} \Phi_{i_k} \Phi_{i_k}^\top\big)}
        {\det(\Phi^\top\Phi)} \prod_k p_{i_k},
        \qquad w_i = 1 / p_i,

    where ``p`` is the base measure (uniform by default). By Cauchy-Binet it
    is a random interleaving of ``m`` rows from the projection DPP of
    ``Phi`` with ``n - m`` i.i.d. draws from ``p`` (Nouy and Michel,
    Section 4; Derezinski, Warmuth and Hsu). The weighted least-squares
    estimator with weights ``w`` is then quasi-optimal in expectation.

    The law exists only for ``n >= m``: for ``n < m`` the matrix in the
    determinant has rank at most ``n < m``, so every tuple has probability 0.

    Parameters
    ----------
    Phi : array_like, shape (N, m)
        Features of full column rank; they are orthonormal for the counting
        measure after orthonormalisation.
    n : int
        Number of draws, ``n >= m``.
    base : array_like, shape (N,), optional
        Real base probabilities ``p`` (non-negative, normalised here); must be
        positive wherever a row of ``Phi`` is non-zero. Default uniform.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    array of int64, shape (n,)
        The row indices in sampling order (repetitions possible).

    Raises
    ------
    ValueError
        If ``n < m``, ``base`` is invalid or vanishes on a row with non-zero
        features, or ``Phi`` is rank deficient.
    TypeError
        If ``Phi`` or ``base`` holds complex values.

    References
    ----------
    .. [1] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling" (2023),
       Section 4 (generalised volume-rescaled sampling).
    .. [2] M. Derezinski, M. K. Warmuth, D. Hsu, "Unbiased estimators for
       random design regression", JMLR 23 (2022).

    Examples
    --------
    >>> import numpy as np
    >>> Phi = np.random.default_rng(0).standard_normal((20, 3))
    >>> volume_rescaled_sampling(Phi, 6, rng=0).shape
    (6,)
    """
    Q = orthonormal_basis(Phi)
    N, m = Q.shape
    n = check_int(n, "n")
    if n < m:
        raise ValueError(f"n must be >= m = {m} (the number of features), got {n}")
    if base is None:
        p = np.full(N, 1.0 / N)
    else:
        _, (base,) = asarrays(base)
        p = np.asarray(to_numpy(check_real_dtype(base, "base")), dtype=np.float64)
        check_weights(p, "base", n=N)
        p = p / p.sum()
        row_norm = to_numpy(namespace(Q).sum(Q * Q, axis=1))
        if np.any((p == 0) & (row_norm > 1e-14)):
            raise ValueError("base must be positive on every row with non-zero features")
    rng = as_generator(rng)
    dpp = to_numpy(sample_projection_dpp(Q, rng=rng))
    extra = rng.choice(N, size=n - m, replace=True, p=p)
    tuple_ = rng.permutation(np.concatenate([dpp, extra]))
    return asarray_like(tuple_, Q, namespace(Q).int64)
